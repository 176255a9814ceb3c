//! Who is asking (R27): staff tokens, device keys, the kiosk helper PIN; and the personal data rules
//! (R29): citizen ids become keyed hashes, phones are masked before anything stores them.
//!
//! Staff tokens are signed, not stored: `staff_no.role.expires.nonce.mac` with an HMAC under a key derived
//! from the hall's secret (kept in the database), so they survive restarts and cost no lookup. Tokens
//! ended early (a sign-out, a manager ending someone's sessions, a disabled account) are the
//! exception: a small set of revocations, restored at start, checked on every request and by every
//! staff WebSocket each second. Citizen ids are hashed under a second key derived from the same
//! secret, so a leaked token key forges no citizen hash and the other way round.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use argon2::{Argon2, PasswordHash};
use hmac::{Hmac, Mac};
use qcall_protocol::{ApiError, DisplayMode, ErrorCode, Millis, Role};
use sha2::Sha256;

use crate::config::{DeviceKind, HallConfig};
use crate::core::Revocation;

type HmacSha256 = Hmac<Sha256>;

/// An argon2 hash (of nothing anyone uses) with the default parameters, checked when a staff number
/// is unknown or has no PIN, so that such a check costs what a real one does and the answer's timing
/// does not tell which staff numbers exist (issue 21).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c3RhZmZudW1iZXJkdW1teQ$0tS0J5w1oCq7u4c5cG8T0Lq1m7b0o3sY1m0w3w8rXk0";

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    Kiosk { name: String },
    Display { name: String, mode: DisplayMode },
    Staff { staff_no: String, role: Role },
}

/// Credentials checking, keyed hashing and rate limiting for one hall.
pub(crate) struct Auth {
    config: Arc<HallConfig>,
    /// Signs staff tokens.
    token_key: Vec<u8>,
    /// Keys citizen-id hashes.
    citizen_key: Vec<u8>,
    buckets: Mutex<HashMap<String, (f64, Millis)>>,
    revoked: RwLock<Revoked>,
}

/// Sessions ended before their expiry.
#[derive(Default)]
struct Revoked {
    /// A signed-out token's signature (hex) → its expiry.
    tokens: HashMap<String, Millis>,
    /// Staff number → tokens issued at or before this time are ended.
    sessions: HashMap<String, Millis>,
    /// Accounts an admin disabled over the API.
    disabled: HashSet<String>,
}

fn err(code: ErrorCode, message: &str) -> ApiError {
    ApiError::new(code, message)
}

impl Auth {
    pub(crate) fn new(config: Arc<HallConfig>, secret: Vec<u8>) -> Auth {
        // One root secret, one key per use (issue 21): HMAC(secret, purpose).
        let derive = |purpose: &str| -> Vec<u8> {
            keyed(&secret, &[purpose]).finalize().into_bytes().to_vec()
        };
        Auth {
            token_key: derive("qcall staff token key v1"),
            citizen_key: derive("qcall citizen id key v1"),
            config,
            buckets: Mutex::new(HashMap::new()),
            revoked: RwLock::new(Revoked::default()),
        }
    }

    /// Takes a revocation into account from now on (after it was stored, or at start).
    pub(crate) fn revoke(&self, r: &Revocation) {
        let mut revoked = self
            .revoked
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match r {
            Revocation::Token { mac, expires } => {
                revoked.tokens.insert(mac.clone(), *expires);
            }
            Revocation::Sessions { staff_no, at } => {
                let at = revoked
                    .sessions
                    .get(staff_no)
                    .map_or(*at, |a| (*a).max(*at));
                revoked.sessions.insert(staff_no.clone(), at);
            }
            Revocation::Disabled { staff_no, disabled } => {
                if *disabled {
                    revoked.disabled.insert(staff_no.clone());
                } else {
                    revoked.disabled.remove(staff_no);
                }
            }
        }
    }

    /// Forgets signed-out tokens that expired anyway: the set stays as small as the live sessions.
    pub(crate) fn forget_expired(&self, now: Millis) {
        self.revoked
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .tokens
            .retain(|_, expires| *expires > now);
    }

