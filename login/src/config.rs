//! The login service's configuration, from the environment.

use crate::throttle::ThrottlePolicy;
use chassis::config::{
    CommonConfig, ConfigError, LocalDefaults, Source, optional_var, required_var, var_bool,
    var_parsed, var_secs,
};
use chassis::db::DatabaseUrl;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub common: CommonConfig,
    pub database_url: DatabaseUrl,
    pub throttle: ThrottlePolicy,
    /// Password hashes computed at once; each takes 19 MiB and a core.
    pub hash_concurrency: usize,
    pub breached_check: Option<BreachedCheck>,
}

#[derive(Debug, Clone)]
pub struct BreachedCheck {
    pub base_url: String,
    pub timeout: Duration,
}

impl Config {
    /// The standalone `login` binary: `DATABASE_URL` and the common variables.
    pub fn from_env(env: &dyn Source, defaults: &LocalDefaults) -> Result<Self, ConfigError> {
        let common = CommonConfig::from_env(env, defaults)?;
        let raw = required_var(env, "DATABASE_URL", "postgres://… or sqlite://path")?;
        Self::with_database(env, common, DatabaseUrl::parse("DATABASE_URL", &raw)?)
    }

    /// Login's own settings over an already-read common config and database (the `site` binary).
    pub fn with_database(
        env: &dyn Source,
        common: CommonConfig,
        database_url: DatabaseUrl,
    ) -> Result<Self, ConfigError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let throttle = ThrottlePolicy {
            max_failures_per_account: var_parsed(
                env,
                "LOGIN_MAX_FAILURES_PER_ACCOUNT",
                5,
                "a whole number from 1",
            )?,
            max_failures_per_ip: var_parsed(
                env,
                "LOGIN_MAX_FAILURES_PER_IP",
                20,
                "a whole number from 1",
            )?,
            max_failures_per_device: var_parsed(
                env,
                "LOGIN_MAX_FAILURES_PER_DEVICE",
                5,
                "a whole number from 1",
            )?,
            registrations_per_hour_per_ip: var_parsed(
                env,
                "REGISTRATIONS_PER_HOUR_PER_IP",
                10,
                "a whole number from 1",
            )?,
            window: var_secs(env, "LOGIN_THROTTLE_WINDOW_SECS", 15 * 60, 1..=86_400)?,
            lockout: var_secs(env, "LOGIN_LOCKOUT_SECS", 15 * 60, 1..=86_400)?,
        };
        for (var, value) in [
            (
                "LOGIN_MAX_FAILURES_PER_ACCOUNT",
                throttle.max_failures_per_account,
            ),
            ("LOGIN_MAX_FAILURES_PER_IP", throttle.max_failures_per_ip),
            (
                "LOGIN_MAX_FAILURES_PER_DEVICE",
                throttle.max_failures_per_device,
            ),
            (
                "REGISTRATIONS_PER_HOUR_PER_IP",
                throttle.registrations_per_hour_per_ip,
            ),
        ] {
            if value < 1 {
                return Err(ConfigError::new(
                    var,
                    format!("expected a whole number from 1, got {value}"),
                ));
            }
        }
        let hash_concurrency: usize = var_parsed(
            env,
            "PASSWORD_HASH_CONCURRENCY",
            cores,
            "a whole number from 1 to 64",
        )?;
        if !(1..=64).contains(&hash_concurrency) {
            return Err(ConfigError::new(
                "PASSWORD_HASH_CONCURRENCY",
                format!("expected a whole number from 1 to 64, got {hash_concurrency}"),
            ));
        }
        let breached_check = if var_bool(env, "BREACHED_PASSWORD_CHECK", false)? {
            let base_url = optional_var(env, "PWNED_PASSWORDS_URL")
                .unwrap_or_else(|| "https://api.pwnedpasswords.com".into());
            if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
                return Err(ConfigError::new(
                    "PWNED_PASSWORDS_URL",
                    format!("expected an http(s) URL, got {base_url:?}"),
                ));
            }
            Some(BreachedCheck {
                base_url,
                timeout: Duration::from_millis(var_parsed(
                    env,
                    "PWNED_PASSWORDS_TIMEOUT_MS",
                    1500,
                    "milliseconds",
                )?),
            })
        } else {
            None
        };
        Ok(Self {
            common,
            database_url,
            throttle,
            hash_concurrency,
            breached_check,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common() -> CommonConfig {
        chassis::testing::common_config()
    }

    #[test]
    fn defaults_are_owasp_friendly() {
        let cfg = Config::with_database(
            &[("X", "")],
            common(),
            DatabaseUrl::sqlite_file("DATABASE_URL", "x.db".as_ref()),
        )
        .expect("valid");
        assert_eq!(cfg.throttle.max_failures_per_account, 5);
        assert_eq!(cfg.throttle.max_failures_per_device, 5);
        assert_eq!(cfg.throttle.registrations_per_hour_per_ip, 10);
        assert!(cfg.breached_check.is_none());
        assert!(cfg.hash_concurrency >= 1);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
            ("LOGIN_MAX_FAILURES_PER_IP", "many"),
            ("LOGIN_MAX_FAILURES_PER_DEVICE", "0"),
            ("REGISTRATIONS_PER_HOUR_PER_IP", "-1"),
            ("LOGIN_LOCKOUT_SECS", "0"),
            ("PASSWORD_HASH_CONCURRENCY", "1000"),
            ("BREACHED_PASSWORD_CHECK", "sometimes"),
        ] {
            let err = Config::with_database(
                &[(var, value)],
                common(),
                DatabaseUrl::sqlite_file("DATABASE_URL", "x.db".as_ref()),
            )
            .unwrap_err();
            assert_eq!(err.var, var);
        }
        let err = Config::with_database(
            &[
                ("BREACHED_PASSWORD_CHECK", "true"),
                ("PWNED_PASSWORDS_URL", "ftp://x"),
            ],
            common(),
            DatabaseUrl::sqlite_file("DATABASE_URL", "x.db".as_ref()),
        )
        .unwrap_err();
        assert_eq!(err.var, "PWNED_PASSWORDS_URL");
    }
}
