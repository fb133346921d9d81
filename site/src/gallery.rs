//! `/_gallery`: every page and component in each of its states, rendered with sample data, so
//! someone editing a template sees everything it affects on one page. Only the `site` binary
//! mounts it; the service binaries and production images never have it.

use actix_web::{HttpResponse, web};
use askama::Template;
use chassis::server::Service;
use shared_ui::gallery::Sample;
use shared_ui::template_prelude::*;
use std::sync::Arc;

/// Where the gallery is mounted; before product's catch-all root.
pub const PREFIX: &str = "/_gallery";

/// Every sample of every service, rendered once at start.
pub fn all_samples() -> Vec<Sample> {
    let mut samples = shared_ui::gallery::samples();
    samples.extend(login::gallery::samples());
    samples.extend(product::gallery::samples());
    samples
}

#[derive(Clone)]
pub struct GalleryService {
    samples: Arc<Vec<Sample>>,
}

impl GalleryService {
    pub fn new() -> Self {
        Self {
            samples: Arc::new(all_samples()),
        }
    }
}

impl Default for GalleryService {
    fn default() -> Self {
        Self::new()
    }
}

impl Service for GalleryService {
    fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.service(
            web::scope(PREFIX)
                .app_data(web::Data::new(self.samples.clone()))
                .route("", web::get().to(index))
                .route("/{id}", web::get().to(sample)),
        );
    }
}

#[derive(Template)]
#[template(path = "gallery.html")]
struct GalleryPage<'a> {
    ctx: PageContext,
    samples: &'a [Sample],
}

async fn index(samples: web::Data<Arc<Vec<Sample>>>) -> Result<HttpResponse, chassis::AppError> {
    let page = GalleryPage {
        ctx: PageContext::new("Page gallery", ""),
        samples: &samples,
    };
    // The index frames the samples: allow framing by this site for the gallery only.
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", gallery_csp()))
        .body(page.render()?))
}

async fn sample(
    id: web::Path<String>,
    samples: web::Data<Arc<Vec<Sample>>>,
) -> Result<HttpResponse, chassis::AppError> {
    let sample = samples
        .iter()
        .find(|s| s.id == *id)
        .ok_or(chassis::AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", gallery_csp()))
        .body(sample.html.clone()))
}

fn gallery_csp() -> String {
    chassis::headers::CONTENT_SECURITY_POLICY
        .replace("frame-ancestors 'none'", "frame-ancestors 'self'")
}
