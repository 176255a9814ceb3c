//! The API contract (issue 16): a request built from the served OpenAPI document alone is accepted as
//! well formed, and a value the document forbids is refused with 400. A generated client must be able
//! to trust the document.
//!
//! The generator reads only the document: it resolves `$ref`s, picks a value for every property that
//! satisfies its type, enum, pattern (a string drawn from the pattern; the field's `example` at the
//! least, or where a format says more than a pattern can), length and range, at both ends of each,
//! and sends it with each role's credentials. A refusal for the state of the world (404 unknown id,
//! 409 wrong state, 401/403 wrong role) is fine; 400 `bad_request` or 422 means the document promised
//! something the server does not accept. Rate limits are off, so a 429 would hide a body: it fails.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use qcall_server::clock::ManualClock;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::util::*;

/// String formats the document defines that no pattern can state: their values come from the
/// field's example.
const KNOWN_ONLY_BY_EXAMPLE: &[&str] = &["gb11643-resident-id"];

/// Which end of each constraint a request probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    /// Required properties only, each at its least: shortest strings, smallest numbers, fewest
    /// items, the first enum value.
    Least,
    /// Every property at its most: longest strings, largest numbers, most (distinct) items, the
    /// last enum value.
    Most,
    /// Every property, short: shortest strings and smallest numbers, one item per array, the last
    /// enum value.
    Short,
}

/// The document and a deterministic source of pattern samples.
struct Gen<'a> {
    doc: &'a Value,
    runner: TestRunner,
    /// Makes the strings of one array differ.
    salt: u8,
}

impl Gen<'_> {
    fn resolve<'v>(&'v self, schema: &'v Value) -> &'v Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.trim_start_matches("#/components/schemas/");
                self.resolve(&self.doc["components"]["schemas"][name])
            }
            None => schema,
        }
    }

    /// A value valid for `schema` at one end of what it allows.
    fn value(&mut self, schema: &Value, probe: Probe) -> Value {
        let schema = self.resolve(schema).clone();
        // The example at the least; otherwise a pattern's own samples, unless a format of ours
        // says more than a pattern can (a check digit): a generator cannot make those.
        let by_example = KNOWN_ONLY_BY_EXAMPLE.contains(&schema["format"].as_str().unwrap_or(""));
        let patterned = schema.get("pattern").is_some() && !by_example;
        if let Some(example) = schema
            .get("example")
            .filter(|_| probe == Probe::Least || !patterned)
        {
            return example.clone();
        }
        if let Some(e) = schema.get("enum").and_then(Value::as_array) {
            let mut values = e.iter().filter(|v| !v.is_null());
            let v = if probe != Probe::Least {
                values.next_back()
            } else {
                values.next()
            };
            return v.cloned().unwrap_or(Value::Null);
        }
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alts) = schema.get(key).and_then(Value::as_array) {
                // The first alternative at the least, the last otherwise.
                let mut real = alts
                    .iter()
                    .filter(|a| a.get("type") != Some(&json!("null")));
                let alt = if probe == Probe::Least {
                    real.next()
                } else {
                    real.next_back()
                }
                .unwrap_or(&alts[0]);
                return self.value(alt, probe);
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for p in parts {
                if let Value::Object(o) = self.value(p, probe) {
                    merged.extend(o);
                }
            }
            return Value::Object(merged);
        }
        let ty = match schema.get("type") {
            Some(Value::Array(types)) => types
                .iter()
                .find(|t| *t != "null")
                .and_then(Value::as_str)
                .unwrap_or("null")
                .to_string(),
            Some(Value::String(t)) => t.clone(),
            _ if schema.get("properties").is_some() => "object".into(),
            _ => "null".into(),
        };
        match ty.as_str() {
            "object" => {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut out = Map::new();
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (name, prop) in props {
                        if probe != Probe::Least || required.contains(&name.as_str()) {
                            out.insert(name.clone(), self.value(prop, probe));
                        }
                    }
                }
                Value::Object(out)
            }
            "array" => {
                // Probe both ends: the fewest items allowed, or the most (distinct: cycling through an
                // enum, or strings that differ).
                let min = schema["minItems"].as_u64().unwrap_or(0);
                let max = schema["maxItems"].as_u64();
                let n = match probe {
                    Probe::Least => min,
                    Probe::Most => max.unwrap_or(3).max(min),
                    Probe::Short => min.max(1).min(max.unwrap_or(1)),
                };
                let items = self.resolve(&schema["items"]).clone();
                let mut out: Vec<Value> = Vec::new();
                for i in 0..n {
                    let v = match items["enum"].as_array() {
                        Some(e) => e[i as usize % e.len()].clone(),
                        None => {
                            self.salt = i as u8;
                            let v = self.value(&items, probe);
                            self.salt = 0;
                            v
                        }
                    };
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                Value::Array(out)
            }
            "integer" | "number" => {
                // The ends of the documented range; without one, the ends of the format.
                let wide = schema["format"] == "int64";
                let min = schema["minimum"].as_i64().unwrap_or(if wide {
                    -(1 << 53)
                } else {
                    i64::from(i32::MIN)
                });
                let max = schema["maximum"].as_i64().unwrap_or(if wide {
                    1 << 53
                } else {
                    i64::from(i32::MAX)
                });
                json!(if probe == Probe::Most { max } else { min })
            }
            "boolean" => json!(probe == Probe::Most),
            "string" => json!(self.string(&schema, probe)),
            _ => Value::Null,
        }
    }

    /// A string of the shortest (or, [`Probe::Most`], the longest) length allowed; without a
    /// documented maximum, 1000 characters (what a generator would try).
    fn string(&mut self, schema: &Value, probe: Probe) -> String {
        let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
        let max = schema["maxLength"].as_u64().map(|m| m as usize);
        if let Some(p) = schema["pattern"].as_str() {
            // JSON Schema patterns are unanchored; ours are anchored, which proptest cannot generate.
            let body = p.trim_start_matches('^').trim_end_matches('$');
            let strategy = proptest::string::string_regex(body).unwrap_or_else(|e| {
                panic!("pattern {p} has no example and cannot be generated: {e}")
            });
            let mut fits: Vec<String> = (0..50)
                .map(|_| {
                    strategy
                        .new_tree(&mut self.runner)
                        .expect("sample")
                        .current()
                })
                .filter(|s| {
                    let n = s.chars().count();
                    n >= min && max.is_none_or(|m| n <= m)
                })
                .collect();
            fits.sort_by_key(|s| s.chars().count());
            let pick = if probe == Probe::Most {
                fits.pop()
            } else {
                fits.into_iter().next()
            };
            return pick.unwrap_or_else(|| {
                panic!("pattern {p} yields no string of length {min}..{max:?}")
            });
        }
        let n = if probe == Probe::Most {
            max.unwrap_or(1000)
        } else {
            min
        };
        // The longest strings are not ASCII: a length in characters is not one in bytes.
        let c = if probe == Probe::Most {
            char::from_u32(0x4e00 + u32::from(self.salt)).unwrap_or('一')
        } else {
            char::from(b'a' + self.salt % 26)
        };
        c.to_string().repeat(n)
    }
}

