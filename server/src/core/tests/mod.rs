//! Every rule of R1–R14 and every refused transition, on the pure core with an injected clock. The
//! helpers live here; each file tests one rule family.

mod booking;
mod console;
mod day;
mod edges;
mod estimate;
mod facts;
mod issue;
mod notice;
mod order;
mod props;
mod rating;
mod serve;
mod transitions;
mod window;

use super::*;
use crate::calendar::tests::at;
use crate::config::HallConfig;
use qcall_protocol::ErrorCode::*;
use qcall_protocol::TicketClass::*;
use qcall_protocol::{
    ActionResponse, Hold, IssueResponse, LegOutcome, PauseReason, TicketClass, TransferTarget,
    WindowStatus,
};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$rVY2ktGCAmp1U2PsDzpe4w$kbBwJXDfFxGKXRRMHsyr+cCcozfQMjrb7dZOFolp6/A";

/// A small hall: services a (A) and b (B); window 1 serves a then b, window 2 b, window 3 a.
pub(crate) fn test_config(extra_service_keys: &str) -> HallConfig {
    HallConfig::parse(&test_config_src(extra_service_keys), "test.toml").expect("test config")
}

/// The text of [`test_config`].
fn test_config_src(extra_service_keys: &str) -> String {
    format!(
        r#"
[hall]
name_zh = "测试大厅"
name_en = "Test hall"
cutoff_minutes = 30
[hall.hours]
mon = ["09:00-12:00", "13:30-17:00"]
tue = ["09:00-12:00", "13:30-17:00"]
wed = ["09:00-12:00", "13:30-17:00"]
thu = ["09:00-12:00", "13:30-17:00"]
fri = ["09:00-12:00", "13:30-17:00"]
[[groups]]
id = "g"
name_zh = "组"
name_en = "Group"
[[services]]
id = "a"
name_zh = "甲"
name_en = "Alpha"
group = "g"
prefix = "A"
expected_minutes = 6
{extra_service_keys}
[[services]]
id = "b"
name_zh = "乙"
name_en = "Beta"
group = "g"
prefix = "B"
expected_minutes = 10
[[services]]
id = "off"
name_zh = "停"
name_en = "Off"
group = "g"
prefix = "O"
expected_minutes = 10
enabled = false
[[windows]]
number = 1
name = "综合窗口"
primary = ["a"]
secondary = ["b"]
[[windows]]
number = 2
name = "二"
primary = ["b"]
[[windows]]
number = 3
name = "三"
primary = ["a"]
[[staff]]
staff_no = "s1"
name = "一"
role = "staff"
password_hash = "{HASH}"
[[staff]]
staff_no = "s2"
name = "二"
role = "staff"
password_hash = "{HASH}"
[[staff]]
staff_no = "s3"
name = "三"
role = "staff"
password_hash = "{HASH}"
windows = [3]
[[staff]]
staff_no = "m1"
name = "经理"
role = "manager"
password_hash = "{HASH}"
"#
    )
}

/// A hall under test with its clock.
struct T {
    hall: Hall,
    now: Millis,
    secrets: u64,
}

fn staff(w: WindowNo) -> Actor {
    Actor::Staff(format!("s{w}"))
}

fn kiosk() -> Actor {
    Actor::Kiosk("kiosk-1".into())
}

impl T {
    fn new() -> T {
        T::with(test_config(""))
    }

    /// The hall rebuilt from what the store keeps of it (a restart).
    fn rebuilt(&self) -> Hall {
        let mut restored = Restored {
            seq: self.hall.seq(),
            next_ticket_id: self.hall.next_id,
            business_day: Some(self.hall.business_day().to_string()),
            ..Restored::default()
        };
        restored.tickets = self.hall.tickets.values().cloned().collect();
        restored.windows = self.hall.windows.values().cloned().collect();
        Hall::new(self.hall.cfg.clone(), restored, self.now)
    }

    fn with(cfg: HallConfig) -> T {
        let now = at("2026-11-23 09:30");
        T {
            hall: Hall::new(Arc::new(cfg), Restored::default(), now),
            now,
            secrets: 0,
        }
    }

    fn at(&mut self, local: &str) -> &mut Self {
        self.now = at(local);
        self
    }

    fn minutes(&mut self, m: i64) -> &mut Self {
        self.now += m * 60_000;
        self
    }

    /// Applies a command as the engine does: rollover first, then the command, then the tiles it
    /// changed in the same push.
    fn apply(&mut self, actor: &Actor, cmd: Command) -> Result<Applied, ApiError> {
        if self.hall.rollover_due(self.now) {
            self.hall.rollover(self.now);
        }
        let mut applied = self.hall.apply(actor, cmd, self.now)?;
        applied.events.extend(self.hall.take_availability(self.now));
        Ok(applied)
    }

    fn try_issue_as(
        &mut self,
        actor: &Actor,
        service: &str,
        class: TicketClass,
        citizen: Option<&str>,
    ) -> Result<IssueResponse, ApiError> {
        self.secrets += 1;
        let cmd = Command::Issue(IssueCmd {
            service_id: service.into(),
            class,
            citizen_hash: citizen.map(String::from),
            phone_masked: None,
            helper: None,
            notice: None,
            secret: format!("{:032x}", self.secrets),
        });
        match self.apply(actor, cmd)?.reply {
            Reply::Issued(r) => Ok(*r),
            other => panic!("unexpected reply {other:?}"),
        }
    }

