pub(crate) mod cache;
pub(crate) mod ceiling;
pub mod get;
mod rows;
mod shell;
