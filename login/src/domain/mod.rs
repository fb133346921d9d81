//! Account rules with no HTTP or SQL in them. Each type parses its input, so an invalid
//! username, email or password cannot exist as a value past the edge.

mod email;
mod password;
mod username;

pub use email::{Email, EmailProblem};
pub use password::{NewPassword, PasswordProblem};
pub use username::{Username, UsernameProblem};

/// The normalised form used for case-insensitive uniqueness and lookups.
pub fn lookup_key(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    raw.trim().nfkc().collect::<String>().to_lowercase()
}
