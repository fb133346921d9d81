//! Metrics: CloudWatch Embedded Metric Format on stdout by default (CloudWatch turns the log
//! lines into metrics, no agent needed), or a Prometheus endpoint on its own port for
//! deployments outside AWS, or nothing.
//!
//! Everything is recorded through the `metrics` facade, so code that counts does not know the
//! sink. Route labels are route patterns (`/coins/{id}`), never raw paths, so a crawler cannot
//! create unbounded series.

mod distribution;

use crate::config::{ConfigError, Source, optional_var};
pub use distribution::Distributions;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

pub const NAMESPACE: &str = "CryptoMarket";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsSink {
    /// EMF documents on stdout every `interval`.
    Emf {
        interval: Duration,
    },
    /// A Prometheus scrape endpoint on its own address.
    Prometheus {
        bind: SocketAddr,
    },
    Off,
}

impl MetricsSink {
    /// `METRICS` = `emf` (default) | `prometheus` | `off`; `METRICS_PROMETHEUS_BIND` for the
    /// scrape endpoint; `METRICS_FLUSH_SECS` for EMF.
    pub fn from_env(env: &dyn Source) -> Result<Self, ConfigError> {
        match optional_var(env, "METRICS").as_deref() {
            None | Some("emf") => Ok(Self::Emf {
                interval: crate::config::var_secs(env, "METRICS_FLUSH_SECS", 60, 1..=3600)?,
            }),
            Some("prometheus") => {
                let raw = optional_var(env, "METRICS_PROMETHEUS_BIND")
                    .unwrap_or_else(|| "127.0.0.1:9464".into());
                let bind = raw.parse().map_err(|_| {
                    ConfigError::new(
                        "METRICS_PROMETHEUS_BIND",
                        format!("expected host:port, got {raw:?}"),
                    )
                })?;
                Ok(Self::Prometheus { bind })
            }
            Some("off") => Ok(Self::Off),
            Some(other) => Err(ConfigError::new(
                "METRICS",
                format!("expected emf, prometheus or off, got {other:?}"),
            )),
        }
    }
}

/// Installs the process-wide recorder. `service` becomes the `Service` dimension.
/// Call once, from the binary; a second call (tests) is ignored.
pub fn install(service: &'static str, sink: &MetricsSink) -> Result<(), crate::cli::StartError> {
    match sink {
        MetricsSink::Off => Ok(()),
        MetricsSink::Emf { interval } => {
            let Some(collector) = install_emf(service) else {
                // Already installed in this process.
                return Ok(());
            };
            let interval = *interval;
            std::thread::Builder::new()
                .name("emf-flush".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(interval);
                        collector.flush_to_stdout();
                    }
                })
                .map(|_| ())
                .map_err(|e| {
                    crate::cli::StartError::new(format!("METRICS: cannot start the flusher: {e}"))
                })
        }
        MetricsSink::Prometheus { bind } => metrics_exporter_prometheus::PrometheusBuilder::new()
            .with_http_listener(*bind)
            .add_global_label("service", service)
            .install()
            .map_err(|e| {
                crate::cli::StartError::new(format!(
                    "METRICS_PROMETHEUS_BIND: cannot serve metrics on {bind}: {e}"
                ))
            }),
    }
}

/// The EMF sink of this process: counters and gauges through `metrics_cloudwatch_embedded`,
/// distributions (latency, pool waits) through our own [`Distributions`], which keeps every
/// sample (see its module for why).
pub struct Emf {
    collector: &'static metrics_cloudwatch_embedded::Collector,
    service: &'static str,
}

impl Emf {
    /// Writes everything recorded since the last flush, one JSON document a line.
    pub fn flush(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        self.collector.flush(&mut *out)?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        DISTRIBUTIONS.flush(NAMESPACE, &[("Service", self.service)], now_ms, out)
    }

    fn flush_to_stdout(&self) {
        use std::io::Write;
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        if let Err(err) = self.flush(&mut out).and_then(|()| out.flush()) {
            log::warn!("could not write metrics: {err}");
        }
    }
}

static EMF: OnceLock<Emf> = OnceLock::new();
static DISTRIBUTIONS: Distributions = Distributions::new();

