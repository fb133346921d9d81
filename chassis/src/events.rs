//! Facts about accounts that other services must not miss, carried as durable events: a
//! Valkey stream with a consumer group per service, so an event published while a service is
//! down waits for it, and one that a crashed replica had taken is claimed by another.
//! Handlers must be idempotent: an event can arrive twice. In the one-process `site` the
//! stream is a list in memory.

use crate::ids::UserId;
use crate::session::Sessions;
use crate::session::store::{Backend, StoreError};
use futures_util::future::LocalBoxFuture;
use redis::AsyncCommands;
use redis::streams::{StreamAutoClaimOptions, StreamId, StreamReadOptions, StreamReadReply};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How often a consumer looks for new events. Polling keeps the shared connection free of
/// blocking reads.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// An event taken by a consumer that has not acknowledged it this long is handed to another.
const CLAIM_AFTER_MS: u64 = 30_000;
/// The stream keeps about this many events; each is tiny.
const KEEP_EVENTS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEvent {
    /// The account is gone; whatever a service keeps for it goes too.
    Deleted(UserId),
}

impl AccountEvent {
    fn fields(self) -> [(&'static str, String); 2] {
        match self {
            Self::Deleted(user) => [("kind", "deleted".to_owned()), ("user", user.to_string())],
        }
    }

    fn from_fields(kind: Option<&str>, user: Option<&str>) -> Option<Self> {
        let user = UserId(user?.parse().ok()?);
        match kind? {
            "deleted" => Some(Self::Deleted(user)),
            _ => None,
        }
    }
}

/// What a service does with an event; an error leaves the event to be delivered again.
pub type Handler = std::rc::Rc<dyn Fn(AccountEvent) -> LocalBoxFuture<'static, Result<(), String>>>;

/// The in-process stream: every event, and how far each group has read.
#[derive(Default)]
pub(crate) struct MemoryStream {
    inner: Mutex<(Vec<AccountEvent>, HashMap<&'static str, usize>)>,
}

impl Sessions {
    /// Publishes an account event for every service's consumer group.
    pub async fn publish(&self, event: AccountEvent) -> Result<(), StoreError> {
        self.call(async |backend| match backend {
            Backend::Memory(memory) => {
                let mut inner = memory
                    .events
                    .inner
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                inner.0.push(event);
                Ok(())
            }
            Backend::Valkey(store) => {
                let mut conn = store.connection().await?;
                let fields = event.fields();
                let _: String = conn
                    .xadd_maxlen(
                        store.key("events:account"),
                        redis::streams::StreamMaxlen::Approx(KEEP_EVENTS),
                        "*",
                        &fields,
                    )
                    .await
                    .map_err(StoreError::Unreachable)?;
                Ok(())
            }
        })
        .await
    }

    /// Delivers account events to `handler` for as long as the process runs, as a member of
    /// the consumer group `group` (one group per service).
    pub fn spawn_event_consumer(&self, group: &'static str, handler: Handler) {
        let sessions = self.clone();
        let consumer = format!("{group}-{}", uuid::Uuid::new_v4().simple());
        actix_web::rt::spawn(async move {
            let mut group_ready = false;
            loop {
                match sessions
                    .deliver(group, &consumer, &mut group_ready, &handler)
                    .await
                {
                    Ok(0) => {}
                    Ok(n) => log::info!("processed {n} account event(s) for {group}"),
                    Err(err) => log::warn!("account events for {group}: {err}"),
                }
                actix_web::rt::time::sleep(POLL_EVERY).await;
            }
        });
    }

    /// One round of delivery; returns how many events were handled.
    async fn deliver(
        &self,
        group: &'static str,
        consumer: &str,
        group_ready: &mut bool,
        handler: &Handler,
    ) -> Result<usize, StoreError> {
        match self.backend() {
            Backend::Memory(memory) => {
                let pending: Vec<AccountEvent> = {
                    let inner = memory
                        .events
                        .inner
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    let from = inner.1.get(group).copied().unwrap_or(0);
                    inner.0[from.min(inner.0.len())..].to_vec()
                };
                let mut handled = 0;
                for event in pending {
                    if let Err(err) = handler(event).await {
                        log::warn!("account event {event:?} for {group} failed: {err}");
                        break;
                    }
                    let mut inner = memory
                        .events
                        .inner
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    *inner.1.entry(group).or_insert(0) += 1;
                    handled += 1;
                }
                Ok(handled)
            }
            Backend::Valkey(store) => {
                let stream = store.key("events:account");
                let mut conn = store.connection().await?;
                if !*group_ready {
                    let created: redis::RedisResult<()> =
                        conn.xgroup_create_mkstream(&stream, group, "0").await;
                    match created {
                        Ok(()) => {}
                        Err(err) if err.code() == Some("BUSYGROUP") => {}
                        Err(err) => return Err(StoreError::Unreachable(err)),
                    }
                    *group_ready = true;
                }
                // Events a dead or stuck replica took but never acknowledged, then new ones.
                let claimed: redis::streams::StreamAutoClaimReply = conn
                    .xautoclaim_options(
                        &stream,
                        group,
                        consumer,
                        CLAIM_AFTER_MS,
                        "0-0",
                        StreamAutoClaimOptions::default().count(100),
                    )
                    .await
                    .map_err(StoreError::Unreachable)?;
                let fresh: StreamReadReply = conn
                    .xread_options(
                        &[&stream],
                        &[">"],
                        &StreamReadOptions::default()
                            .group(group, consumer)
                            .count(100),
                    )
                    .await
                    .map_err(StoreError::Unreachable)?;
                let entries = claimed
                    .claimed
                    .into_iter()
                    .chain(fresh.keys.into_iter().flat_map(|k| k.ids));
                let mut handled = 0;
                for entry in entries {
                    match parse(&entry) {
                        Some(event) => {
                            if let Err(err) = handler(event).await {
                                log::warn!("account event {event:?} for {group} failed: {err}");
                                continue;
                            }
                        }
                        None => log::warn!("skipping an unreadable account event {}", entry.id),
                    }
                    let _: usize = conn
                        .xack(&stream, group, &[&entry.id])
                        .await
                        .map_err(StoreError::Unreachable)?;
                    handled += 1;
                }
                Ok(handled)
            }
        }
    }
}

fn parse(entry: &StreamId) -> Option<AccountEvent> {
    let kind: Option<String> = entry.get("kind");
    let user: Option<String> = entry.get("user");
    AccountEvent::from_fields(kind.as_deref(), user.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_survives_its_round_trip_through_stream_fields() {
        let event = AccountEvent::Deleted(UserId(42));
        let fields = event.fields();
        assert_eq!(
            AccountEvent::from_fields(Some(&fields[0].1), Some(&fields[1].1)),
            Some(event)
        );
        assert_eq!(AccountEvent::from_fields(Some("renamed"), Some("1")), None);
        assert_eq!(AccountEvent::from_fields(Some("deleted"), Some("x")), None);
    }
}