/// Reads whose query has a rule between parameters that a schema cannot state (both in their
/// descriptions): the reports' and export's date ranges and groupings.
const CROSS_PARAMETER_RULES: &[&str] = &[
    "/api/v1/reports",
    "/api/v1/reports/ranking",
    "/api/v1/ratings/export",
];

/// Every operation of the document: (method, documented path, operation).
fn all_operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            out.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    out
}

/// Every operation of the document with a JSON body or a query: (method, documented path,
/// operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let has_body = op["requestBody"]["content"]["application/json"].is_object();
            let has_query = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            if has_body || (has_query && !CROSS_PARAMETER_RULES.contains(&path.as_str())) {
                out.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    // Signing out and ending sessions last: they end the credentials the others use.
    out.sort_by_key(|(_, path, _)| path.contains("logout") || path.contains("end-sessions"));
    out
}

/// The concrete path and body for `op`.
fn request(g: &mut Gen<'_>, path: &str, op: &Value, probe: Probe) -> (String, Option<Value>) {
    let mut concrete = path.to_string();
    let mut query = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().expect("name");
        let schema = g.resolve(&p["schema"]).clone();
        let text = if p["in"] == "path" && schema.get("example").is_none() {
            // A path names something: the first of its kind (window 1, ticket 1) or a staff member
            // that exists, so that the body, not the world, is what the server judges.
            if schema["type"] == "integer" {
                "1"
            } else {
                "s2"
            }
            .to_string()
        } else {
            match g.value(&schema, probe) {
                Value::String(s) => s,
                other => other.to_string(),
            }
        };
        match p["in"].as_str() {
            Some("path") => concrete = concrete.replace(&format!("{{{name}}}"), &text),
            Some("query") if probe != Probe::Least || p["required"] == json!(true) => {
                query.push(format!("{name}={}", urlencode(&text)))
            }
            _ => {}
        }
    }
    if !query.is_empty() {
        concrete = format!("{concrete}?{}", query.join("&"));
    }
    let body = op["requestBody"]["content"]["application/json"]["schema"].clone();
    let body = (!body.is_null()).then(|| g.value(&body, probe));
    (concrete, body)
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_valid_per_the_openapi_document_are_accepted() {
    // No rate limits or lockouts: every request must reach the checks of its body.
    let limits = "[limits]\nissue_per_minute = 0\nlogin_failures = 0\naddress_failures = 0\n";
    let server = TestServer::start_with(
        &hall_toml(2, limits),
        ManualClock::new(at("2026-11-23T09:00")),
        None,
    )
    .await;
    let staff = server.at_window("s1", 1).await;
    let manager = server.staff("m1").await;
    let admin = server.staff("x1").await;
    let clients = [
        ("nobody", server.anonymous()),
        ("kiosk", server.client(KIOSK)),
        ("board", server.client(BOARD)),
        ("pad", server.client(PAD1)),
        ("staff", staff),
        ("manager", manager),
        ("admin", admin),
    ];
    let (_, doc) = server
        .anonymous()
        .raw(Method::GET, "/api/v1/openapi.json", None)
        .await;
    if let Ok(path) = std::env::var("QCALL_DUMP_OPENAPI") {
        std::fs::write(path, doc.to_string()).expect("dump");
    }
    // A parameter said to be in the path is in the path: otherwise a client cannot send it.
    for (method, path, op) in all_operations(&doc) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap_or("");
            if p["in"] == "path" {
                assert!(
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path}: `{name}` is documented in the path but is not in it"
                );
            }
        }
    }
    let mut g = Gen {
        doc: &doc,
        runner: TestRunner::deterministic(),
        salt: 0,
    };
    let ops = operations(&doc);
    let mut rejected = Vec::new();
    let mut checked = 0;
    let mut judged = 0;
    let mut limited = Vec::new();
    let mut unjudged = Vec::new();
    for (method, path, op) in &ops {
        checked += 1;
        let mut refusals = Vec::new();
        let mut judged_here = false;
        for probe in [Probe::Least, Probe::Most, Probe::Short] {
            let (concrete, body) = request(&mut g, path, op, probe);
            for (who, client) in &clients {
                // Two seconds between requests: the public booking bucket (30 a minute) refills.
                server.clock.advance_ms(2_000);
                let m = Method::from_bytes(method.as_bytes()).expect("method");
                let (status, value) = client
                    .raw(m, &concrete, body.as_ref().map(Value::to_string))
                    .await;
                let code = value["error"]["code"].as_str().unwrap_or("");
                // Past the role check: the server judged this body.
                if status == 429 {
                    limited.push(format!("{who}: {method} {concrete} -> {code}"));
                }
                if code != "unauthorized" && code != "forbidden" {
                    judged += 1;
                    judged_here = true;
                }
                if status == 422 || (status == 400 && code == "bad_request") {
                    refusals.push(format!(
                        "{who}: {concrete} {} -> {status} {}",
                        body.as_ref().map(Value::to_string).unwrap_or_default(),
                        value["error"]["message"]
                    ));
                }
            }
        }
        if !judged_here {
            unjudged.push(format!("{method} {path}"));
        }
        if !refusals.is_empty() {
            rejected.push(format!("{method} {path}\n    {}", refusals.join("\n    ")));
        }
    }
    println!(
        "contract: {checked} operations checked ({judged} requests past the role check), {} rejected",
        rejected.len()
    );
    for l in &limited {
        println!("  rate-limited, not judged: {l}");
    }
    for r in &rejected {
        println!("  rejected: {r}");
    }
    assert!(
        checked >= 30,
        "only {checked} operations with a body or a query"
    );
    assert!(rejected.is_empty(), "{} rejected", rejected.len());
    assert!(
        limited.is_empty(),
        "rate limits hid {} requests",
        limited.len()
    );
    assert!(
        unjudged.is_empty(),
        "no role got past the role check: {unjudged:?}"
    );
    server.stop().await;
}

