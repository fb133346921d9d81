//! Compression negotiated by `Accept-Encoding`. Bytes served many times (the assets, product's
//! cached anonymous pages) are compressed once and kept in each encoding beside the plain
//! bytes, so a client that asks for gzip or brotli costs no more than one that does not.
//! Pages rendered per request go through actix's `Compress` middleware, which leaves alone
//! anything that already carries a `Content-Encoding`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder};
use std::io::Write;
use std::sync::OnceLock;

/// A content coding we serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// What the client prefers among brotli, gzip and the plain bytes, by the same rules as
    /// actix's `Compress` (quality values first, then brotli before gzip). No header, or one
    /// that accepts neither, gets the plain bytes.
    pub fn negotiate(req: &HttpRequest) -> Self {
        use actix_web::http::header::Encoding as Coding;
        let supported = [Coding::brotli(), Coding::gzip(), Coding::identity()];
        match req
            .get_header::<AcceptEncoding>()
            .and_then(|accept| accept.negotiate(supported.iter()))
        {
            Some(coding) if coding == Coding::brotli() => Self::Brotli,
            Some(coding) if coding == Coding::gzip() => Self::Gzip,
            _ => Self::Identity,
        }
    }

    fn header_value(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
        }
    }
}

/// How hard to try: once per process for assets, once per snapshot for pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// The smallest output (brotli 11, gzip 9): paid once at start-up.
    Smallest,
    /// Nearly as small for a fraction of the time (brotli 5, gzip 6): paid by the first
    /// request for a page that is then served many times.
    Fast,
}

impl Effort {
    fn gzip_level(self) -> u32 {
        match self {
            Self::Smallest => 9,
            Self::Fast => 6,
        }
    }

    fn brotli_quality(self) -> u32 {
        match self {
            Self::Smallest => 11,
            Self::Fast => 5,
        }
    }
}

/// The same content as plain bytes and, compressed when first asked for, gzip and brotli.
pub struct Precompressed {
    plain: Bytes,
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
    effort: Effort,
}

impl Precompressed {
    pub fn new(plain: Bytes, effort: Effort) -> Self {
        Self {
            plain,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            effort,
        }
    }

    /// Compresses in every encoding now (start-up), rather than on first use.
    pub fn with_every_encoding(self) -> Self {
        self.encoded(Encoding::Gzip);
        self.encoded(Encoding::Brotli);
        self
    }

    pub fn plain(&self) -> &Bytes {
        &self.plain
    }

    /// The bytes in `wanted`, or the plain bytes when compressing would not make them smaller
    /// (tiny bodies). Returns the encoding actually used.
    pub fn encoded(&self, wanted: Encoding) -> (Encoding, &Bytes) {
        let (slot, compress): (_, fn(&[u8], Effort) -> Bytes) = match wanted {
            Encoding::Identity => return (Encoding::Identity, &self.plain),
            Encoding::Gzip => (&self.gzip, gzip),
            Encoding::Brotli => (&self.brotli, brotli),
        };
        let kept = slot.get_or_init(|| {
            let compressed = compress(&self.plain, self.effort);
            (compressed.len() < self.plain.len()).then_some(compressed)
        });
        match kept {
            Some(bytes) => (wanted, bytes),
            None => (Encoding::Identity, &self.plain),
        }
    }

    /// The response for `req` in the encoding it prefers, with `Vary: Accept-Encoding`.
    pub fn respond(&self, req: &HttpRequest, mut builder: HttpResponseBuilder) -> HttpResponse {
        let (encoding, bytes) = self.encoded(Encoding::negotiate(req));
        if let Some(value) = encoding.header_value() {
            builder.insert_header((header::CONTENT_ENCODING, value));
        }
        builder
            .insert_header((header::VARY, "accept-encoding"))
            .body(bytes.clone())
    }

    /// Bytes held, all encodings made so far included (for cache budgets).
    pub fn bytes_held(&self) -> usize {
        let made =
            |slot: &OnceLock<Option<Bytes>>| slot.get().cloned().flatten().map_or(0, |b| b.len());
        self.plain.len() + made(&self.gzip) + made(&self.brotli)
    }
}

fn gzip(plain: &[u8], effort: Effort) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(plain.len() / 3),
        flate2::Compression::new(effort.gzip_level()),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(plain);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn brotli(plain: &[u8], effort: Effort) -> Bytes {
    let mut out = Vec::with_capacity(plain.len() / 3);
    {
        // A window no larger than the input: the encoder's memory grows with it, and a
        // start-up that compressed the CSS with the largest window would keep megabytes.
        let window = plain
            .len()
            .max(1)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(10, 22);
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 4096, effort.brotli_quality(), window);
        let _ = writer.write_all(plain);
    }
    Bytes::from(out)
}

