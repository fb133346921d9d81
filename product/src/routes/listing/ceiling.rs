//! `GET /_bench/ceiling`: the benchmark's yardstick. It answers with the exact bytes of the
//! anonymous listing rendered last, from memory, through the same middleware as every page,
//! so `bench/run` can say how close the real listing comes to doing no work of its own.
//! Mounted only with `BENCH_CEILING=true`; a production service never has it.

use super::cache::ListingCache;
use actix_web::{HttpResponse, web};
use chassis::AppError;

pub const PATH: &str = "/_bench/ceiling";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(PATH, web::get().to(ceiling));
}

async fn ceiling(cache: web::Data<ListingCache>) -> Result<HttpResponse, AppError> {
    // Before any listing was rendered there is nothing to measure against.
    cache
        .last_anonymous()
        .map(|body| {
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(body)
        })
        .ok_or(AppError::NotFound)
}
