//! Throttling that holds across replicas and against bursts. Each attempt first *reserves*
//! a slot in every bucket it counts against (one atomic upsert per bucket in the login
//! database), and only a granted reservation goes on to the expensive work (argon2, or
//! answering whether a name is taken). A reservation that puts a bucket over its limit
//! locks the bucket for the lockout period. A successful login clears the account's (or
//! device's) bucket and gives the address its slot back; a failure keeps both.

use chassis::db::{DbConnection, DbError};
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
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

/// How many attempts each kind of bucket allows per window, and how long it locks after.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_failures_per_account: i32,
    pub max_failures_per_ip: i32,
    /// A browser that logged in before keeps this allowance while its account is locked.
    pub max_failures_per_device: i32,
    pub registrations_per_hour_per_ip: i32,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures_per_account: 5,
            max_failures_per_ip: 20,
            max_failures_per_device: 5,
            registrations_per_hour_per_ip: 10,
            window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(15 * 60),
        }
    }
}

const HOUR: i64 = 3600;

/// One bucket's rule: `max` attempts per `window_secs`; over that, locked for `lockout_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: i32,
    pub window_secs: i64,
    pub lockout_secs: i64,
}

impl ThrottlePolicy {
    pub fn limit(&self, bucket: &Bucket) -> Limit {
        let (window_secs, lockout_secs) = (secs(self.window), secs(self.lockout));
        match bucket {
            Bucket::Account(_) => Limit {
                max: self.max_failures_per_account,
                window_secs,
                lockout_secs,
            },
            Bucket::Address(_) => Limit {
                max: self.max_failures_per_ip,
                window_secs,
                lockout_secs,
            },
            Bucket::Device(_) => Limit {
                max: self.max_failures_per_device,
                window_secs,
                lockout_secs,
            },
            Bucket::Signup(_) => Limit {
                max: self.registrations_per_hour_per_ip,
                window_secs: HOUR,
                lockout_secs: HOUR,
            },
        }
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4)
}

/// What an attempt counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bucket {
    /// The normalised login text as submitted (a username or an email, existing or not), so
    /// locking a username locks neither its email nor tells that the two belong together.
    Account(String),
    /// A client address: every login and re-authentication from it.
    Address(IpAddr),
    /// A browser holding a device token for the account it logs in to (its nonce).
    Device(String),
    /// A client address's registrations and "already taken" answers.
    Signup(IpAddr),
}

impl Bucket {
    /// No username or email is longer; a longer login text cannot exist, and keeping its
    /// head is enough to count it.
    const MAX_LOGIN_CHARS: usize = 320;

    /// The account bucket of a normalised login text (see `domain::lookup_key`).
    pub fn account(login_key: &str) -> Self {
        Self::Account(login_key.chars().take(Self::MAX_LOGIN_CHARS).collect())
    }

    fn key(&self) -> String {
        match self {
            Self::Account(login) => format!("account:{login}"),
            Self::Address(ip) => format!("ip:{ip}"),
            Self::Device(nonce) => format!("device:{nonce}"),
            Self::Signup(ip) => format!("signup:{ip}"),
        }
    }
}

/// The answer to a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    Granted,
    Refused { retry_after_secs: u64 },
}

/// Counts one attempt against `bucket` and says whether it may go ahead, in one statement
/// (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), so replicas and concurrent requests
/// never both see the last free slot. A bucket whose lockout is over, or whose window has
/// passed without a lockout, starts a new window with this attempt.
pub fn reserve(
    conn: &mut DbConnection,
    bucket: &Bucket,
    limit: Limit,
    now: i64,
) -> Result<Reservation, DbError> {
    use login_throttle::dsl as t;
    let window_start = now.saturating_sub(limit.window_secs);
    let lock_until = now.saturating_add(limit.lockout_secs);
    // The conditions read the row as it was before this statement, on both backends.
    let lockout_over = t::blocked_until.gt(0_i64).and(t::blocked_until.le(now));
    let window_over = t::blocked_until
        .le(now)
        .and(t::window_started_at.le(window_start));
    let restart = lockout_over.or(window_over);
    let over_limit = (t::failures + 1).gt(limit.max);
    let query = diesel::insert_into(t::login_throttle)
        .values((
            t::bucket.eq(bucket.key()),
            t::failures.eq(1),
            t::window_started_at.eq(now),
            t::blocked_until.eq(if limit.max < 1 { lock_until } else { 0 }),
        ))
        .on_conflict(t::bucket)
        .do_update()
        .set((
            t::failures.eq(case_when(restart, 1.into_sql::<Integer>()).otherwise(t::failures + 1)),
            t::window_started_at
                .eq(case_when(restart, now.into_sql::<BigInt>()).otherwise(t::window_started_at)),
            t::blocked_until.eq(case_when(restart, 0_i64.into_sql::<BigInt>())
                .when(t::blocked_until.gt(now), t::blocked_until)
                .when(over_limit, lock_until.into_sql::<BigInt>())
                .otherwise(t::blocked_until)),
        ))
        .returning(t::blocked_until);
    let blocked_until: i64 = match conn {
        DbConnection::Postgresql(c) => query.get_result(c)?,
        DbConnection::Sqlite(c) => query.get_result(c)?,
    };
    Ok(if blocked_until > now {
        Reservation::Refused {
            retry_after_secs: u64::try_from(blocked_until - now).unwrap_or(1).max(1),
        }
    } else {
        Reservation::Granted
    })
}

