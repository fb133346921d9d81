//! Test support for service tests: a throwaway database (SQLite by default, PostgreSQL when
//! `TEST_DATABASE_URL` names a server), a server on port 0, and a browser-like client.
//! Only compiled with the `testing` feature, which services enable for their tests.

use crate::config::{CommonConfig, LogFormat, SessionKey, TrustedProxies};
use crate::db::DatabaseUrl;
use crate::server::{Application, Service};
use diesel::Connection;
use diesel::RunQueryDsl;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A database that exists for one test and is dropped after it.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    raw_url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh, empty database. With `TEST_DATABASE_URL=postgres://…/postgres` it is a new
    /// PostgreSQL database on that server; otherwise a SQLite file in a temporary folder.
    pub fn new(label: &str) -> Self {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(admin_url) => {
                let name = format!("test_{label}_{}", uuid::Uuid::new_v4().simple());
                let mut admin = diesel::PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("TEST_DATABASE_URL: cannot connect: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
                let raw_url = replace_database(&admin_url, &name);
                Self {
                    url: DatabaseUrl::parse("TEST_DATABASE_URL", &raw_url).expect("a postgres URL"),
                    raw_url,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            None => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let path = dir.path().join(format!("{label}.db"));
                let raw_url = format!("sqlite://{}", path.display());
                Self {
                    url: DatabaseUrl::sqlite_file("DATABASE_URL", &path),
                    raw_url,
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
        }
    }

    /// The URL as an operator would write it in `DATABASE_URL`.
    pub fn raw_url(&self) -> &str {
        &self.raw_url
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup
            && let Ok(mut admin) = diesel::PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[after_scheme..].find('/').map(|i| i + after_scheme);
    let mut out = match path_start {
        Some(i) => format!("{}/{name}", &base[..i]),
        None => format!("{base}/{name}"),
    };
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A configuration for tests: port 0, plain http, a random session key.
pub fn common_config() -> CommonConfig {
    common_config_with_key(SessionKey::generate())
}

pub fn common_config_with_key(session_key: SessionKey) -> CommonConfig {
    CommonConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        session_key,
        cookie_secure: false,
        log_format: LogFormat::Text,
        trusted_proxies: TrustedProxies::parse("127.0.0.1/32").expect("a CIDR"),
        session_idle: Duration::from_secs(30 * 60),
        session_absolute: Duration::from_secs(12 * 3600),
        shutdown_timeout: Duration::from_secs(5),
        shutdown_drain: Duration::from_secs(0),
        body_limit: 16 * 1024,
        keep_alive: Duration::from_secs(75),
        request_head_timeout: Duration::from_secs(10),
        request_body_timeout: Duration::from_secs(15),
        metrics: crate::metrics::MetricsSink::Off,
        sessions: test_sessions(),
    }
}

/// The session store for one test: with `TEST_SESSION_STORE_URL=redis://…` a namespace of its
/// own on that server (CI runs every suite so, against a real `redis-server`); otherwise one
/// in this process.
pub fn test_sessions() -> crate::session::Sessions {
    match std::env::var("TEST_SESSION_STORE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(url) => crate::session::Sessions::valkey(
            &url,
            &format!("test:{}:", uuid::Uuid::new_v4().simple()),
        )
        .unwrap_or_else(|e| panic!("TEST_SESSION_STORE_URL: {e}")),
        None => crate::session::Sessions::in_process(),
    }
}

/// A running server on a free port; stopped when dropped.
pub struct TestServer {
    pub address: String,
    /// The server's lifecycle, to start a drain as SIGTERM would.
    pub lifecycle: crate::health::Lifecycle,
    handle: actix_web::dev::ServerHandle,
}

impl TestServer {
    /// Starts `services` on the current actix system (use `#[actix_web::test]`).
    pub fn start(config: &CommonConfig, services: Vec<Arc<dyn Service>>) -> Self {
        let app = Application::build(config, services).expect("the server binds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        let lifecycle = app.lifecycle();
        actix_web::rt::spawn(app.run());
        Self {
            address,
            lifecycle,
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stopping is async; fire and forget, the test's system ends right after.
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

/// A client like a browser: keeps cookies, does not follow redirects (tests look at them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client")
}

/// The CSRF token of the first form in `html`.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf_token field in page:\n{html}"))
        + marker.len();
    let end = html[start..].find('"').expect("a closing quote") + start;
    html[start..end].to_owned()
}

/// Every log line of this test process, for tests that check what reaches the logs.
/// Call [`capture_logs`] first thing in a test binary that needs it.
pub fn captured_logs() -> Vec<String> {
    LOG_LINES
        .get()
        .map(|l| l.lock().map(|v| v.clone()).unwrap_or_default())
        .unwrap_or_default()
}

static LOG_LINES: OnceLock<Mutex<Vec<String>>> = OnceLock::new();

struct CapturingLogger;

impl log::Log for CapturingLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let mut line = format!("{} {} {}", record.level(), record.target(), record.args());
        struct Kv<'a>(&'a mut String);
        impl<'kvs> log::kv::VisitSource<'kvs> for Kv<'_> {
            fn visit_pair(
                &mut self,
                k: log::kv::Key<'kvs>,
                v: log::kv::Value<'kvs>,
            ) -> Result<(), log::kv::Error> {
                self.0.push_str(&format!(" {k}={v}"));
                Ok(())
            }
        }
        let _ = record.key_values().visit(&mut Kv(&mut line));
        if let Some(lines) = LOG_LINES.get()
            && let Ok(mut lines) = lines.lock()
        {
            lines.push(line);
        }
    }

    fn flush(&self) {}
}

/// Installs a logger that keeps every line at every level in memory.
pub fn capture_logs() {
    LOG_LINES.get_or_init(|| Mutex::new(Vec::new()));
    if log::set_logger(&CapturingLogger).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_in_a_server_url() {
        assert_eq!(
            replace_database("postgres://u:p@h:5432/postgres", "t1"),
            "postgres://u:p@h:5432/t1"
        );
        assert_eq!(replace_database("postgres://h", "t1"), "postgres://h/t1");
        assert_eq!(
            replace_database("postgres://h/postgres?sslmode=disable", "t1"),
            "postgres://h/t1?sslmode=disable"
        );
    }
}
