//! Logs: one JSON object a line in production, readable text locally, and an access line per
//! request with its request id (the ALB's `X-Amzn-Trace-Id` when present), route pattern,
//! status and latency. Never a password, cookie, session content or API key: the access line
//! logs no headers or query strings, and no code logs request bodies.

use crate::config::LogFormat;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use std::io::Write;
use std::time::Instant;

/// Sets the global logger once; later calls (tests) are ignored.
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    if format == LogFormat::Json {
        builder.format(|buf, record| {
            let mut line = serde_json::Map::new();
            line.insert("ts".into(), buf.timestamp_millis().to_string().into());
            line.insert("level".into(), record.level().as_str().into());
            line.insert("target".into(), record.target().into());
            line.insert("msg".into(), record.args().to_string().into());
            let mut visitor = JsonFields(&mut line);
            let _ = record.key_values().visit(&mut visitor);
            writeln!(buf, "{}", serde_json::Value::Object(line))
        });
    }
    let _ = builder.try_init();
}

struct JsonFields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl<'kvs> log::kv::VisitSource<'kvs> for JsonFields<'_> {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        let json = if let Some(n) = value.to_u64() {
            n.into()
        } else if let Some(n) = value.to_i64() {
            n.into()
        } else if let Some(f) = value.to_f64() {
            f.into()
        } else {
            value.to_string().into()
        };
        self.0.insert(key.as_str().to_owned(), json);
        Ok(())
    }
}

/// The id that ties a request's log lines together, echoed as `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const TRACE_HEADER: &str = "x-amzn-trace-id";

fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(TRACE_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 200 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Middleware: one access line per request. While the process drains it also asks clients
/// (and the balancer) to close keep-alive connections.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let draining = req
        .app_data::<web::Data<crate::health::Lifecycle>>()
        .map(|l| l.get_ref().clone());
    let result = next.call(req).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(mut res) => {
            let route = res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned());
            let status = res.status().as_u16();
            log::info!(
                target: "access",
                request_id = id.as_str(), method = method.as_str(), route = route.as_str(),
                status = status, latency_ms = (latency_ms * 100.0).round() / 100.0;
                "{method} {route} {status}"
            );
            crate::metrics::record_request(&route, status, latency_ms);
            if let Ok(value) = HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), value);
            }
            if draining.is_some_and(|l| l.is_draining()) {
                // The HTTP/1 encoder writes `Connection` from the connection type, not from
                // the header map.
                res.response_mut()
                    .head_mut()
                    .set_connection_type(actix_web::http::ConnectionType::Close);
            }
            Ok(res)
        }
        Err(err) => {
            log::error!(target: "access", request_id = id.as_str(), method = method.as_str(); "request failed: {err}");
            Err(err)
        }
    }
}
