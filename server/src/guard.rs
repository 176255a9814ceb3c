//! What keeps one hostile client from wearing the hall down (issues 16 and 21): failure counters that
//! lock a staff number or an address for a while, token buckets per client address, and the gate
//! that bounds how many slow credential checks (argon2: 19 MiB and ~30 ms each) run at once.
//!
//! Every table here is bounded: a flood of made-up staff numbers or addresses evicts the oldest
//! entries instead of growing the server. Times are the hall clock's (`Millis`), so every rule is
//! tested by moving a `ManualClock`.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use qcall_protocol::{ApiError, ErrorCode, Millis};
use tokio::sync::Semaphore;

/// The most keys one table remembers; beyond it the stalest entry goes.
pub(crate) const MAX_KEYS: usize = 10_000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Drops the entry with the smallest `age` when the table is full.
fn make_room<K: Eq + Hash + Clone, V>(map: &mut HashMap<K, V>, age: impl Fn(&V) -> Millis) {
    if map.len() < MAX_KEYS {
        return;
    }
    if let Some(oldest) = map
        .iter()
        .min_by_key(|(_, v)| age(v))
        .map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
}

/// Failures per key (a staff number, an address): `limit` failures within `window_ms` lock the key
/// for `lock_ms`; a success clears it.
pub(crate) struct Lockout<K> {
    limit: u32,
    lock_ms: Millis,
    entries: Mutex<HashMap<K, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Millis,
    locked_until: Option<Millis>,
}

/// What one more failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failed {
    /// Failures in a row now.
    pub(crate) count: u32,
    /// Set when this failure locked the key: seconds until it unlocks.
    pub(crate) locked_for_s: Option<u32>,
}

impl<K: Eq + Hash + Clone> Lockout<K> {
    /// `limit` failures lock for `lock_minutes`; 0 failures means never locked.
    pub(crate) fn new(limit: u32, lock_minutes: u32) -> Lockout<K> {
        Lockout {
            limit,
            lock_ms: i64::from(lock_minutes) * 60_000,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until `key` unlocks, when it is locked now.
    pub(crate) fn locked(&self, key: &K, now: Millis) -> Option<u32> {
        let entries = lock(&self.entries);
        let until = entries.get(key)?.locked_until?;
        (until > now).then(|| seconds_until(until, now))
    }

    /// Counts a failure. Failures older than the lock time are forgotten first, so a few typos a
    /// day never add up to a lock.
    pub(crate) fn fail(&self, key: &K, now: Millis) -> Failed {
        let mut entries = lock(&self.entries);
        if !entries.contains_key(key) {
            make_room(&mut entries, |f| f.last);
        }
        let f = entries.entry(key.clone()).or_insert(Failures {
            count: 0,
            last: now,
            locked_until: None,
        });
        if now - f.last > self.lock_ms || f.locked_until.is_some_and(|u| u <= now) {
            *f = Failures {
                count: 0,
                last: now,
                locked_until: None,
            };
        }
        f.count += 1;
        f.last = now;
        let lock_now = self.limit > 0 && f.count >= self.limit && f.locked_until.is_none();
        if lock_now {
            f.locked_until = Some(now + self.lock_ms);
        }
        Failed {
            count: f.count,
            locked_for_s: lock_now.then(|| seconds_until(now + self.lock_ms, now)),
        }
    }

    /// A success: the key starts afresh.
    pub(crate) fn clear(&self, key: &K) {
        lock(&self.entries).remove(key);
    }
}

fn seconds_until(until: Millis, now: Millis) -> u32 {
    u32::try_from(((until - now).max(0) + 999) / 1000)
        .unwrap_or(u32::MAX)
        .max(1)
}

/// A token bucket per key: `per_minute` refill, `burst` at most. `per_minute = 0` turns it off.
pub(crate) struct Buckets<K> {
    per_minute: u32,
    burst: u32,
    entries: Mutex<HashMap<K, (f64, Millis)>>,
}

impl<K: Eq + Hash + Clone> Buckets<K> {
    pub(crate) fn new(per_minute: u32, burst: u32) -> Buckets<K> {
        Buckets {
            per_minute,
            burst: burst.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token, or says in how many seconds one will be there.
    pub(crate) fn take(&self, key: &K, now: Millis) -> Result<(), u32> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let burst = f64::from(self.burst);
        let rate_per_ms = f64::from(self.per_minute) / 60_000.0;
        let mut entries = lock(&self.entries);
        if !entries.contains_key(key) {
            make_room(&mut entries, |(_, last)| *last);
        }
        let (tokens, last) = entries.entry(key.clone()).or_insert((burst, now));
        *tokens = (*tokens + (now - *last).max(0) as f64 * rate_per_ms).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate_per_ms / 1000.0).ceil().max(1.0) as u32)
        }
    }
}

