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

    async fn click(&self, locator: Locator<'_>) {
        self.b()
            .wait()
            .for_element(locator)
            .await
            .expect("element")
            .click()
            .await
            .expect("click");
    }

    async fn type_into(&self, name: &str, text: &str) {
        self.b()
            .find(Locator::Css(&format!("input[name={name}]")))
            .await
            .expect("field")
            .send_keys(text)
            .await
            .expect("type");
    }

    async fn text(&self, css: &str) -> String {
        self.b()
            .wait()
            .for_element(Locator::Css(css))
            .await
            .expect("element")
            .text()
            .await
            .expect("text")
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
    let code = phone.text("p.code").await;
    assert_eq!(code.len(), 6, "{code}");
    assert!(
        b.find(Locator::Css("div.qr svg")).await.is_ok(),
        "a QR code"
    );
    let page = phone.text("main").await;
    assert!(
        page.contains("2026-11-23 09:00-09:30") && page.contains("张*"),
        "{page}"
    );
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
    assert!(phone.text("main").await.contains("已预约"));
    phone.click(Locator::Css("button[value=cancel]")).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if phone.text("main").await.contains("已取消") {
            break;
        }
        assert!(Instant::now() < deadline, "not cancelled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if let Some(b) = phone.browser.take() {
        let _ = b.close().await;
    }
    drop(phone);
    server.stop().await;
}
