//! `GET /watchlist/` and any other product path with a trailing slash: a permanent redirect
//! to the path without it, query string kept. The target is always a local path on product's
//! side of the routing table: `//evil.example/` stays a 404, and a path login owns is never
//! answered here (in `site` both services are mounted; behind the load balancer product
//! never sees one).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chassis::AppError;

/// Any path that ends in `/` and is not the root.
pub(crate) const PATTERN: &str = "/{path:.*}/";

pub(crate) async fn redirect(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let target = target(req.path(), req.query_string()).ok_or(AppError::NotFound)?;
    Ok(HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, target))
        .finish())
}

/// `path` without its trailing slashes, with `query`, when that is a local product path.
fn target(path: &str, query: &str) -> Option<String> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() || trimmed == path {
        return None;
    }
    let target = if query.is_empty() {
        trimmed.to_owned()
    } else {
        format!("{trimmed}?{query}")
    };
    let local = chassis::redirect::safe_local_path(&target)?;
    (chassis::routing::route_for(trimmed).service == chassis::routing::PRODUCT.service)
        .then_some(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_slash_goes_with_the_query_kept() {
        assert_eq!(target("/watchlist/", "").as_deref(), Some("/watchlist"));
        assert_eq!(
            target("/coins/bitcoin//", "range=1y").as_deref(),
            Some("/coins/bitcoin?range=1y")
        );
    }

    #[test]
    fn never_off_the_site_nor_onto_login_nor_from_the_root() {
        for path in [
            "/",
            "//",
            "//evil.example/",
            "/\\evil.example/",
            "/account/",
            "/account/login/",
        ] {
            assert_eq!(target(path, ""), None, "{path}");
        }
        assert_eq!(target("/%2F%2Fevil.example/", ""), None);
    }
}
