//! Metrics come out as CloudWatch Embedded Metric Format: what CloudWatch needs to turn a log
//! line into metrics is checked by parsing the output, not by comparing text.

use serde_json::Value;

fn metric_names(doc: &Value) -> Vec<String> {
    doc["_aws"]["CloudWatchMetrics"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|directive| directive["Metrics"].as_array().cloned().unwrap_or_default())
        .filter_map(|m| m["Name"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn requests_and_login_outcomes_are_emitted_as_valid_emf_by_route_pattern_and_status_class() {
    let collector =
        chassis::metrics::install_emf("test-service").expect("first recorder in this process");
    chassis::metrics::record_request("/coins/{id}", 200, 12.5);
    chassis::metrics::record_request("/coins/{id}", 200, 7.5);
    chassis::metrics::record_request("/coins/{id}", 404, 1.0);
    chassis::metrics::record_login_outcome("failure");

    let mut out = Vec::new();
    collector.flush(&mut out).expect("flush");
    let text = String::from_utf8(out).expect("utf-8");
    let docs: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!docs.is_empty(), "nothing was flushed");

    for doc in &docs {
        let aws = &doc["_aws"];
        assert!(aws["Timestamp"].as_u64().is_some(), "no timestamp: {doc}");
        for directive in aws["CloudWatchMetrics"].as_array().expect("directives") {
            assert_eq!(directive["Namespace"], "CryptoMarket");
            // Every dimension named in a directive must be a member of the document.
            for set in directive["Dimensions"].as_array().expect("dimension sets") {
                for name in set.as_array().expect("a dimension set") {
                    let name = name.as_str().expect("a dimension name");
                    assert!(
                        doc.get(name).is_some(),
                        "dimension {name} missing from {doc}"
                    );
                }
            }
            // Every metric named must have a value in the document.
            for metric in directive["Metrics"].as_array().expect("metrics") {
                let name = metric["Name"].as_str().expect("a metric name");
                assert!(
                    doc.get(name).is_some(),
                    "metric {name} has no value in {doc}"
                );
            }
        }
        assert_eq!(doc["Service"], "test-service");
    }

    let ok = docs
        .iter()
        .find(|d| {
            d["Route"] == "/coins/{id}"
                && d["StatusClass"] == "2xx"
                && metric_names(d).contains(&"RequestCount".to_owned())
        })
        .expect("a 2xx document for the route pattern");
    assert_eq!(ok["RequestCount"], 2);
    let not_found = docs
        .iter()
        .find(|d| d["Route"] == "/coins/{id}" && d["StatusClass"] == "4xx")
        .expect("a 4xx document");
    assert_eq!(not_found["RequestCount"], 1);
    let latency = docs
        .iter()
        .find(|d| d["StatusClass"] == "2xx" && d.get("Latency").is_some())
        .expect("latency for 2xx");
    let values = latency["Latency"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| vec![latency["Latency"].clone()]);
    let mut seen: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
    seen.sort_by(f64::total_cmp);
    assert_eq!(seen, vec![7.5, 12.5]);
    assert!(
        docs.iter()
            .any(|d| d["Outcome"] == "failure" && d["LoginOutcome"] == 1),
        "no login outcome in {text}"
    );
    // Requests are filed by their route pattern and status class, as recorded.
    let routes: Vec<&Value> = docs.iter().filter_map(|d| d.get("Route")).collect();
    assert!(!routes.is_empty(), "no request document in {text}");
    assert!(
        routes.iter().all(|r| *r == "/coins/{id}"),
        "routes: {routes:?}"
    );
}
