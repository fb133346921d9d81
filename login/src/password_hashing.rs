//! argon2id hashing and verification on a bounded pool of its own threads: at most as many
//! hashes at once as there are cores, so a flood of logins can neither exhaust memory (each
//! hash takes 19 MiB) nor stall the async workers serving pages.
//!
//! The pool's threads run at a lower scheduling priority (nice 10 on Linux). Hashing is slow
//! on purpose and never urgent to the millisecond; pages are. When a flood of logins meets a
//! busy site, the scheduler serves pages first and hashes with what is left; when pages are
//! idle, hashing gets every core it asks for. The threads are dedicated because a thread's
//! priority cannot be raised back without privileges, and because each thread that has run
//! a hash keeps its 19 MiB in its allocator arena: a few fixed threads keep a few arenas,
//! where the shared blocking pool's many threads kept hundreds of MiB under a flood.

use crate::domain::{NewPassword, PasswordProblem};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use chassis::AppError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, oneshot};

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// How long a login may wait for a hashing slot before it is told to try again.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// The nice value of the hashing threads: background work, below the page-serving threads.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const HASHING_NICE: i32 = 10;

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Match { needs_rehash: bool },
    Mismatch,
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct PasswordHasher {
    slots: Arc<Semaphore>,
    /// Work for the hashing threads; they stop when the last clone of this is dropped.
    jobs: mpsc::Sender<Job>,
    /// A real hash of a random password: unknown users are verified against it so that they
    /// take as long as known ones.
    dummy_hash: Arc<String>,
    /// How many verifications and hashes were run: a burst that gets past the throttle shows
    /// here (the throttling tests read it; it is never reset).
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    verifications: AtomicU64,
    hashes: AtomicU64,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasswordHasher {
    /// A pool of `concurrency` hashing threads.
    pub fn new(concurrency: usize) -> Result<Self, String> {
        let mut random = [0u8; 32];
        rand::fill(&mut random);
        let dummy = argon2()
            .hash_password(&random)
            .map_err(|e| format!("cannot hash passwords on this machine: {e}"))?
            .to_string();
        let concurrency = concurrency.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..concurrency {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || hashing_thread(&queue))
                .map_err(|e| format!("cannot start the password hashing threads: {e}"))?;
        }
        Ok(Self {
            slots: Arc::new(Semaphore::new(concurrency)),
            jobs,
            dummy_hash: Arc::new(dummy),
            counts: Arc::default(),
        })
    }

    async fn on_pool<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        // The semaphore bounds the work handed to the threads, so the queue never grows past
        // one job per thread, and a login waits at most QUEUE_TIMEOUT for its turn.
        let _permit = tokio::time::timeout(QUEUE_TIMEOUT, self.slots.acquire())
            .await
            .map_err(|_| AppError::Unavailable("password hashing queue is full".into()))?
            .map_err(|_| AppError::internal_without_cause("password hashing pool closed"))?;
        let (done, result) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| AppError::internal_without_cause("password hashing pool closed"))?;
        result
            .await
            .map_err(|e| AppError::internal("password hashing task failed", e))
    }

    /// Passwords verified so far by this pool (known and unknown users alike).
    pub fn verifications(&self) -> u64 {
        self.counts.verifications.load(Ordering::SeqCst)
    }

    /// New hashes computed so far by this pool (registrations, changes, upgrades).
    pub fn hashes(&self) -> u64 {
        self.counts.hashes.load(Ordering::SeqCst)
    }

    /// Checks a new password's rules, strength included, on the hashing threads: the strength
    /// estimate costs up to a second of CPU on a long password of look-alike symbols, which
    /// must not hold a worker that serves pages.
    pub async fn check_new_password(
        &self,
        password: String,
        confirmation: String,
        related: Vec<String>,
    ) -> Result<Result<NewPassword, PasswordProblem>, AppError> {
        self.on_pool(move || {
            let related: Vec<&str> = related.iter().map(String::as_str).collect();
            NewPassword::parse(&password, &confirmation, &related)
        })
        .await
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.counts.hashes.fetch_add(1, Ordering::SeqCst);
        self.on_pool(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| AppError::internal("hashing failed", e))
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no user,
    /// so that both paths cost the same.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<Verification, AppError> {
        self.counts.verifications.fetch_add(1, Ordering::SeqCst);
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

/// One hashing thread: lowers its own priority, then runs jobs until the pool is dropped.
fn hashing_thread(queue: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = job else {
            return;
        };
        // A panicking job drops its answer (the caller gets an error); the thread lives on.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// On Linux the nice value belongs to the thread, and `setpriority` on "process 0" changes
/// the calling thread only. Elsewhere it would change the whole process, so it is left alone.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(err) = rustix::process::setpriority_process(None, HASHING_NICE) {
        log::warn!("password hashing runs at normal priority: {err}");
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

    #[cfg(target_os = "linux")]
    #[actix_web::test]
    async fn hashing_runs_below_the_priority_of_the_threads_serving_pages() {
        let hasher = PasswordHasher::new(1).expect("hasher");
        let ours = rustix::process::getpriority_process(None).expect("our priority");
        let theirs = hasher
            .on_pool(|| rustix::process::getpriority_process(None).expect("its priority"))
            .await
            .expect("a hashing thread");
        assert_eq!(theirs, (ours + HASHING_NICE).min(19));
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
