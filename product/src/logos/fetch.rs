//! Fetching a coin's picture from the provider's image host, safely: https only, hosts on
//! `MARKET_LOGO_HOSTS` only, no redirects, no proxy, and never an address inside our network
//! (checked on the addresses DNS gives, at connection time, so a name cannot be re-pointed
//! between a check and the request) unless `MARKET_LOGO_ALLOW_LOCAL` says so. At most
//! [`MAX_BYTES`] are read, within [`FETCH_TIMEOUT`].

use super::Logo;
use super::normalise::{MAX_BYTES, NormaliseError, normalise};
use crate::config::LogoSources;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

/// The longest one logo may take, connection to last byte.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum LogoError {
    #[error("{0:?} is not a URL we fetch logos from (https only)")]
    Scheme(String),
    #[error("the host {0:?} is not in MARKET_LOGO_HOSTS")]
    HostNotAllowed(String),
    #[error("{0} is a private or loopback address (MARKET_LOGO_ALLOW_LOCAL is off)")]
    PrivateAddress(IpAddr),
    #[error("the image host answered HTTP {0}")]
    Status(u16),
    #[error("the image is larger than {MAX_BYTES} bytes")]
    TooManyBytes,
    #[error("the image host could not be reached")]
    Transport(#[source] reqwest::Error),
    #[error("decoding the image stopped unexpectedly")]
    Interrupted(#[source] tokio::task::JoinError),
    #[error(transparent)]
    Normalise(#[from] NormaliseError),
}

/// Fetches and normalises logos within the limits above.
#[derive(Clone)]
pub struct LogoFetcher {
    client: reqwest::Client,
    sources: Arc<LogoSources>,
}

impl LogoFetcher {
    pub fn new(sources: &LogoSources) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            // A redirect could lead anywhere; the allow-list is checked once, on the URL given.
            .redirect(reqwest::redirect::Policy::none())
            // Through a proxy, the proxy would resolve the name, past our address check.
            .no_proxy()
            .user_agent(concat!("coinwatch-product/", env!("CARGO_PKG_VERSION")));
        if !sources.allow_local {
            builder = builder.dns_resolver(PublicOnly);
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot build the logo client: {e}"))?;
        Ok(Self {
            client,
            sources: Arc::new(sources.clone()),
        })
    }

    /// `url` checked against the allow-list, without a request.
    pub fn allowed(&self, url: &str) -> Result<Url, LogoError> {
        let parsed = Url::parse(url).map_err(|_| LogoError::Scheme(url.to_owned()))?;
        let scheme_ok =
            parsed.scheme() == "https" || (parsed.scheme() == "http" && self.sources.allow_local);
        if !scheme_ok || !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(LogoError::Scheme(url.to_owned()));
        }
        let Some(host) = parsed.host_str() else {
            return Err(LogoError::Scheme(url.to_owned()));
        };
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        if !self.sources.hosts.contains(&host) {
            return Err(LogoError::HostNotAllowed(host));
        }
        // An address in the URL is never looked up, so the resolver would not see it.
        if let Ok(ip) = host.parse::<IpAddr>()
            && is_local(ip)
            && !self.sources.allow_local
        {
            return Err(LogoError::PrivateAddress(ip));
        }
        Ok(parsed)
    }

    /// The logo at `url`, fetched and normalised.
    pub async fn fetch(&self, url: &str) -> Result<Logo, LogoError> {
        let url = self.allowed(url)?;
        let mut response = self
            .client
            .get(url)
            .header(
                reqwest::header::ACCEPT,
                "image/png,image/webp,image/jpeg,image/gif",
            )
            .send()
            .await
            .map_err(transport)?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(LogoError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_BYTES as u64)
        {
            return Err(LogoError::TooManyBytes);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(LogoError::TooManyBytes);
            }
            body.extend_from_slice(&chunk);
        }
        // Decoding is CPU work: off the async workers.
        tokio::task::spawn_blocking(move || normalise(&body))
            .await
            .map_err(LogoError::Interrupted)?
            .map_err(LogoError::from)
    }
}

/// A refusal by [`PublicOnly`], told apart from other transport errors.
#[derive(Debug, thiserror::Error)]
#[error("{0} is a private or loopback address")]
struct Refused(IpAddr);

fn transport(err: reqwest::Error) -> LogoError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(cause) = source {
        if let Some(Refused(ip)) = cause.downcast_ref::<Refused>() {
            return LogoError::PrivateAddress(*ip);
        }
        source = cause.source();
    }
    LogoError::Transport(err)
}

/// Resolves names as the system does, and refuses a name any of whose addresses is ours.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<_> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(local) = addrs.iter().find(|a| is_local(a.ip())) {
                return Err(Box::new(Refused(local.ip())) as _);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Loopback, private, link-local (the cloud's metadata service among them), shared, multicast
/// and unspecified addresses: anything that is not the public internet.
pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_local_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_local_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
        }
    }
}

fn is_local_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetcher(hosts: &[&str], allow_local: bool) -> LogoFetcher {
        LogoFetcher::new(&LogoSources {
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            allow_local,
        })
        .expect("a client")
    }

    #[test]
    fn only_https_urls_on_allowed_hosts_pass() {
        let f = fetcher(&["coin-images.coingecko.com"], false);
        assert!(
            f.allowed("https://coin-images.coingecko.com/coins/images/1/large/bitcoin.png")
                .is_ok()
        );
        assert!(f.allowed("https://COIN-IMAGES.coingecko.com/x.png").is_ok());
        for (url, refused_host) in [
            ("https://evil.example/x.png", true),
            ("https://coin-images.coingecko.com.evil.example/x.png", true),
            ("http://coin-images.coingecko.com/x.png", false),
            ("https://user:pw@coin-images.coingecko.com/x.png", false),
            ("file:///etc/passwd", false),
            ("not a url", false),
        ] {
            let result = f.allowed(url);
            if refused_host {
                assert!(matches!(result, Err(LogoError::HostNotAllowed(_))), "{url}");
            } else {
                assert!(matches!(result, Err(LogoError::Scheme(_))), "{url}");
            }
        }
    }

    #[test]
    fn an_allowed_address_inside_our_network_is_refused_unless_local_is_allowed() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "169.254.169.254",
            "[::1]",
            "[fd00::1]",
        ] {
            let host = ip.trim_matches(['[', ']']);
            let url = format!("https://{ip}/x.png");
            let strict = fetcher(&[host], false);
            assert!(
                matches!(strict.allowed(&url), Err(LogoError::PrivateAddress(_))),
                "{url}"
            );
            assert!(fetcher(&[host], true).allowed(&url).is_ok(), "{url}");
        }
        assert!(
            fetcher(&["8.8.8.8"], false)
                .allowed("https://8.8.8.8/x.png")
                .is_ok()
        );
    }

    #[test]
    fn public_addresses_are_not_local() {
        for ip in ["8.8.8.8", "151.101.1.1", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_local(ip.parse().expect("an ip")), "{ip}");
        }
        for ip in [
            "100.64.0.1",
            "0.0.0.0",
            "::ffff:127.0.0.1",
            "fe80::1",
            "224.0.0.1",
        ] {
            assert!(is_local(ip.parse().expect("an ip")), "{ip}");
        }
    }
}
