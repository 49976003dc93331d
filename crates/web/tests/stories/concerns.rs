//! Concerns and triage, as their users live them.

use axum::http::{Method, StatusCode};
use safeguard_store::audit::AuditFilter;
use safeguard_store::testing::TestDb;

use crate::support::{Api, SmtpSink, TestApp};

async fn count_concerns(app: &TestApp) -> usize {
    app.db
        .store
        .concerns(&safeguard_store::concerns::ConcernScope::All, None, 1000)
        .await
        .expect("q")
        .len()
}

/// A member of the public raises a concern in steps (with mistakes
/// corrected), gets a reference and receipt code, and follows it; a manager
/// matches the adult to an existing record, decides against s42(1), messages
/// and closes; the raiser sees each status and message, and gets an email
/// that announces news without saying what it is.
pub async fn public_raiser_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut b = app.browser();
    assert!(b.get("/raise").await.contains("call 999"));
    let started = b.post_raw("/raise/start", &[]).await;
    assert_eq!(started.location(), "/raise/about-you");
    assert!(b.cookies.contains_key("sg_draft"));
    let page = b.get("/raise/about-you").await;
    assert_eq!(page.status, StatusCode::OK);

    // Step 1 with a mistake, then right.
    let p = b
        .post("/raise/about-you", &[("raiser_email", "not-an-email")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("href=\"#raiser_kind\"") && p.contains("href=\"#raiser_email\""));
    assert_eq!(
        p.input_value("raiser_email").as_deref(),
        Some("not-an-email"),
        "typed input is kept"
    );
    let p = b
        .post(
            "/raise/about-you",
            &[
                ("raiser_kind", "family_friend"),
                ("raiser_name", "Pat Neighbour"),
                ("raiser_email", "pat@example.com"),
            ],
        )
        .await;
    assert_eq!(p.location(), "/raise/danger");
    let p = b
        .post("/raise/danger", &[("immediate_danger", "yes")])
        .await;
    assert_eq!(p.location(), "/raise/who");
    assert!(
        b.get("/raise/who").await.contains("call 999 now"),
        "danger brings the 999 warning forward"
    );
    let p = b.post("/raise/who", &[("adults_0_age", "about 88")]).await;
    assert_eq!(
        p.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a name or description is needed"
    );
    let p = b
        .post(
            "/raise/who",
            &[
                ("adults_0_name", "Ada Brightwater"),
                ("adults_0_age", "14 May 1938"),
                ("adults_0_address", "10 Example Road, NB1 4QT"),
            ],
        )
        .await;
    assert_eq!(p.location(), "/raise/what");
    let p = b
        .post(
            "/raise/what",
            &[
                (
                    "what_happened",
                    "Her carer <b>shouts</b> at her and keeps her pension card.",
                ),
                ("suspected_types", "financial"),
                ("suspected_types", "psychological"),
                ("provider_name", "Sunrise Home Care"),
            ],
        )
        .await;
    assert_eq!(p.location(), "/raise/consent");
    let p = b.post("/raise/consent", &[("consent", "no")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("Select why you are telling us without their agreement"));
    let p = b
        .post(
            "/raise/consent",
            &[("consent", "no"), ("consent_reason", "increases_risk")],
        )
        .await;
    assert_eq!(p.location(), "/raise/check");
    let check = b.get("/raise/check").await;
    assert!(check.contains("Ada Brightwater") && check.contains("Financial or Material Abuse"));
    assert!(
        check.contains("&#60;b&#62;shouts"),
        "what people type is escaped"
    );
    assert_eq!(
        count_concerns(&app).await,
        0,
        "nothing is saved before sending"
    );

    // The honeypot field catches form-filling machines.
    assert_eq!(
        b.post("/raise/submit", &[("website", "http://spam.example")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let sent = b.post("/raise/submit", &[("website", "")]).await;
    assert_eq!(sent.location(), "/raise/done");
    let again = b.post("/raise/submit", &[("website", "")]).await;
    assert_eq!(
        again.location(),
        "/raise/done",
        "a double submit shows the same receipt"
    );
    assert_eq!(count_concerns(&app).await, 1, "and makes no second concern");
    let done = b.get("/raise/done").await;
    let reference = done
        .body
        .split("sg-code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("reference")
        .to_string();
    let code = done
        .body
        .split("sg-code\">")
        .nth(2)
        .and_then(|s| s.split('<').next())
        .expect("code")
        .to_string();
    assert!(
        reference.starts_with("SG-") && code.len() == 14,
        "{reference} {code}"
    );

    // The raiser checks the status.
    let mut raiser = app.browser();
    let wrong = raiser
        .post_raw(
            "/concern-status",
            &[
                ("reference", &reference),
                ("receipt_code", "AAAA-BBBB-CCCC"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let st = raiser
        .post_raw(
            "/concern-status",
            &[
                ("reference", &reference.to_lowercase()),
                ("receipt_code", &code),
            ],
        )
        .await;
    assert!(st.contains("Status: Received"), "{}", st.body);
    assert!(
        !st.contains("pension"),
        "the status page never shows case content"
    );

    // A manager sees it on the home page and in the queue, oldest first.
    let mut m = app.browser();
    m.login_ok("manager").await;
    assert!(
        m.get("/")
            .await
            .contains("<strong class=\"govuk-!-font-size-36\">1</strong> waiting for a decision")
    );
    let queue = m.get("/concerns").await;
    assert!(queue.contains(&reference) && queue.contains("Danger"));
    let anchor = format!("\">{reference}</a>");
    let before = &queue.body[..queue
        .body
        .find(&anchor)
        .expect("the queue links the concern")];
    let cid = before
        .rsplit("href=\"/concerns/")
        .next()
        .expect("link")
        .to_string();
    let view = m.get(&format!("/concerns/{cid}")).await;
    assert!(
        view.contains("Strong match") && view.contains("same date of birth"),
        "matching suggests the existing record"
    );
    let ada = app.person_id("ada brightwater").await;
    let linked = m
        .post(
            &format!("/concerns/{cid}/adults/0/link"),
            &[("person_id", &ada)],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER);

    // A practitioner may not decide; a manager's unlawful choice is refused with the reason.
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    assert!(
        p.get(&format!("/concerns/{cid}"))
            .await
            .contains("Waiting for a manager")
    );
    let decision =
        |outcome: &'static str, b_answer: &'static str| -> Vec<(&'static str, &'static str)> {
            vec![
                ("needs_care_and_support", "yes"),
                ("needs_evidence", "Dementia; home care four times a day"),
                ("experiencing_abuse", b_answer),
                (
                    "abuse_evidence",
                    "Neighbour's account; pension card kept by carer",
                ),
                ("unable_to_protect", "yes"),
                ("unable_evidence", "Relies on the carer for everything"),
                ("outcome", outcome),
                ("reasons", "All three conditions met on what we know"),
            ]
        };
    let bad = m
        .post(
            &format!("/concerns/{cid}/decision"),
            &decision("other_enquiry", "yes"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("must make (or cause) a Section 42 enquiry"));
    assert!(bad.contains("All three conditions met on what we know</textarea>"));
    let ok = m
        .post(
            &format!("/concerns/{cid}/decision"),
            &decision("section_42", "yes"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let twice = m
        .post(
            &format!("/concerns/{cid}/decision"),
            &decision("section_42", "yes"),
        )
        .await;
    assert_eq!(
        twice.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a concern is decided once"
    );

    let st = raiser
        .post_raw(
            "/concern-status",
            &[("reference", &reference), ("receipt_code", &code)],
        )
        .await;
    assert!(
        st.contains("Status: Being looked into") && st.contains("making enquiries"),
        "{}",
        st.body
    );

    // The chronology tells the story, newest first.
    let person = p.get(&format!("/people/{ada}")).await;
    let decided_at = person
        .body
        .find("Triage decision on concern")
        .expect("decision in chronology");
    let received_at = person
        .body
        .find("linked to this record")
        .expect("concern in chronology");
    assert!(decided_at < received_at, "newest first");

    m.post(
        &format!("/concerns/{cid}/messages"),
        &[("message", "We have spoken to Ada. Thank you.")],
    )
    .await;
    m.post(&format!("/concerns/{cid}/close"), &[("close_message", "")])
        .await;
    let st = raiser
        .post_raw(
            "/concern-status",
            &[("reference", &reference), ("receipt_code", &code)],
        )
        .await;
    assert!(st.contains("Status: Closed") && st.contains("We have spoken to Ada."));

    // Emails announce news and never carry case content.
    let sink = SmtpSink::start().await;
    let cfg = safeguard_core::mail::MailConfig {
        smtp_url: format!("smtp://127.0.0.1:{}", sink.port),
        from: "Safeguarding <safeguarding@example.org>".into(),
        public_url: "https://safeguard.example.org".into(),
    };
    let sent = app
        .core
        .send_pending_emails(&cfg, time::OffsetDateTime::now_utc())
        .await
        .expect("send");
    assert_eq!(sent, 3, "decision, message and closure");
    let mails = sink.messages.lock().expect("lock").clone();
    assert_eq!(mails.len(), 3);
    assert!(mails.iter().all(|m| m.contains(&reference)
        && m.contains("https://safeguard.example.org/concern-status")
        && m.contains("pat@example.com")));
    assert!(
        mails
            .iter()
            .all(|m| !m.contains("Ada") && !m.contains("pension")),
        "no case content in email"
    );
    assert_eq!(
        app.core
            .send_pending_emails(&cfg, time::OffsetDateTime::now_utc())
            .await
            .expect("send"),
        0,
        "sent once"
    );

    let creates = app
        .db
        .store
        .list_audit(
            &AuditFilter {
                subject_id: Some(cid.clone()),
                action: Some("create".into()),
                ..AuditFilter::default()
            },
            5,
        )
        .await
        .expect("audit");
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].actor_name, "public raiser");
    app.finish().await;
}

/// Anonymous concerns keep no contact details and nothing about the sender's connection.
pub async fn anonymous_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let api = Api::new(&app);
    let body = serde_json::json!({
        "raiser_kind": "anonymous", "raiser_name": "Should Not Be Kept", "raiser_email": "x@example.com",
        "what_happened": "Residents are left in wet beds all night.",
        "adults": [{"description": "Residents on the first floor of Meadowview"}],
        "immediate_danger": "unknown", "consent": "dont_know"
    });
    let r = api
        .call(
            Method::POST,
            "/api/v1/public/concerns",
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let receipt = r.json();
    let row = app
        .db
        .store
        .concern_by_reference(receipt["reference"].as_str().expect("ref"))
        .await
        .expect("q")
        .expect("row");
    assert_eq!(
        (
            row.raiser_name,
            row.raiser_email,
            row.raiser_phone,
            row.raised_by
        ),
        (None, None, None, None)
    );
    let st = api.call(Method::POST, "/api/v1/public/concerns/status", Some(&serde_json::json!({"reference": receipt["reference"], "receipt_code": receipt["receipt_code"]}).to_string())).await;
    assert_eq!(st.json()["status"], "Received");
    let bad = api
        .call(
            Method::POST,
            "/api/v1/public/concerns",
            Some(r#"{"raiser_kind":"anonymous","what_happened":""}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or("").to_string())
        .collect();
    for f in [
        "what_happened",
        "adults_0_name",
        "immediate_danger",
        "consent",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    let huge = serde_json::json!({"raiser_kind": "public", "what_happened": "x".repeat(20_000), "adults": [{"name": "A"}], "immediate_danger": "no", "consent": "yes"});
    assert_eq!(
        api.call(
            Method::POST,
            "/api/v1/public/concerns",
            Some(&huge.to_string())
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.finish().await;
}

/// Partner staff raise concerns from their account (agency recorded) and
/// see the status of those they raised, and nothing else.
pub async fn partner_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut pc = app.browser();
    pc.login_ok("partner").await;
    let form = pc.get("/concerns/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        !form.contains("name=\"raiser_kind\""),
        "partners are the raiser"
    );
    let bad = pc
        .post(
            "/concerns/new",
            &[("action", "save"), ("what_happened", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = pc
        .post(
            "/concerns/new",
            &[
                ("action", "save"),
                ("adults_0_name", "Tomasz Wieczorek"),
                (
                    "what_happened",
                    "Found at home without heating; says his nephew took his bank card.",
                ),
                ("immediate_danger", "no"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let mine = pc.get(ok.location()).await;
    assert!(mine.contains("was sent to the council") && mine.contains("Received"));
    let row = &app
        .db
        .store
        .concerns(&safeguard_store::concerns::ConcernScope::All, None, 10)
        .await
        .expect("q")[0];
    assert_eq!(row.channel, "partner");
    assert_eq!(row.raiser_name.as_deref(), Some("Pat Kimura"));
    let agency = app
        .db
        .store
        .list_agencies()
        .await
        .expect("q")
        .into_iter()
        .find(|a| a.name == "Northbridge Police")
        .expect("agency");
    assert_eq!(row.raiser_agency_id.as_deref(), Some(agency.id.as_str()));

    // Someone else's concern is "not found"; partners cannot triage.
    let api = Api::new(&app);
    let other = api.call(Method::POST, "/api/v1/public/concerns", Some(r#"{"raiser_kind":"public","what_happened":"x","adults":[{"name":"B"}],"immediate_danger":"no","consent":"yes"}"#)).await.json();
    let other_id = other["id"].as_str().expect("id");
    assert_eq!(
        pc.get(&format!("/concerns/{other_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        pc.get(&format!("/concerns/{}", row.id)).await.status,
        StatusCode::OK
    );
    let mut papi = Api::new(&app);
    papi.sign_in("partner").await;
    let list = papi
        .call(Method::GET, "/api/v1/concerns", None)
        .await
        .json();
    assert_eq!(
        list["concerns"].as_array().map(Vec::len),
        Some(1),
        "only their own"
    );
    let decide = papi
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{}/decision", row.id),
            Some("{}"),
        )
        .await;
    assert_eq!(decide.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

/// A practitioner records a phone call on a person's record; the caller is
/// given a reference and receipt code; the service involved becomes a
/// provider record listing its concerns; the deadlines count working days.
pub async fn staff_record_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    let harjit = app.db.store.people_named("sandhu").await.expect("q")[0]
        .id
        .to_string();
    let form = p.get(&format!("/concerns/new?person={harjit}")).await;
    assert!(form.contains("This concern is about <strong>Harjit Sandhu</strong>"));

    let prov = p.get("/providers/new").await;
    assert_eq!(prov.status, StatusCode::OK);
    let bad = p
        .post("/providers/new", &[("name", ""), ("postcode", "nope")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let made = p
        .post(
            "/providers/new",
            &[
                ("name", "Sunrise Home Care"),
                ("kind", "home_care"),
                ("postcode", "em1 2ab"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let provider_id = made
        .location()
        .trim_start_matches("/providers/")
        .to_string();

    let form_id = p
        .get(&format!("/concerns/new?person={harjit}"))
        .await
        .input_value("form_id")
        .expect("the form carries its id");
    let saved = p
        .post(
            "/concerns/new",
            &[
                ("form_id", &form_id),
                ("action", "save"),
                ("person_id", &harjit),
                ("adult_rows", "1"),
                ("channel", "phone"),
                ("received_on", "2026-11-20"),
                ("raiser_kind", "family_friend"),
                ("raiser_name", "Jas Sandhu"),
                ("raiser_phone", "07700 900456"),
                (
                    "what_happened",
                    "Carers from the agency have missed visits three days running.",
                ),
                ("provider_id", &provider_id),
                ("location_type", "own_home"),
                ("immediate_danger", "no"),
                ("consent", "yes"),
                ("suspected_types", "neglect"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert!(saved.contains("Concern saved") && saved.contains("Receipt code"));
    let fields_again = [
        ("form_id", form_id.as_str()),
        ("action", "save"),
        ("person_id", harjit.as_str()),
        ("what_happened", "x"),
        ("immediate_danger", "no"),
        ("consent", "yes"),
        ("raiser_kind", "public"),
    ];
    let again = p.post("/concerns/new", &fields_again).await;
    assert_eq!(
        again.location(),
        format!("/concerns/{form_id}"),
        "the same form again leads to the first concern"
    );
    assert_eq!(
        count_concerns(&app).await,
        1,
        "a double submit makes one concern"
    );
    let person = p.get(&format!("/people/{harjit}")).await;
    assert!(person.contains("Concern received (SG-") && person.contains("by telephone"));
    let prov_page = p.get(&format!("/providers/{provider_id}")).await;
    assert!(prov_page.contains("Concerns about this service (1)"));

    // Deadlines: received Friday 20 November 2026, decision due in 2 working days (Tuesday 24th).
    let items = app
        .core
        .concern_list(
            &safeguard_core::domain::Actor {
                ..manager_actor(&app).await
            },
            Some(safeguard_domain::concern::ConcernState::New),
            &safeguard_core::Ctx::default(),
            time::macros::datetime!(2026-11-25 09:00 UTC),
        )
        .await
        .expect("list");
    assert_eq!(
        items[0].clocks.decision_due,
        time::macros::date!(2026 - 11 - 24)
    );
    assert!(matches!(
        items[0].clocks.decision,
        safeguard_domain::calendar::Clock::Overdue(_)
    ));
    let m = manager_actor(&app).await;
    let counts = app
        .core
        .triage_counts(&m, time::macros::datetime!(2026-11-24 09:00 UTC))
        .await
        .expect("q")
        .expect("counts");
    assert_eq!(
        (
            counts.waiting,
            counts.decision_due_today,
            counts.decision_overdue
        ),
        (1, 1, 0)
    );

    // The organisation edits its calendar: a one-off holiday moves the deadline.
    let mut admin = app.browser();
    admin.login_ok("admin").await;
    assert_eq!(admin.get("/admin/calendar").await.status, StatusCode::OK);
    let bad = admin
        .post(
            "/admin/calendar/targets",
            &[("acknowledge_days", "x"), ("decision_days", "99")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    admin
        .post(
            "/admin/calendar/holidays",
            &[("day", "2026-11-23"), ("name", "Council closure day")],
        )
        .await;
    let counts = app
        .core
        .triage_counts(&m, time::macros::datetime!(2026-11-24 09:00 UTC))
        .await
        .expect("q")
        .expect("counts");
    assert_eq!(
        (counts.decision_due_today, counts.decision_overdue),
        (0, 0),
        "now due on the 25th"
    );
    assert_eq!(
        p.get("/admin/calendar").await.status,
        StatusCode::FORBIDDEN,
        "practitioners cannot edit it"
    );
    app.finish().await;
}

async fn manager_actor(app: &TestApp) -> safeguard_domain::Actor {
    let s = app
        .core
        .login(
            "manager",
            safeguard_core::demo::DEMO_PASSWORD,
            "/",
            &safeguard_core::Ctx::default(),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("login")
        .done()
        .expect("no second factor");
    s.actor
}

/// The whole triage flow through the JSON API: a public concern, the queue,
/// linking, a decision refused then made, a provider, a message, closure,
/// the calendar, and the raiser's status.
pub async fn api_triage_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let public = Api::new(&app);
    let r = public
        .call(Method::POST, "/api/v1/public/concerns", Some(&serde_json::json!({
            "raiser_kind": "staff", "raiser_name": "Dr A. Example", "raiser_role": "GP",
            "what_happened": "Bruising on both arms; says her son pushes her.",
            "adults": [{"name": "Ada Brightwater", "age": "1938-05-14"}],
            "immediate_danger": "no", "consent": "yes", "suspected_types": ["physical", "domestic"]
        }).to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let receipt = r.json();
    let cid = receipt["id"].as_str().expect("id").to_string();
    let mut m = Api::new(&app);
    m.sign_in("manager").await;
    let queue = m
        .call(Method::GET, "/api/v1/concerns?state=new", None)
        .await
        .json();
    assert_eq!(queue["concerns"][0]["id"], cid.as_str());
    assert!(queue["concerns"][0]["decision_due"].as_str().is_some());
    assert_eq!(
        m.call(Method::GET, "/api/v1/concerns?state=bogus", None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let ada = app.person_id("ada brightwater").await;
    let link = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/adults/0/link"),
            Some(&serde_json::json!({"person_id": ada}).to_string()),
        )
        .await;
    assert_eq!(link.status, StatusCode::NO_CONTENT, "{}", link.body);
    let bad = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(r#"{"outcome":"section_42"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or("").to_string())
        .collect();
    for f in [
        "needs_care_and_support",
        "needs_evidence",
        "experiencing_abuse",
        "unable_to_protect",
        "reasons",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    let decision = serde_json::json!({
        "needs_care_and_support": "yes", "needs_evidence": "Frailty; daily care",
        "experiencing_abuse": "yes", "abuse_evidence": "GP saw bruising",
        "unable_to_protect": "unknown", "unable_evidence": "Not yet known",
        "outcome": "other_enquiry", "reasons": "Enquiry needed to establish (c)"
    });
    let ok = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(&decision.to_string()),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    let provider = m
        .call(
            Method::POST,
            "/api/v1/providers",
            Some(r#"{"name":"Ward 7, Northbridge General","kind":"hospital_acute"}"#),
        )
        .await
        .json();
    let pid = provider["id"].as_str().expect("id");
    assert_eq!(
        m.call(
            Method::PUT,
            &format!("/api/v1/concerns/{cid}/provider"),
            Some(&serde_json::json!({"provider_id": pid}).to_string())
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let prov = m
        .call(Method::GET, &format!("/api/v1/providers/{pid}"), None)
        .await
        .json();
    assert_eq!(prov["concern_ids"][0], cid.as_str());
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/messages"),
            Some(r#"{"message":"Thank you, doctor."}"#)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/close"),
            Some("{}")
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let chron = m
        .call(
            Method::GET,
            &format!("/api/v1/people/{ada}/chronology"),
            None,
        )
        .await
        .json();
    let kinds: Vec<&str> = chron
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        vec!["closed", "message", "enquiry", "decision", "concern"],
        "newest first"
    );
    let st = public.call(Method::POST, "/api/v1/public/concerns/status", Some(&serde_json::json!({"reference": receipt["reference"], "receipt_code": receipt["receipt_code"]}).to_string())).await.json();
    assert_eq!(st["status"], "Closed");
    assert_eq!(st["messages"].as_array().map(Vec::len), Some(3));

    // The calendar through the API (managers and administrators).
    let cal = m.call(Method::GET, "/api/v1/calendar", None).await.json();
    assert_eq!(
        (
            cal["acknowledge_days"].as_u64(),
            cal["decision_days"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert!(
        cal["holidays"]
            .as_array()
            .is_some_and(|h| h.iter().any(|d| d["day"] == "2026-12-25"))
    );
    assert_eq!(
        m.call(
            Method::PUT,
            "/api/v1/calendar/targets",
            Some(r#"{"acknowledge_days":1,"decision_days":3}"#)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        m.call(
            Method::PUT,
            "/api/v1/calendar/targets",
            Some(r#"{"acknowledge_days":1,"decision_days":31}"#)
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        m.call(
            Method::POST,
            "/api/v1/calendar/holidays",
            Some(r#"{"day":"2026-12-25","remove":true}"#)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let cal = m.call(Method::GET, "/api/v1/calendar", None).await.json();
    assert_eq!(cal["decision_days"].as_u64(), Some(3));
    assert!(
        !cal["holidays"]
            .as_array()
            .is_some_and(|h| h.iter().any(|d| d["day"] == "2026-12-25"))
    );
    let mut p = Api::new(&app);
    p.sign_in("practitioner").await;
    assert_eq!(
        p.call(Method::GET, "/api/v1/calendar", None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        p.call(Method::POST, &format!("/api/v1/concerns/{cid}/close"), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}

/// Pages say things the way people say them: the header names the
/// agency, a concern recorded from a person's record shows their name, a
/// count of one is singular, and the lead is chosen rather than defaulted.
pub async fn wording_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (cid, ada) = crate::enquiries::concern_about(&app, "ada brightwater").await;
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    let list = p.get("/concerns").await;
    assert!(list.contains("Ada Brightwater"), "{}", list.body);
    assert!(!list.contains("Unnamed adult"));
    assert!(list.contains("(Practitioner, Northbridge Council)"));
    let mut partner = app.browser();
    partner.login_ok("partner").await;
    let home = partner.get("/").await;
    assert!(home.contains(", Northbridge Police)"), "{}", home.body);

    // Two providers with the same name are told apart.
    for (kind, postcode) in [
        ("home_care", "NB1 1AA"),
        ("care_home_residential", "NB2 2BB"),
    ] {
        let r = app
            .api_as("manager")
            .await
            .call(
                Method::POST,
                "/api/v1/providers",
                Some(
                    &serde_json::json!({"name": "Twin Oaks", "kind": kind, "postcode": postcode})
                        .to_string(),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let form = p.get("/concerns/new").await;
    assert!(
        form.contains("Twin Oaks (Home-care agency, NB1 1AA)"),
        "{}",
        form.body
    );
    assert!(form.contains("Twin Oaks (Care home (residential), NB2 2BB)"));

    // A record with one entry on its chronology says so in the singular.
    let chron = p.get(&format!("/people/{ada}/chronology")).await;
    assert!(chron.contains("1 entry, newest first"), "{}", chron.body);

    // The manager allocating chooses a lead; nothing is preselected.
    let m = app.api_as("manager").await;
    let eid = crate::enquiries::decide_for(&m, &cid, &ada).await;
    let mut mb = app.browser();
    mb.login_ok("manager").await;
    let page = mb.get(&format!("/enquiries/{eid}/team")).await;
    assert!(page.contains(r#"<option value="">Choose a lead</option>"#));
    app.finish().await;
}

/// A public concern sent quicker than a person fills the form in is not
/// refused blankly: the check page says why, and nothing typed is lost.
pub async fn too_fast_story(db: TestDb) {
    let (core, router) = crate::support::router_web(
        db.store.clone(),
        crate::support::config(),
        safeguard_web::WebConfig {
            min_form_seconds: 3600,
            ..crate::support::web_config(false)
        },
    );
    core.load_demo(time::OffsetDateTime::now_utc())
        .await
        .expect("demo")
        .expect("empty");
    let app = TestApp { db, core, router };
    let mut b = app.browser();
    b.get("/raise").await;
    b.post_raw("/raise/start", &[]).await;
    b.get("/raise/about-you").await;
    let p = b
        .post(
            "/raise/about-you",
            &[
                ("raiser_kind", "family_friend"),
                ("raiser_name", "Pat Neighbour"),
            ],
        )
        .await;
    assert_eq!(p.location(), "/raise/danger");
    b.get("/raise/check").await;
    let sent = b.post("/raise/submit", &[("website", "")]).await;
    assert_eq!(sent.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(sent.contains("quicker than a person usually fills in this form"));
    assert!(sent.contains("Pat Neighbour"), "what was typed is kept");
    assert!(sent.contains("Check your answers before sending your concern"));
    assert_eq!(
        b.post("/raise/submit", &[("website", "http://spam.example")])
            .await
            .status,
        StatusCode::BAD_REQUEST,
        "the hidden field still refuses without saying why"
    );
    app.finish().await;
}
