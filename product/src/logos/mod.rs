//! Coin logos, served by us: each coin's picture fetched from the provider's image host off
//! the request path, checked and re-encoded as a small PNG ([`normalise`]), stored in
//! product's database and kept in memory, and served from our own origin under a
//! content-hashed URL (`/coins/logos/<sha256>.png`). Pages never point a visitor at a third
//! party (the CSP allows images from `'self'` only), and a coin without a logo keeps its
//! monogram.

mod fetch;
pub mod normalise;
mod refresh;

pub use fetch::{LogoError, LogoFetcher};
pub use refresh::Logos;

use crate::market::CoinId;
use actix_web::web::Bytes;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The lower-case hex SHA-256 of a logo's PNG: its name in the URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogoHash(String);

impl LogoHash {
    /// 64 lower-case hex digits, or `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == 64 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for LogoHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A logo as we serve it: PNG bytes we encoded, and their hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Logo {
    hash: LogoHash,
    png: Bytes,
}

impl Logo {
    /// `png`, named by its hash. Only for bytes we encoded ([`normalise`]) or stored.
    pub(crate) fn from_png(png: Vec<u8>) -> Self {
        let hash = LogoHash(hex::encode(Sha256::digest(&png)));
        Self {
            hash,
            png: Bytes::from(png),
        }
    }

    pub fn hash(&self) -> &LogoHash {
        &self.hash
    }

    pub fn png(&self) -> &[u8] {
        &self.png
    }

    /// The bytes, shared (cloning does not copy them).
    pub fn bytes(&self) -> Bytes {
        self.png.clone()
    }
}

/// Which coin has which logo, and the logos' bytes, in memory: pages and the logo route read
/// this, never the database. [`LogoIndex::generation`] moves whenever a coin's logo changes, so
/// pages rendered once and kept know when to render again.
#[derive(Debug, Default)]
pub struct LogoIndex {
    inner: RwLock<Inner>,
    generation: AtomicU64,
}

#[derive(Debug, Default)]
struct Inner {
    by_coin: HashMap<CoinId, (LogoHash, String)>,
    by_hash: HashMap<LogoHash, Logo>,
}

impl LogoIndex {
    /// The hash of `coin`'s logo, when it has one.
    pub fn of(&self, coin: &CoinId) -> Option<LogoHash> {
        self.read().by_coin.get(coin).map(|(hash, _)| hash.clone())
    }

    /// The provider URL `coin`'s logo came from.
    pub fn source_of(&self, coin: &CoinId) -> Option<String> {
        self.read()
            .by_coin
            .get(coin)
            .map(|(_, source)| source.clone())
    }

    /// The logo named `hash`.
    pub fn get(&self, hash: &LogoHash) -> Option<Logo> {
        self.read().by_hash.get(hash).cloned()
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Makes `logo` `coin`'s, from `source_url`.
    pub fn insert(&self, coin: CoinId, source_url: String, logo: Logo) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let hash = logo.hash().clone();
        if inner
            .by_coin
            .get(&coin)
            .is_some_and(|(old, source)| *old == hash && *source == source_url)
        {
            return;
        }
        inner.by_hash.insert(hash.clone(), logo);
        if let Some((old, _)) = inner.by_coin.insert(coin, (hash, source_url))
            && !inner.by_coin.values().any(|(h, _)| *h == old)
        {
            inner.by_hash.remove(&old);
        }
        drop(inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: &str) -> CoinId {
        CoinId::parse(raw).expect("an id")
    }

    #[test]
    fn a_hash_is_64_lower_case_hex_digits() {
        assert!(LogoHash::parse(&"a1".repeat(32)).is_some());
        for bad in [
            "",
            "A1".repeat(32).as_str(),
            &"a1".repeat(31),
            "../etc/passwd",
        ] {
            assert_eq!(LogoHash::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_replaced_logo_is_forgotten_unless_another_coin_shares_it() {
        let index = LogoIndex::default();
        let (a, b) = (Logo::from_png(vec![1]), Logo::from_png(vec![2]));
        index.insert(id("x"), "u1".into(), a.clone());
        index.insert(id("y"), "u1".into(), a.clone());
        let before = index.generation();
        index.insert(id("x"), "u2".into(), b.clone());
        assert!(index.generation() > before);
        assert_eq!(index.of(&id("x")), Some(b.hash().clone()));
        assert!(index.get(a.hash()).is_some(), "y still shows it");
        index.insert(id("y"), "u2".into(), b.clone());
        assert_eq!(index.get(a.hash()), None);
        let settled = index.generation();
        index.insert(id("y"), "u2".into(), b);
        assert_eq!(
            index.generation(),
            settled,
            "the same logo again changes nothing"
        );
    }
}
