//! Legs as a report adds them up: each [`LegFact`] reduced to the fields a report groups, filters
//! and counts by ([`Leg`], a small `Copy` record), its texts (day, service, staff) kept once in the
//! collection and named by number. A year of a busy hall is half a million legs: held this way they
//! cost no allocation each, and finding a leg's group hashes small numbers, not text.
//!
//! [`encode`] and [`decode`] turn a set of legs (the store keeps one per past business day, its
//! *pack*) into bytes and back, exactly: a report over packs is the report over the facts.
//! Pure: no I/O.

use std::collections::HashMap;

use qcall_protocol::{LegOutcome, TicketClass, WindowNo};

use super::LegFact;

/// One closed leg, as much of it as a report needs. Texts are numbers into [`Legs`]' texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Leg {
    pub(crate) ticket_id: i64,
    pub(crate) wait_ms: Option<i64>,
    pub(crate) handle_ms: Option<i64>,
    pub(crate) window: Option<WindowNo>,
    /// 0-based index into the ticket's legs (0: the ticket's issue).
    pub(crate) leg: u32,
    pub(crate) recalls: u32,
    /// The business day's text.
    pub(crate) day: u32,
    /// The service id's text.
    pub(crate) service: u32,
    /// The staff number's text, the empty text when none.
    pub(crate) staff: u32,
    pub(crate) hour: u8,
    pub(crate) weekday: u8,
    pub(crate) class: TicketClass,
    pub(crate) outcome: LegOutcome,
    /// The citizen was marked no-show at least once on this leg.
    pub(crate) no_shows: bool,
    pub(crate) special_call: bool,
    pub(crate) out_of_order: bool,
    pub(crate) over_limit: bool,
}

impl Leg {
    /// The citizen was served on this leg (done, or transferred on from the window).
    pub(crate) fn served(&self) -> bool {
        self.handle_ms.is_some()
    }

    /// The leg ended without service after the citizen was marked no-show (过号).
    pub(crate) fn no_show(&self) -> bool {
        !self.served() && self.no_shows && self.outcome == LegOutcome::Expired
    }
}

/// Legs with their texts, each text kept once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Legs {
    texts: Vec<String>,
    ids: HashMap<String, u32>,
    legs: Vec<Leg>,
}

impl Legs {
    /// How many legs.
    pub(crate) fn len(&self) -> usize {
        self.legs.len()
    }

    /// No legs at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.legs.is_empty()
    }

    /// The legs, in the order they were added.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Leg> {
        self.legs.iter()
    }

    /// Every text, its number being its place.
    pub(crate) fn texts(&self) -> &[String] {
        &self.texts
    }

    /// The number of `text`, added when new.
    pub(crate) fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push(text.to_string());
        self.ids.insert(text.to_string(), id);
        id
    }

    /// Adds a leg whose texts are numbers of this collection.
    pub(crate) fn push(&mut self, leg: Leg) {
        self.legs.push(leg);
    }

    /// Adds a fact.
    pub(crate) fn push_fact(&mut self, f: &LegFact) {
        let leg = Leg {
            ticket_id: f.ticket_id,
            wait_ms: f.wait_ms,
            handle_ms: f.handle_ms,
            window: f.window,
            leg: f.leg,
            recalls: f.recalls,
            day: self.id(&f.business_day),
            service: self.id(&f.service_id),
            staff: self.id(f.staff_no.as_deref().unwrap_or_default()),
            hour: f.hour,
            weekday: f.weekday,
            class: f.class,
            outcome: f.outcome,
            no_shows: f.no_shows > 0,
            special_call: f.special_call,
            out_of_order: f.out_of_order,
            over_limit: f.over_limit,
        };
        self.legs.push(leg);
    }
}

impl From<&[LegFact]> for Legs {
    fn from(facts: &[LegFact]) -> Legs {
        let mut legs = Legs::default();
        for f in facts {
            legs.push_fact(f);
        }
        legs
    }
}

impl From<Vec<LegFact>> for Legs {
    fn from(facts: Vec<LegFact>) -> Legs {
        Legs::from(facts.as_slice())
    }
}

// ---- Packs --------------------------------------------------------------------------------------

/// The format's first byte; a pack of another version is not read (the store then reads the facts).
const VERSION: u8 = 1;

