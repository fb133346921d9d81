//! Serves the embedded, content-hashed assets under a service's prefix, cached forever.

use actix_web::{HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets/{name}", web::get().to(asset));
}

async fn asset(name: web::Path<String>) -> Result<HttpResponse, crate::AppError> {
    let asset = shared_ui::assets::by_hashed_name(&name).ok_or(crate::AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .body(asset.bytes))
}