/// Installs the EMF recorder and returns the sink (to flush), or `None` if a recorder is
/// already installed in this process.
pub fn install_emf(service: &'static str) -> Option<&'static Emf> {
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(NAMESPACE)
        .with_dimension("Service", service)
        .init()
        .ok()?;
    metrics::describe_counter!("RequestCount", metrics::Unit::Count, "requests");
    Some(EMF.get_or_init(|| Emf { collector, service }))
}

/// Writes what was recorded since the last flush now, if metrics go out as EMF: at shutdown,
/// so that the last interval of a stopping task is not lost.
pub fn flush_now() {
    if let Some(emf) = EMF.get() {
        emf.flush_to_stdout();
    }
}

/// A sample of a distribution: kept whole for EMF, through the facade for Prometheus.
fn record_distribution(name: &'static str, labels: Vec<(&'static str, String)>, value_ms: f64) {
    if EMF.get().is_some() {
        DISTRIBUTIONS.record(name, "Milliseconds", labels, value_ms);
    } else {
        metrics::histogram!(name, &labels).record(value_ms);
    }
}

/// `2xx`, `4xx`…, the status class dimension.
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// One request: its count and latency by route pattern and status class.
pub fn record_request(route: &str, status: u16, latency_ms: f64) {
    let labels = vec![
        ("Route", route.to_owned()),
        ("StatusClass", status_class(status).to_owned()),
    ];
    metrics::counter!("RequestCount", &labels).increment(1);
    record_distribution("Latency", labels, latency_ms);
}

/// How long a request waited for a database connection.
pub fn record_pool_wait(wait: Duration) {
    record_distribution("PoolWaitMs", Vec::new(), wait.as_secs_f64() * 1000.0);
}

/// A login outcome: `success`, `failure`, `throttled`, `registered`...
pub fn record_login_outcome(outcome: &'static str) {
    metrics::counter!("LoginOutcome", "Outcome" => outcome).increment(1);
}

/// A market refresh: `success` or `failure`.
pub fn record_market_refresh(outcome: &'static str) {
    metrics::counter!("MarketRefresh", "Outcome" => outcome).increment(1);
}

/// A call to the market data provider, by purpose (`scheduled`, `chart`, `long_tail_coin`)
/// and outcome (`success`, `failure`, `rate_limited`): every call counts against its quota.
pub fn record_upstream_call(purpose: &'static str, outcome: &'static str) {
    metrics::counter!("UpstreamCalls", "Purpose" => purpose, "Outcome" => outcome).increment(1);
}

/// The provider's monthly budget as counted so far: calls left this month, and the share of
/// the budget the month is on course to use (percent; above 100 it runs out before the month
/// ends). No dimension besides `Service`: every replica reports the same shared count.
pub fn record_upstream_budget(calls_left: f64, projected_percent: f64) {
    metrics::gauge!("UpstreamBudgetLeft").set(calls_left);
    metrics::gauge!("UpstreamBudgetProjectedPercent").set(projected_percent);
}

/// How old the market data this replica serves is. No dimension besides `Service`, so that
/// one alarm watches every replica.
pub fn record_market_data_age(age_secs: f64) {
    metrics::gauge!("MarketDataAgeSeconds").set(age_secs);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sink_is_chosen_by_name_and_defaults_to_emf() {
        assert_eq!(
            MetricsSink::from_env(&[("X", "")]).expect("default"),
            MetricsSink::Emf {
                interval: Duration::from_secs(60)
            }
        );
        assert_eq!(
            MetricsSink::from_env(&[("METRICS", "off")]).expect("off"),
            MetricsSink::Off
        );
        assert!(matches!(
            MetricsSink::from_env(&[
                ("METRICS", "prometheus"),
                ("METRICS_PROMETHEUS_BIND", "127.0.0.1:9999")
            ]),
            Ok(MetricsSink::Prometheus { .. })
        ));
        assert_eq!(
            MetricsSink::from_env(&[("METRICS", "statsd")])
                .expect_err("refused")
                .var,
            "METRICS"
        );
        assert_eq!(
            MetricsSink::from_env(&[
                ("METRICS", "prometheus"),
                ("METRICS_PROMETHEUS_BIND", "nope")
            ])
            .expect_err("refused")
            .var,
            "METRICS_PROMETHEUS_BIND"
        );
    }

    #[test]
    fn statuses_fall_into_classes() {
        assert_eq!(status_class(200), "2xx");
        assert_eq!(status_class(303), "3xx");
        assert_eq!(status_class(429), "4xx");
        assert_eq!(status_class(503), "5xx");
    }
}