    /// How many signed-out tokens are remembered.
    pub(crate) fn revoked_tokens(&self) -> usize {
        self.revoked.read().map_or(0, |r| r.tokens.len())
    }

    /// Whether an admin disabled this account (config or API).
    pub(crate) fn is_disabled(&self, staff_no: &str) -> bool {
        self.config.staff(staff_no).is_some_and(|s| s.disabled)
            || self
                .revoked
                .read()
                .is_ok_and(|r| r.disabled.contains(staff_no))
    }

    /// The revocation that signs this token out: its signature until its expiry.
    pub(crate) fn token_revocation(&self, token: &str) -> Option<Revocation> {
        let parts: Vec<&str> = token.split('.').collect();
        let [_, _, expires, _, mac] = parts[..] else {
            return None;
        };
        Some(Revocation::Token {
            mac: hex(&unhex(mac)?),
            expires: expires.parse().ok()?,
        })
    }

    fn mac(&self, parts: &[&str]) -> HmacSha256 {
        keyed(&self.token_key, parts)
    }

    /// A bearer credential: a device key or a staff token. Device keys are compared in constant
    /// time, each of them: which prefix of a key was right does not show in the answer's timing.
    pub(crate) fn principal(&self, bearer: &str, now: Millis) -> Result<Principal, ApiError> {
        let mut found = None;
        for (i, d) in self.config.devices.iter().enumerate() {
            if ct_eq(d.key.as_bytes(), bearer.as_bytes()) {
                found = Some(i);
            }
        }
        if let Some(i) = found {
            let d = &self.config.devices[i];
            return Ok(match d.kind {
                DeviceKind::Kiosk => Principal::Kiosk {
                    name: d.name.clone(),
                },
                DeviceKind::Display(mode) => Principal::Display {
                    name: d.name.clone(),
                    mode,
                },
            });
        }
        self.verify_token(bearer, now)
    }

    /// Signs a staff token valid for the hall's session length.
    pub(crate) fn issue_token(&self, staff_no: &str, role: Role, now: Millis) -> (String, Millis) {
        let expires = now + i64::from(self.config.limits.session_hours) * 3_600_000;
        let role = role_name(role);
        let expires_text = expires.to_string();
        // A random part per login: two sessions of one person are two tokens, ended one by one.
        let mut nonce = [0u8; 8];
        if getrandom::fill(&mut nonce).is_err() {
            nonce = now.to_le_bytes();
        }
        let nonce = hex(&nonce);
        let mac = self
            .mac(&["staff-token", staff_no, role, &expires_text, &nonce])
            .finalize()
            .into_bytes();
        (
            format!("{staff_no}.{role}.{expires}.{nonce}.{}", hex(&mac)),
            expires,
        )
    }

    fn verify_token(&self, token: &str, now: Millis) -> Result<Principal, ApiError> {
        let bad = || {
            err(
                ErrorCode::Unauthorized,
                "unknown or expired credentials: sign in again",
            )
        };
        let parts: Vec<&str> = token.split('.').collect();
        let [staff_no, role, expires, nonce, mac] = parts[..] else {
            return Err(bad());
        };
        let mac = unhex(mac).ok_or_else(bad)?;
        self.mac(&["staff-token", staff_no, role, expires, nonce])
            .verify_slice(&mac)
            .map_err(|_| bad())?;
        let expires: Millis = expires.parse().map_err(|_| bad())?;
        // No token this hall issues lives longer than a session: a longer one is forged or from a
        // hall whose session length was shortened since.
        let longest = i64::from(self.config.limits.session_hours) * 3_600_000 + 60_000;
        if expires <= now || expires > now + longest {
            return Err(bad());
        }
        // The account must still exist with that role in the current config.
        let staff = self.config.staff(staff_no).ok_or_else(bad)?;
        if role_name(staff.role) != role {
            return Err(bad());
        }
        // Ended early: signed out, ended by a manager, or the account disabled.
        let issued = expires - i64::from(self.config.limits.session_hours) * 3_600_000;
        let ended = || {
            err(
                ErrorCode::Unauthorized,
                "this session was ended (signed out, ended by a manager, or the account disabled): sign in again",
            )
        };
        if self.is_disabled(staff_no) {
            return Err(ended());
        }
        {
            let revoked = self
                .revoked
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if revoked.tokens.contains_key(&hex(&mac))
                || revoked
                    .sessions
                    .get(staff_no)
                    .is_some_and(|at| issued <= *at)
            {
                return Err(ended());
            }
        }
        Ok(Principal::Staff {
            staff_no: staff_no.to_string(),
            role: staff.role,
        })
    }

