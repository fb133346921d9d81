//! The product service: the coin listing at `/`, coin pages, and watchlists.
//!
//! It owns the market snapshot, price history and watchlist rows in its own database and
//! reads who is signed in from the shared session, with no call to the login service.

pub mod config;
mod routes;

pub use config::Config;

use chassis::db::{DbPool, Migrations};
use chassis::routing::PRODUCT;
use chassis::server::{Service, mount};
use diesel_migrations::embed_migrations;
use std::sync::Arc;

pub const MIGRATIONS: Migrations = Migrations {
    lock_key: 0x7072_6f64_7563_0001,
    postgres: embed_migrations!("../migrations/product/postgres"),
    sqlite: embed_migrations!("../migrations/product/sqlite"),
};

/// The product service, ready to be mounted.
#[derive(Clone)]
pub struct ProductService {
    pool: DbPool,
}

impl ProductService {
    /// Connects to the database and applies migrations.
    pub async fn build(config: &Config) -> Result<Self, chassis::cli::StartError> {
        let pool = chassis::db::connect_and_migrate("DATABASE_URL", &config.database_url, MIGRATIONS, 10).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }
}

impl Service for ProductService {
    fn route(&self) -> &'static chassis::routing::Route {
        &PRODUCT
    }

    fn configure(&self, cfg: &mut actix_web::web::ServiceConfig) {
        cfg.service(mount(&PRODUCT, self.pool.clone(), routes::configure));
    }
}

/// Runs the standalone service until SIGTERM.
pub async fn serve(config: Config) -> Result<(), chassis::cli::StartError> {
    let service = ProductService::build(&config).await?;
    let app = chassis::server::Application::build(&config.common, vec![Arc::new(service) as Arc<dyn Service>])?;
    log::info!("product listening on {}", config.common.bind);
    app.run_until_stopped(config.common.shutdown_drain).await?;
    Ok(())
}

/// Applies migrations and exits (the one-off `migrate` task).
pub async fn migrate(config: Config) -> Result<(), chassis::cli::StartError> {
    ProductService::build(&config).await?;
    log::info!("product database is up to date");
    Ok(())
}
