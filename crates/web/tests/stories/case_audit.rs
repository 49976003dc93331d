//! Case-file audit against Making Safeguarding Personal, as its users live
//! it: the workforce lead draws a quarter's sample and names an independent
//! auditor and a moderator; the auditor grades the file with evidence,
//! findings and actions; the moderator moderates; the worker reads it and
//! responds; the themes show figures; a review's recommendation links to a
//! question; administrators keep the templates.

use axum::http::{Method, StatusCode};
use safeguard_domain::case_audit::{DEFAULT_QUESTIONS, Quarter};
use safeguard_store::testing::{TestDb, count_raw};
use serde_json::json;

use crate::support::{Api, TestApp};

async fn count(app: &TestApp, sql: &str) -> i64 {
    count_raw(&app.db.store, sql).await.expect("count")
}

/// An open enquiry about the demo person `name`, led by the practitioner:
/// (person id, enquiry id).
async fn led_case(app: &TestApp, m: &Api, name: &str) -> (String, String) {
    let (cid, pid) = crate::enquiries::concern_about(app, name).await;
    let eid = crate::enquiries::decide_for(m, &cid, &pid).await;
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"lead":"practitioner"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    (pid, eid)
}

fn in_days(n: i64) -> String {
    safeguard_domain::person::iso_date(
        time::OffsetDateTime::now_utc().date() + time::Duration::days(n),
    )
}

