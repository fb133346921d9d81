//! One-time messages ("Password changed."): set by a handler that redirects, shown and removed
//! by the next page the browser opens. They live in the session, beside the identity.

use actix_session::Session;

/// The session key of the pending message; a session renewal carries it over.
pub(crate) const KEY: &str = "flash";

/// A one-time message for the next page this browser shows.
pub fn set_flash(session: &Session, kind: shared_ui::FlashKind, message: impl Into<String>) {
    let _ = session.insert(
        KEY,
        shared_ui::Flash {
            kind,
            message: message.into(),
        },
    );
}

/// The pending flash message, removed from the session. A session without one is left
/// untouched: removing an absent key would still mark it changed, and the cookie store would
/// then re-encrypt and re-send the cookie on every page.
pub fn take_flash(session: &Session) -> Option<shared_ui::Flash> {
    if !has_flash(session) {
        return None;
    }
    session
        .remove_as::<shared_ui::Flash>(KEY)
        .and_then(Result::ok)
}

/// Whether a flash message waits for the next page, without taking it.
pub fn has_flash(session: &Session) -> bool {
    session.contains_key(KEY)
}
