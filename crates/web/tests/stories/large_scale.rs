//! Large-scale (organisational) enquiries: opened from a provider alert,
//! linking the adults' enquiries without changing them or the SAC return,
//! with their own plan, meetings and closure; need-to-know kept.

use axum::http::{Method, StatusCode};
use safeguard_domain::sac::Year;
use safeguard_store::testing::TestDb;

use crate::support::{Api, TestApp};

async fn created(api: &Api, path: &str, body: serde_json::Value) -> String {
    let r = api.call(Method::POST, path, Some(&body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
    r.json()["id"].as_str().expect("id").to_string()
}

/// An adult with a Section 42 enquiry from a concern about `provider`:
/// (person, concern, enquiry).
async fn adult_at(m: &Api, given: &str, provider: &str) -> (String, String, String) {
    let pid = created(
        m,
        "/api/v1/people?create_anyway=true",
        serde_json::json!({"given_name": given, "family_name": "Larch", "date_of_birth": "1936-04-05"}),
    )
    .await;
    let cid = created(
        m,
        "/api/v1/concerns",
        serde_json::json!({
            "raiser_kind": "staff", "raiser_name": "District nurse", "channel": "phone",
            "what_happened": "Pressure sores not reported by the home.", "adults": [{"person_id": pid}],
            "provider_id": provider, "immediate_danger": "no", "consent": "yes"
        }),
    )
    .await;
    let eid = crate::enquiries::decide_for(m, &cid, &pid).await;
    (pid, cid, eid)
}

pub async fn large_scale_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let year = Year::containing(time::OffsetDateTime::now_utc().date()).to_string();
    let mut m = Api::new(&app);
    m.sign_in("manager").await;
    let mut p = Api::new(&app);
    p.sign_in("practitioner").await;
    let home = created(
        &m,
        "/api/v1/providers",
        serde_json::json!({"name": "Birchwood Lodge", "kind": "care_home_nursing", "address": "2 Vale Road", "postcode": "NB4 4BB"}),
    )
    .await;
    let (ann, _, ea) = adult_at(&m, "Annis", &home).await;
    let (_, _, eb) = adult_at(&m, "Bram", &home).await;
    // Annis's enquiry concluded and signed off: the SAC return counts it.
    let o = created(
        &p,
        &format!("/api/v1/enquiries/{ea}/outcomes"),
        serde_json::json!({"text": "To be kept comfortable", "expressed_by": "person"}),
    )
    .await;
    let c = serde_json::json!({
        "risk_types": ["neglect"], "locations": ["care_home_nursing"], "sources": ["service_provider"],
        "provider_id": home, "action_result": "risk_action", "risk_outcome": "reduced", "capacity": "did_not_lack",
        "asked": "yes_expressed", "achievements": [{"outcome_id": o, "achievement": "fully"}]
    });
    let r = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{ea}/conclusion"),
            Some(&c.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{ea}/sign-off"),
            Some(r#"{"approve":true}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let sac = format!("/api/v1/reports/sac/{year}");
    let before = m.call(Method::GET, &sac, None).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);

    // The two concerns raised a provider alert; a large-scale enquiry is
    // opened from it (managers only), deciding it.
    let alerts = m.call(Method::GET, "/api/v1/alerts", None).await.json();
    let alert = alerts
        .as_array()
        .expect("alerts")
        .iter()
        .find(|a| a["subject_id"] == home.as_str() && a["rule"] == "provider")
        .and_then(|a| a["id"].as_str())
        .expect("provider alert")
        .to_string();
    let open = serde_json::json!({"provider_id": home, "alert_id": alert, "reason": "Pressure sores at Birchwood Lodge for two residents in a month."});
    assert_eq!(
        p.call(
            Method::POST,
            "/api/v1/large-scale-enquiries",
            Some(&open.to_string())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let bad = m
        .call(
            Method::POST,
            "/api/v1/large-scale-enquiries",
            Some(&serde_json::json!({"provider_id": home}).to_string()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("reason"));
    let lse = created(&m, "/api/v1/large-scale-enquiries", open).await;
    let decided = m
        .call(Method::GET, &format!("/api/v1/alerts/{alert}"), None)
        .await
        .json();
    assert_eq!(decided["decision"], "large_scale");

    // The adults' enquiries are linked; each stays as it was, and so does the SAC.
    for e in [&ea, &eb] {
        let r = m
            .call(
                Method::POST,
                &format!("/api/v1/large-scale-enquiries/{lse}/links"),
                Some(&serde_json::json!({"enquiry_id": e}).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let again = m
        .call(
            Method::POST,
            &format!("/api/v1/large-scale-enquiries/{lse}/links"),
            Some(&serde_json::json!({"enquiry_id": ea}).to_string()),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let after = m.call(Method::GET, &sac, None).await;
    assert_eq!(
        before.body, after.body,
        "the SAC counts each adult, unchanged"
    );
    let e = m
        .call(Method::GET, &format!("/api/v1/enquiries/{eb}"), None)
        .await
        .json();
    assert_eq!(e["state"], "open");
    let chron = m
        .call(
            Method::GET,
            &format!("/api/v1/people/{ann}/chronology"),
            None,
        )
        .await
        .body;
    assert!(
        chron.contains("large-scale enquiry about Birchwood Lodge"),
        "{chron}"
    );

    // Its own plan and meetings, worked on by case workers.
    let action = created(
        &p,
        &format!("/api/v1/large-scale-enquiries/{lse}/actions"),
        serde_json::json!({"description": "Pressure-care training for all nursing staff", "owner": "Birchwood Lodge registered manager", "by_provider": "yes", "due_on": "2099-01-31"}),
    )
    .await;
    let future = p
        .call(
            Method::POST,
            &format!("/api/v1/large-scale-enquiries/{lse}/meetings"),
            Some(r#"{"kind":"strategy","held_on":"2099-01-01","attendees":"Council, CQC","summary":"Plan"}"#),
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    let today = time::OffsetDateTime::now_utc().date().to_string();
    created(
        &p,
        &format!("/api/v1/large-scale-enquiries/{lse}/meetings"),
        serde_json::json!({"kind": "strategy", "held_on": today, "attendees": "Council, CQC inspector, ICB quality lead, the home's manager", "summary": "Agreed unannounced visits and a pressure-care audit."}),
    )
    .await;
    // Closing waits for the plan.
    let closure = serde_json::json!({"outcome": "substantiated", "summary": "Training done; audit shows no new sores."});
    assert_eq!(
        p.call(
            Method::POST,
            &format!("/api/v1/large-scale-enquiries/{lse}/close"),
            Some(&closure.to_string())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let early = m
        .call(
            Method::POST,
            &format!("/api/v1/large-scale-enquiries/{lse}/close"),
            Some(&closure.to_string()),
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("1 open action"), "{}", early.body);
    let r = p
        .call(
            Method::PUT,
            &format!("/api/v1/large-scale-enquiries/{lse}/actions/{action}"),
            Some(r#"{"status":"done"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/large-scale-enquiries/{lse}/close"),
            Some(&closure.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let late = p
        .call(
            Method::POST,
            &format!("/api/v1/large-scale-enquiries/{lse}/actions"),
            Some(r#"{"description":"x","owner":"y","due_on":"2099-01-01"}"#),
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = m
        .call(
            Method::GET,
            &format!("/api/v1/large-scale-enquiries/{lse}"),
            None,
        )
        .await
        .json();
    assert_eq!(v["state"], "closed");
    assert_eq!(v["outcome"], "substantiated");
    assert_eq!(v["linked_total"], 2);
    assert_eq!(v["enquiry_ids"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["meetings"].as_array().map(Vec::len), Some(1));
    let trail = crate::audit_for(&app, &lse).await;
    for verb in ["create", "update", "close", "view"] {
        assert!(trail.iter().any(|(_, a, _)| a == verb), "{verb}: {trail:?}");
    }

    // Need-to-know: another team's worker sees it, and that two adults are
    // linked, but not whose enquiries; partners see nothing.
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    let north = app.api_as("north.worker").await;
    let v = north
        .call(
            Method::GET,
            &format!("/api/v1/large-scale-enquiries/{lse}"),
            None,
        )
        .await
        .json();
    assert_eq!(v["linked_total"], 2);
    assert_eq!(v["enquiry_ids"].as_array().map(Vec::len), Some(0));
    let mut partner = Api::new(&app);
    partner.sign_in("partner").await;
    assert_eq!(
        partner
            .call(
                Method::GET,
                &format!("/api/v1/large-scale-enquiries/{lse}"),
                None
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The pages.
    let mut b = app.browser();
    b.login_ok("manager").await;
    let page = b.get(&format!("/large-scale-enquiries/{lse}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Pressure-care training for all nursing staff"));
    assert!(page.contains("The provider&#x27;s action") || page.contains("The provider's action"));
    assert!(page.contains("Training done; audit shows no new sores."));
    let mut nb = app.browser();
    nb.login_ok("north.worker").await;
    let north_page = nb.get(&format!("/large-scale-enquiries/{lse}")).await;
    assert!(
        north_page.contains("2 linked enquiries are outside your need-to-know"),
        "{}",
        north_page.body
    );
    assert!(!north_page.contains("Annis"));
    let summary = b.get(&format!("/enquiries/{eb}")).await;
    assert!(summary.contains("Part of a"), "{}", summary.body);
    let prov = b.get(&format!("/providers/{home}")).await;
    assert!(prov.contains(&format!("/large-scale-enquiries/{lse}")));
    // A second one opened by hand from the provider's page: the reason is needed.
    let bad = b
        .post(
            "/large-scale-enquiries",
            &[("provider_id", home.as_str()), ("reason", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Open a large-scale enquiry about Birchwood Lodge"));
    let ok = b
        .post(
            "/large-scale-enquiries",
            &[
                ("provider_id", home.as_str()),
                ("reason", "New concerns about night staffing."),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let second = b.get(ok.location()).await;
    assert!(second.contains("The large-scale enquiry is open."));
    assert!(
        second.contains("Link an adult"),
        "both enquiries may be linked again here"
    );
    let list = b.get("/large-scale-enquiries").await;
    assert!(list.contains("Birchwood Lodge"));
    app.finish().await;
}
