//! What login's handlers share: the database, the password hasher, throttling rules, the
//! clock, the device cookies and the optional breached-password check.

use crate::breached::BreachedPasswords;
use crate::clock::Clock;
use crate::device::DeviceCookies;
use crate::password_hashing::PasswordHasher;
use crate::throttle::ThrottlePolicy;
use chassis::db::DbPool;
use std::sync::Arc;

#[derive(Clone)]
pub struct LoginState {
    pub pool: DbPool,
    pub hasher: PasswordHasher,
    pub throttle: ThrottlePolicy,
    pub clock: Arc<dyn Clock>,
    pub devices: DeviceCookies,
    pub breached: Option<BreachedPasswords>,
}

impl LoginState {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
