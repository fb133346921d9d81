//! Sessions in this process, for the one-process `site` binary and tests: the same behaviour
//! as the shared store (idle expiry, the per-user index), without a server.

use crate::ids::UserId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many sessions, expired ones are swept before another is added.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Maps>,
    /// The account-event stream, for `site`'s own consumers.
    pub(crate) events: crate::events::MemoryStream,
}

#[derive(Default)]
struct Maps {
    sessions: HashMap<String, (String, Instant)>,
    index: HashMap<UserId, HashMap<String, String>>,
    counters: HashMap<String, u64>,
}

impl MemoryStore {
    fn maps(&self) -> std::sync::MutexGuard<'_, Maps> {
        // A panic while holding the lock leaves plain maps behind, still consistent enough.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn load(&self, key: &str, idle: Duration) -> Option<String> {
        let mut maps = self.maps();
        let now = Instant::now();
        match maps.sessions.get_mut(key) {
            Some((json, expires)) if *expires > now => {
                *expires = now + idle;
                Some(json.clone())
            }
            Some(_) => {
                maps.sessions.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn store(
        &self,
        key: &str,
        json: String,
        idle: Duration,
        owner: Option<(UserId, String)>,
        only_if_present: bool,
    ) {
        let mut maps = self.maps();
        let now = Instant::now();
        if only_if_present && maps.sessions.get(key).is_none_or(|(_, e)| *e <= now) {
            return;
        }
        if maps.sessions.len() > SWEEP_ABOVE {
            maps.sessions.retain(|_, (_, expires)| *expires > now);
        }
        maps.sessions.insert(key.to_owned(), (json, now + idle));
        if let Some((user, sid)) = owner {
            maps.index
                .entry(user)
                .or_default()
                .insert(sid, key.to_owned());
        }
    }

    pub fn delete(&self, keys: &[String]) {
        let mut maps = self.maps();
        for key in keys {
            maps.sessions.remove(key);
        }
    }

    pub fn fetch(&self, keys: &[String]) -> Vec<Option<String>> {
        let maps = self.maps();
        let now = Instant::now();
        keys.iter()
            .map(|key| {
                maps.sessions
                    .get(key)
                    .filter(|(_, expires)| *expires > now)
                    .map(|(json, _)| json.clone())
            })
            .collect()
    }

    pub fn index(&self, user: UserId) -> Vec<(String, String)> {
        self.maps()
            .index
            .get(&user)
            .map(|entries| {
                entries
                    .iter()
                    .map(|(sid, key)| (sid.clone(), key.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn forget(&self, user: UserId, entries: &[(String, String)]) {
        let mut maps = self.maps();
        for (_, key) in entries {
            maps.sessions.remove(key);
        }
        if let Some(index) = maps.index.get_mut(&user) {
            for (sid, _) in entries {
                index.remove(sid);
            }
            if index.is_empty() {
                maps.index.remove(&user);
            }
        }
    }

    pub fn counter(&self, name: &str) -> Option<u64> {
        self.maps().counters.get(name).copied()
    }

    pub fn bump(&self, name: &str) {
        *self.maps().counters.entry(name.to_owned()).or_default() += 1;
    }
}
