//! Appointments (R25, R26): the public booking routes (no account: the code and the phone are the
//! key), staff booking for a caller on the phone and the day's list, and the kiosk's check-in.
//! Personal data is checked and minimised here, before the core sees it (R29): the name is masked,
//! the phone masked and hashed, the id hashed; none of them is stored or logged in full.
//!
//! Code guessing is bounded twice: a lookup or cancel needs the code *and* the phone, and every
//! public booking request and every kiosk check-in takes a token from a rate limit (public requests
//! share one bucket, as the server does not see client addresses; each kiosk has its own).

use axum::extract::State;
use qcall_protocol::*;
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery, Issuer, RawJson, StaffCaller};
use super::{Answer, check_request_id, fail, json, random_hex};
use crate::auth::{Principal, mask_phone};
use crate::core::{Actor, BookCmd, BookingCmd, BookingKey, Command, code_from, normalise_code};
use crate::engine::Gate;
use crate::state::App;

/// Public booking requests (book, look up, cancel) per minute, all citizens together.
const PUBLIC_PER_MINUTE: u32 = 30;
const PUBLIC_BURST: u32 = 20;
/// Check-ins per minute at one kiosk (a person takes several seconds each).
const CHECK_IN_PER_MINUTE: u32 = 12;
const CHECK_IN_BURST: u32 = 6;

pub(super) fn public_gate(app: &App) -> Result<(), Failure> {
    app.auth
        .take_token(
            "booking:public",
            PUBLIC_PER_MINUTE,
            PUBLIC_BURST,
            app.clock.now(),
            "too many booking requests; wait a moment and try again",
        )
        .map_err(Failure)
}

use super::extract::Failure;

/// What can be booked: each bookable service with today and the days ahead, and each slot's free
/// places (0 when full; slots that have started are left out).
#[utoipa::path(get, path = "/api/v1/public/booking/slots", tag = "bookings",
    responses((status = 200, body = SlotsResponse)))]
pub(super) async fn slots(State(app): State<App>) -> Answer {
    let services = app.engine.read(|hall, _, now| hall.bookable(now)).await?;
    json(&SlotsResponse { services })
}

/// Book a slot (a citizen, no account). Answers the booking with its code; the code and the phone
/// look it up and cancel it later.
#[utoipa::path(post, path = "/api/v1/public/bookings", tag = "bookings", request_body = BookRequest,
    responses((status = 200, body = BookingResponse),
        (status = 400, body = ErrorBody, description = "bad name (1–40 characters), phone (7–15 digits), citizen id (18 characters with a valid check digit), date (YYYY-MM-DD) or slot (HH:MM)"),
        (status = 404, body = ErrorBody, description = "unknown service"),
        (status = 409, body = ErrorBody, description = "slot_unavailable (closed date, no such slot, beyond the days ahead), slot_past, slot_full, duplicate_booking"),
        (status = 429, body = ErrorBody, description = "rate_limited, with retry_after_s")))]
pub(super) async fn public_book(
    State(app): State<App>,
    ApiJson(req): ApiJson<BookRequest>,
) -> Answer {
    public_gate(&app)?;
    book(&app, Actor::Public, req).await
}

/// Book for a caller on the phone (staff, managers).
#[utoipa::path(post, path = "/api/v1/bookings", tag = "bookings", request_body = BookRequest, security(("bearer" = [])),
    responses((status = 200, body = BookingResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn staff_book(
    State(app): State<App>,
    staff: StaffCaller,
    ApiJson(req): ApiJson<BookRequest>,
) -> Answer {
    book(&app, Actor::Staff(staff.staff_no), req).await
}

pub(super) async fn book(app: &App, actor: Actor, req: BookRequest) -> Answer {
    if let Some(id) = &req.request_id {
        check_request_id(id)?;
    }
    let name_masked = mask_name(&req.name)?;
    let phone = phone_digits(&req.phone)?;
    let phone_masked = mask_phone(&phone)?;
    let start = slot_start(&req.slot)?;
    let (citizen_hash, phone_id_hash) = match req
        .citizen_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => {
            let id = checked_citizen_id(id)?;
            (
                Some(app.auth.citizen_hash(&id)?),
                Some(app.auth.keyed_hash(&["phone-id", &phone, &id[14..]])),
            )
        }
        None => (None, None),
    };
    let phone_hash = app.auth.keyed_hash(&["phone", &phone]);
    let person_hash = citizen_hash.clone().unwrap_or_else(|| phone_hash.clone());
    let mut codes = Vec::new();
    for _ in 0..4 {
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes)
            .map_err(|e| fail(ErrorCode::Internal, format!("no randomness: {e}")))?;
        codes.push(code_from(&bytes));
    }
    let cmd = Command::Booking(BookingCmd::Book(Box::new(BookCmd {
        service_id: req.service_id,
        date: req.date.trim().to_string(),
        start,
        name_masked,
        phone_masked,
        phone_hash,
        person_hash,
        citizen_hash,
        phone_id_hash,
        codes,
        notice_phone: (req.notify && app.config.notify.enabled).then_some(phone),
    })));
    Ok(RawJson(
        app.engine.command(actor, req.request_id, cmd).await?,
    ))
}