/// Values just past a schema's documented bounds: one character, one number or one item too many
/// (or too few).
fn just_past(schema: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(max) = schema["maxLength"].as_u64() {
        out.push(json!("a".repeat(max as usize + 1)));
    }
    if let Some(min) = schema["minLength"].as_u64().filter(|m| *m > 0) {
        out.push(json!("a".repeat(min as usize - 1)));
    }
    if let Some(max) = schema["maximum"].as_i64() {
        out.push(json!(max + 1));
    }
    if let Some(min) = schema["minimum"].as_i64() {
        out.push(json!(min - 1));
    }
    if let Some(max) = schema["maxItems"].as_u64() {
        let item = schema["items"]["example"].clone();
        let item = if item.is_null() { json!("x") } else { item };
        out.push(Value::Array(vec![item; max as usize + 1]));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_the_document_forbids_are_refused_with_400() {
    let server = TestServer::start(2).await;
    let manager = server.staff("m1").await;
    let (_, doc) = server
        .anonymous()
        .raw(Method::GET, "/api/v1/openapi.json", None)
        .await;
    let schemas = &doc["components"]["schemas"];
    // (who, path, a body the server takes, the schema and property to push past its bounds).
    let cases = [
        (
            server.client(KIOSK),
            "/api/v1/tickets",
            json!({"request_id": "k-1", "service_id": "a"}),
            "IssueRequest",
            "request_id",
        ),
        (
            server.anonymous(),
            "/api/v1/auth/login",
            json!({"staff_no": "s1", "password": "wrong"}),
            "LoginRequest",
            "staff_no",
        ),
        (
            server.anonymous(),
            "/api/v1/auth/login",
            json!({"staff_no": "s1", "password": "wrong"}),
            "LoginRequest",
            "password",
        ),
        (
            server.client(KIOSK),
            "/api/v1/kiosk/check-pin",
            json!({"staff_no": "s1", "pin": "0000"}),
            "HelperPin",
            "pin",
        ),
        (
            manager.clone(),
            "/api/v1/notices",
            json!({"notices": ["一"]}),
            "NoticesRequest",
            "notices",
        ),
        (
            server.anonymous(),
            "/api/v1/public/bookings",
            json!({"service_id": "a", "date": "2026-12-07", "slot": "09:00", "name": "张三",
                "phone": "13800138000"}),
            "BookRequest",
            "name",
        ),
    ];
    let mut refused = 0;
    for (client, path, body, schema, property) in cases {
        let prop = &schemas[schema]["properties"][property];
        let past = just_past(prop);
        assert!(!past.is_empty(), "{schema}.{property} states no bound");
        for value in past {
            let mut body = body.clone();
            body[property] = value.clone();
            let method = if path == "/api/v1/notices" {
                Method::PUT
            } else {
                Method::POST
            };
            let (status, answer) = client.raw(method, path, Some(body.to_string())).await;
            assert_eq!(
                (status, answer["error"]["code"].as_str()),
                (400, Some("bad_request")),
                "{path} {schema}.{property} = {value}: {answer}"
            );
            refused += 1;
        }
    }
    // A notice line past its length or blank, and a pattern broken: a phone, a slot.
    let line = &schemas["NoticesRequest"]["properties"]["notices"]["items"];
    let long = "一".repeat(line["maxLength"].as_u64().expect("line bound") as usize + 1);
    let book = json!({"service_id": "a", "date": "2026-12-07", "slot": "09:00", "name": "张三",
        "phone": "13800138000"});
    let broken = [
        (
            manager.clone(),
            Method::PUT,
            "/api/v1/notices",
            json!({"notices": [long]}),
        ),
        (
            manager.clone(),
            Method::PUT,
            "/api/v1/notices",
            json!({"notices": ["  "]}),
        ),
        (
            server.anonymous(),
            Method::POST,
            "/api/v1/public/bookings",
            {
                let mut b = book.clone();
                b["phone"] = json!("12");
                b
            },
        ),
        (
            server.anonymous(),
            Method::POST,
            "/api/v1/public/bookings",
            {
                let mut b = book.clone();
                b["slot"] = json!("9h");
                b
            },
        ),
    ];
    for (client, method, path, body) in broken {
        let (status, answer) = client.raw(method, path, Some(body.to_string())).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        refused += 1;
    }
    // Dates the pattern refuses: a day that does not exist, and no date at all.
    for day in ["2026-02-30", "2026-13-01", "today"] {
        for path in [
            format!("/api/v1/bookings?date={day}"),
            format!("/api/v1/audit?day={day}"),
        ] {
            let (status, answer) = manager.raw(Method::GET, &path, None).await;
            assert_eq!(status, 400, "{path}: {answer}");
            refused += 1;
        }
    }
    // A query bound: the cases' page size.
    let limit = doc["paths"]["/api/v1/cases"]["get"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
        .expect("limit")["schema"]
        .clone();
    for value in just_past(&limit) {
        let (status, answer) = manager
            .raw(Method::GET, &format!("/api/v1/cases?limit={value}"), None)
            .await;
        assert_eq!(status, 400, "limit={value}: {answer}");
        refused += 1;
    }
    println!("contract: {refused} values past the document's bounds refused with 400");
    server.stop().await;
}
