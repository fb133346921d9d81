//! The `login` binary as an operator runs it: misconfiguration stops it with one clear line,
//! `migrate` and `healthcheck` work, and SIGTERM lets a slow request finish before exit 0.

use chassis::config::SessionKey;
use chassis::testing::TestDatabase;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn login(env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_login"));
    cmd.env_clear().args(args).env("LOG_FORMAT", "text");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The session store the binary serves with. Serving needs a real one, so the tests that
/// serve are ignored unless asked for; CI sets this and runs them with `--include-ignored`.
fn store_url() -> String {
    std::env::var("TEST_SESSION_STORE_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .expect("TEST_SESSION_STORE_URL=redis://127.0.0.1:6379 (a running redis-server) for tests that serve")
}

fn run(env: &[(&str, &str)], args: &[&str]) -> Output {
    login(env, args).output().expect("login runs")
}

fn assert_one_line_failure(out: &Output, var: &str) {
    assert!(!out.status.success(), "{var}: exited 0");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Progress logged before the failure (e.g. migrations applied) is fine; the failure
    // itself is one line.
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('['))
        .collect();
    assert_eq!(lines.len(), 1, "{var}: expected one line, got:\n{stderr}");
    assert!(lines[0].starts_with("login: "), "{}", lines[0]);
    assert!(lines[0].contains(var), "{var} not named in: {}", lines[0]);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

#[test]
fn misconfiguration_stops_the_process_with_one_line_naming_the_variable() {
    let key = SessionKey::generate().to_base64();
    let db = TestDatabase::new("startup");
    let bind = format!("127.0.0.1:{}", free_port());
    // Nothing listens on this port: every failure below must come before the store is asked,
    // except the store's own.
    let no_store = format!("redis://127.0.0.1:{}", free_port());
    let good = [
        ("BIND", bind.as_str()),
        ("SESSION_KEY", key.as_str()),
        ("DATABASE_URL", db.raw_url()),
        ("SESSION_STORE_URL", no_store.as_str()),
    ];
    let with = |var: &'static str, value: &'static str| -> Vec<(&str, &str)> {
        good.iter()
            .copied()
            .filter(|(k, _)| *k != var)
            .chain([(var, value)])
            .collect()
    };

    assert_one_line_failure(
        &run(&with("DATABASE_URL", "mysql://db/login"), &[]),
        "DATABASE_URL",
    );
    assert_one_line_failure(
        &run(&with("DATABASE_URL", "data/login.db"), &[]),
        "DATABASE_URL",
    );
    assert_one_line_failure(&run(&with("SESSION_KEY", "c2hvcnQ="), &[]), "SESSION_KEY");
    assert_one_line_failure(
        &run(&with("SESSION_KEY", "not base64 at all!"), &[]),
        "SESSION_KEY",
    );
    assert_one_line_failure(&run(&with("BIND", "nowhere"), &[]), "BIND");
    assert_one_line_failure(
        &run(&with("COOKIE_SECURE", "perhaps"), &[]),
        "COOKIE_SECURE",
    );
    assert_one_line_failure(&run(&good[1..], &[]), "BIND");
    assert_one_line_failure(&run(&good[..3], &[]), "SESSION_STORE_URL");
    assert_one_line_failure(
        &run(&with("SESSION_STORE_URL", "http://cache:6379"), &[]),
        "SESSION_STORE_URL",
    );
    // A store that does not answer stops the process at start, naming the variable.
    assert_one_line_failure(&run(&good, &[]), "SESSION_STORE_URL");

    // Nothing listens on port 1: the database is unreachable.
    let out = run(
        &with("DATABASE_URL", "postgres://app:secret@127.0.0.1:1/login"),
        &[],
    );
    assert_one_line_failure(&out, "DATABASE_URL");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("secret"),
        "the password was printed"
    );

    let out = run(&good, &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 32];
    let n = stream.read(&mut head).ok()?;
    String::from_utf8_lossy(&head[..n])
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_status(port, "/account/readyz") != Some(200) {
        assert!(Instant::now() < deadline, "login never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "serves, so needs a session store: TEST_SESSION_STORE_URL (CI sets it and runs ignored tests)"]
fn a_taken_port_stops_the_process_with_one_line_naming_bind() {
    let key = SessionKey::generate().to_base64();
    let db = TestDatabase::new("taken");
    let store = store_url();
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_addr = taken.local_addr().expect("addr").to_string();
    let env = [
        ("BIND", taken_addr.as_str()),
        ("SESSION_KEY", key.as_str()),
        ("DATABASE_URL", db.raw_url()),
        ("SESSION_STORE_URL", store.as_str()),
    ];
    assert_one_line_failure(&run(&env, &[]), "BIND");
}

#[test]
#[ignore = "serves, so needs a session store: TEST_SESSION_STORE_URL (CI sets it and runs ignored tests)"]
fn migrate_applies_migrations_and_healthcheck_reports_liveness() {
    let key = SessionKey::generate().to_base64();
    let db = TestDatabase::new("migrate");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let store = store_url();
    let env = [
        ("BIND", bind.as_str()),
        ("SESSION_KEY", key.as_str()),
        ("DATABASE_URL", db.raw_url()),
        ("SESSION_STORE_URL", store.as_str()),
    ];
    let out = run(&env, &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Twice is fine: nothing left to apply.
    assert!(run(&env, &["migrate"]).status.success());

    assert!(
        !run(&env, &["healthcheck"]).status.success(),
        "healthy with nothing running"
    );
    let _server = Running(
        login(&env, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    );
    wait_ready(port);
    let out = run(&env, &["healthcheck"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "serves, so needs a session store: TEST_SESSION_STORE_URL (CI sets it and runs ignored tests)"]
fn sigterm_during_a_slow_request_lets_it_finish_then_exits_zero() {
    let key = SessionKey::generate().to_base64();
    let db = TestDatabase::new("sigterm");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let store = store_url();
    let env = [
        ("BIND", bind.as_str()),
        ("SESSION_KEY", key.as_str()),
        ("DATABASE_URL", db.raw_url()),
        ("SESSION_STORE_URL", store.as_str()),
        ("SHUTDOWN_DRAIN_SECS", "1"),
        ("SHUTDOWN_TIMEOUT_SECS", "10"),
    ];
    let mut child = login(&env, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_ready(port);

    // A slow upload: headers and half the body now, the rest after the signal.
    let body = "csrf_token=x&pad=".to_owned() + &"a".repeat(83);
    let mut slow = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        slow,
        "POST /account/logout HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..50]
    )
    .expect("send the first half");
    std::thread::sleep(Duration::from_millis(300));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        http_status(port, "/account/readyz"),
        Some(503),
        "readiness did not turn 503 while draining"
    );

    std::thread::sleep(Duration::from_millis(1500));
    slow.write_all(&body.as_bytes()[50..])
        .expect("send the rest");
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut response = String::new();
    slow.read_to_string(&mut response)
        .expect("the slow request got an answer");
    assert!(
        response.starts_with("HTTP/1.1 403"),
        "unexpected answer: {response:.80}"
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "login did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    assert!(status.success(), "exit status {status:?}\n{stderr}");
}
