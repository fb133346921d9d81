//! The login service binary: `login` serves, `login migrate` migrates, `login healthcheck` probes.

use chassis::cli::Command;
use chassis::config::{LocalDefaults, ProcessEnv};
use std::process::ExitCode;

fn main() -> ExitCode {
    chassis::cli::main(&chassis::routing::LOGIN, |command| async move {
        let config = login::Config::from_env(&ProcessEnv, &LocalDefaults::production())?;
        chassis::logging::init(config.common.log_format);
        match command {
            Command::Migrate => login::migrate(config).await,
            _ => login::serve(config).await,
        }
    })
}
