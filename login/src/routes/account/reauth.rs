//! Re-authentication for account changes: the current password, reserved in the throttle
//! before it is checked, exactly like a login (the account's username bucket, or this
//! browser's device bucket, and the address), so a stolen session cannot guess it.

use crate::domain::lookup_key;
use crate::outcome::LoginOutcome;
use crate::password_hashing::Verification;
use crate::state::LoginState;
use crate::throttle::{Attempt, Bucket, Reservation};
use crate::users::User;
use actix_web::HttpRequest;
use chassis::AppError;

/// `Ok(true)` when `password` is the user's; a wrong one counts as a failed login.
pub async fn confirm_password(
    req: &HttpRequest,
    state: &LoginState,
    user: &User,
    password: String,
) -> Result<bool, AppError> {
    let now = state.now();
    let subject = state
        .devices
        .read(req, now)
        .filter(|token| token.user_id == user.id)
        .map_or_else(
            || Bucket::account(&lookup_key(&user.username)),
            |t| t.bucket(),
        );
    let attempt = Attempt::new(subject, chassis::client_ip::client_ip(req));
    let policy = state.throttle;
    let reserving = attempt.clone();
    if let Reservation::Refused { retry_after_secs } = state
        .pool
        .run(move |conn| reserving.reserve(conn, &policy, now))
        .await?
    {
        LoginOutcome::Throttled.record();
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    match state
        .hasher
        .verify(password, Some(user.password_hash.clone()))
        .await?
    {
        Verification::Match { .. } => {
            state.pool.run(move |conn| attempt.succeeded(conn)).await?;
            Ok(true)
        }
        Verification::Mismatch => {
            LoginOutcome::ReauthFailure.record();
            log::info!(target: "login", outcome = LoginOutcome::ReauthFailure.as_str(), user_id = user.id; "re-authentication failed");
            Ok(false)
        }
    }
}
