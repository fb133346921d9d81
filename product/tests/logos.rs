//! Coin logos served by us: the provider's image fetched by the refresher, checked, re-encoded
//! and served from our own origin under its hash; anything that is not a small raster image
//! from an allowed public host is refused, and the coin keeps its monogram.

mod support;

use image::ImageFormat;
use product::config::LogoSources;
use product::logos::normalise::NormaliseError;
use product::logos::{LogoError, LogoFetcher};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A `width` × `height` picture in `format`, half red, half blue.
fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([200, 30, 30])
        } else {
            image::Rgb([30, 30, 200])
        }
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .expect("encodes");
    bytes
}

/// A PNG whose header claims `width` × `height` (its CRC fixed), with 8 × 8 pixels of data.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = picture(8, 8, ImageFormat::Png);
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    bytes
}

/// Serves `body` at `at` on `images`, as `content_type`.
async fn serve_image(images: &MockServer, at: &str, body: Vec<u8>, content_type: &str) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
        .mount(images)
        .await;
}

/// `coin` with its `image` at `url` (`null` for none).
fn with_image(mut coin: Value, url: Option<String>) -> Value {
    coin["image"] = url.map_or(Value::Null, Value::String);
    coin
}

/// The `src` of the logo in `id`'s row or header, if it has an `<img>`.
fn logo_src(html: &str, id: &str) -> Option<String> {
    let row = html.find(&format!("href=\"/coins/{id}\""))?;
    let rest = &html[row..];
    let end = rest.find("</a>")?;
    let link = &rest[..end];
    let start = link.find("<img class=\"coin-logo\" src=\"")? + 28;
    Some(link[start..start + link[start..].find('"')?].to_owned())
}

/// Whether `id`'s row shows its monogram.
fn shows_monogram(html: &str, id: &str) -> bool {
    html.find(&format!("href=\"/coins/{id}\""))
        .map(|row| &html[row..row + html[row..].find("</a>").unwrap_or(0)])
        .is_some_and(|link| link.contains("class=\"coin-logo monogram"))
}

async fn fetch_at(fetcher: &LogoFetcher, url: String) -> Result<product::logos::Logo, LogoError> {
    fetcher.fetch(&url).await
}

async fn requests_to(server: &MockServer, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == at)
        .count()
}

/// Waits until the listing shows a logo for `id`, and returns its address.
async fn logo_of(app: &TestApp, id: &str) -> String {
    for _ in 0..200 {
        let (_, html) = app.page("/").await;
        if let Some(src) = logo_src(&html, id) {
            return src;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for {id}'s logo on the listing");
}

#[actix_web::test]
async fn a_coin_s_png_or_jpeg_is_re_encoded_and_served_from_our_origin_for_a_year() {
    let upstream = MockServer::start().await;
    let images = MockServer::start().await;
    let png = picture(120, 120, ImageFormat::Png);
    serve_image(&images, "/img/bitcoin.png", png.clone(), "image/png").await;
    serve_image(
        &images,
        "/img/ethereum.jpg",
        picture(90, 60, ImageFormat::Jpeg),
        "image/jpeg",
    )
    .await;
    let img = |name: &str| Some(format!("{}/img/{name}", images.uri()));
    serve_markets(
        &upstream,
        json!([
            with_image(
                coin("bitcoin", "btc", "Bitcoin", 1, 64_000.0),
                img("bitcoin.png")
            ),
            with_image(
                coin("ethereum", "eth", "Ethereum", 2, 3_400.0),
                img("ethereum.jpg")
            ),
            with_image(coin("solana", "sol", "Solana", 3, 190.0), None),
        ]),
    )
    .await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;

    let bitcoin = logo_of(&app, "bitcoin").await;
    let ethereum = logo_of(&app, "ethereum").await;
    let (_, html) = app.page("/").await;
    assert!(
        shows_monogram(&html, "solana"),
        "a coin without an image keeps its monogram"
    );
    assert!(logo_src(&html, "solana").is_none());
    assert!(!shows_monogram(&html, "bitcoin"));
    assert!(
        html.contains(&format!(
            "<img class=\"coin-logo\" src=\"{bitcoin}\" alt=\"\" width=\"24\" height=\"24\" loading=\"lazy\" decoding=\"async\">"
        )),
        "{html}"
    );
    assert!(
        !html.contains(&images.uri()),
        "no visitor is sent to the image host"
    );
    let (_, coin_page) = app.page("/coins/bitcoin").await;
    assert!(
        coin_page.contains(&format!("src=\"{bitcoin}\"")),
        "the coin page shows it too"
    );

    let hash = bitcoin
        .strip_prefix("/coins/logos/")
        .and_then(|f| f.strip_suffix(".png"))
        .expect("a hashed name");
    let res = app.get(&bitcoin).await;
    assert_eq!(res.status(), 200);
    let header = |res: &reqwest::Response, name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header(&res, "content-type").as_deref(), Some("image/png"));
    assert_eq!(
        header(&res, "cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        header(&res, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let etag = header(&res, "etag").expect("an ETag");
    assert_eq!(etag, format!("\"{hash}\""));
    let body = res.bytes().await.expect("a body");
    assert_ne!(
        &body[..],
        &png[..],
        "our own encoding, not the provider's bytes"
    );
    assert_eq!(
        hex::encode(Sha256::digest(&body)),
        hash,
        "named by its hash"
    );
    let served = image::load_from_memory_with_format(&body, ImageFormat::Png).expect("a PNG");
    assert_eq!((served.width(), served.height()), (64, 64));

    let again = app
        .client
        .get(app.url(&bitcoin))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("an answer");
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
    assert!(again.bytes().await.expect("a body").is_empty());

    let head = app
        .client
        .head(app.url(&bitcoin))
        .send()
        .await
        .expect("an answer");
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "content-type").as_deref(), Some("image/png"));
    assert_eq!(header(&head, "etag").as_deref(), Some(etag.as_str()));
    assert!(head.bytes().await.expect("a body").is_empty());

    let jpeg = app.get(&ethereum).await;
    assert_eq!(
        header(&jpeg, "content-type").as_deref(),
        Some("image/png"),
        "a JPEG is served as PNG"
    );
    let decoded = image::load_from_memory(&jpeg.bytes().await.expect("a body")).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (64, 64));

    for unknown in [
        format!("/coins/logos/{}.png", "0".repeat(64)),
        format!("/coins/logos/{hash}.svg"),
        "/coins/logos/..%2F..%2Fetc%2Fpasswd".to_owned(),
    ] {
        let (status, page) = app.page(&unknown).await;
        assert_eq!(status, 404, "{unknown}");
        assert!(page.contains("<html"), "{unknown}: the styled page");
    }

    // Fetched once: the next refreshes see the same image URL.
    let fetched = requests_to(&images, "/img/bitcoin.png").await;
    app.snapshot_version(app.service.feed().live().snapshot().version() + 2)
        .await;
    assert_eq!(requests_to(&images, "/img/bitcoin.png").await, fetched);
}

