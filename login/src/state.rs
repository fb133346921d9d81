//! What login's handlers share: the database, the password hasher, throttling rules, the
//! clock, the device cookies and the optional breached-password check.

use crate::breached::BreachedPasswords;
use crate::clock::Clock;
use crate::device::DeviceCookies;
use crate::password_hashing::PasswordHasher;
use crate::throttle::ThrottlePolicy;
use chassis::db::DbPool;
use chassis::session::Sessions;
use std::sync::Arc;

#[derive(Clone)]
pub struct LoginState {
    pub pool: DbPool,
    pub hasher: PasswordHasher,
    pub throttle: ThrottlePolicy,
    pub clock: Arc<dyn Clock>,
    pub devices: DeviceCookies,
    pub breached: Option<BreachedPasswords>,
    /// The shared session store: to list and end a user's sessions on every service, and to
    /// tell the other services that an account is gone.
    pub sessions: Sessions,
}

impl LoginState {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
