//! The optional breached-password check against the Pwned Passwords range API. Only the first
//! five hex digits of the password's SHA-1 leave the process (k-anonymity), padding hides the
//! answer's size, and any failure or timeout lets the password through (fail open): an outage
//! of a third party must not stop people from registering.

use sha1::{Digest, Sha1};
use std::time::Duration;

#[derive(Clone)]
pub struct BreachedPasswords {
    client: reqwest::Client,
    base_url: String,
}

impl BreachedPasswords {
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent("coinwatch-login")
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// Whether the password appears in a known breach. `false` when the service cannot tell.
    pub async fn is_breached(&self, password: &str) -> bool {
        let digest = hex::encode_upper(Sha1::digest(password.as_bytes()));
        let (prefix, suffix) = digest.split_at(5);
        let url = format!("{}/range/{prefix}", self.base_url);
        let body = match self
            .client
            .get(&url)
            .header("Add-Padding", "true")
            .send()
            .await
        {
            Ok(res) if res.status().is_success() => match res.text().await {
                Ok(body) => body,
                Err(e) => {
                    log::warn!("breached-password check failed open: unreadable answer: {e}");
                    return false;
                }
            },
            Ok(res) => {
                log::warn!(
                    "breached-password check failed open: status {}",
                    res.status()
                );
                return false;
            }
            Err(e) => {
                log::warn!(
                    "breached-password check failed open: {}",
                    if e.is_timeout() {
                        "timeout".to_owned()
                    } else {
                        e.to_string()
                    }
                );
                return false;
            }
        };
        body.lines().any(|line| {
            let mut parts = line.trim().split(':');
            let (Some(candidate), Some(count)) = (parts.next(), parts.next()) else {
                return false;
            };
            candidate.eq_ignore_ascii_case(suffix)
                && count.trim().parse::<u64>().is_ok_and(|n| n > 0)
        })
    }
}
