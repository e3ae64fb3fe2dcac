//! A real headless Chromium, driven through chromedriver's WebDriver API,
//! for the tests that use the web UI as a person would.

use base64::Engine;
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The script of [`Driver::reveal`]: the element's enclosing folds and the
/// folds inside it open.
const REVEAL: &str = "const found = document.querySelector(arguments[0]); if (found) { found.querySelectorAll('details').forEach(d => d.open = true); for (let d = found.closest('details'); d; d = d.parentElement.closest('details')) d.open = true; found.scrollIntoView({block: 'center'}); }";

pub struct Driver {
    process: Child,
    http: reqwest::blocking::Client,
    session: String,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn find(program: &str) -> PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let candidate = Path::new(dir).join(program);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("{program} is not installed: run .ci/run, or `apt-get install chromium chromium-driver`")
}

impl Driver {
    pub fn start(profile: &Path) -> Driver {
        let port = free_port();
        let process = Command::new(find("chromedriver"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let started = Instant::now();
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": find("chromium"),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--window-size=1280,1000", format!("--user-data-dir={}", profile.display()),
                ]
            }
        } } });
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        Driver {
            process,
            http,
            session,
            base,
        }
    }

    pub fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().unwrap().json().unwrap();
        assert!(
            answer["value"]["error"].is_null(),
            "WebDriver {path}: {answer}"
        );
        answer["value"].clone()
    }

    pub fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })));
    }

    /// Opens the folds (`<details>`) around `css`'s element and inside it,
    /// as a user would before reading or using what they hold, and brings
    /// it to the middle of the window, clear of the sticky header.
    pub fn reveal(&self, css: &str) {
        let script = json!({ "script": REVEAL, "args": [css] });
        self.call(reqwest::Method::POST, "/execute/sync", Some(script));
    }

    pub fn element(&self, css: &str) -> String {
        let found = self.call(
            reqwest::Method::POST,
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        found[ELEMENT].as_str().unwrap().to_string()
    }

    /// Replaces the field's value with `text`, as a user selecting it all
    /// and typing would.
    pub fn type_into(&self, css: &str, text: &str) {
        self.reveal(css);
        let id = self.element(css);
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        );
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        self.reveal(css);
        let id = self.element(css);
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        );
    }

    pub fn text(&self, css: &str) -> String {
        self.reveal(css);
        let id = self.element(css);
        self.call(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Waits for a form submission's page: `css` exists and holds `needle`.
    pub fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let script = json!({ "script": format!("{REVEAL} const e = document.querySelector(arguments[0]); return e ? e.innerText : null;"), "args": [css] });
            let found = self.call(reqwest::Method::POST, "/execute/sync", Some(script));
            if let Some(text) = found.as_str().filter(|t| t.contains(needle)) {
                return text.to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "`{css}` never showed {needle:?}; last: {found}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Opens `url`, fills `form`'s fields (`select:NAME` picks an option),
    /// submits it, and waits until `saved` answers `version`.
    pub fn submit_step(
        &self,
        url: &str,
        form: &str,
        fields: &[(&str, &str)],
        version: u64,
        saved: impl Fn() -> Value,
    ) -> Value {
        self.go(url);
        self.open_all_details();
        let form = format!("form[data-step={form}]");
        for (field, value) in fields {
            match field.strip_prefix("select:") {
                Some(select) => self.click(&format!(
                    "{form} select[name={select}] option[value='{value}']"
                )),
                None => self.type_into(&format!("{form} input[name={field}]"), value),
            }
        }
        self.click(&format!("{form} button[type=submit]"));
        let started = Instant::now();
        loop {
            let answer = saved();
            if answer["version"] == version {
                return answer;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{form} never saved version {version}: {answer}; page: {}",
                self.text("body")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves what the page downloads into `dir`.
    pub fn allow_downloads(&self, dir: &Path) {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": "Browser.setDownloadBehavior",
                "params": {"behavior": "allow", "downloadPath": dir.to_str().unwrap()}})),
        );
    }

    /// Runs `source` in the page and answers what it returns.
    pub fn script(&self, source: &str) -> Value {
        let script = json!({ "script": source, "args": [] });
        self.call(reqwest::Method::POST, "/execute/sync", Some(script))
    }

    /// Opens every `<details>`, so the forms inside can be filled.
    pub fn open_all_details(&self) {
        self.script("document.querySelectorAll('details').forEach(d => d.open = true);");
    }

    /// The page, or with `css` only that element, as PNG.
    pub fn screenshot(&self, path: &Path, css: Option<&str>) {
        let endpoint = match css {
            Some(css) => format!("/element/{}/screenshot", self.element(css)),
            None => "/screenshot".to_string(),
        };
        let png = self.call(reqwest::Method::GET, &endpoint, None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// Signs in on the login form as `user` and waits for the signed-in header.
pub fn sign_in(driver: &Driver, url: &str, user: &str, password: &str) {
    driver.go(&format!("{url}/login"));
    driver.type_into("input[name=username]", user);
    driver.type_into("input[name=password]", password);
    driver.click("button[type=submit]");
    driver.wait_for_text("header", user);
}
