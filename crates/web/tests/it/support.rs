use std::net::SocketAddr;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use sunlight_domain::policy::Principal;
use sunlight_store::testing::TestDb;
use sunlight_store::{demo, org};
use sunlight_web::WebConfig;

/// The app on a free port, over a fresh database holding the demo county.
pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub db: TestDb,
}

/// A logged-in browser: its session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    pub async fn spawn(db: TestDb) -> Self {
        Self::spawn_with(db, WebConfig { body_limit: 64 * 1024, ..WebConfig::default() }).await
    }

    pub async fn spawn_with(db: TestDb, config: WebConfig) -> Self {
        demo::build_organization(&db.store).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let store = db.store.clone();
        tokio::spawn(async move {
            sunlight_web::serve(listener, store, config, std::future::pending()).await.unwrap();
        });
        let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { base: format!("http://{address}"), client, db }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn unit_id(&self, code: &str) -> i64 {
        org::unit_by_code(&self.db.store, &Principal::system("test"), code).await.unwrap().id
    }

    /// Logs in through the form, as a browser does.
    pub async fn login(&self, login: &str) -> Session {
        let response = self.login_attempt(login, demo::DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "log-in of {login}");
        let cookie = cookie_pair(&response, "sunlight_session").expect("session cookie");
        let me: serde_json::Value =
            self.client.get(self.url("/api/v1/me")).header(COOKIE, &cookie).send().await.unwrap().json().await.unwrap();
        Session { cookie, csrf: me["csrf_token"].as_str().unwrap().to_owned() }
    }

    pub async fn login_attempt(&self, login: &str, password: &str) -> Response {
        let form = self.client.get(self.url("/login")).send().await.unwrap();
        let csrf_cookie = cookie_pair(&form, "sunlight_login_csrf").expect("login csrf cookie");
        let token = csrf_cookie.split_once('=').unwrap().1.to_owned();
        self.client
            .post(self.url("/login"))
            .header(COOKIE, &csrf_cookie)
            .form(&[("_csrf", token.as_str()), ("login", login), ("password", password), ("next", "/staff")])
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str, session: Option<&Session>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(s) = session {
            request = request.header(COOKIE, &s.cookie);
        }
        request.send().await.unwrap()
    }

    /// Posts a form with the session's CSRF token.
    pub async fn post_form(&self, path: &str, session: Option<&Session>, fields: &[(&str, &str)]) -> Response {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        let mut request = self.client.post(self.url(path));
        if let Some(s) = session {
            pairs.push(("_csrf", s.csrf.as_str()));
            request = request.header(COOKIE, &s.cookie);
        }
        request.form(&pairs).send().await.unwrap()
    }

    /// Sends JSON with the session's cookie and CSRF header.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        session: Option<&Session>,
        body: &serde_json::Value,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path)).json(body);
        if let Some(s) = session {
            request = request.header(COOKIE, &s.cookie).header("x-csrf-token", &s.csrf);
        }
        request.send().await.unwrap()
    }
}

pub fn cookie_pair(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

pub fn location(response: &Response) -> String {
    response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}
