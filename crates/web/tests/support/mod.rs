//! The test application: the real router over a fresh database with the
//! demo data, and a small browser that keeps cookies and CSRF tokens.

#![allow(dead_code)]

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use safeguard_core::{CoreConfig, Safeguard};
use safeguard_store::Store;
use safeguard_store::testing::TestDb;
use tower::ServiceExt;

pub struct TestApp {
    pub db: TestDb,
    pub core: Safeguard,
    pub router: Router,
}

pub fn router_for(store: Store) -> (Safeguard, Router) {
    router_with(store, config())
}

/// The settings most stories run with: the defaults but for the second
/// factor, which stories that sign in as a manager, administrator or DPO
/// many times a minute could not give (a code is accepted once). The
/// stories of two-factor sign-in and step-up run with the defaults.
pub fn config() -> CoreConfig {
    CoreConfig {
        two_factor_roles: Vec::new(),
        break_glass_step_up: false,
        attachments: Some(
            safeguard_core::attachments::AttachmentSettings::local(attachment_dir(), None)
                .expect("the attachment directory"),
        ),
        ..CoreConfig::default()
    }
}

/// Where the stories' attachments are kept: one directory for the test
/// process under the target directory (attachment ids never repeat).
pub fn attachment_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("attachments-{}", std::process::id()))
    })
}

/// ClamAV's clamd, started for one story with a made-up signature
/// (`tests/clamav/safeguard-test.ndb`: a file holding the text
/// `SAFEGUARD-TEST-SIGNATURE-NOT-A-VIRUS` is "infected"); stopped when
/// dropped.
pub struct Clamd {
    child: std::process::Child,
    _dir: tempfile::TempDir,
    /// The Unix socket it listens on.
    pub socket: std::path::PathBuf,
}

impl Drop for Clamd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text the made-up signature finds.
pub const TEST_SIGNATURE_TEXT: &str = "SAFEGUARD-TEST-SIGNATURE-NOT-A-VIRUS";

impl Clamd {
    /// Starts clamd (`SAFEGUARD_TEST_CLAMD`, or Debian's `/usr/sbin/clamd`);
    /// `None`, said loudly, when it is not installed, unless
    /// `SAFEGUARD_REQUIRE_CLAMD` is set (as on CI): then it fails.
    pub async fn start() -> Option<Clamd> {
        let command = std::env::var_os("SAFEGUARD_TEST_CLAMD")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                let p = std::path::PathBuf::from("/usr/sbin/clamd");
                p.exists().then_some(p)
            });
        let Some(command) = command else {
            assert!(
                std::env::var_os("SAFEGUARD_REQUIRE_CLAMD").is_none(),
                "clamd is required (SAFEGUARD_REQUIRE_CLAMD is set): run scripts/clamd"
            );
            eprintln!(
                "\n==== WARNING: virus scanning SKIPPED: clamd is not installed (run scripts/clamd; scripts/test does) ====\n"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("db");
        std::fs::create_dir_all(&db).expect("db dir");
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/clamav/safeguard-test.ndb"
            ),
            db.join("safeguard-test.ndb"),
        )
        .expect("the test signature");
        let socket = dir.path().join("clamd.sock");
        let conf = dir.path().join("clamd.conf");
        std::fs::write(
            &conf,
            format!(
                "LocalSocket {}\nDatabaseDirectory {}\nForeground yes\nLogFile {}\nPidFile {}\n",
                socket.display(),
                db.display(),
                dir.path().join("clamd.log").display(),
                dir.path().join("clamd.pid").display()
            ),
        )
        .expect("clamd.conf");
        let child = std::process::Command::new(&command)
            .arg("-c")
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", command.display()));
        let clamd = Clamd {
            child,
            _dir: dir,
            socket,
        };
        for _ in 0..300 {
            if tokio::net::UnixStream::connect(&clamd.socket).await.is_ok() {
                return Some(clamd);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("clamd did not listen at {}", clamd.socket.display());
    }

    /// The settings of a server whose files this clamd scans.
    pub fn config(&self) -> CoreConfig {
        CoreConfig {
            attachments: Some(
                safeguard_core::attachments::AttachmentSettings::local(
                    attachment_dir(),
                    Some(safeguard_core::attachments::Scanner::Unix(
                        self.socket.clone(),
                    )),
                )
                .expect("the attachment directory"),
            ),
            ..config()
        }
    }
}

