//! argon2id hashing and verification on a bounded pool: at most as many hashes at once as
//! there are cores, each on the blocking thread pool, so a flood of logins can neither
//! exhaust memory (each hash takes 19 MiB) nor stall the async workers serving pages.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use chassis::AppError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// How long a login may wait for a hashing slot before it is told to try again.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Match { needs_rehash: bool },
    Mismatch,
}

#[derive(Clone)]
pub struct PasswordHasher {
    slots: Arc<Semaphore>,
    /// A real hash of a random password: unknown users are verified against it so that they
    /// take as long as known ones.
    dummy_hash: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Result<Self, String> {
        let mut random = [0u8; 32];
        rand::fill(&mut random);
        let dummy = argon2()
            .hash_password(&random)
            .map_err(|e| format!("cannot hash passwords on this machine: {e}"))?
            .to_string();
        Ok(Self {
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(dummy),
        })
    }

    async fn on_pool<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = tokio::time::timeout(QUEUE_TIMEOUT, self.slots.acquire())
            .await
            .map_err(|_| AppError::Unavailable("password hashing queue is full".into()))?
            .map_err(|_| AppError::Internal("password hashing pool closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::Internal(format!("password hashing task failed: {e}")))
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.on_pool(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no user,
    /// so that both paths cost the same.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<Verification, AppError> {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| (*self.dummy_hash).clone());
        let outcome = self
            .on_pool(move || {
                let Ok(parsed) = PasswordHash::new(&phc) else {
                    log::error!("a stored password hash could not be parsed");
                    return Verification::Mismatch;
                };
                match argon2().verify_password(password.as_bytes(), &parsed) {
                    Ok(()) => Verification::Match {
                        needs_rehash: needs_rehash(&parsed),
                    },
                    Err(_) => Verification::Mismatch,
                }
            })
            .await?;
        Ok(if known {
            outcome
        } else {
            Verification::Mismatch
        })
    }
}

/// Whether a hash was made with other parameters than today's.
fn needs_rehash(hash: &PasswordHash) -> bool {
    let param = |name: &str| hash.params.get_decimal(name);
    hash.algorithm.as_str() != "argon2id"
        || hash.version != Some(Version::V0x13.into())
        || param("m") != Some(MEMORY_KIB)
        || param("t") != Some(ITERATIONS)
        || param("p") != Some(PARALLELISM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hasher = PasswordHasher::new(2).expect("hasher");
        let phc = hasher
            .hash("correct horse battery".into())
            .await
            .expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert_eq!(
            hasher
                .verify("correct horse battery".into(), Some(phc.clone()))
                .await
                .expect("verify"),
            Verification::Match {
                needs_rehash: false
            }
        );
        assert_eq!(
            hasher
                .verify("wrong".into(), Some(phc))
                .await
                .expect("verify"),
            Verification::Mismatch
        );
    }

    #[actix_web::test]
    async fn unknown_users_never_match_even_the_dummy_password() {
        let hasher = PasswordHasher::new(1).expect("hasher");
        assert_eq!(
            hasher
                .verify("anything".into(), None)
                .await
                .expect("verify"),
            Verification::Mismatch
        );
    }

    #[actix_web::test]
    async fn weaker_old_hashes_match_and_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).expect("params"),
        )
        .hash_password(b"old password here")
        .expect("hash")
        .to_string();
        let hasher = PasswordHasher::new(1).expect("hasher");
        assert_eq!(
            hasher
                .verify("old password here".into(), Some(weak))
                .await
                .expect("verify"),
            Verification::Match { needs_rehash: true }
        );
    }
}
