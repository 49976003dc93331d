//! Practice keeps improving: competence and training, as its users live it.
//!
//! The demo data gives the Hub practitioner (Priya Okafor) a Staff group C
//! course that runs out in about 45 days, the managers current Staff group D,
//! a Hub colleague (Jo Bright) no level at all, and a North colleague (Sam
//! Reid) one that ran out; `lead` holds the workforce lead's permission.

use axum::http::{Method, StatusCode};
use safeguard_store::testing::{TestDb, count_raw};

use crate::support::{Api, TestApp};

async fn count(app: &TestApp, sql: &str) -> i64 {
    count_raw(&app.db.store, sql).await.expect("count")
}

async fn user_id(app: &TestApp, username: &str) -> String {
    app.db
        .store
        .user_by_username(username)
        .await
        .expect("read")
        .expect("user")
        .id
}

fn days_ago(n: i64) -> String {
    safeguard_domain::person::iso_date(
        time::OffsetDateTime::now_utc().date() - time::Duration::days(n),
    )
}

/// A worker sees what they need and records learning; their manager sees
/// the team's compliance and records for them; the workforce lead sees
/// everyone; analysts see figures without names; reminders go once.
pub async fn training_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    let page = p.get("/learning").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Staff group C"), "{}", page.body);
    assert!(
        page.contains("Runs out in 31 to 60 days"),
        "the demo course runs out soon"
    );
    let home = p.get("/").await;
    assert!(
        home.contains("Your training"),
        "the home page reminds the worker"
    );

    // A record with mistakes: every field says what is wrong, nothing is written.
    let before = count(&app, "SELECT COUNT(*) FROM learning_records").await;
    let bad = p
        .post(
            "/learning",
            &[
                ("title", ""),
                ("kind", "nap"),
                ("completed_on", "2099-01-01"),
                ("hours", "lots"),
                ("level", "level-bnc-c"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "Enter what the learning was",
        "Choose what kind of learning it was",
        "cannot be in the future",
        "Hours must be a number",
    ] {
        assert!(bad.contains(msg), "{msg}");
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM learning_records").await,
        before
    );

    let completed = days_ago(3);
    let ok = p
        .post(
            "/learning",
            &[
                ("title", "Leading section 42 enquiries: refresher"),
                ("kind", "course"),
                ("completed_on", &completed),
                ("hours", "6.5"),
                ("level", "level-bnc-c"),
                ("evidence", "Certificate SAB-2291"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = p.get("/learning?recorded=1").await;
    assert!(page.contains("The learning was recorded"));
    assert!(page.contains("Certificate SAB-2291"));
    assert!(
        !p.get("/").await.contains("Your training"),
        "current: no reminder"
    );
    let mut pa = Api::new(&app);
    pa.sign_in("practitioner").await;
    let mine = pa.call(Method::GET, "/api/v1/learning", None).await.json();
    assert_eq!(mine["requirements"][0]["level_id"], "level-bnc-c");
    assert_eq!(mine["requirements"][0]["standing"], "current");
    assert_eq!(mine["requirements"][0]["band"], "current");
    assert_eq!(mine["learning"][0]["hours"], 6.5);
    assert_eq!(mine["learning"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'create' AND subject_type = 'training'"
        )
        .await,
        8,
        "seven demo records and this one, each audited"
    );

    // A practitioner sees no one else's training.
    let manager_id = user_id(&app, "manager").await;
    assert_eq!(
        p.get("/learning/compliance").await.status,
        StatusCode::FORBIDDEN
    );
    let other = p.get(&format!("/learning/workers/{manager_id}")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let r = pa
        .call(
            Method::POST,
            "/api/v1/learning",
            Some(&serde_json::json!({"user_id": manager_id, "title": "x", "kind": "course", "completed_on": completed, "hours": 1}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The Hub manager sees the Hub, most urgent first, and not the North team.
    let mut m = app.browser();
    m.login_ok("manager").await;
    let home = m.get("/").await;
    assert!(
        home.contains("training requirement out of date"),
        "{}",
        home.body
    );
    let c = m.get("/learning/compliance").await;
    assert_eq!(c.status, StatusCode::OK);
    assert!(c.contains("Adult Safeguarding Hub"));
    assert!(c.contains("Jo Bright") && c.contains("No training recorded"));
    assert!(
        !c.contains("Sam Reid"),
        "another team's worker is not listed"
    );
    assert!(
        c.body.find("Jo Bright") < c.body.find("Priya Okafor"),
        "the most urgent first"
    );
    let jo = user_id(&app, "jo.bright").await;
    let sam = user_id(&app, "sam.reid").await;
    assert!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_events WHERE action = 'view' AND subject_type = 'training' AND subject_id = '{jo}'")
        )
        .await
            >= 1,
        "each worker listed is a view of their training, audited"
    );
    let denied_before = count(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE actor_name = 'manager' AND outcome = 'denied'",
    )
    .await;
    assert_eq!(
        m.get(&format!("/learning/workers/{sam}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE actor_name = 'manager' AND outcome = 'denied'"
        )
        .await,
        denied_before + 1,
        "the refusal is audited"
    );
    m.get(&format!("/learning/workers/{jo}")).await;
    let rec = m
        .post(
            &format!("/learning/workers/{jo}"),
            &[
                ("title", "Leading section 42 enquiries"),
                ("kind", "course"),
                ("completed_on", &completed),
                ("hours", "6"),
                ("level", "level-bnc-c"),
            ],
        )
        .await;
    assert_eq!(rec.status, StatusCode::SEE_OTHER, "{}", rec.body);
    let jo_page = m.get(&format!("/learning/workers/{jo}")).await;
    assert!(jo_page.contains("Training: Jo Bright") && jo_page.contains("Current until"));
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM learning_records WHERE user_id = '{jo}' AND recorded_by = '{manager_id}'")
        )
        .await,
        1
    );

    // The workforce lead sees every team, and can narrow to one.
    let mut lead = Api::new(&app);
    lead.sign_in("lead").await;
    let all = lead
        .call(Method::GET, "/api/v1/learning/compliance", None)
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let all = all.json();
    assert_eq!(all["scope"], "Everyone in the organisation");
    let names: Vec<&str> = all["workers"]
        .as_array()
        .expect("workers")
        .iter()
        .filter_map(|w| w["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Sam Reid") && names.contains(&"Jo Bright"),
        "{names:?}"
    );
    assert_eq!(all["workers"][0]["name"], "Sam Reid", "out of date first");
    assert_eq!(all["workers"][0]["requirements"][0]["standing"], "expired");
    let teams = app.core.teams().await.expect("teams");
    let north = &teams
        .iter()
        .find(|t| t.1 == "North Locality Team")
        .expect("north")
        .0;
    let one = lead
        .call(
            Method::GET,
            &format!("/api/v1/learning/compliance?team={north}"),
            None,
        )
        .await
        .json();
    assert_eq!(one["workers"].as_array().map(Vec::len), Some(1));

    // Analysts see figures by team, without names.
    let mut an = app.browser();
    an.login_ok("analyst").await;
    let f = an.get("/learning/compliance").await;
    assert_eq!(f.status, StatusCode::OK);
    assert!(f.contains("North Locality Team") && !f.contains("Sam Reid"));
    let mut aa = Api::new(&app);
    aa.sign_in("analyst").await;
    let figures = aa.call(Method::GET, "/api/v1/learning/figures", None).await;
    assert_eq!(figures.status, StatusCode::OK);
    let north_figures = figures
        .json()
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["team"] == "North Locality Team")
        .cloned()
        .expect("north");
    assert_eq!(north_figures["bands"][0]["band"], "out-of-date");
    assert_eq!(north_figures["bands"][0]["count"], 1);
    assert_eq!(
        aa.call(Method::GET, "/api/v1/learning/compliance", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Reminders: once for each band, to the worker's own address, with no case content.
    let admin = app
        .core
        .login(
            "admin",
            safeguard_core::demo::DEMO_PASSWORD,
            "/",
            &safeguard_core::Ctx::default(),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("login")
        .done()
        .expect("no second factor")
        .actor;
    app.core
        .add_user(
            Some(&admin),
            &safeguard_core::NewUserInput {
                username: "kim.north".into(),
                display_name: "Kim North".into(),
                role: "practitioner".into(),
                agency: String::new(),
                team: "North Locality Team".into(),
                password: String::new(),
                email: "kim.north@example.org".into(),
            },
            &safeguard_core::Ctx::default(),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("user");
    let kim = user_id(&app, "kim.north").await;
    let r = lead
        .call(
            Method::POST,
            "/api/v1/learning",
            Some(&serde_json::json!({"user_id": kim, "title": "Leading section 42 enquiries", "kind": "course",
                "completed_on": days_ago(715), "hours": 6, "level_id": "level-bnc-c"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let now = time::OffsetDateTime::now_utc();
    app.core
        .queue_learning_reminders(now)
        .await
        .expect("remind");
    app.core.queue_learning_reminders(now).await.expect("again");
    let sent = "SELECT COUNT(*) FROM email_outbox WHERE to_address = 'kim.north@example.org' \
                AND subject LIKE 'Your safeguarding training%'";
    assert_eq!(
        count(&app, sent).await,
        1,
        "one reminder, however often the job runs"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM email_outbox WHERE to_address = 'kim.north@example.org' \
             AND body LIKE '%/learning%' AND body LIKE '%Staff group C%'"
        )
        .await,
        1
    );
    app.finish().await;
}

/// Allocating an enquiry lead shows each candidate's competence; a lead
/// without the required current level needs the manager's recorded reason,
/// counted on the compliance page.
pub async fn allocation_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (ada, eid, m) = crate::enquiries::enquiry_for(&app, "ada brightwater").await;
    let mut mb = app.browser();
    mb.login_ok("manager").await;
    let page = mb.get(&format!("/enquiries/{eid}/team")).await;
    assert!(page.contains("An enquiry lead needs a current Staff group C"));
    assert!(
        page.contains("Jo Bright — Staff group C: no training recorded"),
        "{}",
        page.body
    );
    assert!(page.contains("Priya Okafor — Staff group C: runs out on"));

    let no_reason = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"lead":"jo.bright"}"#),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.body.contains("competence_reason"),
        "{}",
        no_reason.body
    );
    let page = mb
        .post(
            &format!("/enquiries/{eid}/allocate"),
            &[("lead", "jo.bright")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Jo Bright does not hold a current Staff group C"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM competence_overrides").await,
        0
    );

    let with_reason = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"lead":"jo.bright","competence_reason":"Co-working with Priya, who holds it, while Jo's course is booked"}"#),
        )
        .await;
    assert_eq!(
        with_reason.status,
        StatusCode::NO_CONTENT,
        "{}",
        with_reason.body
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM competence_overrides").await,
        1
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_events WHERE subject_id = '{eid}' AND detail = 'allocated without the required competence'")
        )
        .await,
        1
    );
    // A lead who holds it needs no reason and adds nothing to the count.
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"lead":"practitioner"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM competence_overrides").await,
        1
    );
    let c = mb.get("/learning/compliance").await;
    assert!(c.contains("In the last 12 months: 1."));
    assert!(c.contains("Co-working with Priya"));

    // With no level set for leads, anyone on the list may lead.
    let mut admin = Api::new(&app);
    admin.sign_in("admin").await;
    let cleared = admin
        .call(
            Method::PUT,
            "/api/v1/learning/frameworks/requirements",
            Some(r#"{"requirements":[],"enquiry_lead_level_id":null}"#),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT, "{}", cleared.body);
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"lead":"jo.bright"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM competence_overrides").await,
        1
    );

    // The reason is about the case: disposing of the case file removes it too
    // (the retention rules about open work are the use case's, not tested here).
    let mut tx = app.db.store.begin().await.expect("begin");
    let removed = tx.dispose_person(&ada).await.expect("dispose");
    tx.commit().await.expect("commit");
    assert!(
        removed
            .iter()
            .any(|(what, n)| what.starts_with("leads allocated") && *n == 1),
        "{removed:?}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM competence_overrides").await,
        0
    );
    app.finish().await;
}

/// Administrators edit the frameworks and what each role needs, and grant
/// the workforce lead's permission; nobody else can.
pub async fn frameworks_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut a = app.browser();
    a.login_ok("admin").await;
    let page = a.get("/learning/frameworks").await;
    assert!(page.contains("Intercollegiate adult safeguarding levels"));
    assert!(page.contains("Bournemouth National Competency Framework"));
    a.get("/learning/frameworks/levels/level-ic-3").await;
    let bad = a
        .post(
            "/learning/frameworks/levels/level-ic-3",
            &[
                ("name", "Level 3"),
                ("description", "Registered staff"),
                ("refresh_months", "0"),
                ("hours", "8"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Months current must be a whole number from 1 to 120"));
    let ok = a
        .post(
            "/learning/frameworks/levels/level-ic-3",
            &[
                ("name", "Level 3"),
                ("description", "Registered staff"),
                ("refresh_months", "24"),
                ("hours", "8"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);

    let mut api = Api::new(&app);
    api.sign_in("admin").await;
    let added = api
        .call(
            Method::POST,
            "/api/v1/learning/frameworks/levels",
            Some(r#"{"framework":"intercollegiate","name":"Board level","description":"Chief executives and board members","refresh_months":36,"hours":2}"#),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let fw = api
        .call(Method::GET, "/api/v1/learning/frameworks", None)
        .await
        .json();
    let levels = fw["levels"].as_array().expect("levels");
    let board = levels
        .iter()
        .find(|l| l["name"] == "Board level")
        .expect("added");
    assert_eq!(board["rank"], 6);
    let l3 = levels.iter().find(|l| l["id"] == "level-ic-3").expect("l3");
    assert_eq!(l3["refresh_months"], 24);

    // Practitioners now need Level 3 too.
    let set = a
        .post(
            "/learning/frameworks/requirements",
            &[
                ("role-practitioner", "level-bnc-c"),
                ("role-practitioner", "level-ic-3"),
                ("role-manager", "level-bnc-d"),
                ("lead_level", "level-bnc-c"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let mut p = Api::new(&app);
    p.sign_in("practitioner").await;
    let mine = p.call(Method::GET, "/api/v1/learning", None).await.json();
    let needs: Vec<&str> = mine["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .filter_map(|r| r["level_id"].as_str())
        .collect();
    assert_eq!(needs, ["level-bnc-c", "level-ic-3"]);
    assert_eq!(mine["requirements"][1]["standing"], "missing");
    let bad = a
        .post(
            "/learning/frameworks/requirements",
            &[("role-practitioner", "nope")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Nobody else edits the frameworks.
    let mut m = Api::new(&app);
    m.sign_in("manager").await;
    assert_eq!(
        m.call(
            Method::PUT,
            "/api/v1/learning/frameworks/requirements",
            Some(r#"{"requirements":[]}"#)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        m.call(
            Method::PUT,
            "/api/v1/learning/frameworks/levels/level-ic-3",
            Some(r#"{"name":"x","description":"y","refresh_months":1,"hours":0}"#)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // The workforce lead's permission: granted by an administrator, to council case workers only.
    let prac = user_id(&app, "practitioner").await;
    assert_eq!(
        p.call(Method::GET, "/api/v1/learning/compliance", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    a.get(&format!("/admin/users/{prac}")).await;
    let granted = a
        .post(
            &format!("/admin/users/{prac}/workforce-lead"),
            &[("lead", "yes")],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    assert!(
        a.get(&format!("/admin/users/{prac}"))
            .await
            .contains("Withdraw the workforce lead")
    );
    let mut p2 = Api::new(&app);
    p2.sign_in("practitioner").await;
    let all = p2
        .call(Method::GET, "/api/v1/learning/compliance", None)
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.json()["scope"], "Everyone in the organisation");
    let analyst = user_id(&app, "analyst").await;
    let refused = api
        .call(
            Method::PUT,
            &format!("/api/v1/users/{analyst}/workforce-lead"),
            Some(r#"{"lead":true}"#),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(
        m.call(
            Method::PUT,
            &format!("/api/v1/users/{prac}/workforce-lead"),
            Some(r#"{"lead":false}"#)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_events WHERE subject_id = '{prac}' AND detail = 'workforce lead granted'")
        )
        .await,
        1
    );
    app.finish().await;
}

/// Supervision: a manager keeps agreements and records sessions with the
/// cases discussed, decisions and actions; the worker sees their own with
/// the private notes; a case's page shows the decision, never the notes;
/// overdue supervision reaches the manager's home page; others are refused.
pub async fn supervision_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (_, eid, m) = crate::enquiries::enquiry_for(&app, "ada brightwater").await;
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"lead":"practitioner"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let prac = user_id(&app, "practitioner").await;

    // The demo practitioner was last supervised six weeks ago, every four weeks.
    let mut mb = app.browser();
    mb.login_ok("manager").await;
    let home = mb.get("/").await;
    assert!(home.contains("overdue for supervision"), "{}", home.body);
    let list = mb.get("/supervision").await;
    assert!(list.contains("Workers you supervise or oversee") && list.contains("Overdue"));
    let page = mb.get(&format!("/supervision/workers/{prac}")).await;
    assert!(page.contains("Supervision: Priya Okafor"));
    assert!(
        page.contains("Caseload is heavy"),
        "the supervisor reads the notes"
    );
    assert!(
        page.contains("Section 42") || page.contains("Ada Brightwater"),
        "her open case is offered"
    );

    // A session with mistakes, then corrected.
    let bad = mb
        .post(
            &format!("/supervision/workers/{prac}/sessions"),
            &[
                ("held_on", "2099-01-01"),
                ("wellbeing", ""),
                ("case_0_enquiry", &eid),
                ("action_0_text", "Arrange advocacy"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "cannot be in the future",
        "Choose how the worker is",
        "Enter the decision about the case",
        "Choose who will do it",
        "Enter the date it is due",
    ] {
        assert!(bad.contains(msg), "{msg}");
    }
    let sessions_before = count(&app, "SELECT COUNT(*) FROM supervision_sessions").await;
    let held = days_ago(1);
    let due = safeguard_domain::person::iso_date(
        time::OffsetDateTime::now_utc().date() + time::Duration::days(14),
    );
    let ok = mb
        .post(
            &format!("/supervision/workers/{prac}/sessions"),
            &[
                ("held_on", &held),
                ("wellbeing", "strained"),
                (
                    "notes",
                    "Worried about a personal matter; agreed a lighter week.",
                ),
                ("case_0_enquiry", &eid),
                (
                    "case_0_decision",
                    "Refer Ada for an independent advocate before the meeting",
                ),
                ("action_0_text", "Make the advocacy referral"),
                ("action_0_owner", "practitioner"),
                ("action_0_due", &due),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM supervision_sessions").await,
        sessions_before + 1
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_events WHERE subject_id = '{eid}' AND detail = 'discussed in supervision'")
        )
        .await,
        1
    );

    // The case's page shows the decision, not the notes.
    let case = mb.get(&format!("/enquiries/{eid}")).await;
    assert!(case.contains("Discussed in supervision"));
    assert!(case.contains("Refer Ada for an independent advocate"));
    assert!(!case.contains("personal matter"));

    // The worker sees their own, notes included, and marks the action done.
    let mut pa = Api::new(&app);
    pa.sign_in("practitioner").await;
    let mine = pa.call(Method::GET, "/api/v1/supervision", None).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let mine = mine.json();
    assert_eq!(mine["agreement"]["overdue"], false, "seen yesterday");
    assert_eq!(mine["sessions"][0]["wellbeing"], "strained");
    assert_eq!(mine["sessions"][0]["cases"][0]["enquiry_id"], eid.as_str());
    let action = mine["sessions"][0]["actions"][0]["id"]
        .as_str()
        .expect("action")
        .to_string();
    let done = pa
        .call(
            Method::POST,
            &format!("/api/v1/supervision/actions/{action}/done"),
            None,
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.body);
    let mine = pa
        .call(Method::GET, "/api/v1/supervision", None)
        .await
        .json();
    assert_eq!(mine["sessions"][0]["actions"][0]["done"], true);
    // A worker does not record their own supervision.
    let own = pa
        .call(
            Method::POST,
            &format!("/api/v1/supervision/workers/{prac}/sessions"),
            Some(r#"{"held_on":"2026-01-01","wellbeing":"good"}"#),
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);

    // The workforce lead oversees the worker but reads neither the notes nor
    // the wellbeing of a session they did not hold.
    let mut lead = Api::new(&app);
    lead.sign_in("lead").await;
    let seen = lead
        .call(
            Method::GET,
            &format!("/api/v1/supervision/workers/{prac}"),
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    let seen = seen.json();
    assert!(seen["sessions"][0]["notes"].is_null());
    assert!(seen["sessions"][0]["wellbeing"].is_null());

    // Another team's worker cannot see it; nor can a partner.
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    let mut north = Api::new(&app);
    north.sign_in("north.worker").await;
    assert_eq!(
        north
            .call(
                Method::GET,
                &format!("/api/v1/supervision/workers/{prac}"),
                None
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mut partner = Api::new(&app);
    partner.sign_in("partner").await;
    assert_eq!(
        partner
            .call(
                Method::GET,
                &format!("/api/v1/supervision/workers/{prac}"),
                None
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // An agreement through the API: checked, then kept.
    let bad = m
        .call(
            Method::PUT,
            &format!("/api/v1/supervision/workers/{prac}/agreement"),
            Some(r#"{"supervisor":"practitioner","frequency_weeks":0,"started_on":"2026-01-05"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let ok = m
        .call(
            Method::PUT,
            &format!("/api/v1/supervision/workers/{prac}/agreement"),
            Some(r#"{"supervisor":"lead","frequency_weeks":6,"started_on":"2026-01-05"}"#),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    let mine = pa
        .call(Method::GET, "/api/v1/supervision", None)
        .await
        .json();
    assert_eq!(mine["agreement"]["supervisor_username"], "lead");
    assert_eq!(mine["agreement"]["frequency_weeks"], 6);
    app.finish().await;
}

/// Learning from reviews: a Safeguarding Adults Review's recommendations,
/// with owners, dates, status and the training they lead to.
pub async fn recommendations_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut m = Api::new(&app);
    m.sign_in("manager").await;
    let review = m
        .call(
            Method::POST,
            "/api/v1/reviews",
            Some(r#"{"title":"Adult K","commissioned_on":"2026-01-10","completed_on":"2026-09-30","individuals_died":0,"individuals_survived":1}"#),
        )
        .await;
    assert_eq!(review.status, StatusCode::CREATED, "{}", review.body);
    let rid = review.json()["id"].as_str().expect("id").to_string();
    let bad = m
        .call(
            Method::POST,
            &format!("/api/v1/reviews/{rid}/recommendations"),
            Some(r#"{"text":"","level_id":"nope"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["text", "owner", "due_on", "level_id"] {
        assert!(bad.body.contains(f), "{f}: {}", bad.body);
    }
    let yesterday = days_ago(1);
    let rec = m
        .call(
            Method::POST,
            &format!("/api/v1/reviews/{rid}/recommendations"),
            Some(&serde_json::json!({"text": "Every enquiry lead to complete professional curiosity training",
                "owner": "practitioner", "due_on": yesterday, "level_id": "level-bnc-c"}).to_string()),
        )
        .await;
    assert_eq!(rec.status, StatusCode::CREATED, "{}", rec.body);
    let rec = rec.json()["id"].as_str().expect("id").to_string();
    let got = m
        .call(Method::GET, &format!("/api/v1/reviews/{rid}"), None)
        .await
        .json();
    assert_eq!(got["recommendations"][0]["status"], "open");
    assert_eq!(got["recommendations"][0]["overdue"], true);
    assert_eq!(got["recommendations"][0]["owner"], "Priya Okafor");

    // Analysts read the register but change nothing.
    let mut an = app.browser();
    an.login_ok("analyst").await;
    let page = an.get(&format!("/reports/reviews/{rid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("professional curiosity") && page.contains("Staff group C"));
    assert!(!page.contains("Add a recommendation"));
    assert_eq!(
        an.post(
            &format!("/reports/recommendations/{rec}/status"),
            &[("status", "done")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Its owner moves it on, though they cannot read the register itself.
    let mut p = Api::new(&app);
    p.sign_in("practitioner").await;
    assert_eq!(
        p.call(Method::GET, &format!("/api/v1/reviews/{rid}"), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let wrong = p
        .call(
            Method::PUT,
            &format!("/api/v1/recommendations/{rec}/status"),
            Some(r#"{"status":"finished"}"#),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = p
        .call(
            Method::PUT,
            &format!("/api/v1/recommendations/{rec}/status"),
            Some(r#"{"status":"done"}"#),
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.body);
    let got = m
        .call(Method::GET, &format!("/api/v1/reviews/{rid}"), None)
        .await
        .json();
    assert_eq!(got["recommendations"][0]["status"], "done");
    assert_eq!(got["recommendations"][0]["overdue"], false);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_events WHERE subject_id = '{rid}' AND detail = 'recommendation {rec} done'")
        )
        .await,
        1
    );
    let mut mb = app.browser();
    mb.login_ok("manager").await;
    let register = mb.get("/reports/reviews").await;
    assert!(register.contains(&format!("/reports/reviews/{rid}")));
    app.finish().await;
}

/// Reflective practice: a worker's log, private to them and their supervisor
/// unless shared, about a case and a principle, with a peer; and the year's
/// CPD record with its export.
pub async fn reflection_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (_, eid, m) = crate::enquiries::enquiry_for(&app, "ada brightwater").await;
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"lead":"practitioner"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let prac = user_id(&app, "practitioner").await;
    let mut p = Api::new(&app);
    p.sign_in("practitioner").await;
    let before = p.call(Method::GET, "/api/v1/reflections/cpd", None).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    let before = before.json()["pieces"].as_array().map_or(0, Vec::len);

    let bad = p
        .call(
            Method::POST,
            "/api/v1/reflections",
            Some(r#"{"written_on":"2099-01-01","principle":"kindness","enquiry_id":"01900000-0000-7000-8000-000000000000","peer":"nobody"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in [
        "written_on",
        "title",
        "what_happened",
        "learned",
        "will_change",
        "principle",
    ] {
        assert!(bad.body.contains(f), "{f}: {}", bad.body);
    }
    let not_mine = p
        .call(
            Method::POST,
            "/api/v1/reflections",
            Some(&serde_json::json!({"written_on": days_ago(0), "title": "t", "what_happened": "w",
                "learned": "l", "will_change": "c", "enquiry_id": "01900000-0000-7000-8000-000000000000"}).to_string()),
        )
        .await;
    assert_eq!(not_mine.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_mine.body.contains("enquiry_id"));
    let private = p
        .call(
            Method::POST,
            "/api/v1/reflections",
            Some(&serde_json::json!({"written_on": days_ago(0), "title": "=Hearing what Ada wanted",
                "what_happened": "I planned the strategy meeting before asking Ada what she wanted.",
                "learned": "Her outcome was to keep seeing her grandson, not to move.",
                "will_change": "Ask first, and write it in her words.", "principle": "empowerment",
                "enquiry_id": eid, "peer": "jo.bright", "hours": "1.5"}).to_string()),
        )
        .await;
    assert_eq!(private.status, StatusCode::CREATED, "{}", private.body);
    let shared = p
        .call(
            Method::POST,
            "/api/v1/reflections",
            Some(&serde_json::json!({"written_on": days_ago(0), "title": "Least restrictive options",
                "what_happened": "w", "learned": "l", "will_change": "c", "principle": "proportionality",
                "shared": true}).to_string()),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.body);
    let cpd = p
        .call(Method::GET, "/api/v1/reflections/cpd", None)
        .await
        .json();
    assert_eq!(cpd["pieces"].as_array().map_or(0, Vec::len), before + 2);
    assert_eq!(cpd["enough"], true);
    assert_eq!(cpd["with_peer"], true);
    for year in ["3000", "-2147483648"] {
        assert_eq!(
            p.call(
                Method::GET,
                &format!("/api/v1/reflections/cpd?year={year}"),
                None
            )
            .await
            .status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{year}"
        );
    }

    // The page and the export.
    let mut pb = app.browser();
    pb.login_ok("practitioner").await;
    let page = pb.get("/reflections").await;
    assert!(page.contains("Hearing what Ada wanted") && page.contains("Jo Bright"));
    assert!(page.contains("At least one reflected on with a peer"));
    let csv = pb.get("/reflections/cpd.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("Date,Type,Title"));
    assert!(
        csv.contains("\"'=Hearing what Ada wanted\""),
        "a formula is defused: {}",
        csv.body
    );

    // The supervisor (by the demo agreement) reads both; the workforce lead,
    // who oversees but does not supervise, only what was shared; another
    // team's worker nothing.
    let sup = m
        .call(
            Method::GET,
            &format!("/api/v1/reflections/workers/{prac}"),
            None,
        )
        .await;
    assert_eq!(sup.status, StatusCode::OK, "{}", sup.body);
    assert_eq!(
        sup.json()["reflections"].as_array().map(Vec::len),
        Some(3),
        "the demo reflection and these two"
    );
    let mut lead = Api::new(&app);
    lead.sign_in("lead").await;
    let seen = lead
        .call(
            Method::GET,
            &format!("/api/v1/reflections/workers/{prac}"),
            None,
        )
        .await
        .json();
    let titles: Vec<&str> = seen["reflections"]
        .as_array()
        .expect("reflections")
        .iter()
        .filter_map(|r| r["title"].as_str())
        .collect();
    assert_eq!(titles, ["Least restrictive options"]);
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    let mut north = Api::new(&app);
    north.sign_in("north.worker").await;
    assert_eq!(
        north
            .call(
                Method::GET,
                &format!("/api/v1/reflections/workers/{prac}"),
                None
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_events WHERE action = 'create' AND subject_type = 'reflection' AND subject_id = '{prac}'")
        )
        .await,
        3,
        "the demo reflection and these two, each audited"
    );
    app.finish().await;
}

/// A job title adds to what the role needs: an administrator says what a
/// title needs and gives an account the title; the worker then sees both.
pub async fn job_title_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let admin = app.api_as("admin").await;
    let bad = admin
        .call(
            Method::PUT,
            "/api/v1/learning/frameworks/job-requirements",
            Some(r#"{"job_title":"","level_ids":["nope"]}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("job_title") && bad.body.contains("job_levels"));
    let r = admin
        .call(
            Method::PUT,
            "/api/v1/learning/frameworks/job-requirements",
            Some(r#"{"job_title":"Principal social worker","level_ids":["level-ic-4"]}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let lead = user_id(&app, "lead").await;
    let prac = app.api_as("practitioner").await;
    let r = prac
        .call(
            Method::PUT,
            &format!("/api/v1/users/{lead}/job-title"),
            Some(r#"{"job_title":"Principal social worker"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "administrators only");
    let r = admin
        .call(
            Method::PUT,
            &format!("/api/v1/users/{lead}/job-title"),
            Some(r#"{"job_title":"Principal social worker"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let needs = |v: &serde_json::Value| -> Vec<String> {
        v["requirements"]
            .as_array()
            .expect("requirements")
            .iter()
            .filter_map(|r| r["level_id"].as_str().map(str::to_string))
            .collect()
    };
    let mine = app
        .api_as("lead")
        .await
        .call(Method::GET, "/api/v1/learning", None)
        .await
        .json();
    assert_eq!(mine["job_title"], "Principal social worker");
    assert_eq!(
        needs(&mine),
        vec!["level-bnc-d", "level-ic-4"],
        "role and job"
    );
    let other = app
        .api_as("manager")
        .await
        .call(Method::GET, "/api/v1/learning", None)
        .await
        .json();
    assert_eq!(
        needs(&other),
        vec!["level-bnc-d"],
        "a manager without the title"
    );

    // The pages: the account shows the title, the frameworks what it needs,
    // the worker's own page what the needs follow.
    let mut ab = app.browser();
    ab.login_ok("admin").await;
    let page = ab.get(&format!("/admin/users/{lead}")).await;
    assert!(page.contains("Principal social worker"));
    let long = "x".repeat(101);
    let bad = ab
        .post(
            &format!("/admin/users/{lead}/job-title"),
            &[("job_title", &long)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("100 characters or fewer"), "{}", bad.body);
    let fw = ab.get("/learning/frameworks").await;
    assert!(
        fw.contains("Principal social worker: Level 4"),
        "{}",
        fw.body
    );
    let mut lb = app.browser();
    lb.login_ok("lead").await;
    let own = lb.get("/learning").await;
    assert!(own.contains("Job title: Principal social worker."));

    // Clearing the title leaves what the role needs.
    let r = admin
        .call(
            Method::PUT,
            &format!("/api/v1/users/{lead}/job-title"),
            Some("{}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let mine = app
        .api_as("lead")
        .await
        .call(Method::GET, "/api/v1/learning", None)
        .await
        .json();
    assert_eq!(needs(&mine), vec!["level-bnc-d"]);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE detail = 'job title' AND outcome = 'success'"
        )
        .await,
        2
    );
    app.finish().await;
}