pub async fn case_audit_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    app.add_user("south.manager", "manager", "", "South Locality Team")
        .await;
    let mut m = Api::new(&app);
    m.sign_in("manager").await;
    let (ada, eid) = led_case(&app, &m, "ada brightwater").await;
    // A second Hub case, about a person whose record is restricted: never drawn.
    let (restricted, _) = led_case(&app, &m, "tomasz").await;
    let r = m
        .call(
            Method::PUT,
            &format!("/api/v1/people/{restricted}/restriction"),
            Some(r#"{"reason":"A relative works in the Hub"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let quarter = Quarter::of(time::OffsetDateTime::now_utc().date()).code();

    // Only the workforce lead draws a sample; the refusal is audited.
    let prac = app.api_as("practitioner").await;
    let denied_before = count(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE actor_name = 'practitioner' AND outcome = 'denied'",
    )
    .await;
    let r = prac
        .call(
            Method::POST,
            "/api/v1/case-audits/sample",
            Some(&json!({"quarter": quarter, "per_team": "3"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE actor_name = 'practitioner' AND outcome = 'denied'",
        )
        .await,
        denied_before + 1
    );

    // Mistakes first: a quarter to come and a size out of range.
    let mut lead = app.browser();
    lead.login_ok("lead").await;
    assert!(lead.get("/case-audits").await.contains("Draw a sample"));
    let bad = lead
        .post(
            "/case-audits/sample",
            &[("quarter", "2099-Q1"), ("per_team", "0")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("That quarter has not begun"));
    assert!(bad.contains("whole number from 1 to 20"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_audits").await, 0);
    let drawn = lead
        .post(
            "/case-audits/sample",
            &[("quarter", &quarter), ("per_team", "3")],
        )
        .await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM case_audits").await,
        1,
        "one Hub case: the restricted one is left out"
    );
    let lead_api = app.api_as("lead").await;
    let all = lead_api
        .call(
            Method::GET,
            &format!("/api/v1/case-audits?quarter={quarter}"),
            None,
        )
        .await
        .json();
    let id = all["all"][0]["id"].as_str().expect("the audit").to_string();
    assert_eq!(all["all"][0]["stage"], "awaiting_auditor");
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM case_audits WHERE enquiry_id = '{eid}'")
        )
        .await,
        1
    );
    let again = lead
        .post(
            "/case-audits/sample",
            &[("quarter", &quarter), ("per_team", "3")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.contains("not already drawn"),
        "nothing is drawn twice"
    );
    let list = lead.get(&format!("/case-audits?quarter={quarter}")).await;
    assert!(list.contains("Needs an auditor"), "{}", list.body);

    // The auditor may be neither the case's worker nor its team's manager,
    // and the moderator is a second auditor.
    let page = lead.get(&format!("/case-audits/{id}")).await;
    assert!(page.contains("Name the auditor and moderator"));
    assert!(
        page.contains("Ada Brightwater"),
        "this lead manages in the Hub, which holds the case"
    );
    for (auditor, moderator, field) in [
        ("practitioner", "", "auditor"),
        ("manager", "", "auditor"),
        ("north.worker", "north.worker", "moderator"),
    ] {
        let r = lead_api
            .call(
                Method::PUT,
                &format!("/api/v1/case-audits/{id}/assignment"),
                Some(&json!({"auditor": auditor, "moderator": moderator}).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{auditor}");
        assert!(r.body.contains(field), "{}", r.body);
    }
    let r = lead_api
        .call(
            Method::PUT,
            &format!("/api/v1/case-audits/{id}/assignment"),
            Some(r#"{"auditor":"north.worker","moderator":"south.manager"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM enquiry_members WHERE enquiry_id = '{eid}' AND reason LIKE 'Case-file audit%'")
        )
        .await,
        2,
        "auditor and moderator join the need-to-know team for the audit"
    );

    // The auditor sees it on their home page, reads the file, and grades it.
    let mut aud = app.browser();
    aud.login_ok("north.worker").await;
    let home = aud.get("/").await;
    assert!(
        home.contains("case-file audit for you to grade or moderate"),
        "{}",
        home.body
    );
    assert_eq!(
        aud.get(&format!("/enquiries/{eid}")).await.status,
        StatusCode::OK
    );
    let form = aud.get(&format!("/case-audits/{id}")).await;
    assert!(form.contains("Grade the file"));
    assert!(form.contains(DEFAULT_QUESTIONS[1]));
    assert!(
        form.contains("Ada Brightwater"),
        "the auditor sees the case"
    );
    let bad = aud
        .post(
            &format!("/case-audits/{id}/grades"),
            &[("questions", "8"), ("q_0_grade", "good")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Choose a grade"));
    assert!(bad.contains("Enter the evidence for the grade"));
    assert!(bad.contains("Enter what the audit found"));
    let grades = [
        "good",
        "requires_improvement",
        "good",
        "inadequate",
        "outstanding",
        "good",
        "requires_improvement",
        "good",
    ];
    let answers: Vec<_> = grades
        .iter()
        .map(|g| json!({"grade": g, "evidence": format!("Case notes of the first visit: {g}")}))
        .collect();
    let aud_api = app.api_as("north.worker").await;
    let grading = json!({
        "answers": answers,
        "findings": "Ada's own words are recorded; outcomes were not revisited at review.",
        "actions": [{"action": "Revisit Ada's outcomes at the next review", "owner": "practitioner", "due_on": in_days(30)}],
    });
    let r = aud_api
        .call(
            Method::PUT,
            &format!("/api/v1/case-audits/{id}/grades"),
            Some(&grading.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let twice = aud_api
        .call(
            Method::PUT,
            &format!("/api/v1/case-audits/{id}/grades"),
            Some(&grading.to_string()),
        )
        .await;
    assert_eq!(
        twice.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "graded once"
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM case_audit_answers WHERE audit_id = '{id}'")
        )
        .await,
        8
    );

    // The worker reads the audit of their case and responds, once.
    let mine = prac.call(Method::GET, "/api/v1/case-audits", None).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(mine.json()["of_mine"][0]["id"], id.as_str());
    assert_eq!(mine.json()["of_mine"][0]["good_or_better"], 5);
    let got = prac
        .call(Method::GET, &format!("/api/v1/case-audits/{id}"), None)
        .await
        .json();
    assert_eq!(got["questions"][3]["grade"], "inadequate");
    assert!(got["questions"][3]["evidence"].is_string());
    assert_eq!(got["stage"], "awaiting_moderation");
    let mut pb = app.browser();
    pb.login_ok("practitioner").await;
    let page = pb.get(&format!("/case-audits/{id}")).await;
    assert!(page.contains("Your response"));
    let r = pb
        .post(
            &format!("/case-audits/{id}/response"),
            &[(
                "response",
                "Agreed: I will revisit outcomes at every review.",
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = prac
        .call(
            Method::PUT,
            &format!("/api/v1/case-audits/{id}/response"),
            Some(r#"{"response":"Again"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The owner marks the improvement action done.
    let action = got["actions"][0]["id"]
        .as_str()
        .expect("action")
        .to_string();
    let r = prac
        .call(
            Method::POST,
            &format!("/api/v1/case-audits/actions/{action}/done"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // Moderation: a changed grade needs a note.
    let moderator = app.api_as("south.manager").await;
    let r = moderator
        .call(
            Method::PUT,
            &format!("/api/v1/case-audits/{id}/moderation"),
            Some(r#"{"grades":[null,"inadequate"]}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("note"));
    let r = moderator
        .call(
            Method::PUT,
            &format!("/api/v1/case-audits/{id}/moderation"),
            Some(r#"{"grades":[null,"inadequate"],"note":"Outcomes were never revisited: inadequate."}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // A workforce lead whose team does not hold the case sees the grades
    // and actions, not the case.
    let north_lead = app
        .add_user("north.lead", "manager", "", "North Locality Team")
        .await;
    let admin = app.api_as("admin").await;
    let r = admin
        .call(
            Method::PUT,
            &format!("/api/v1/users/{north_lead}/workforce-lead"),
            Some(r#"{"lead":true}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let done = app
        .api_as("north.lead")
        .await
        .call(Method::GET, &format!("/api/v1/case-audits/{id}"), None)
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let done = done.json();
    assert_eq!(done["stage"], "complete");
    assert_eq!(done["questions"][1]["moderated_grade"], "inadequate");
    assert!(
        done["questions"][1]["evidence"].is_null()
            && done["enquiry_id"].is_null()
            && done["findings"].is_null(),
        "{done}"
    );
    assert!(done["actions"][0]["done"].as_bool().unwrap_or(false));

    // Nobody else sees it: a colleague gets "not found", audited.
    let jo = app.api_as("jo.bright").await;
    let r = jo
        .call(Method::GET, &format!("/api/v1/case-audits/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_events WHERE actor_name = 'jo.bright' AND subject_id = '{id}' AND outcome = 'denied'")
        )
        .await,
        1
    );
    // Reading the case content through the audit counts as a view of the enquiry.
    assert!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_events WHERE actor_name = 'north.worker' AND subject_id = '{eid}' AND detail = 'case-file audit'")
        )
        .await
            >= 1
    );

    // Themes: figures for analysts and managers, with the moderated grade.
    let analyst = app.api_as("analyst").await;
    let t = analyst
        .call(Method::GET, "/api/v1/case-audits/themes", None)
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    let t = t.json();
    assert_eq!(t["by_question"][0]["label"], DEFAULT_QUESTIONS[0]);
    assert_eq!(t["by_question"][0]["quarters"][0]["good_or_better"], 1);
    assert_eq!(t["by_question"][1]["quarters"][0]["good_or_better"], 0);
    assert_eq!(t["by_team"][0]["label"], "Adult Safeguarding Hub");
    assert_eq!(t["by_team"][0]["quarters"][0]["graded"], 8);
    assert_eq!(t["by_team"][0]["quarters"][0]["good_or_better"], 5);
    let r = analyst
        .call(Method::GET, &format!("/api/v1/case-audits/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "analysts see figures only");
    let mut an = app.browser();
    an.login_ok("analyst").await;
    let page = an.get("/case-audits/themes").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Good or better by question"));
    assert!(page.contains("<svg"));
    assert!(!page.contains("Ada"), "no case is named");
    assert_eq!(
        prac.call(Method::GET, "/api/v1/case-audits/themes", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // A review's recommendation leads to the question the audit graded.
    let review = m
        .call(
            Method::POST,
            "/api/v1/reviews",
            Some(r#"{"title":"Adult M","commissioned_on":"2026-01-10","individuals_died":0,"individuals_survived":1}"#),
        )
        .await;
    assert_eq!(review.status, StatusCode::CREATED, "{}", review.body);
    let rid = review.json()["id"].as_str().expect("id").to_string();
    let bad = m
        .call(
            Method::POST,
            &format!("/api/v1/reviews/{rid}/recommendations"),
            Some(
                &json!({"text": "Revisit outcomes", "owner": "practitioner", "due_on": in_days(90),
                "audit_question": "Not a question"})
                .to_string(),
            ),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("audit_question"));
    let rec = m
        .call(
            Method::POST,
            &format!("/api/v1/reviews/{rid}/recommendations"),
            Some(&json!({"text": "Revisit desired outcomes at every review", "owner": "practitioner",
                "due_on": in_days(90), "audit_question": DEFAULT_QUESTIONS[1]}).to_string()),
        )
        .await;
    assert_eq!(rec.status, StatusCode::CREATED, "{}", rec.body);
    let got = m
        .call(Method::GET, &format!("/api/v1/reviews/{rid}"), None)
        .await
        .json();
    assert_eq!(
        got["recommendations"][0]["audit_question"],
        DEFAULT_QUESTIONS[1]
    );
    assert_eq!(got["recommendations"][0]["audit_trend"][0]["graded"], 1);
    assert_eq!(
        got["recommendations"][0]["audit_trend"][0]["good_or_better"],
        0
    );
    let mut mb = app.browser();
    mb.login_ok("manager").await;
    let page = mb.get(&format!("/reports/reviews/{rid}")).await;
    assert!(page.contains("0% good or better (0 of 1)"), "{}", page.body);

    // The audit is about the case: disposing of the case file removes it,
    // its grades and actions (the retention rules are the use case's).
    let mut tx = app.db.store.begin().await.expect("begin");
    let removed = tx.dispose_person(&ada).await.expect("dispose");
    tx.commit().await.expect("commit");
    for (what, n) in [
        ("case-file audits", 1),
        ("case-file audit grades", 8),
        ("case-file audit actions", 1),
    ] {
        assert!(
            removed.iter().any(|(w, k)| *w == what && *k == n),
            "{what}: {removed:?}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_audits").await, 0);
    app.finish().await;
}

/// Administrators keep the templates: a new one is used once put in use,
/// and audits keep the questions they were graded on.
pub async fn audit_templates_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let admin = app.api_as("admin").await;
    let t = admin
        .call(Method::GET, "/api/v1/case-audits/templates", None)
        .await
        .json();
    assert_eq!(t["templates"][0]["active"], true);
    assert_eq!(
        t["templates"][0]["questions"].as_array().map(Vec::len),
        Some(8)
    );
    let bad = admin
        .call(
            Method::POST,
            "/api/v1/case-audits/templates",
            Some(r#"{"name":"","questions":"Only one"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("name") && bad.body.contains("questions"));
    let prac = app.api_as("practitioner").await;
    let r = prac
        .call(
            Method::POST,
            "/api/v1/case-audits/templates",
            Some(r#"{"name":"Mine","questions":"One\nTwo"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut ab = app.browser();
    ab.login_ok("admin").await;
    assert!(
        ab.get("/case-audits/templates")
            .await
            .contains("Add a template")
    );
    let r = ab
        .post(
            "/case-audits/templates",
            &[
                ("name", "Hospital discharge"),
                (
                    "questions",
                    "The person's wishes about discharge are recorded\nThe ward was asked for its view",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = ab.get("/case-audits/templates").await;
    assert!(page.contains("Hospital discharge"));
    assert!(page.contains("Put in use"));
    let new = admin
        .call(Method::GET, "/api/v1/case-audits/templates", None)
        .await
        .json()["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .find(|t| t["name"] == "Hospital discharge")
        .and_then(|t| t["id"].as_str())
        .expect("new template")
        .to_string();
    let r = admin
        .call(
            Method::POST,
            &format!("/api/v1/case-audits/templates/{new}/activate"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let t = admin
        .call(Method::GET, "/api/v1/case-audits/templates", None)
        .await
        .json();
    assert_eq!(t["templates"][0]["name"], "Hospital discharge");
    assert_eq!(
        t["templates"]
            .as_array()
            .map(|a| a.iter().filter(|t| t["active"] == true).count()),
        Some(1),
        "exactly one in use"
    );
    let r = admin
        .call(
            Method::POST,
            "/api/v1/case-audits/templates/no-such-template/activate",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE subject_type = 'audit_template' AND outcome = 'success'"
        )
        .await,
        2
    );
    app.finish().await;
}
