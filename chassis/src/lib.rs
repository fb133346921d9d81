//! What every service needs at run time, written once: configuration, the database pool and
//! migrations, sessions and identity, CSRF, security headers, access logs, error pages,
//! health and readiness, graceful shutdown, and the server itself.
//!
//! A service describes itself as a [`server::Service`] (a name, a URL prefix and its routes);
//! the chassis mounts one or more of them in an actix-web app with the shared middleware.

pub mod assets;
pub mod body_deadline;
pub mod cli;
pub mod client_ip;
pub mod compression;
pub mod config;
pub mod csrf;
pub mod db;
pub mod error;
pub mod events;
pub mod flash;
pub mod headers;
pub mod health;
pub mod identity;
pub mod ids;
pub mod logging;
pub mod methods;
pub mod metrics;
pub mod page;
pub mod redirect;
pub mod routing;
pub mod server;
pub mod session;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::AppError;
