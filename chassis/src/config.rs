//! Configuration from the environment, read and checked once at start.
//!
//! Every problem is a [`ConfigError`] that names the variable and says what it expects, so a
//! misconfigured process stops with one line an operator can act on.

use base64::Engine;
use ipnet::IpNet;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// A variable that is missing or malformed, and what it should have been.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub fn new(var: &'static str, problem: impl Into<String>) -> Self {
        Self {
            var,
            problem: problem.into(),
        }
    }
}

/// Where variables come from: the process environment, or a map in tests.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnv;

impl Source for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Source for std::collections::HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        std::collections::HashMap::get(self, name).cloned()
    }
}

impl<const N: usize> Source for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

/// A set variable, trimmed; an empty value counts as unset.
pub fn optional_var(env: &dyn Source, var: &'static str) -> Option<String> {
    env.get(var)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub fn required_var(
    env: &dyn Source,
    var: &'static str,
    expects: &str,
) -> Result<String, ConfigError> {
    optional_var(env, var)
        .ok_or_else(|| ConfigError::new(var, format!("is not set; expected {expects}")))
}

/// Parses a variable with `FromStr`, or returns `default` when it is unset.
pub fn var_parsed<T: FromStr>(
    env: &dyn Source,
    var: &'static str,
    default: T,
    expects: &str,
) -> Result<T, ConfigError> {
    match optional_var(env, var) {
        None => Ok(default),
        Some(raw) => raw
            .parse()
            .map_err(|_| ConfigError::new(var, format!("expected {expects}, got {raw:?}"))),
    }
}

pub fn var_bool(env: &dyn Source, var: &'static str, default: bool) -> Result<bool, ConfigError> {
    match optional_var(env, var).map(|v| v.to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if matches!(v.as_str(), "true" | "1" | "yes") => Ok(true),
        Some(v) if matches!(v.as_str(), "false" | "0" | "no") => Ok(false),
        Some(v) => Err(ConfigError::new(
            var,
            format!("expected true or false, got {v:?}"),
        )),
    }
}

/// Seconds within `range`, as a [`Duration`].
pub fn var_secs(
    env: &dyn Source,
    var: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    let expects = format!(
        "a whole number of seconds from {} to {}",
        range.start(),
        range.end()
    );
    let secs: u64 = var_parsed(env, var, default, &expects)?;
    if !range.contains(&secs) {
        return Err(ConfigError::new(
            var,
            format!("expected {expects}, got {secs}"),
        ));
    }
    Ok(Duration::from_secs(secs))
}

/// The key that encrypts and signs session cookies; the same in every service.
#[derive(Clone)]
pub struct SessionKey(Vec<u8>);

impl SessionKey {
    pub const MIN_BYTES: usize = 64;

    pub fn from_base64(raw: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(raw.trim())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(raw.trim()))
            .map_err(|_| {
                "expected base64 of at least 64 random bytes, but it is not valid base64".to_owned()
            })?;
        if bytes.len() < Self::MIN_BYTES {
            return Err(format!(
                "expected base64 of at least {} random bytes, got {} bytes (make one with: openssl rand -base64 64)",
                Self::MIN_BYTES,
                bytes.len()
            ));
        }
        Ok(Self(bytes))
    }

    pub fn generate() -> Self {
        let mut bytes = vec![0u8; Self::MIN_BYTES];
        rand::fill(&mut bytes[..]);
        Self(bytes)
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// The CIDRs whose `X-Forwarded-For` we believe (the load balancer's subnets).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                IpNet::from_str(s)
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("expected comma-separated CIDRs like 10.0.0.0/16, got {s:?}")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }
}