/// The code an authenticator with `secret` shows `steps` 30-second steps
/// from now (a code is accepted for the step before and after the current
/// one, and only for a step later than the last accepted: a story that
/// needs several codes in a row takes the current step, then the next).
/// Waits for the next step first when this one is about to end, so that the
/// code cannot fall out of the window while the request is made.
pub async fn totp_code(secret: &str, steps: u64) -> String {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs()
    };
    if now() % 30 >= 27 {
        tokio::time::sleep(std::time::Duration::from_secs(30 - now() % 30)).await;
    }
    safeguard_core::two_factor::code_at(secret, now() + 30 * steps).expect("code")
}

pub fn router_with(store: Store, config: CoreConfig) -> (Safeguard, Router) {
    router_web(store, config, web_config(false))
}

/// The settings of a test server: plain HTTP on loopback unless `secure`.
pub fn web_config(secure: bool) -> safeguard_web::WebConfig {
    safeguard_web::WebConfig {
        cookie_secure: secure,
        min_form_seconds: 0,
        public_rate_limit: 0,
        trusted_proxies: Vec::new(),
        // A number from the range Ofcom keeps for drama: never a real line.
        contact_phone: Some("01632 960 001".into()),
    }
}

/// A router as deployed over HTTPS (secure cookies).
pub fn router_secure(store: Store) -> (Safeguard, Router) {
    router_web(store, config(), web_config(true))
}

pub fn router_web(
    store: Store,
    config: CoreConfig,
    web: safeguard_web::WebConfig,
) -> (Safeguard, Router) {
    let core = Safeguard::new(store, config);
    let router = safeguard_web::router(safeguard_web::AppState::new(core.clone(), web));
    (core, router)
}

impl TestApp {
    /// The id of the first demo record with these names (e.g. "ada brightwater").
    pub async fn person_id(&self, names: &str) -> String {
        self.db.store.people_named(names).await.expect("q")[0]
            .id
            .to_string()
    }

    pub async fn new(db: TestDb) -> TestApp {
        TestApp::with_config(db, config()).await
    }

    /// The test application with single sign-on through `sso`.
    pub async fn with_sso(
        db: TestDb,
        config: CoreConfig,
        sso: safeguard_web::sso::SsoClient,
    ) -> TestApp {
        let core = Safeguard::new(db.store.clone(), config);
        let router = safeguard_web::router(
            safeguard_web::AppState::new(core.clone(), web_config(false)).with_sso(sso),
        );
        core.load_demo(time::OffsetDateTime::now_utc())
            .await
            .expect("demo data")
            .expect("empty database");
        TestApp { db, core, router }
    }

    /// The test application with these settings.
    pub async fn with_config(db: TestDb, config: CoreConfig) -> TestApp {
        let (core, router) = router_with(db.store.clone(), config);
        core.load_demo(time::OffsetDateTime::now_utc())
            .await
            .expect("demo data")
            .expect("empty database");
        TestApp { db, core, router }
    }

    /// Adds an account whose password is the demo password; returns its id.
    pub async fn add_user(&self, username: &str, role: &str, agency: &str, team: &str) -> String {
        self.core
            .add_user(
                None,
                &safeguard_core::NewUserInput {
                    username: username.into(),
                    display_name: format!("Test {username}"),
                    role: role.into(),
                    agency: agency.into(),
                    team: team.into(),
                    password: safeguard_core::demo::DEMO_PASSWORD.into(),
                    email: String::new(),
                },
                &safeguard_core::Ctx::default(),
                time::OffsetDateTime::now_utc(),
            )
            .await
            .expect("user")
    }

    /// The path of the newest one-time set-password link emailed to `address`.
    pub async fn emailed_link(&self, address: &str) -> String {
        let mail = self
            .db
            .store
            .pending_emails(1000)
            .await
            .expect("outbox")
            .into_iter()
            .rev()
            .find(|m| m.to_address == address)
            .unwrap_or_else(|| panic!("no email to {address}"));
        let at = mail
            .body
            .find("/account/set-password/")
            .expect("a set-password link");
        mail.body[at..]
            .split_whitespace()
            .next()
            .expect("link")
            .to_string()
    }

    /// An API client signed in as `username`.
    pub async fn api_as(&self, username: &str) -> Api {
        let mut a = Api::new(self);
        a.sign_in(username).await;
        a
    }

    pub fn browser(&self) -> Browser {
        Browser {
            router: self.router.clone(),
            cookies: HashMap::new(),
            csrf: None,
        }
    }

    pub async fn finish(self) {
        self.db.finish().await;
    }
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn contains(&self, s: &str) -> bool {
        self.body.contains(s)
    }

