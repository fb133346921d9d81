//! Snapshots of the rendered HTML of every page state in the gallery, so that a template
//! change shows up in review as a readable diff under `site/tests/snapshots/`.
//!
//! Every page that changed is shown and listed before the test fails. When the changes are
//! intended, accept them with
//!   INSTA_UPDATE=always cargo test -p site --test snapshots
//! then read `git diff site/tests/snapshots` and commit the `.snap` files.

use std::panic::{AssertUnwindSafe, catch_unwind};

const ACCEPT: &str = "INSTA_UPDATE=always cargo test -p site --test snapshots";

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
    settings.set_description(format!(
        "The rendered page changed. If that is intended, run: {ACCEPT}  and commit the .snap files."
    ));
    settings.set_prepend_module_to_snapshot(false);
    // Asset names carry a content hash: a CSS or script edit should not rewrite every snapshot.
    settings.add_filter(
        r"(app|favicon|apple-touch-icon|chart|live)\.[0-9a-f]{16}\.(css|svg|png|js)",
        "$1.[hash].$2",
    );
    // Relative times ("5 minutes ago") depend on when the test runs.
    settings.add_filter(
        r"\b(just now|in \d+ \w+|\d+ (minute|hour|day|month|year)s? ago)\b",
        "[relative time]",
    );
    // Each page is compared on its own, so one change does not hide the next.
    let changed: Vec<&str> = settings.bind(|| {
        samples
            .iter()
            .filter(|sample| {
                catch_unwind(AssertUnwindSafe(|| {
                    insta::assert_snapshot!(sample.id.clone(), sample.html);
                }))
                .is_err()
            })
            .map(|sample| sample.id.as_str())
            .collect()
    });
    assert!(
        changed.is_empty(),
        "{} page(s) changed: {}.\nIf that is intended, run: {ACCEPT}\nthen read git diff site/tests/snapshots and commit the .snap files.",
        changed.len(),
        changed.join(", ")
    );
}
