//! Login throttling that holds across replicas: failure counts live in the login database,
//! per account and per client address. Once a bucket passes its limit within the window it
//! is blocked for the lockout period; a successful login clears the account's bucket.

use chassis::db::{DbConnection, DbError};
use diesel::prelude::*;
use std::net::IpAddr;
use std::time::Duration;

diesel::table! {
    login_throttle (bucket) {
        bucket -> Text,
        failures -> Integer,
        window_started_at -> BigInt,
        blocked_until -> BigInt,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_failures_per_account: i32,
    pub max_failures_per_ip: i32,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures_per_account: 5,
            max_failures_per_ip: 20,
            window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(15 * 60),
        }
    }
}

/// The buckets one attempt counts against: an account, a client address, or both.
#[derive(Debug, Clone)]
pub struct Buckets {
    account: Option<String>,
    ip: Option<String>,
}

impl Buckets {
    /// `account` is the user id when the account exists, else the normalised login text, so
    /// an unknown name is throttled exactly like a known one.
    pub fn new(user_id: Option<i64>, login_key: &str, ip: Option<IpAddr>) -> Self {
        Self {
            account: Some(match user_id {
                Some(id) => format!("user:{id}"),
                None => format!("login:{login_key}"),
            }),
            ip: ip.map(|ip| format!("ip:{ip}")),
        }
    }

    /// The client address alone (registration, which names no account yet).
    pub fn address(ip: Option<IpAddr>) -> Self {
        Self {
            account: None,
            ip: ip.map(|ip| format!("ip:{ip}")),
        }
    }

    fn all(&self) -> Vec<&str> {
        self.account
            .as_deref()
            .into_iter()
            .chain(self.ip.as_deref())
            .collect()
    }
}

fn now() -> i64 {
    shared_ui::format::now_unix()
}

/// Seconds until the attempt may be made, if any bucket is blocked.
pub fn blocked_for(conn: &mut DbConnection, buckets: &Buckets) -> Result<Option<u64>, DbError> {
    let now = now();
    let until: Option<i64> = login_throttle::table
        .filter(login_throttle::bucket.eq_any(buckets.all()))
        .filter(login_throttle::blocked_until.gt(now))
        .select(diesel::dsl::max(login_throttle::blocked_until))
        .first(conn)?;
    Ok(until.map(|until| (until - now).max(1) as u64))
}

/// Counts a failed attempt against every bucket; returns the wait if this attempt blocked one.
pub fn record_failure(
    conn: &mut DbConnection,
    buckets: &Buckets,
    policy: &ThrottlePolicy,
) -> Result<Option<u64>, DbError> {
    let mut blocked = None;
    let limits = buckets
        .account
        .as_deref()
        .map(|account| (account, policy.max_failures_per_account))
        .into_iter()
        .chain(
            buckets
                .ip
                .as_deref()
                .map(|ip| (ip, policy.max_failures_per_ip)),
        );
    for (bucket, limit) in limits {
        let failures = increment(conn, bucket, policy.window)?;
        if failures >= limit {
            let lockout = policy.lockout.as_secs() as i64;
            diesel::update(login_throttle::table.find(bucket))
                .set(login_throttle::blocked_until.eq(now() + lockout))
                .execute(conn)?;
            blocked = Some(lockout as u64);
        }
    }
    Ok(blocked)
}

/// Adds one failure to `bucket` atomically, starting a new window when the old one is over.
/// Written as conditional updates rather than read-then-write so that replicas counting at
/// the same moment do not lose counts.
fn increment(conn: &mut DbConnection, bucket: &str, window: Duration) -> Result<i32, DbError> {
    use login_throttle::dsl as t;
    let now = now();
    let window_start = now - window.as_secs() as i64;
    for _ in 0..3 {
        let bumped = diesel::update(
            t::login_throttle
                .find(bucket)
                .filter(t::window_started_at.gt(window_start)),
        )
        .set(t::failures.eq(t::failures + 1))
        .execute(conn)?;
        if bumped == 0 {
            let restarted = diesel::update(
                t::login_throttle
                    .find(bucket)
                    .filter(t::window_started_at.le(window_start)),
            )
            .set((
                t::failures.eq(1),
                t::window_started_at.eq(now),
                t::blocked_until.eq(0),
            ))
            .execute(conn)?;
            if restarted == 0 {
                let inserted = diesel::insert_into(t::login_throttle)
                    .values((
                        t::bucket.eq(bucket),
                        t::failures.eq(1),
                        t::window_started_at.eq(now),
                        t::blocked_until.eq(0),
                    ))
                    .execute(conn)
                    .map_err(DbError::from);
                match inserted {
                    Ok(_) => {}
                    // Another replica inserted it first: count again as an update.
                    Err(DbError::UniqueViolation) => continue,
                    Err(other) => return Err(other),
                }
            }
        }
        return Ok(t::login_throttle
            .find(bucket)
            .select(t::failures)
            .first(conn)?);
    }
    Err(DbError::Unavailable(
        "could not record a login failure".into(),
    ))
}

/// Clears the account's failures after a successful login.
pub fn reset_account(conn: &mut DbConnection, buckets: &Buckets) -> Result<(), DbError> {
    if let Some(account) = &buckets.account {
        diesel::delete(login_throttle::table.find(account)).execute(conn)?;
    }
    Ok(())
}
