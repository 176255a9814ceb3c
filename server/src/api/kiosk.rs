//! Taking a ticket (kiosks and staff): R5 refusals, R6 request ids, R29 personal data hashed or
//! masked before the core sees it.

use axum::extract::State;
use qcall_protocol::*;

use super::extract::{ApiJson, Issuer, KioskCaller, RawJson};
use super::security::{ClientAddr, check_secret};
use super::{Answer, check_request_id, fail, forbidden, json, random_hex};
use crate::auth::{Principal, mask_phone};
use crate::core::{Actor, Command, IssueCmd, NoticePhone};
use crate::engine::Gate;
use crate::guard::Secret;
use crate::state::App;

/// Checks a helper's PIN under guard: locks per staff number and per kiosk address, so a kiosk is
/// not a PIN oracle.
async fn helper_pin(
    app: &App,
    addr: std::net::IpAddr,
    h: HelperPin,
) -> Result<String, super::Failure> {
    if h.staff_no.is_empty() || h.staff_no.chars().count() > 32 || h.pin.chars().count() > 64 {
        return Err(fail(
            ErrorCode::BadRequest,
            "helper.staff_no has 1–32 characters, helper.pin at most 64",
        ));
    }
    let auth = app.auth.clone();
    let staff_no = h.staff_no.clone();
    check_secret(app, Secret::Pin, &staff_no, addr, move || {
        auth.check_pin(&h.staff_no, &h.pin)
    })
    .await?;
    Ok(staff_no)
}

/// Check a helper's PIN before the citizen's priority ticket is issued (kiosks): the same guard as
/// issuing with it (`bad_pin`, `pin_locked` with `retry_after_s`, `busy`).
#[utoipa::path(post, path = "/api/v1/kiosk/check-pin", tag = "tickets", request_body = HelperPin, security(("bearer" = [])),
    responses((status = 200, body = PinCheckResponse), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(super) async fn check_pin(
    State(app): State<App>,
    _kiosk: KioskCaller,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<HelperPin>,
) -> Answer {
    let staff_no = helper_pin(&app, addr, req).await?;
    let staff = app
        .config
        .staff(&staff_no)
        .ok_or_else(|| fail(ErrorCode::BadPin, "wrong staff number or PIN"))?;
    json(&PinCheckResponse {
        staff: staff.card(),
    })
}

/// Take a ticket (kiosks and staff). Idempotent by `request_id` (R6).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = IssueRequest, security(("bearer" = [])),
    responses((status = 200, body = IssueResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn issue(
    State(app): State<App>,
    Issuer(p): Issuer,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<IssueRequest>,
) -> Answer {
    check_request_id(&req.request_id)?;
    // A kiosk's rate limit applies to new requests only: a retry gets its ticket (R6).
    let (actor, gate): (Actor, Option<Gate>) = match &p {
        Principal::Kiosk { name } => {
            let (auth, device, now) = (app.auth.clone(), name.clone(), app.clock.now());
            (
                Actor::Kiosk(name.clone()),
                Some(Box::new(move || auth.take_issue_token(&device, now))),
            )
        }
        Principal::Staff { staff_no, .. } => (Actor::Staff(staff_no.clone()), None),
        Principal::Display { .. } => return Err(forbidden()), // Refused by `Issuer` already.
    };
    let citizen_hash = match req
        .citizen_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => Some(app.auth.citizen_hash(id)?),
        None => None,
    };
    let phone = req
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let phone_masked = match phone {
        Some(phone) => Some(mask_phone(phone)?),
        None => None,
    };
    // Near-turn notices (R32): the full number goes to its own table, only when asked for.
    let notice = match (req.notify && app.config.notify.enabled, phone) {
        (false, _) => None,
        (true, Some(phone)) => Some(NoticePhone::Given(crate::auth::phone_digits(phone)?)),
        (true, None) => {
            return Err(fail(
                ErrorCode::BadRequest,
                "near-turn notices need a phone number: give `phone` or leave `notify` off",
            ));
        }
    };
    let helper = match (req.class, req.helper, &actor) {
        (TicketClass::Priority, Some(h), Actor::Kiosk(_)) => Some(helper_pin(&app, addr, h).await?),
        _ => None,
    };
    let cmd = Command::Issue(IssueCmd {
        service_id: req.service_id,
        class: req.class,
        citizen_hash,
        phone_masked,
        helper,
        notice,
        secret: random_hex(16)?,
    });
    Ok(RawJson(
        app.engine
            .command_gated(actor, Some(req.request_id), cmd, gate)
            .await?,
    ))
}