#[actix_web::test]
async fn pictures_that_are_not_small_raster_images_are_refused_and_coins_keep_their_monograms() {
    chassis::testing::capture_logs();
    let upstream = MockServer::start().await;
    let images = MockServer::start().await;
    serve_image(
        &images,
        "/img/good.png",
        picture(32, 32, ImageFormat::Png),
        "image/png",
    )
    .await;
    serve_image(
        &images,
        "/img/page.png",
        b"<!doctype html><title>Hi</title>".to_vec(),
        "image/png",
    )
    .await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    serve_image(&images, "/img/vector.svg", svg.to_vec(), "image/svg+xml").await;
    let mut oversized = picture(8, 8, ImageFormat::Png);
    oversized.resize(1024 * 1024 + 1, 0);
    serve_image(&images, "/img/oversized.png", oversized, "image/png").await;
    serve_image(
        &images,
        "/img/bomb.png",
        png_claiming(50_000, 50_000),
        "image/png",
    )
    .await;
    let named = [
        ("good", "good.png"),
        ("html-coin", "page.png"),
        ("svg-coin", "vector.svg"),
        ("big-coin", "oversized.png"),
        ("bomb-coin", "bomb.png"),
    ];
    let coins: Vec<Value> = named
        .iter()
        .zip(1u32..)
        .map(|((id, file), rank)| {
            let url = format!("{}/img/{file}", images.uri());
            with_image(coin(id, &id[..3], id, rank, 10.0), Some(url))
        })
        .collect();
    serve_markets(&upstream, Value::Array(coins)).await;
    let app = spawn(coingecko_env(&upstream)).await;
    app.snapshot_version(1).await;
    logo_of(&app, "good").await;
    for (_, file) in &named[1..] {
        let at = format!("/img/{file}");
        eventually(&format!("a request for {at}"), || async {
            requests_to(&images, &at).await > 0
        })
        .await;
    }
    // Let a few more cycles pass: the failures are neither retried nor logged again.
    let version = app.service.feed().live().snapshot().version();
    app.snapshot_version(version + 3).await;
    let (_, html) = app.page("/").await;
    for (id, file) in &named[1..] {
        assert!(logo_src(&html, id).is_none(), "{id}");
        assert!(shows_monogram(&html, id), "{id} keeps its monogram");
        assert_eq!(
            requests_to(&images, &format!("/img/{file}")).await,
            1,
            "{file}: tried once"
        );
        let warnings = chassis::testing::captured_logs()
            .iter()
            .filter(|l| {
                l.starts_with("WARN") && l.contains("logo") && l.contains(&format!("coin={id}"))
            })
            .count();
        assert_eq!(warnings, 1, "{id}: one warning");
    }

    // Why each was refused.
    let fetcher = LogoFetcher::new(&LogoSources {
        hosts: vec!["127.0.0.1".into()],
        allow_local: true,
    })
    .expect("a fetcher");
    let fetch = |file: &str| fetch_at(&fetcher, format!("{}/img/{file}", images.uri()));
    assert!(matches!(
        fetch("page.png").await,
        Err(LogoError::Normalise(NormaliseError::NotRaster))
    ));
    assert!(matches!(
        fetch("vector.svg").await,
        Err(LogoError::Normalise(NormaliseError::NotRaster))
    ));
    assert!(matches!(
        fetch("oversized.png").await,
        Err(LogoError::TooManyBytes)
    ));
    assert!(matches!(
        fetch("bomb.png").await,
        Err(LogoError::Normalise(NormaliseError::TooLarge {
            width: 50_000,
            height: 50_000
        }))
    ));
    assert!(fetch("good.png").await.is_ok());
}

