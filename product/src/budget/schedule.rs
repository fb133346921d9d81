//! Which scheduled call is due, moment by moment: each kind of refresh on its own interval,
//! the most important first, never two calls closer than the plan's gap (a shorter one in
//! the first minute, so a start fills the listing at once), failures retried with a
//! jittered backoff, and nothing at all while the provider has asked us to wait.
//!
//! Underneath, a token bucket holds the schedule to the plan's rate whatever happens: it
//! refills at the planned calls a month and holds [`BURST`] calls, so retries after failures
//! delay other calls instead of adding to the month, which never sees more than the planned
//! calls plus one burst.

use super::{Plan, RefreshKind};
use std::collections::HashMap;
use std::time::Duration;

/// Calls the bucket holds: a start's whole fill (every page, the global figures, the rates
/// and the coin list) and a little more.
pub const BURST: f64 = 8.0;
/// How long after a start the startup gap applies.
const STARTUP_SECS: i64 = 60;
/// The longest `Retry-After` honoured, so a wild header cannot stop the feed.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// The first retry after a failure comes within this long (or the interval, if shorter).
const FIRST_RETRY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Schedule {
    plan: Plan,
    started_at: i64,
    due: HashMap<RefreshKind, i64>,
    failures: HashMap<RefreshKind, u32>,
    last_call_at: Option<i64>,
    paused_until: i64,
    /// Calls the bucket holds at `tokens_at`, refilled at `rate` a second.
    tokens: f64,
    tokens_at: i64,
    rate: f64,
}

