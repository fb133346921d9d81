//! The session store on a Valkey/Redis-protocol server: one multiplexed connection per
//! process that reconnects by itself, so reading a session is one round trip on a connection
//! that is already open.
//!
//! Keys, under the namespace: `s:<key>` holds a session's JSON with the idle lifetime as its
//! TTL; `u:<user id>` is a hash from public session id to session key, for listing and
//! ending a user's sessions; `c:<name>` is a change counter (see `Sessions::counter`);
//! `events:account` is the stream of account events.

use super::store::StoreError;
use crate::ids::UserId;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;
use tokio::sync::OnceCell;

/// A user's index outlives any one session; refreshed on every write.
const INDEX_TTL_SECS: u64 = 31 * 86_400;

/// A change counter lapses after a month without changes; readers treat a missing counter
/// as a value of its own, and never trust a cache entry longer than a minute anyway.
const COUNTER_TTL_SECS: u64 = 31 * 86_400;

pub struct ValkeyStore {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    namespace: String,
}

impl ValkeyStore {
    pub fn new(url: &str, namespace: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: OnceCell::new(),
            namespace: namespace.to_owned(),
        })
    }

    /// The shared connection, opened on first use. Short timeouts: a request waits at most a
    /// second or two for a store that has gone away (a refused connection fails at once).
    pub(crate) async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        self.connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(Duration::from_secs(1)))
                    .set_response_timeout(Some(Duration::from_secs(2)))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(200));
                ConnectionManager::new_with_config(self.client.clone(), config).await
            })
            .await
            .cloned()
            .map_err(StoreError::Unreachable)
    }

    pub(crate) fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.namespace)
    }

    fn session_key(&self, key: &str) -> String {
        self.key(&format!("s:{key}"))
    }

    fn index_key(&self, user: UserId) -> String {
        self.key(&format!("u:{user}"))
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.connection().await?;
        redis::cmd("PING")
            .query_async::<()>(&mut conn)
            .await
            .map_err(StoreError::Unreachable)
    }

    pub async fn load(&self, key: &str, idle: Duration) -> Result<Option<String>, StoreError> {
        let mut conn = self.connection().await?;
        redis::cmd("GETEX")
            .arg(self.session_key(key))
            .arg("EX")
            .arg(idle.as_secs().max(1))
            .query_async(&mut conn)
            .await
            .map_err(StoreError::Unreachable)
    }

    pub async fn store(
        &self,
        key: &str,
        json: &str,
        idle: Duration,
        owner: Option<(UserId, String)>,
        only_if_present: bool,
    ) -> Result<(), StoreError> {
        let mut conn = self.connection().await?;
        let mut pipe = redis::pipe();
        let set = pipe
            .cmd("SET")
            .arg(self.session_key(key))
            .arg(json)
            .arg("EX")
            .arg(idle.as_secs().max(1));
        if only_if_present {
            set.arg("XX");
        }
        set.ignore();
        if let Some((user, sid)) = owner {
            let index = self.index_key(user);
            pipe.cmd("HSET").arg(&index).arg(sid).arg(key).ignore();
            pipe.cmd("EXPIRE").arg(&index).arg(INDEX_TTL_SECS).ignore();
        }
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(StoreError::Unreachable)
    }

    pub async fn delete(&self, keys: &[String]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut conn = self.connection().await?;
        let keys: Vec<String> = keys.iter().map(|k| self.session_key(k)).collect();
        redis::cmd("DEL")
            .arg(keys)
            .query_async::<()>(&mut conn)
            .await
            .map_err(StoreError::Unreachable)
    }

    pub async fn fetch(&self, keys: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.connection().await?;
        let keys: Vec<String> = keys.iter().map(|k| self.session_key(k)).collect();
        redis::cmd("MGET")
            .arg(keys)
            .query_async(&mut conn)
            .await
            .map_err(StoreError::Unreachable)
    }

    pub async fn index(&self, user: UserId) -> Result<Vec<(String, String)>, StoreError> {
        let mut conn = self.connection().await?;
        redis::cmd("HGETALL")
            .arg(self.index_key(user))
            .query_async(&mut conn)
            .await
            .map_err(StoreError::Unreachable)
    }

    pub async fn forget(
        &self,
        user: UserId,
        entries: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut conn = self.connection().await?;
        let keys: Vec<String> = entries.iter().map(|(_, k)| self.session_key(k)).collect();
        let sids: Vec<&str> = entries.iter().map(|(sid, _)| sid.as_str()).collect();
        redis::pipe()
            .cmd("DEL")
            .arg(keys)
            .ignore()
            .cmd("HDEL")
            .arg(self.index_key(user))
            .arg(sids)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(StoreError::Unreachable)
    }

    pub async fn counter(&self, name: &str) -> Result<Option<u64>, StoreError> {
        let mut conn = self.connection().await?;
        redis::cmd("GET")
            .arg(self.key(&format!("c:{name}")))
            .query_async(&mut conn)
            .await
            .map_err(StoreError::Unreachable)
    }

    pub async fn bump(&self, name: &str) -> Result<(), StoreError> {
        let mut conn = self.connection().await?;
        let key = self.key(&format!("c:{name}"));
        redis::pipe()
            .cmd("INCR")
            .arg(&key)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(COUNTER_TTL_SECS)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(StoreError::Unreachable)
    }
}
