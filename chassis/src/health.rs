//! `/healthz` (the process is alive) and `/readyz` (the database answers and the process is
//! not draining) under each service's prefix.

use crate::db::DbPool;
use actix_web::{HttpResponse, web};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the process is shutting down; shared by every worker.
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    draining: Arc<AtomicBool>,
    /// Wakes what waits in [`Lifecycle::draining`]: long-lived responses (event streams) that
    /// would otherwise hold the shutdown open until its timeout.
    drain_started: Arc<tokio::sync::Notify>,
}

impl Lifecycle {
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.drain_started.notify_waiters();
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Resolves once the process has started draining (at once if it already has).
    pub async fn draining(&self) {
        let notified = self.drain_started.notified();
        tokio::pin!(notified);
        // Registered before the check, so a drain that starts in between still wakes us.
        notified.as_mut().enable();
        if self.is_draining() {
            return;
        }
        notified.await;
    }
}

/// Registers the two endpoints; the scope must hold a `web::Data<DbPool>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

async fn readyz(pool: web::Data<DbPool>, lifecycle: web::Data<Lifecycle>) -> HttpResponse {
    // Plain text on purpose: balancers and probes read these, not people.
    if lifecycle.is_draining() {
        return plain(actix_web::http::StatusCode::SERVICE_UNAVAILABLE, "draining");
    }
    match pool.check().await {
        Ok(()) => plain(actix_web::http::StatusCode::OK, "ready"),
        Err(err) => {
            log::warn!("readiness check failed: {err}");
            plain(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
        }
    }
}

fn plain(status: actix_web::http::StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .insert_header((PROBE_HEADER, "1"))
        .body(body)
}

/// Marks probe answers so the error page middleware leaves them as plain text.
pub const PROBE_HEADER: &str = "x-probe";

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn draining_wakes_waiters_and_answers_at_once_afterwards() {
        let lifecycle = Lifecycle::default();
        let waiter = tokio::spawn({
            let lifecycle = lifecycle.clone();
            async move { lifecycle.draining().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        lifecycle.start_draining();
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("woken by the drain")
            .expect("the waiter ends");
        tokio::time::timeout(Duration::from_secs(1), lifecycle.draining())
            .await
            .expect("already draining");
    }
}