/// Whether a body of this content type is worth compressing (text, not images or archives).
/// An event stream is not: each event must reach the client as it is written (see
/// [`uncompressed`]).
pub fn is_compressible(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    (essence.starts_with("text/") && essence != EVENT_STREAM)
        || matches!(
            essence,
            "image/svg+xml" | "application/json" | "application/javascript" | "application/xml"
        )
}

/// The content type of server-sent events.
pub const EVENT_STREAM: &str = "text/event-stream";

/// The header that keeps a response out of actix's `Compress`, which leaves alone any response
/// that already has a `Content-Encoding` (it decides by the request's `Accept-Encoding`, not by
/// the content type). For event streams: a compressor holds small writes back until its
/// buffer fills, and a proxy cannot pass on what it has not been given.
pub fn uncompressed() -> (header::HeaderName, HeaderValue) {
    (
        header::CONTENT_ENCODING,
        HeaderValue::from_static("identity"),
    )
}

/// Adds `Vary: Accept-Encoding` to every compressible response that lacks it, so a cache
/// between us and the client never hands a gzip body to a client that cannot read it, or a
/// plain body to one that could have had it compressed. (`Compress` adds it only when it
/// compresses.)
pub async fn vary_on_encoding(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let compressible = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_compressible);
    let varies = res
        .headers()
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|name| name.trim().eq_ignore_ascii_case("accept-encoding"))
        });
    if compressible && !varies {
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use std::io::Read;

    fn negotiated(accept: Option<&str>) -> Encoding {
        let mut req = TestRequest::default();
        if let Some(accept) = accept {
            req = req.insert_header((header::ACCEPT_ENCODING, accept));
        }
        Encoding::negotiate(&req.to_http_request())
    }

    #[test]
    fn the_client_picks_the_encoding_and_brotli_wins_a_tie() {
        assert_eq!(negotiated(None), Encoding::Identity);
        assert_eq!(negotiated(Some("gzip")), Encoding::Gzip);
        assert_eq!(negotiated(Some("gzip, deflate, br")), Encoding::Brotli);
        assert_eq!(negotiated(Some("br;q=0.5, gzip")), Encoding::Gzip);
        assert_eq!(negotiated(Some("gzip;q=0, br;q=0")), Encoding::Identity);
        assert_eq!(negotiated(Some("deflate")), Encoding::Identity);
        assert_eq!(negotiated(Some("identity")), Encoding::Identity);
    }

    fn page() -> Bytes {
        Bytes::from("<tr><td>Bitcoin</td><td>$97,000.00</td></tr>\n".repeat(500))
    }

    #[test]
    fn each_encoding_decodes_to_the_plain_bytes_and_is_much_smaller() {
        let kept = Precompressed::new(page(), Effort::Fast);
        let (encoding, gz) = kept.encoded(Encoding::Gzip);
        assert_eq!(encoding, Encoding::Gzip);
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut plain)
            .expect("valid gzip");
        assert_eq!(plain, page());
        assert!(gz.len() * 3 < page().len());

        let (encoding, br) = kept.encoded(Encoding::Brotli);
        assert_eq!(encoding, Encoding::Brotli);
        let mut plain = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut plain)
            .expect("valid brotli");
        assert_eq!(plain, page());
        assert!(br.len() * 3 < page().len());
        assert_eq!(kept.bytes_held(), page().len() + gz.len() + br.len());
    }

    #[test]
    fn an_encoding_is_made_once_and_kept() {
        let kept = Precompressed::new(page(), Effort::Fast);
        let first = kept.encoded(Encoding::Brotli).1.as_ptr();
        let second = kept.encoded(Encoding::Brotli).1.as_ptr();
        assert_eq!(first, second, "compressed again");
    }

    #[test]
    fn a_body_that_does_not_shrink_is_served_plain() {
        let kept = Precompressed::new(Bytes::from_static(b"ok"), Effort::Smallest);
        assert_eq!(
            kept.encoded(Encoding::Gzip),
            (Encoding::Identity, &Bytes::from_static(b"ok"))
        );
    }

    #[test]
    fn text_is_compressible_and_images_are_not() {
        assert!(is_compressible("text/html; charset=utf-8"));
        assert!(is_compressible("text/css; charset=utf-8"));
        assert!(is_compressible("image/svg+xml"));
        assert!(!is_compressible("image/png"));
        assert!(!is_compressible("application/gzip"));
        assert!(!is_compressible("text/event-stream"));
    }
}
