//! The product service's configuration, from the environment.

use chassis::config::{CommonConfig, ConfigError, LocalDefaults, Source, required_var};
use chassis::db::DatabaseUrl;

#[derive(Debug, Clone)]
pub struct Config {
    pub common: CommonConfig,
    pub database_url: DatabaseUrl,
}

impl Config {
    /// The standalone `product` binary: `DATABASE_URL` and the common variables.
    pub fn from_env(env: &dyn Source, defaults: &LocalDefaults) -> Result<Self, ConfigError> {
        let common = CommonConfig::from_env(env, defaults)?;
        let raw = required_var(env, "DATABASE_URL", "postgres://… or sqlite://path")?;
        Self::with_database(env, common, DatabaseUrl::parse("DATABASE_URL", &raw)?)
    }

    /// Product's own settings over an already-read common config and database (the `site` binary).
    pub fn with_database(_env: &dyn Source, common: CommonConfig, database_url: DatabaseUrl) -> Result<Self, ConfigError> {
        Ok(Self { common, database_url })
    }
}
