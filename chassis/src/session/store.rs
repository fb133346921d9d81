//! The server-side session store that every service shares: session contents live here, the
//! cookie carries only a random key. A Valkey/Redis-protocol server in production and in the
//! local cluster; a map in this process for the one-process `site` binary.
//!
//! Beside each session the store keeps a per-user index (public session id → storage key), so
//! that login can list a user's sessions and end them on every service at once: a session
//! removed here is gone for product on its very next request.
//!
//! The store may go away. Every call then fails fast (a short circuit-breaker pause after a
//! failure, so a dead server does not cost each request a connection timeout), pages render
//! anonymously, and a background probe notices within seconds when it is back.

use super::memory::MemoryStore;
use super::valkey::ValkeyStore;
use crate::identity::{IDENTITY, Identity, META, SessionMeta};
use crate::ids::UserId;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

/// The contents of one session, as actix-session hands them over: JSON values by key.
pub type State = HashMap<String, String>;

/// How long a failed store is left alone before the next request may try it again.
const RETRY_AFTER_FAILURE_MS: i64 = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the session store did not answer")]
    Unreachable(#[source] redis::RedisError),
    #[error("the session store failed a moment ago; not retried yet")]
    CoolingDown,
    #[error("a stored session could not be decoded")]
    Corrupt(#[source] serde_json::Error),
}

/// One of a user's active sessions, as `/account` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveSession {
    pub meta: SessionMeta,
    /// Unix seconds of the login.
    pub started_at: i64,
    /// Unix seconds of the last request (to the minute).
    pub last_seen_at: i64,
}

/// A handle on the store; cheap to clone, shared by the session middleware and the services.
///
/// One multiplexed connection per process, kept healthy by the probe: a connection per
/// server worker was tried, and after a store restart each worker's first call then failed
/// on its dead connection (a session not stored, a form refused).
#[derive(Clone)]
pub struct Sessions {
    backend: Arc<Backend>,
    health: Arc<Health>,
}

struct Health {
    /// Millisecond timestamp of the last failure, 0 while healthy.
    failed_at_ms: AtomicI64,
    /// Whether the store answered its last call or probe.
    available: AtomicBool,
}