/// Look up a booking by its code and phone (a citizen).
#[utoipa::path(post, path = "/api/v1/public/bookings/lookup", tag = "bookings", request_body = BookingLookup,
    responses((status = 200, body = BookingResponse), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "unknown_booking: no booking with this code and phone (the same answer for either wrong)"),
        (status = 429, body = ErrorBody, description = "rate_limited, with retry_after_s")))]
pub(super) async fn public_lookup(
    State(app): State<App>,
    ApiJson(req): ApiJson<BookingLookup>,
) -> Answer {
    public_gate(&app)?;
    let code = normalise_code(&req.code);
    let phone_hash = app.auth.keyed_hash(&["phone", &phone_digits(&req.phone)?]);
    let found = app
        .engine
        .read(move |hall, _, _| hall.booking_lookup(&code, &phone_hash))
        .await?;
    json(&BookingResponse {
        booking: found.ok_or_else(|| {
            fail(
                ErrorCode::UnknownBooking,
                "no booking with this code and phone",
            )
        })?,
    })
}

/// Cancel a booking by its code and phone (a citizen), up to the hall's deadline before the slot.
#[utoipa::path(post, path = "/api/v1/public/bookings/cancel", tag = "bookings", request_body = BookingLookup,
    responses((status = 200, body = BookingResponse), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "cancel_closed (past the deadline), booking_closed (already cancelled, checked in or missed)"),
        (status = 429, body = ErrorBody)))]
pub(super) async fn public_cancel(
    State(app): State<App>,
    ApiJson(req): ApiJson<BookingLookup>,
) -> Answer {
    public_gate(&app)?;
    let cmd = Command::Booking(BookingCmd::Cancel {
        code: normalise_code(&req.code),
        phone_hash: Some(app.auth.keyed_hash(&["phone", &phone_digits(&req.phone)?])),
    });
    Ok(RawJson(app.engine.command(Actor::Public, None, cmd).await?))
}

/// Cancel a booking by its code (staff, managers; no deadline).
#[utoipa::path(post, path = "/api/v1/bookings/{code}/cancel", tag = "bookings", params(("code" = String, Path, description = "booking code")),
    request_body = ActionRequest, security(("bearer" = [])),
    responses((status = 200, body = BookingResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn staff_cancel(
    State(app): State<App>,
    staff: StaffCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Answer {
    let cmd = Command::Booking(BookingCmd::Cancel {
        code: normalise_code(&code),
        phone_hash: None,
    });
    super::command(&app, Actor::Staff(staff.staff_no), req.request_id, cmd).await
}

/// `?date=YYYY-MM-DD` (default today).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DateQuery {
    /// Local date, `YYYY-MM-DD`; today and later (earlier days are in reports).
    #[param(
        pattern = r"^[0-9]{4}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
        example = "2026-11-02"
    )]
    date: Option<String>,
}

/// A date's bookings (staff, managers), masked, with slots the config no longer offers flagged.
#[utoipa::path(get, path = "/api/v1/bookings", tag = "bookings", params(DateQuery), security(("bearer" = [])),
    responses((status = 200, body = BookingsResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn list(
    State(app): State<App>,
    _staff: StaffCaller,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> Answer {
    let date = q.date.map(|d| d.trim().to_string());
    if let Some(d) = &date
        && d.parse::<jiff::civil::Date>().is_err()
    {
        return Err(fail(ErrorCode::BadRequest, "date must be YYYY-MM-DD"));
    }
    let body = app
        .engine
        .read(move |hall, _, now| {
            let date = date.unwrap_or_else(|| hall.cfg.calendar.business_day(now).to_string());
            BookingsResponse {
                bookings: hall.bookings_on(&date),
                date,
            }
        })
        .await?;
    json(&body)
}

/// Check a booking in (kiosk, or staff at a window): within [slot start − 30, slot end + 15] an
/// `appointment` ticket; later a `normal` ticket (`on_time: false`). Idempotent by `request_id`.
#[utoipa::path(post, path = "/api/v1/bookings/check-in", tag = "bookings", request_body = CheckInRequest, security(("bearer" = [])),
    responses((status = 200, body = CheckInResponse),
        (status = 400, body = ErrorBody, description = "neither a code nor phone + id_last4"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "unknown_booking"),
        (status = 409, body = ErrorBody, description = "check_in_too_early (retry_after_s says until when), booking_used (ticket names the ticket), booking_closed, and the walk-in refusals for a late check-in"),
        (status = 429, body = ErrorBody, description = "rate_limited: too many check-ins at this kiosk, with retry_after_s")))]
pub(super) async fn check_in(
    State(app): State<App>,
    Issuer(p): Issuer,
    ApiJson(req): ApiJson<CheckInRequest>,
) -> Answer {
    check_request_id(&req.request_id)?;
    let key = match (&req.code, &req.phone, &req.id_last4) {
        (Some(code), _, _) if !code.trim().is_empty() => BookingKey::Code(normalise_code(code)),
        (_, Some(phone), Some(last4)) => {
            let last4 = last4.trim().to_ascii_uppercase();
            if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit() || b == b'X') {
                return Err(fail(
                    ErrorCode::BadRequest,
                    "id_last4 is the last 4 characters of the id: digits, the last may be X",
                ));
            }
            BookingKey::PhoneId(
                app.auth
                    .keyed_hash(&["phone-id", &phone_digits(phone)?, &last4]),
            )
        }
        _ => {
            return Err(fail(
                ErrorCode::BadRequest,
                "send the booking code, or the phone and the last 4 characters of the id",
            ));
        }
    };
    let (actor, gate): (Actor, Option<Gate>) = match &p {
        Principal::Kiosk { name } => {
            let (auth, key, now) = (
                app.auth.clone(),
                format!("check-in:{name}"),
                app.clock.now(),
            );
            (
                Actor::Kiosk(name.clone()),
                Some(Box::new(move || {
                    auth.take_token(
                        &key,
                        CHECK_IN_PER_MINUTE,
                        CHECK_IN_BURST,
                        now,
                        "too many check-ins at this kiosk; wait a moment",
                    )
                })),
            )
        }
        Principal::Staff { staff_no, .. } => (Actor::Staff(staff_no.clone()), None),
        Principal::Display { .. } => return Err(super::forbidden()),
    };
    let cmd = Command::Booking(BookingCmd::CheckIn {
        key,
        secret: random_hex(16)?,
    });
    Ok(RawJson(
        app.engine
            .command_gated(actor, Some(req.request_id), cmd, gate)
            .await?,
    ))
}

