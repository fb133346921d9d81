pub(crate) mod cache;
pub(crate) mod ceiling;
pub mod get;
pub(crate) mod rows;
mod shell;
