//! `/book`: the public booking page (R25), mobile first, zh/en, no account and no script. Server
//! rendered (maud): choose a service and a free slot, give name, phone and optionally the id, get the
//! booking code and its QR code (the kiosk's scanner reads it); look a booking up and cancel it with
//! the code and the phone. Plain HTML forms post to the same rules as the REST routes
//! (`booking::book`, the public rate limit).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Html;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use qcall_protocol::*;
use serde::Deserialize;

use super::booking::{book, public_gate};
use super::extract::{ApiQuery, Failure};
use crate::core::{Actor, BookingCmd, Command, normalise_code};
use crate::state::App;

#[derive(Deserialize, Default)]
pub(crate) struct PageQuery {
    lang: Option<String>,
    service: Option<String>,
}

#[derive(Deserialize, Default)]
struct BookForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    service: String,
    /// `YYYY-MM-DD HH:MM-HH:MM`.
    #[serde(default)]
    slot: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    citizen_id: String,
    /// `on` when the citizen ticked the reminder box (R32).
    #[serde(default)]
    notify: String,
}

#[derive(Deserialize, Default)]
struct LookupForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone: String,
    /// `lookup` or `cancel`.
    #[serde(default)]
    action: String,
}

fn en(lang: &str) -> bool {
    lang == "en"
}

/// One phrase in the page's language.
fn t<'a>(lang: &str, zh: &'a str, en_text: &'a str) -> &'a str {
    if en(lang) { en_text } else { zh }
}

/// The booking pages' Content-Security-Policy: no script at all, their own inline styles, forms that
/// post only to this server.
pub(crate) const BOOK_PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Sets [`BOOK_PAGE_CSP`] on a booking page (the hall-wide headers keep a page's own policy).
pub(crate) async fn book_csp(mut response: axum::response::Response) -> axum::response::Response {
    response.headers_mut().insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static(BOOK_PAGE_CSP),
    );
    response
}

fn page(lang: &str, title: &str, body: Markup) -> Html<String> {
    let other = if en(lang) {
        ("zh", "中文")
    } else {
        ("en", "English")
    };
    Html(
        html! {
            (DOCTYPE)
            html lang=(if en(lang) { "en" } else { "zh-CN" }) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) }
                    style { (PreEscaped(STYLE)) }
                }
                body {
                    header {
                        h1 { (title) }
                        a.lang href={ "/book?lang=" (other.0) } { (other.1) }
                    }
                    main { (body) }
                    footer {
                        a href={ "/book?lang=" (lang) } { (t(lang, "预约", "Book")) }
                        " · "
                        a href={ "/book/lookup?lang=" (lang) } { (t(lang, "查询或取消预约", "Look up or cancel")) }
                    }
                }
            }
        }
        .into_string(),
    )
}

const STYLE: &str = "body{font-family:'Noto Sans CJK SC',sans-serif;margin:0;font-size:18px;color:#111}\
header{background:#0B4F9C;color:#fff;padding:12px 16px;display:flex;justify-content:space-between;align-items:center}\
header h1{font-size:22px;margin:0}header a{color:#fff}main{padding:16px;max-width:640px;margin:auto}\
fieldset{border:1px solid #ccc;border-radius:8px;margin:0 0 16px}label{display:block;margin:8px 0}\
input[type=text],input[type=tel]{width:100%;font-size:18px;padding:10px;box-sizing:border-box}\
.slots label{display:inline-block;margin:4px 8px 4px 0;padding:8px;border:1px solid #0B4F9C;border-radius:6px}\
.full{color:#888;border-color:#ccc!important}button{font-size:20px;padding:12px 24px;background:#0B4F9C;color:#fff;border:0;border-radius:8px;width:100%}\
.error{color:#8E0E0E;font-weight:bold}.code{font-size:44px;letter-spacing:6px;font-weight:bold;text-align:center}\
.qr{text-align:center}footer{padding:16px;text-align:center}.check{font-size:16px}.check input{width:22px;height:22px;vertical-align:middle}";

/// The words for a refusal, in the page's language.
fn refusal(lang: &str, e: &ApiError) -> String {
    let zh = match e.code {
        ErrorCode::SlotFull => "该时段已约满，请选择其他时段",
        ErrorCode::SlotPast => "该时段已过，请选择其他时段",
        ErrorCode::SlotUnavailable => "该时段不可预约",
        ErrorCode::DuplicateBooking => "您当天已预约该事项，如需改期请先取消原预约",
        ErrorCode::UnknownBooking => "没有找到这个预约，请核对预约码和手机号",
        ErrorCode::CancelClosed => "已超过可取消时间，如需取消请致电大厅",
        ErrorCode::BookingClosed => "该预约已取消、已签到或已失效",
        ErrorCode::RateLimited => "操作过于频繁，请稍后再试",
        ErrorCode::BadRequest => "输入有误，请检查姓名、手机号和身份证号",
        _ => "暂时无法预约，请稍后再试",
    };
    if en(lang) {
        e.message.clone()
    } else {
        zh.to_string()
    }
}

