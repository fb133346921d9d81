//! The provider's call budget and the refresher's plan within it.
//!
//! CoinGecko counts every call against a monthly quota and a per-minute limit (a 429 and a
//! failure count too). [`Plan::new`] turns the budget into an interval for each kind of
//! refresh so that a whole month (the longest, 31 days) fits with headroom, keeping shares
//! for on-demand charts, long-tail coin pages and restarts; [`Schedule`] then says, moment
//! by moment, which call is due. Both are pure: time is a parameter, so a whole month is
//! simulated in a test without sleeping.
//!
//! The figures of the plans come from CoinGecko's public pricing page
//! (<https://www.coingecko.com/en/api/pricing>); `COINGECKO_MONTHLY_CALLS` and
//! `COINGECKO_CALLS_PER_MINUTE` override them when the plans change.

mod schedule;

pub use schedule::{MAX_RETRY_AFTER, Schedule};

use std::time::Duration;

/// Seconds in the longest month: the plan must fit it.
pub const MONTH_SECS: u64 = 31 * 86_400;

/// What the provider allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallBudget {
    pub monthly_calls: u32,
    pub per_minute: u32,
}

impl CallBudget {
    /// CoinGecko's Demo plan: 10,000 calls a month, about 30 a minute.
    pub const DEMO: Self = Self {
        monthly_calls: 10_000,
        per_minute: 30,
    };
    /// CoinGecko's smallest paid plan (Basic): 100,000 calls a month, 250 a minute.
    pub const SMALLEST_PAID: Self = Self {
        monthly_calls: 100_000,
        per_minute: 250,
    };
}

/// One kind of scheduled call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RefreshKind {
    /// A page of `/coins/markets` (from 1); page 1 is the top coins, refreshed most often.
    Markets { page: u32 },
    /// `/global`: the whole market's figures.
    Global,
    /// `/exchange_rates`: one call for every currency (the currency work fills it in).
    Rates,
    /// `/coins/list`: every coin the provider knows, daily.
    CoinList,
}

impl RefreshKind {
    /// A stable key for the database and logs: `markets:1`, `global`, `rates`, `coin_list`.
    pub fn key(&self) -> String {
        match self {
            Self::Markets { page } => format!("markets:{page}"),
            Self::Global => "global".to_owned(),
            Self::Rates => "rates".to_owned(),
            Self::CoinList => "coin_list".to_owned(),
        }
    }
}

/// Who spends a call, for counting: the refresher's schedule or a visitor's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    Scheduled,
    Chart,
    LongTailCoin,
}

impl Purpose {
    pub const ALL: [Self; 3] = [Self::Scheduled, Self::Chart, Self::LongTailCoin];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Chart => "chart",
            Self::LongTailCoin => "long_tail_coin",
        }
    }
}

/// Shares of the monthly budget, in percent, kept out of the schedule.
const HEADROOM_PERCENT: u32 = 10;
const CHART_PERCENT: u32 = 10;
const LONG_TAIL_PERCENT: u32 = 5;
/// Restarts and new leaders fetch what is due at once: a handful of calls each.
const RESTART_PERCENT: u32 = 2;
/// The rest of the ranked pages are refreshed this many times less often than the top page;
/// exchange rates and global figures likewise.
const REST_FACTOR: u32 = 4;
const RATES_FACTOR: u32 = 4;
const GLOBAL_FACTOR: u32 = 4;
/// No page is refreshed more often than this: CoinGecko's own cache is about a minute.
const MIN_TOP_SECS: u64 = 60;
/// Rates and global figures need not be fresher than this.
const MIN_SLOW_SECS: u64 = 5 * 60;
const COIN_LIST_SECS: u64 = 86_400;

/// The refresher's plan: how often each kind of call is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub budget: CallBudget,
    /// Pages of the ranked listing (`MARKET_TOP_COINS` / 250, rounded up).
    pub pages: u32,
    pub top_interval: Duration,
    pub rest_interval: Duration,
    pub global_interval: Duration,
    pub rates_interval: Duration,
    pub coin_list_interval: Duration,
    /// The shortest time between two scheduled calls after the first minute, so that calls
    /// spread over the interval instead of bunching.
    pub min_gap: Duration,
    /// Between the first calls after a start, within the per-minute limit.
    pub startup_gap: Duration,
    /// Calls a month kept for on-demand charts and long-tail coin pages.
    pub chart_share: u32,
    pub long_tail_share: u32,
    /// What `MARKET_REFRESH_SECS` asked for, when the plan had to lengthen it.
    pub lengthened_from: Option<Duration>,
}

