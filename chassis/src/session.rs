//! The session cookie: actix-session's cookie store, private (encrypted and authenticated)
//! with the shared `SESSION_KEY`, so every service reads the same session without calling
//! another. In production it is `__Host-` prefixed and Secure.

use crate::config::CommonConfig;
use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession, TtlExtensionPolicy};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};

/// The cookie's name: `__Host-` needs Secure, so plain-http local runs use a plain name.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-coinwatch"
    } else {
        "coinwatch"
    }
}

pub fn middleware(config: &CommonConfig) -> SessionMiddleware<CookieSessionStore> {
    let key = Key::from(config.session_key.bytes());
    // The cookie outlives the idle limit by a little; the idle and absolute limits are
    // enforced from timestamps inside the encrypted session (see `identity`), since a cookie's
    // own expiry is only advice to the browser.
    let ttl = actix_web::cookie::time::Duration::seconds(config.session_idle.as_secs() as i64 + 60);
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(cookie_name(config.cookie_secure).to_owned())
        .cookie_secure(config.cookie_secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".to_owned())
        .cookie_domain(None)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(ttl)
                .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
        )
        .build()
}
