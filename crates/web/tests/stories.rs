//! User stories through the real router, each run on SQLite and on PostgreSQL.

#[path = "stories/access.rs"]
mod access;
#[path = "stories/attachments.rs"]
mod attachments;
#[path = "stories/case_audit.rs"]
mod case_audit;
#[path = "stories/concerns.rs"]
mod concerns;
#[path = "stories/contacts.rs"]
mod contacts;
#[path = "stories/enquiries.rs"]
mod enquiries;
#[path = "stories/fhir.rs"]
mod fhir;
#[path = "stories/large_scale.rs"]
mod large_scale;
#[path = "stories/patterns.rs"]
mod patterns;
#[path = "stories/reports.rs"]
mod reports;
#[path = "stories/search.rs"]
mod search;
#[path = "stories/security.rs"]
mod security;
#[path = "stories/sso.rs"]
mod sso;
mod support;
#[path = "stories/two_factor.rs"]
mod two_factor;
#[path = "stories/workforce.rs"]
mod workforce;

use axum::http::{Method, StatusCode};
use safeguard_store::audit::{AuditFilter, Verification};
use safeguard_store::on_both_backends;
use safeguard_store::testing::{TestDb, execute_raw};
use support::{Api, Browser, TestApp, router_for};

/// The person fields of a valid form, with overrides.
fn person_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f: Vec<(&str, &str)> = vec![
        ("action", "save"),
        ("given_name", "Winifred"),
        ("family_name", "Quillfeather"),
        ("other_names", "Winnie\nW. Q."),
        ("dob_day", "7"),
        ("dob_month", "3"),
        ("dob_year", "1941"),
        ("nhs_number", "943 476 5919"),
        ("address_line_1", "4 Example Lane"),
        ("town", "Northbridge"),
        ("postcode", "nb3 2xy"),
        ("gender", "female"),
        ("ethnicity", "white_irish"),
        ("primary_support_reason", "physical"),
        ("interpreter_needed", "no"),
        ("communication_needs", "large_print"),
        ("communication_needs", "time"),
        (
            "what_matters_to_me",
            "I want to stay in my flat and keep my dog, Biscuit.",
        ),
        ("key_people_rows", "1"),
        ("key_people_0_name", "Rosalind Quillfeather"),
        ("key_people_0_relationship", "family"),
        ("key_people_0_appropriate_person", "yes"),
    ];
    for (k, v) in overrides {
        f.retain(|(name, _)| name != k);
        f.push((k, v));
    }
    f
}

fn id_from_location(loc: &str) -> String {
    loc.trim_start_matches("/people/")
        .split('?')
        .next()
        .unwrap_or("")
        .to_string()
}

async fn audit_for(app: &TestApp, subject: &str) -> Vec<(String, String, String)> {
    app.db
        .store
        .list_audit(
            &AuditFilter {
                subject_id: Some(subject.into()),
                ..AuditFilter::default()
            },
            100,
        )
        .await
        .expect("audit")
        .into_iter()
        .map(|e| (e.actor_name, e.action, e.outcome))
        .collect()
}

/// A practitioner signs in, makes a mistake creating a person (nothing typed
/// is lost), corrects it, finds the person, views and edits the record, and
/// signs out; the audit trail shows each view and change.
async fn practitioner_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut b = app.browser();
    assert_eq!(b.get("/").await.location(), "/login?next=%2F");
    b.login_ok("practitioner").await;
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.contains("Welcome, Priya Okafor"));
    assert!(home.contains("Skip to main content"));

    let form = b.get("/people/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let pid = form
        .input_value("person_id")
        .expect("the form carries the new record's id");

    // A deliberate mistake: bad NHS number, missing family name, a date with no year.
    let mut bad = person_form(&[
        ("family_name", ""),
        ("nhs_number", "943 476 5918"),
        ("dob_year", ""),
    ]);
    bad.push(("person_id", &pid));
    let page = b.post("/people/new", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("<title>Error: Add a person"));
    assert!(page.contains("There is a problem"));
    assert!(page.contains("href=\"#family_name\">Enter the family name"));
    assert!(page.contains("href=\"#nhs_number\">Enter a valid NHS number"));
    assert!(page.contains("href=\"#date_of_birth\">Date of birth must include a year"));
    let order: Vec<usize> = ["#family_name", "#date_of_birth", "#nhs_number"]
        .iter()
        .map(|a| page.body.find(&format!("href=\"{a}\"")).expect("listed"))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "the summary lists errors in page order"
    );
    // Everything typed is still there.
    assert_eq!(page.input_value("given_name").as_deref(), Some("Winifred"));
    assert_eq!(
        page.input_value("nhs_number").as_deref(),
        Some("943 476 5918")
    );
    assert_eq!(page.input_value("dob_day").as_deref(), Some("7"));
    assert_eq!(
        page.input_value("key_people_0_name").as_deref(),
        Some("Rosalind Quillfeather")
    );
    assert!(page.contains("I want to stay in my flat and keep my dog, Biscuit.</textarea>"));
    assert!(page.contains("value=\"large_print\" checked"));

    // Corrected and saved; saving the same form again makes no second record.
    let mut good = person_form(&[]);
    good.push(("person_id", &pid));
    let saved = b.post("/people/new", &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = id_from_location(saved.location());
    assert_eq!(id, pid);
    let again = b.post("/people/new", &good).await;
    assert_eq!(
        id_from_location(again.location()),
        pid,
        "a double submit leads to the same record"
    );

    let found = b.post("/people", &[("q", "quillfeather")]).await;
    assert!(found.contains("1 person found"), "{}", found.body);
    assert!(found.contains(&format!("/people/{id}")));
    assert!(
        b.post("/people", &[("q", "winnie")])
            .await
            .contains("1 person found"),
        "other names are searched"
    );

    let view = b.get(&format!("/people/{id}?saved=1")).await;
    assert_eq!(view.status, StatusCode::OK);
    for text in [
        "Winifred Quillfeather",
        "The record was saved",
        "keep my dog, Biscuit",
        "943 476 5919",
        "NB3 2XY",
        "7 March 1941",
        "Large print",
        "Rosalind Quillfeather",
        "White: Irish",
    ] {
        assert!(view.contains(text), "person page lacks {text:?}");
    }

    // Edit: the form is filled from the record; a change is saved and audited by field name.
    let edit = b.get(&format!("/people/{id}/edit")).await;
    assert_eq!(
        edit.input_value("family_name").as_deref(),
        Some("Quillfeather")
    );
    assert_eq!(edit.input_value("version").as_deref(), Some("1"));
    let more = b
        .post(
            &format!("/people/{id}/edit"),
            &person_form(&[("version", "1"), ("action", "add_key_person")]),
        )
        .await;
    assert!(
        more.contains("Key person 2"),
        "add another shows a second row"
    );
    let changed = b
        .post(
            &format!("/people/{id}/edit"),
            &person_form(&[("version", "1"), ("town", "Eastmere")]),
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert!(b.get(&format!("/people/{id}")).await.contains("Eastmere"));
    // A second edit from the old version is refused and keeps what was typed.
    let stale = b
        .post(
            &format!("/people/{id}/edit"),
            &person_form(&[("version", "1"), ("town", "Westholm")]),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.contains("Someone else changed this record"));
    assert_eq!(stale.input_value("town").as_deref(), Some("Westholm"));

    let trail = audit_for(&app, &id).await;
    let actions: Vec<&str> = trail.iter().map(|(_, a, _)| a.as_str()).collect();
    assert!(trail.iter().all(|(who, _, _)| who == "practitioner"));
    assert_eq!(actions.iter().filter(|a| **a == "create").count(), 1);
    assert_eq!(actions.iter().filter(|a| **a == "update").count(), 1);
    assert!(
        actions.iter().filter(|a| **a == "view").count() >= 3,
        "{actions:?}"
    );
    let update = app
        .db
        .store
        .list_audit(
            &AuditFilter {
                subject_id: Some(id.clone()),
                action: Some("update".into()),
                ..AuditFilter::default()
            },
            1,
        )
        .await
        .expect("audit");
    assert_eq!(update[0].detail.as_deref(), Some("changed: town"));
    let searches = app
        .db
        .store
        .list_audit(
            &AuditFilter {
                action: Some("search".into()),
                ..AuditFilter::default()
            },
            10,
        )
        .await
        .expect("audit");
    assert!(
        searches
            .iter()
            .any(|e| e.detail.as_deref().is_some_and(|d| d.contains(&id))),
        "searches record what they returned"
    );

    // Sign out: the session is gone, even if the cookie is replayed.
    let old = b.cookies.clone();
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.location(), "/login");
    assert!(b.get("/").await.location().starts_with("/login"));
    b.cookies = old;
    assert!(
        b.get("/").await.location().starts_with("/login"),
        "a signed-out session cannot be reused"
    );
    assert!(matches!(
        app.core.verify_audit().await.expect("verify"),
        Verification::Intact { .. }
    ));
    app.finish().await;
}

