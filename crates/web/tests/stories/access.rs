//! Need-to-know, as its users live it: another team's case, an emergency
//! opening and its review, an invited partner, and a restricted record.

use axum::http::{Method, StatusCode};
use safeguard_store::testing::{TestDb, count_raw, kept_drift};

use crate::audit_for;
use crate::enquiries::enquiry_for;
use crate::support::{Api, TestApp, router_with};

/// The audit events about `subject` (of one action, if given), newest first.
async fn trail(
    app: &TestApp,
    subject: &str,
    action: Option<&str>,
) -> Vec<safeguard_store::audit::AuditEvent> {
    app.db
        .store
        .list_audit(
            &safeguard_store::audit::AuditFilter {
                subject_id: Some(subject.to_string()),
                action: action.map(str::to_string),
                ..Default::default()
            },
            100,
        )
        .await
        .expect("audit")
}

/// A practitioner in another team sees only that Ada's record exists and
/// who holds it; opens it in an emergency with a reason (audited, reviewed
/// by a manager, time-limited); a partner invited into Ada's enquiry sees
/// that enquiry only; a restricted record shows only its name and contact
/// to everyone not on its list, in search and everywhere else.
pub async fn need_to_know_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    app.add_user(
        "nhs.nurse",
        "partner",
        "Northbridge Hospitals NHS Trust",
        "Safeguarding Team",
    )
    .await;
    // Ada's case is held by the Adult Safeguarding Hub (who recorded the concern and decided it).
    let (ada, eid, manager) = enquiry_for(&app, "ada brightwater").await;
    let concerns = manager.call(Method::GET, "/api/v1/concerns", None).await;
    let cid = concerns.json()["concerns"][0]["id"]
        .as_str()
        .expect("concern")
        .to_string();

    // Another team: existence, name and who to contact — nothing else.
    let north = app.api_as("north.worker").await;
    let r = north
        .call(Method::GET, &format!("/api/v1/people/{ada}"), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"], "outside_need_to_know");
    assert!(r.body.contains("Adult Safeguarding Hub"), "{}", r.body);
    assert!(!r.body.contains("1938"), "no date of birth: {}", r.body);
    let found = north
        .call(Method::GET, "/api/v1/people?q=brightwater", None)
        .await
        .json();
    assert_eq!(found["people"][0]["id"], ada.as_str());
    assert_eq!(found["people"][0]["contact"], "Adult Safeguarding Hub");
    assert!(found["people"][0]["date_of_birth"].is_null());
    assert!(found["people"][0]["postcode"].is_null());
    let list = north.call(Method::GET, "/api/v1/enquiries", None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        !list.body.contains(&eid),
        "another team's enquiry is not listed"
    );
    assert_eq!(
        north
            .call(Method::GET, &format!("/api/v1/enquiries/{eid}"), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        north
            .call(Method::GET, &format!("/api/v1/concerns/{cid}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a decided concern of another team is not found"
    );
    assert!(
        audit_for(&app, &ada).await.contains(&(
            "north.worker".into(),
            "view".into(),
            "denied".into()
        )),
        "the refusal is audited"
    );
    // The Hub's own practitioner sees everything.
    let hub = app.api_as("practitioner").await;
    assert_eq!(
        hub.call(Method::GET, &format!("/api/v1/people/{ada}"), None)
            .await
            .status,
        StatusCode::OK
    );

    // The records behind a figure of the return name only people in the
    // viewer's need-to-know.
    let labels = |username: &'static str| {
        let store = app.db.store.clone();
        let eid = eid.clone();
        async move {
            let u = store
                .user_by_username(username)
                .await
                .expect("user")
                .expect("exists");
            let viewer = safeguard_store::access::Viewer {
                user_id: u.id,
                team_id: u.team_id,
                manager: u.role == "manager",
                now: safeguard_core::unix_ms(time::OffsetDateTime::now_utc()),
            };
            store
                .sac_labels("enquiry", &[eid], Some(&viewer))
                .await
                .expect("labels")
        }
    };
    assert_eq!(labels("manager").await[0].1, "Ada Brightwater");
    assert_eq!(
        labels("north.worker").await[0].1,
        "",
        "another team's case is not named"
    );

    // The page: the name, who to contact, and the emergency form.
    let mut b = app.browser();
    b.login_ok("north.worker").await;
    let page = b.get(&format!("/people/{ada}")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("Ada Brightwater") && page.contains("held by another team"));
    assert!(page.contains("Open the record in an emergency"));
    let refused = b
        .post(&format!("/people/{ada}/break-glass"), &[("reason", "  ")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("Enter why you need to open this record now"));
    let opened = b
        .post(
            &format!("/people/{ada}/break-glass"),
            &[(
                "reason",
                "Police at the door out of hours; need her key contacts now",
            )],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let record = b.get(&format!("/people/{ada}")).await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(record.contains("About the person"));
    let trail = trail(&app, &ada, None).await;
    assert!(
        trail
            .iter()
            .any(|e| e.action == "break_glass" && e.actor_name == "north.worker")
    );
    assert!(
        trail.iter().any(|e| e.action == "view"
            && e.actor_name == "north.worker"
            && e.outcome == "success"
            && e.reason.as_deref() == Some("break_glass")),
        "views during the opening say why they were allowed"
    );

    // The lead sees it at once and must close it with a finding.
    let mut m = app.browser();
    m.login_ok("manager").await;
    let home = m.get("/").await;
    assert!(
        home.contains("1 emergency opening of records needs your review"),
        "{}",
        home.body
    );
    let queue = manager
        .call(Method::GET, "/api/v1/access/break-glass", None)
        .await
        .json();
    let opening = queue["open"][0]["id"]
        .as_str()
        .expect("opening")
        .to_string();
    assert_eq!(queue["open"][0]["username"], "north.worker");
    assert_eq!(
        north
            .call(
                Method::POST,
                &format!("/api/v1/access/break-glass/{opening}/review"),
                Some(r#"{"justified":true,"finding":"Mine"}"#)
            )
            .await
            .status,
        StatusCode::FORBIDDEN,
        "a practitioner cannot close reviews"
    );
    let review = m.get(&format!("/access/break-glass/{opening}")).await;
    assert!(review.contains("Police at the door out of hours"));
    assert!(review.contains("break_glass"), "what they did is listed");
    let missing = m
        .post(
            &format!("/access/break-glass/{opening}"),
            &[("justified", "yes"), ("finding", "")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.contains("Enter your finding"));
    let closed = m
        .post(
            &format!("/access/break-glass/{opening}"),
            &[
                ("justified", "yes"),
                ("finding", "Checked with the police log: genuine emergency."),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let queue = manager
        .call(Method::GET, "/api/v1/access/break-glass", None)
        .await
        .json();
    assert_eq!(queue["open"].as_array().map(Vec::len), Some(0));
    assert_eq!(queue["reviewed"][0]["justified"], true);
    assert!(!m.get("/").await.contains("emergency opening"));

    // Openings expire: with a zero-minute opening the record closes again at once.
    let (_, quick) = router_with(
        app.db.store.clone(),
        safeguard_core::CoreConfig {
            break_glass: std::time::Duration::from_secs(0),
            lead_email: Some("lead@example.test".into()),
            ..crate::support::config()
        },
    );
    let (tomasz, _, _) = enquiry_for(&app, "tomasz wieczorek").await;
    let mut q = Api::new(&app);
    q.router = quick;
    q.sign_in("north.worker").await;
    let r = q
        .call(
            Method::POST,
            &format!("/api/v1/people/{tomasz}/break-glass"),
            Some(r#"{"reason":"Ambulance crew asking for his allergies"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        q.call(Method::GET, &format!("/api/v1/people/{tomasz}"), None)
            .await
            .status,
        StatusCode::FORBIDDEN,
        "the opening has expired"
    );
    // The safeguarding lead was told at once, by an email that names no one.
    assert_eq!(
        count_raw(
            &app.db.store,
            "SELECT COUNT(*) FROM email_outbox WHERE to_address = 'lead@example.test' \
             AND subject = 'A record was opened in an emergency' AND body NOT LIKE '%Tomasz%' \
             AND body NOT LIKE '%Wieczorek%' AND body NOT LIKE '%allergies%'"
        )
        .await
        .expect("count"),
        1
    );

    // A partner invited into Ada's enquiry sees that enquiry, and only that.
    let nurse = app.api_as("nhs.nurse").await;
    assert_eq!(
        nurse
            .call(Method::GET, &format!("/api/v1/enquiries/{eid}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let bad = manager
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/members"),
            Some(r#"{"username":"nobody","reason":""}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("member_username") && bad.body.contains("member_reason"));
    let invited = manager
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/members"),
            Some(r#"{"username":"nhs.nurse","reason":"Ward discharge planning for Ada"}"#),
        )
        .await;
    assert_eq!(invited.status, StatusCode::NO_CONTENT, "{}", invited.body);
    let seen = nurse
        .call(Method::GET, &format!("/api/v1/enquiries/{eid}"), None)
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(
        nurse
            .call(Method::GET, &format!("/api/v1/people/{ada}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "the enquiry only, not Ada's whole record"
    );
    assert_eq!(
        nurse
            .call(
                Method::POST,
                &format!("/api/v1/enquiries/{eid}/outcomes"),
                Some(r#"{"text":"To go home","expressed_by":"person"}"#)
            )
            .await
            .status,
        StatusCode::FORBIDDEN,
        "invited partners read; council staff work on it"
    );
    let mut nb = app.browser();
    nb.login_ok("nhs.nurse").await;
    let page = nb.get(&format!("/enquiries/{eid}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("Ada Brightwater"));
    assert!(!page.contains("Invite someone into this enquiry"));
    assert!(!page.contains("Record information shared"));

    // Restricted: a reason is required; then only the access list opens it.
    let r = manager
        .call(
            Method::PUT,
            &format!("/api/v1/people/{ada}/restriction"),
            Some(r#"{"reason":"","access_list":["nobody"]}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("\"reason\"") && r.body.contains("nobody"));
    let r = manager
        .call(
            Method::PUT,
            &format!("/api/v1/people/{ada}/restriction"),
            Some(r#"{"reason":"Her son works in the Hub","contact":"Martin Lowe, 01632 960000"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = hub
        .call(Method::GET, &format!("/api/v1/people/{ada}"), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("restricted") && r.body.contains("Martin Lowe, 01632 960000"));
    let found = hub
        .call(Method::GET, "/api/v1/people?q=brightwater", None)
        .await
        .json();
    assert_eq!(found["people"][0]["restricted"], true);
    assert!(found["people"][0]["date_of_birth"].is_null());
    assert!(
        !hub.call(Method::GET, "/api/v1/enquiries", None)
            .await
            .body
            .contains(&eid),
        "her enquiry is restricted with her"
    );
    assert_eq!(
        hub.call(Method::GET, &format!("/api/v1/concerns/{cid}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "and the concern about her"
    );
    assert_eq!(
        hub.call(
            Method::GET,
            &format!("/api/v1/people/{ada}/chronology"),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "and her chronology"
    );
    assert_eq!(
        nurse
            .call(Method::GET, &format!("/api/v1/enquiries/{eid}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "an invitation does not reach past a restriction"
    );
    let own = manager
        .call(Method::GET, &format!("/api/v1/people/{ada}"), None)
        .await;
    assert_eq!(own.status, StatusCode::OK, "the manager is on the list");
    let page = m.get(&format!("/people/{ada}")).await;
    assert!(page.contains("This record is restricted"));
    assert!(page.contains("Her son works in the Hub"));
    // Lifted: the Hub sees her again.
    let lift = m.post(&format!("/people/{ada}/unrestrict"), &[]).await;
    assert_eq!(lift.status, StatusCode::SEE_OTHER);
    assert_eq!(
        hub.call(Method::GET, &format!("/api/v1/people/{ada}"), None)
            .await
            .status,
        StatusCode::OK
    );

    // Who looked at Ada's record: the DPO's plain-language report.
    let dpo = app.api_as("dpo").await;
    assert_eq!(
        manager
            .call(
                Method::GET,
                &format!("/api/v1/people/{ada}/access-report"),
                None
            )
            .await
            .status,
        StatusCode::FORBIDDEN,
        "the data protection officer's report"
    );
    let report = dpo
        .call(
            Method::GET,
            &format!("/api/v1/people/{ada}/access-report"),
            None,
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let report = report.json();
    assert_eq!(report["person_name"], "Ada Brightwater");
    let lines: Vec<(String, String, String)> = report["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["who"].as_str().unwrap_or("").to_string(),
                e["what"].as_str().unwrap_or("").to_string(),
                e["why"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let has = |who: &str, what: &str, why: &str| {
        lines
            .iter()
            .any(|(w, x, y)| w == who && x == what && y == why)
    };
    assert!(
        has(
            "Priya Okafor",
            "looked at your record",
            "works in the team that holds your case"
        ),
        "{lines:?}"
    );
    assert!(has(
        "Test north.worker",
        "tried to look at your record and was refused",
        "they were not allowed, so nothing was shown"
    ));
    assert!(has(
        "Test north.worker",
        "opened your record in an emergency",
        "opened it in an emergency, giving a reason"
    ));
    assert!(has(
        "Test north.worker",
        "looked at your record",
        "opened it in an emergency, giving a reason"
    ));
    assert!(has(
        "Martin Lowe",
        "restricted who can see your record",
        "works in the council's adult safeguarding service"
    ));
    assert!(
        lines.iter().all(|(_, _, why)| !why.is_empty()),
        "every row says why: {lines:?}"
    );
    assert!(has(
        "Test nhs.nurse",
        "looked at an enquiry about you",
        "invited into your enquiry"
    ));
    assert!(
        report["agencies"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "Northbridge Hospitals NHS Trust")),
        "{report}"
    );
    let mut d = app.browser();
    d.login_ok("dpo").await;
    d.get("/audit/people").await;
    let found = d.post("/audit/people", &[("q", "brightwater")]).await;
    assert!(found.contains(&format!("/audit/people/{ada}")));
    let page = d.get(&format!("/audit/people/{ada}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Who has looked at Ada Brightwater"));
    assert!(page.contains("tried to look at your record and was refused"));
    let today = time::OffsetDateTime::now_utc().date();
    let day = format!("{} {} {}", today.day(), today.month(), today.year());
    assert!(page.contains(&day), "rows are grouped by day: {day}");
    let given = d.get(&format!("/audit/people/{ada}?for=person")).await;
    assert_eq!(given.status, StatusCode::OK);
    assert!(given.contains("Who has looked at your record"));
    assert!(given.contains("Northbridge Council and its partner agencies"));
    assert!(!given.contains("Subject access request"), "{}", given.body);

    // Unusual access: refusals and a burst of records within one hour.
    for i in 0..21 {
        let body =
            serde_json::json!({"given_name": format!("Synthetic{i}"), "family_name": "Burst"});
        let made = hub
            .call(Method::POST, "/api/v1/people", Some(&body.to_string()))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let id = made.json()["id"].as_str().expect("id").to_string();
        hub.call(Method::GET, &format!("/api/v1/people/{id}"), None)
            .await;
    }
    assert_eq!(
        hub.call(Method::GET, "/api/v1/access/unusual", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let unusual = manager
        .call(Method::GET, "/api/v1/access/unusual", None)
        .await;
    assert_eq!(unusual.status, StatusCode::OK, "{}", unusual.body);
    let findings = unusual.json();
    let said = |who: &str, text: &str| {
        findings.as_array().is_some_and(|f| {
            f.iter().any(|x| {
                x["username"] == who && x["finding"].as_str().is_some_and(|s| s.contains(text))
            })
        })
    };
    assert!(said("north.worker", "was refused"), "{findings}");
    assert!(
        said("practitioner", "different records within one hour"),
        "{findings}"
    );
    assert!(
        !said("manager", "within one hour"),
        "a few views are not unusual: {findings}"
    );
    let page = m.get("/access/unusual").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("north.worker"));
    app.finish().await;
}

/// A practitioner records what was shared with the police and the GP, on
/// what lawful basis and — without consent — for what lawful reason; a
/// share is refused without one. The police read only the parts shared,
/// another agency nothing; the shares are on the chronology and audited.
pub async fn information_sharing_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user(
        "nhs.nurse",
        "partner",
        "Northbridge Hospitals NHS Trust",
        "Safeguarding Team",
    )
    .await;
    let (ada, eid, _manager) = enquiry_for(&app, "ada brightwater").await;
    let p = app.api_as("practitioner").await;
    let shares = format!("/api/v1/enquiries/{eid}/shares");
    // Her words, and a plan action, before anything is shared.
    let o = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/outcomes"),
            Some(r#"{"text":"To feel safe when the carer visits","expressed_by":"person"}"#),
        )
        .await;
    assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
    let a = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/actions"),
            Some(r#"{"description":"Talk to the bank","owner":"practitioner","due_on":"2030-01-01","less_restrictive":"None less restrictive"}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let refused = p
        .call(
            Method::POST,
            &shares,
            Some(
                r#"{"what":"Her address","agency":"Northbridge Police","purpose":"Joint visit",
                 "article6":"consent","article9":"safeguarding","consent":"refused"}"#,
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["override_reason", "override_detail", "article6"] {
        assert!(refused.body.contains(field), "{field}: {}", refused.body);
    }
    let unknown = p
        .call(
            Method::POST,
            &shares,
            Some(
                r#"{"what":"x","agency":"No Such Agency","purpose":"y","article6":"public_task",
                 "article9":"none","consent":"given"}"#,
            ),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown
            .body
            .contains("Select a partner agency from the list")
    );
    let police = p
        .call(
            Method::POST,
            &shares,
            Some(
                r#"{"what":"Her address and what she wants to happen","agency":"Northbridge Police",
                 "purpose":"To plan a joint visit","article6":"public_task","article9":"safeguarding",
                 "consent":"refused","override_reason":"others_at_risk",
                 "override_detail":"Her grandchildren stay at the house at weekends","parts":["outcomes"]}"#,
            ),
        )
        .await;
    assert_eq!(police.status, StatusCode::CREATED, "{}", police.body);
    let gp = p
        .call(
            Method::POST,
            &shares,
            Some(
                r#"{"what":"The concern","recipient":"Her GP practice","purpose":"Medication review",
                 "article6":"public_task","article9":"health_social_care","consent":"given"}"#,
            ),
        )
        .await;
    assert_eq!(gp.status, StatusCode::CREATED, "{}", gp.body);
    let listed = p.call(Method::GET, &shares, None).await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    assert_eq!(listed[1]["agency"], "Northbridge Police");
    assert_eq!(listed[1]["override_reason"], "others_at_risk");
    assert_eq!(listed[1]["parts"][0], "outcomes");
    let chronology = p
        .call(
            Method::GET,
            &format!("/api/v1/people/{ada}/chronology"),
            None,
        )
        .await;
    assert!(
        chronology.body.contains(
            "Information shared with Northbridge Police (without consent, for a lawful reason)"
        ),
        "{}",
        chronology.body
    );
    assert!(
        chronology
            .body
            .contains("Information shared with Her GP practice (with consent)")
    );
    assert!(
        !chronology.body.contains("grandchildren"),
        "the chronology says with whom and why, not what"
    );

    // The police read the parts shared with them, and nothing else.
    let mut police_user = app.browser();
    police_user.login_ok("partner").await;
    let home = police_user.get("/").await;
    assert!(home.contains("Enquiries shared with your agency") && home.contains("Ada Brightwater"));
    let page = police_user.get(&format!("/enquiries/{eid}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("The person&#39;s voice") || page.contains("The person's voice"));
    for hidden in [
        "Safeguarding plan",
        "Information shared",
        "Rights and safeguards",
        "Need-to-know team",
        "grandchildren",
    ] {
        assert!(!page.contains(hidden), "{hidden} is not shared");
    }
    assert!(
        page.contains("To feel safe when the carer visits"),
        "the outcomes were shared"
    );
    assert!(!page.contains("Talk to the bank"), "the plan was not");
    let police_api = app.api_as("partner").await;
    let read = police_api
        .call(Method::GET, &format!("/api/v1/enquiries/{eid}"), None)
        .await
        .json();
    assert_eq!(
        read["outcomes"][0]["text"],
        "To feel safe when the carer visits"
    );
    let plan = format!("/api/v1/enquiries/{eid}/actions");
    assert_eq!(
        police_api.call(Method::GET, &plan, None).await.json(),
        serde_json::json!([])
    );
    // Sharing the plan too opens it to them.
    let more = p
        .call(
            Method::POST,
            &shares,
            Some(
                r#"{"what":"The plan","agency":"Northbridge Police","purpose":"Joint visit",
                 "article6":"public_task","article9":"none","consent":"given","parts":["plan"]}"#,
            ),
        )
        .await;
    assert_eq!(more.status, StatusCode::CREATED, "{}", more.body);
    assert_eq!(
        police_api.call(Method::GET, &plan, None).await.json()[0]["description"],
        "Talk to the bank"
    );
    assert_eq!(
        police_api
            .call(Method::GET, &format!("/api/v1/people/{ada}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let nurse = app.api_as("nhs.nurse").await;
    assert_eq!(
        nurse
            .call(Method::GET, &format!("/api/v1/enquiries/{eid}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "another agency sees nothing"
    );

    // The form on the enquiry page names each missing field.
    let mut b = app.browser();
    b.login_ok("practitioner").await;
    assert_eq!(
        b.get(&format!("/enquiries/{eid}")).await.status,
        StatusCode::OK
    );
    let bad = b
        .post(
            &format!("/enquiries/{eid}/shares"),
            &[("open_form", "share"), ("share_consent", "not_sought")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for anchor in [
        "#share_what",
        "#share_recipient",
        "#share_purpose",
        "#share_article6",
        "#share_override_reason",
    ] {
        assert!(bad.contains(anchor), "{anchor}");
    }
    let trail = trail(&app, &eid, Some("share")).await;
    assert_eq!(trail.len(), 3, "each share is audited");
    app.finish().await;
}

/// The DPO answers Ada's subject access request: everything held about
/// her, with her son's details (a key person, and who raised the concern)
/// withheld in the copy while her record keeps them; the export is audited.
pub async fn subject_access_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (ada, eid, manager) = enquiry_for(&app, "ada brightwater").await;
    let p = app.api_as("practitioner").await;
    let o = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/outcomes"),
            Some(r#"{"text":"To keep seeing my daughter","expressed_by":"representative","representative":"Sam, her son"}"#),
        )
        .await;
    assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
    let dpo = app.api_as("dpo").await;
    assert_eq!(
        manager
            .call(
                Method::POST,
                &format!("/api/v1/people/{ada}/subject-access"),
                Some("{}")
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let items = dpo
        .call(
            Method::GET,
            &format!("/api/v1/people/{ada}/third-parties"),
            None,
        )
        .await;
    assert_eq!(items.status, StatusCode::OK, "{}", items.body);
    let keys: Vec<String> = items
        .json()
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["key"].as_str().map(str::to_string))
        .collect();
    let raiser = keys
        .iter()
        .find(|k| k.ends_with(":raiser"))
        .expect("who raised the concern")
        .clone();
    assert!(keys.contains(&"key_person:0".to_string()), "{keys:?}");
    assert!(keys.iter().any(|k| k.ends_with(":representative")));
    let body = serde_json::json!({"withhold": ["key_person:0", raiser]}).to_string();
    let copy = dpo
        .call(
            Method::POST,
            &format!("/api/v1/people/{ada}/subject-access"),
            Some(&body),
        )
        .await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.body);
    let bundle = copy.json();
    let withheld = safeguard_core::sar::WITHHELD;
    assert_eq!(bundle["withheld_items"], 2);
    assert_eq!(bundle["your_record"]["given_name"], "Ada");
    // Readable by the person: words for codes, dates in words.
    assert_eq!(
        bundle["concerns_about_you"][0]["decision"]["outcome"],
        "Section 42"
    );
    let started = bundle["enquiries"][0]["started_on"].as_str().unwrap_or("");
    assert!(
        started.ends_with(&time::OffsetDateTime::now_utc().year().to_string())
            && !started.contains('-'),
        "{started}"
    );
    assert_eq!(bundle["your_record"]["key_people"][0], withheld);
    assert_eq!(bundle["concerns_about_you"][0]["raised_by"], withheld);
    assert_eq!(
        bundle["concerns_about_you"][0]["what_happened"],
        "Her carer keeps her pension card."
    );
    assert_eq!(
        bundle["enquiries"][0]["what_you_want_to_happen"][0]["representative"], "Sam, her son",
        "not withheld unless chosen"
    );
    assert!(!copy.body.contains("Sam Brightwater"), "{}", copy.body);
    assert!(
        bundle["chronology"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    assert!(
        bundle["who_looked_at_your_record"]
            .as_array()
            .is_some_and(|a| a
                .iter()
                .any(|x| x["what"] == "worked on an enquiry about you")),
        "{}",
        bundle["who_looked_at_your_record"]
    );
    // The record itself is intact.
    let record = p
        .call(Method::GET, &format!("/api/v1/people/{ada}"), None)
        .await
        .json();
    assert_eq!(record["key_people"][0]["name"], "Sam Brightwater");
    let trail = trail(&app, &ada, Some("export")).await;
    let exports: Vec<_> = trail.iter().filter(|e| e.outcome == "success").collect();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].actor_name, "dpo");
    assert_eq!(
        exports[0].detail.as_deref(),
        Some("subject access (json); 2 items withheld")
    );
    assert!(
        trail
            .iter()
            .any(|e| e.actor_name == "manager" && e.outcome == "denied"),
        "the manager's attempt is audited as refused"
    );

    // The same through the pages: choose, then a printable copy or a file.
    let mut d = app.browser();
    d.login_ok("dpo").await;
    let form = d.get(&format!("/audit/people/{ada}/sar")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.contains("Key person: Sam Brightwater"));
    let page = d
        .post(
            &format!("/audit/people/{ada}/sar"),
            &[
                ("withhold", "key_person:0"),
                ("withhold", raiser.as_str()),
                ("format", "html"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("Everything held about Ada Brightwater"));
    assert!(page.contains("[withheld: information about someone else]"));
    assert!(!page.contains("Sam Brightwater"));
    let file = d
        .post(&format!("/audit/people/{ada}/sar"), &[("format", "json")])
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.headers
            .get(axum::http::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("subject-access.json"))
    );
    assert!(
        file.body.contains("Sam Brightwater"),
        "nothing withheld this time"
    );
    app.finish().await;
}

/// The DPO keeps case files for a set number of years after their last
/// activity; a closed case past that is disposed of completely, leaving a
/// certificate with no personal data, while a case with open work stays.
pub async fn retention_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (ada, _eid, manager) = enquiry_for(&app, "ada brightwater").await;
    let p = app.api_as("practitioner").await;
    let made = p
        .call(
            Method::POST,
            "/api/v1/people",
            Some(
                r#"{"given_name":"Bartholomew","family_name":"Quenby","other_names":["Barty"],
                "key_people":[{"name":"Clementine Quenby","relationship":"family","appropriate_person":"no"}]}"#,
            ),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let bart = made.json()["id"].as_str().expect("id").to_string();
    // A document on his record goes with it: its row and its file.
    let letter = p
        .upload(
            &format!("/api/v1/people/{bart}/attachments?filename=quenby-letter.pdf"),
            "application/pdf",
            b"%PDF-1.7\n% Zanzibar letter\n".to_vec(),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let letter_file = crate::support::attachment_dir().join(format!("quarantine/{letter}"));
    assert!(letter_file.exists());
    let concern = p
        .call(
            Method::POST,
            "/api/v1/concerns",
            Some(&format!(
                r#"{{"raiser_kind":"family_friend","raiser_name":"A neighbour","channel":"phone",
                "what_happened":"Zanzibar-coloured bruise seen","adults":[{{"person_id":"{bart}"}}],
                "immediate_danger":"no","consent":"yes"}}"#
            )),
        )
        .await;
    assert_eq!(concern.status, StatusCode::CREATED, "{}", concern.body);
    let cid = concern.json()["id"].as_str().expect("id").to_string();
    let decided = manager
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(
                r#"{"needs_care_and_support":"no","needs_evidence":"Lives independently","experiencing_abuse":"no",
                "abuse_evidence":"A fall, explained","unable_to_protect":"no","unable_evidence":"Able to say no",
                "outcome":"no_enquiry","instead":"signposting","reasons":"The three conditions are not met"}"#,
            ),
        )
        .await;
    assert_eq!(decided.status, StatusCode::NO_CONTENT, "{}", decided.body);
    let bart_deciders = format!("SELECT COUNT(*) FROM person_deciders WHERE person_id = '{bart}'");
    assert_eq!(
        count_raw(&app.db.store, &bart_deciders)
            .await
            .expect("count"),
        1,
        "the manager who decided holds his case"
    );
    let bart_entries = format!(
        "SELECT CAST(COALESCE(SUM(entries), 0) AS BIGINT) FROM chronology_counts WHERE person_id = '{bart}'"
    );
    assert!(
        count_raw(&app.db.store, &bart_entries)
            .await
            .expect("count")
            > 0,
        "his chronology is counted"
    );

    // Disposals are noted in a ledger outside the database (for restores).
    let ledger_dir = tempfile::tempdir().expect("temp dir");
    let ledger = ledger_dir.path().join("disposal-ledger");
    let (_, router) = crate::support::router_with(
        app.db.store.clone(),
        safeguard_core::CoreConfig {
            disposal_ledger: Some(ledger.clone()),
            ..crate::support::config()
        },
    );
    let mut d = crate::support::Browser {
        router,
        cookies: Default::default(),
        csrf: None,
    };
    d.login_ok("dpo").await;
    let page = d.get("/records/retention").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("kept 8 years"), "the default");
    assert!(!page.contains("Bartholomew"), "not due yet");
    let bad = d
        .post(
            "/records/retention",
            &[("years", "many"), ("concern_years", "6")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Enter a whole number of years from 0 to 100"));
    let set = d
        .post(
            "/records/retention",
            &[("years", "0"), ("concern_years", "6")],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    let page = d.get("/records/retention").await;
    assert!(
        page.contains("Bartholomew Quenby"),
        "past retention: {}",
        page.body
    );
    assert!(
        !page.contains("Ada Brightwater"),
        "open work keeps Ada's case"
    );

    // Only the DPO disposes; a case with open work cannot be disposed of.
    let mut pb = app.browser();
    pb.login_ok("practitioner").await;
    pb.get("/").await;
    let refused = pb
        .post(&format!("/records/retention/{bart}/dispose"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        d.post(&format!("/records/retention/{ada}/dispose"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let done = d
        .post(&format!("/records/retention/{bart}/dispose"), &[])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let noted = std::fs::read_to_string(&ledger).expect("the ledger");
    assert!(noted.contains(&format!(" person {bart}")), "{noted}");
    assert!(!noted.contains(&ada), "only what was disposed of: {noted}");
    let page = d.get("/records/retention").await;
    assert!(page.contains("Disposal certificates") && page.contains("person records: 1"));
    assert!(page.contains("attachments: 1"), "{}", page.body);
    assert!(!letter_file.exists(), "the file goes with its record");
    assert!(page.contains("concerns: 1") && page.contains("by Dev Patel-Moore"));
    assert!(!page.contains("Bartholomew") && !page.contains("Quenby"));

    // Nothing about Bartholomew is left, and the audit chain still holds.
    let store = &app.db.store;
    for sql in [
        format!("SELECT COUNT(*) FROM people WHERE id = '{bart}'"),
        format!("SELECT COUNT(*) FROM person_other_names WHERE person_id = '{bart}'"),
        format!("SELECT COUNT(*) FROM person_key_people WHERE person_id = '{bart}'"),
        format!("SELECT COUNT(*) FROM attachments WHERE id = '{letter}' OR person_id = '{bart}'"),
        format!("SELECT COUNT(*) FROM concern_adults WHERE person_id = '{bart}'"),
        format!("SELECT COUNT(*) FROM chronology WHERE person_id = '{bart}'"),
        bart_entries,
        format!("SELECT COUNT(*) FROM concerns WHERE id = '{cid}'"),
        format!("SELECT COUNT(*) FROM triage_decisions WHERE concern_id = '{cid}'"),
        bart_deciders,
        "SELECT COUNT(*) FROM concerns WHERE what_happened LIKE '%Zanzibar%'".to_string(),
        "SELECT COUNT(*) FROM person_key_people WHERE name LIKE '%Quenby%'".to_string(),
        "SELECT COUNT(*) FROM disposal_certificates WHERE summary LIKE '%Quenby%' OR rule LIKE '%Quenby%'"
            .to_string(),
    ] {
        assert_eq!(count_raw(store, &sql).await.expect("count"), 0, "{sql}");
    }
    assert_eq!(kept_drift(store).await.expect("drift"), 0);
    assert_eq!(
        p.call(Method::GET, &format!("/api/v1/people/{bart}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        p.call(Method::GET, &format!("/api/v1/people/{ada}"), None)
            .await
            .status,
        StatusCode::OK,
        "Ada's case is untouched"
    );

    // A concern about no known person has its own period.
    let partner = app.api_as("partner").await;
    let raised = partner
        .call(
            Method::POST,
            "/api/v1/concerns",
            Some(
                r#"{"raiser_kind":"staff","channel":"partner","what_happened":"Xylophone-shaped marks",
                "adults":[{"name":"A passer-by"}],"immediate_danger":"no","consent":"yes"}"#,
            ),
        )
        .await;
    assert_eq!(raised.status, StatusCode::CREATED, "{}", raised.body);
    let unknown = raised.json()["id"].as_str().expect("id").to_string();
    let closed = manager
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{unknown}/close"),
            Some("{}"),
        )
        .await;
    assert_eq!(closed.status, StatusCode::NO_CONTENT, "{}", closed.body);
    let page = d.get("/records/retention").await;
    assert!(!page.contains(&unknown), "kept 6 years");
    d.post(
        "/records/retention",
        &[("years", "0"), ("concern_years", "0")],
    )
    .await;
    let page = d.get("/records/retention").await;
    assert!(page.contains(&format!("/records/retention/concerns/{unknown}/dispose")));
    let done = d
        .post(
            &format!("/records/retention/concerns/{unknown}/dispose"),
            &[],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count_raw(
            store,
            "SELECT COUNT(*) FROM concerns WHERE what_happened LIKE '%Xylophone%'"
        )
        .await
        .expect("count"),
        0
    );
    assert!(
        d.get("/records/retention")
            .await
            .contains("about no known person")
    );
    assert!(matches!(
        store.verify_audit().await.expect("verify"),
        safeguard_store::audit::Verification::Intact { .. }
    ));
    app.finish().await;
}
