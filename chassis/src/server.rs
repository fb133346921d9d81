//! The server: mounts one or more services in an actix-web app with the shared middleware,
//! binds, and shuts down gracefully on SIGTERM (readiness turns 503 first, then in-flight
//! requests finish).

use crate::body_deadline::BodyDeadline;
use crate::config::CommonConfig;
use crate::health::Lifecycle;
use crate::identity::SessionPolicy;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::sync::Arc;

/// A service as the chassis mounts it.
pub trait Service: Send + Sync + 'static {
    /// Registers its routes. Implementations wrap them in [`mount`] so that they sit under the
    /// prefix with the service's data, health, assets and 404 page.
    fn configure(&self, cfg: &mut web::ServiceConfig);
}

/// The body limit, as app data, for extractors that read bodies themselves.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// Puts a service's routes under its prefix with what every service has: its database pool
/// for readiness, health endpoints, assets, its own 404 page.
pub fn mount(
    route: &'static crate::routing::Route,
    pool: crate::db::DbPool,
    routes: impl FnOnce(&mut web::ServiceConfig),
) -> actix_web::Scope {
    web::scope(route.mount_prefix())
        .app_data(web::Data::new(pool))
        .app_data(web::Data::new(crate::page::ServicePrefix(
            route.mount_prefix(),
        )))
        .configure(crate::health::configure)
        .configure(crate::assets::configure)
        .configure(routes)
        .service(crate::methods::known_path_fallback())
        .default_service(web::to(not_found))
}

async fn not_found() -> Result<actix_web::HttpResponse, crate::AppError> {
    Err(crate::AppError::NotFound)
}

/// A bound server, ready to run.
pub struct Application {
    server: actix_web::dev::Server,
    port: u16,
    lifecycle: Lifecycle,
}

impl Application {
    /// Binds to `config.bind` (port 0 picks a free port) and builds the server.
    pub fn build(
        config: &CommonConfig,
        services: Vec<Arc<dyn Service>>,
    ) -> Result<Self, crate::cli::StartError> {
        let listener = TcpListener::bind(config.bind).map_err(|e| {
            crate::cli::StartError::new(format!("BIND: cannot listen on {}: {e}", config.bind))
        })?;
        Self::with_listener(config, services, listener)
    }

    pub fn with_listener(
        config: &CommonConfig,
        services: Vec<Arc<dyn Service>>,
        listener: TcpListener,
    ) -> Result<Self, crate::cli::StartError> {
        let port = listener
            .local_addr()
            .map_err(|e| crate::cli::StartError::new(format!("BIND: {e}")))?
            .port();
        let lifecycle = Lifecycle::default();
        let app_lifecycle = lifecycle.clone();
        let config = config.clone();
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .max(2);
        let shutdown_timeout = config.shutdown_timeout.as_secs();
        let (keep_alive, head_timeout) = (config.keep_alive, config.request_head_timeout);
        crate::assets::precompress();
        let server = HttpServer::new(move || {
            let services = services.clone();
            let sessions = config.sessions.clone();
            App::new()
                .app_data(web::Data::new(app_lifecycle.clone()))
                .app_data(web::Data::new(SessionPolicy::from_config(&config)))
                .app_data(web::Data::new(sessions.clone()))
                .app_data(web::Data::new(config.trusted_proxies.clone()))
                .app_data(web::Data::new(BodyLimit(config.body_limit)))
                .app_data(web::PayloadConfig::new(config.body_limit))
                .app_data(web::FormConfig::default().limit(config.body_limit))
                .app_data(BodyDeadline(config.request_body_timeout))
                .wrap(from_fn(crate::methods::head_as_get))
                .wrap(from_fn(crate::body_deadline::limit_body_time))
                .wrap(from_fn(crate::error::render_error_pages))
                .wrap(from_fn(crate::session::record_meta))
                .wrap(crate::session::middleware(&config, sessions))
                .wrap(crate::headers::security_headers(config.cookie_secure))
                .wrap(Compress::default())
                .wrap(from_fn(crate::compression::vary_on_encoding))
                .wrap(from_fn(crate::logging::access_log))
                .configure(move |cfg| {
                    for service in &services {
                        service.configure(cfg);
                    }
                })
                .default_service(web::to(not_found))
        })
        .workers(workers)
        .keep_alive(keep_alive)
        .client_request_timeout(head_timeout)
        .disable_signals()
        .shutdown_timeout(shutdown_timeout)
        .listen(listener)
        .map_err(|e| crate::cli::StartError::new(format!("BIND: {e}")))?
        .run();
        Ok(Self {
            server,
            port,
            lifecycle,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn lifecycle(&self) -> Lifecycle {
        self.lifecycle.clone()
    }

    /// A handle to stop the server from elsewhere (tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT, then drains: readiness turns 503 for `drain`, the
    /// listener closes, and in-flight requests get up to the shutdown timeout to finish.
    pub async fn run_until_stopped(self, drain: std::time::Duration) -> std::io::Result<()> {
        let handle = self.server.handle();
        let lifecycle = self.lifecycle.clone();
        actix_web::rt::spawn(async move {
            wait_for_signal().await;
            log::info!(
                "shutdown signal received; draining for {}s",
                drain.as_secs()
            );
            lifecycle.start_draining();
            actix_web::rt::time::sleep(drain).await;
            handle.stop(true).await;
        });
        self.server.await?;
        // The flusher sleeps between flushes; what this process counted since the last one
        // would be lost with it.
        crate::metrics::flush_now();
        log::info!("stopped");
        Ok(())
    }

    /// Serves until stopped through [`Application::handle`]; no signal handling.
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = int.recv() => {},
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
