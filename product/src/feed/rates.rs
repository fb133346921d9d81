//! Exchange rates in the feed: the leading refresher fetches them on their own schedule (one
//! call covers every currency, so a currency costs no market calls), stores them and makes
//! them current; the other replicas load them from the database as they follow.
//!
//! The refresher calls [`Refresher::refresh_rates`] when [`Refresher::rates_due_at`] says so.
//! That pair is the whole schedule: a planner that budgets calls decides when to call the
//! first and may ignore the second.

use super::refresher::Refresher;
use crate::store;
use std::sync::Arc;

/// How often the rates are fetched. Currencies move far less than coins, and pages say which
/// rates they used.
pub const RATES_EVERY_SECS: i64 = 3600;
/// How soon a failed fetch is tried again.
const RETRY_SECS: i64 = 300;

impl Refresher {
    /// Fetches the rates, stores and publishes them; returns when they are next due. A failure
    /// keeps the rates there are and is tried again in a few minutes (or when the upstream
    /// said to).
    pub(crate) async fn refresh_rates(&self, now: i64) -> i64 {
        if self.gate.is_closed(now) {
            return now + RETRY_SECS;
        }
        let fetched = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            self.source.exchange_rates(),
        )
        .await;
        let rates = match fetched {
            Ok(Ok(rates)) => rates,
            Ok(Err(err)) => {
                if let Some(wait) = err.retry_after() {
                    let wait = wait.min(super::backoff::MAX_RETRY_AFTER).as_secs();
                    self.gate
                        .close_until(now + i64::try_from(wait).unwrap_or(i64::MAX));
                }
                log::warn!("exchange rates not refreshed; keeping the last ones: {err}");
                return now + RETRY_SECS;
            }
            Err(_) => {
                log::warn!("exchange rates not refreshed: timed out; keeping the last ones");
                return now + RETRY_SECS;
            }
        };
        let kind = self.source.kind();
        let stored = rates.clone();
        if let Err(err) = self
            .pool
            .run(move |conn| store::rates::save(conn, kind, &stored))
            .await
        {
            log::warn!("could not store the exchange rates: {err}");
        }
        log::info!("exchange rates refreshed");
        self.live.publish_rates(Arc::new(rates));
        now + RATES_EVERY_SECS
    }

    /// When the rates are due after the last stored fetch of this source: now if there was
    /// none. A restart or a new leader does not fetch them early.
    pub(crate) async fn rates_due_at(&self) -> i64 {
        let kind = self.source.kind();
        self.pool
            .run(move |conn| store::rates::fetched_at(conn, kind))
            .await
            .ok()
            .flatten()
            .map_or(0, |at| at + RATES_EVERY_SECS)
    }

    /// Loads the stored rates if they are newer than the ones in memory.
    pub(crate) async fn follow_rates(&self) {
        let known = self.live.rates().map_or(i64::MIN, |r| r.fetched_at);
        let kind = self.source.kind();
        let result = self
            .pool
            .run(move |conn| match store::rates::fetched_at(conn, kind)? {
                Some(at) if at > known => store::rates::load(conn, kind),
                _ => Ok(None),
            })
            .await;
        match result {
            Ok(Some(rates)) => self.live.publish_rates(Arc::new(rates)),
            Ok(None) => {}
            Err(err) => log::warn!("could not check for newer exchange rates: {err}"),
        }
    }
}
