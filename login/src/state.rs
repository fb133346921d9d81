//! What login's handlers share: the database, the password hasher, throttling rules and the
//! optional breached-password check.

use crate::breached::BreachedPasswords;
use crate::password_hashing::PasswordHasher;
use crate::throttle::ThrottlePolicy;
use chassis::db::DbPool;

#[derive(Clone)]
pub struct LoginState {
    pub pool: DbPool,
    pub hasher: PasswordHasher,
    pub throttle: ThrottlePolicy,
    pub breached: Option<BreachedPasswords>,
}
