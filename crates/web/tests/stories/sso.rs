//! Single sign-on through a real OpenID Connect provider on loopback
//! (`oidc-provider-mock` from PyPI, installed by `scripts/oidc-mock`).

use std::process::{Child, Command, Stdio};

use axum::http::StatusCode;
use safeguard_core::sso::SsoSettings;
use safeguard_domain::Role;
use safeguard_store::testing::TestDb;

use crate::support::{Browser, Page, TestApp};

const TENANT: &str = "4f0c2a8e-5b7d-4e19-9a31-0c6d2e8f7b10";
/// Where the provider sends people back: the test router is reached without
/// a network, so only the path matters.
const SITE: &str = "http://safeguard.test";

/// The provider, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mock_command() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("SAFEGUARD_TEST_OIDC_MOCK") {
        return Some(p.into());
    }
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/oidc-venv/bin/oidc-provider-mock");
    p.exists().then_some(p)
}

fn user(sub: &str, oid: &str, tid: &str, roles: &[&str], name: &str, upn: &str) -> String {
    serde_json::json!({
        "sub": sub, "oid": oid, "tid": tid, "roles": roles, "name": name,
        "preferred_username": upn, "email": upn,
    })
    .to_string()
}

async fn start_provider(command: &std::path::Path) -> Provider {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port();
    let users = [
        user(
            "ola",
            "0b1c7e52-1111-4a55-8d0e-000000000001",
            TENANT,
            &["Safeguard.Manager", "Safeguard.Team.South"],
            "Ola Adeyemi",
            "ola.adeyemi@northbridge.example",
        ),
        user(
            "sam",
            "0b1c7e52-1111-4a55-8d0e-000000000002",
            TENANT,
            &["Safeguard.Practitioner"],
            "Sam Pre",
            "sam.pre@northbridge.example",
        ),
        user(
            "norole",
            "0b1c7e52-1111-4a55-8d0e-000000000003",
            TENANT,
            &["Payroll.Reader"],
            "No Role",
            "no.role@northbridge.example",
        ),
        user(
            "foreign",
            "0b1c7e52-1111-4a55-8d0e-000000000004",
            "99999999-0000-4000-8000-000000000000",
            &["Safeguard.Manager"],
            "Other Council",
            "someone@other.example",
        ),
    ];
    let mut args = vec![
        "--port".to_string(),
        port.to_string(),
        "--host".into(),
        "127.0.0.1".into(),
        "--require-nonce".into(),
        "true".into(),
    ];
    for u in users {
        args.push("--user-claims".into());
        args.push(u);
    }
    // Stopped (killed and waited for) when dropped, whatever happens next.
    let provider = Provider {
        child: Command::new(command)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the OIDC provider starts"),
        issuer: format!("http://127.0.0.1:{port}"),
    };
    let http = openidconnect::reqwest::Client::new();
    for _ in 0..150 {
        if http
            .get(format!(
                "{}/.well-known/openid-configuration",
                provider.issuer
            ))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return provider;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the OIDC provider did not answer at {}", provider.issuer);
}

/// Signs in as the provider's user `sub`: to the provider and back.
async fn through_provider(b: &mut Browser, provider: &Provider, sub: &str) -> Page {
    let go = b.get("/login/sso?next=%2Fconcerns").await;
    assert_eq!(go.status, StatusCode::SEE_OTHER, "{}", go.body);
    let auth = go.location().to_string();
    assert!(auth.starts_with(&provider.issuer), "{auth}");
    for p in [
        "code_challenge_method=S256",
        "code_challenge=",
        "nonce=",
        "state=",
    ] {
        assert!(auth.contains(p), "{p} in {auth}");
    }
    let http = openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = http
        .post(&auth)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("sub={sub}"))
        .send()
        .await
        .expect("the provider answers");
    let back = answer
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_else(|| panic!("the provider redirects back ({})", answer.status()))
        .to_string();
    let path = back.strip_prefix(SITE).expect("back to our callback");
    assert!(path.starts_with("/login/sso/callback?"), "{path}");
    b.get(path).await
}