    /// The `value` of the input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let needle = format!("name=\"{name}\"");
        let at = self.body.find(&needle)?;
        let tag_start = self.body[..at].rfind('<')?;
        let tag_end = at + self.body[at..].find('>')?;
        let tag = &self.body[tag_start..tag_end];
        let v = tag.find("value=\"")? + 7;
        Some(tag[v..v + tag[v..].find('"')?].to_string())
    }
}

pub struct Browser {
    pub router: Router,
    pub cookies: HashMap<String, String>,
    pub csrf: Option<String>,
}

impl Browser {
    pub async fn send(&mut self, req: Request<Body>) -> Page {
        let (status, headers, bytes) = self.exchange(req).await;
        let page = Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        if let Some(t) = page.input_value("csrf_token") {
            self.csrf = Some(t);
        }
        page
    }

    /// Sends a request and keeps the cookies it sets; the body as bytes.
    async fn exchange(
        &mut self,
        req: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router never fails");
        let status = res.status();
        let headers = res.headers().clone();
        for sc in headers.get_all(header::SET_COOKIE) {
            let sc = sc.to_str().expect("ascii cookie");
            let (kv, attrs) = sc.split_once(';').unwrap_or((sc, ""));
            let (k, v) = kv.split_once('=').expect("name=value");
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        (status, headers, bytes.to_vec())
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// Posts a form with the CSRF token of the last page seen.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone().unwrap_or_default();
        all.push(("csrf_token", token.as_str()));
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Posts a multipart form with one file (and the CSRF token of the last
    /// page seen); the response body is read as bytes too.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Page {
        let boundary = "sg-test-boundary-7f3a";
        let mut body = Vec::new();
        let token = self.csrf.clone().unwrap_or_default();
        let mut all = fields.to_vec();
        all.push(("csrf_token", token.as_str()));
        for (k, v) in all {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, kind, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {kind}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// A GET whose body is kept as bytes (a downloaded file).
    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .expect("request");
        self.exchange(req).await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Page {
        self.get("/login").await;
        self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    pub async fn login_ok(&mut self, username: &str) {
        let p = self
            .login(username, safeguard_core::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(
            p.status,
            StatusCode::SEE_OTHER,
            "login as {username}: {}",
            p.body
        );
    }
}

/// A JSON API client.
pub struct Api {
    pub router: Router,
    pub token: Option<String>,
}

impl Api {
    pub fn new(app: &TestApp) -> Api {
        Api {
            router: app.router.clone(),
            token: None,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&str>) -> Page {
        let (status, headers, bytes) = self
            .call_bytes(
                method,
                path,
                body.map(|s| ("application/json", s.as_bytes().to_vec())),
            )
            .await;
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A call with a raw body of `content_type` (a file); the response's
    /// body kept as bytes.
    pub async fn call_bytes(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = &self.token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some((kind, bytes)) => b.header(header::CONTENT_TYPE, kind).body(Body::from(bytes)),
            None => b.body(Body::empty()),
        }
        .expect("request");
        let res = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router never fails");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        (status, headers, bytes.to_vec())
    }

    /// Adds a file to a record (`path` its attachments' address, with
    /// `?filename=`); the attachment as the API answers it.
    pub async fn upload(&self, path: &str, kind: &str, bytes: Vec<u8>) -> serde_json::Value {
        let (status, _, body) = self
            .call_bytes(Method::POST, path, Some((kind, bytes)))
            .await;
        let text = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(status, StatusCode::CREATED, "{path}: {text}");
        serde_json::from_str(&text).expect("JSON")
    }

    pub async fn sign_in(&mut self, username: &str) {
        let body = serde_json::json!({"username": username, "password": safeguard_core::demo::DEMO_PASSWORD}).to_string();
        let p = self
            .call(Method::POST, "/api/v1/auth/token", Some(&body))
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        self.token = Some(p.json()["token"].as_str().expect("token").to_string());
    }
}

/// A local SMTP server that accepts every message and keeps it, for tests.
pub struct SmtpSink {
    pub port: u16,
    pub messages: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind sink");
        let port = listener.local_addr().expect("addr").port();
        let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let store = messages.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 sink ready\r\n").await;
                    let mut in_data = false;
                    let mut data = String::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        if in_data {
                            if line == "." {
                                in_data = false;
                                store.lock().expect("lock").push(std::mem::take(&mut data));
                                let _ = w.write_all(b"250 queued\r\n").await;
                            } else {
                                data.push_str(&line);
                                data.push('\n');
                            }
                            continue;
                        }
                        let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250 sink\r\n",
                            "DATA" => {
                                in_data = true;
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => {
                                let _ = w.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"250 OK\r\n",
                        };
                        let _ = w.write_all(reply).await;
                    }
                });
            }
        });
        SmtpSink { port, messages }
    }
}