    /// Checks a password; slow on purpose (argon2), so callers run it off the async workers (through
    /// the guard's bounded gate). An unknown staff number costs the same check as a known one.
    pub(crate) fn check_password(&self, staff_no: &str, password: &str) -> Result<Role, ApiError> {
        let bad = || err(ErrorCode::BadCredentials, "wrong staff number or password");
        let staff = self.config.staff(staff_no);
        let hash = staff.map_or(DUMMY_HASH, |s| s.password_hash.as_str());
        let right = verify(hash, password);
        let staff = staff.filter(|_| right).ok_or_else(bad)?;
        if self.is_disabled(staff_no) {
            return Err(err(
                ErrorCode::Forbidden,
                "this account is disabled; ask the hall's admin",
            ));
        }
        Ok(staff.role)
    }

    /// Checks a kiosk helper PIN (slow, like passwords; a staff number without a PIN costs the same).
    pub(crate) fn check_pin(&self, staff_no: &str, pin: &str) -> Result<(), ApiError> {
        let bad = || err(ErrorCode::BadPin, "wrong staff number or PIN");
        let hash = self
            .config
            .staff(staff_no)
            .and_then(|s| s.pin_hash.as_deref());
        let right = verify(hash.unwrap_or(DUMMY_HASH), pin);
        if hash.is_none() || !right || self.is_disabled(staff_no) {
            return Err(bad());
        }
        Ok(())
    }

    /// R29: the keyed hash a citizen id is stored as. Equal ids give equal hashes in this hall only.
    pub(crate) fn citizen_hash(&self, citizen_id: &str) -> Result<String, ApiError> {
        let id: String = citizen_id.trim().to_ascii_uppercase();
        let ok = (id.len() == 15 || id.len() == 18)
            && id
                .bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_digit() || (i == 17 && b == b'X'));
        if !ok {
            return Err(err(
                ErrorCode::BadRequest,
                "a citizen id has 15 or 18 characters: digits, the last may be X",
            ));
        }
        Ok(hex(&keyed(&self.citizen_key, &["citizen", &id])
            .finalize()
            .into_bytes()[..16]))
    }

    /// Takes one issue from a device's bucket, or says when to retry.
    pub(crate) fn take_issue_token(&self, device: &str, now: Millis) -> Result<(), ApiError> {
        let l = &self.config.limits;
        self.take_token(device, l.issue_per_minute, l.issue_burst, now)
            .map_err(|wait_s| {
                err(
                    ErrorCode::RateLimited,
                    "this kiosk is issuing too fast; wait a moment",
                )
                .with_retry_after(wait_s)
            })
    }

    /// Takes one rating from a rating pad's bucket (a flood from one pad is refused, R30), or says
    /// when to retry.
    pub(crate) fn take_rating_token(&self, device: &str, now: Millis) -> Result<(), ApiError> {
        let r = &self.config.ratings;
        self.take_token(
            &format!("rating:{device}"),
            r.pad_per_minute,
            r.pad_burst,
            now,
        )
        .map_err(|wait_s| {
            err(
                ErrorCode::RateLimited,
                "this rating pad is sending ratings too fast; wait a moment",
            )
            .with_retry_after(wait_s)
        })
    }

    /// A token bucket per key: `per_minute` refill, `burst` deep; `Err` holds the seconds to wait.
    fn take_token(&self, key: &str, per_minute: u32, burst: u32, now: Millis) -> Result<(), u32> {
        if per_minute == 0 {
            return Ok(());
        }
        let burst = f64::from(burst.max(1));
        let rate_per_ms = f64::from(per_minute) / 60_000.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((burst, now));
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

fn keyed(key: &[u8], parts: &[&str]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p.as_bytes());
        mac.update(b"|");
    }
    mac
}