/// What every service reads: where to listen, the session, logs, proxies, shutdown.
#[derive(Debug, Clone)]
pub struct CommonConfig {
    pub bind: SocketAddr,
    pub session_key: SessionKey,
    pub cookie_secure: bool,
    pub log_format: LogFormat,
    pub trusted_proxies: TrustedProxies,
    /// How long a session lives without a request before it is no longer honoured.
    pub session_idle: Duration,
    /// How long a session lives after login, however active.
    pub session_absolute: Duration,
    /// How long SIGTERM waits for in-flight requests.
    pub shutdown_timeout: Duration,
    /// How long readiness reports 503 before the listener closes, so the balancer stops sending.
    pub shutdown_drain: Duration,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long an idle keep-alive connection stays open: longer than the load balancer's
    /// idle timeout (60 s on the ALB), so that the balancer, not us, closes it.
    pub keep_alive: Duration,
    /// How long a client may take to send a request's head.
    pub request_head_timeout: Duration,
    /// How long a client may take to send a request's body, after its head.
    pub request_body_timeout: Duration,
    pub metrics: crate::metrics::MetricsSink,
    /// The shared session store (`SESSION_STORE_URL`), or one in this process for `site`.
    pub sessions: crate::session::Sessions,
}

/// Every key the services write to the shared store starts with this.
pub const SESSION_STORE_NAMESPACE: &str = "coinwatch:";

/// `SESSION_STORE_URL`: where the shared session store is. Required unless `in_process` allows
/// keeping sessions in this process.
fn session_store(
    env: &dyn Source,
    in_process: bool,
) -> Result<crate::session::Sessions, ConfigError> {
    const VAR: &str = "SESSION_STORE_URL";
    const EXPECTS: &str =
        "redis://host:port or rediss://host:port (the shared Valkey/Redis session store)";
    let Some(raw) = optional_var(env, VAR) else {
        return if in_process {
            Ok(crate::session::Sessions::in_process())
        } else {
            Err(ConfigError::new(
                VAR,
                format!("is not set; expected {EXPECTS}"),
            ))
        };
    };
    if !(raw.starts_with("redis://") || raw.starts_with("rediss://")) {
        return Err(ConfigError::new(
            VAR,
            format!("expected {EXPECTS}, got a URL of another scheme"),
        ));
    }
    crate::session::Sessions::valkey(&raw, SESSION_STORE_NAMESPACE)
        .map_err(|e| ConfigError::new(VAR, format!("expected {EXPECTS}: {e}")))
}

impl CommonConfig {
    /// Reads the common variables. `defaults` fills what a local run may leave unset.
    pub fn from_env(env: &dyn Source, defaults: &LocalDefaults) -> Result<Self, ConfigError> {
        let bind_raw = match &defaults.bind {
            Some(default) => optional_var(env, "BIND").unwrap_or_else(|| default.clone()),
            None => required_var(env, "BIND", "host:port to listen on, e.g. 0.0.0.0:8080")?,
        };
        let bind = bind_raw.parse().map_err(|_| {
            ConfigError::new(
                "BIND",
                format!("expected host:port like 127.0.0.1:8080, got {bind_raw:?}"),
            )
        })?;

        let session_key = match (optional_var(env, "SESSION_KEY"), &defaults.session_key) {
            (Some(raw), _) => {
                SessionKey::from_base64(&raw).map_err(|p| ConfigError::new("SESSION_KEY", p))?
            }
            (None, Some(key)) => key.clone(),
            (None, None) => {
                return Err(ConfigError::new(
                    "SESSION_KEY",
                    "is not set; expected base64 of at least 64 random bytes, the same in every service",
                ));
            }
        };

        let log_format = match optional_var(env, "LOG_FORMAT").as_deref() {
            None => defaults.log_format,
            Some("json") => LogFormat::Json,
            Some("text") => LogFormat::Text,
            Some(other) => {
                return Err(ConfigError::new(
                    "LOG_FORMAT",
                    format!("expected json or text, got {other:?}"),
                ));
            }
        };

        let trusted_proxies = match optional_var(env, "TRUSTED_PROXIES") {
            None => TrustedProxies::default(),
            Some(raw) => {
                TrustedProxies::parse(&raw).map_err(|p| ConfigError::new("TRUSTED_PROXIES", p))?
            }
        };

        Ok(Self {
            bind,
            session_key,
            cookie_secure: var_bool(env, "COOKIE_SECURE", defaults.cookie_secure)?,
            log_format,
            trusted_proxies,
            session_idle: var_secs(env, "SESSION_IDLE_SECS", 30 * 60, 60..=7 * 86_400)?,
            session_absolute: var_secs(env, "SESSION_ABSOLUTE_SECS", 12 * 3600, 300..=30 * 86_400)?,
            shutdown_timeout: var_secs(env, "SHUTDOWN_TIMEOUT_SECS", 20, 1..=29)?,
            shutdown_drain: var_secs(
                env,
                "SHUTDOWN_DRAIN_SECS",
                defaults.shutdown_drain_secs,
                0..=20,
            )?,
            body_limit: var_parsed(env, "BODY_LIMIT_BYTES", 16 * 1024, "a number of bytes")?,
            keep_alive: var_secs(env, "KEEP_ALIVE_SECS", 75, 1..=3600)?,
            request_head_timeout: var_secs(env, "REQUEST_HEAD_TIMEOUT_SECS", 10, 1..=300)?,
            request_body_timeout: var_secs(env, "REQUEST_BODY_TIMEOUT_SECS", 15, 1..=300)?,
            metrics: match optional_var(env, "METRICS") {
                None if defaults.metrics_off => crate::metrics::MetricsSink::Off,
                _ => crate::metrics::MetricsSink::from_env(env)?,
            },
            sessions: session_store(env, defaults.in_process_sessions)?,
        })
    }
}