const OUTCOMES: [LegOutcome; 4] = [
    LegOutcome::Done,
    LegOutcome::Transferred,
    LegOutcome::Cancelled,
    LegOutcome::Expired,
];

fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// `legs` as bytes: the texts they use, then per leg its flags and numbers as varints (the ticket
/// id as the difference from the leg before). About 15 bytes a leg.
pub(crate) fn encode(legs: &Legs) -> Vec<u8> {
    // Only the texts these legs use, renumbered in order of first use.
    let mut local: HashMap<u32, u64> = HashMap::new();
    let mut used: Vec<u32> = Vec::new();
    let mut number = |id: u32| -> u64 {
        *local.entry(id).or_insert_with(|| {
            used.push(id);
            used.len() as u64 - 1
        })
    };
    let mut body = Vec::with_capacity(legs.len() * 16);
    let mut last_ticket = 0i64;
    for l in legs.iter() {
        let class = TicketClass::ALL
            .iter()
            .position(|&c| c == l.class)
            .unwrap_or(0) as u64;
        let outcome = OUTCOMES.iter().position(|&o| o == l.outcome).unwrap_or(0) as u64;
        let flags = outcome
            | class << 2
            | u64::from(l.no_shows) << 5
            | u64::from(l.special_call) << 6
            | u64::from(l.out_of_order) << 7
            | u64::from(l.over_limit) << 8
            | u64::from(l.wait_ms.is_some()) << 9
            | u64::from(l.handle_ms.is_some()) << 10
            | u64::from(l.window.is_some()) << 11;
        put(&mut body, flags);
        put(&mut body, zigzag(l.ticket_id.wrapping_sub(last_ticket)));
        last_ticket = l.ticket_id;
        put(&mut body, u64::from(l.leg));
        put(&mut body, number(l.day));
        put(&mut body, number(l.service));
        put(&mut body, number(l.staff));
        put(&mut body, u64::from(l.hour));
        put(&mut body, u64::from(l.weekday));
        put(&mut body, u64::from(l.recalls));
        if let Some(w) = l.window {
            put(&mut body, u64::from(w));
        }
        if let Some(w) = l.wait_ms {
            put(&mut body, zigzag(w));
        }
        if let Some(h) = l.handle_ms {
            put(&mut body, zigzag(h));
        }
    }
    let mut out = vec![VERSION];
    put(&mut out, used.len() as u64);
    for id in used {
        let text = legs.texts[id as usize].as_bytes();
        put(&mut out, text.len() as u64);
        out.extend_from_slice(text);
    }
    put(&mut out, legs.len() as u64);
    out.extend_from_slice(&body);
    out
}

/// Reads bytes front to back.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn next(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(n);
            }
        }
        None
    }

    fn small<T: TryFrom<u64>>(&mut self) -> Option<T> {
        T::try_from(self.next()?).ok()
    }
}

