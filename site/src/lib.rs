//! Composition of both services in one process (plus the page gallery), mounted from the routing table, on SQLite
//! files under `data/` and a development session key kept there.

use chassis::cli::StartError;
use chassis::config::{CommonConfig, LocalDefaults, LogFormat, SessionKey, Source, optional_var};
use chassis::db::DatabaseUrl;
use chassis::server::{Application, Service};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub mod gallery;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Where local state lives: `DATA_DIR`, or `data/` in the current directory.
pub fn data_dir() -> PathBuf {
    std::env::var_os("DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from)
}

/// Defaults for a laptop: plain http, readable logs, a session key made once and kept.
pub fn local_defaults() -> Result<LocalDefaults, StartError> {
    Ok(LocalDefaults {
        bind: Some(DEFAULT_BIND.to_owned()),
        session_key: Some(dev_session_key(&data_dir())?),
        cookie_secure: false,
        log_format: LogFormat::Text,
        shutdown_drain_secs: 0,
        metrics_off: true,
        in_process_sessions: true,
    })
}

/// The development session key in `data/session.key`, created on first run, readable by the
/// owner only. Kept so that a restart does not log everyone out.
pub fn dev_session_key(dir: &Path) -> Result<SessionKey, StartError> {
    let path = dir.join("session.key");
    let fail = |e: std::io::Error| {
        StartError::new(format!("SESSION_KEY: cannot use {}: {e}", path.display()))
    };
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return SessionKey::from_base64(&existing).map_err(|p| {
            StartError::new(format!(
                "SESSION_KEY: {} is damaged ({p}); delete it to make a new one",
                path.display()
            ))
        });
    }
    std::fs::create_dir_all(dir).map_err(fail)?;
    let key = SessionKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(fail)?;
    std::io::Write::write_all(&mut file, key.to_base64().as_bytes()).map_err(fail)?;
    Ok(key)
}

pub struct SiteConfig {
    pub common: CommonConfig,
    pub login: login::Config,
    pub product: product::Config,
}

impl SiteConfig {
    pub fn from_env(env: &dyn Source, defaults: &LocalDefaults) -> Result<Self, StartError> {
        let common = CommonConfig::from_env(env, defaults)?;
        let dir = data_dir();
        let url = |var: &'static str, file: &str| match optional_var(env, var) {
            Some(raw) => DatabaseUrl::parse(var, &raw),
            None => Ok(DatabaseUrl::sqlite_file(var, &dir.join(file))),
        };
        let login_db = url("LOGIN_DATABASE_URL", "login.db")?;
        let product_db = url("PRODUCT_DATABASE_URL", "product.db")?;
        Ok(Self {
            login: login::Config::with_database(env, common.clone(), login_db)?,
            product: product::Config::with_database(env, common.clone(), product_db)?,
            common,
        })
    }
}

/// Both services in one app, in routing-table order.
pub async fn build(config: &SiteConfig) -> Result<Application, StartError> {
    chassis::session::connect(&config.common.sessions).await?;
    // Each database URL knows its variable, so errors name LOGIN_ or PRODUCT_DATABASE_URL.
    let login = login::LoginService::build(&config.login).await?;
    let product = product::ProductService::build(&config.product).await?;
    // Routing-table order, with the gallery before product's catch-all root.
    let services: Vec<Arc<dyn Service>> = vec![
        Arc::new(login),
        Arc::new(gallery::GalleryService::new()),
        Arc::new(product),
    ];
    Application::build(&config.common, services)
}

pub async fn serve(config: SiteConfig) -> Result<(), StartError> {
    chassis::metrics::install("site", &config.common.metrics)?;
    let app = build(&config).await?;
    let addr = config.common.bind;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    println!(
        "Coinwatch is running. Open http://{host}:{}/ in your browser (Ctrl-C to stop).",
        app.port()
    );
    app.run_until_stopped(config.common.shutdown_drain).await?;
    Ok(())
}
