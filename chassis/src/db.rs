//! The database: one connection type over PostgreSQL and SQLite, chosen by the URL's scheme,
//! an r2d2 pool, migrations embedded per service and backend, and a way to run queries off
//! the async workers.

use crate::config::ConfigError;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

/// A connection to either backend. Queries written against it run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A database URL whose scheme has been checked. Its text is never logged: it may hold a password.
#[derive(Clone)]
pub struct DatabaseUrl {
    /// The variable it came from, so that errors about it name the right one.
    var: &'static str,
    backend: Backend,
    /// What diesel is given: the URL for PostgreSQL, the file path for SQLite.
    target: String,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({:?}, {})", self.backend, self.redacted())
    }
}

impl DatabaseUrl {
    /// `postgres://…`, `postgresql://…` or `sqlite://path`. Any other scheme is refused by name.
    pub fn parse(var: &'static str, raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        let expects = "expected a URL starting with postgres:// or sqlite://";
        let Some((scheme, rest)) = raw.split_once("://") else {
            return Err(ConfigError::new(
                var,
                format!("{expects}, got a value with no scheme"),
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Self {
                var,
                backend: Backend::Postgres,
                target: raw.to_owned(),
            }),
            "sqlite" if !rest.is_empty() => Ok(Self {
                var,
                backend: Backend::Sqlite,
                target: rest.to_owned(),
            }),
            "sqlite" => Err(ConfigError::new(
                var,
                "expected sqlite://path/to/file.db, got no path",
            )),
            other => Err(ConfigError::new(
                var,
                format!("{expects}, got scheme {other:?}"),
            )),
        }
    }

    /// The SQLite file at `path`, standing for the variable `var` (a local default).
    pub fn sqlite_file(var: &'static str, path: &std::path::Path) -> Self {
        Self {
            var,
            backend: Backend::Sqlite,
            target: path.display().to_string(),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The variable this URL came from (`DATABASE_URL`, `LOGIN_DATABASE_URL`…).
    pub fn var(&self) -> &'static str {
        self.var
    }

    /// Host and database for PostgreSQL, the path for SQLite; never the password.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.target),
            Backend::Postgres => {
                let after_scheme = self.target.split_once("://").map_or("", |(_, r)| r);
                let host_and_db = after_scheme
                    .rsplit_once('@')
                    .map_or(after_scheme, |(_, r)| r);
                let host_and_db = host_and_db.split('?').next().unwrap_or_default();
                format!("postgres://{host_and_db}")
            }
        }
    }
}

/// Opens connections for the pool with the backend the URL's scheme named. (The derived
/// `MultiConnection::establish` tries each backend in turn, so a PostgreSQL URL that fails
/// would fall through to SQLite; this manager never guesses.)
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match self.url.backend {
            Backend::Postgres => {
                diesel::PgConnection::establish(&self.url.target).map(DbConnection::Postgresql)
            }
            Backend::Sqlite => {
                diesel::SqliteConnection::establish(&self.url.target).map(DbConnection::Sqlite)
            }
        }
        .map_err(diesel::r2d2::Error::ConnectionError)
    }

    /// Run on every check-out (`test_on_check_out`), so that a PostgreSQL connection that died
    /// with its server (a restart, a failover) is replaced before a request gets it, without a
    /// round trip: a `SELECT 1` on every check-out cost 20-30% of a signed-in page. A server
    /// that shuts down, restarts or ends a backend sends its goodbye and closes the socket;
    /// reading what arrived while the connection sat idle (libpq's `PQconsumeInput`, which
    /// never blocks and sends nothing) finds it, and the connection is dropped. A server that
    /// vanishes without a word is caught by [`Self::has_broken`] after the first query fails.
    /// An SQLite connection is a file handle in this process, with no server to lose.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        match conn {
            DbConnection::Postgresql(c) => server_still_there(c),
            DbConnection::Sqlite(_) => Ok(()),
        }
    }

    /// Checked when a connection goes back to the pool: one whose server went away (libpq
    /// then fails every read) or that was left inside a transaction is not kept.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        match conn {
            DbConnection::Postgresql(c) => {
                diesel::r2d2::R2D2Connection::is_broken(c) || server_still_there(c).is_err()
            }
            DbConnection::Sqlite(_) => false,
        }
    }
}

/// Reads, without sending anything, what the server sent since the last query. Twice: the
/// first read may only take in the server's goodbye, the second then meets the closed socket.
fn server_still_there(conn: &mut diesel::PgConnection) -> Result<(), diesel::r2d2::Error> {
    for _ in 0..2 {
        if let Some(Err(err)) = conn.notifications_iter().next() {
            return Err(diesel::r2d2::Error::QueryError(err));
        }
    }
    Ok(())
}

/// The migrations of one service, for each backend (embedded with `embed_migrations!`).
/// Services keep it in a `const` and pass it by value.
pub struct Migrations {
    /// A stable number per service for the PostgreSQL advisory lock.
    pub lock_key: i64,
    pub postgres: EmbeddedMigrations,
    pub sqlite: EmbeddedMigrations,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("record not found")]
    NotFound,
    #[error("a unique value is already taken")]
    UniqueViolation,
    #[error("database query failed: {0}")]
    Query(diesel::result::Error),
}

impl From<diesel::result::Error> for DbError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => Self::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::UniqueViolation,
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            Error::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().contains("database is locked") =>
            {
                Self::Unavailable(info.message().to_owned())
            }
            other => Self::Query(other),
        }
    }
}

impl From<r2d2::Error> for DbError {
    fn from(err: r2d2::Error) -> Self {
        Self::Unavailable(err.to_string())
    }
}

