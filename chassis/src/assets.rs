//! Serves the embedded, content-hashed assets under a service's prefix, cached forever, in the
//! encoding the client prefers. Each asset is compressed once, at start-up, never per request.

use crate::compression::{Effort, Precompressed};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::LazyLock;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{name}", web::get().to(asset));
}

struct Compressed {
    asset: &'static shared_ui::assets::Asset,
    bytes: Precompressed,
}

static COMPRESSED: LazyLock<Vec<Compressed>> = LazyLock::new(|| {
    shared_ui::assets::all()
        .into_iter()
        .map(|asset| Compressed {
            asset,
            bytes: Precompressed::new(Bytes::from_static(asset.bytes), Effort::Smallest)
                .with_every_encoding(),
        })
        .collect()
});

/// Compresses every asset now, so that no request waits for it (call at start-up).
pub fn precompress() {
    LazyLock::force(&COMPRESSED);
}

async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, crate::AppError> {
    let found = COMPRESSED
        .iter()
        .find(|c| c.asset.hashed_name() == name.as_str())
        .ok_or(crate::AppError::NotFound)?;
    let mut builder = HttpResponse::Ok();
    builder
        .content_type(found.asset.content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"));
    Ok(found.bytes.respond(&req, builder))
}
