//! The login service: accounts under `/account` (register, log in, log out, settings).
//!
//! It owns the users and the login-throttling state in its own database, and writes the
//! identity into the shared session cookie that every other service reads.

pub mod breached;
pub mod clock;
pub mod config;
pub mod copy;
pub mod device;
pub mod domain;
#[cfg(feature = "gallery")]
pub mod gallery;
pub mod outcome;
pub mod password_hashing;
mod routes;
mod state;
pub mod throttle;
pub mod users;

pub use config::Config;

use actix_web::web;
use breached::BreachedPasswords;
use chassis::db::{DbPool, Migrations};
use chassis::routing::LOGIN;
use chassis::server::{Service, mount};
use clock::{Clock, SystemClock};
use device::DeviceCookies;
use diesel_migrations::embed_migrations;
use password_hashing::PasswordHasher;
use state::LoginState;
use std::sync::Arc;

pub const MIGRATIONS: Migrations = Migrations {
    lock_key: 0x6c6f_6769_6e00_0001,
    postgres: embed_migrations!("../migrations/login/postgres"),
    sqlite: embed_migrations!("../migrations/login/sqlite"),
};

/// The login service, ready to be mounted.
#[derive(Clone)]
pub struct LoginService {
    state: LoginState,
}

impl LoginService {
    /// Connects to the database and applies migrations.
    pub async fn build(config: &Config) -> Result<Self, chassis::cli::StartError> {
        let pool = chassis::db::connect_and_migrate(&config.database_url, MIGRATIONS, 10).await?;
        let hasher =
            PasswordHasher::new(config.hash_concurrency).map_err(chassis::cli::StartError::new)?;
        let breached = match &config.breached_check {
            Some(check) => Some(
                BreachedPasswords::new(&check.base_url, check.timeout).map_err(|e| {
                    chassis::cli::StartError::new(format!("PWNED_PASSWORDS_URL: {e}"))
                })?,
            ),
            None => None,
        };
        Ok(Self {
            state: LoginState {
                pool,
                hasher,
                throttle: config.throttle,
                clock: Arc::new(SystemClock),
                devices: DeviceCookies::new(
                    config.common.session_key.bytes(),
                    config.common.cookie_secure,
                ),
                breached,
                sessions: config.common.sessions.clone(),
            },
        })
    }

    /// The same service reading the time from `clock` (tests move it by hand).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.state.clock = clock;
        self
    }

    pub fn pool(&self) -> &DbPool {
        &self.state.pool
    }

    /// The hashing pool, whose counts show how many passwords were verified and hashed.
    pub fn password_hasher(&self) -> &PasswordHasher {
        &self.state.hasher
    }
}

impl Service for LoginService {
    fn configure(&self, cfg: &mut actix_web::web::ServiceConfig) {
        cfg.service(
            mount(&LOGIN, self.state.pool.clone(), routes::configure)
                .app_data(web::Data::new(self.state.clone())),
        );
    }
}

/// Runs the standalone service until SIGTERM.
pub async fn serve(config: Config) -> Result<(), chassis::cli::StartError> {
    chassis::metrics::install("login", &config.common.metrics)?;
    let service = LoginService::build(&config).await?;
    chassis::session::connect(&config.common.sessions).await?;
    let app = chassis::server::Application::build(
        &config.common,
        vec![Arc::new(service) as Arc<dyn Service>],
    )?;
    log::info!("login listening on {}", config.common.bind);
    app.run_until_stopped(config.common.shutdown_drain).await?;
    Ok(())
}

/// Applies migrations and exits (the one-off `migrate` task).
pub async fn migrate(config: Config) -> Result<(), chassis::cli::StartError> {
    LoginService::build(&config).await?;
    log::info!("login database is up to date");
    Ok(())
}
