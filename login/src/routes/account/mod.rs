pub mod delete;
pub mod email;
pub mod get;
pub mod password;
mod reauth;
pub mod sessions;
