//! A minimal W3C `WebDriver` client over the HTTP client the tests already use:
//! fantoccini would bring a TLS stack (aws-lc) and ICU for a localhost connection.
//! Only what the end-to-end tests need: sessions, navigation, elements, scripts,
//! screenshots.

use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

/// The key W3C `WebDriver` names an element reference with.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The Enter key, as `WebDriver` key codes spell it.
pub const ENTER: &str = "\u{E007}";

/// One browser session.
#[derive(Clone)]
pub struct Browser {
    http: reqwest::Client,
    session: String,
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Browser {
    /// Starts headless Chromium through the chromedriver at `driver`.
    pub async fn start(driver: &str, chromium: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder().timeout(Duration::from_mins(1)).build().map_err(|e| e.to_string())?;
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,900", "--lang=zh-CN", "--no-first-run", "--disable-extensions"],
                "prefs": {"intl.accept_languages": "zh-CN,zh"}
            }
        }}});
        let answer = http
            .post(format!("{driver}/session"))
            .json(&capabilities)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json::<Value>()
            .await
            .map_err(|e| e.to_string())?;
        let session = answer["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| format!("chromedriver did not start a session: {answer}"))?;
        Ok(Self { http, session: format!("{driver}/session/{session}") })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value =
            request.send().await.expect("chromedriver answers").json().await.expect("JSON from chromedriver");
        if let Some(error) = answer["value"]["error"].as_str() {
            panic!("WebDriver {method} {path}: {error}: {}", answer["value"]["message"]);
        }
        answer["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    pub async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn set_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height})).await;
    }

    /// The first element matching `css`, or `None`.
    pub async fn find(&self, css: &str) -> Option<Element> {
        let found = self.post("/elements", json!({"using": "css selector", "value": css})).await;
        found
            .as_array()
            .and_then(|all| all.first())
            .and_then(|e| e[ELEMENT_KEY].as_str())
            .map(|id| Element(id.to_owned()))
    }

    /// The first link whose text is `text`, or `None`.
    pub async fn find_link(&self, text: &str) -> Option<Element> {
        let found = self.post("/elements", json!({"using": "link text", "value": text})).await;
        found
            .as_array()
            .and_then(|all| all.first())
            .and_then(|e| e[ELEMENT_KEY].as_str())
            .map(|id| Element(id.to_owned()))
    }

    /// The element matching `css`, waiting for it up to 15 s.
    pub async fn element(&self, css: &str) -> Element {
        for _ in 0..WAIT_STEPS {
            if let Some(element) = self.find(css).await {
                return element;
            }
            tokio::time::sleep(STEP).await;
        }
        panic!("no element {css} on {}", self.url().await);
    }

    pub async fn click(&self, element: &Element) {
        self.post(&format!("/element/{}/click", element.0), json!({})).await;
    }

    pub async fn type_into(&self, element: &Element, text: &str) {
        self.post(&format!("/element/{}/value", element.0), json!({"text": text})).await;
    }

    pub async fn text(&self, element: &Element) -> String {
        self.get(&format!("/element/{}/text", element.0)).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn displayed(&self, element: &Element) -> bool {
        self.get(&format!("/element/{}/displayed", element.0)).await.as_bool().unwrap_or(false)
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn run(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": args})).await
    }

    /// The page's text.
    pub async fn page_text(&self) -> String {
        self.run("return document.body ? document.body.innerText : '';", json!([]))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until the page's text contains `needle`: after a form posts back to the
    /// page it was sent from, the URL does not tell the new page from the old one.
    pub async fn wait_for_text(&self, what: &str, needle: &str) {
        for _ in 0..WAIT_STEPS {
            if self.page_text().await.contains(needle) {
                return;
            }
            tokio::time::sleep(STEP).await;
        }
        panic!("the page never showed {what} ({needle:?}): {}", self.page_text().await);
    }

    /// Waits until the current URL's path and query satisfy `want`.
    pub async fn wait_for_url(&self, what: &str, want: impl Fn(&str) -> bool) -> String {
        for _ in 0..WAIT_STEPS {
            let url = self.url().await;
            if want(&url) {
                return url;
            }
            tokio::time::sleep(STEP).await;
        }
        panic!("the browser never reached {what}; it is on {}", self.url().await);
    }

    pub async fn screenshot(&self) -> Option<Vec<u8>> {
        let response = self.http.get(format!("{}/screenshot", self.session)).send().await.ok()?;
        let answer: Value = response.json().await.ok()?;
        base64::engine::general_purpose::STANDARD.decode(answer["value"].as_str()?).ok()
    }

    pub async fn quit(&self) {
        self.http.delete(&self.session).send().await.ok();
    }
}

const STEP: Duration = Duration::from_millis(100);
/// How long waiting for an element or a URL may take: 15 s.
const WAIT_STEPS: u32 = 150;