/// An administrator manages accounts but cannot read case content; every
/// refusal is audited. Analysts, DPOs and partner staff cannot read people either.
async fn access_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let person = app.db.store.people_named("brightwater").await.expect("q");
    let pid = person[0].id.to_string();

    for role in ["admin", "analyst", "dpo", "partner"] {
        let mut b = app.browser();
        b.login_ok(role).await;
        assert_eq!(
            b.get(&format!("/people/{pid}")).await.status,
            StatusCode::NOT_FOUND,
            "{role} must not see a person"
        );
        assert_eq!(
            b.get(&format!("/people/{pid}/edit")).await.status,
            StatusCode::NOT_FOUND,
            "{role}"
        );
        assert_eq!(
            b.post("/people", &[("q", "brightwater")]).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        assert_eq!(
            b.get("/people/new").await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        let mut api = Api::new(&app);
        api.sign_in(role).await;
        assert_eq!(
            api.call(Method::GET, &format!("/api/v1/people/{pid}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{role}"
        );
        let created = api
            .call(
                Method::POST,
                "/api/v1/people",
                Some(r#"{"given_name":"A","family_name":"B"}"#),
            )
            .await;
        assert_eq!(created.status, StatusCode::FORBIDDEN, "{role}");
    }
    let denials: Vec<_> = audit_for(&app, &pid)
        .await
        .into_iter()
        .filter(|(_, _, o)| o == "denied")
        .collect();
    assert_eq!(
        denials.len(),
        12,
        "each refused view or edit of the person is audited: {denials:?}"
    );

    // The administrator adds an account (a mistake first), and the new user can sign in.
    let mut admin = app.browser();
    admin.login_ok("admin").await;
    let users = admin.get("/admin/users").await;
    assert_eq!(users.status, StatusCode::OK);
    assert!(users.contains("practitioner") && users.contains("Northbridge Police"));
    admin.get("/admin/users/new").await;
    let bad = admin
        .post(
            "/admin/users/new",
            &[
                ("username", "Bad Name!"),
                ("display_name", "Jo"),
                ("role", "practitioner"),
                ("agency", "Northbridge Council"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("href=\"#username\"") && bad.contains("href=\"#password\""));
    assert!(bad.contains("Administrators do not set passwords"));
    assert!(bad.contains("href=\"#email\""));
    assert_eq!(bad.input_value("display_name").as_deref(), Some("Jo"));
    let ok = admin
        .post(
            "/admin/users/new",
            &[
                ("username", "jo.bloggs"),
                ("display_name", "Jo Bloggs"),
                ("role", "practitioner"),
                ("agency", "Northbridge Council"),
                ("team", "North Locality Team"),
                ("email", "jo.bloggs@northbridge.example"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let account = admin.get(ok.location()).await;
    assert!(account.contains("Awaiting a manager"), "{}", account.body);
    // A manager of the North team approves it; the person sets their own
    // password through the link sent to them.
    app.add_user("north.manager", "manager", "", "North Locality Team")
        .await;
    let mut nm = app.browser();
    nm.login_ok("north.manager").await;
    let waiting = nm.get("/accounts/approvals").await;
    assert!(waiting.contains("jo.bloggs@northbridge.example"));
    let jo_id = ok
        .location()
        .trim_start_matches("/admin/users/")
        .split('?')
        .next()
        .expect("id")
        .to_string();
    let approved = nm
        .post(&format!("/accounts/approvals/{jo_id}/approve"), &[])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let link = app.emailed_link("jo.bloggs@northbridge.example").await;
    let mut jo = app.browser();
    assert!(jo.get(&link).await.contains("jo.bloggs"));
    let set = jo
        .post(
            &link,
            &[
                ("password", "a long enough passphrase"),
                ("confirm", "a long enough passphrase"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert_eq!(
        jo.login("jo.bloggs", "a long enough passphrase")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(jo.get("/").await.contains("Welcome, Jo Bloggs"));
    // Practitioners cannot manage accounts or read the audit trail; the DPO can.
    assert_eq!(jo.get("/admin/users").await.status, StatusCode::FORBIDDEN);
    assert_eq!(jo.get("/audit").await.status, StatusCode::FORBIDDEN);
    let mut dpo = app.browser();
    dpo.login_ok("dpo").await;
    let audit = dpo.get(&format!("/audit?subject={pid}")).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.contains("The audit chain is intact"));
    assert!(audit.contains("denied"));
    app.finish().await;
}

/// Repeated wrong passwords lock the account, even against the right
/// password; every attempt is audited; an administrator unlocks it.
async fn lockout_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut b = app.browser();
    for _ in 0..5 {
        let p = b.login("practitioner", "wrong password").await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
        assert!(p.contains("Enter a correct username and password"));
        assert_eq!(
            p.input_value("username").as_deref(),
            Some("practitioner"),
            "the username is kept"
        );
    }
    let locked = b
        .login("practitioner", safeguard_core::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "locked accounts refuse even the right password"
    );
    assert_eq!(
        b.login("nobody-here", "whatever it is").await.status,
        StatusCode::UNAUTHORIZED
    );
    let api = Api::new(&app);
    let p = api
        .call(
            Method::POST,
            "/api/v1/auth/token",
            Some(r#"{"username":"practitioner","password":"safeguard-demo"}"#),
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::UNAUTHORIZED,
        "the API is locked out too"
    );

    let logins = app
        .db
        .store
        .list_audit(
            &AuditFilter {
                action: Some("login".into()),
                ..AuditFilter::default()
            },
            100,
        )
        .await
        .expect("audit");
    let failures: Vec<_> = logins.iter().filter(|e| e.outcome == "failure").collect();
    assert_eq!(failures.len(), 8);
    assert!(
        failures
            .iter()
            .any(|e| e.reason.as_deref() == Some("account locked"))
    );
    assert!(
        failures
            .iter()
            .any(|e| e.reason.as_deref() == Some("unknown username")
                && e.actor_name == "nobody-here")
    );

    let mut admin = app.browser();
    admin.login_ok("admin").await;
    let users = admin.get("/admin/users").await;
    assert!(users.contains("Locked"));
    let uid = app
        .db
        .store
        .user_by_username("practitioner")
        .await
        .expect("q")
        .expect("user")
        .id;
    let unlocked = admin.post(&format!("/admin/users/{uid}/unlock"), &[]).await;
    assert_eq!(unlocked.status, StatusCode::SEE_OTHER);
    b.login_ok("practitioner").await;
    app.finish().await;
}

/// Forms without the right CSRF token are refused; forms sent after the
/// session ended lead back to sign-in.
async fn csrf_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut b = app.browser();
    // The sign-in form needs its own token, from the cookie set with the form.
    let p = b
        .post_raw(
            "/login",
            &[("username", "practitioner"), ("password", "safeguard-demo")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(!b.cookies.contains_key("sg_session"));
    b.login_ok("practitioner").await;
    b.get("/people/new").await;
    let none = b.post_raw("/people/new", &person_form(&[])).await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert!(none.contains("This form has expired"));
    let mut wrong = person_form(&[]);
    let forged = "0".repeat(64);
    wrong.push(("csrf_token", &forged));
    assert_eq!(
        b.post_raw("/people/new", &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.post_raw("/logout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.db.store.count_people().await.expect("count"),
        8,
        "nothing was created"
    );
    let mut stranger = app.browser();
    assert_eq!(
        stranger
            .post_raw("/people/new", &person_form(&[]))
            .await
            .location(),
        "/login?expired=1"
    );
    app.finish().await;
}

/// A session for `username` signed in at `at` through the core (no second
/// factor): its token.
async fn session_at(app: &TestApp, username: &str, at: time::OffsetDateTime) -> String {
    app.core
        .login(
            username,
            safeguard_core::demo::DEMO_PASSWORD,
            "/",
            &safeguard_core::Ctx::default(),
            at,
        )
        .await
        .expect("login")
        .done()
        .expect("no second factor")
        .session_token
}

/// Sessions end after the idle timeout and after the absolute timeout.
async fn session_timeout_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let t0 = time::OffsetDateTime::now_utc();
    let min = time::Duration::minutes(1);
    let token = session_at(&app, "manager", t0).await;
    assert!(
        app.core
            .session(&token, t0 + 29 * min)
            .await
            .expect("q")
            .is_some()
    );
    assert!(
        app.core
            .session(&token, t0 + 58 * min)
            .await
            .expect("q")
            .is_some(),
        "use at 29 minutes kept it alive"
    );
    assert!(
        app.core
            .session(&token, t0 + 89 * min)
            .await
            .expect("q")
            .is_none(),
        "31 idle minutes end it"
    );

    let token = session_at(&app, "manager", t0).await;
    let mut t = t0;
    while t < t0 + time::Duration::hours(12) - 20 * min {
        t += 20 * min;
        assert!(app.core.session(&token, t).await.expect("q").is_some());
    }
    assert!(
        app.core
            .session(&token, t0 + time::Duration::hours(12) + min)
            .await
            .expect("q")
            .is_none(),
        "12 hours end it"
    );
    app.finish().await;
}

/// A person's page reads the session with the page, in the same trip to
/// the database; the session is weighed as on every other page: signed
/// out, timed out, ended or disabled, the page sends the user to sign in
/// and shows nothing; in use, it keeps the session alive; an unknown or
/// malformed record is "not found" with the user's own header.
async fn person_page_reads_its_session_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let ada = app.person_id("ada brightwater").await;
    let path = format!("/people/{ada}");
    let mut b = app.browser();
    let out = b.get(&path).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), format!("/login?next=%2Fpeople%2F{ada}"));
    b.login_ok("practitioner").await;
    // Twice: the second time (on PostgreSQL) with the page's parts held.
    for _ in 0..2 {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Brightwater") && page.contains("Sign out"));
    }
    for missing in [
        "/people/00000000-0000-4000-8000-000000000000",
        "/people/not-an-id",
    ] {
        let page = b.get(missing).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(page.contains("Sign out"), "{missing}: the user's header");
    }
    b.post("/logout", &[]).await;
    let ended = b.get(&path).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    assert!(ended.location().starts_with("/login"));
    assert!(!ended.contains("Brightwater"));

    // Timed out: kept alive by each page read with it, until idle too long.
    let t0 = time::OffsetDateTime::now_utc();
    let (ctx, min) = (safeguard_core::Ctx::default(), time::Duration::minutes(1));
    let pid = ada.parse().expect("id");
    let token = session_at(&app, "practitioner", t0).await;
    let open = |at: time::OffsetDateTime| {
        let token = token.clone();
        let ctx = ctx.clone();
        let core = app.core.clone();
        async move {
            core.view_person_page_signed(&token, pid, &ctx, at, 50)
                .await
                .expect("read")
        }
    };
    let page = open(t0 + 29 * min).await.expect("in time");
    assert_eq!(page.session.actor.username, "practitioner");
    assert_eq!(
        page.page.expect("may see").person.details.family_name,
        "Brightwater"
    );
    assert!(
        open(t0 + 58 * min).await.is_some(),
        "the page read at 29 minutes kept it alive"
    );
    assert!(
        open(t0 + 89 * min).await.is_none(),
        "31 idle minutes end it"
    );

    // Disabled since signing in: no page.
    let token = session_at(&app, "practitioner", t0).await;
    execute_raw(
        &app.db.store,
        "UPDATE users SET disabled = TRUE WHERE username = 'practitioner'",
    )
    .await
    .expect("disable");
    let read = app
        .core
        .view_person_page_signed(&token, pid, &ctx, t0 + min, 50)
        .await
        .expect("read");
    assert!(read.is_none(), "a disabled account's session opens nothing");
    app.finish().await;
}

/// A session that times out while a form is being filled in loses nothing:
/// the form is kept for the same user and offered back after signing in.
async fn timeout_keeps_typing_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let config = safeguard_core::CoreConfig {
        idle_timeout: std::time::Duration::from_secs(1),
        ..crate::support::config()
    };
    let (_, router) = support::router_with(app.db.store.clone(), config);
    let mut b = Browser {
        router,
        cookies: Default::default(),
        csrf: None,
    };
    b.login_ok("practitioner").await;
    let form = b.get("/people/new").await;
    let pid = form.input_value("person_id").expect("id");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mut fields = person_form(&[("what_matters_to_me", "A long account, typed over an hour")]);
    fields.push(("person_id", &pid));
    let sent = b.post("/people/new", &fields).await;
    assert_eq!(sent.location(), "/login?expired=1&next=%2Frestore");
    assert_eq!(
        app.db.store.count_people().await.expect("count"),
        8,
        "nothing saved without a session"
    );
    // Someone else signing in on this browser does not get it.
    let mut other = Browser {
        router: b.router.clone(),
        cookies: b.cookies.clone(),
        csrf: None,
    };
    let p = other
        .login("manager", safeguard_core::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(p.location(), "/");
    let stolen = other.get("/restore").await;
    assert_eq!(
        stolen.location(),
        "/",
        "a kept form is only for the user who typed it"
    );
    // It was taken by that attempt, so the same check with the right user now finds nothing: keep it again.
    let mut b = Browser {
        router: b.router.clone(),
        cookies: Default::default(),
        csrf: None,
    };
    b.login_ok("practitioner").await;
    b.get("/people/new").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let sent = b.post("/people/new", &fields).await;
    assert_eq!(sent.location(), "/login?expired=1&next=%2Frestore");
    // As a browser does: follow the redirect to the sign-in page, which carries where to go next.
    let login_page = b.get(sent.location()).await;
    let next = login_page.input_value("next").expect("next");
    let back = b
        .post(
            "/login",
            &[
                ("username", "practitioner"),
                ("password", safeguard_core::demo::DEMO_PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(back.location(), "/restore");
    let restore = b.get("/restore").await;
    assert!(
        restore.contains("we kept what you typed")
            && restore.contains("A long account, typed over an hour")
    );
    assert!(restore.contains("action=\"/people/new\""));
    let kept: Vec<(String, String)> = restore
        .body
        .split("<input type=\"hidden\" name=\"")
        .skip(2)
        .filter_map(|s| {
            let (name, rest) = s.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_string(), value.replace("&#32;", " ")))
        })
        .collect();
    assert!(
        kept.iter()
            .any(|(k, v)| k == "given_name" && v == "Winifred")
    );
    let mut again: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    again.retain(|(k, _)| *k != "csrf_token");
    let saved = b.post("/people/new", &again).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        app.db.store.count_people().await.expect("count"),
        9,
        "saved after signing in again"
    );
    assert_eq!(b.get("/restore").await.location(), "/", "offered once");
    app.finish().await;
}

/// The JSON API: a token, create, read, search, change; bad input gets a 4xx
/// naming each field, never a 5xx.
async fn api_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut api = Api::new(&app);
    assert_eq!(
        api.call(Method::GET, "/api/v1/people?q=ada", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let bad_login = api
        .call(
            Method::POST,
            "/api/v1/auth/token",
            Some(r#"{"username":"practitioner","password":"nope"}"#),
        )
        .await;
    assert_eq!(bad_login.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_login.json()["error"], "bad_credentials");
    api.sign_in("practitioner").await;

    let body = serde_json::json!({
        "given_name": "Oluwaseun", "family_name": "Marchbanks", "date_of_birth": "1958-02-14",
        "nhs_number": "9434765919", "gender": "male", "ethnicity": "black_african",
        "primary_support_reason": "mental_health", "what_matters_to_me": "Choosing who visits me.",
        "communication_needs": ["easy_read"],
        "key_people": [{"name": "Femi Marchbanks", "relationship": "family", "appropriate_person": "no"}]
    });
    let created = api
        .call(Method::POST, "/api/v1/people", Some(&body.to_string()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let person = created.json();
    let id = person["id"].as_str().expect("id").to_string();
    assert_eq!(created.location(), format!("/api/v1/people/{id}"));
    assert_eq!(
        person["sac"]["ethnicity"],
        "Black / African / Caribbean / Black British"
    );
    assert_eq!(person["key_people"][0]["appropriate_person"], "no");

    let got = api
        .call(Method::GET, &format!("/api/v1/people/{id}"), None)
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["what_matters_to_me"], "Choosing who visits me.");
    let found = api
        .call(Method::GET, "/api/v1/people?q=marchbanks", None)
        .await
        .json();
    assert_eq!(found["people"].as_array().map(Vec::len), Some(1));
    assert!(
        audit_for(&app, &id)
            .await
            .iter()
            .any(|(_, a, _)| a == "view"),
        "API views are audited"
    );

    let mut changed = body.clone();
    changed["town"] = "Eastmere".into();
    let put = api
        .call(
            Method::PUT,
            &format!("/api/v1/people/{id}"),
            Some(&serde_json::json!({"version": 1, "person": changed}).to_string()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.json()["version"], 2);
    let stale = api
        .call(
            Method::PUT,
            &format!("/api/v1/people/{id}"),
            Some(&serde_json::json!({"version": 1, "person": changed}).to_string()),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    // Validation: every field at fault is named.
    let invalid = api.call(Method::POST, "/api/v1/people", Some(r#"{"given_name":"X","nhs_number":"123","date_of_birth":"2999-01-01","gender":"robot"}"#)).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = invalid.json();
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    for f in ["family_name", "nhs_number", "date_of_birth", "gender"] {
        assert!(fields.contains(&f), "{f} not named in {fields:?}");
    }
    assert!(v["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    // Wrong types, unknown fields and broken JSON are 400s naming the place.
    let wrong_type = api
        .call(Method::POST, "/api/v1/people", Some(r#"{"given_name": 5}"#))
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_type.json()["fields"][0]["field"], "given_name");
    let unknown = api
        .call(
            Method::POST,
            "/api/v1/people",
            Some(r#"{"given_name":"A","family_name":"B","shoe_size":9}"#),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("shoe_size"));
    let nested = api
        .call(
            Method::POST,
            "/api/v1/people",
            Some(r#"{"given_name":"A","family_name":"B","key_people":[{"name":1}]}"#),
        )
        .await;
    assert_eq!(nested.json()["fields"][0]["field"], "key_people[0].name");
    assert_eq!(
        api.call(Method::POST, "/api/v1/people", Some("{not json"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let huge = format!(
        r#"{{"given_name":"{}","family_name":"B"}}"#,
        "A".repeat(500)
    );
    assert_eq!(
        api.call(Method::POST, "/api/v1/people", Some(&huge))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        api.call(Method::GET, "/api/v1/people/not-a-uuid", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let missing = api.call(Method::GET, "/api/v1/nothing-here", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"], "not_found");
    app.finish().await;
}

/// The OpenAPI document is 3.1 and describes every /api/v1 route; every
/// route it describes is served.
async fn openapi_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let api = Api::new(&app);
    let doc = api.call(Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    // The document is a snapshot kept with the code: a change to the API
    // shows in review. SAFEGUARD_UPDATE_SNAPSHOTS=1 rewrites it.
    let snapshot = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let pretty = serde_json::to_string_pretty(&doc).expect("json") + "\n";
    if std::env::var_os("SAFEGUARD_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(snapshot, &pretty).expect("write the snapshot");
    }
    let kept = std::fs::read_to_string(snapshot).unwrap_or_default();
    assert!(
        kept == pretty,
        "the OpenAPI document differs from docs/openapi.json: review the change and rerun with SAFEGUARD_UPDATE_SNAPSHOTS=1"
    );
    let paths = doc["paths"].as_object().expect("paths");
    let mut described = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().expect("item").keys() {
            described.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    described.sort();
    assert_eq!(
        described,
        vec![
            "DELETE /api/v1/auth/token",
            "DELETE /api/v1/enquiries/{id}/outcomes/{outcome_id}",
            "DELETE /api/v1/people/{id}/restriction",
            "DELETE /api/v1/settings/summary-translations/{lang}",
            "GET /api/v1/access/break-glass",
            "GET /api/v1/access/unusual",
            "GET /api/v1/actions",
            "GET /api/v1/alerts",
            "GET /api/v1/alerts/{id}",
            "GET /api/v1/attachments/{id}",
            "GET /api/v1/calendar",
            "GET /api/v1/case-audits",
            "GET /api/v1/case-audits/templates",
            "GET /api/v1/case-audits/themes",
            "GET /api/v1/case-audits/{id}",
            "GET /api/v1/concerns",
            "GET /api/v1/concerns/{id}",
            "GET /api/v1/concerns/{id}/alleged",
            "GET /api/v1/concerns/{id}/attachments",
            "GET /api/v1/duplicates",
            "GET /api/v1/enquiries",
            "GET /api/v1/enquiries/{id}",
            "GET /api/v1/enquiries/{id}/actions",
            "GET /api/v1/enquiries/{id}/attachments",
            "GET /api/v1/enquiries/{id}/records",
            "GET /api/v1/enquiries/{id}/shares",
            "GET /api/v1/large-scale-enquiries",
            "GET /api/v1/large-scale-enquiries/{id}",
            "GET /api/v1/learning",
            "GET /api/v1/learning/compliance",
            "GET /api/v1/learning/figures",
            "GET /api/v1/learning/frameworks",
            "GET /api/v1/learning/workers/{id}",
            "GET /api/v1/openapi.json",
            "GET /api/v1/pattern-rules",
            "GET /api/v1/people",
            "GET /api/v1/people/{id}",
            "GET /api/v1/people/{id}/access-report",
            "GET /api/v1/people/{id}/attachments",
            "GET /api/v1/people/{id}/chronology",
            "GET /api/v1/people/{id}/fhir",
            "GET /api/v1/people/{id}/third-parties",
            "GET /api/v1/providers/{id}",
            "GET /api/v1/reflections",
            "GET /api/v1/reflections/cpd",
            "GET /api/v1/reflections/workers/{id}",
            "GET /api/v1/reports/dashboard",
            "GET /api/v1/reports/sac/{year}",
            "GET /api/v1/reports/sac/{year}/cells/{table}/{row}/{column}",
            "GET /api/v1/reports/sac/{year}/quality",
            "GET /api/v1/reviews/{id}",
            "GET /api/v1/settings/feedback-questions",
            "GET /api/v1/settings/summary-translations",
            "GET /api/v1/supervision",
            "GET /api/v1/supervision/workers/{id}",
            "POST /api/v1/access/break-glass/{id}/review",
            "POST /api/v1/alerts/{id}/decision",
            "POST /api/v1/auth/token",
            "POST /api/v1/calendar/holidays",
            "POST /api/v1/case-audits/actions/{id}/done",
            "POST /api/v1/case-audits/sample",
            "POST /api/v1/case-audits/templates",
            "POST /api/v1/case-audits/templates/{id}/activate",
            "POST /api/v1/concerns",
            "POST /api/v1/concerns/{id}/adults/{position}/link",
            "POST /api/v1/concerns/{id}/alleged",
            "POST /api/v1/concerns/{id}/attachments",
            "POST /api/v1/concerns/{id}/close",
            "POST /api/v1/concerns/{id}/decision",
            "POST /api/v1/concerns/{id}/messages",
            "POST /api/v1/duplicates/{id}/distinct",
            "POST /api/v1/enquiries/{id}/actions",
            "POST /api/v1/enquiries/{id}/allocate",
            "POST /api/v1/enquiries/{id}/attachments",
            "POST /api/v1/enquiries/{id}/conclusion",
            "POST /api/v1/enquiries/{id}/feedback",
            "POST /api/v1/enquiries/{id}/feedback-links",
            "POST /api/v1/enquiries/{id}/members",
            "POST /api/v1/enquiries/{id}/outcomes",
            "POST /api/v1/enquiries/{id}/records/advocacy",
            "POST /api/v1/enquiries/{id}/records/capacity",
            "POST /api/v1/enquiries/{id}/records/consent",
            "POST /api/v1/enquiries/{id}/records/involvement",
            "POST /api/v1/enquiries/{id}/records/meeting",
            "POST /api/v1/enquiries/{id}/records/risk",
            "POST /api/v1/enquiries/{id}/shares",
            "POST /api/v1/enquiries/{id}/sign-off",
            "POST /api/v1/large-scale-enquiries",
            "POST /api/v1/large-scale-enquiries/{id}/actions",
            "POST /api/v1/large-scale-enquiries/{id}/close",
            "POST /api/v1/large-scale-enquiries/{id}/links",
            "POST /api/v1/large-scale-enquiries/{id}/meetings",
            "POST /api/v1/learning",
            "POST /api/v1/learning/frameworks/levels",
            "POST /api/v1/merges/{id}/undo",
            "POST /api/v1/people",
            "POST /api/v1/people/{id}/attachments",
            "POST /api/v1/people/{id}/break-glass",
            "POST /api/v1/people/{id}/contacts",
            "POST /api/v1/people/{id}/merge",
            "POST /api/v1/people/{id}/subject-access",
            "POST /api/v1/providers",
            "POST /api/v1/public/concerns",
            "POST /api/v1/public/concerns/status",
            "POST /api/v1/reflections",
            "POST /api/v1/reviews",
            "POST /api/v1/reviews/{id}/recommendations",
            "POST /api/v1/supervision/actions/{id}/done",
            "POST /api/v1/supervision/workers/{id}/sessions",
            "PUT /api/v1/actions/{id}",
            "PUT /api/v1/calendar/targets",
            "PUT /api/v1/case-audits/{id}/assignment",
            "PUT /api/v1/case-audits/{id}/grades",
            "PUT /api/v1/case-audits/{id}/moderation",
            "PUT /api/v1/case-audits/{id}/response",
            "PUT /api/v1/concerns/{id}/alleged/{alleged}/outcome",
            "PUT /api/v1/concerns/{id}/provider",
            "PUT /api/v1/enquiries/{id}/actions/{action_id}",
            "PUT /api/v1/enquiries/{id}/outcomes/{outcome_id}",
            "PUT /api/v1/large-scale-enquiries/{id}/actions/{action}",
            "PUT /api/v1/learning/frameworks/job-requirements",
            "PUT /api/v1/learning/frameworks/levels/{id}",
            "PUT /api/v1/learning/frameworks/requirements",
            "PUT /api/v1/pattern-rules",
            "PUT /api/v1/people/{id}",
            "PUT /api/v1/people/{id}/chronology/{entry_id}",
            "PUT /api/v1/people/{id}/restriction",
            "PUT /api/v1/recommendations/{id}/status",
            "PUT /api/v1/settings/feedback-questions",
            "PUT /api/v1/settings/summary-translations/{lang}",
            "PUT /api/v1/supervision/workers/{id}/agreement",
            "PUT /api/v1/users/{id}/job-title",
            "PUT /api/v1/users/{id}/workforce-lead",
        ]
    );
    for d in &described {
        let (method, path) = d.split_once(' ').expect("method and path");
        let path = path
            .replace("{id}", "01900000-0000-7000-8000-000000000000")
            .replace("{position}", "0")
            .replace("{outcome_id}", "x")
            .replace("{action_id}", "x")
            .replace("{lang}", "cy")
            .replace("{year}", "2025-26")
            .replace("{table}", "SG1a")
            .replace("{row}", "0")
            .replace("{column}", "0");
        let res = api
            .call(method.parse().expect("method"), &path, Some("{}"))
            .await;
        // Without a token, protected routes answer 401 before looking anything up.
        assert_ne!(res.status, StatusCode::NOT_FOUND, "{d} is not served");
        assert_ne!(
            res.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{d} is not served"
        );
        assert!(res.status.as_u16() < 500, "{d} gave {}", res.status);
    }
    app.finish().await;
}

/// Long forms can be saved as a draft and finished later: a new person, a
/// change to a person, a concern recorded on a person's record. A draft is
/// its author's alone and goes once the record is saved.
async fn drafts_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    let form = p.get("/people/new").await;
    assert!(!form.contains("filled in from your draft"));
    let pid = form.input_value("person_id").expect("id");
    let saved = p
        .post(
            "/people/new",
            &[
                ("action", "draft"),
                ("person_id", &pid),
                ("given_name", "Winifred"),
                ("what_matters_to_me", "My dog, Biscuit."),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location(), "/people/new");
    let back = p.get("/people/new").await;
    assert!(back.contains("filled in from your draft"));
    assert_eq!(back.input_value("given_name").as_deref(), Some("Winifred"));
    assert_eq!(back.input_value("person_id").as_deref(), Some(pid.as_str()));
    assert!(back.contains("My dog, Biscuit."));
    // Nobody else sees it.
    let mut m = app.browser();
    m.login_ok("manager").await;
    let theirs = m.get("/people/new").await;
    assert!(!theirs.contains("filled in from your draft") && !theirs.contains("Winifred"));
    // Saving the record for real forgets the draft.
    let mut good = person_form(&[]);
    good.push(("person_id", &pid));
    let made = p.post("/people/new", &good).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert_eq!(id_from_location(made.location()), pid);
    assert!(
        !p.get("/people/new")
            .await
            .contains("filled in from your draft")
    );

    // A change to a record, drafted, then discarded.
    let edit = format!("/people/{pid}/edit");
    let current = p.get(&edit).await;
    let version = current.input_value("version").expect("version");
    let mut change = person_form(&[("what_matters_to_me", "Biscuit, and my garden.")]);
    change.retain(|(k, _)| *k != "action");
    change.push(("action", "draft"));
    change.push(("version", &version));
    assert_eq!(p.post(&edit, &change).await.status, StatusCode::SEE_OTHER);
    let drafted = p.get(&edit).await;
    assert!(
        drafted.contains("filled in from your draft")
            && drafted.contains("Biscuit, and my garden.")
    );
    assert!(
        !p.get(&format!("/people/{pid}"))
            .await
            .contains("Biscuit, and my garden."),
        "a draft changes nothing on the record"
    );
    assert_eq!(
        p.post(&edit, &[("action", "discard_draft")]).await.status,
        StatusCode::SEE_OTHER
    );
    let fresh = p.get(&edit).await;
    assert!(
        !fresh.contains("filled in from your draft") && !fresh.contains("Biscuit, and my garden.")
    );

    // A concern recorded on the person's record.
    let path = format!("/concerns/new?person={pid}");
    let form_id = p.get(&path).await.input_value("form_id").expect("form id");
    let concern = [
        ("form_id", form_id.as_str()),
        ("person_id", pid.as_str()),
        ("adult_rows", "0"),
        ("channel", "phone"),
        ("received_on", "2026-11-20"),
        ("raiser_kind", "family_friend"),
        ("raiser_name", "Rosalind Quillfeather"),
        (
            "what_happened",
            "A neighbour has been taking her shopping money.",
        ),
        ("immediate_danger", "no"),
        ("consent", "yes"),
    ];
    let mut draft = concern.to_vec();
    draft.push(("action", "draft"));
    let r = p.post("/concerns/new", &draft).await;
    assert_eq!(r.location(), path);
    let back = p.get(&path).await;
    assert!(
        back.contains("filled in from your draft") && back.contains("taking her shopping money")
    );
    assert!(
        !p.get("/concerns/new")
            .await
            .contains("filled in from your draft"),
        "drafts are per person"
    );
    let mut save = concern.to_vec();
    save.push(("action", "save"));
    let made = p.post("/concerns/new", &save).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert!(!p.get(&path).await.contains("filled in from your draft"));
    app.finish().await;
}

/// Two app servers share one database: a session made on one works on the other.
async fn shared_sessions_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let second = safeguard_store::Store::connect(&app.db.url)
        .await
        .expect("second server's connection");
    let (_, router_b) = router_for(second);
    let mut a = app.browser();
    a.login_ok("manager").await;
    let mut b = Browser {
        router: router_b,
        cookies: a.cookies.clone(),
        csrf: None,
    };
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.contains("Welcome, Martin Lowe"));
    b.post("/logout", &[]).await;
    assert!(
        a.get("/").await.location().starts_with("/login"),
        "signing out on one server ends it on all"
    );
    app.finish().await;
}

/// Health, error pages with a request id and no internals, security
/// headers, assets, and escaping of whatever users type.
/// Operators' monitoring: liveness and readiness apart, and Prometheus
/// metrics counting requests by route template (never a record's id), with
/// latency, the pool, the audit chain and the outbox.
async fn operations_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut b = app.browser();
    assert_eq!(b.get("/live").await.status, StatusCode::OK);
    let ready = b.get("/ready").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["status"], "ready");
    b.login_ok("practitioner").await;
    let ada = app.person_id("ada brightwater").await;
    for _ in 0..3 {
        assert_eq!(
            b.get(&format!("/people/{ada}")).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(b.get("/no-such-page").await.status, StatusCode::NOT_FOUND);
    let m = b.get("/metrics").await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.contains(
            "safeguard_http_requests_total{method=\"GET\",route=\"/people/{id}\",status=\"200\"} 3"
        ),
        "{}",
        m.body
    );
    assert!(!m.contains(&ada), "a record's id never reaches the metrics");
    assert!(m.contains("route=\"unmatched\",status=\"404\""));
    assert!(m.contains(
        "safeguard_http_request_duration_seconds_bucket{route=\"/people/{id}\",le=\"+Inf\"} 3"
    ));
    assert!(m.contains("safeguard_up 1"));
    let chain = m
        .body
        .lines()
        .find_map(|l| l.strip_prefix("safeguard_audit_chain_length "))
        .and_then(|n| n.parse::<i64>().ok())
        .expect("chain length");
    assert!(chain > 0);
    assert!(m.contains("safeguard_outbox_backlog "));
    assert!(m.contains("safeguard_attachments{status=\"quarantined\"} 0"));
    // A file waiting for its virus scan (no scanner here) is counted.
    app.api_as("practitioner")
        .await
        .upload(
            &format!("/api/v1/people/{ada}/attachments?filename=waiting.pdf"),
            "application/pdf",
            b"%PDF-1.7\n% waiting\n".to_vec(),
        )
        .await;
    let m = b.get("/metrics").await;
    assert!(
        m.contains("safeguard_attachments{status=\"quarantined\"} 1"),
        "{}",
        m.body
    );
    assert!(!m.contains(&ada));
    assert!(m.contains("state=\"idle\""));
    assert!(m.contains("safeguard_draining 0"));
    app.finish().await;
}

async fn pages_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut b = app.browser();
    let health = b.get("/health").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["database"], "reachable");
    assert_eq!(health.json()["backend"], app.db.store.backend_name());

    let missing = b.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let rid = missing
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("request id")
        .to_string();
    assert!(
        missing.contains(&rid),
        "the error page shows the request id"
    );
    assert!(missing.contains("<title>Page not found – Safeguard</title>"));
    for h in [
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
    ] {
        assert!(missing.headers.contains_key(h), "{h}");
    }
    let css = b.get("/assets/safeguard.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.contains(".govuk-button"));
    assert!(
        !css.contains("GDS Transport"),
        "the GOV.UK font is not ours to use"
    );
    assert!(
        !b.get("/login").await.contains("govuk-header__logotype"),
        "no crown or GOV.UK logo"
    );

    b.login_ok("practitioner").await;
    b.get("/people/new").await;
    let saved = b
        .post(
            "/people/new",
            &person_form(&[
                ("given_name", "<script>alert(1)</script>"),
                ("what_matters_to_me", "\"><img src=x onerror=alert(2)>"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let view = b.get(saved.location()).await;
    assert!(!view.contains("<script>alert(1)"));
    assert!(
        view.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "the name is shown, escaped"
    );
    assert!(!view.contains("<img src=x"));
    let not_uuid = b.get("/people/../../etc/passwd").await;
    assert!(not_uuid.status.is_client_error());
    let bad_id = b.get("/people/12345").await;
    assert_eq!(bad_id.status, StatusCode::NOT_FOUND);
    assert!(!bad_id.contains("12345"), "error pages do not echo input");
    app.finish().await;
}

on_both_backends! {
    practitioner_creates_finds_views_edits => super::practitioner_story;
    roles_see_only_what_they_may => super::access_story;
    failed_logins_lock_the_account => super::lockout_story;
    forms_need_their_csrf_token => super::csrf_story;
    sessions_time_out => super::session_timeout_story;
    person_page_reads_its_session => super::person_page_reads_its_session_story;
    session_timeout_loses_nothing_typed => super::timeout_keeps_typing_story;
    drafts_of_long_forms => super::drafts_story;
    json_api => super::api_story;
    openapi_describes_every_route => super::openapi_story;
    app_servers_share_sessions => super::shared_sessions_story;
    pages_errors_and_escaping => super::pages_story;
    liveness_readiness_and_metrics => super::operations_story;
    public_raiser_to_triage_to_status => crate::concerns::public_raiser_story;
    anonymous_concerns_keep_no_contact => crate::concerns::anonymous_story;
    partner_staff_raise_and_follow => crate::concerns::partner_story;
    pages_say_it_plainly => crate::concerns::wording_story;
    a_public_concern_sent_too_fast_is_explained => crate::concerns::too_fast_story;
    staff_record_providers_and_deadlines => crate::concerns::staff_record_story;
    triage_through_the_api => crate::concerns::api_triage_story;
    pattern_alerts_fire_when_they_should => crate::patterns::pattern_alerts_story;
    people_alleged_to_have_caused_harm_on_pages => crate::patterns::alleged_pages_story;
    large_scale_enquiries_about_a_provider => crate::large_scale::large_scale_story;
    fhir_export_under_a_share => crate::fhir::fhir_export_story;
    attachments_scanned_and_read_with_their_record => crate::attachments::attachments_story;
    attachments_wait_in_quarantine_for_a_scanner => crate::attachments::quarantine_story;
    attachments_in_s3_compatible_storage => crate::attachments::s3_story;
    single_sign_on_through_an_oidc_provider => crate::sso::single_sign_on_story;
    two_factor_sign_in_recovery_and_reset => crate::two_factor::two_factor_story;
    break_glass_asks_a_fresh_second_factor => crate::two_factor::break_glass_step_up_story;
    enquiry_led_by_the_person => crate::enquiries::enquiry_story;
    home_pages_list_the_work => crate::enquiries::home_work_story;
    training_needs_records_and_compliance => crate::workforce::training_story;
    enquiry_leads_need_current_competence => crate::workforce::allocation_story;
    frameworks_are_edited_by_administrators => crate::workforce::frameworks_story;
    supervision_with_cases_decisions_and_actions => crate::workforce::supervision_story;
    review_recommendations_are_tracked => crate::workforce::recommendations_story;
    reflective_log_and_cpd_record => crate::workforce::reflection_story;
    job_titles_add_to_what_a_role_needs => crate::workforce::job_title_story;
    case_file_audit_from_sample_to_themes => crate::case_audit::case_audit_story;
    case_file_audit_templates => crate::case_audit::audit_templates_story;
    enquiries_need_person_records => crate::enquiries::enquiry_needs_people_story;
    enquiry_through_the_api => crate::enquiries::api_enquiry_story;
    advocacy_capacity_and_consent => crate::enquiries::rights_story;
    partners_update_the_actions_they_own => crate::enquiries::owned_actions_story;
    contacts_and_a_curated_chronology => crate::contacts::contacts_story;
    a_long_chronology_in_pages => crate::contacts::long_chronology_story;
    the_plan_summary_is_readable => crate::enquiries::plan_summary_versions_story;
    risk_and_the_plan => crate::enquiries::plan_story;
    the_persons_feedback => crate::enquiries::feedback_story;
    plan_summary_in_the_persons_language => crate::enquiries::plan_summary_translation_story;
    sac_return_drill_down_and_checks => crate::reports::sac_story;
    dashboard_by_period_and_team => crate::reports::dashboard_story;
    need_to_know_scoping_break_glass_and_restriction => crate::access::need_to_know_story;
    information_shared_on_a_lawful_basis => crate::access::information_sharing_story;
    subject_access_with_third_parties_withheld => crate::access::subject_access_story;
    retention_disposal_and_certificates => crate::access::retention_story;
    dashboard_period_is_bounded => crate::security::dashboard_period_is_bounded_story;
    sign_in_redirects_stay_on_site => crate::security::sign_in_redirects_stay_on_site_story;
    api_takes_json_only => crate::security::api_takes_json_only_story;
    sign_in_hashing_is_bounded => crate::security::sign_in_hashing_is_bounded_story;
    break_glass_does_not_lift_a_restriction => crate::security::break_glass_does_not_lift_a_restriction_story;
    whoever_made_a_record_reads_it => crate::security::whoever_made_a_record_reads_it_story;
    concerns_do_not_open_records => crate::security::concerns_do_not_open_records_story;
    suggestions_show_outsiders_only_the_name => crate::security::suggestions_show_outsiders_only_the_name_story;
    one_person_once_in_a_concern => crate::security::one_person_once_in_a_concern_story;
    no_relinking_after_the_decision => crate::security::no_relinking_after_the_decision_story;
    under_18s_are_a_quality_fault_not_an_age => crate::security::under_18s_are_a_quality_fault_not_an_age_story;
    dates_are_the_organisations => crate::security::dates_are_the_organisations_story;
    credentials_can_be_revoked => crate::security::credentials_can_be_revoked_story;
    administrators_never_hold_passwords => crate::security::administrators_never_hold_passwords_story;
    intake_and_health_never_starve => crate::security::intake_and_health_never_starve_story;
    api_answers_as_documented => crate::security::api_answers_as_documented_story;
    nul_characters_are_refused_not_500 => crate::security::nul_characters_are_refused_not_500_story;
    one_audited_view_per_page => crate::security::one_audited_view_per_page_story;
    misspelt_and_sound_alike_names_are_found => crate::search::search_story;
    likely_duplicates_shown_before_a_record_is_made => crate::search::duplicates_story;
    merge_and_undo_exactly => crate::search::merge_story;
    the_person_page_shows_the_latest_chronology => crate::search::long_chronology_story;
}