/// 张三 → 张*: the first character only (R29).
fn mask_name(name: &str) -> Result<String, Failure> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > 40 || name.chars().any(char::is_control) {
        return Err(fail(
            ErrorCode::BadRequest,
            "the name has 1 to 40 characters",
        ));
    }
    let first: String = name.chars().take(1).collect();
    Ok(if n == 1 {
        "*".into()
    } else {
        format!("{first}{}", "*".repeat(n - 1))
    })
}

/// A phone's digits (see [`crate::auth::phone_digits`]).
fn phone_digits(phone: &str) -> Result<String, Failure> {
    crate::auth::phone_digits(phone).map_err(Failure)
}

/// `HH:MM` or `HH:MM-HH:MM`: the slot's start.
fn slot_start(slot: &str) -> Result<u32, Failure> {
    let start = slot.trim().split('-').next().unwrap_or_default();
    crate::calendar::parse_hhmm(start)
        .ok_or_else(|| fail(ErrorCode::BadRequest, "slot must be HH:MM or HH:MM-HH:MM"))
}

/// An 18-character resident id with a valid ISO 7064 MOD 11-2 check digit (GB 11643), upper-cased.
pub(crate) fn checked_citizen_id(id: &str) -> Result<String, Failure> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let id = id.trim().to_ascii_uppercase();
    let bytes = id.as_bytes();
    let shaped = bytes.len() == 18 && bytes[..17].iter().all(u8::is_ascii_digit);
    if !shaped {
        return Err(fail(
            ErrorCode::BadRequest,
            "a citizen id has 18 characters: 17 digits and a check digit (0–9 or X)",
        ));
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != bytes[17] {
        return Err(fail(
            ErrorCode::BadRequest,
            "this citizen id's check digit is wrong: please check the number",
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citizen_id_check_digit() {
        // GB 11643's own example, and the same with each wrong check digit.
        assert_eq!(
            checked_citizen_id("11010519491231002x")
                .map_err(|f| f.0.code)
                .as_deref(),
            Ok("11010519491231002X")
        );
        for wrong in "0123456789".chars() {
            let id = format!("11010519491231002{wrong}");
            assert_eq!(
                checked_citizen_id(&id).map_err(|f| f.0.code),
                Err(ErrorCode::BadRequest),
                "{id}"
            );
        }
        assert!(
            checked_citizen_id("110105194912310").is_err(),
            "15-character ids carry no check digit"
        );
    }

    #[test]
    fn names_are_masked_and_slots_read() {
        assert_eq!(
            mask_name(" 张三 ").map_err(|f| f.0.code),
            Ok("张*".to_string())
        );
        assert_eq!(
            mask_name("欧阳娜娜").map_err(|f| f.0.code),
            Ok("欧***".to_string())
        );
        assert_eq!(mask_name("李").map_err(|f| f.0.code), Ok("*".to_string()));
        assert!(mask_name("").is_err());
        assert_eq!(slot_start("09:30").map_err(|f| f.0.code), Ok(570));
        assert_eq!(slot_start("09:30-10:00").map_err(|f| f.0.code), Ok(570));
        assert!(slot_start("9.30").is_err());
        assert_eq!(
            phone_digits("138 0013-8000")
                .map_err(|f| f.0.code)
                .as_deref(),
            Ok("13800138000")
        );
    }
}
