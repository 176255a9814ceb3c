//! Delivering near-turn notices (R32): one background task posts each notice of the outbox to the
//! hall's webhook, signed, and records the outcome; it never blocks the engine (it only sends it
//! small jobs) and the engine never waits for it.
//!
//! At least once: a notice is marked delivered only after the receiver answered 2xx, so a crash
//! between the answer and the record sends it again after the restart, with the same
//! `Idempotency-Key`. Failures are retried with exponential backoff (5 s doubling, at most 10 min
//! apart) up to `max_attempts`, then given up and counted on the console; each is logged.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use qcall_protocol::Millis;
use sha2::Sha256;
use tracing::{info, warn};

use crate::config::NotifyCfg;
use crate::engine::Engine;
use crate::store::outbox::{OutboxRow, Outcome};

/// Notices taken from the outbox per look.
const BATCH: u32 = 16;
/// Without a wake-up, the outbox is looked at this often (retries fall due with the clock).
const POLL: Duration = Duration::from_secs(1);

/// The signature header's value: `sha256=` and the hex HMAC-SHA256 of the body under the secret.
pub(crate) fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(body);
    format!("sha256={}", crate::auth::hex(&mac.finalize().into_bytes()))
}

/// The wait before try number `attempts + 1` after `attempts` failures.
pub(crate) fn backoff_ms(attempts: u32) -> Millis {
    (5_000_i64 << attempts.min(7)).min(600_000)
}

/// What a failed try becomes: retried later, or given up after the last allowed try.
pub(crate) fn after_failure(
    cfg: &NotifyCfg,
    attempts_before: u32,
    error: String,
    now: Millis,
) -> Outcome {
    let tries = attempts_before + 1;
    Outcome::Failed {
        error,
        retry_at: (tries < cfg.max_attempts).then(|| now + backoff_ms(attempts_before)),
    }
}

/// Runs until the engine stops.
pub(crate) async fn run(engine: Engine, cfg: NotifyCfg) {
    let signal = engine.outbox_signal();
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(u64::from(cfg.timeout_seconds)))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(cause = %e, "notices: cannot make the HTTP client; none will be sent");
            return;
        }
    };
    info!(url = %cfg.url, "near-turn notices go to the hall's webhook");
    let cfg = Arc::new(cfg);
    loop {
        let due = match engine
            .read(|_, store, now| store.outbox_due(now, BATCH))
            .await
        {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => {
                warn!(cause = %e, "notices: the outbox cannot be read; retried");
                Vec::new()
            }
            Err(_) => return, // The engine stopped.
        };
        if due.is_empty() {
            tokio::select! {
                () = signal.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
            continue;
        }
        for row in due {
            let result = post(&client, &cfg, &row).await;
            let cfg = cfg.clone();
            let (id, key, attempts) = (row.id, row.key.clone(), row.attempts);
            let recorded = engine
                .write(move |store, now| {
                    let outcome = match result {
                        Ok(()) => Outcome::Delivered,
                        Err(error) => after_failure(&cfg, attempts, error, now),
                    };
                    (store.outbox_record(id, now, &outcome), outcome)
                })
                .await;
            match recorded {
                Ok((Ok(()), Outcome::Delivered)) => {
                    info!(key = %key, kind = %row.kind, "notice delivered");
                }
                Ok((Ok(()), Outcome::Failed { error, retry_at })) => match retry_at {
                    Some(at) => {
                        warn!(key = %key, attempt = attempts + 1, error = %error, retry_at = at, "notice not delivered; retried later")
                    }
                    None => {
                        tracing::error!(key = %key, attempts = attempts + 1, error = %error, "notice GIVEN UP after its last try; the console shows it")
                    }
                },
                Ok((Err(e), _)) => {
                    warn!(key = %key, cause = %e, "notices: a delivery could not be recorded; it is sent again")
                }
                Err(_) => return,
            }
        }
    }
}

/// One try: POST the body as it is stored, signed; 2xx is delivered, anything else an error text
/// (no phone in it).
async fn post(client: &reqwest::Client, cfg: &NotifyCfg, row: &OutboxRow) -> Result<(), String> {
    let answer = client
        .post(&cfg.url)
        .header("content-type", "application/json")
        .header("idempotency-key", &row.key)
        .header("x-qcall-event", &row.kind)
        .header("x-qcall-attempt", (row.attempts + 1).to_string())
        .header(
            "x-qcall-signature",
            signature(&cfg.secret, row.body.as_bytes()),
        )
        .body(row.body.clone())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} s", cfg.timeout_seconds)
            } else if e.is_connect() {
                "cannot connect to the webhook".to_string()
            } else {
                format!("request failed: {}", e.without_url())
            }
        })?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the webhook answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body_in_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_back_off_to_ten_minutes_and_stop_at_the_last_try() {
        let waits: Vec<Millis> = (0..10).map(backoff_ms).collect();
        assert_eq!(
            waits,
            [
                5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000
            ]
        );
        let cfg = NotifyCfg {
            max_attempts: 3,
            ..NotifyCfg::default()
        };
        assert_eq!(
            after_failure(&cfg, 0, "x".into(), 1000),
            Outcome::Failed {
                error: "x".into(),
                retry_at: Some(6000)
            }
        );
        assert_eq!(
            after_failure(&cfg, 2, "x".into(), 1000),
            Outcome::Failed {
                error: "x".into(),
                retry_at: None
            }
        );
    }
}