#[actix_web::test]
async fn a_host_off_the_list_or_an_address_inside_our_network_is_refused_without_a_request() {
    let images = MockServer::start().await;
    serve_image(
        &images,
        "/img/x.png",
        picture(16, 16, ImageFormat::Png),
        "image/png",
    )
    .await;
    let port = images.address().port();
    let strict = LogoFetcher::new(&LogoSources {
        hosts: vec!["127.0.0.1".into(), "localhost".into()],
        allow_local: false,
    })
    .expect("a fetcher");
    for url in [
        format!("https://127.0.0.1:{port}/img/x.png"),
        format!("https://localhost:{port}/img/x.png"),
    ] {
        let refused = fetch_at(&strict, url.clone()).await;
        assert!(
            matches!(refused, Err(LogoError::PrivateAddress(ip)) if ip.is_loopback()),
            "{url}: {refused:?}"
        );
    }
    let off_list = LogoFetcher::new(&LogoSources {
        hosts: vec!["coin-images.coingecko.com".into()],
        allow_local: true,
    })
    .expect("a fetcher");
    let refused = fetch_at(&off_list, format!("{}/img/x.png", images.uri())).await;
    assert!(matches!(refused, Err(LogoError::HostNotAllowed(h)) if h == "127.0.0.1"));
    assert!(matches!(
        fetch_at(&strict, format!("http://127.0.0.1:{port}/img/x.png")).await,
        Err(LogoError::Scheme(_))
    ));
    assert_eq!(
        requests_to(&images, "/img/x.png").await,
        0,
        "nothing reached the server"
    );

    // Through the product: the default hosts are CoinGecko's, so a coin's image here is not
    // fetched at all.
    let upstream = MockServer::start().await;
    let url = Some(format!("{}/img/x.png", images.uri()));
    serve_markets(
        &upstream,
        json!([with_image(coin("bitcoin", "btc", "Bitcoin", 1, 1.0), url)]),
    )
    .await;
    let env = coingecko_env(&upstream)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("MARKET_LOGO_"))
        .collect();
    let app = spawn(env).await;
    app.snapshot_version(2).await;
    let (_, html) = app.page("/").await;
    assert!(shows_monogram(&html, "bitcoin"));
    assert_eq!(requests_to(&images, "/img/x.png").await, 0);
}

#[actix_web::test]
async fn a_restarted_product_serves_the_stored_logos_before_fetching_anything() {
    let db = std::sync::Arc::new(chassis::testing::TestDatabase::new("logos"));
    let upstream = MockServer::start().await;
    let images = MockServer::start().await;
    serve_image(
        &images,
        "/img/bitcoin.png",
        picture(40, 40, ImageFormat::Png),
        "image/png",
    )
    .await;
    let url = Some(format!("{}/img/bitcoin.png", images.uri()));
    serve_markets(
        &upstream,
        json!([with_image(coin("bitcoin", "btc", "Bitcoin", 1, 1.0), url)]),
    )
    .await;
    let first = spawn_on(
        db.clone(),
        coingecko_env(&upstream),
        chassis::testing::common_config(),
    )
    .await;
    first.snapshot_version(1).await;
    let logo = logo_of(&first, "bitcoin").await;
    first.service.feed().stop();
    let body = first.get(&logo).await.bytes().await.expect("a body");

    let dead = MockServer::start().await;
    let second = spawn_on(db, coingecko_env(&dead), chassis::testing::common_config()).await;
    let (_, html) = second.page("/").await;
    assert_eq!(logo_src(&html, "bitcoin").as_deref(), Some(logo.as_str()));
    let res = second.get(&logo).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.bytes().await.expect("a body"),
        body,
        "the same bytes from the database"
    );
}
