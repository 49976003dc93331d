//! Two-factor sign-in with the defaults: required for managers,
//! administrators and DPOs; codes accepted once; recovery codes; step-up
//! before an emergency opening; an administrator's reset.

use axum::http::{Method, StatusCode};
use safeguard_core::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use safeguard_store::testing::TestDb;

use crate::support::{Browser, TestApp, totp_code};

/// Signs in with a password; returns the page it led to.
async fn password(b: &mut Browser, username: &str, password: &str) -> crate::support::Page {
    b.get("/login").await;
    b.post(
        "/login",
        &[
            ("username", username),
            ("password", password),
            ("next", "/concerns"),
        ],
    )
    .await
}

/// The setup key a page shows, without its spaces.
fn setup_key(page: &crate::support::Page) -> String {
    let at = page.body.find("id=\"setup-key\">").expect("a setup key") + 15;
    let end = at + page.body[at..].find('<').expect("end");
    page.body[at..end].replace(' ', "")
}

/// The recovery codes a page lists.
fn recovery_codes(page: &crate::support::Page) -> Vec<String> {
    let at = page.body.find("id=\"recovery-codes\"").expect("codes");
    let list = &page.body[at..at + page.body[at..].find("</ul>").expect("end")];
    list.split("<code>")
        .skip(1)
        .map(|c| c[..c.find("</code>").expect("code")].to_string())
        .collect()
}

async fn events(app: &TestApp, actor: &str) -> Vec<(String, String, Option<String>)> {
    app.db
        .store
        .list_audit(
            &safeguard_store::audit::AuditFilter {
                action: Some("second_factor".into()),
                ..Default::default()
            },
            1_000,
        )
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.actor_name == actor && e.action == "second_factor")
        .map(|e| (e.outcome, e.detail.unwrap_or_default(), e.reason))
        .collect()
}