pub async fn single_sign_on_story(db: TestDb) {
    let Some(command) = mock_command() else {
        eprintln!(
            "\n==== WARNING: single sign-on story SKIPPED: no OIDC provider (run scripts/oidc-mock, \
             or set SAFEGUARD_TEST_OIDC_MOCK; scripts/test does) ====\n"
        );
        db.finish().await;
        return;
    };
    let provider = start_provider(&command).await;
    let client = safeguard_web::sso::SsoClient::discover(
        &provider.issuer,
        "safeguard-test",
        Some("a client secret".into()),
        &format!("{SITE}/login/sso/callback"),
        "Sign in with your Northbridge account",
    )
    .await
    .expect("discovery");
    let settings = SsoSettings {
        issuer: provider.issuer.clone(),
        tenant: Some(TENANT.into()),
        role_map: vec![
            ("Safeguard.Manager".into(), Role::Manager),
            ("Safeguard.Practitioner".into(), Role::Practitioner),
        ],
        team_map: vec![("Safeguard.Team.South".into(), "South Locality Team".into())],
        provision: true,
    };
    let app = TestApp::with_sso(
        db,
        safeguard_core::CoreConfig {
            sso: Some(settings),
            local_passwords: false,
            ..crate::support::config()
        },
        client,
    )
    .await;
    // An account made beforehand, to be matched by its email once.
    app.core
        .add_user(
            None,
            &safeguard_core::NewUserInput {
                username: "sam.pre".into(),
                display_name: "Sam (made beforehand)".into(),
                role: "practitioner".into(),
                agency: String::new(),
                team: "North Locality Team".into(),
                password: safeguard_core::demo::DEMO_PASSWORD.into(),
                email: "sam.pre@northbridge.example".into(),
            },
            &safeguard_core::Ctx::default(),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("sam");

    // The sign-in page offers the organisation's sign-in and no password form.
    let mut b = app.browser();
    let page = b.get("/login").await;
    assert!(page.contains("Sign in with your Northbridge account"));
    assert!(!page.contains("id=\"password\""), "local passwords are off");
    let api = crate::support::Api::new(&app);
    let refused = api
        .call(
            axum::http::Method::POST,
            "/api/v1/auth/token",
            Some(r#"{"username":"practitioner","password":"safeguard-demo"}"#),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);

    // A manager of the tenant: provisioned at the first sign-in, role and
    // team from the app roles.
    let done = through_provider(&mut b, &provider, "ola").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/concerns");
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.contains("Ola Adeyemi"));
    let ola = app
        .db
        .store
        .user_by_username("ola.adeyemi")
        .await
        .expect("q")
        .expect("provisioned");
    assert_eq!(ola.role, "manager");
    assert_eq!(ola.team_name.as_deref(), Some("South Locality Team"));
    assert_eq!(
        ola.email.as_deref(),
        Some("ola.adeyemi@northbridge.example")
    );
    // Again: the same account (found by object id, not made twice).
    let mut again = app.browser();
    assert_eq!(
        through_provider(&mut again, &provider, "ola").await.status,
        StatusCode::SEE_OTHER
    );
    let users = app.db.store.list_users().await.expect("users");
    assert_eq!(
        users
            .iter()
            .filter(|u| u.display_name == "Ola Adeyemi")
            .count(),
        1
    );

    // An account made beforehand is linked by its email, and its role set
    // from the app roles.
    let mut s = app.browser();
    assert_eq!(
        through_provider(&mut s, &provider, "sam").await.status,
        StatusCode::SEE_OTHER
    );
    let sam = app
        .db
        .store
        .user_by_username("sam.pre")
        .await
        .expect("q")
        .expect("sam");
    assert_eq!(sam.display_name, "Sam Pre");
    assert!(
        app.db
            .store
            .user_by_username("sam.pre2")
            .await
            .expect("q")
            .is_none(),
        "no second account"
    );

    // No mapped role, or another tenant: refused and audited.
    let mut n = app.browser();
    let no_role = through_provider(&mut n, &provider, "norole").await;
    assert_eq!(no_role.status, StatusCode::UNAUTHORIZED);
    assert!(no_role.contains("no Safeguard access"));
    assert!(
        n.cookies.contains_key("sg_login_csrf"),
        "the page's own sign-in form can be sent"
    );
    assert!(!n.cookies.contains_key("sg_session"));
    let mut f = app.browser();
    let foreign = through_provider(&mut f, &provider, "foreign").await;
    assert_eq!(foreign.status, StatusCode::UNAUTHORIZED);
    let trail = app
        .db
        .store
        .list_audit(
            &safeguard_store::audit::AuditFilter {
                action: Some("login".into()),
                ..Default::default()
            },
            100,
        )
        .await
        .expect("audit");
    for why in [
        "no Safeguard role assigned",
        "another tenant",
        "passwords are off: single sign-on only",
    ] {
        assert!(
            trail
                .iter()
                .any(|e| e.outcome == "failure" && e.reason.as_deref() == Some(why)),
            "{why}"
        );
    }
    assert!(trail.iter().any(|e| {
        e.outcome == "success"
            && e.actor_name == "ola.adeyemi"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("single sign-on"))
    }));

    // A callback is used once: its state cannot be replayed, nor made up.
    let mut r = app.browser();
    let go = r.get("/login/sso").await;
    let auth = go.location().to_string();
    let http = openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let back = http
        .post(&auth)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("sub=ola")
        .send()
        .await
        .expect("provider");
    let path = back.headers()["location"]
        .to_str()
        .expect("location")
        .strip_prefix(SITE)
        .expect("ours")
        .to_string();
    assert_eq!(r.get(&path).await.status, StatusCode::SEE_OTHER);
    let mut thief = app.browser();
    let replay = thief.get(&path).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(replay.contains("ended or was used already"));
    let made_up = thief
        .get("/login/sso/callback?code=abc&state=not-ours")
        .await;
    assert_eq!(made_up.status, StatusCode::UNAUTHORIZED);
    drop(provider);
    app.finish().await;
}