/// Reserves in each bucket in turn; the first refusal ends it, so a bucket is not charged
/// for an attempt another bucket refused.
pub fn reserve_all(
    conn: &mut DbConnection,
    buckets: &[Bucket],
    policy: &ThrottlePolicy,
    now: i64,
) -> Result<Reservation, DbError> {
    for bucket in buckets {
        let answer = reserve(conn, bucket, policy.limit(bucket), now)?;
        if answer != Reservation::Granted {
            return Ok(answer);
        }
    }
    Ok(Reservation::Granted)
}

/// Forgets a bucket (a successful login clears its account or device bucket).
pub fn clear(conn: &mut DbConnection, bucket: &Bucket) -> Result<(), DbError> {
    diesel::delete(login_throttle::table.find(bucket.key())).execute(conn)?;
    Ok(())
}

/// Gives back one reserved slot (the attempt turned out not to count).
pub fn refund(conn: &mut DbConnection, bucket: &Bucket) -> Result<(), DbError> {
    use login_throttle::dsl as t;
    diesel::update(
        t::login_throttle
            .find(bucket.key())
            .filter(t::failures.gt(0)),
    )
    .set(t::failures.eq(t::failures - 1))
    .execute(conn)?;
    Ok(())
}

/// Deletes the rows of buckets whose window and lockout ended `grace_secs` ago or more:
/// they would start over at their next attempt anyway.
pub fn forget_stale(conn: &mut DbConnection, now: i64, grace_secs: i64) -> Result<usize, DbError> {
    use login_throttle::dsl as t;
    let before = now.saturating_sub(grace_secs);
    Ok(diesel::delete(
        t::login_throttle
            .filter(t::blocked_until.lt(before))
            .filter(t::window_started_at.lt(before)),
    )
    .execute(conn)?)
}

/// A password check: the account (or the owner's device) it names and the address it comes
/// from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// `Bucket::Account` or, for a browser with a device token for this account, `Bucket::Device`.
    pub subject: Bucket,
    pub address: Option<Bucket>,
}

impl Attempt {
    /// An attempt on `subject` from `ip`. A known device's attempts count against its own
    /// bucket only: its token names one account and was earned with that account's password,
    /// so it cannot be used to guess others, and an attacker behind the owner's address (an
    /// office, a carrier's NAT) who gets that address locked does not lock the owner out.
    pub fn new(subject: Bucket, ip: Option<IpAddr>) -> Self {
        let address = match subject {
            Bucket::Device(_) => None,
            _ => ip.map(Bucket::Address),
        };
        Self { subject, address }
    }

    fn buckets(&self) -> Vec<Bucket> {
        self.address
            .iter()
            .cloned()
            .chain(std::iter::once(self.subject.clone()))
            .collect()
    }

    /// Reserves the attempt in the address's bucket, then the subject's.
    pub fn reserve(
        &self,
        conn: &mut DbConnection,
        policy: &ThrottlePolicy,
        now: i64,
    ) -> Result<Reservation, DbError> {
        reserve_all(conn, &self.buckets(), policy, now)
    }

