//! The booking page `/book` in a real headless Chromium on a phone-sized window (390 × 844), driven
//! over WebDriver (chromedriver started by the test on a free port, against a real server on port
//! 0): book a slot, see the code and its QR code, look it up and cancel it with the code and phone.
//!
//! Without Chromium and chromedriver this test FAILS and says how to install them.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client as Browser, ClientBuilder, Locator};
use qcall_server::clock::ManualClock;

use crate::util::*;

const INSTALL: &str = "the browser test needs Chromium and chromedriver: \
    apt-get install chromium chromium-driver fonts-noto-cjk";

/// chromedriver and its browser session; the driver is killed when dropped.
struct Phone {
    driver: Child,
    browser: Option<Browser>,
    _profile: tempfile::TempDir,
}

impl Drop for Phone {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Phone {
    async fn start() -> Phone {
        for path in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            assert!(std::path::Path::new(path).exists(), "no {path}: {INSTALL}");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start chromedriver ({e}); {INSTALL}"));
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--no-first-run", "--window-size=390,844", "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("an object")
        };
        let mut phone = Phone {
            driver,
            browser: None,
            _profile: profile,
        };
        let url = format!("http://127.0.0.1:{port}");
        // chromedriver takes a moment to listen: retry the session for up to 20 s.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(b) => {
                    phone.browser = Some(b);
                    return phone;
                }
                Err(e) if Instant::now() > deadline => {
                    panic!("no WebDriver session: {e}; {INSTALL}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    fn b(&self) -> &Browser {
        self.browser.as_ref().expect("session")
    }

    /// Clicks the element, waiting for it; a click that lands while the page is being replaced
    /// (a stale element) is tried again on the new page, for up to 10 s.
    async fn click(&self, locator: Locator<'_>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let element = self.b().wait().for_element(locator).await.expect("element");
            match element.click().await {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("cannot click {locator:?}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    async fn type_into(&self, name: &str, text: &str) {
        self.b()
            .wait()
            .for_element(Locator::Css(&format!("input[name={name}]")))
            .await
            .expect("field")
            .send_keys(text)
            .await
            .expect("type");
    }

    /// The text of the first element matching `css`, or "" while there is none (or the page is
    /// between two documents).
    async fn text(&self, css: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';";
        self.b()
            .execute(script, vec![css.into()])
            .await
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    }

    /// Waits up to 10 s for the text of `css` to satisfy `f` and returns it; a page still loading
    /// or being replaced after a click is waited for, never read half-way.
    async fn wait_text(&self, css: &str, f: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let t = self.text(css).await;
            if f(&t) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "{css} did not show what was expected within 10 s; it shows {t:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_books_on_a_phone_then_cancels() {
    let toml = hall_toml(1, "").replace(
        "expected_minutes = 5\n",
        "expected_minutes = 5\n[services.booking]\nslot_minutes = 30\nquota = 2\nhours = [\"09:00-12:00\"]\n",
    );
    let server =
        TestServer::start_with(&toml, ManualClock::new(at("2026-11-23T08:00")), None).await;
    let mut phone = Phone::start().await;
    let b = phone.b();
    b.goto(&format!("{}/book", server.base))
        .await
        .expect("goto");
    // As a person would: the service by its name, the first free slot, the form.
    phone.click(Locator::LinkText("甲业务")).await;
    phone
        .click(Locator::Css(
            "input[type=radio][value='2026-11-23 09:00-09:30']",
        ))
        .await;
    phone.type_into("name", "张三").await;
    phone.type_into("phone", "13800138000").await;
    phone.click(Locator::Css("button[type=submit]")).await;
    let code = phone
        .wait_text("p.code", |t| !t.trim().is_empty())
        .await
        .trim()
        .to_string();
    assert_eq!(code.len(), 6, "{code}");
    assert!(
        b.find(Locator::Css("div.qr svg")).await.is_ok(),
        "a QR code"
    );
    let page = phone
        .wait_text("main", |t| t.contains("2026-11-23 09:00-09:30"))
        .await;
    assert!(page.contains("张*"), "{page}");
    // The page fits a phone: nothing wider than the window.
    let wide = b
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            vec![],
        )
        .await
        .expect("width");
    assert_eq!(wide.as_bool(), Some(true), "no horizontal scrolling");

    // Look it up and cancel it.
    phone.click(Locator::LinkText("查询或取消预约")).await;
    phone.type_into("code", &code.to_lowercase()).await;
    phone.type_into("phone", "13800138000").await;
    phone.click(Locator::Css("button[value=lookup]")).await;
    phone.wait_text("main", |t| t.contains("已预约")).await;
    phone.click(Locator::Css("button[value=cancel]")).await;
    phone.wait_text("main", |t| t.contains("已取消")).await;
    if let Some(b) = phone.browser.take() {
        let _ = b.close().await;
    }
    drop(phone);
    server.stop().await;
}