/// `GET /book`: services, then the chosen service's free slots and the form.
pub(crate) async fn book_page(
    State(app): State<App>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Html<String> {
    let lang = q.lang.unwrap_or_default();
    let services = app
        .engine
        .read(|hall, _, now| hall.bookable(now))
        .await
        .unwrap_or_default();
    let notify = app.config.notify.enabled;
    form_page(&lang, &services, q.service.as_deref(), None, notify)
}

fn form_page(
    lang: &str,
    services: &[BookableService],
    chosen: Option<&str>,
    error: Option<String>,
    notify: bool,
) -> Html<String> {
    let title = t(lang, "预约办事", "Book an appointment");
    let chosen = chosen.and_then(|id| services.iter().find(|s| s.service_id == id));
    page(
        lang,
        title,
        html! {
            @if let Some(e) = &error { p.error { (e) } }
            @if services.is_empty() {
                p { (t(lang, "本大厅暂不提供预约。", "This hall takes no bookings.")) }
            }
            @match chosen {
                None => {
                    p { (t(lang, "请选择办理事项：", "Choose a service:")) }
                    ul {
                        @for s in services {
                            li { a href={ "/book?lang=" (lang) "&service=" (s.service_id) } { (if en(lang) { &s.name_en } else { &s.name_zh }) } }
                        }
                    }
                }
                Some(s) => {
                    form method="post" action="/book" {
                        input type="hidden" name="lang" value=(lang);
                        input type="hidden" name="service" value=(s.service_id);
                        h2 { (if en(lang) { &s.name_en } else { &s.name_zh }) }
                        @for day in &s.days {
                            fieldset.slots {
                                legend { (day.date) @if day.appointments_only { " " (t(lang, "（仅限预约）", "(appointments only)")) } }
                                @for slot in &day.slots {
                                    @if slot.free > 0 {
                                        label { input type="radio" name="slot" value={ (day.date) " " (slot.slot) } required; " " (slot.slot) " (" (slot.free) ")" }
                                    } @else {
                                        label.full { (slot.slot) " " (t(lang, "已满", "full")) }
                                    }
                                }
                            }
                        }
                        label { (t(lang, "姓名", "Name")) input type="text" name="name" required maxlength="40"; }
                        label { (t(lang, "手机号", "Mobile phone")) input type="tel" name="phone" required inputmode="numeric"; }
                        label { (t(lang, "身份证号（可选）", "Citizen id (optional)")) input type="text" name="citizen_id" maxlength="18"; }
                        @if notify {
                            label.check { input type="checkbox" name="notify" value="on"; " " (t(lang, "前一天提醒我，签到后快到我时再通知我（发送到上面的手机号）", "Remind me the day before, and tell me when my turn is near after check-in (to the phone above)")) }
                        }
                        button type="submit" { (t(lang, "提交预约", "Book")) }
                    }
                }
            }
        },
    )
}

/// A QR code of `text` as inline SVG.
fn qr_svg(text: &str) -> Markup {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return html! {};
    };
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            path.push_str(&format!("M{},{}h1v1h-1z", i % width + 4, i / width + 4));
        }
    }
    let size = width + 8;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (size) " " (size) } width="220" height="220" role="img" aria-label="QR" {
            rect width=(size) height=(size) fill="#fff" {}
            path d=(path) fill="#000" {}
        }
    }
}

fn booking_card(lang: &str, b: &Booking) -> Markup {
    let state = match b.state {
        BookingState::Booked => t(lang, "已预约", "booked"),
        BookingState::CheckedIn => t(lang, "已签到", "checked in"),
        BookingState::Cancelled => t(lang, "已取消", "cancelled"),
        BookingState::Missed => t(lang, "已过期未签到", "missed"),
    };
    html! {
        p.code { (b.code) }
        div.qr { (qr_svg(&b.code)) }
        p { (t(lang, "时间：", "Time: ")) (b.date) " " (b.slot) }
        p { (t(lang, "状态：", "State: ")) (state) }
        p { (b.name_masked) " · " (b.phone_masked) }
        p { (t(lang, "请在预约时段开始前30分钟至结束后15分钟内，到大厅取号机点“预约签到”，输入预约码或扫描二维码。",
               "Check in at the hall's kiosk (预约签到) from 30 minutes before your slot until 15 minutes after it, with this code or its QR code.")) }
    }
}

