//! A deadline for request bodies. actix times out a slow request head, but a body may trickle
//! in a byte at a time for as long as the client likes, holding a connection and a handler.
//! This middleware wraps the body stream: once the deadline passes, the next read fails, the
//! handler's extractor gives up, and the client gets a 408 page on a connection that closes.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpResponse};
use futures_util::stream::Stream;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long a request body may take to arrive, counted from the end of its head (app data).
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Duration);

pub async fn limit_body_time(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let has_body = req.headers().contains_key(header::CONTENT_LENGTH)
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let deadline = req.app_data::<BodyDeadline>().copied();
    let (Some(BodyDeadline(limit)), true) = (deadline, has_body) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let expired = Rc::new(Cell::new(false));
    let body = WithDeadline {
        inner: req.take_payload(),
        sleep: Box::pin(actix_web::rt::time::sleep(limit)),
        expired: Rc::clone(&expired),
        done: false,
    };
    req.set_payload(Payload::from(
        Box::pin(body) as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>
    ));
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_left_body());
    }
    log::info!("request body not received within {}s", limit.as_secs());
    // The rest of the body may still be on its way: this connection cannot carry another
    // request, so it closes.
    let timeout = HttpResponse::RequestTimeout().force_close().finish();
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, timeout).map_into_right_body())
}

/// The request body, failing once `sleep` is over.
struct WithDeadline {
    inner: Payload,
    sleep: Pin<Box<actix_web::rt::time::Sleep>>,
    expired: Rc<Cell<bool>>,
    /// The whole body arrived: later reads end, whatever the time.
    done: bool,
}

impl Stream for WithDeadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        // The deadline first: a body that trickles in always has a byte ready.
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.expired.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "request body not received in time",
            )))));
        }
        let next = Pin::new(&mut this.inner).poll_next(cx);
        this.done = matches!(next, Poll::Ready(None));
        next
    }
}