    /// The password was right: the subject starts over and the address gets its slot back.
    pub fn succeeded(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        clear(conn, &self.subject)?;
        if let Some(address) = &self.address {
            refund(conn, address)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chassis::db::DbPool;
    use chassis::testing::TestDatabase;

    const T0: i64 = 1_700_000_000;
    const LIMIT: Limit = Limit {
        max: 3,
        window_secs: 600,
        lockout_secs: 900,
    };

    fn database() -> (TestDatabase, DbPool) {
        let db = TestDatabase::new("throttle");
        let pool = DbPool::new(&db.url, 2).expect("pool");
        pool.migrate(crate::MIGRATIONS).expect("migrations");
        (db, pool)
    }

    fn granted(conn: &mut DbConnection, bucket: &Bucket, now: i64) -> bool {
        reserve(conn, bucket, LIMIT, now).expect("reserve") == Reservation::Granted
    }

    #[test]
    fn the_attempt_past_the_limit_is_refused_and_locks_for_the_lockout() {
        let (_db, pool) = database();
        let mut conn = pool.get().expect("connection");
        let bucket = Bucket::Account("alice".into());
        for _ in 0..3 {
            assert!(granted(&mut conn, &bucket, T0));
        }
        assert_eq!(
            reserve(&mut conn, &bucket, LIMIT, T0 + 10).expect("reserve"),
            Reservation::Refused {
                retry_after_secs: 900
            }
        );
        // Refused attempts do not push the lockout further.
        assert_eq!(
            reserve(&mut conn, &bucket, LIMIT, T0 + 110).expect("reserve"),
            Reservation::Refused {
                retry_after_secs: 800
            }
        );
        // Once the lockout is over, a new window starts with this attempt.
        assert!(granted(&mut conn, &bucket, T0 + 910));
        assert!(granted(&mut conn, &bucket, T0 + 911));
        assert!(granted(&mut conn, &bucket, T0 + 912));
        assert!(!granted(&mut conn, &bucket, T0 + 913));
    }

    #[test]
    fn a_window_that_passes_without_a_lockout_starts_over() {
        let (_db, pool) = database();
        let mut conn = pool.get().expect("connection");
        let bucket = Bucket::Address("192.0.2.7".parse().expect("ip"));
        for _ in 0..3 {
            assert!(granted(&mut conn, &bucket, T0));
        }
        assert!(granted(&mut conn, &bucket, T0 + 600));
        assert!(granted(&mut conn, &bucket, T0 + 601));
        assert!(granted(&mut conn, &bucket, T0 + 602));
        assert!(!granted(&mut conn, &bucket, T0 + 603));
    }

    #[test]
    fn buckets_count_apart_and_clear_and_refund_give_slots_back() {
        let (_db, pool) = database();
        let mut conn = pool.get().expect("connection");
        let name = Bucket::Account("bob".into());
        let email = Bucket::Account("bob@example.com".into());
        let ip: IpAddr = "192.0.2.8".parse().expect("ip");
        for _ in 0..3 {
            assert!(granted(&mut conn, &name, T0));
        }
        assert!(granted(&mut conn, &email, T0));
        assert!(granted(&mut conn, &Bucket::Signup(ip), T0));
        assert!(granted(&mut conn, &Bucket::Address(ip), T0));
        clear(&mut conn, &name).expect("clear");
        for _ in 0..3 {
            assert!(granted(&mut conn, &name, T0));
        }
        refund(&mut conn, &name).expect("refund");
        assert!(granted(&mut conn, &name, T0));
        assert!(!granted(&mut conn, &name, T0));
    }

    #[test]
    fn stale_buckets_are_forgotten_and_live_ones_kept() {
        let (_db, pool) = database();
        let mut conn = pool.get().expect("connection");
        let (old, locked, recent) = (
            Bucket::account("old"),
            Bucket::account("locked"),
            Bucket::account("recent"),
        );
        assert!(granted(&mut conn, &old, T0));
        for _ in 0..4 {
            let _ = granted(&mut conn, &locked, T0 + 3000);
        }
        assert!(granted(&mut conn, &recent, T0 + 3500));
        // At T0 + 4000 with an hour's grace: only `old` ended over an hour ago.
        assert_eq!(forget_stale(&mut conn, T0 + 4000, 3600).expect("forget"), 1);
        assert!(!granted(&mut conn, &locked, T0 + 3001));
        for _ in 0..3 {
            assert!(granted(&mut conn, &old, T0 + 4000));
        }
        assert!(!granted(&mut conn, &old, T0 + 4000));
    }

    #[test]
    fn a_known_device_counts_apart_from_its_address() {
        let ip: IpAddr = "192.0.2.9".parse().expect("ip");
        let stranger = Attempt::new(Bucket::account("carol"), Some(ip));
        assert_eq!(
            stranger.buckets(),
            [Bucket::Address(ip), Bucket::account("carol")]
        );
        let owner = Attempt::new(Bucket::Device("ab".repeat(16)), Some(ip));
        assert_eq!(owner.buckets(), [Bucket::Device("ab".repeat(16))]);
    }

    #[test]
    fn an_absurdly_long_login_text_is_counted_by_its_head() {
        let long = "a".repeat(10_000);
        assert_eq!(Bucket::account(&long), Bucket::account(&format!("{long}b")));
    }
}
