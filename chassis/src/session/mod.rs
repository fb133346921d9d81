//! Sessions: actix-session over the server-side [`Sessions`] store shared by every service.
//! The cookie carries only a random session key, private (encrypted and authenticated) under
//! the shared `SESSION_KEY`; in production it is `__Host-` prefixed and Secure. The contents
//! (identity, CSRF token, flash) live in the store, whose TTL is the idle lifetime.

pub(crate) mod memory;
pub mod store;
pub(crate) mod valkey;

pub use store::{ActiveSession, Sessions, StoreError};

use crate::config::CommonConfig;
use crate::identity::{IDENTITY, META, SessionMeta};
use actix_session::config::{CookieContentSecurity, PersistentSession, TtlExtensionPolicy};
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_session::{SessionExt, SessionMiddleware};
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::collections::HashMap;
use std::time::Duration;

/// The cookie's name: `__Host-` needs Secure, so plain-http local runs use a plain name.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-coinwatch"
    } else {
        "coinwatch"
    }
}

/// The session middleware over the shared store, through `sessions`.
pub fn middleware(config: &CommonConfig, sessions: Sessions) -> SessionMiddleware<StoreAdapter> {
    let key = Key::from(config.session_key.bytes());
    // The cookie may live as long as a session can; the store's TTL (the idle lifetime,
    // renewed on every read) and the login time decide whether it still means anything.
    let cookie_ttl = actix_web::cookie::time::Duration::seconds(
        config.session_absolute.as_secs().min(i64::MAX as u64) as i64,
    );
    let store = StoreAdapter {
        sessions,
        idle: config.session_idle,
    };
    SessionMiddleware::builder(store, key)
        .cookie_name(cookie_name(config.cookie_secure).to_owned())
        .cookie_secure(config.cookie_secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".to_owned())
        .cookie_domain(None)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(cookie_ttl)
                .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
        )
        .build()
}

/// actix-session's view of [`Sessions`].
///
/// A store that does not answer makes the request anonymous rather than failed: the visitor
/// still gets the page, and the cookie is kept, so the session is back once the store is.
/// A write that fails is logged and dropped rather than turned into a bare 500: forms that
/// change a session already answer 503 while the store is known to be away (see
/// [`crate::csrf::CsrfForm`]), so only a store that dies mid-request loses a write.
pub struct StoreAdapter {
    sessions: Sessions,
    idle: Duration,
}

impl SessionStore for StoreAdapter {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        match self.sessions.load(key.as_ref(), self.idle).await {
            Ok(state) => Ok(state),
            Err(StoreError::Corrupt(err)) => Err(LoadError::Deserialization(err.into())),
            Err(err) => {
                log::debug!("session store unavailable; serving anonymously: {err}");
                Ok(None)
            }
        }
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, SaveError> {
        let key = actix_session::storage::generate_session_key();
        match self
            .sessions
            .store(key.as_ref(), &state, self.idle, false)
            .await
        {
            Ok(()) => Ok(key),
            Err(StoreError::Corrupt(err)) => Err(SaveError::Serialization(err.into())),
            Err(err) => {
                log::warn!("a new session was not stored: {err}");
                Ok(key)
            }
        }
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<SessionKey, UpdateError> {
        match self
            .sessions
            .store(key.as_ref(), &state, self.idle, true)
            .await
        {
            Ok(()) => Ok(key),
            Err(StoreError::Corrupt(err)) => Err(UpdateError::Serialization(err.into())),
            Err(err) => {
                log::warn!("a session change was not stored: {err}");
                Ok(key)
            }
        }
    }

    async fn update_ttl(
        &self,
        _key: &SessionKey,
        _ttl: &actix_web::cookie::time::Duration,
    ) -> Result<(), anyhow::Error> {
        // Never called: the TTL policy is "on state changes", and every load renews the TTL.
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        if let Err(err) = self.sessions.delete(key.as_ref()).await {
            // The browser still drops its cookie; the stored copy lapses after the idle time.
            log::error!("a session was not deleted from the store: {err}");
        }
        Ok(())
    }
}

/// Gives a freshly signed-in session what `/account` shows about it: a public id, a browser
/// summary and the address prefix it came from. Runs inside the session middleware, after
/// the handler, so `sign_in` needs no request.
pub async fn record_meta(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let session = res.request().get_session();
    if session.contains_key(IDENTITY) && !session.contains_key(META) {
        let request = res.request();
        let meta = SessionMeta::new(
            request
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default(),
            crate::client_ip::client_ip(request),
        );
        if let Err(err) = session.insert(META, meta) {
            log::warn!("could not describe a new session: {err}");
        }
    }
    Ok(res)
}

/// Checks at start that the store answers, so a wrong `SESSION_STORE_URL` stops the process
/// with one line, then watches it for as long as the process runs.
pub async fn connect(sessions: &Sessions) -> Result<(), crate::cli::StartError> {
    sessions.check().await.map_err(|err| {
        crate::cli::StartError::new(format!(
            "SESSION_STORE_URL: the session store does not answer ({})",
            error_chain(&err)
        ))
    })?;
    sessions.spawn_probe(Duration::from_secs(2));
    Ok(())
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
