//! HTTP as clients expect it, through the whole chassis (every middleware, a real socket):
//! HEAD like GET without a body, 405 with `Allow`, compression negotiated, and a request body
//! that does not arrive in time answered with 408.

use actix_web::{HttpResponse, web};
use chassis::db::DbPool;
use chassis::server::{Service, mount};
use chassis::testing::{TestDatabase, TestServer, common_config};
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

/// A service with a page, a form and the shared assets, mounted where login is.
struct Pages {
    pool: DbPool,
}

impl Service for Pages {
    fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.service(mount(&chassis::routing::LOGIN, self.pool.clone(), |cfg| {
            cfg.route("/page", web::get().to(page))
                .route("/form", web::post().to(form));
        }));
    }
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body("<p>A page about coins.</p>\n".repeat(200))
}

async fn form(fields: web::Form<Vec<(String, String)>>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain")
        .body(format!("{} fields", fields.len()))
}

fn start(body_timeout: Duration) -> (TestServer, TestDatabase) {
    let db = TestDatabase::new("http");
    let pool = DbPool::new(&db.url, 2).expect("a pool");
    let mut config = common_config();
    config.request_body_timeout = body_timeout;
    let server = TestServer::start(&config, vec![Arc::new(Pages { pool }) as Arc<dyn Service>]);
    (server, db)
}

/// One request on its own connection, sent as written, answered in full: the head (lower
/// case) and the body exactly as sent.
async fn exchange(server: &TestServer, request: String) -> (String, Vec<u8>) {
    let port = server
        .address
        .rsplit(':')
        .next()
        .expect("a port")
        .to_owned();
    actix_web::rt::task::spawn_blocking(move || {
        let mut stream =
            std::net::TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("a read timeout");
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete head");
        (
            String::from_utf8_lossy(&answer[..split]).to_lowercase(),
            answer[split + 4..].to_vec(),
        )
    })
    .await
    .expect("the exchange")
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
        .map(str::trim)
}

fn stylesheet_path() -> String {
    format!(
        "/account/assets/{}",
        shared_ui::assets::STYLESHEET.hashed_name()
    )
}

#[actix_web::test]
async fn head_has_the_status_and_headers_of_get_and_no_body() {
    let (server, _db) = start(Duration::from_secs(15));
    for path in [
        "/account/page".to_owned(),
        "/account/healthz".into(),
        stylesheet_path(),
    ] {
        let request = |method: &str| {
            format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        };
        let (get_head, get_body) = exchange(&server, request("GET")).await;
        let (head_head, head_body) = exchange(&server, request("HEAD")).await;
        assert!(get_head.starts_with("http/1.1 200"), "{path}: {get_head}");
        assert!(head_head.starts_with("http/1.1 200"), "{path}: {head_head}");
        assert!(head_body.is_empty(), "{path}: HEAD sent a body");
        let length = get_body.len().to_string();
        assert_eq!(header(&get_head, "content-length"), Some(length.as_str()));
        assert_eq!(
            header(&head_head, "content-length"),
            Some(length.as_str()),
            "{path}"
        );
        for name in [
            "content-type",
            "cache-control",
            "vary",
            "x-content-type-options",
        ] {
            assert_eq!(
                header(&head_head, name),
                header(&get_head, name),
                "{path}: {name}"
            );
        }
    }
}

#[actix_web::test]
async fn a_wrong_method_on_a_known_path_is_a_styled_405_with_allow() {
    let (server, _db) = start(Duration::from_secs(15));
    let client = reqwest::Client::new();
    let res = client
        .get(server.url("/account/form"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert!(
        res.text()
            .await
            .expect("a body")
            .contains("does not take this kind of request")
    );

    let res = client
        .put(server.url("/account/page"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");

    for path in ["/account/nowhere", "/account/page/", "/elsewhere"] {
        let res = client
            .post(server.url(path))
            .send()
            .await
            .expect("an answer");
        assert_eq!(res.status(), 404, "{path}");
        assert!(res.headers().get("allow").is_none());
    }
}

fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut plain)
        .expect("valid gzip");
    plain
}

fn unbrotli(body: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    brotli::Decompressor::new(body, 4096)
        .read_to_end(&mut plain)
        .expect("valid brotli");
    plain
}

#[actix_web::test]
async fn pages_and_assets_come_in_the_encoding_the_client_asks_for() {
    let (server, _db) = start(Duration::from_secs(15));
    let client = reqwest::Client::new();
    for path in ["/account/page".to_owned(), stylesheet_path()] {
        let plain = client
            .get(server.url(&path))
            .send()
            .await
            .expect("an answer");
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
        assert_eq!(plain.headers()["vary"], "accept-encoding", "{path}");
        let plain = plain.bytes().await.expect("a body");

        for (accept, encoding) in [
            ("gzip", "gzip"),
            ("gzip, deflate, br", "br"),
            ("br;q=0.1, gzip", "gzip"),
        ] {
            let res = client
                .get(server.url(&path))
                .header("accept-encoding", accept)
                .send()
                .await
                .expect("an answer");
            assert_eq!(
                res.headers()["content-encoding"],
                encoding,
                "{path} {accept}"
            );
            assert!(
                res.headers().get_all("vary").iter().any(|v| v
                    .to_str()
                    .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))),
                "{path}"
            );
            let body = res.bytes().await.expect("a body");
            let decoded = if encoding == "gzip" {
                gunzip(&body)
            } else {
                unbrotli(&body)
            };
            assert_eq!(decoded, plain, "{path} {accept}");
            assert!(
                body.len() * 3 < plain.len(),
                "{path} {accept}: {} of {}",
                body.len(),
                plain.len()
            );
        }
    }
}

#[actix_web::test]
async fn a_body_that_trickles_in_past_the_deadline_gets_a_408_page_and_the_connection_closes() {
    let (server, _db) = start(Duration::from_secs(1));
    // The head promises 100 bytes; 10 arrive, then nothing.
    let request = "POST /account/form HTTP/1.1\r\nHost: x\r\n\
                   Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n\
                   name=alice"
        .to_owned();
    let (head, body) = exchange(&server, request).await;
    assert!(head.starts_with("http/1.1 408"), "{head}");
    assert_eq!(header(&head, "connection"), Some("close"));
    assert!(header(&head, "content-type").is_some_and(|t| t.starts_with("text/html")));
    assert!(String::from_utf8_lossy(&body).contains("took too long to arrive"));

    // A body that arrives in time is read as usual.
    let form = "name=alice&coin=bitcoin";
    let request = format!(
        "POST /account/form HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    let (head, body) = exchange(&server, request).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, b"2 fields");
}
