//! Re-authentication for account changes: the current password, checked on the hashing pool
//! and throttled like a login, so a stolen session cannot guess it.

use crate::password_hashing::Verification;
use crate::state::LoginState;
use crate::throttle::{self, Buckets};
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
    let buckets = Buckets::new(Some(user.id), "", chassis::client_ip::client_ip(req));
    let check = buckets.clone();
    if let Some(wait) = state
        .pool
        .run(move |conn| throttle::blocked_for(conn, &check))
        .await?
    {
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    match state
        .hasher
        .verify(password, Some(user.password_hash.clone()))
        .await?
    {
        Verification::Match { .. } => Ok(true),
        Verification::Mismatch => {
            let policy = state.throttle;
            state
                .pool
                .run(move |conn| throttle::record_failure(conn, &buckets, &policy))
                .await?;
            Ok(false)
        }
    }
}