impl<K: Eq + Hash + Clone> Buckets<K> {
    /// Whether a token is there, without taking it: `Err(seconds)` until one is.
    pub(crate) fn peek(&self, key: &K, now: Millis) -> Result<(), u32> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let rate_per_ms = f64::from(self.per_minute) / 60_000.0;
        let entries = lock(&self.entries);
        let Some((tokens, last)) = entries.get(key) else {
            return Ok(());
        };
        let tokens = (tokens + (now - last).max(0) as f64 * rate_per_ms).min(f64::from(self.burst));
        if tokens >= 1.0 {
            Ok(())
        } else {
            Err(((1.0 - tokens) / rate_per_ms / 1000.0).ceil().max(1.0) as u32)
        }
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Bounds the slow credential checks: at most `running` at once (one per core is plenty: a check
/// is pure CPU), at most `waiting` more in line; anyone beyond is refused at once with `busy`, so a
/// flood costs a bounded amount of memory and CPU instead of a thread and 19 MiB per request.
pub(crate) struct CheckGate {
    /// The checks' own threads, one per running place: argon2 takes 19 MiB a check, and the
    /// allocator keeps that per thread, so a flood spread over tokio's blocking pool (hundreds of
    /// threads) kept gigabytes; a few threads of our own keep a few arenas.
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
    permits: Semaphore,
    max_running: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
    refused: AtomicU64,
}

impl CheckGate {
    pub(crate) fn new(running: usize, waiting: usize) -> CheckGate {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..running.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("qcall-check-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = lock(&rx).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(cause = %e, "cannot start a credential check thread");
            }
        }
        CheckGate {
            jobs: Mutex::new(tx),
            permits: Semaphore::new(running.max(1)),
            max_running: running.max(1),
            waiting: AtomicUsize::new(0),
            max_waiting: waiting,
            max_wait: Duration::from_secs(2),
            refused: AtomicU64::new(0),
        }
    }

    /// (running now, most at once, waiting now, most waiting, refused since start).
    pub(crate) fn figures(&self) -> (usize, usize, usize, usize, u64) {
        (
            self.max_running - self.permits.available_permits(),
            self.max_running,
            self.waiting.load(Ordering::SeqCst),
            self.max_waiting,
            self.refused.load(Ordering::SeqCst),
        )
    }

    /// Runs `check` on one of the gate's threads once a place is free, or refuses with `busy`.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let busy = || {
            if self
                .refused
                .fetch_add(1, Ordering::SeqCst)
                .is_multiple_of(1000)
            {
                tracing::warn!(
                    refused = self.refused.load(Ordering::SeqCst),
                    "too many password or PIN checks at once: refusing with busy"
                );
            }
            ApiError::new(
                ErrorCode::Busy,
                "the server is busy checking other sign-ins; try again in a moment",
            )
            .with_retry_after(1)
        };
        let permit = match self.permits.try_acquire() {
            Ok(p) => p,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(busy());
                }
                let got = tokio::time::timeout(self.max_wait, self.permits.acquire()).await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                match got {
                    Ok(Ok(p)) => p,
                    _ => return Err(busy()),
                }
            }
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(check());
        });
        let sent = lock(&self.jobs).send(job);
        let result = match sent {
            Ok(()) => result.await.map_err(|_| {
                ApiError::new(ErrorCode::Internal, "the credential check did not finish")
            }),
            Err(_) => Err(ApiError::new(
                ErrorCode::Internal,
                "no credential check thread is running",
            )),
        };
        drop(permit);
        result
    }
}