/// Defaults for what a local run may leave unset. Production binaries use [`LocalDefaults::production`].
#[derive(Debug, Clone)]
pub struct LocalDefaults {
    pub bind: Option<String>,
    pub session_key: Option<SessionKey>,
    pub cookie_secure: bool,
    pub log_format: LogFormat,
    pub shutdown_drain_secs: u64,
    /// No metrics unless `METRICS` asks for them (local runs: EMF would clutter the terminal).
    pub metrics_off: bool,
    /// Keep sessions in this process when `SESSION_STORE_URL` is unset (one-process `site`).
    pub in_process_sessions: bool,
}

impl LocalDefaults {
    /// Service binaries: everything that matters must be set explicitly.
    pub fn production() -> Self {
        Self {
            bind: None,
            session_key: None,
            cookie_secure: true,
            log_format: LogFormat::Json,
            shutdown_drain_secs: 5,
            metrics_off: false,
            in_process_sessions: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        SessionKey::generate().to_base64()
    }

    #[test]
    fn service_binaries_require_bind_and_session_key() {
        let err = CommonConfig::from_env(&[("X", "")], &LocalDefaults::production()).unwrap_err();
        assert_eq!(err.var, "BIND");
        let err = CommonConfig::from_env(&[("BIND", "127.0.0.1:0")], &LocalDefaults::production())
            .unwrap_err();
        assert_eq!(err.var, "SESSION_KEY");
    }

    #[test]
    fn a_short_or_garbled_session_key_is_named() {
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let err = CommonConfig::from_env(
            &[("BIND", "127.0.0.1:0"), ("SESSION_KEY", &short)],
            &LocalDefaults::production(),
        )
        .unwrap_err();
        assert_eq!(err.var, "SESSION_KEY");
        assert!(err.problem.contains("got 32 bytes"), "{}", err.problem);
        let err = CommonConfig::from_env(
            &[("BIND", "127.0.0.1:0"), ("SESSION_KEY", "not base64!!")],
            &LocalDefaults::production(),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("SESSION_KEY: "), "{err}");
    }

    #[test]
    fn a_valid_environment_parses() {
        let k = key();
        let cfg = CommonConfig::from_env(
            &[
                ("BIND", "127.0.0.1:8081"),
                ("SESSION_KEY", &k),
                ("COOKIE_SECURE", "false"),
                ("LOG_FORMAT", "text"),
                ("TRUSTED_PROXIES", "10.0.0.0/16, 127.0.0.1"),
                ("SHUTDOWN_TIMEOUT_SECS", "5"),
                ("SESSION_STORE_URL", "redis://127.0.0.1:6379"),
            ],
            &LocalDefaults::production(),
        )
        .expect("valid");
        assert_eq!(cfg.bind.port(), 8081);
        assert!(!cfg.cookie_secure);
        assert_eq!(cfg.log_format, LogFormat::Text);
        assert!(
            cfg.trusted_proxies
                .contains(&"10.0.3.4".parse().expect("ip"))
        );
        assert!(
            cfg.trusted_proxies
                .contains(&"127.0.0.1".parse().expect("ip"))
        );
        assert!(
            !cfg.trusted_proxies
                .contains(&"192.168.1.1".parse().expect("ip"))
        );
        assert_eq!(cfg.shutdown_timeout, Duration::from_secs(5));
    }

    #[test]
    fn keep_alive_outlasts_the_load_balancer_and_timeouts_are_configurable() {
        let k = key();
        let base = [
            ("BIND", "127.0.0.1:1"),
            ("SESSION_KEY", k.as_str()),
            ("SESSION_STORE_URL", "redis://127.0.0.1:6379"),
        ];
        let cfg = CommonConfig::from_env(&base, &LocalDefaults::production()).expect("defaults");
        assert_eq!(cfg.keep_alive, Duration::from_secs(75));
        assert_eq!(cfg.request_head_timeout, Duration::from_secs(10));
        assert_eq!(cfg.request_body_timeout, Duration::from_secs(15));
        let cfg = CommonConfig::from_env(
            &[
                base[0],
                base[1],
                base[2],
                ("KEEP_ALIVE_SECS", "120"),
                ("REQUEST_HEAD_TIMEOUT_SECS", "3"),
                ("REQUEST_BODY_TIMEOUT_SECS", "30"),
            ],
            &LocalDefaults::production(),
        )
        .expect("set");
        assert_eq!(cfg.keep_alive, Duration::from_secs(120));
        assert_eq!(cfg.request_head_timeout, Duration::from_secs(3));
        assert_eq!(cfg.request_body_timeout, Duration::from_secs(30));
    }

    #[test]
    fn out_of_range_and_malformed_values_are_named() {
        let k = key();
        for (var, value) in [
            ("SHUTDOWN_TIMEOUT_SECS", "30"),
            ("SHUTDOWN_TIMEOUT_SECS", "soon"),
            ("COOKIE_SECURE", "maybe"),
            ("LOG_FORMAT", "xml"),
            ("TRUSTED_PROXIES", "10.0.0.0/99"),
            ("BIND", "localhost"),
            ("KEEP_ALIVE_SECS", "forever"),
            ("KEEP_ALIVE_SECS", "0"),
            ("REQUEST_HEAD_TIMEOUT_SECS", "-1"),
            ("REQUEST_BODY_TIMEOUT_SECS", "3601"),
        ] {
            let err = CommonConfig::from_env(
                &[
                    ("BIND", if var == "BIND" { value } else { "127.0.0.1:1" }),
                    ("SESSION_KEY", &k),
                    ("SESSION_STORE_URL", "redis://127.0.0.1:6379"),
                    (var, value),
                ],
                &LocalDefaults::production(),
            )
            .unwrap_err();
            assert_eq!(err.var, var, "{err}");
            assert!(!err.to_string().contains('\n'));
        }
    }

    #[test]
    fn service_binaries_require_a_session_store_url_of_the_redis_scheme() {
        let k = key();
        let base = [("BIND", "127.0.0.1:1"), ("SESSION_KEY", k.as_str())];
        let err = CommonConfig::from_env(&base, &LocalDefaults::production()).unwrap_err();
        assert_eq!(err.var, "SESSION_STORE_URL");
        assert!(err.problem.contains("is not set"), "{}", err.problem);
        for bad in ["http://cache:6379", "cache:6379"] {
            let err = CommonConfig::from_env(
                &[base[0], base[1], ("SESSION_STORE_URL", bad)],
                &LocalDefaults::production(),
            )
            .unwrap_err();
            assert_eq!(err.var, "SESSION_STORE_URL", "{bad}");
        }
        for good in ["redis://127.0.0.1:6379", "rediss://cache.example:6379"] {
            let cfg = CommonConfig::from_env(
                &[base[0], base[1], ("SESSION_STORE_URL", good)],
                &LocalDefaults::production(),
            )
            .expect("valid");
            assert!(!cfg.sessions.is_in_process(), "{good}");
        }
        let local = LocalDefaults {
            in_process_sessions: true,
            ..LocalDefaults::production()
        };
        let cfg = CommonConfig::from_env(&base, &local).expect("valid");
        assert!(cfg.sessions.is_in_process());
    }

    #[test]
    fn session_key_debug_output_is_redacted() {
        assert_eq!(
            format!("{:?}", SessionKey::generate()),
            "SessionKey(<redacted>)"
        );
    }
}
