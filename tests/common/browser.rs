//! A real browser for the page tests: Debian's Chromium, headless, driven over WebDriver by
//! its own `chromedriver` on a free loopback port. Each [`Browser`] has its own driver and
//! session and quits both when dropped (or by [`Browser::quit`]).
//!
//! [`Browser::check`] runs axe-core (npm, installed by `tests/browser/setup.sh`) on the page in
//! the browser and fails on any serious or critical violation, and writes a screenshot at
//! phone and desktop widths to `target/screenshots/` (the artifacts the README shows).

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Phone and desktop viewports (CSS pixels).
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1280, 900);

pub struct Browser {
    pub client: Client,
    driver: Child,
}

fn axe_source() -> &'static str {
    static AXE: OnceLock<String> = OnceLock::new();
    AXE.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let out = Command::new("bash")
            .arg(Path::new(root).join("tests/browser/setup.sh"))
            .output()
            .expect("run tests/browser/setup.sh");
        assert!(
            out.status.success(),
            "tests/browser/setup.sh: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    })
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

pub fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    dir
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session. Panics with what to install when
    /// either is missing (`.ci/run` installs them).
    pub async fn start() -> Self {
        for bin in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: apt-get install chromium chromium-driver (.ci/run does)"
            );
        }
        let port = free_port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": "/usr/bin/chromium", "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-extensions", "--lang=en-US",
                format!("--window-size={},{}", DESKTOP.0, DESKTOP.1)]}),
        );
        let started = Instant::now();
        let client = loop {
            // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            let attempt = ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("chromedriver on {url} did not start a session: {e}"),
            }
        };
        Browser { client, driver }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("goto");
    }

    /// The page's text. A page still being replaced (its body gone stale) is read again.
    pub async fn text(&self) -> String {
        for _ in 0..100 {
            let read = async {
                let body = self.client.find(Locator::Css("body")).await?;
                body.text().await
            };
            match read.await {
                Ok(text) => return text,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        panic!("the page's text could not be read");
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.client.find(Locator::Css(css)).await.expect(css);
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }

    /// Clicks and waits for the page it leads to: until the page clicked on is gone (its root
    /// element stale) and the new one has a body.
    pub async fn click(&self, css: &str) {
        let old = self.client.find(Locator::Css("html")).await.expect("html");
        let element = self.client.find(Locator::Css(css)).await.expect(css);
        element.click().await.expect("click");
        let started = Instant::now();
        while old.tag_name().await.is_ok() && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.client
            .wait()
            .for_element(Locator::Css("body"))
            .await
            .expect("page");
    }

    /// axe-core on the current page: no serious or critical violation. Then a screenshot at
    /// phone and desktop widths, `target/screenshots/{name}-phone.png` and `-desktop.png`.
    pub async fn check(&self, name: &str) {
        let result = self
            .client
            .execute_async(
                &format!(
                    "{}\nconst done = arguments[arguments.length - 1];\n\
                     axe.run(document, {{resultTypes: ['violations']}}).then(r => done(r.violations)).catch(e => done([{{id: 'axe-error', impact: 'critical', description: String(e)}}]));",
                    axe_source()
                ),
                vec![],
            )
            .await
            .expect("axe");
        let bad: Vec<&Value> = result
            .as_array()
            .map(|v| {
                v.iter()
                    .filter(|x| matches!(x["impact"].as_str(), Some("serious" | "critical")))
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            bad.is_empty(),
            "{name}: axe-core found serious or critical violations: {}",
            serde_json::to_string_pretty(&bad).unwrap_or_default()
        );
        let dir = screenshots_dir();
        for (label, (w, h)) in [("phone", PHONE), ("desktop", DESKTOP)] {
            self.client.set_window_size(w, h).await.expect("resize");
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}-{label}.png")), png).expect("write png");
        }
        self.client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .expect("resize");
    }

    pub async fn quit(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
