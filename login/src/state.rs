//! What login's handlers share: the database, the password hasher, throttling rules and the
//! optional breached-password check.

use crate::breached::BreachedPasswords;
use crate::password_hashing::PasswordHasher;
use crate::throttle::ThrottlePolicy;
use chassis::db::DbPool;
use chassis::session::Sessions;

#[derive(Clone)]
pub struct LoginState {
    pub pool: DbPool,
    pub hasher: PasswordHasher,
    pub throttle: ThrottlePolicy,
    pub breached: Option<BreachedPasswords>,
    /// The shared session store: to list and end a user's sessions on every service, and to
    /// tell the other services that an account is gone.
    pub sessions: Sessions,
}