/// How many bounded tables a [`Guard`] has.
pub(crate) const TABLES: usize = 5;

/// Which secret a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Secret {
    Password,
    Pin,
}

/// Everything the server keeps against guessing and floods, shared by every handler.
pub(crate) struct Guard {
    /// The slow credential checks.
    pub(crate) checks: CheckGate,
    password_staff: Lockout<String>,
    password_addr: Lockout<IpAddr>,
    pin_staff: Lockout<String>,
    pin_addr: Lockout<IpAddr>,
    /// Failure rows for the audit log: a flood cannot fill the disk.
    audit: Buckets<()>,
    /// Rows left out since the last one written (said in the next one).
    audit_dropped: AtomicUsize,
    /// Unknown ticket tokens tried per address (public reads and hellos).
    token_misses: Buckets<IpAddr>,
}

/// What a refused check did to the locks.
pub(crate) struct Counted {
    /// Set when this failure locked the staff number or the address.
    pub(crate) locked_for_s: Option<u32>,
    /// The staff number's failures in a row now.
    pub(crate) failures: u32,
}

impl Guard {
    pub(crate) fn new(limits: &crate::config::Limits) -> Guard {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Guard {
            // One check per core at most: argon2 is pure CPU and 19 MiB; 16 may wait (2 s at most).
            checks: CheckGate::new(cores, 16),
            password_staff: Lockout::new(limits.login_failures, limits.lockout_minutes),
            password_addr: Lockout::new(limits.address_failures, limits.lockout_minutes),
            pin_staff: Lockout::new(limits.login_failures, limits.lockout_minutes),
            pin_addr: Lockout::new(limits.address_failures, limits.lockout_minutes),
            audit: Buckets::new(120, 120),
            audit_dropped: AtomicUsize::new(0),
            // A citizen mistypes a token rarely; 10 in a row, then one every 6 s.
            token_misses: Buckets::new(10, 10),
        }
    }

    /// Refuses public token reads from an address that tried too many unknown tokens.
    pub(crate) fn token_reads(&self, addr: IpAddr, now: Millis) -> Result<(), ApiError> {
        self.token_misses.peek(&addr, now).map_err(|s| {
            ApiError::new(
                ErrorCode::RateLimited,
                "too many unknown ticket tokens from this device; wait a moment",
            )
            .with_retry_after(s)
        })
    }

    /// Counts an unknown ticket token tried from `addr`.
    pub(crate) fn token_missed(&self, addr: IpAddr, now: Millis) {
        let _ = self.token_misses.take(&addr, now);
    }

    fn tables(&self, secret: Secret) -> (&Lockout<String>, &Lockout<IpAddr>) {
        match secret {
            Secret::Password => (&self.password_staff, &self.password_addr),
            Secret::Pin => (&self.pin_staff, &self.pin_addr),
        }
    }

    /// Seconds until this staff number or address may try again, when either is locked.
    pub(crate) fn locked(
        &self,
        secret: Secret,
        staff_no: &str,
        addr: IpAddr,
        now: Millis,
    ) -> Option<u32> {
        let (staff, addrs) = self.tables(secret);
        let a = staff.locked(&staff_no.to_string(), now);
        let b = addrs.locked(&addr, now);
        a.max(b)
    }

    /// Counts a wrong password or PIN against the staff number and the address.
    pub(crate) fn failed(
        &self,
        secret: Secret,
        staff_no: &str,
        addr: IpAddr,
        now: Millis,
    ) -> Counted {
        let (staff, addrs) = self.tables(secret);
        let a = staff.fail(&staff_no.to_string(), now);
        let b = addrs.fail(&addr, now);
        Counted {
            locked_for_s: a.locked_for_s.max(b.locked_for_s),
            failures: a.count,
        }
    }