pub(crate) enum Backend {
    Memory(Arc<MemoryStore>),
    Valkey(Box<ValkeyStore>),
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match *self.backend {
            Backend::Memory(_) => "Sessions(in process)",
            Backend::Valkey(_) => "Sessions(valkey)",
        })
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Sessions {
    /// Sessions kept in this process: for `site` and tests, never for replicated services.
    pub fn in_process() -> Self {
        Self::with_backend(Backend::Memory(Arc::default()))
    }

    /// A store at `url` (`redis://host:port` or `rediss://…`). Nothing is connected yet:
    /// [`Sessions::check`] at start proves it is reachable. `namespace` prefixes every key.
    pub fn valkey(url: &str, namespace: &str) -> Result<Self, redis::RedisError> {
        Ok(Self::with_backend(Backend::Valkey(Box::new(
            ValkeyStore::new(url, namespace)?,
        ))))
    }

    fn with_backend(backend: Backend) -> Self {
        Self {
            backend: Arc::new(backend),
            health: Arc::new(Health {
                failed_at_ms: AtomicI64::new(0),
                available: AtomicBool::new(true),
            }),
        }
    }

    /// Whether the store answered its last call. Pages say that signing in is unavailable
    /// when it did not; forms that need a session answer 503.
    pub fn is_available(&self) -> bool {
        self.health.available.load(Ordering::Relaxed)
    }

    pub fn is_in_process(&self) -> bool {
        matches!(*self.backend, Backend::Memory(_))
    }

    /// One round trip to the store, bypassing the circuit breaker (start-up and probes).
    pub async fn check(&self) -> Result<(), StoreError> {
        let result = match &*self.backend {
            Backend::Memory(_) => Ok(()),
            Backend::Valkey(store) => store.ping().await,
        };
        self.record(result)
    }

    /// Probes the store every `every` for as long as the process runs, so that availability
    /// is known even when no signed-in request comes by.
    pub fn spawn_probe(&self, every: Duration) {
        if self.is_in_process() {
            return;
        }
        let sessions = self.clone();
        actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(every).await;
                let was = sessions.is_available();
                let now = sessions.check().await;
                match (&now, was) {
                    (Ok(()), false) => log::info!("session store is reachable again"),
                    (Err(err), true) => log::warn!("session store unreachable: {err}"),
                    _ => {}
                }
            }
        });
    }

    fn record<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match &result {
            Ok(_) => {
                self.health.failed_at_ms.store(0, Ordering::Relaxed);
                self.health.available.store(true, Ordering::Relaxed);
            }
            Err(StoreError::Unreachable(_)) => {
                self.health.failed_at_ms.store(now_ms(), Ordering::Relaxed);
                self.health.available.store(false, Ordering::Relaxed);
            }
            Err(_) => {}
        }
        result
    }

    /// The circuit breaker: right after a failure, calls fail at once instead of each waiting
    /// for the network.
    fn gate(&self) -> Result<(), StoreError> {
        let failed_at = self.health.failed_at_ms.load(Ordering::Relaxed);
        if failed_at != 0 && now_ms() - failed_at < RETRY_AFTER_FAILURE_MS {
            return Err(StoreError::CoolingDown);
        }
        Ok(())
    }

    pub(crate) fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Runs one store operation through the breaker and records its outcome.
    pub(crate) async fn call<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        F: AsyncFnOnce(&Backend) -> Result<T, StoreError>,
    {
        self.gate()?;
        let result = op(&self.backend).await;
        self.record(result)
    }

    /// The session's contents; its idle lifetime starts again (one round trip).
    pub async fn load(&self, key: &str, idle: Duration) -> Result<Option<State>, StoreError> {
        let raw = self
            .call(async |b| match b {
                Backend::Memory(m) => Ok(m.load(key, idle)),
                Backend::Valkey(v) => v.load(key, idle).await,
            })
            .await?;
        raw.map(|json| serde_json::from_str(&json).map_err(StoreError::Corrupt))
            .transpose()
    }

    /// Writes a session. `only_if_present` refuses to bring back a session that was ended
    /// while this request ran (the write is then dropped, and the session stays ended).
    pub async fn store(
        &self,
        key: &str,
        state: &State,
        idle: Duration,
        only_if_present: bool,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(state).map_err(StoreError::Corrupt)?;
        let owner = owner_of(state);
        self.call(async |b| match b {
            Backend::Memory(m) => {
                m.store(key, json, idle, owner, only_if_present);
                Ok(())
            }
            Backend::Valkey(v) => v.store(key, &json, idle, owner, only_if_present).await,
        })
        .await
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.call(async |b| match b {
            Backend::Memory(m) => {
                m.delete(&[key.to_owned()]);
                Ok(())
            }
            Backend::Valkey(v) => v.delete(&[key.to_owned()]).await,
        })
        .await
    }

    /// The user's sessions that still exist, newest login first. Entries of sessions that
    /// expired or were ended are dropped from the index on the way.
    pub async fn list(&self, user: UserId) -> Result<Vec<ActiveSession>, StoreError> {
        let entries = self.index(user).await?;
        let keys: Vec<String> = entries.iter().map(|(_, key)| key.clone()).collect();
        let states = self
            .call(async |b| match b {
                Backend::Memory(m) => Ok(m.fetch(&keys)),
                Backend::Valkey(v) => v.fetch(&keys).await,
            })
            .await?;
        let mut live = Vec::new();
        let mut gone = Vec::new();
        for ((sid, key), state) in entries.into_iter().zip(states) {
            let session = state
                .and_then(|json| serde_json::from_str::<State>(&json).ok())
                .and_then(|state| describe(&state));
            match session {
                Some(session) if session.meta.id == sid => live.push(session),
                _ => gone.push((sid, key)),
            }
        }
        if !gone.is_empty() {
            self.forget(user, &gone).await?;
        }
        live.sort_by_key(|s| std::cmp::Reverse(s.started_at));
        Ok(live)
    }

    /// Ends one of the user's sessions by its public id; `false` if there was none.
    pub async fn end(&self, user: UserId, session_id: &str) -> Result<bool, StoreError> {
        let entries = self.index(user).await?;
        let chosen: Vec<_> = entries
            .into_iter()
            .filter(|(sid, _)| sid == session_id)
            .collect();
        if chosen.is_empty() {
            return Ok(false);
        }
        self.forget(user, &chosen).await?;
        Ok(true)
    }

    /// Ends every session of the user but `keep` (a public session id), on every service.
    /// Returns how many were ended.
    pub async fn end_all(&self, user: UserId, keep: Option<&str>) -> Result<usize, StoreError> {
        let entries: Vec<_> = self
            .index(user)
            .await?
            .into_iter()
            .filter(|(sid, _)| Some(sid.as_str()) != keep)
            .collect();
        self.forget(user, &entries).await?;
        Ok(entries.len())
    }

    async fn index(&self, user: UserId) -> Result<Vec<(String, String)>, StoreError> {
        self.call(async |b| match b {
            Backend::Memory(m) => Ok(m.index(user)),
            Backend::Valkey(v) => v.index(user).await,
        })
        .await
    }

    /// A change counter kept beside the sessions and shared by every replica of every
    /// service: a service bumps one when data behind an in-process cache of its own changes,
    /// and reads it before trusting that cache (one round trip instead of a database query).
    /// `None` until first bumped, or after the store lost it.
    pub async fn counter(&self, name: &str) -> Result<Option<u64>, StoreError> {
        self.call(async |b| match b {
            Backend::Memory(m) => Ok(m.counter(name)),
            Backend::Valkey(v) => v.counter(name).await,
        })
        .await
    }

    /// Moves a change counter on (see [`Sessions::counter`]).
    pub async fn bump(&self, name: &str) -> Result<(), StoreError> {
        self.call(async |b| match b {
            Backend::Memory(m) => {
                m.bump(name);
                Ok(())
            }
            Backend::Valkey(v) => v.bump(name).await,
        })
        .await
    }

    /// Deletes sessions and their index entries.
    async fn forget(&self, user: UserId, entries: &[(String, String)]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.call(async |b| match b {
            Backend::Memory(m) => {
                m.forget(user, entries);
                Ok(())
            }
            Backend::Valkey(v) => v.forget(user, entries).await,
        })
        .await
    }
}

/// The user and public session id of a signed-in session, for the index.
fn owner_of(state: &State) -> Option<(UserId, String)> {
    let identity: Identity = serde_json::from_str(state.get(IDENTITY)?).ok()?;
    let meta: SessionMeta = serde_json::from_str(state.get(META)?).ok()?;
    Some((UserId(identity.user_id), meta.id))
}

fn describe(state: &State) -> Option<ActiveSession> {
    let identity: Identity = serde_json::from_str(state.get(IDENTITY)?).ok()?;
    let meta: SessionMeta = serde_json::from_str(state.get(META)?).ok()?;
    let last_seen_at = state
        .get(crate::identity::SEEN_AT)
        .and_then(|raw| raw.parse().ok())
        .unwrap_or(identity.login_at);
    Some(ActiveSession {
        meta,
        started_at: identity.login_at,
        last_seen_at,
    })
}