/// `POST /book`: books, then shows the code and its QR code; a refusal shows the form again.
pub(crate) async fn book_submit(State(app): State<App>, body: Bytes) -> Html<String> {
    let form: BookForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let lang = form.lang.clone();
    let (date, slot) = form.slot.split_once(' ').unwrap_or(("", ""));
    let req = BookRequest {
        notify: form.notify == "on",
        service_id: form.service.clone(),
        date: date.to_string(),
        slot: slot.to_string(),
        name: form.name,
        phone: form.phone,
        citizen_id: Some(form.citizen_id).filter(|s| !s.trim().is_empty()),
        request_id: None,
    };
    let answer = match public_gate(&app) {
        Ok(()) => book(&app, Actor::Public, req).await,
        Err(e) => Err(e),
    };
    match answer.map(|raw| serde_json::from_str::<BookingResponse>(&raw.0)) {
        Ok(Ok(r)) => page(
            &lang,
            t(&lang, "预约成功", "Booked"),
            booking_card(&lang, &r.booking),
        ),
        Ok(Err(e)) => page(&lang, "", html! { p.error { (e.to_string()) } }),
        Err(Failure(e)) => {
            let services = app
                .engine
                .read(|hall, _, now| hall.bookable(now))
                .await
                .unwrap_or_default();
            form_page(
                &lang,
                &services,
                Some(&form.service),
                Some(refusal(&lang, &e)),
                app.config.notify.enabled,
            )
        }
    }
}

/// `GET /book/lookup`: the code and phone form.
pub(crate) async fn lookup_page(ApiQuery(q): ApiQuery<PageQuery>) -> Html<String> {
    let lang = q.lang.unwrap_or_default();
    lookup_form(&lang, None)
}

fn lookup_form(lang: &str, error: Option<String>) -> Html<String> {
    page(
        lang,
        t(lang, "查询或取消预约", "Look up or cancel a booking"),
        html! {
            @if let Some(e) = &error { p.error { (e) } }
            form method="post" action="/book/lookup" {
                input type="hidden" name="lang" value=(lang);
                label { (t(lang, "预约码", "Booking code")) input type="text" name="code" required maxlength="12"; }
                label { (t(lang, "预约手机号", "Phone used to book")) input type="tel" name="phone" required; }
                button type="submit" name="action" value="lookup" { (t(lang, "查询", "Look up")) }
            }
        },
    )
}

/// `POST /book/lookup`: shows the booking (with 取消预约 while it can be cancelled), or cancels it.
pub(crate) async fn lookup_submit(State(app): State<App>, body: Bytes) -> Html<String> {
    let form: LookupForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let lang = form.lang.clone();
    if let Err(Failure(e)) = public_gate(&app) {
        return lookup_form(&lang, Some(refusal(&lang, &e)));
    }
    let Ok(phone) = crate::auth::phone_digits(&form.phone) else {
        return lookup_form(
            &lang,
            Some(refusal(
                &lang,
                &ApiError::new(ErrorCode::BadRequest, "a phone number has 7 to 15 digits"),
            )),
        );
    };
    let code = normalise_code(&form.code);
    let phone_hash = app.auth.keyed_hash(&["phone", &phone]);
    let result: Result<Booking, ApiError> = if form.action == "cancel" {
        let cmd = Command::Booking(BookingCmd::Cancel {
            code: code.clone(),
            phone_hash: Some(phone_hash),
        });
        app.engine
            .command(Actor::Public, None, cmd)
            .await
            .and_then(|raw| {
                serde_json::from_str::<BookingResponse>(&raw)
                    .map(|r| r.booking)
                    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
            })
    } else {
        let c = code.clone();
        match app
            .engine
            .read(move |hall, _, _| hall.booking_lookup(&c, &phone_hash))
            .await
        {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err(ApiError::new(
                ErrorCode::UnknownBooking,
                "no booking with this code and phone",
            )),
            Err(e) => Err(e),
        }
    };
    match result {
        Err(e) => lookup_form(&lang, Some(refusal(&lang, &e))),
        Ok(b) => page(
            &lang,
            t(&lang, "我的预约", "My booking"),
            html! {
                (booking_card(&lang, &b))
                @if b.state == BookingState::Booked {
                    form method="post" action="/book/lookup" {
                        input type="hidden" name="lang" value=(lang);
                        input type="hidden" name="code" value=(b.code);
                        input type="hidden" name="phone" value=(form.phone);
                        button type="submit" name="action" value="cancel" { (t(&lang, "取消预约", "Cancel the booking")) }
                    }
                }
            },
        ),
    }
}
