//! How long the refresher waits after a failed refresh: exponential in the number of
//! failures in a row, jittered so replicas and restarts do not retry in step, and never less
//! than an upstream's `Retry-After` (itself capped, so a wild header cannot stop the feed).

use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The wait after the first failure, before jitter.
    pub first: Duration,
    /// The longest wait, before jitter.
    pub max: Duration,
}

/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

impl Backoff {
    /// For a feed polled every `interval`: the first retry comes within the interval (and
    /// within 30 s), later ones double up to sixteen intervals, at most 15 minutes (or one
    /// interval, if that is longer).
    pub fn for_interval(interval: Duration) -> Self {
        Self {
            first: interval.min(Duration::from_secs(30)),
            max: interval.max(
                interval
                    .saturating_mul(16)
                    .min(Duration::from_secs(15 * 60)),
            ),
        }
    }

    /// The wait after `failures` failures in a row (from 1). `jitter` is a number in [0, 1)
    /// that spreads the wait over its upper half.
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let doubling = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
        let exponential = self.first.saturating_mul(doubling).min(self.max);
        let jittered = exponential.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        jittered.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECS: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn waits_double_with_each_failure_up_to_the_cap() {
        let backoff = Backoff::for_interval(SECS(120));
        let waits: Vec<u64> = (1..=8)
            .map(|n| backoff.delay(n, None, 1.0).as_secs())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(backoff.delay(u32::MAX, None, 1.0), SECS(900));
    }

    #[test]
    fn jitter_spreads_each_wait_over_its_upper_half() {
        let backoff = Backoff::for_interval(SECS(120));
        assert_eq!(backoff.delay(2, None, 0.0), SECS(30));
        assert_eq!(backoff.delay(2, None, 0.5), SECS(45));
        assert!(backoff.delay(2, None, 0.999) < SECS(60));
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        let backoff = Backoff::for_interval(SECS(120));
        assert_eq!(backoff.delay(1, Some(SECS(600)), 0.0), SECS(600));
        assert_eq!(
            backoff.delay(1, Some(SECS(5)), 0.0),
            SECS(15),
            "a short Retry-After does not shorten the backoff"
        );
        assert_eq!(
            backoff.delay(1, Some(SECS(86_400 * 365)), 0.0),
            MAX_RETRY_AFTER
        );
    }

    #[test]
    fn a_fast_test_feed_retries_fast() {
        let backoff = Backoff::for_interval(SECS(1));
        assert_eq!(backoff.delay(1, None, 1.0), SECS(1));
        assert_eq!(backoff.delay(10, None, 1.0), SECS(16));
    }
}
