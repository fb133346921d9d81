//! Which coins a signed-in viewer watches, for the marks on listing rows: asked on every
//! signed-in listing view, changed only by the watch and unwatch forms.
//!
//! The answer is kept in this process, checked on every use against a change counter per user
//! in the shared session store ([`Sessions::counter`]), which every replica bumps after it
//! changes a watchlist. A check is one round trip on the worker's own store connection; the
//! database query it saves costs a hop to the blocking pool and back on top of the query.
//!
//! The order of writes makes a stale mark short-lived: a writer changes the database first and
//! then bumps the counter, and a reader reads the counter first and then the database, so
//! whatever a reader keeps is either current or filed under a counter value that is already
//! gone. An entry is never trusted for more than [`MAX_AGE`] (a store that lost its counters,
//! or a bump that failed, heals within it), and without the store the database is asked.

use crate::market::CoinId;
use crate::store;
use chassis::db::{DbError, DbPool};
use chassis::ids::UserId;
use chassis::session::Sessions;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest an entry is used, whatever its counter says.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// Past this many viewers, the oldest half is dropped before another is added.
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct WatchedCoins {
    entries: Mutex<HashMap<UserId, Entry>>,
}

struct Entry {
    counter: Option<u64>,
    coins: Arc<[CoinId]>,
    kept_at: Instant,
}

fn counter_name(user: UserId) -> String {
    format!("watchlist:{user}")
}

impl WatchedCoins {
    /// The user's watched coins, in the order they were added.
    pub async fn of(
        &self,
        user: UserId,
        sessions: &Sessions,
        pool: &DbPool,
    ) -> Result<Arc<[CoinId]>, DbError> {
        let counter = sessions.counter(&counter_name(user)).await;
        if let Ok(counter) = counter
            && let Some(coins) = self.kept(user, counter, Instant::now())
        {
            return Ok(coins);
        }
        let coins: Arc<[CoinId]> = pool
            .run(move |conn| store::watchlist::list(conn, user.0))
            .await?
            .into();
        if let Ok(counter) = counter {
            self.keep(user, counter, coins.clone(), Instant::now());
        }
        Ok(coins)
    }

    /// Call after the user's watchlist changed in the database: every replica stops trusting
    /// what it kept for them.
    pub async fn changed(&self, user: UserId, sessions: &Sessions) {
        self.lock().remove(&user);
        if let Err(err) = sessions.bump(&counter_name(user)).await {
            log::warn!(user_id = user.0; "other replicas show old watch marks for up to a minute: {err}");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Entry>> {
        // Plain data: a panic while it was held leaves nothing half-done that matters.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn kept(&self, user: UserId, counter: Option<u64>, now: Instant) -> Option<Arc<[CoinId]>> {
        let entries = self.lock();
        let entry = entries.get(&user)?;
        (entry.counter == counter && now.duration_since(entry.kept_at) < MAX_AGE)
            .then(|| entry.coins.clone())
    }

    fn keep(&self, user: UserId, counter: Option<u64>, coins: Arc<[CoinId]>, now: Instant) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&user) {
            let mut ages: Vec<Instant> = entries.values().map(|e| e.kept_at).collect();
            let (_, middle, _) = ages.select_nth_unstable(MAX_ENTRIES / 2);
            let cutoff = *middle;
            entries.retain(|_, e| e.kept_at > cutoff);
        }
        entries.insert(
            user,
            Entry {
                counter,
                coins,
                kept_at: now,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coins(ids: &[&str]) -> Arc<[CoinId]> {
        ids.iter().map(|id| CoinId::parse(id).unwrap()).collect()
    }

    #[test]
    fn an_entry_is_used_only_under_its_own_counter_and_within_its_age() {
        let watched = WatchedCoins::default();
        let user = UserId(7);
        let at = Instant::now();
        watched.keep(user, Some(3), coins(&["bitcoin"]), at);

        assert_eq!(
            watched.kept(user, Some(3), at).as_deref(),
            Some(&*coins(&["bitcoin"]))
        );
        assert!(
            watched.kept(user, Some(4), at).is_none(),
            "a bumped counter"
        );
        assert!(
            watched.kept(user, None, at).is_none(),
            "a counter the store lost"
        );
        assert!(
            watched.kept(UserId(8), Some(3), at).is_none(),
            "another user"
        );
        assert!(
            watched.kept(user, Some(3), at + MAX_AGE).is_none(),
            "too old"
        );
    }

    #[test]
    fn a_full_cache_drops_its_oldest_half() {
        let watched = WatchedCoins::default();
        let start = Instant::now();
        for n in 0..MAX_ENTRIES {
            let at = start + Duration::from_millis(n as u64);
            watched.keep(UserId(n as i64), None, coins(&[]), at);
        }
        let late = start + Duration::from_secs(30);
        watched.keep(UserId(-1), None, coins(&["ethereum"]), late);
        let entries = watched.lock();
        assert!(entries.len() <= MAX_ENTRIES / 2 + 1, "{}", entries.len());
        assert!(entries.contains_key(&UserId(-1)));
        assert!(
            entries.contains_key(&UserId(MAX_ENTRIES as i64 - 1)),
            "the newest stay"
        );
        assert!(!entries.contains_key(&UserId(0)), "the oldest go");
    }
}