/// Equality of secrets in time that depends on their lengths only (issue 21).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn verify(hash: &str, password: &str) -> bool {
    thread_local! {
        /// Each thread that checks passwords keeps its argon2 memory (19 MiB with the default cost)
        /// and reuses it: allocating it per check left the allocator holding hundreds of MiB after a
        /// login flood (issue 21), and only the guard's few check threads verify.
        static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        argon2::Params::try_from(&parsed),
        argon2::Algorithm::try_from(parsed.algorithm),
    ) else {
        return false;
    };
    let version = match parsed.version {
        Some(v) => match argon2::Version::try_from(v) {
            Ok(v) => v,
            Err(_) => return false,
        },
        None => argon2::Version::default(),
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let computed = BLOCKS.with(|b| {
        let mut b = b.borrow_mut();
        b.resize(blocks, argon2::Block::default());
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut b[..blocks])
    });
    computed.is_ok() && ct_eq(&out, expected.as_bytes())
}

/// Makes an argon2 PHC string for the config file.
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::PasswordHasher;
    use argon2::password_hash::SaltString;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Staff => "staff",
        Role::Manager => "manager",
        Role::Admin => "admin",
    }
}

/// R29: `138****1234`. Only digits (and an optional leading +) of 7–15 digits are phones.
pub(crate) fn mask_phone(phone: &str) -> Result<String, ApiError> {
    let digits: String = phone
        .trim()
        .trim_start_matches('+')
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect();
    if !(7..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(
            ErrorCode::BadRequest,
            "a phone number has 7 to 15 digits",
        ));
    }
    let tail = &digits[digits.len() - 4..];
    Ok(if digits.len() >= 11 {
        format!("{}****{tail}", &digits[..3])
    } else {
        format!("****{tail}")
    })
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of hex text, `None` when it is not hex.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::new(Arc::new(HallConfig::demo()), vec![7; 32])
    }

    #[test]
    fn staff_tokens_are_signed_and_expire() {
        let a = auth();
        let (token, expires) = a.issue_token("1001", Role::Staff, 1_000);
        assert_eq!(expires, 1_000 + 12 * 3_600_000);
        assert_eq!(
            a.principal(&token, 2_000),
            Ok(Principal::Staff {
                staff_no: "1001".into(),
                role: Role::Staff
            })
        );
        assert_eq!(
            a.principal(&token, expires).map_err(|e| e.code),
            Err(ErrorCode::Unauthorized)
        );
        // Claiming another role or person breaks the signature.
        let forged = token.replacen("1001.staff", "1001.admin", 1);
        assert_eq!(
            a.principal(&forged, 2_000).map_err(|e| e.code),
            Err(ErrorCode::Unauthorized)
        );
        let other_hall = Auth::new(Arc::new(HallConfig::demo()), vec![8; 32]);
        assert!(other_hall.principal(&token, 2_000).is_err());
    }

    #[test]
    fn device_keys_name_their_device() {
        let a = auth();
        assert_eq!(
            a.principal("demo-kiosk-1-key-0000", 0),
            Ok(Principal::Kiosk {
                name: "kiosk-1".into()
            })
        );
        assert!(matches!(
            a.principal("demo-hall-board-key-0000", 0),
            Ok(Principal::Display {
                mode: DisplayMode::HallBoard,
                ..
            })
        ));
        assert!(a.principal("nope", 0).is_err());
    }

    #[test]
    fn passwords_and_pins() {
        let a = auth();
        assert_eq!(a.check_password("1001", "demo-staff"), Ok(Role::Staff));
        assert_eq!(a.check_password("9001", "demo-manager"), Ok(Role::Manager));
        assert_eq!(
            a.check_password("1001", "wrong").map_err(|e| e.code),
            Err(ErrorCode::BadCredentials)
        );
        assert_eq!(
            a.check_password("nobody", "demo-staff").map_err(|e| e.code),
            Err(ErrorCode::BadCredentials)
        );
        assert!(a.check_pin("1001", "2580").is_ok());
        assert_eq!(
            a.check_pin("1001", "0000").map_err(|e| e.code),
            Err(ErrorCode::BadPin)
        );
        assert_eq!(
            a.check_pin("1002", "2580").map_err(|e| e.code),
            Err(ErrorCode::BadPin),
            "no PIN set"
        );
        let hash = hash_password("secret").expect("hash");
        assert!(verify(&hash, "secret") && !verify(&hash, "other"));
    }

    #[test]
    fn the_dummy_hash_is_a_real_argon2_hash_with_the_default_cost() {
        // Otherwise an unknown staff number would skip the check and answer faster.
        let h = PasswordHash::new(DUMMY_HASH).expect("parses");
        let real = hash_password("x").expect("hash");
        let real = PasswordHash::new(&real).expect("parses");
        assert_eq!(h.params.to_string(), real.params.to_string());
        assert_eq!(h.algorithm, real.algorithm);
        assert!(!verify(DUMMY_HASH, "") && !verify(DUMMY_HASH, "demo-staff"));
    }

    #[test]
    fn revocations_end_one_token_all_sessions_or_an_account() {
        let a = auth();
        let (t1, e1) = a.issue_token("1001", Role::Staff, 1_000);
        let (t2, _) = a.issue_token("1001", Role::Staff, 1_000);
        assert_ne!(t1, t2, "two logins, two tokens");
        a.revoke(&a.token_revocation(&t1).expect("a token"));
        assert!(a.principal(&t1, 2_000).is_err());
        assert!(a.principal(&t2, 2_000).is_ok(), "the other session goes on");
        assert_eq!(a.revoked_tokens(), 1);
        a.forget_expired(e1);
        assert_eq!(a.revoked_tokens(), 0, "forgotten once it expired anyway");
        a.revoke(&Revocation::Sessions {
            staff_no: "1001".into(),
            at: 3_000,
        });
        assert!(a.principal(&t2, 4_000).is_err());
        let (t3, _) = a.issue_token("1001", Role::Staff, 3_001);
        assert!(a.principal(&t3, 4_000).is_ok(), "a later login works");
        a.revoke(&Revocation::Disabled {
            staff_no: "1001".into(),
            disabled: true,
        });
        assert!(a.principal(&t3, 4_000).is_err());
        assert_eq!(
            a.check_password("1001", "demo-staff").map_err(|e| e.code),
            Err(ErrorCode::Forbidden)
        );
        assert!(a.check_pin("1001", "2580").is_err());
        // The token key and the citizen key differ, both derived from the one secret.
        assert_ne!(a.token_key, a.citizen_key);
        assert!(ct_eq(b"abc", b"abc") && !ct_eq(b"abc", b"abd") && !ct_eq(b"abc", b"ab"));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex(&hex(&[0, 15, 255])), Some(vec![0, 15, 255]));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("abc"), None);
    }

    #[test]
    fn personal_data_is_hashed_or_masked() {
        let a = auth();
        let h = a.citizen_hash("11010519491231002x").expect("hash");
        assert_eq!(h, a.citizen_hash(" 11010519491231002X ").expect("same id"));
        assert!(!h.contains("1101"));
        assert_eq!(
            a.citizen_hash("12345").map_err(|e| e.code),
            Err(ErrorCode::BadRequest)
        );
        assert_eq!(mask_phone("13812341234").as_deref(), Ok("138****1234"));
        assert_eq!(
            mask_phone("+86 138-1234-1234").as_deref(),
            Ok("861****1234")
        );
        assert_eq!(mask_phone("88881234").as_deref(), Ok("****1234"));
        assert!(mask_phone("12ab").is_err());
    }

    #[test]
    fn issue_rate_limit_refills() {
        let a = auth(); // 60 per minute, burst 10
        for _ in 0..10 {
            a.take_issue_token("k", 0).expect("burst");
        }
        assert_eq!(
            a.take_issue_token("k", 0).map_err(|e| e.code),
            Err(ErrorCode::RateLimited)
        );
        assert!(a.take_issue_token("other", 0).is_ok(), "per device");
        a.take_issue_token("k", 1_000)
            .expect("one more after a second");
    }
}