/// Adds the legs of a pack made by [`encode`] to `into`; `None` (and `into` unchanged) when the
/// bytes are not such a pack.
pub(crate) fn decode(bytes: &[u8], into: &mut Legs) -> Option<()> {
    let (&version, rest) = bytes.split_first()?;
    if version != VERSION {
        return None;
    }
    let mut r = Reader { bytes: rest };
    let texts = r.next()?;
    let mut ids = Vec::with_capacity(usize::try_from(texts).ok()?.min(4096));
    let mut seen = Vec::new();
    for _ in 0..texts {
        let len: usize = r.small()?;
        let text = r.bytes.get(..len)?;
        r.bytes = &r.bytes[len..];
        seen.push(std::str::from_utf8(text).ok()?);
    }
    let count: usize = r.small()?;
    let mut legs = Vec::with_capacity(count.min(1 << 20));
    let text = |i: u64, ids: &[u32]| ids.get(usize::try_from(i).ok()?).copied();
    // Texts are numbered into `into` only once the whole pack has been read.
    let mut pending = Vec::with_capacity(count.min(1 << 20));
    let mut ticket = 0i64;
    for _ in 0..count {
        let flags = r.next()?;
        ticket = ticket.wrapping_add(unzigzag(r.next()?));
        let leg: u32 = r.small()?;
        let (day, service, staff) = (r.next()?, r.next()?, r.next()?);
        let (hour, weekday, recalls): (u8, u8, u32) = (r.small()?, r.small()?, r.small()?);
        let window: Option<WindowNo> = if flags & 1 << 11 != 0 {
            Some(r.small()?)
        } else {
            None
        };
        let wait_ms = if flags & 1 << 9 != 0 {
            Some(unzigzag(r.next()?))
        } else {
            None
        };
        let handle_ms = if flags & 1 << 10 != 0 {
            Some(unzigzag(r.next()?))
        } else {
            None
        };
        pending.push((
            (day, service, staff),
            Leg {
                ticket_id: ticket,
                wait_ms,
                handle_ms,
                window,
                leg,
                recalls,
                day: 0,
                service: 0,
                staff: 0,
                hour,
                weekday,
                class: *TicketClass::ALL.get(usize::try_from(flags >> 2 & 7).ok()?)?,
                outcome: OUTCOMES[(flags & 3) as usize],
                no_shows: flags & 1 << 5 != 0,
                special_call: flags & 1 << 6 != 0,
                out_of_order: flags & 1 << 7 != 0,
                over_limit: flags & 1 << 8 != 0,
            },
        ));
    }
    if !r.bytes.is_empty()
        || pending
            .iter()
            .any(|((d, s, t), _)| *d.max(s).max(t) >= texts)
    {
        return None;
    }
    ids.extend(seen.iter().map(|t| into.id(t)));
    for ((d, s, t), mut leg) in pending {
        (leg.day, leg.service, leg.staff) = (text(d, &ids)?, text(s, &ids)?, text(t, &ids)?);
        legs.push(leg);
    }
    into.legs.extend(legs);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field survives the round trip, texts included, into a collection that already holds
    /// other texts.
    #[test]
    fn a_pack_reads_back_as_the_legs_it_was_made_of() {
        let mut legs = Legs::default();
        let mut n = 0x5eedu64;
        let mut next = move |m: u64| {
            n = n.wrapping_mul(6364136223846793005).wrapping_add(1);
            (n >> 33) % m
        };
        for i in 0..500i64 {
            let day = legs.id(if i < 250 { "2026-11-23" } else { "2026-11-24" });
            let service = legs.id(&format!("svc{}", next(7)));
            let staff = legs.id(if next(5) == 0 { "" } else { "s1" });
            legs.push(Leg {
                ticket_id: 1_000_000 + i * 3 - (next(4) as i64),
                wait_ms: (next(5) != 0).then(|| next(9_000_000) as i64 - 1000),
                handle_ms: (next(3) != 0).then(|| next(9_000_000_000) as i64),
                window: (next(4) != 0).then(|| if i == 7 { u32::MAX } else { next(40) as u32 }),
                leg: next(3) as u32,
                recalls: next(3) as u32,
                day,
                service,
                staff,
                hour: next(24) as u8,
                weekday: 1 + next(7) as u8,
                class: TicketClass::ALL[next(4) as usize],
                outcome: OUTCOMES[next(4) as usize],
                no_shows: next(2) == 0,
                special_call: next(2) == 0,
                out_of_order: next(2) == 0,
                over_limit: next(2) == 0,
            });
        }
        let bytes = encode(&legs);
        let mut back = Legs::default();
        back.id("other");
        decode(&bytes, &mut back).expect("a pack");
        assert_eq!(back.len(), legs.len());
        let text = |l: &Legs, id: u32| l.texts()[id as usize].clone();
        for (a, b) in legs.iter().zip(back.iter()) {
            assert_eq!(
                (
                    text(&legs, a.day),
                    text(&legs, a.service),
                    text(&legs, a.staff)
                ),
                (
                    text(&back, b.day),
                    text(&back, b.service),
                    text(&back, b.staff)
                )
            );
            let renumbered = Leg {
                day: a.day,
                service: a.service,
                staff: a.staff,
                ..*b
            };
            assert_eq!(&renumbered, a);
        }
        assert!(bytes.len() < legs.len() * 20, "{} bytes", bytes.len());
    }

    #[test]
    fn bytes_that_are_no_pack_are_refused_and_change_nothing() {
        let mut legs = Legs::default();
        legs.push_fact(&crate::report::tests::a_fact());
        let bytes = encode(&legs);
        let mut into = Legs::default();
        for bad in [
            &[][..],
            &[2, 0, 0],
            &bytes[..bytes.len() - 1],
            &[bytes.clone(), vec![0]].concat(),
        ] {
            assert_eq!(decode(bad, &mut into), None);
            assert!(into.is_empty() && into.texts().is_empty());
        }
    }
}
