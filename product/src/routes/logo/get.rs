//! `GET /coins/logos/{sha256}.png`: a coin's logo as we encoded it, from memory. A logo's
//! name is the hash of its bytes, so what a URL names never changes: browsers and caches keep
//! it a year without asking again, and the ETag is the hash. An unknown name is the styled 404.

use crate::feed::Feed;
use crate::logos::LogoHash;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chassis::AppError;

pub(crate) async fn logo(
    req: HttpRequest,
    file: web::Path<String>,
    feed: web::Data<Feed>,
) -> Result<HttpResponse, AppError> {
    let hash = file
        .strip_suffix(".png")
        .and_then(LogoHash::parse)
        .ok_or(AppError::NotFound)?;
    let logo = feed.logos().index().get(&hash).ok_or(AppError::NotFound)?;
    let etag = format!("\"{hash}\"");
    let unchanged = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*");
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response.content_type("image/png").body(logo.bytes()))
}
