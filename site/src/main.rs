//! The whole site in one process, for a laptop: `cargo run` serves both services under their
//! production prefixes on local defaults, with no setup. `site routes` prints the routing table.

use chassis::config::ProcessEnv;
use std::process::ExitCode;

const USAGE: &str = "\
Usage: site [routes | --help]

  (no argument)  serve the whole site on http://127.0.0.1:8080/ (BIND changes it), with
                 SQLite files and a development session key under data/ (DATA_DIR changes it)
                 and the demo market feed (MARKET_SOURCE=coingecko for live prices)
  routes         print the routing table as JSON (nginx and the ALB rules are checked against it)
  --help         print this help

Stop it with Ctrl-C. Every variable is listed in README.md under Configuration.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("routes") if args.len() == 1 => {
            println!("{}", chassis::routing::to_json());
            return ExitCode::SUCCESS;
        }
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(_) => {
            eprintln!("site: unknown arguments {args:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {}
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
