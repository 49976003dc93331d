//! The SAC return as analysts and managers use it.

use axum::http::{Method, StatusCode};
use safeguard_domain::sac::Year;
use safeguard_store::testing::TestDb;

use crate::enquiries::enquiry_for;
use crate::support::{Api, TestApp};

/// The count in a table's row (by label) and column (by position) of the
/// API's return.
fn count(sac: &serde_json::Value, table: &str, row: &str, column: usize) -> u64 {
    let t = sac["tables"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"] == table))
        .unwrap_or_else(|| panic!("table {table}"));
    let r = t["rows"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["label"] == row))
        .unwrap_or_else(|| panic!("row {row} in {table}"));
    r["counts"][column].as_u64().expect("count")
}

fn column_sum(sac: &serde_json::Value, table: &str, column: usize) -> u64 {
    sac["tables"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"] == table))
        .and_then(|t| t["rows"].as_array())
        .map(|rs| rs.iter().filter_map(|r| r["counts"][column].as_u64()).sum())
        .unwrap_or(0)
}

/// As the practitioner: records the person's desired outcome on enquiry
/// `eid`, then proposes `conclusion` with that outcome rated `achieved`.
/// Returns the practitioner's API client.
async fn propose_conclusion(
    app: &TestApp,
    eid: &str,
    mut conclusion: serde_json::Value,
    achieved: &str,
) -> Api {
    let mut p = Api::new(app);
    p.sign_in("practitioner").await;
    let o = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/outcomes"),
            Some(r#"{"text":"To feel safe at home","expressed_by":"person"}"#),
        )
        .await;
    assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
    let oid = o.json()["id"].as_str().expect("id").to_string();
    conclusion["achievements"] = serde_json::json!([{"outcome_id": oid, "achievement": achieved}]);
    let r = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/conclusion"),
            Some(&conclusion.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    p
}

/// Two Section 42 enquiries about one person, one concluded; a concern
/// about an adult with no record; a completed review: the return counts
/// them by the SAC rules, analysts see figures only, managers the records.
pub async fn sac_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let year = Year::containing(time::OffsetDateTime::now_utc().date()).to_string();
    let (_ada, eid, manager) = enquiry_for(&app, "ada brightwater").await;
    let p = propose_conclusion(
        &app,
        &eid,
        serde_json::json!({
            "risk_types": ["neglect", "physical"], "locations": ["own_home"], "sources": ["unknown", "unknown"],
            "action_result": "risk_action", "risk_outcome": "reduced", "capacity": "did_not_lack",
            "asked": "yes_expressed"
        }),
        "partially",
    )
    .await;
    // Proposed but not signed off: not counted yet, and flagged.
    let mut analyst = Api::new(&app);
    analyst.sign_in("analyst").await;
    let sac_path = format!("/api/v1/reports/sac/{year}");
    let before = analyst.call(Method::GET, &sac_path, None).await.json();
    assert_eq!(column_sum(&before, "SG2c", 0), 0);
    let quality = analyst
        .call(Method::GET, &format!("{sac_path}/quality"), None)
        .await
        .json();
    let awaiting = quality
        .as_array()
        .and_then(|q| q.iter().find(|c| c["code"] == "awaiting_sign_off"))
        .expect("check");
    assert_eq!(awaiting["count"], 1);
    assert_eq!(
        awaiting["records"].as_array().map(Vec::len),
        Some(0),
        "analysts see counts, not records"
    );
    assert_eq!(
        manager
            .call(
                Method::POST,
                &format!("/api/v1/enquiries/{eid}/sign-off"),
                Some(r#"{"approve":true}"#)
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    // A second enquiry about the same person, and a concern about an adult with no record.
    let (_, second, _) = enquiry_for(&app, "ada brightwater").await;
    assert_ne!(second, eid);
    let unlinked = serde_json::json!({
        "raiser_kind": "public", "raiser_name": "A passer-by", "channel": "phone",
        "what_happened": "A man at the bus stop looked frightened of his companion.",
        "adults": [{"name": "Unknown man, about 70"}], "immediate_danger": "no", "consent": "dont_know"
    });
    let r = p
        .call(
            Method::POST,
            "/api/v1/concerns",
            Some(&unlinked.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let sac = analyst.call(Method::GET, &sac_path, None).await.json();
    assert_eq!(sac["year"], year.as_str());
    // SG1: Ada is one individual in the S42 column however many enquiries she had.
    assert_eq!(column_sum(&sac, "SG1a", 1), 1);
    assert_eq!(column_sum(&sac, "SG1b", 1), 1);
    assert_eq!(
        count(
            &sac,
            "SG1f",
            "Total Number of Section 42 Safeguarding Enquiries",
            0
        ),
        2
    );
    assert_eq!(
        count(&sac, "SG1f", "Total Number of Safeguarding Concerns", 0),
        3
    );
    // Two concerns about Ada, one about an unknown man: two individuals.
    assert_eq!(column_sum(&sac, "SG1a", 0), 2);
    assert_eq!(count(&sac, "SG1b", "Not Known", 0), 1);
    // SG2–SG4 from the concluded enquiry: two sources of the same type count once.
    assert_eq!(count(&sac, "SG2a", "Neglect and Acts of Omission", 2), 1);
    assert_eq!(count(&sac, "SG2a", "Physical Abuse", 2), 1);
    assert_eq!(column_sum(&sac, "SG2a", 2), 2);
    assert_eq!(count(&sac, "SG2a_b1", "Physical Abuse", 0), 1);
    assert_eq!(
        count(&sac, "SG2c", "Risk identified and action taken", 0),
        1
    );
    assert_eq!(count(&sac, "SG2e", "Risk reduced", 0), 1);
    assert_eq!(count(&sac, "SG3a", "No, they did not lack capacity", 0), 1);
    assert_eq!(
        count(
            &sac,
            "SG4a",
            "Yes they were asked and outcomes were expressed",
            0
        ),
        1
    );
    assert_eq!(count(&sac, "SG4a_2", "Partially Achieved", 0), 1);

    // Drill-down: managers see the records behind a figure, analysts do not.
    let cell = format!("{sac_path}/cells/SG2c/0/0");
    assert_eq!(
        analyst.call(Method::GET, &cell, None).await.status,
        StatusCode::FORBIDDEN
    );
    let behind = manager.call(Method::GET, &cell, None).await;
    assert_eq!(behind.status, StatusCode::OK, "{}", behind.body);
    let behind = behind.json();
    assert_eq!(behind["count"], 1);
    assert_eq!(behind["records"][0]["id"], eid.as_str());
    assert_eq!(behind["records"][0]["label"], "Ada Brightwater");
    let quality = manager
        .call(Method::GET, &format!("{sac_path}/quality"), None)
        .await
        .json();
    let unlinked = quality
        .as_array()
        .and_then(|q| q.iter().find(|c| c["code"] == "unlinked_adult"))
        .expect("check");
    assert_eq!(unlinked["count"], 1);
    assert_eq!(unlinked["records"][0]["record"], "concern");

    // The pages.
    let mut a = app.browser();
    a.login_ok("analyst").await;
    let page = a.get(&format!("/reports/sac?year={year}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("SG2c: Concluded Section 42 enquiries: action taken and result"));
    assert!(
        !page.contains("/cells/"),
        "no drill-down links for analysts"
    );
    let csv = a.get(&format!("/reports/sac/{year}/SG2c.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with(
        "Action taken and result,Number of enquiries\r\nRisk identified and action taken,1\r\n"
    ));
    let mut m = app.browser();
    m.login_ok("manager").await;
    let page = m.get(&format!("/reports/sac?year={year}")).await;
    assert!(page.contains(&format!("/reports/sac/{year}/cells/SG2c/0/0")));
    let cell_page = m.get(&format!("/reports/sac/{year}/cells/SG2c/0/0")).await;
    assert!(
        cell_page.contains(&format!("/enquiries/{eid}")) && cell_page.contains("Ada Brightwater")
    );
    let mut pr = app.browser();
    pr.login_ok("practitioner").await;
    assert_eq!(pr.get("/reports/sac").await.status, StatusCode::FORBIDDEN);

    // SG5 from the review register.
    m.get("/reports/reviews").await;
    let bad = m
        .post(
            "/reports/reviews",
            &[("title", "Adult K"), ("commissioned_on", "2025-02-30")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("href=\"#commissioned_on\""));
    let today = safeguard_domain::person::iso_date(time::OffsetDateTime::now_utc().date());
    let good = m
        .post(
            "/reports/reviews",
            &[
                ("title", "Adult K"),
                ("commissioned_on", "2025-02-01"),
                ("completed_on", today.as_str()),
                ("individuals_died", "1"),
                ("individuals_survived", "0"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let sac = analyst.call(Method::GET, &sac_path, None).await.json();
    assert_eq!(
        count(&sac, "SG5a", "Where one or more individuals died", 0),
        1
    );
    assert_eq!(
        count(&sac, "SG5b", "Who suffered serious harm and died", 0),
        1
    );
    assert_eq!(
        analyst
            .call(Method::GET, "/api/v1/reports/sac/2025-27", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}

/// The count of the bar labelled `label` in a set of bars from the API.
fn bar(bars: &serde_json::Value, label: &str) -> u64 {
    bars["bars"]
        .as_array()
        .and_then(|b| b.iter().find(|x| x["label"] == label))
        .and_then(|x| x["count"].as_u64())
        .unwrap_or_else(|| panic!("bar {label}"))
}

/// A concluded enquiry, a concern about a care provider and one about
/// an unknown adult: the dashboard shows Making Safeguarding Personal,
/// risk outcomes, timeliness, patterns and providers, for the whole
/// council and filtered by team and period, as charts with tables.
pub async fn dashboard_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (_ada, eid, manager) = enquiry_for(&app, "ada brightwater").await;
    let p = propose_conclusion(
        &app,
        &eid,
        serde_json::json!({
            "risk_types": ["financial"], "locations": ["own_home"], "sources": ["known"],
            "action_result": "risk_action", "risk_outcome": "removed", "capacity": "did_not_lack",
            "asked": "yes_expressed"
        }),
        "fully",
    )
    .await;
    let mut analyst = Api::new(&app);
    analyst.sign_in("analyst").await;
    let before = analyst
        .call(Method::GET, "/api/v1/reports/dashboard", None)
        .await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    let before = before.json();
    assert_eq!(before["overdue"]["awaiting_sign_off"], 1);
    assert_eq!(before["msp"]["asked"]["total"], 0, "not signed off yet");
    assert_eq!(
        manager
            .call(
                Method::POST,
                &format!("/api/v1/enquiries/{eid}/sign-off"),
                Some(r#"{"approve":true}"#)
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    // A concern about a care home, named as the provider; one about an unknown adult, waiting.
    let home = serde_json::json!({
        "raiser_kind": "staff", "raiser_name": "A district nurse", "channel": "phone",
        "what_happened": "Residents at Larch House are left in wet beds for hours.",
        "where_happened": "Larch House", "location_type": "care_home_nursing",
        "adults": [{"name": "A resident"}], "immediate_danger": "no", "consent": "dont_know",
        "suspected_types": ["neglect", "organisational"]
    });
    let r = p
        .call(Method::POST, "/api/v1/concerns", Some(&home.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cid = r.json()["id"].as_str().expect("id").to_string();
    let provider = manager
        .call(
            Method::POST,
            "/api/v1/providers",
            Some(r#"{"name":"Larch House","kind":"care_home_nursing"}"#),
        )
        .await
        .json();
    let pid = provider["id"].as_str().expect("id").to_string();
    assert_eq!(
        manager
            .call(
                Method::PUT,
                &format!("/api/v1/concerns/{cid}/provider"),
                Some(&serde_json::json!({ "provider_id": pid }).to_string())
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    let d = analyst
        .call(Method::GET, "/api/v1/reports/dashboard", None)
        .await
        .json();
    assert_eq!(d["concerns"], 2);
    assert_eq!(d["msp"]["asked"]["total"], 1);
    assert_eq!(d["msp"]["asked_per_mille"], 1000);
    assert_eq!(bar(&d["msp"]["achieved"], "Fully Achieved"), 1);
    assert_eq!(bar(&d["risk_outcomes"], "Risk removed"), 1);
    assert_eq!(d["overdue"]["awaiting_sign_off"], 0);
    // Decided the day it came in; the care-home concern is still waiting.
    assert_eq!(d["timeliness"]["decided"], 1);
    assert_eq!(d["timeliness"]["within_target"], 1);
    assert_eq!(d["timeliness"]["waiting"], 1);
    assert_eq!(bar(&d["by_type"], "Organisational Abuse"), 1);
    assert_eq!(bar(&d["by_location"], "Care Home - Nursing"), 1);
    assert_eq!(bar(&d["by_source"], "Someone who works for a service"), 1);
    assert_eq!(
        bar(&d["by_source"], "A family member, friend or neighbour"),
        1
    );
    assert_eq!(d["providers"][0]["name"], "Larch House");
    assert_eq!(d["providers"][0]["total"], 1);

    // By team: the hub decided Ada's concern; the North team has nothing yet.
    let teams = app.db.store.list_teams().await.expect("teams");
    let team = |name: &str| {
        teams
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.id.clone())
            .expect("team")
    };
    let hub = analyst
        .call(
            Method::GET,
            &format!(
                "/api/v1/reports/dashboard?team={}",
                team("Adult Safeguarding Hub")
            ),
            None,
        )
        .await
        .json();
    assert_eq!(hub["concerns"], 1, "the waiting concern has no team yet");
    assert_eq!(hub["msp"]["asked"]["total"], 1);
    let north = analyst
        .call(
            Method::GET,
            &format!(
                "/api/v1/reports/dashboard?team={}",
                team("North Locality Team")
            ),
            None,
        )
        .await
        .json();
    assert_eq!(north["concerns"], 0);
    assert_eq!(north["msp"]["asked"]["total"], 0);
    // A period before anything happened.
    let old = analyst
        .call(
            Method::GET,
            "/api/v1/reports/dashboard?from=2020-04-01&to=2021-03-31",
            None,
        )
        .await
        .json();
    assert_eq!(old["concerns"], 0);
    assert_eq!(old["months"].as_array().map(Vec::len), Some(12));
    // Bad filters are refused with the field named.
    let bad = analyst
        .call(
            Method::GET,
            "/api/v1/reports/dashboard?from=2026-13-01",
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("from"));
    let bad = analyst
        .call(Method::GET, "/api/v1/reports/dashboard?team=nope", None)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The page: charts as named images with the figures in tables beside them.
    let mut m = app.browser();
    m.login_ok("manager").await;
    let page = m.get("/reports/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("<svg") && page.contains("role=\"img\""));
    assert!(page.contains("aria-labelledby=\"risk-outcomes-title risk-outcomes-desc\""));
    assert!(page.contains("Risk outcomes: the figures"));
    assert!(
        page.contains("href=\"/providers/"),
        "managers can open the provider"
    );
    assert!(page.contains("href=\"/concerns?state=new\""));
    let bad = m.get("/reports/dashboard?to=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("href=\"#to\"") && !bad.contains("<svg"));
    let mut a = app.browser();
    a.login_ok("analyst").await;
    let page = a.get("/reports/dashboard").await;
    assert!(page.contains("Larch House") && !page.contains("href=\"/providers/"));
    let mut pr = app.browser();
    pr.login_ok("practitioner").await;
    assert_eq!(
        pr.get("/reports/dashboard").await.status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}
