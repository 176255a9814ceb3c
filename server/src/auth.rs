//! Who is asking (R27): staff tokens, device keys, the kiosk helper PIN; and the personal data rules
//! (R29): citizen ids become keyed hashes, phones are masked before anything stores them.
//!
//! Staff tokens are signed, not stored: `staff_no.role.expires.mac` with an HMAC under the hall's secret
//! (kept in the database), so they survive restarts and cost no lookup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use hmac::{Hmac, Mac};
use qcall_protocol::{ApiError, DisplayMode, ErrorCode, Millis, Role};
use sha2::Sha256;

use crate::config::{DeviceKind, HallConfig};

type HmacSha256 = Hmac<Sha256>;

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
    secret: Vec<u8>,
    devices: HashMap<String, usize>,
    buckets: Mutex<HashMap<String, (f64, Millis)>>,
}

fn err(code: ErrorCode, message: &str) -> ApiError {
    ApiError::new(code, message)
}

impl Auth {
    pub(crate) fn new(config: Arc<HallConfig>, secret: Vec<u8>) -> Auth {
        let devices = config
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.key.clone(), i))
            .collect();
        Auth {
            config,
            secret,
            devices,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn mac(&self, parts: &[&str]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        for p in parts {
            mac.update(p.as_bytes());
            mac.update(b"|");
        }
        mac
    }

    /// A bearer credential: a device key or a staff token.
    pub(crate) fn principal(&self, bearer: &str, now: Millis) -> Result<Principal, ApiError> {
        if let Some(&i) = self.devices.get(bearer) {
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
        let mac = self
            .mac(&["staff-token", staff_no, role, &expires_text])
            .finalize()
            .into_bytes();
        (
            format!("{staff_no}.{role}.{expires}.{}", hex(&mac)),
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
        let [staff_no, role, expires, mac] = parts[..] else {
            return Err(bad());
        };
        let mac = unhex(mac).ok_or_else(bad)?;
        self.mac(&["staff-token", staff_no, role, expires])
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
        Ok(Principal::Staff {
            staff_no: staff_no.to_string(),
            role: staff.role,
        })
    }

    /// Checks a password; slow on purpose (argon2), so callers run it off the async workers.
    pub(crate) fn check_password(&self, staff_no: &str, password: &str) -> Result<Role, ApiError> {
        let bad = || err(ErrorCode::BadCredentials, "wrong staff number or password");
        let staff = self.config.staff(staff_no).ok_or_else(bad)?;
        verify(&staff.password_hash, password)
            .then_some(staff.role)
            .ok_or_else(bad)
    }

    /// Checks a kiosk helper PIN (slow, like passwords).
    pub(crate) fn check_pin(&self, staff_no: &str, pin: &str) -> Result<(), ApiError> {
        let bad = || err(ErrorCode::BadPin, "wrong staff number or PIN");
        let staff = self.config.staff(staff_no).ok_or_else(bad)?;
        let hash = staff.pin_hash.as_ref().ok_or_else(bad)?;
        verify(hash, pin).then_some(()).ok_or_else(bad)
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
        Ok(hex(
            &self.mac(&["citizen", &id]).finalize().into_bytes()[..16]
        ))
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

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
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
