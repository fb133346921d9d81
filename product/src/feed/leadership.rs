//! Which replica refreshes: the one holding a PostgreSQL session-level advisory lock. The
//! lock lives as long as the connection that took it, which the leader keeps out of the pool
//! for as long as it leads; if that connection dies, the server frees the lock and another
//! replica takes it on its next try. On SQLite the one process is always the leader.

use chassis::db::{Backend, ConnectionManager, DbConnection, DbPool};
use diesel::r2d2::PooledConnection;
use diesel::sql_types::Bool;
use diesel::{QueryableByName, RunQueryDsl};

/// The advisory lock key of the market refresher (the migrations use `…0001`).
pub const REFRESHER_LOCK_KEY: i64 = 0x7072_6f64_7563_0002;

type Pooled = PooledConnection<ConnectionManager>;

pub struct Leadership {
    pool: DbPool,
    key: i64,
    held: Option<HeldLock>,
}

/// A connection holding the lock. Dropping it releases the lock before the connection goes
/// back to the pool, so no pooled connection ever holds it by accident.
struct HeldLock(Option<Pooled>);

impl Drop for HeldLock {
    fn drop(&mut self) {
        if let Some(mut conn) = self.0.take()
            && let DbConnection::Postgresql(c) = &mut *conn
        {
            let _ = diesel::sql_query("SELECT pg_advisory_unlock_all()").execute(c);
        }
    }
}

#[derive(QueryableByName)]
struct Answer {
    #[diesel(sql_type = Bool)]
    answer: bool,
}

impl Leadership {
    pub fn new(pool: DbPool, key: i64) -> Self {
        Self {
            pool,
            key,
            held: None,
        }
    }

    /// Whether this process should refresh now: it holds the lock (and its connection still
    /// answers), or it just took it.
    pub async fn check(&mut self) -> bool {
        if self.pool.backend() == Backend::Sqlite {
            return true;
        }
        let pool = self.pool.clone();
        let key = self.key;
        let held = self.held.take();
        let outcome = tokio::task::spawn_blocking(move || match held {
            Some(mut lock) => still_alive(&mut lock).then_some(lock),
            None => try_take(&pool, key),
        })
        .await
        .ok()
        .flatten();
        self.held = outcome;
        self.held.is_some()
    }
}

fn still_alive(lock: &mut HeldLock) -> bool {
    let Some(conn) = lock.0.as_mut() else {
        return false;
    };
    let DbConnection::Postgresql(c) = &mut **conn else {
        return false;
    };
    match diesel::sql_query("SELECT true AS answer").get_result::<Answer>(c) {
        Ok(_) => true,
        Err(err) => {
            log::warn!(
                "the market refresher's lock connection failed; giving up leadership: {err}"
            );
            false
        }
    }
}

fn try_take(pool: &DbPool, key: i64) -> Option<HeldLock> {
    let mut conn = match pool.get() {
        Ok(conn) => conn,
        Err(err) => {
            log::warn!("cannot try the market refresher's lock: {err}");
            return None;
        }
    };
    let DbConnection::Postgresql(c) = &mut *conn else {
        return None;
    };
    // `key` is our own constant, not input.
    match diesel::sql_query(format!("SELECT pg_try_advisory_lock({key}) AS answer"))
        .get_result::<Answer>(c)
    {
        Ok(Answer { answer: true }) => Some(HeldLock(Some(conn))),
        Ok(Answer { answer: false }) => None,
        Err(err) => {
            log::warn!("cannot try the market refresher's lock: {err}");
            None
        }
    }
}