impl Plan {
    /// The plan for `budget` over `pages` pages of ranked coins; `requested` is
    /// `MARKET_REFRESH_SECS` for the top page, which the plan lengthens when the budget
    /// cannot afford it.
    pub fn new(budget: CallBudget, pages: u32, requested: Option<Duration>) -> Self {
        let pages = pages.max(1);
        let monthly = u64::from(budget.monthly_calls);
        let share = |percent: u32| monthly * u64::from(percent) / 100;
        let chart_share = share(CHART_PERCENT);
        let long_tail_share = share(LONG_TAIL_PERCENT);
        let scheduled = monthly
            .saturating_sub(share(HEADROOM_PERCENT) + chart_share + long_tail_share)
            .saturating_sub(share(RESTART_PERCENT));
        let coin_list_calls = MONTH_SECS.div_ceil(COIN_LIST_SECS);
        // Calls a month for a top interval T: M/T · (1 + (pages-1)/REST + 1/RATES + 1/GLOBAL).
        // Solved for T over what the budget leaves after the coin list, in millionths so
        // the sum of fractions stays exact enough.
        let weight = 1_000_000
            + u64::from(pages - 1) * 1_000_000 / u64::from(REST_FACTOR)
            + 1_000_000 / u64::from(RATES_FACTOR)
            + 1_000_000 / u64::from(GLOBAL_FACTOR);
        let affordable = scheduled.saturating_sub(coin_list_calls).max(1);
        let needed = (MONTH_SECS * weight).div_ceil(affordable * 1_000_000);
        let per_minute_floor = 60u64.div_ceil(u64::from(budget.per_minute.max(1)));
        let (top, lengthened_from) = match requested {
            Some(asked) if asked.as_secs() >= needed => (asked.as_secs(), None),
            Some(asked) => (needed, Some(asked)),
            None => (needed.max(MIN_TOP_SECS), None),
        };
        let top = top.max(per_minute_floor);
        let slow = |factor: u32| (top * u64::from(factor)).max(MIN_SLOW_SECS);
        let rest = top * u64::from(REST_FACTOR);
        // Spread calls: half the average spacing of the planned calls, and never faster
        // than half the per-minute limit.
        let calls_per_month =
            Self::calls_for(pages, top, rest, slow(RATES_FACTOR), slow(GLOBAL_FACTOR));
        let average_gap = MONTH_SECS / calls_per_month.max(1);
        let min_gap = (average_gap / 2).max(120 / u64::from(budget.per_minute.max(1)));
        Self {
            budget,
            pages,
            top_interval: Duration::from_secs(top),
            rest_interval: Duration::from_secs(rest),
            global_interval: Duration::from_secs(slow(GLOBAL_FACTOR)),
            rates_interval: Duration::from_secs(slow(RATES_FACTOR)),
            coin_list_interval: Duration::from_secs(COIN_LIST_SECS),
            min_gap: Duration::from_secs(min_gap),
            startup_gap: Duration::from_secs(60 / u64::from(budget.per_minute.max(1))),
            chart_share: u32::try_from(chart_share).unwrap_or(u32::MAX),
            long_tail_share: u32::try_from(long_tail_share).unwrap_or(u32::MAX),
            lengthened_from,
        }
    }

    fn calls_for(pages: u32, top: u64, rest: u64, rates: u64, global: u64) -> u64 {
        MONTH_SECS / top
            + u64::from(pages - 1) * (MONTH_SECS / rest)
            + MONTH_SECS / rates
            + MONTH_SECS / global
            + MONTH_SECS.div_ceil(COIN_LIST_SECS)
    }

    /// Scheduled calls in a 31-day month when every call is made on time.
    pub fn scheduled_calls_per_month(&self) -> u64 {
        Self::calls_for(
            self.pages,
            self.top_interval.as_secs(),
            self.rest_interval.as_secs(),
            self.rates_interval.as_secs(),
            self.global_interval.as_secs(),
        )
    }

    /// Every call a month may see: the schedule and the on-demand shares.
    pub fn planned_calls_per_month(&self) -> u64 {
        self.scheduled_calls_per_month()
            + u64::from(self.chart_share)
            + u64::from(self.long_tail_share)
    }