pub async fn two_factor_story(db: TestDb) {
    let app = TestApp::with_config(db, safeguard_core::CoreConfig::default()).await;

    // A demo manager has the demo secret: the password alone is not enough.
    let mut b = app.browser();
    let first = password(&mut b, "manager", DEMO_PASSWORD).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(first.location(), "/login/code");
    assert!(
        !b.cookies.contains_key("sg_session"),
        "no session before the second factor"
    );
    assert_eq!(b.get("/").await.location(), "/login?next=%2F");
    let ask = b.get("/login/code").await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.contains("Enter your code"), "{}", ask.body);
    let wrong = b.post("/login/code", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.contains("Enter the 6-digit code your authenticator app shows now"));
    let code = totp_code(DEMO_TOTP_SECRET, 0).await;
    let done = b.post("/login/code", &[("code", &code)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/concerns", "on to where they were going");
    assert_eq!(b.get("/").await.status, StatusCode::OK);

    // The same code is never accepted twice.
    let mut again = app.browser();
    password(&mut again, "manager", DEMO_PASSWORD).await;
    let replay = again.post("/login/code", &[("code", &code)]).await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replay.contains("has been used already"), "{}", replay.body);
    let trail = events(&app, "manager").await;
    assert!(
        trail
            .iter()
            .any(|(o, _, r)| o == "failure" && r.as_deref() == Some("wrong code"))
    );
    assert!(
        trail
            .iter()
            .any(|(o, _, r)| o == "failure" && r.as_deref() == Some("code used already"))
    );
    assert!(
        trail
            .iter()
            .any(|(o, d, _)| o == "success" && d == "sign-in: authenticator app")
    );

    // The API asks for the code with the password.
    let mut api = crate::support::Api::new(&app);
    let token = |code: Option<&str>| {
        let mut body = serde_json::json!({"username": "manager", "password": DEMO_PASSWORD});
        if let Some(c) = code {
            body["code"] = c.into();
        }
        body.to_string()
    };
    let r = api
        .call(Method::POST, "/api/v1/auth/token", Some(&token(None)))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.json()["error"], "second_factor_required");
    let r = api
        .call(
            Method::POST,
            "/api/v1/auth/token",
            Some(&token(Some(&code))),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a used code: {}",
        r.body
    );
    let next = totp_code(DEMO_TOTP_SECRET, 1).await;
    let r = api
        .call(
            Method::POST,
            "/api/v1/auth/token",
            Some(&token(Some(&next))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    api.token = Some(r.json()["token"].as_str().expect("token").to_string());
    assert_eq!(
        api.call(Method::GET, "/api/v1/concerns", None).await.status,
        StatusCode::OK
    );

    // A new administrator sets a factor up at their first sign-in, before any page.
    app.add_user("new.admin", "admin", "", "").await;
    let mut a = app.browser();
    let first = password(&mut a, "new.admin", DEMO_PASSWORD).await;
    assert_eq!(first.location(), "/login/code");
    assert_eq!(
        a.get("/admin/users").await.location(),
        "/login?next=%2Fadmin%2Fusers"
    );
    let setup = a.get("/login/code").await;
    assert!(
        setup.contains("Set up two-factor sign-in"),
        "{}",
        setup.body
    );
    assert!(setup.contains("otpauth://totp/Safeguard:new.admin?secret="));
    assert!(setup.contains("<svg"), "a QR code");
    let secret = setup_key(&setup);
    assert_eq!(
        setup_key(&a.get("/login/code").await),
        secret,
        "the same key on reload"
    );
    let shown = a
        .post("/login/code", &[("code", &totp_code(&secret, 0).await)])
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let codes = recovery_codes(&shown);
    assert_eq!(codes.len(), 10);
    assert_eq!(a.get("/admin/users").await.status, StatusCode::OK);
    let page = a.get("/account/two-factor").await;
    assert!(
        page.contains("You have 10 unused recovery codes"),
        "{}",
        page.body
    );
    assert!(page.contains("cannot be turned off"));
    let off = a
        .post("/account/two-factor/remove", &[("remove_code", &codes[9])])
        .await;
    assert_eq!(
        off.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "required for the role"
    );

    // A recovery code signs in once.
    let mut r1 = app.browser();
    password(&mut r1, "new.admin", DEMO_PASSWORD).await;
    let ok = r1
        .post("/login/code", &[("code", &codes[0].to_uppercase())])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let mut r2 = app.browser();
    password(&mut r2, "new.admin", DEMO_PASSWORD).await;
    let used = r2.post("/login/code", &[("code", &codes[0])]).await;
    assert_eq!(used.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        events(&app, "new.admin")
            .await
            .iter()
            .any(|(o, d, _)| o == "success" && d == "sign-in: recovery code")
    );

    // An administrator resets the manager's factor (a lost phone): the
    // next sign-in sets one up again.
    let mut demo_admin = app.browser();
    password(&mut demo_admin, "admin", DEMO_PASSWORD).await;
    let signed = demo_admin
        .post(
            "/login/code",
            &[("code", &totp_code(DEMO_TOTP_SECRET, 0).await)],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let manager_id = app
        .db
        .store
        .user_by_username("manager")
        .await
        .expect("q")
        .expect("manager")
        .id;
    demo_admin.get(&format!("/admin/users/{manager_id}")).await;
    let reset = demo_admin
        .post(&format!("/admin/users/{manager_id}/reset-two-factor"), &[])
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.body);
    let mut m = app.browser();
    password(&mut m, "manager", DEMO_PASSWORD).await;
    assert!(
        m.get("/login/code")
            .await
            .contains("Set up two-factor sign-in")
    );

    // Five wrong codes end the sign-in and lock the account.
    let mut x = app.browser();
    password(&mut x, "new.admin", DEMO_PASSWORD).await;
    // (One wrong recovery code above already counts towards the lock.)
    for _ in 0..3 {
        let w = x.post("/login/code", &[("code", "123456")]).await;
        assert_eq!(w.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", w.body);
    }
    let last = x.post("/login/code", &[("code", "123456")]).await;
    assert_eq!(last.location(), "/login?code=refused");
    assert!(!x.cookies.contains_key("sg_login_challenge"));
    assert!(
        x.get("/login/code")
            .await
            .contains("This sign-in has ended")
    );
    let locked = password(&mut x, "new.admin", DEMO_PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "locked for a while"
    );
    app.finish().await;
}

/// Opening a record in an emergency asks for a fresh code; a practitioner
/// (whose role does not require a second factor) sets one up first.
pub async fn break_glass_step_up_story(db: TestDb) {
    let app = TestApp::with_config(db, safeguard_core::CoreConfig::default()).await;
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    let ada = app.person_id("ada brightwater").await;
    let mut b = app.browser();
    let signed = password(&mut b, "north.worker", DEMO_PASSWORD).await;
    assert_eq!(
        signed.location(),
        "/concerns",
        "no second factor needed to sign in"
    );
    let limited = b.get(&format!("/people/{ada}")).await;
    assert_eq!(limited.status, StatusCode::FORBIDDEN);
    assert!(limited.contains("asks for a fresh code"));
    let reason = (
        "reason",
        "Police at the door out of hours; need her key contacts",
    );
    let refused = b
        .post(&format!("/people/{ada}/break-glass"), &[reason])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.contains("Set up two-factor sign-in first"),
        "{}",
        refused.body
    );

    // Set up on the account page.
    let page = b.get("/account/two-factor").await;
    assert!(page.contains("Off: you sign in with your password only"));
    let started = b.post("/account/two-factor/start", &[]).await;
    let secret = setup_key(&started);
    let bad = b
        .post("/account/two-factor/confirm", &[("code", "99")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let shown = b
        .post(
            "/account/two-factor/confirm",
            &[("code", &totp_code(&secret, 0).await)],
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let codes = recovery_codes(&shown);

    b.get(&format!("/people/{ada}")).await;
    let no_code = b
        .post(&format!("/people/{ada}/break-glass"), &[reason])
        .await;
    assert_eq!(no_code.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_code.contains("Enter the 6-digit code your authenticator app shows now"));
    let wrong = b
        .post(
            &format!("/people/{ada}/break-glass"),
            &[reason, ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        b.get(&format!("/people/{ada}")).await.status,
        StatusCode::FORBIDDEN,
        "nothing opened"
    );
    let fresh = totp_code(&secret, 1).await;
    let opened = b
        .post(
            &format!("/people/{ada}/break-glass"),
            &[reason, ("code", &fresh)],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(
        b.get(&format!("/people/{ada}")).await.status,
        StatusCode::OK
    );
    let trail = events(&app, "north.worker").await;
    assert!(
        trail
            .iter()
            .any(|(o, d, _)| o == "failure" && d == "break-glass")
    );
    assert!(
        trail
            .iter()
            .any(|(o, d, _)| o == "success" && d == "break-glass: authenticator app")
    );

    // Through the API, the same code again is refused; a recovery code works.
    let mut api = crate::support::Api::new(&app);
    let r = api
        .call(
            Method::POST,
            "/api/v1/auth/token",
            Some(
                &serde_json::json!({"username": "north.worker", "password": DEMO_PASSWORD, "code": codes[2]})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a recovery code for a token: {}",
        r.body
    );
    api.token = Some(r.json()["token"].as_str().expect("token").to_string());
    let tomasz = app.db.store.people_named("tomasz").await.expect("q");
    let other = tomasz
        .iter()
        .map(|p| p.id.to_string())
        .find(|id| *id != ada)
        .expect("tomasz");
    let body = |code: &str| {
        serde_json::json!({"reason": "Ambulance crew asking about medication", "code": code})
            .to_string()
    };
    let path = format!("/api/v1/people/{other}/break-glass");
    let r = api.call(Method::POST, &path, Some(&body(&fresh))).await;
    // Tomasz is another team's case for this worker: the code is checked.
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("used already"), "{}", r.body);
    let r = api.call(Method::POST, &path, Some(&body(&codes[0]))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Turned off with a recovery code (the role does not require it).
    let off = b
        .post("/account/two-factor/remove", &[("remove_code", &codes[1])])
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.body);
    assert!(
        b.get("/account/two-factor?done=off")
            .await
            .contains("Two-factor sign-in is off")
    );
    app.finish().await;
}
