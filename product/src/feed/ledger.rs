//! The call ledger: every call to the provider is counted here before it is made (a 429 or a
//! failure counts too, as the provider counts it), in the database, per month and purpose.
//! On-demand calls (charts, long-tail coins) must first find room in their share of the
//! plan, and in the per-minute limit; scheduled calls are planned to fit.

use crate::budget::{MONTH_SECS, Plan, Purpose};
use crate::store;
use chassis::db::DbPool;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Why an on-demand call was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this month's share of calls for it is spent")]
    ShareSpent,
    #[error("the per-minute limit is reached")]
    PerMinute,
    #[error("the call count could not be read")]
    Uncounted,
}

pub struct CallLedger {
    pool: DbPool,
    plan: Plan,
    /// This process's on-demand calls of the last minute.
    recent: Mutex<VecDeque<i64>>,
}

impl CallLedger {
    pub fn new(pool: DbPool, plan: Plan) -> Self {
        Self {
            pool,
            plan,
            recent: Mutex::new(VecDeque::new()),
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Counts a scheduled call at `now`. The schedule never waits on the count: a database
    /// that does not answer is logged, and the call is made.
    pub async fn count_scheduled(&self, now: i64) {
        if let Err(err) = self.count(Purpose::Scheduled, now).await {
            log::warn!("could not count a scheduled call to the provider: {err}");
        }
    }

    /// Takes a call of `purpose`'s on-demand share at `now`, or says why not. A share that
    /// cannot be read is refused: an unknown count must not overspend.
    pub async fn take_on_demand(&self, purpose: Purpose, now: i64) -> Result<(), Refusal> {
        // Half the per-minute limit: the refresher and other replicas share the rest.
        let allowed = (self.plan.budget.per_minute / 2).max(1) as usize;
        {
            let Ok(mut recent) = self.recent.lock() else {
                return Err(Refusal::Uncounted);
            };
            while recent.front().is_some_and(|at| *at <= now - 60) {
                recent.pop_front();
            }
            if recent.len() >= allowed {
                return Err(Refusal::PerMinute);
            }
        }
        let month = month_key(now);
        let spent = self
            .pool
            .run(move |conn| store::api_calls::of_month(conn, &month))
            .await
            .map_err(|err| {
                log::warn!("could not read the call count: {err}");
                Refusal::Uncounted
            })?
            .get(purpose.as_str())
            .copied()
            .unwrap_or(0);
        if spent >= i64::from(self.plan.share_of(purpose)) {
            return Err(Refusal::ShareSpent);
        }
        {
            let Ok(mut recent) = self.recent.lock() else {
                return Err(Refusal::Uncounted);
            };
            // Checked again: others may have taken the minute's room while the count was read.
            if recent.len() >= allowed {
                return Err(Refusal::PerMinute);
            }
            recent.push_back(now);
        }
        self.count(purpose, now).await.map_err(|err| {
            log::warn!("could not count an on-demand call: {err}");
            Refusal::Uncounted
        })
    }

    /// Whether `purpose`'s share is spent this month (without taking a call).
    pub async fn share_spent(&self, purpose: Purpose, now: i64) -> bool {
        let month = month_key(now);
        match self
            .pool
            .run(move |conn| store::api_calls::of_month(conn, &month))
            .await
        {
            Ok(calls) => {
                calls.get(purpose.as_str()).copied().unwrap_or(0)
                    >= i64::from(self.plan.share_of(purpose))
            }
            Err(_) => true,
        }
    }

    async fn count(&self, purpose: Purpose, now: i64) -> Result<(), chassis::db::DbError> {
        let month = month_key(now);
        let calls = self
            .pool
            .run(move |conn| {
                store::api_calls::count(conn, &month, purpose.as_str())?;
                store::api_calls::of_month(conn, &month)
            })
            .await?;
        let total: i64 = calls.values().sum();
        let monthly = f64::from(self.plan.budget.monthly_calls);
        chassis::metrics::record_upstream_budget(
            (monthly - total as f64).max(0.0),
            projected_percent(total, now, monthly),
        );
        Ok(())
    }
}

/// `YYYY-MM` of `now` (UTC).
pub fn month_key(now: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(now).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:04}-{:02}", t.year(), u8::from(t.month()))
}

/// The share of `monthly` that `calls` so far put the month on course for, in percent. The
/// first two days are judged as if two days had passed, so a start's burst of calls does not
/// look like a month running out.
pub fn projected_percent(calls: i64, now: i64, monthly: f64) -> f64 {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(now) else {
        return 0.0;
    };
    let start = t
        .replace_day(1)
        .map(|d| d.replace_time(time::Time::MIDNIGHT))
        .unwrap_or(t);
    let days = u64::from(t.month().length(t.year()));
    let month_secs = (days * 86_400).min(MONTH_SECS) as f64;
    let elapsed = ((t - start).whole_seconds() as f64).max(2.0 * 86_400.0);
    calls as f64 * month_secs / elapsed / monthly.max(1.0) * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_keyed_in_utc() {
        assert_eq!(month_key(1_800_000_000), "2027-01");
        assert_eq!(month_key(0), "1970-01");
    }

    #[test]
    fn the_projection_says_when_a_month_runs_out() {
        // 2027-01-16 00:00 UTC: half of a 31-day month gone.
        let mid = 1_800_000_000 - 1_800_000_000 % 86_400 + 86_400;
        let half = projected_percent(5_000, mid, 10_000.0);
        assert!((90.0..110.0).contains(&half), "{half}");
        assert!(projected_percent(9_000, mid, 10_000.0) > 150.0);
        let first_hour = projected_percent(7, 1_798_761_600 + 3600, 10_000.0);
        assert!(
            first_hour < 2.0,
            "a start's burst is no alarm: {first_hour}"
        );
    }
}
