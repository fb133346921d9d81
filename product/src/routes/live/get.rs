//! `GET /prices/live?ids=bitcoin,ethereum&currency=eur`: an event stream of the coins' figures
//! in the page's currency. The first event has them all; then one event per market snapshot
//! that changed any of them. A comment every 15 s keeps the load balancer (idle timeout 60 s)
//! and nginx from closing a quiet stream. A stream ends after [`MAX_LIFETIME`], or as soon as
//! the process starts draining, and the browser's `EventSource` opens a new one.

use super::StreamLimit;
use super::figures::{Figures, Update};
use crate::feed::{Feed, LiveMarket};
use crate::market::CoinId;
use crate::routes::currency::PageCurrency;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use chassis::AppError;
use chassis::db::DbPool;
use chassis::health::Lifecycle;
use futures_util::stream::{self, Stream, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, watch};

/// The most coins one stream follows: the largest page of the listing.
pub(crate) const MAX_IDS: usize = 100;
/// A stream ends after this, so that connections move to new tasks after a deploy and a
/// stream's currency and rates are never older than this.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(15 * 60);
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Asked of a client refused because the process is full or draining.
const RETRY_AFTER_SECS: &str = "30";

pub async fn live_prices(
    req: HttpRequest,
    feed: web::Data<Feed>,
    pool: web::Data<DbPool>,
    limit: web::Data<StreamLimit>,
    lifecycle: web::Data<Lifecycle>,
) -> Result<HttpResponse, AppError> {
    let ids = requested_ids(&req, &feed)?;
    if lifecycle.is_draining() {
        return Ok(busy());
    }
    let Some(permit) = limit.try_open() else {
        return Ok(busy());
    };
    let user_id = chassis::identity::current_for_request(&req).map(|i| i.user_id);
    // The same currency, by the same rules, as the page that opened the stream.
    let currency = PageCurrency::of(&req, &feed, &pool, user_id).await;
    let mut figures = Figures::new(ids, currency.cur);
    let live = Arc::clone(feed.live());
    let versions = live.versions();
    let first = figures
        .next(&live.snapshot())
        .map(event)
        .unwrap_or_else(|| Bytes::from_static(b": no figures yet\n\n"));
    let lifecycle = lifecycle.get_ref().clone();
    let body = stream::once(async move { Ok::<_, actix_web::Error>(first) }).chain(updates(
        Following {
            live,
            versions,
            figures,
            _permit: permit,
        },
        lifecycle,
    ));
    Ok(HttpResponse::Ok()
        .content_type(chassis::compression::EVENT_STREAM)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // nginx (the local stand-in for the load balancer) passes each event on at once.
        .insert_header(("X-Accel-Buffering", "no"))
        .insert_header(chassis::compression::uncompressed())
        .streaming(body))
}

/// The ids of `?ids=`, comma-separated: each must be a coin we list, and at most [`MAX_IDS`].
fn requested_ids(req: &HttpRequest, feed: &Feed) -> Result<Vec<CoinId>, AppError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let raw = pairs
        .into_iter()
        .find(|(name, _)| name == "ids")
        .map(|(_, value)| value)
        .unwrap_or_default();
    let mut ids: Vec<CoinId> = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = CoinId::parse(part)
            .map_err(|_| AppError::BadRequest(format!("{part:?} is not a coin id.")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(AppError::BadRequest("Name the coins to follow.".to_owned()));
    }
    if ids.len() > MAX_IDS {
        return Err(AppError::BadRequest(format!(
            "At most {MAX_IDS} coins can be followed at once."
        )));
    }
    let snapshot = feed.live().snapshot();
    let directory = feed.directory();
    if let Some(unknown) = ids
        .iter()
        .find(|id| snapshot.coin(id).is_none() && !directory.contains(id))
    {
        return Err(AppError::BadRequest(format!(
            "No coin has the id {unknown}."
        )));
    }
    Ok(ids)
}

/// 503 with `Retry-After`: the browser's script tries again later; the page keeps working.
fn busy() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS))
        .finish()
}

/// One server-sent event.
fn event(update: Update) -> Bytes {
    // Serialising plain strings and maps cannot fail; JSON has no raw newlines to split on.
    let data = serde_json::to_string(&update).unwrap_or_else(|_| "{}".to_owned());
    Bytes::from(format!("event: prices\ndata: {data}\n\n"))
}

/// What a stream follows after its first event; its place in the limit goes with it.
struct Following {
    live: Arc<LiveMarket>,
    versions: watch::Receiver<u64>,
    figures: Figures,
    _permit: OwnedSemaphorePermit,
}

/// The events after the first: figures on each new snapshot that changes them, a comment
/// every [`HEARTBEAT`]; the end at [`MAX_LIFETIME`] or when the process drains.
fn updates(
    following: Following,
    lifecycle: Lifecycle,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> + 'static {
    let start = tokio::time::Instant::now();
    let mut heartbeat = tokio::time::interval_at(start + HEARTBEAT, HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let ends = Box::pin(tokio::time::sleep_until(start + MAX_LIFETIME));
    let drained = Box::pin(async move { lifecycle.draining().await });
    let state = (following, heartbeat, ends, drained);
    stream::unfold(
        state,
        |(mut following, mut heartbeat, mut ends, mut drained)| async move {
            loop {
                tokio::select! {
                    biased;
                    () = &mut drained => return None,
                    () = &mut ends => return None,
                    changed = following.versions.changed() => {
                        if changed.is_err() {
                            return None;
                        }
                        let snapshot = following.live.snapshot();
                        if let Some(update) = following.figures.next(&snapshot) {
                            return Some((Ok(event(update)), (following, heartbeat, ends, drained)));
                        }
                    }
                    _ = heartbeat.tick() => {
                        let beat = Bytes::from_static(b": keep-alive\n\n");
                        return Some((Ok(beat), (following, heartbeat, ends, drained)));
                    }
                }
            }
        },
    )
}
