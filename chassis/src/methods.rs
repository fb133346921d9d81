//! Which methods a path answers, as clients expect: `HEAD` wherever `GET` is routed, and
//! `405 Method Not Allowed` with `Allow` for a known path asked with another method. Unknown
//! paths stay 404.
//!
//! Services register routes with `web::get()`, `web::post()`; actix puts each route's method
//! guard on a resource of its own, so a path asked with the wrong method falls through to the
//! 404 of the scope. Two small pieces fix that without touching any service's routes:
//! - [`head_as_get`] routes a `HEAD` as the `GET` it mirrors. The HTTP/1 encoder knows the
//!   request was `HEAD`: it writes the status and headers of the `GET`, `Content-Length`
//!   included, and no body.
//! - [`known_path_fallback`], registered last in every service's scope, matches any path. Each
//!   method guard that actix checked while routing the request recorded its method, and the
//!   fallback's built-in answer turns that record into `405` with `Allow`. No record means no
//!   resource matched the path: that becomes the 404 it always was.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, ResponseError, web};

/// Routes `HEAD` as `GET` (wrap it innermost, right around the router).
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// The last resource of a service's scope: 405 with `Allow` for a path some route knows under
/// another method, 404 for any other path.
pub fn known_path_fallback() -> actix_web::Resource<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(["", "/{unrouted:.*}"]).wrap(from_fn(allow_or_not_found))
}

async fn allow_or_not_found(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let res = next.call(req).await?;
    if res.status() != StatusCode::METHOD_NOT_ALLOWED {
        return Ok(res.map_into_left_body());
    }
    let (req, res) = res.into_parts();
    let allowed = allowed_methods(res.headers().get(header::ALLOW));
    let out = if allowed.is_empty() {
        crate::AppError::NotFound.error_response()
    } else {
        HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, allowed.join(", ")))
            .finish()
    };
    Ok(ServiceResponse::new(req, out).map_into_right_body())
}

/// The methods actix listed, in a fixed order, with `HEAD` wherever `GET` is.
fn allowed_methods(listed: Option<&header::HeaderValue>) -> Vec<&'static str> {
    let listed: Vec<String> = listed
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .map(|m| m.trim().to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default();
    let has = |m: &str| listed.iter().any(|l| l == m);
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .filter(|m| has(m) || (*m == "HEAD" && has("GET")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::App;
    use actix_web::http::header::HeaderValue;
    use actix_web::test as actix_test;

    async fn ok() -> HttpResponse {
        HttpResponse::Ok().content_type("text/plain").body("hello")
    }

    /// login's routes in miniature: one path with GET and POST, one with POST only.
    macro_rules! app {
        () => {
            actix_test::init_service(
                App::new().wrap(from_fn(head_as_get)).service(
                    web::scope("/account")
                        .route("/login", web::get().to(ok))
                        .route("/login", web::post().to(ok))
                        .route("/logout", web::post().to(ok))
                        .service(known_path_fallback()),
                ),
            )
            .await
        };
    }

    #[actix_web::test]
    async fn head_is_answered_by_the_get_route() {
        let app = app!();
        let res = actix_test::call_service(
            &app,
            actix_test::TestRequest::default()
                .method(Method::HEAD)
                .uri("/account/login")
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    #[actix_web::test]
    async fn a_wrong_method_on_a_known_path_is_405_with_allow() {
        let app = app!();
        let res = actix_test::call_service(
            &app,
            actix_test::TestRequest::get()
                .uri("/account/logout")
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(res.headers().get(header::ALLOW).unwrap(), "POST");

        let res = actix_test::call_service(
            &app,
            actix_test::TestRequest::put()
                .uri("/account/login")
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(res.headers().get(header::ALLOW).unwrap(), "GET, HEAD, POST");
    }

    #[actix_web::test]
    async fn an_unknown_path_is_404_whatever_the_method() {
        let app = app!();
        for req in [
            actix_test::TestRequest::get().uri("/account/nowhere"),
            actix_test::TestRequest::post().uri("/account/nowhere"),
            actix_test::TestRequest::default()
                .method(Method::HEAD)
                .uri("/account/nowhere"),
        ] {
            let res = actix_test::call_service(&app, req.to_request()).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
            assert!(res.headers().get(header::ALLOW).is_none());
        }
    }

    #[test]
    fn allow_lists_head_beside_get_in_a_fixed_order() {
        let listed = HeaderValue::from_static("POST, GET");
        assert_eq!(allowed_methods(Some(&listed)), ["GET", "HEAD", "POST"]);
        assert!(allowed_methods(None).is_empty());
    }
}
