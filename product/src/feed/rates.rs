//! Exchange rates in the feed. The plan gives them a schedule of their own
//! ([`RefreshKind::Rates`]); when they are due, the leading refresher fetches them (one call
//! covers every currency, so a currency costs no market calls), stores them and makes them
//! current. The other replicas load them from the database as they follow.
//!
//! [`RefreshKind::Rates`]: crate::budget::RefreshKind::Rates

use super::refresher::Refresher;
use crate::store;
use std::sync::Arc;

impl Refresher {
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
