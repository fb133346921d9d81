//! Distributions (request latency, pool waits) kept whole between flushes and written as EMF.
//!
//! `metrics_cloudwatch_embedded` keeps at most 100 values of a histogram between flushes and
//! drops the rest with a log line we never see, so above about 100 requests a minute per route
//! the percentiles would describe an arbitrary 100. Here every sample of the interval is kept
//! and written as as many EMF documents as it takes, each with at most 100 values (the
//! format's limit per metric per document). CloudWatch merges the documents of a series into
//! one datapoint, so its percentiles are over every request. Values are rounded to 0.01 ms,
//! which keeps lines short without moving any percentile that matters.
//!
//! Memory is bounded: past [`MAX_SAMPLES`] in one interval a series counts what it cannot keep
//! and reports the count as `SamplesDropped`, so a loss is never silent.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The most values EMF takes for one metric in one document.
pub const VALUES_PER_DOCUMENT: usize = 100;
/// The most samples one series keeps between flushes: at 1,000 requests a second on one route
/// that is 100 s, more than the longest flush interval in use.
pub const MAX_SAMPLES: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Series {
    name: &'static str,
    unit: &'static str,
    labels: Vec<(&'static str, String)>,
}

#[derive(Default)]
struct Samples {
    values: Vec<f64>,
    dropped: u64,
}

/// Every series recorded since the last flush.
#[derive(Default)]
pub struct Distributions {
    series: Mutex<BTreeMap<Series, Samples>>,
}

impl Distributions {
    pub const fn new() -> Self {
        Self {
            series: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn record(
        &self,
        name: &'static str,
        unit: &'static str,
        labels: Vec<(&'static str, String)>,
        value: f64,
    ) {
        if !value.is_finite() {
            return;
        }
        let mut series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let samples = series.entry(Series { name, unit, labels }).or_default();
        if samples.values.len() < MAX_SAMPLES {
            samples.values.push((value * 100.0).round() / 100.0);
        } else {
            samples.dropped += 1;
        }
    }

    /// Writes what was recorded since the last flush, one JSON document a line, and forgets it.
    pub fn flush(
        &self,
        namespace: &str,
        dimensions: &[(&'static str, &'static str)],
        timestamp_ms: u64,
        out: &mut impl std::io::Write,
    ) -> std::io::Result<()> {
        let taken = std::mem::take(&mut *self.series.lock().unwrap_or_else(|e| e.into_inner()));
        for (series, samples) in taken {
            let document = |metrics: Vec<(&str, &str, Value)>| {
                let mut names: Vec<&str> = dimensions.iter().map(|(k, _)| *k).collect();
                names.extend(series.labels.iter().map(|(k, _)| *k));
                let mut doc = Map::new();
                doc.insert(
                    "_aws".into(),
                    json!({
                        "Timestamp": timestamp_ms,
                        "CloudWatchMetrics": [{
                            "Namespace": namespace,
                            "Dimensions": [names],
                            "Metrics": metrics.iter()
                                .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
                                .collect::<Vec<_>>(),
                        }],
                    }),
                );
                for (k, v) in dimensions {
                    doc.insert((*k).into(), Value::from(*v));
                }
                for (k, v) in &series.labels {
                    doc.insert((*k).into(), Value::from(v.as_str()));
                }
                for (name, _, value) in metrics {
                    doc.insert(name.into(), value);
                }
                Value::Object(doc)
            };
            for chunk in samples.values.chunks(VALUES_PER_DOCUMENT) {
                let values = Value::from(chunk.to_vec());
                serde_json::to_writer(
                    &mut *out,
                    &document(vec![(series.name, series.unit, values)]),
                )?;
                writeln!(out)?;
            }
            if samples.dropped > 0 {
                let dropped = Value::from(samples.dropped);
                serde_json::to_writer(
                    &mut *out,
                    &document(vec![("SamplesDropped", "Count", dropped)]),
                )?;
                writeln!(out)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flushed(d: &Distributions) -> Vec<Value> {
        let mut out = Vec::new();
        d.flush("Test", &[("Service", "svc")], 1, &mut out)
            .expect("flush");
        String::from_utf8(out)
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect()
    }

    fn latency_labels(route: &str) -> Vec<(&'static str, String)> {
        vec![("Route", route.into()), ("StatusClass", "2xx".into())]
    }

    #[test]
    fn a_thousand_samples_come_out_whole_in_documents_of_at_most_a_hundred() {
        let d = Distributions::new();
        for n in 1..=1000 {
            d.record(
                "Latency",
                "Milliseconds",
                latency_labels("/"),
                f64::from(n) / 4.0,
            );
        }
        let docs = flushed(&d);
        assert_eq!(docs.len(), 10);
        let mut count = 0;
        let mut sum = 0.0;
        for doc in &docs {
            let values = doc["Latency"].as_array().expect("values");
            assert!(values.len() <= VALUES_PER_DOCUMENT);
            count += values.len();
            sum += values.iter().filter_map(Value::as_f64).sum::<f64>();
            assert_eq!(doc["Route"], "/");
            assert_eq!(doc["Service"], "svc");
            assert_eq!(
                doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0],
                json!(["Service", "Route", "StatusClass"])
            );
            assert_eq!(
                doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0],
                json!({"Name": "Latency", "Unit": "Milliseconds"})
            );
        }
        assert_eq!(count, 1000);
        let expected: f64 = (1..=1000).map(|n| f64::from(n) / 4.0).sum();
        assert!((sum - expected).abs() < 1e-6, "{sum} != {expected}");
        assert!(flushed(&d).is_empty(), "a flush forgets what it wrote");
    }

    #[test]
    fn series_stay_apart_by_label() {
        let d = Distributions::new();
        d.record("Latency", "Milliseconds", latency_labels("/"), 1.0);
        d.record(
            "Latency",
            "Milliseconds",
            latency_labels("/coins/{id}"),
            2.0,
        );
        let docs = flushed(&d);
        assert_eq!(docs.len(), 2);
        assert!(
            docs.iter()
                .any(|d| d["Route"] == "/coins/{id}" && d["Latency"] == json!([2.0]))
        );
    }

    #[test]
    fn samples_beyond_the_bound_are_counted_not_lost_silently() {
        let d = Distributions::new();
        for _ in 0..MAX_SAMPLES + 5 {
            d.record("PoolWaitMs", "Milliseconds", Vec::new(), 0.5);
        }
        let docs = flushed(&d);
        let dropped = docs
            .iter()
            .find(|doc| doc.get("SamplesDropped").is_some())
            .expect("a SamplesDropped document");
        assert_eq!(dropped["SamplesDropped"], 5);
        let kept: usize = docs
            .iter()
            .filter_map(|doc| doc["PoolWaitMs"].as_array())
            .map(Vec::len)
            .sum();
        assert_eq!(kept, MAX_SAMPLES);
    }
}
