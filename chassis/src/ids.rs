//! Identifiers that cross module and service boundaries, as types rather than bare integers.

use serde::{Deserialize, Serialize};

/// A user's id, as login assigns it and the session carries it to every service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
