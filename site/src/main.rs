//! The whole site in one process, for a laptop: `cargo run` serves both services under their
//! production prefixes on local defaults, with no setup. `site routes` prints the routing table.

use chassis::config::ProcessEnv;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("routes") {
        println!("{}", chassis::routing::to_json());
        return ExitCode::SUCCESS;
    }
    if !args.is_empty() {
        eprintln!("site: unknown arguments {args:?}; usage: site [routes]");
        return ExitCode::from(2);
    }
    let result = actix_web::rt::System::new().block_on(async {
        let config = site::SiteConfig::from_env(&ProcessEnv, &site::local_defaults()?)?;
        chassis::logging::init(config.common.log_format);
        site::serve(config).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("site: {err}");
            ExitCode::FAILURE
        }
    }
}