    /// Issues as staff at window 1 (any class allowed); returns the ticket id.
    fn issue(&mut self, service: &str, class: TicketClass) -> TicketId {
        self.try_issue_as(&staff(1), service, class, None)
            .expect("issue")
            .ticket
            .id
    }

    fn number(&self, id: TicketId) -> String {
        self.hall
            .ticket(id)
            .map(|t| t.ticket.number.clone())
            .expect("open ticket")
    }

    fn state(&self, id: TicketId) -> TicketState {
        self.hall
            .ticket(id)
            .map(|t| t.ticket.state)
            .expect("open ticket")
    }

    fn sign_in(&mut self, w: WindowNo) {
        self.apply(&staff(w), Command::SignIn { window: w })
            .expect("sign in");
    }

    fn window(&mut self, w: WindowNo, cmd: Command) -> Result<ActionResponse, ApiError> {
        match self.apply(&staff(w), cmd)?.reply {
            Reply::Action(a) => Ok(*a),
            other => panic!("unexpected reply {other:?}"),
        }
    }

    /// Calls next at window `w` and returns the called number.
    fn call(&mut self, w: WindowNo) -> Result<String, ApiError> {
        Ok(self
            .window(w, Command::CallNext { window: w })?
            .ticket
            .expect("ticket")
            .number)
    }

    /// Calls, starts and finishes at `w`, returning the number served.
    fn serve(&mut self, w: WindowNo) -> String {
        let n = self.call(w).expect("call");
        self.window(w, Command::Start { window: w }).expect("start");
        self.window(
            w,
            Command::Finish {
                window: w,
                case_no: None,
            },
        )
        .expect("finish");
        n
    }

    /// Everything a client could observe, and everything the hall keeps, to prove a refusal changed
    /// nothing: open tickets with their server-side state, windows, tiles, previews, today's figures
    /// of every window and service, counters, recent calls, notices, the sequence number, and the
    /// ratings book (recent ratings, open cases, their timing, the pads' invites).
    fn fingerprint(&self) -> String {
        let h = &self.hall;
        let mut stored: Vec<&StoredTicket> = h.tickets.values().collect();
        stored.sort_by_key(|t| t.ticket.id);
        let stats: BTreeMap<&String, &Stat> = h.stats.iter().collect();
        let counters: BTreeMap<&String, &u32> = h.counters.iter().collect();
        let citizens: BTreeMap<_, _> = h.citizens.iter().collect();
        format!(
            "{stored:?}|{:?}|{:?}|{:?}|{:?}|{stats:?}|{counters:?}|{citizens:?}|{:?}|{:?}|{:?}|{}|{}|{:?}|{:?}|{}",
            h.window_views(),
            h.windows,
            h.availability_all(self.now),
            (1..=3).map(|w| h.preview(w, 50)).collect::<Vec<_>>(),
            h.recent_calls(),
            h.notices,
            h.published,
            h.seq(),
            h.next_id,
            h.ratings,
            h.bookings,
            h.next_booking_id,
        )
    }

    /// Applies a command that must be refused with `code` and change nothing.
    fn refused(&mut self, actor: &Actor, cmd: Command, code: ErrorCode) {
        let before = self.fingerprint();
        let got = self.apply(actor, cmd.clone());
        match got {
            Err(e) => assert_eq!(e.code, code, "{cmd:?}: {e}"),
            Ok(a) => panic!("{cmd:?} was accepted: {:?}", a.reply),
        }
        assert_eq!(
            before,
            self.fingerprint(),
            "{cmd:?} was refused but changed the hall"
        );
    }
}

/// Puts one ticket of service a into `state` at window 1 and returns it.
fn ticket_in(t: &mut T, state: TicketState) -> TicketId {
    t.sign_in(1);
    let id = t.issue("a", Normal);
    let w = 1;
    match state {
        TicketState::Waiting => {}
        TicketState::Called => {
            t.call(w).expect("call");
        }
        TicketState::Serving => {
            t.call(w).expect("call");
            t.window(w, Command::Start { window: w }).expect("start");
        }
        TicketState::Held => {
            t.call(w).expect("call");
            t.window(w, Command::Hold { window: w }).expect("hold");
        }
        TicketState::NoShow => {
            t.call(w).expect("call");
            t.window(w, Command::NoShow { window: w }).expect("no-show");
        }
        TicketState::Expired => {
            t.call(w).expect("call");
            t.window(w, Command::NoShow { window: w }).expect("no-show");
            t.minutes(31);
            let now = t.now;
            let expired = t.hall.clock(now);
            assert!(expired.iter().any(|a| a.audit.action == "no_show_expired"));
            assert!(t.hall.ticket(id).is_none(), "closed");
            return id;
        }
        other => panic!("not set up here: {other:?}"),
    }
    assert_eq!(t.state(id), state);
    id
}
