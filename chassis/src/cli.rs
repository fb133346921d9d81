//! The command line every service binary shares: no argument serves, `migrate` applies
//! migrations and exits, `healthcheck` probes the local `/healthz` and exits 0 or 1.
//!
//! The container health check asks for liveness, not readiness: during a database failover
//! every replica's `/readyz` fails, and a health check on it would have ECS kill every task,
//! including the ones still serving market pages from memory. Readiness is the balancer's.
//! A start-up problem ends the process with one line on stderr and exit code 1.

use crate::config::{ProcessEnv, Source};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

/// Why the process could not start, in one line that names what to fix.
#[derive(Debug)]
pub struct StartError(String);

impl StartError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<crate::config::ConfigError> for StartError {
    fn from(err: crate::config::ConfigError) -> Self {
        Self(err.to_string())
    }
}

impl From<std::io::Error> for StartError {
    fn from(err: std::io::Error) -> Self {
        Self(format!("server error: {err}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    Healthcheck,
}

impl Command {
    pub fn parse(args: &[String]) -> Result<Self, String> {
        match args {
            [] => Ok(Self::Serve),
            [one] if one == "serve" => Ok(Self::Serve),
            [one] if one == "migrate" => Ok(Self::Migrate),
            [one] if one == "healthcheck" => Ok(Self::Healthcheck),
            _ => Err(format!(
                "unknown arguments {args:?}; usage: [serve | migrate | healthcheck]"
            )),
        }
    }
}

/// Runs a service binary: parses the command, then runs `body` on the actix system.
/// `body` gets the command (never `Healthcheck`, which needs no configuration).
pub fn main<F, Fut>(route: &'static crate::routing::Route, body: F) -> ExitCode
where
    F: FnOnce(Command) -> Fut,
    Fut: std::future::Future<Output = Result<(), StartError>>,
{
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match Command::parse(&args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("{}: {message}", route.service);
            return ExitCode::from(2);
        }
    };
    if command == Command::Healthcheck {
        return match healthcheck(&ProcessEnv, route) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{}: unhealthy: {message}", route.service);
                ExitCode::FAILURE
            }
        };
    }
    let result = actix_web::rt::System::new().block_on(body(command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}: {err}", route.service);
            ExitCode::FAILURE
        }
    }
}

/// GETs `<prefix>/healthz` on the local port from `BIND`, with a short timeout.
pub fn healthcheck(env: &dyn Source, route: &crate::routing::Route) -> Result<(), String> {
    let bind = crate::config::required_var(env, "BIND", "host:port").map_err(|e| e.to_string())?;
    let mut addr: SocketAddr = bind
        .parse()
        .map_err(|_| format!("BIND: expected host:port, got {bind:?}"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let path = format!("{}/healthz", route.mount_prefix());
    let timeout = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").map_err(|e| e.to_string())?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(|e| e.to_string())?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    let status = status_line.split_whitespace().nth(1).unwrap_or("none");
    if status == "200" {
        Ok(())
    } else {
        Err(format!("{path} answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn commands_parse() {
        assert_eq!(Command::parse(&args(&[])), Ok(Command::Serve));
        assert_eq!(Command::parse(&args(&["migrate"])), Ok(Command::Migrate));
        assert_eq!(
            Command::parse(&args(&["healthcheck"])),
            Ok(Command::Healthcheck)
        );
        assert!(Command::parse(&args(&["migrate", "now"])).is_err());
        assert!(Command::parse(&args(&["--help"])).is_err());
    }

    #[test]
    fn healthcheck_fails_clearly_when_nothing_listens() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let bind = format!("127.0.0.1:{port}");
        let err = healthcheck(&[("BIND", bind.as_str())], &crate::routing::PRODUCT).unwrap_err();
        assert!(err.contains("cannot connect"), "{err}");
    }
}
