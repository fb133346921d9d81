//! The product service: the coin listing at `/`, coin pages, and watchlists.
//!
//! It owns the market snapshot, price history and watchlist rows in its own database and
//! reads who is signed in from the shared session, with no call to the login service.
//! Pages render from an in-memory snapshot that a background refresher keeps current
//! (see [`feed`]); a request never waits on the upstream.

pub mod budget;
pub mod config;
pub mod copy;
pub mod feed;
#[cfg(feature = "gallery")]
pub mod gallery;
pub mod logos;
pub mod market;
pub(crate) mod routes;
mod store;
mod svg;
mod watched;

pub use config::Config;

use chassis::db::{DbPool, Migrations};
use chassis::page::{BannerSource, Banners};
use chassis::routing::PRODUCT;
use chassis::server::{Service, mount};
use diesel_migrations::embed_migrations;
use feed::Feed;
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
    feed: Arc<Feed>,
    listing_cache: Arc<routes::listing::cache::ListingCache>,
    watched: Arc<watched::WatchedCoins>,
    bench_ceiling: bool,
    cookies: routes::currency::CookiePolicy,
    origin: routes::Origin,
    live_streams: routes::live::StreamLimit,
}

impl ProductService {
    /// Connects to the database, applies migrations, loads the last market snapshot and starts
    /// the market feed. Never waits on the upstream.
    pub async fn build(config: &Config) -> Result<Self, chassis::cli::StartError> {
        let pool = connect(config).await?;
        let feed = Feed::start(pool.clone(), &config.market)
            .await
            .map_err(chassis::cli::StartError::new)?;
        config
            .common
            .sessions
            .spawn_event_consumer("product", account_events(pool.clone()));
        Ok(Self {
            pool,
            feed: Arc::new(feed),
            listing_cache: Arc::default(),
            watched: Arc::default(),
            bench_ceiling: config.bench_ceiling,
            cookies: routes::currency::CookiePolicy {
                secure: config.common.cookie_secure,
            },
            origin: routes::Origin(config.public_url.clone()),
            live_streams: routes::live::StreamLimit::new(config.live_streams_max),
        })
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// The market feed: the live snapshot, its status, and a way to stop the refresher.
    pub fn feed(&self) -> &Arc<Feed> {
        &self.feed
    }
}

/// How many coins a user watches (0 for a user product has never seen, or whose account is gone).
pub async fn watchlist_size(
    pool: &DbPool,
    user: chassis::ids::UserId,
) -> Result<usize, chassis::db::DbError> {
    pool.run(move |conn| store::watchlist::list(conn, user.0).map(|coins| coins.len()))
        .await
}

/// What product does when an account event arrives: a deleted account's watchlist and saved
/// currency go.
fn account_events(pool: DbPool) -> chassis::events::Handler {
    std::rc::Rc::new(move |event| {
        let pool = pool.clone();
        Box::pin(async move {
            match event {
                chassis::events::AccountEvent::Deleted(user) => {
                    let removed = pool
                        .run(move |conn| {
                            store::currency_preference::forget_user(conn, user.0)?;
                            store::watchlist::forget_user(conn, user.0)
                        })
                        .await
                        .map_err(|e| e.to_string())?;
                    log::info!(user_id = user.0, rows = removed; "watchlist of a deleted account removed");
                    Ok(())
                }
            }
        })
    })
}

async fn connect(config: &Config) -> Result<DbPool, chassis::cli::StartError> {
    chassis::db::connect_and_migrate(&config.database_url, MIGRATIONS, 10).await
}

impl Service for ProductService {
    fn configure(&self, cfg: &mut actix_web::web::ServiceConfig) {
        let banners: Arc<dyn BannerSource> = self.feed.live().clone();
        let bench_ceiling = self.bench_ceiling;
        cfg.service(
            mount(&PRODUCT, self.pool.clone(), move |cfg| {
                routes::configure(cfg);
                if bench_ceiling {
                    routes::listing::ceiling::configure(cfg);
                }
            })
            .app_data(actix_web::web::Data::new(Banners(banners)))
            .app_data(actix_web::web::Data::new(self.cookies))
            .app_data(actix_web::web::Data::from(Arc::clone(&self.feed)))
            .app_data(actix_web::web::Data::from(Arc::clone(&self.listing_cache)))
            .app_data(actix_web::web::Data::from(Arc::clone(&self.watched)))
            .app_data(actix_web::web::Data::new(self.origin.clone()))
            .app_data(actix_web::web::Data::new(self.live_streams.clone())),
        );
    }
}

/// Runs the standalone service until SIGTERM.
pub async fn serve(config: Config) -> Result<(), chassis::cli::StartError> {
    chassis::metrics::install("product", &config.common.metrics)?;
    let service = ProductService::build(&config).await?;
    chassis::session::connect(&config.common.sessions).await?;
    let app = chassis::server::Application::build(
        &config.common,
        vec![Arc::new(service) as Arc<dyn Service>],
    )?;
    log::info!("product listening on {}", config.common.bind);
    app.run_until_stopped(config.common.shutdown_drain).await?;
    Ok(())
}

/// Applies migrations and exits (the one-off `migrate` task); starts no feed.
pub async fn migrate(config: Config) -> Result<(), chassis::cli::StartError> {
    connect(&config).await?;
    log::info!("product database is up to date");
    Ok(())
}
