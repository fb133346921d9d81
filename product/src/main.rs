//! The product service binary: `product` serves, `product migrate` migrates, `product healthcheck` probes.

use chassis::cli::Command;
use chassis::config::{LocalDefaults, ProcessEnv};
use std::process::ExitCode;

fn main() -> ExitCode {
    chassis::cli::main(&chassis::routing::PRODUCT, |command| async move {
        let config = product::Config::from_env(&ProcessEnv, &LocalDefaults::production())?;
        chassis::logging::init(config.common.log_format);
        match command {
            Command::Migrate => product::migrate(config).await,
            _ => product::serve(config).await,
        }
    })
}
