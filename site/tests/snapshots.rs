//! Snapshots of the rendered HTML of every page state in the gallery, so that a template
//! change shows up in review as a readable diff under `site/tests/snapshots/`.
//!
//! When a snapshot fails and the change is intended, accept it with
//!   INSTA_UPDATE=always cargo test -p site --test snapshots
//! (or `cargo insta review` if cargo-insta is installed), then commit the `.snap` files.

#[test]
fn every_page_state_matches_its_reviewed_snapshot() {
    let samples = site::gallery::all_samples();
    assert!(
        samples.len() >= 20,
        "the gallery lost samples: {}",
        samples.len()
    );
    let mut ids: Vec<&str> = samples.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), samples.len(), "two samples share an id");

    let mut settings = insta::Settings::clone_current();
    settings.set_description(
        "The rendered page changed. If that is intended, run: \
         INSTA_UPDATE=always cargo test -p site --test snapshots  and commit the .snap files.",
    );
    settings.set_prepend_module_to_snapshot(false);
    // Asset names carry a content hash: a CSS or script edit should not rewrite every snapshot.
    settings.add_filter(
        r"(app|favicon|apple-touch-icon|chart)\.[0-9a-f]{16}\.(css|svg|png|js)",
        "$1.[hash].$2",
    );
    // Relative times ("5 minutes ago") depend on when the test runs.
    settings.add_filter(
        r"\b(just now|in \d+ \w+|\d+ (minute|hour|day|month|year)s? ago)\b",
        "[relative time]",
    );
    settings.bind(|| {
        for sample in &samples {
            insta::assert_snapshot!(sample.id.clone(), sample.html);
        }
    });
}