    /// How often `kind` is refreshed.
    pub fn interval(&self, kind: RefreshKind) -> Duration {
        match kind {
            RefreshKind::Markets { page: 1 } => self.top_interval,
            RefreshKind::Markets { .. } => self.rest_interval,
            RefreshKind::Global => self.global_interval,
            RefreshKind::Rates => self.rates_interval,
            RefreshKind::CoinList => self.coin_list_interval,
        }
    }

    /// Every scheduled kind, most important first (the order ties are broken in).
    pub fn kinds(&self) -> Vec<RefreshKind> {
        let mut kinds = vec![RefreshKind::Markets { page: 1 }];
        kinds.extend((2..=self.pages).map(|page| RefreshKind::Markets { page }));
        kinds.extend([
            RefreshKind::Global,
            RefreshKind::Rates,
            RefreshKind::CoinList,
        ]);
        kinds
    }

    /// The calls a month `purpose` may spend (the schedule: everything but the shares).
    pub fn share_of(&self, purpose: Purpose) -> u32 {
        match purpose {
            Purpose::Chart => self.chart_share,
            Purpose::LongTailCoin => self.long_tail_share,
            Purpose::Scheduled => self
                .budget
                .monthly_calls
                .saturating_sub(self.chart_share + self.long_tail_share),
        }
    }

    /// The plan in one log line.
    pub fn describe(&self) -> String {
        let secs = |d: Duration| d.as_secs();
        let rest = if self.pages > 1 {
            format!(
                "pages 2-{} every {}s, ",
                self.pages,
                secs(self.rest_interval)
            )
        } else {
            String::new()
        };
        let mut line = format!(
            "call budget {} a month, {} a minute: planned {} calls a month ({} scheduled, {} for charts, {} for long-tail coins; the rest is headroom); \
             top page every {}s, {rest}global every {}s, exchange rates every {}s, coin list every {}s; at least {}s between calls",
            self.budget.monthly_calls,
            self.budget.per_minute,
            self.planned_calls_per_month(),
            self.scheduled_calls_per_month(),
            self.chart_share,
            self.long_tail_share,
            secs(self.top_interval),
            secs(self.global_interval),
            secs(self.rates_interval),
            secs(self.coin_list_interval),
            secs(self.min_gap),
        );
        if let Some(asked) = self.lengthened_from {
            line.push_str(&format!(
                "; MARKET_REFRESH_SECS={} lengthened to {}s to stay within the budget",
                asked.as_secs(),
                secs(self.top_interval)
            ));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_plan_fits_the_month_with_headroom() {
        let plan = Plan::new(CallBudget::DEMO, 4, None);
        assert!(
            plan.planned_calls_per_month() <= 9_000,
            "{}",
            plan.describe()
        );
        assert!(
            plan.scheduled_calls_per_month() >= 6_000,
            "{}",
            plan.describe()
        );
        assert_eq!(plan.chart_share, 1_000);
        assert!(plan.top_interval < plan.rest_interval);
        assert_eq!(plan.coin_list_interval, Duration::from_secs(86_400));
        assert!(
            plan.min_gap >= Duration::from_secs(101),
            "{}",
            plan.describe()
        );
    }

    #[test]
    fn a_paid_plan_refreshes_more_often() {
        let demo = Plan::new(CallBudget::DEMO, 4, None);
        let paid = Plan::new(CallBudget::SMALLEST_PAID, 4, None);
        assert!(paid.top_interval < demo.top_interval);
        assert!(
            paid.planned_calls_per_month() <= 90_000,
            "{}",
            paid.describe()
        );
        assert!(paid.top_interval >= Duration::from_secs(60));
    }

    #[test]
    fn a_requested_interval_is_lengthened_when_unaffordable_and_says_so() {
        let plan = Plan::new(CallBudget::DEMO, 4, Some(Duration::from_secs(120)));
        assert_eq!(plan.lengthened_from, Some(Duration::from_secs(120)));
        assert!(plan.top_interval > Duration::from_secs(120));
        assert!(
            plan.describe()
                .contains("MARKET_REFRESH_SECS=120 lengthened to")
        );
        let relaxed = Plan::new(CallBudget::DEMO, 4, Some(Duration::from_secs(3600)));
        assert_eq!(relaxed.lengthened_from, None);
        assert_eq!(relaxed.top_interval, Duration::from_secs(3600));
    }
}