impl Schedule {
    /// A schedule starting at `now`; a kind that last succeeded at `last_success(kind)` is
    /// next due an interval after that (a restart does not fetch early), else at once.
    pub fn new(plan: Plan, now: i64, last_success: impl Fn(RefreshKind) -> Option<i64>) -> Self {
        let due = plan
            .kinds()
            .into_iter()
            .map(|kind| {
                let at = last_success(kind).map_or(now, |at| at + secs(plan.interval(kind)));
                (kind, at)
            })
            .collect();
        let rate = plan.scheduled_calls_per_month() as f64 / super::MONTH_SECS as f64;
        Self {
            plan,
            started_at: now,
            due,
            failures: HashMap::new(),
            last_call_at: None,
            paused_until: i64::MIN,
            tokens: BURST,
            tokens_at: now,
            rate,
        }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn gap(&self, now: i64) -> i64 {
        if now < self.started_at + STARTUP_SECS {
            secs(self.plan.startup_gap)
        } else {
            secs(self.plan.min_gap)
        }
    }

    fn tokens(&self, now: i64) -> f64 {
        (self.tokens + (now - self.tokens_at).max(0) as f64 * self.rate).min(BURST)
    }

    /// The earliest moment the next call may be made.
    fn allowed_from(&self, now: i64) -> i64 {
        let after_gap = self
            .last_call_at
            .map_or(i64::MIN, |at| at.saturating_add(self.gap(now)));
        let tokens = self.tokens(now);
        let refilled = if tokens >= 1.0 {
            i64::MIN
        } else {
            now + ((1.0 - tokens) / self.rate.max(f64::MIN_POSITIVE)).ceil() as i64
        };
        after_gap.max(self.paused_until).max(refilled)
    }

    /// The call to make at `now`, if one is due and allowed: the one due longest, the most
    /// important among equals (so a slow upstream cannot starve the rarer calls).
    pub fn due_now(&self, now: i64) -> Option<RefreshKind> {
        if now < self.allowed_from(now) {
            return None;
        }
        self.plan
            .kinds()
            .into_iter()
            .enumerate()
            .filter_map(|(order, kind)| {
                let at = *self.due.get(&kind)?;
                (at <= now).then_some((at, order, kind))
            })
            .min()
            .map(|(_, _, kind)| kind)
    }

    /// When to look again (after `now`).
    pub fn next_wake(&self, now: i64) -> i64 {
        let next_due = self.due.values().copied().min().unwrap_or(now + 60);
        next_due.max(self.allowed_from(now)).max(now + 1)
    }

    /// When `kind` is next due (unix seconds).
    pub fn due_at(&self, kind: RefreshKind) -> Option<i64> {
        self.due.get(&kind).copied()
    }

    /// Records a call of `kind` made at `now`: on success it is next due an interval later;
    /// on failure after a backoff (`jitter` in [0, 1) spreads it), never shorter than the
    /// provider's `Retry-After`, which also pauses every other call.
    pub fn record(
        &mut self,
        kind: RefreshKind,
        now: i64,
        succeeded: bool,
        retry_after: Option<Duration>,
        jitter: f64,
    ) {
        self.last_call_at = Some(now);
        self.tokens = (self.tokens(now) - 1.0).max(0.0);
        self.tokens_at = now;
        let interval = self.plan.interval(kind);
        let next = if succeeded {
            self.failures.remove(&kind);
            now + secs(interval)
        } else {
            let failures = self.failures.entry(kind).or_insert(0);
            *failures = failures.saturating_add(1);
            if let Some(wait) = retry_after {
                let wait = wait.min(MAX_RETRY_AFTER);
                self.paused_until = self.paused_until.max(now + secs(wait));
            }
            now + secs(retry_delay(interval, *failures, retry_after, jitter)).max(1)
        };
        self.due.insert(kind, next);
    }
}

/// The wait after `failures` failures in a row of a call planned every `interval`: doubling
/// from half a minute, up to between one and two intervals, so a long outage costs no more
/// calls than the plan.
fn retry_delay(
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Duration {
    let first = interval.min(FIRST_RETRY);
    let doubling = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
    let exponential = first
        .saturating_mul(doubling)
        .min(interval.saturating_mul(2));
    let jittered = exponential.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
    jittered.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::super::{CallBudget, MONTH_SECS, Plan, RefreshKind};
    use super::*;
    use std::collections::BTreeMap;

    const START: i64 = 1_800_000_000;

    /// What a simulated month did.
    struct Month {
        calls: Vec<(i64, RefreshKind)>,
    }

    impl Month {
        fn count(&self, kind: RefreshKind) -> usize {
            self.calls.iter().filter(|(_, k)| *k == kind).count()
        }

        /// The most calls in any window of `len` seconds that starts at or after `from`.
        fn most_in_any_window(&self, from: i64, len: i64) -> usize {
            let times: Vec<i64> = self.calls.iter().map(|(t, _)| *t).collect();
            (0..times.len())
                .filter(|&i| times[i] >= from)
                .map(|i| {
                    times[i..]
                        .iter()
                        .take_while(|t| **t < times[i] + len)
                        .count()
                })
                .max()
                .unwrap_or(0)
        }
    }

    /// Runs `schedule` over a 31-day month on a fake clock; `fails(n, kind)` says whether
    /// the n-th call fails, and `retry_after` what a failure asks for.
    fn simulate(
        mut schedule: Schedule,
        fails: impl Fn(usize, RefreshKind) -> bool,
        retry_after: Option<Duration>,
    ) -> Month {
        let end = START + MONTH_SECS as i64;
        let mut now = START;
        let mut calls = Vec::new();
        while now < end {
            match schedule.due_now(now) {
                Some(kind) => {
                    let failed = fails(calls.len(), kind);
                    // A fixed, spread jitter: deterministic, and both ends are exercised.
                    let jitter = (calls.len() % 10) as f64 / 10.0;
                    schedule.record(kind, now, !failed, retry_after.filter(|_| failed), jitter);
                    calls.push((now, kind));
                }
                None => now = schedule.next_wake(now),
            }
        }
        Month { calls }
    }

    fn fresh(plan: Plan) -> Schedule {
        Schedule::new(plan, START, |_| None)
    }

    #[test]
    fn a_demo_month_fits_the_budget_and_never_makes_more_than_3_calls_in_5_minutes() {
        let plan = Plan::new(CallBudget::DEMO, 4, None);
        let month = simulate(fresh(plan.clone()), |_, _| false, None);
        let total = month.calls.len() as u64;
        assert!(
            total <= plan.scheduled_calls_per_month(),
            "{total} calls; {}",
            plan.describe()
        );
        assert!(total + u64::from(plan.chart_share + plan.long_tail_share) <= 9_000);
        assert!(total >= 6_500, "the budget is used, not wasted: {total}");
        assert!(month.most_in_any_window(START + 60, 300) <= 3);
        // Every page, the rates, the global figures and the coin list in the first minute.
        let first_minute: Vec<RefreshKind> = month
            .calls
            .iter()
            .take_while(|(t, _)| *t < START + 60)
            .map(|(_, k)| *k)
            .collect();
        assert_eq!(first_minute.len(), 7, "{first_minute:?}");
        assert!(first_minute.contains(&RefreshKind::CoinList));
        assert!(first_minute.contains(&RefreshKind::Rates));
        assert!(first_minute.contains(&RefreshKind::Markets { page: 4 }));
        // The top page is refreshed often, the others less, the coin list daily.
        let top = month.count(RefreshKind::Markets { page: 1 });
        let fourth = month.count(RefreshKind::Markets { page: 4 });
        assert!(top > 3 * fourth, "top {top}, page 4 {fourth}");
        assert_eq!(month.count(RefreshKind::CoinList), 31);
        let by_kind: BTreeMap<RefreshKind, usize> = plan
            .kinds()
            .into_iter()
            .map(|k| (k, month.count(k)))
            .collect();
        assert!(by_kind.values().all(|n| *n >= 31), "{by_kind:?}");
    }

    #[test]
    fn a_paid_month_fits_its_budget_and_refreshes_more_often() {
        let budget = CallBudget::SMALLEST_PAID;
        let plan = Plan::new(budget, 4, None);
        let month = simulate(fresh(plan.clone()), |_, _| false, None);
        let total = month.calls.len() as u64;
        assert!(total <= plan.scheduled_calls_per_month(), "{total}");
        assert!(total >= 60_000, "{total}");
        assert!(month.most_in_any_window(START, 60) <= budget.per_minute as usize);
        let demo = simulate(
            fresh(Plan::new(CallBudget::DEMO, 4, None)),
            |_, _| false,
            None,
        );
        assert!(
            month.count(RefreshKind::Markets { page: 1 })
                > 5 * demo.count(RefreshKind::Markets { page: 1 })
        );
    }

    #[test]
    fn failures_count_and_still_fit_the_month() {
        let plan = Plan::new(CallBudget::DEMO, 4, None);
        // Every third call fails, and page 3 fails all month.
        let month = simulate(
            fresh(plan.clone()),
            |n, kind| n % 3 == 0 || kind == RefreshKind::Markets { page: 3 },
            None,
        );
        let total = month.calls.len() as u64;
        assert!(
            total <= plan.scheduled_calls_per_month() + BURST as u64,
            "{total}"
        );
        assert!(total + u64::from(plan.chart_share + plan.long_tail_share) <= 9_000);
        assert!(month.most_in_any_window(START + 60, 300) <= 3);
        assert!(
            month.count(RefreshKind::Markets { page: 1 }) > 2_000,
            "a failing page does not starve the others"
        );
    }

    #[test]
    fn retry_after_pauses_every_call() {
        let plan = Plan::new(CallBudget::DEMO, 4, None);
        let mut schedule = fresh(plan);
        let kind = schedule.due_now(START).expect("a call is due at start");
        schedule.record(kind, START, false, Some(Duration::from_secs(600)), 0.0);
        assert_eq!(schedule.due_now(START + 599), None);
        assert!(schedule.next_wake(START) >= START + 600);
        assert!(schedule.due_now(START + 600).is_some());
    }

    #[test]
    fn a_restart_keeps_the_stored_schedule() {
        let plan = Plan::new(CallBudget::DEMO, 4, None);
        let top = plan.top_interval.as_secs() as i64;
        let schedule = Schedule::new(plan, START, |kind| match kind {
            RefreshKind::Markets { page: 1 } => Some(START - 10),
            _ => Some(START - 5),
        });
        assert_eq!(schedule.due_now(START), None, "nothing is due early");
        assert_eq!(
            schedule.due_at(RefreshKind::Markets { page: 1 }),
            Some(START - 10 + top)
        );
    }
}
