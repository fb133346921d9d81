//! Live prices: `GET /prices/live?ids=…` streams the figures of the coins a page shows as
//! server-sent events, so that `static/live.js` can update them in place after each market
//! snapshot. An enhancement only: pages are complete without it.
//!
//! Under `/prices/`, not `/coins/live`, where it would shadow the page of a coin with the id
//! `live`; product is the load balancer's default rule, so the path needs no rule of its own.

pub(crate) mod figures;
pub(crate) mod get;

use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many streams this process keeps open at once (`LIVE_STREAMS_MAX`); scope data. Each
/// holds a connection and a little memory for up to [`get::MAX_LIFETIME`].
#[derive(Debug, Clone)]
pub(crate) struct StreamLimit {
    permits: Arc<Semaphore>,
}

impl StreamLimit {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max)),
        }
    }

    /// A place for one more stream, held until the stream ends; `None` when all are taken.
    fn try_open(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.permits).try_acquire_owned().ok()
    }
}
