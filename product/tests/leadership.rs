//! One refresher per deployment: replicas on one PostgreSQL database elect a leader with an
//! advisory lock; only it polls the upstream, the others serve what it writes, and one of
//! them takes over when it goes away. (On SQLite the single process always refreshes.)

mod support;

use chassis::testing::{TestDatabase, common_config};
use std::sync::Arc;
use support::*;
use wiremock::MockServer;

/// Leadership is a PostgreSQL advisory lock; SQLite has one process by design. The name
/// starts with `on_postgres_` so that `.ci/run` can leave it out of the SQLite runs.
#[actix_web::test]
#[ignore = "needs PostgreSQL: TEST_DATABASE_URL=postgres://… (CI runs it with --include-ignored)"]
async fn on_postgres_two_instances_share_one_refresher_and_fail_over() {
    let db = Arc::new(TestDatabase::new("leader"));
    assert!(
        db.is_postgres(),
        "leadership needs PostgreSQL: set TEST_DATABASE_URL=postgres://…"
    );
    let (upstream_a, upstream_b) = (MockServer::start().await, MockServer::start().await);
    serve_markets(&upstream_a, three_coins()).await;
    serve_markets(&upstream_b, three_coins()).await;
    let a = spawn_on(db.clone(), coingecko_env(&upstream_a), common_config()).await;
    let b = spawn_on(db.clone(), coingecko_env(&upstream_b), common_config()).await;
    a.snapshot_version(1).await;
    b.snapshot_version(1).await;

    // Several refresh intervals: the leader polls each time, the other never does.
    eventually("a few refreshes", || async {
        markets_requests(&upstream_a).await + markets_requests(&upstream_b).await >= 4
    })
    .await;
    let (from_a, from_b) = (
        markets_requests(&upstream_a).await,
        markets_requests(&upstream_b).await,
    );
    assert!(
        from_a == 0 || from_b == 0,
        "both instances polled the upstream: {from_a} and {from_b}"
    );
    let (leader, follower, follower_upstream) = if from_a > 0 {
        (&a, &b, &upstream_b)
    } else {
        (&b, &a, &upstream_a)
    };
    assert!(leader.service.feed().status().leader);
    assert!(!follower.service.feed().status().leader);

    // The follower serves what the leader wrote.
    let leader_version = leader.service.feed().live().snapshot().version();
    follower.snapshot_version(leader_version).await;
    assert_eq!(
        listed_ids(&follower.page("/").await.1),
        ["bitcoin", "ethereum", "solana"]
    );

    // The leader goes away: the other takes the lock and refreshes.
    leader.service.feed().stop();
    eventually("the follower to take over", || async {
        markets_requests(follower_upstream).await > 0
    })
    .await;
    assert!(follower.service.feed().status().leader);
}

#[actix_web::test]
async fn a_single_instance_refreshes_on_either_database() {
    let upstream = MockServer::start().await;
    serve_markets(&upstream, three_coins()).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    assert!(app.service.feed().status().leader);
    assert!(markets_requests(&upstream).await >= 1);
}
