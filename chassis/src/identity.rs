//! Who is signed in, read from the shared session with no call to the login service.
//!
//! The login service writes an [`Identity`] with [`sign_in`]; every service reads it with the
//! [`CurrentUser`] extractor. A session past its idle or absolute lifetime is purged and the
//! request is anonymous; so is one whose cookie was forged, truncated or garbled.

use crate::config::CommonConfig;
use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use std::time::Duration;

pub(crate) const IDENTITY: &str = "identity";
pub(crate) const SEEN_AT: &str = "seen_at";
/// What `/account` shows about a session (see [`SessionMeta`]).
pub(crate) const META: &str = "meta";
/// Rewriting the cookie on every request would be wasteful; the idle clock moves a minute at a time.
const SEEN_AT_GRANULARITY_SECS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: i64,
    pub display_name: String,
    /// Unix seconds of the login.
    pub login_at: i64,
}

/// What a user sees of each of their sessions: a public id (not the session key, which never
/// leaves the encrypted cookie), the browser and the address it signed in from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMeta {
    pub id: String,
    pub browser: String,
    /// The client address with its host part blanked (`203.0.113.x`), or empty if unknown.
    pub address: String,
}

impl SessionMeta {
    pub fn new(user_agent: &str, address: Option<std::net::IpAddr>) -> Self {
        let mut id = [0u8; 16];
        rand::fill(&mut id);
        Self {
            id: base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id),
            browser: browser_summary(user_agent),
            address: address.map(address_prefix).unwrap_or_default(),
        }
    }
}

/// "Firefox on Linux", from a User-Agent header. Only the families people recognise; the
/// order matters, since Chromium-based browsers also claim to be Chrome and Safari.
pub fn browser_summary(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map_or("Unknown browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

/// The network an address belongs to, without the host: a /24 for IPv4, a /48 for IPv6.
pub fn address_prefix(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.x")
        }
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// The public id of this session, once it has been described (the request after sign-in on).
pub fn session_id(session: &Session) -> Option<String> {
    session
        .get::<SessionMeta>(META)
        .ok()
        .flatten()
        .map(|meta| meta.id)
}

/// Lifetimes of a session, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl SessionPolicy {
    pub fn from_config(config: &CommonConfig) -> Self {
        Self {
            idle: config.session_idle,
            absolute: config.session_absolute,
        }
    }
}

fn now() -> i64 {
    shared_ui::format::now_unix()
}

/// Starts a fresh session for `identity`: the old session id and contents are dropped
/// (no fixation) and a new CSRF token is made.
pub fn sign_in(
    session: &Session,
    identity: &Identity,
) -> Result<(), actix_session::SessionInsertError> {
    session.purge_keep_flash();
    session.renew();
    session.insert(IDENTITY, identity)?;
    session.insert(SEEN_AT, now())?;
    crate::csrf::rotate(session)?;
    Ok(())
}

/// Ends the session: it is deleted from the store, and the browser gets a fresh one holding
/// only `farewell`, the message for the next page (or, with no message, is told to drop the
/// cookie).
pub fn sign_out(session: &Session, farewell: Option<(shared_ui::FlashKind, &str)>) {
    match farewell {
        Some((kind, message)) => {
            session.clear();
            session.renew();
            crate::flash::set_flash(session, kind, message);
        }
        None => session.purge(),
    }
}

trait PurgeKeepFlash {
    fn purge_keep_flash(&self);
}

impl PurgeKeepFlash for Session {
    /// Clears everything but a pending flash message, so that "Welcome" survives renewal.
    fn purge_keep_flash(&self) {
        let flash = self
            .get::<shared_ui::Flash>(crate::flash::KEY)
            .ok()
            .flatten();
        self.clear();
        if let Some(flash) = flash {
            let _ = self.insert(crate::flash::KEY, flash);
        }
    }
}

/// The identity in this session, if it is still within its lifetimes. An expired identity is
/// removed so the cookie stops carrying it.
pub fn current(session: &Session, policy: &SessionPolicy) -> Option<Identity> {
    let identity = session.get::<Identity>(IDENTITY).ok().flatten()?;
    let seen_at = session
        .get::<i64>(SEEN_AT)
        .ok()
        .flatten()
        .unwrap_or(identity.login_at);
    let now = now();
    let idle_expired = now.saturating_sub(seen_at) > policy.idle.as_secs() as i64;
    let absolute_expired = now.saturating_sub(identity.login_at) > policy.absolute.as_secs() as i64;
    if idle_expired || absolute_expired {
        session.purge();
        return None;
    }
    if now - seen_at >= SEEN_AT_GRANULARITY_SECS {
        let _ = session.insert(SEEN_AT, now);
    }
    Some(identity)
}

/// The signed-in user, or `None` for an anonymous visitor.
pub struct CurrentUser(pub Option<Identity>);

impl FromRequest for CurrentUser {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(current_for_request(req))))
    }
}

pub fn current_for_request(req: &HttpRequest) -> Option<Identity> {
    let policy = req
        .app_data::<web::Data<SessionPolicy>>()
        .map(|p| *p.get_ref())
        .unwrap_or(SessionPolicy {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
        });
    current(&req.get_session(), &policy)
}