/// Sets SQLite up for a web server: WAL so readers never block the writer, a busy timeout
/// instead of immediate "database is locked" errors, and enforced foreign keys.
#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        match conn {
            DbConnection::Sqlite(c) => c.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
            ),
            DbConnection::Postgresql(c) => c.batch_execute("SET statement_timeout = '10s'"),
        }
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Connection failures surface where a connection was asked for (a 503, a failed readiness
/// check, a start-up error); logging each retry as well would flood the log during an outage.
#[derive(Debug)]
struct QuietPoolErrors;

impl r2d2::HandleError<diesel::r2d2::Error> for QuietPoolErrors {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        log::debug!("database connection attempt failed: {error}");
    }
}

/// A pool of connections to one service's database.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<ConnectionManager>,
    backend: Backend,
}

impl DbPool {
    /// Builds the pool without connecting; [`DbPool::check`] proves the database answers.
    pub fn new(url: &DatabaseUrl, max_size: u32) -> Result<Self, String> {
        if let Backend::Sqlite = url.backend
            && let Some(parent) = std::path::Path::new(&url.target).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create the folder {}: {e}", parent.display()))?;
        }
        let manager = ConnectionManager { url: url.clone() };
        let pool = Pool::builder()
            .max_size(max_size)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(3))
            .test_on_check_out(true)
            .error_handler(Box::new(QuietPoolErrors))
            .connection_customizer(Box::new(ConnectionSetup))
            .build_unchecked(manager);
        Ok(Self {
            pool,
            backend: url.backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for blocking code (tests, the migrate command, background tasks).
    pub fn get(&self) -> Result<PooledConnection<ConnectionManager>, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking diesel work on the blocking thread pool, never on an async worker.
    pub async fn run<T, F>(&self, work: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let asked = std::time::Instant::now();
            let mut conn = pool.get()?;
            crate::metrics::record_pool_wait(asked.elapsed());
            work(&mut conn)
        })
        .await
        .map_err(|e| DbError::Unavailable(format!("database task failed: {e}")))?
    }

    /// Proves the database answers a trivial query.
    pub async fn check(&self) -> Result<(), DbError> {
        self.run(|conn| {
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await
    }

    /// Applies pending migrations. On PostgreSQL an advisory lock makes replicas that start
    /// together take turns, so each migration runs once.
    pub fn migrate(&self, migrations: Migrations) -> Result<usize, String> {
        let mut conn = self.get().map_err(|e| e.to_string())?;
        match &mut *conn {
            DbConnection::Sqlite(c) => run_pending(c, migrations.sqlite),
            DbConnection::Postgresql(c) => {
                diesel::sql_query(format!("SELECT pg_advisory_lock({})", migrations.lock_key))
                    .execute(c)
                    .map_err(|e| format!("could not take the migration lock: {e}"))?;
                let result = run_pending(c, migrations.postgres);
                let unlock = diesel::sql_query(format!(
                    "SELECT pg_advisory_unlock({})",
                    migrations.lock_key
                ))
                .execute(c);
                let applied = result?;
                unlock.map_err(|e| format!("could not release the migration lock: {e}"))?;
                Ok(applied)
            }
        }
    }
}

fn run_pending<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<usize, String>
where
    C: MigrationHarness<<C as Connection>::Backend> + Connection,
{
    conn.run_pending_migrations(migrations)
        .map(|applied| applied.len())
        .map_err(|e| format!("a migration failed: {e}"))
}

/// Connects to the service's database, proves it answers, and applies migrations: the start
/// of every service. Errors name `var` and never show a password.
pub async fn connect_and_migrate(
    url: &DatabaseUrl,
    migrations: Migrations,
    pool_size: u32,
) -> Result<DbPool, crate::cli::StartError> {
    let fail = |what: &str, err: String| {
        let first_line = err.lines().next().unwrap_or_default().trim().to_owned();
        crate::cli::StartError::new(format!(
            "{}: {what} {}: {first_line}",
            url.var(),
            url.redacted()
        ))
    };
    let pool = DbPool::new(url, pool_size).map_err(|e| fail("cannot open", e))?;
    pool.check()
        .await
        .map_err(|e| fail("cannot connect to", e.to_string()))?;
    let migrating = pool.clone();
    let applied = tokio::task::spawn_blocking(move || migrating.migrate(migrations))
        .await
        .map_err(|e| fail("cannot migrate", e.to_string()))?
        .map_err(|e| fail("cannot migrate", e))?;
    if applied > 0 {
        log::info!("applied {applied} migration(s) to {}", url.redacted());
    }
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("DATABASE_URL", "postgres://u:p@h/db")
                .expect("pg")
                .backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("DATABASE_URL", "postgresql://h/db")
                .expect("pg")
                .backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("DATABASE_URL", "sqlite://data/x.db")
                .expect("sqlite")
                .backend(),
            Backend::Sqlite
        );
    }

    #[test]
    fn unknown_schemes_are_refused_by_name_without_falling_through() {
        let err = DatabaseUrl::parse("DATABASE_URL", "mysql://h/db").unwrap_err();
        assert_eq!(err.var, "DATABASE_URL");
        assert!(err.problem.contains("\"mysql\""), "{}", err.problem);
        assert!(DatabaseUrl::parse("DATABASE_URL", "data/x.db").is_err());
        assert!(DatabaseUrl::parse("DATABASE_URL", "sqlite://").is_err());
    }

    #[test]
    fn the_password_never_shows() {
        let url = DatabaseUrl::parse(
            "DATABASE_URL",
            "postgres://app:s3cret@db.internal:5432/login?sslmode=require",
        )
        .expect("pg");
        assert_eq!(url.redacted(), "postgres://db.internal:5432/login");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
