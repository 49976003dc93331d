//! Safe at every contact: people alleged to have caused harm, and pattern
//! alerts raised as concerns arrive — each rule fires exactly when its
//! threshold is reached, and not otherwise.

use axum::http::{Method, StatusCode};
use safeguard_store::testing::TestDb;

use crate::support::{Api, TestApp};

/// A new person record made through the API: their id.
async fn person(api: &Api, given: &str, family: &str) -> String {
    let r = api
        .call(
            Method::POST,
            "/api/v1/people?create_anyway=true",
            Some(
                &serde_json::json!({"given_name": given, "family_name": family, "date_of_birth": "1940-02-03"})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().expect("id").to_string()
}

/// A concern recorded by phone about `person`, optionally about `provider`: its id.
async fn concern(api: &Api, person: &str, provider: Option<&str>) -> String {
    let mut body = serde_json::json!({
        "raiser_kind": "family_friend", "raiser_name": "A. Neighbour", "channel": "phone",
        "what_happened": "Seen with bruises again.", "adults": [{"person_id": person}],
        "immediate_danger": "no", "consent": "yes"
    });
    if let Some(p) = provider {
        body["provider_id"] = p.into();
    }
    let r = api
        .call(Method::POST, "/api/v1/concerns", Some(&body.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().expect("id").to_string()
}

async fn provider(api: &Api, name: &str, cqc: Option<&str>) -> String {
    let mut body =
        serde_json::json!({"name": name, "kind": "care_home_residential", "postcode": "NB1 1AA"});
    if let Some(c) = cqc {
        body["registration_id"] = c.into();
    }
    let r = api
        .call(Method::POST, "/api/v1/providers", Some(&body.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().expect("id").to_string()
}

/// The alerts about `subject`, as (rule, decided, concern ids sorted).
async fn alerts_about(m: &Api, subject: &str) -> Vec<(String, bool, Vec<String>)> {
    let list = m.call(Method::GET, "/api/v1/alerts", None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let mut out = Vec::new();
    for a in list.json().as_array().expect("alerts") {
        if a["subject_id"] != subject {
            continue;
        }
        let one = m
            .call(
                Method::GET,
                &format!("/api/v1/alerts/{}", a["id"].as_str().expect("id")),
                None,
            )
            .await
            .json();
        let mut ids: Vec<String> = one["concern_ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_string())
            .collect();
        ids.sort();
        out.push((
            one["rule"].as_str().unwrap_or("").to_string(),
            !one["decision"].is_null(),
            ids,
        ));
    }
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn id_of(alerts: &serde_json::Value, subject: &str, rule: &str) -> String {
    alerts
        .as_array()
        .expect("alerts")
        .iter()
        .find(|a| a["subject_id"] == subject && a["rule"] == rule)
        .and_then(|a| a["id"].as_str())
        .expect("the alert")
        .to_string()
}

/// Every rule, planted: below its threshold nothing is raised; at it,
/// exactly one alert listing the concerns behind it; a manager decides it
/// with reasons; thresholds are the council's to set.
pub async fn pattern_alerts_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut m = Api::new(&app);
    m.sign_in("manager").await;

    // Managers with an address are told of each new alert, by email.
    safeguard_store::testing::execute_raw(
        &app.db.store,
        "UPDATE users SET email = 'martin.lowe@example.test' WHERE username = 'manager'",
    )
    .await
    .expect("an address");
    // Repeat concerns about one adult: 2 in 90 days by default.
    let ann = person(&m, "Annika", "Pattern").await;
    let c1 = concern(&m, &ann, None).await;
    assert!(
        alerts_about(&m, &ann).await.is_empty(),
        "one concern is not a pattern"
    );
    let c2 = concern(&m, &ann, None).await;
    assert_eq!(
        alerts_about(&m, &ann).await,
        vec![(
            "repeat_adult".to_string(),
            false,
            sorted(vec![c1.clone(), c2.clone()])
        )]
    );
    let emails = || async {
        safeguard_store::testing::count_raw(
            &app.db.store,
            "SELECT COUNT(*) FROM email_outbox WHERE to_address = 'martin.lowe@example.test' \
             AND subject = 'A pattern alert to decide' AND body LIKE '%repeat concerns about one adult%' \
             AND body NOT LIKE '%Annika%'",
        )
        .await
        .expect("count")
    };
    assert_eq!(emails().await, 1, "told once, naming no one");
    // A third joins the undecided alert rather than raising another.
    let c3 = concern(&m, &ann, None).await;
    assert_eq!(
        alerts_about(&m, &ann).await,
        vec![(
            "repeat_adult".to_string(),
            false,
            sorted(vec![c1.clone(), c2.clone(), c3.clone()])
        )]
    );

    assert_eq!(emails().await, 1, "joining an alert tells no one again");
    // Deciding: managers only, with reasons, once; audited.
    let list = m.call(Method::GET, "/api/v1/alerts", None).await.json();
    let aid = id_of(&list, &ann, "repeat_adult");
    let mut p = Api::new(&app);
    p.sign_in("practitioner").await;
    assert_eq!(
        p.call(Method::GET, "/api/v1/alerts", None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        p.call(
            Method::POST,
            &format!("/api/v1/alerts/{aid}/decision"),
            Some(r#"{"decision":"no_action","reasons":"x"}"#)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let bad = m
        .call(
            Method::POST,
            &format!("/api/v1/alerts/{aid}/decision"),
            Some(r#"{"decision":"no_action"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("reasons"), "{}", bad.body);
    let ok = m
        .call(
            Method::POST,
            &format!("/api/v1/alerts/{aid}/decision"),
            Some(r#"{"decision":"other","reasons":"Same incident reported three times by neighbours; one enquiry covers it."}"#),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/alerts/{aid}/decision"),
            Some(r#"{"decision":"no_action","reasons":"again"}"#)
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let trail = crate::audit_for(&app, &aid).await;
    assert!(
        trail
            .iter()
            .any(|(_, a, o)| a == "decide" && o == "success"),
        "{trail:?}"
    );
    assert!(trail.iter().any(|(_, a, _)| a == "create"), "{trail:?}");
    // A new concern after the decision raises a new alert.
    let c4 = concern(&m, &ann, None).await;
    let now = alerts_about(&m, &ann).await;
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(
        now.iter()
            .any(|(_, decided, ids)| !decided && ids.contains(&c4))
    );
    // The person's page shows the alerts and the decision.
    let mut b = app.browser();
    b.login_ok("manager").await;
    let page = b.get(&format!("/people/{ann}")).await;
    assert!(
        page.contains("Repeat concerns about one adult"),
        "{}",
        page.body
    );
    assert!(page.contains("decided: Another action"));
    let alert_page = b.get(&format!("/alerts/{aid}")).await;
    assert_eq!(alert_page.status, StatusCode::OK);
    assert!(alert_page.contains("2 or more concerns about the same adult received within 90 days"));
    assert!(alert_page.contains("one enquiry covers it"));
    let home = b.get("/").await;
    assert!(home.contains("to decide"), "{}", home.body);

    // Thresholds are the council's: 3 concerns, and 1 is refused.
    let bad = m
        .call(
            Method::PUT,
            "/api/v1/pattern-rules",
            Some(r#"[{"rule":"repeat_adult","enabled":true,"threshold":0}]"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(
        m.call(
            Method::PUT,
            "/api/v1/pattern-rules",
            Some(r#"[{"rule":"repeat_adult","enabled":true,"threshold":3,"days":30}]"#)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        p.call(
            Method::PUT,
            "/api/v1/pattern-rules",
            Some(r#"[{"rule":"repeat_adult","enabled":false}]"#)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let bo = person(&m, "Bogdan", "Pattern").await;
    concern(&m, &bo, None).await;
    concern(&m, &bo, None).await;
    assert!(alerts_about(&m, &bo).await.is_empty(), "3 now needed");
    concern(&m, &bo, None).await;
    assert_eq!(alerts_about(&m, &bo).await.len(), 1);
    // Switched off, nothing is raised.
    assert_eq!(
        m.call(
            Method::PUT,
            "/api/v1/pattern-rules",
            Some(r#"[{"rule":"repeat_adult","enabled":false}]"#)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let cy = person(&m, "Cyrus", "Pattern").await;
    for _ in 0..4 {
        concern(&m, &cy, None).await;
    }
    assert!(alerts_about(&m, &cy).await.is_empty());
    let rules = m
        .call(Method::GET, "/api/v1/pattern-rules", None)
        .await
        .json();
    let ra = rules
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["rule"] == "repeat_adult")
        .expect("rule")
        .clone();
    assert_eq!(
        (ra["enabled"].as_bool(), ra["threshold"].as_i64()),
        (Some(false), Some(3))
    );

    // Concerns about one provider across adults: 2 in 90 days.
    let home_p = provider(&m, "Larchfield House", None).await;
    let dee = person(&m, "Dee", "Pattern").await;
    let eli = person(&m, "Eli", "Pattern").await;
    let d1 = concern(&m, &dee, Some(&home_p)).await;
    assert!(alerts_about(&m, &home_p).await.is_empty());
    // The second names the provider at triage, not at intake.
    let e1 = concern(&m, &eli, None).await;
    assert!(alerts_about(&m, &home_p).await.is_empty());
    for _ in 0..2 {
        assert_eq!(
            m.call(
                Method::PUT,
                &format!("/api/v1/concerns/{e1}/provider"),
                Some(&serde_json::json!({"provider_id": home_p}).to_string())
            )
            .await
            .status,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(
        alerts_about(&m, &home_p).await,
        vec![(
            "provider".to_string(),
            false,
            sorted(vec![d1.clone(), e1.clone()])
        )],
        "saving the provider twice raises one alert"
    );
    // A CQC-registered service prompts a notification check on each concern.
    let reg = provider(&m, "Larchfield House", Some("1-123456789")).await;
    let f1 = concern(&m, &dee, Some(&reg)).await;
    assert_eq!(
        alerts_about(&m, &reg).await,
        vec![("cqc_prompt".to_string(), false, vec![f1.clone()])]
    );

    // The same alleged person across adults: staff of a provider by name.
    let sam = serde_json::json!({"kind": "staff", "provider_id": home_p, "name": "Sam Lee", "relationship": "paid_staff"});
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{d1}/alleged"),
            Some(&sam.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let key = format!("lee sam@{home_p}");
    assert!(alerts_about(&m, &key).await.is_empty(), "one adult");
    // Another Sam Lee who works elsewhere is someone else.
    let other =
        serde_json::json!({"kind": "described", "name": "Sam Lee", "relationship": "stranger"});
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/concerns/{e1}/alleged"),
            Some(&other.to_string())
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert!(alerts_about(&m, &key).await.is_empty());
    let same = serde_json::json!({"kind": "staff", "provider_id": home_p, "name": "LEE, Sam", "relationship": "paid_staff"});
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/concerns/{e1}/alleged"),
            Some(&same.to_string())
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        alerts_about(&m, &key).await,
        vec![(
            "alleged_person".to_string(),
            false,
            sorted(vec![d1.clone(), e1.clone()])
        )]
    );
    // A known person's record: their allegations are counted by record.
    let gus = person(&m, "Gus", "Alleged").await;
    let fay = person(&m, "Fay", "Pattern").await;
    let g1 = concern(&m, &fay, None).await;
    let known =
        serde_json::json!({"kind": "known_person", "person_id": gus, "relationship": "family"});
    for c in [&g1, &g1] {
        let r = m
            .call(
                Method::POST,
                &format!("/api/v1/concerns/{c}/alleged"),
                Some(&known.to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    assert!(
        alerts_about(&m, &gus).await.is_empty(),
        "one adult, named twice, is still one adult"
    );
    let g2 = concern(&m, &dee, None).await;
    m.call(
        Method::POST,
        &format!("/api/v1/concerns/{g2}/alleged"),
        Some(&known.to_string()),
    )
    .await;
    assert_eq!(
        alerts_about(&m, &gus).await,
        vec![(
            "alleged_person".to_string(),
            false,
            sorted(vec![g1.clone(), g2.clone()])
        )]
    );
    // Validation: each kind needs what identifies them.
    let bad = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{g2}/alleged"),
            Some(r#"{"kind":"staff","relationship":"paid_staff"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("provider_id"), "{}", bad.body);
    // The outcome for them.
    let listed = m
        .call(Method::GET, &format!("/api/v1/concerns/{d1}/alleged"), None)
        .await
        .json();
    let sam_id = listed[0]["id"].as_str().expect("id").to_string();
    assert_eq!(listed[0]["outcome"], "pending");
    assert_eq!(
        m.call(
            Method::PUT,
            &format!("/api/v1/concerns/{d1}/alleged/{sam_id}/outcome"),
            Some(r#"{"outcome":"other"}"#)
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        m.call(
            Method::PUT,
            &format!("/api/v1/concerns/{d1}/alleged/{sam_id}/outcome"),
            Some(r#"{"outcome":"dbs","detail":"Dismissed; referred to the DBS."}"#)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    // The provider's page: alerts, staff alleged, the outcome.
    let prov = b.get(&format!("/providers/{home_p}")).await;
    assert!(
        prov.contains("Concerns about one provider or place"),
        "{}",
        prov.body
    );
    assert!(prov.contains("Sam Lee"));
    assert!(prov.contains("Referred to the Disclosure and Barring Service"));
    let concern_page = b.get(&format!("/concerns/{d1}")).await;
    assert!(concern_page.contains("People alleged to have caused harm"));
    assert!(concern_page.contains("Part of a pattern"));
    assert!(concern_page.contains("The same person alleged to have caused harm to several adults"));
    assert!(concern_page.contains("Dismissed; referred to the DBS."));

    // After an enquiry closed: a concern within 180 days raises an alert.
    let hana = person(&m, "Hana", "Pattern").await;
    let cid = concern(&m, &hana, None).await;
    let eid = crate::enquiries::decide_for(&m, &cid, &hana).await;
    let o = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/outcomes"),
            Some(r#"{"text":"To feel safe at home","expressed_by":"person"}"#),
        )
        .await;
    assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
    let oid = o.json()["id"].as_str().expect("id").to_string();
    let c = serde_json::json!({
        "risk_types": ["neglect"], "locations": ["hospital_acute"], "sources": ["unknown"],
        "action_result": "no_risk_no_action", "capacity": "lacked", "capacity_support": true,
        "asked": "yes_expressed", "achievements": [{"outcome_id": oid, "achievement": "not"}]
    });
    let concl = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/conclusion"),
            Some(&c.to_string()),
        )
        .await;
    assert_eq!(concl.status, StatusCode::NO_CONTENT, "{}", concl.body);
    let signed = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/sign-off"),
            Some(r#"{"approve":true}"#),
        )
        .await;
    assert_eq!(signed.status, StatusCode::NO_CONTENT, "{}", signed.body);
    assert!(
        !alerts_about(&m, &hana)
            .await
            .iter()
            .any(|(r, _, _)| r == "after_enquiry"),
        "no new concern yet"
    );
    let again = concern(&m, &hana, None).await;
    let after: Vec<_> = alerts_about(&m, &hana)
        .await
        .into_iter()
        .filter(|(r, _, _)| r == "after_enquiry")
        .collect();
    assert_eq!(
        after,
        vec![(
            "after_enquiry".to_string(),
            false,
            sorted(vec![cid.clone(), again.clone()])
        )]
    );

    // Need-to-know: the raiser never sees who is alleged; partners cannot ask.
    let mut partner = Api::new(&app);
    partner.sign_in("partner").await;
    assert_eq!(
        partner
            .call(Method::GET, &format!("/api/v1/concerns/{d1}/alleged"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        partner
            .call(Method::GET, "/api/v1/alerts", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}

/// The pages: a known person's name offers their records to choose from;
/// errors keep what was typed; outcomes from the enquiry; the rules page.
pub async fn alleged_pages_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (cid, ada) = crate::enquiries::concern_about(&app, "ada brightwater").await;
    let mut b = app.browser();
    b.login_ok("manager").await;
    let page = b.get(&format!("/concerns/{cid}")).await;
    assert!(page.contains("Add a person alleged to have caused harm"));
    let none = b
        .post(
            &format!("/concerns/{cid}/alleged"),
            &[("alleged_relationship", "family")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.contains("Select who the person alleged to have caused harm is"));
    // A known person by name: the records it may be are offered.
    let typed = b
        .post(
            &format!("/concerns/{cid}/alleged"),
            &[
                ("alleged_kind", "known_person"),
                ("alleged_name", "Ada Brightwater"),
                ("alleged_relationship", "family"),
            ],
        )
        .await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(typed.contains("Which record is theirs?"), "{}", typed.body);
    assert!(typed.contains(&format!("value=\"{ada}\"")));
    assert_eq!(
        typed.input_value("alleged_name").as_deref(),
        Some("Ada Brightwater")
    );
    let chosen = b
        .post(
            &format!("/concerns/{cid}/alleged"),
            &[
                ("alleged_kind", "described"),
                ("alleged_name", "Unknown caller"),
                (
                    "alleged_description",
                    "Man who rings claiming to be from the bank",
                ),
                ("alleged_relationship", "stranger"),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    let page = b.get(&format!("/concerns/{cid}")).await;
    assert!(page.contains("Man who rings claiming to be from the bank"));
    // On the enquiry: listed, and its outcome recorded there.
    let m = app.api_as("manager").await;
    let eid = crate::enquiries::decide_for(&m, &cid, &ada).await;
    let summary = b.get(&format!("/enquiries/{eid}")).await;
    assert!(summary.contains("Unknown caller"), "{}", summary.body);
    let aid = m
        .call(
            Method::GET,
            &format!("/api/v1/concerns/{cid}/alleged"),
            None,
        )
        .await
        .json()[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let bad = b
        .post(
            &format!("/enquiries/{eid}/alleged/{aid}/outcome"),
            &[(format!("outcome_{aid}").as_str(), "other")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Say what the outcome was"));
    let ok = b
        .post(
            &format!("/enquiries/{eid}/alleged/{aid}/outcome"),
            &[(format!("outcome_{aid}").as_str(), "police")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let after = b.get(ok.location()).await;
    assert!(after.contains("Referred to the police"));
    // Providers as subjects: a CQC location id is checked; a service named
    // in words is offered the records it may be, same names told apart.
    let bad = m
        .call(
            Method::POST,
            "/api/v1/providers",
            Some(r#"{"name":"Larchfield House","kind":"care_home_residential","registration_id":"CQC-42"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("registration_id"));
    let mut ids = Vec::new();
    for (kind, address) in [
        ("care_home_residential", "14 Orchard Rise, Northbridge"),
        ("home_care", "Unit 3, Mill Lane, Eastwick"),
    ] {
        let r = m
            .call(
                Method::POST,
                "/api/v1/providers",
                Some(&serde_json::json!({"name": "Larchfield House", "kind": kind, "address": address, "registration_id": "1-101234567"}).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_str().expect("id").to_string());
    }
    let named = m
        .call(
            Method::POST,
            "/api/v1/concerns",
            Some(&serde_json::json!({
                "raiser_kind": "family_friend", "raiser_name": "A daughter", "channel": "phone",
                "what_happened": "Mum was left in bed all day.", "adults": [{"name": "Mum"}],
                "provider_name": "the Larchfield care home", "immediate_danger": "no", "consent": "yes"
            }).to_string()),
        )
        .await;
    assert_eq!(named.status, StatusCode::CREATED, "{}", named.body);
    let nid = named.json()["id"].as_str().expect("id").to_string();
    let page = b.get(&format!("/concerns/{nid}")).await;
    assert!(
        page.contains("named “the Larchfield care home”"),
        "{}",
        page.body
    );
    assert!(
        page.contains("14 Orchard Rise, Northbridge")
            && page.contains("Unit 3, Mill Lane, Eastwick")
    );
    assert!(page.contains("Use this provider"));
    let used = b
        .post(
            &format!("/concerns/{nid}/provider"),
            &[("provider_id", ids[0].as_str())],
        )
        .await;
    assert_eq!(used.status, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/concerns/{nid}")).await;
    assert!(
        !page.contains("Use this provider"),
        "chosen: no longer offered"
    );
    // Its page: the concern, and the CQC prompt it raised.
    let prov = b.get(&format!("/providers/{}", ids[0])).await;
    assert!(
        prov.contains("A concern about a CQC-registered service"),
        "{}",
        prov.body
    );
    assert!(prov.contains("CQC location id") && prov.contains("1-101234567"));
    let list = b.get("/providers?q=larchfield").await;
    assert!(list.contains("Unit 3, Mill Lane, Eastwick"));

    // The rules page: the council's thresholds.
    let rules = b.get("/admin/pattern-rules").await;
    assert_eq!(rules.status, StatusCode::OK);
    assert!(rules.contains("Repeat concerns about one adult"));
    let mut form: Vec<(String, String)> = Vec::new();
    for r in [
        "repeat_adult",
        "after_enquiry",
        "provider",
        "alleged_person",
        "cqc_prompt",
    ] {
        form.push((format!("{r}_enabled"), "yes".into()));
        form.push((format!("{r}_threshold"), "2".into()));
        form.push((format!("{r}_days"), "90".into()));
    }
    form.retain(|(k, _)| k != "provider_days");
    form.push(("provider_days".into(), "9999".into()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let bad = b.post("/admin/pattern-rules", &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.contains("from 1 to 730"));
    assert_eq!(bad.input_value("provider_days").as_deref(), Some("9999"));
    let mut admin = app.browser();
    admin.login_ok("admin").await;
    assert_eq!(
        admin.get("/admin/pattern-rules").await.status,
        StatusCode::OK
    );
    assert_eq!(admin.get("/alerts").await.status, StatusCode::FORBIDDEN);
    app.finish().await;
}
