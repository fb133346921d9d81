//! The client's address. `X-Forwarded-For` is believed only when the peer is a trusted proxy
//! (`TRUSTED_PROXIES`); then the rightmost address that is not itself a trusted proxy is the
//! client, so a client cannot choose its own address by sending the header.

use crate::config::TrustedProxies;
use actix_web::{HttpRequest, web};
use std::net::IpAddr;

pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = req.app_data::<web::Data<TrustedProxies>>();
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    Some(match trusted {
        Some(trusted) => resolve(peer, &forwarded, trusted),
        None => peer,
    })
}

pub fn resolve(peer: IpAddr, forwarded_for: &str, trusted: &TrustedProxies) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for
        .rsplit(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // A garbled hop: stop at the last address we could trust.
            break;
        };
        client = ip;
        if !trusted.contains(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_from_an_untrusted_peer_is_ignored() {
        let trusted = TrustedProxies::parse("10.0.0.0/16").expect("cidr");
        assert_eq!(
            resolve(ip("203.0.113.9"), "1.2.3.4", &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/16,127.0.0.1").expect("cidr");
        // A client that forges a first hop does not get to choose its address.
        assert_eq!(
            resolve(ip("10.0.1.5"), "6.6.6.6, 198.51.100.7", &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            resolve(ip("127.0.0.1"), "198.51.100.7, 10.0.2.2", &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(resolve(ip("10.0.1.5"), "", &trusted), ip("10.0.1.5"));
        assert_eq!(resolve(ip("10.0.1.5"), "garbage", &trusted), ip("10.0.1.5"));
    }
}
