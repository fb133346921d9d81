//! Synchronizer CSRF tokens: a random token per session, put in every form as `csrf_token`
//! and compared in constant time on every state-changing request. SameSite=Lax on the
//! cookie is the second layer.
//!
//! Handlers take their form as [`CsrfForm<T>`], which refuses the request with a styled 403
//! before the handler runs if the token is missing or wrong.

use crate::error::AppError;
use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

const KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The session's token, made on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(existing)) = session.get::<String>(KEY) {
        return existing;
    }
    let fresh = new_token();
    let _ = session.insert(KEY, &fresh);
    fresh
}

/// A token for a form that cannot be backed by a session right now (the store is away).
pub fn unkept_token() -> String {
    new_token()
}

/// The token if the session already has one; pages without forms use this so that they do
/// not set a cookie for anonymous visitors.
pub fn existing_token(session: &Session) -> Option<String> {
    session.get::<String>(KEY).ok().flatten()
}

/// Replaces the token (after login), so a token seen before login is worthless after.
pub fn rotate(session: &Session) -> Result<(), actix_session::SessionInsertError> {
    session.insert(KEY, new_token())
}

/// Whether `submitted` is this session's token.
pub fn verify(session: &Session, submitted: &str) -> bool {
    match existing_token(session) {
        Some(expected) if !submitted.is_empty() => {
            expected.as_bytes().ct_eq(submitted.as_bytes()).into()
        }
        _ => false,
    }
}

/// A urlencoded form whose CSRF token has been checked. `T` needs no `csrf_token` field.
pub struct CsrfForm<T>(pub T);

impl<T> std::ops::Deref for CsrfForm<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let limit = req
            .app_data::<web::Data<crate::server::BodyLimit>>()
            .map_or(16 * 1024, |l| l.0);
        let body = web::Bytes::from_request(req, payload);
        let sessions = req
            .app_data::<web::Data<crate::session::Sessions>>()
            .cloned();
        Box::pin(async move {
            // Without the store there is no session to check the token against, and nothing a
            // form could change would be kept: say so, rather than blame the token. A store
            // marked down by an earlier failure is asked once more before the form is refused.
            if let Some(sessions) = sessions
                && !sessions.is_available()
                && sessions.check().await.is_err()
            {
                return Err(AppError::Unavailable(
                    "the session store is unavailable".into(),
                ));
            }
            let body = body.await.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest("the form could not be read".into())
                }
            })?;
            if body.len() > limit {
                return Err(AppError::PayloadTooLarge);
            }
            let submitted = form_urlencoded_value(&body, FIELD).unwrap_or_default();
            if !verify(&session, &submitted) {
                return Err(AppError::CsrfRejected);
            }
            let form = serde_urlencoded::from_bytes::<T>(&body)
                .map_err(|e| AppError::BadRequest(format!("the form was incomplete: {e}")))?;
            Ok(CsrfForm(form))
        })
    }
}

fn form_urlencoded_value(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn the_token_field_is_found_in_a_form_body() {
        assert_eq!(
            form_urlencoded_value(b"a=1&csrf_token=abc%2Bd&b=2", FIELD).as_deref(),
            Some("abc+d")
        );
        assert_eq!(form_urlencoded_value(b"a=1", FIELD), None);
    }
}
