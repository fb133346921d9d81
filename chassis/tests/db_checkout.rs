//! A pooled PostgreSQL connection whose server side went away is replaced when it is checked
//! out, without a query per check-out. Needs a server: runs when `TEST_DATABASE_URL` is set
//! (CI sets it); SQLite has no server to lose.

use chassis::db::{DbConnection, DbError, DbPool};
use chassis::testing::TestDatabase;
use diesel::{Connection, QueryableByName, RunQueryDsl};

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

fn backend_pid(conn: &mut DbConnection) -> Result<i32, DbError> {
    match conn {
        DbConnection::Postgresql(c) => Ok(diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Pid>(c)?
            .pid),
        DbConnection::Sqlite(_) => unreachable!("a PostgreSQL test"),
    }
}

#[actix_web::test]
async fn a_connection_whose_backend_ended_is_replaced_at_check_out_without_an_error() {
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        return;
    };
    let db = TestDatabase::new("checkout");
    let pool = DbPool::new(&db.url, 1).expect("a pool");
    let first = pool.run(backend_pid).await.expect("a connection");

    // What a restart or failover does to every pooled connection, done to this one.
    let mut admin = diesel::PgConnection::establish(&admin_url).expect("admin connection");
    diesel::sql_query(format!("SELECT pg_terminate_backend({first})"))
        .execute(&mut admin)
        .expect("terminate");
    loop {
        let alive: Vec<Pid> = diesel::sql_query(format!(
            "SELECT pid FROM pg_stat_activity WHERE pid = {first}"
        ))
        .load(&mut admin)
        .expect("pg_stat_activity");
        if alive.is_empty() {
            break;
        }
        std::thread::yield_now();
    }
    // A backend leaves pg_stat_activity before it closes its socket (PostgreSQL runs its
    // shared-memory exit hooks before the one that closes the connection), so the goodbye may
    // have arrived without the close. Where the server runs on this machine (CI), wait for the
    // process itself to be gone; bounded, in case the pid is not a local one.
    let process = std::path::PathBuf::from(format!("/proc/{first}"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while process.exists() && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }

    let second = pool
        .run(backend_pid)
        .await
        .expect("the dead connection is replaced, not handed out");
    assert_ne!(first, second);
}