    /// A right password or PIN: the staff number starts afresh. The address does not (its failures
    /// age out): an attacker with one account of their own cannot clear the count of their guesses
    /// at everyone else's.
    pub(crate) fn succeeded(&self, secret: Secret, staff_no: &str) {
        self.tables(secret).0.clear(&staff_no.to_string());
    }

    /// Whether one more failure row may go into the audit log now; `Some(n)` with the rows left out
    /// before it, `None` when this one is left out too.
    pub(crate) fn audit_slot(&self, now: Millis) -> Option<usize> {
        match self.audit.take(&(), now) {
            Ok(()) => Some(self.audit_dropped.swap(0, Ordering::SeqCst)),
            Err(_) => {
                self.audit_dropped.fetch_add(1, Ordering::SeqCst);
                None
            }
        }
    }

    /// Entries in every table (each holds [`MAX_KEYS`] at most).
    pub(crate) fn entries(&self) -> usize {
        lock(&self.password_staff.entries).len()
            + lock(&self.password_addr.entries).len()
            + lock(&self.pin_staff.entries).len()
            + lock(&self.pin_addr.entries).len()
            + lock(&self.token_misses.entries).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_for_fifteen_minutes_and_success_resets() {
        let l: Lockout<String> = Lockout::new(5, 15);
        let k = "1001".to_string();
        for i in 1..5 {
            assert_eq!(
                l.fail(&k, i * 1000),
                Failed {
                    count: i as u32,
                    locked_for_s: None
                }
            );
            assert_eq!(l.locked(&k, i * 1000), None);
        }
        assert_eq!(l.fail(&k, 5_000).locked_for_s, Some(900));
        assert_eq!(l.locked(&k, 5_000), Some(900));
        assert_eq!(l.locked(&k, 5_000 + 899_500), Some(1));
        assert_eq!(l.locked(&k, 5_000 + 900_000), None, "unlocks on time");
        // After the lock the count starts again.
        assert_eq!(l.fail(&k, 905_001).count, 1);
        l.clear(&k);
        assert_eq!(l.fail(&k, 905_002).count, 1, "a success clears");
        // Failures far apart never add up.
        let other = "1002".to_string();
        for i in 0..10 {
            assert_eq!(l.fail(&other, i * 901_000).count, 1);
        }
    }

    #[test]
    fn tables_stay_bounded() {
        let l: Lockout<u32> = Lockout::new(5, 15);
        for i in 0..(MAX_KEYS as u32 + 500) {
            l.fail(&i, Millis::from(i));
        }
        assert_eq!(lock(&l.entries).len(), MAX_KEYS);
        let b: Buckets<u32> = Buckets::new(60, 1);
        for i in 0..(MAX_KEYS as u32 + 10) {
            let _ = b.take(&i, 0);
        }
        assert_eq!(lock(&b.entries).len(), MAX_KEYS);
    }

    #[test]
    fn buckets_refill() {
        let b: Buckets<&str> = Buckets::new(60, 3);
        for _ in 0..3 {
            b.take(&"a", 0).expect("burst");
        }
        assert_eq!(b.take(&"a", 0), Err(1));
        assert!(b.take(&"b", 0).is_ok(), "per key");
        b.take(&"a", 1_000).expect("one a second");
        let off: Buckets<&str> = Buckets::new(0, 0);
        for _ in 0..100 {
            off.take(&"a", 0).expect("off");
        }
    }

    #[tokio::test]
    async fn the_gate_refuses_beyond_its_line() {
        let gate = std::sync::Arc::new(CheckGate::new(1, 1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let g = gate.clone();
        let running = tokio::spawn(async move {
            g.run(move || {
                let _ = hold.recv();
            })
            .await
        });
        while gate.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let g = gate.clone();
        let waiting = tokio::spawn(async move { g.run(|| 7).await });
        while gate.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            gate.run(|| 0).await.map_err(|e| e.code),
            Err(ErrorCode::Busy),
            "one running, one waiting: the third is refused at once"
        );
        release.send(()).expect("release");
        assert!(running.await.expect("task").is_ok());
        assert_eq!(waiting.await.expect("task").ok(), Some(7));
    }
}
