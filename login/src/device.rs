//! The device cookie (OWASP's "device cookies" against lockout): after a successful login
//! the browser gets a signed token naming the user, a random nonce and when it was issued.
//! A later login that carries a valid token for the account it resolves to is throttled in
//! the token's own bucket instead of the account's, so strangers who lock the account do
//! not lock its owner out.

use crate::throttle::Bucket;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};

/// How long a device token is honoured after it was issued.
pub const LIFETIME_SECS: i64 = 30 * 24 * 60 * 60;

/// Keeps the device key apart from the session cookie's, though both come from `SESSION_KEY`.
const KEY_CONTEXT: &[u8] = b"coinwatch login device cookie v1:";

/// What a valid device cookie says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceToken {
    pub user_id: i64,
    pub nonce: String,
    pub issued_at: i64,
}

impl DeviceToken {
    /// A new token for a browser that has none for this user.
    pub fn issue(user_id: i64, now: i64) -> Self {
        let mut random = [0u8; 16];
        rand::fill(&mut random);
        Self {
            user_id,
            nonce: hex::encode(random),
            issued_at: now,
        }
    }

    /// The throttling bucket of this browser.
    pub fn bucket(&self) -> Bucket {
        Bucket::Device(self.nonce.clone())
    }

    fn encode(&self) -> String {
        format!("{}.{}.{}", self.user_id, self.nonce, self.issued_at)
    }

    fn decode(value: &str) -> Option<Self> {
        let mut parts = value.splitn(3, '.');
        let user_id = parts.next()?.parse().ok()?;
        let nonce = parts.next()?;
        let issued_at = parts.next()?.parse().ok()?;
        let well_formed = nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit());
        well_formed.then(|| Self {
            user_id,
            nonce: nonce.to_owned(),
            issued_at,
        })
    }
}

/// Signs and reads device cookies.
#[derive(Clone)]
pub struct DeviceCookies {
    key: Key,
    secure: bool,
}

impl DeviceCookies {
    /// `session_key` is `SESSION_KEY`'s bytes (at least 64, checked by the config); `secure`
    /// is `COOKIE_SECURE`, which also gives the cookie its `__Host-` name.
    pub fn new(session_key: &[u8], secure: bool) -> Self {
        let master = [KEY_CONTEXT, session_key].concat();
        Self {
            key: Key::derive_from(&master),
            secure,
        }
    }

    pub fn name(&self) -> &'static str {
        if self.secure {
            "__Host-device"
        } else {
            "device"
        }
    }

    /// The request's device token, when its signature holds and it is not expired.
    pub fn read(&self, req: &HttpRequest, now: i64) -> Option<DeviceToken> {
        let sent = req.cookie(self.name())?;
        let mut jar = CookieJar::new();
        jar.add_original(sent.into_owned());
        let verified = jar.signed(&self.key).get(self.name())?;
        let token = DeviceToken::decode(verified.value())?;
        let fresh = token.issued_at <= now + 60 && now - token.issued_at < LIFETIME_SECS;
        fresh.then_some(token)
    }

    /// The signed `Set-Cookie` for `token`.
    pub fn cookie(&self, token: &DeviceToken) -> Cookie<'static> {
        let cookie = Cookie::build(self.name(), token.encode())
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::seconds(LIFETIME_SECS))
            .finish();
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.key).add(cookie);
        jar.delta()
            .next()
            .cloned()
            .unwrap_or_else(|| Cookie::new(self.name(), ""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const NOW: i64 = 1_700_000_000;

    fn cookies(secure: bool) -> DeviceCookies {
        DeviceCookies::new(&[7u8; 64], secure)
    }

    fn request_with(cookie: Cookie<'static>) -> HttpRequest {
        TestRequest::default().cookie(cookie).to_http_request()
    }

    #[test]
    fn a_signed_token_reads_back_until_it_is_thirty_days_old() {
        let devices = cookies(false);
        let token = DeviceToken::issue(42, NOW);
        let cookie = devices.cookie(&token);
        assert_eq!(cookie.name(), "device");
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert_eq!(cookie.path(), Some("/"));
        let req = request_with(cookie);
        assert_eq!(devices.read(&req, NOW + 60), Some(token));
        assert_eq!(devices.read(&req, NOW + LIFETIME_SECS), None);
    }

    #[test]
    fn a_secure_cookie_is_host_prefixed_and_secure() {
        let cookie = cookies(true).cookie(&DeviceToken::issue(1, NOW));
        assert_eq!(cookie.name(), "__Host-device");
        assert_eq!(cookie.secure(), Some(true));
    }

    #[test]
    fn a_forged_or_foreign_token_is_ignored() {
        let devices = cookies(false);
        let genuine = devices.cookie(&DeviceToken::issue(42, NOW));
        // Same value, other user id: the signature no longer matches.
        let forged = genuine.value().replacen("42.", "43.", 1);
        assert_eq!(
            devices.read(&request_with(Cookie::new("device", forged)), NOW),
            None
        );
        // Signed under another key.
        let foreign = DeviceCookies::new(&[8u8; 64], false).cookie(&DeviceToken::issue(42, NOW));
        assert_eq!(devices.read(&request_with(foreign), NOW), None);
        assert_eq!(
            devices.read(&request_with(Cookie::new("device", "garbage")), NOW),
            None
        );
    }
}
