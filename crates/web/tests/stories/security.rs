//! Security and correctness: each story reproduces a hole found by
//! independent testing and shows it closed, on both databases.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use safeguard_store::testing::TestDb;

use crate::enquiries::enquiry_for;
use crate::support::TestApp;

/// A period at the date maximum is refused with a clear message instead of
/// looping forever (the page and the API).
pub async fn dashboard_period_is_bounded_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let api = app.api_as("manager").await;
    let r = api
        .call(
            Method::GET,
            "/api/v1/reports/dashboard?from=9999-12-01&to=9999-12-31",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body.contains("Enter a date from 1990 to 2100"),
        "{}",
        r.body
    );
    let mut b = app.browser();
    b.login_ok("manager").await;
    let page = b
        .get("/reports/dashboard?from=9999-12-01&to=9999-12-31")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.contains("Enter a date from 1990 to 2100"));
    app.finish().await;
}

/// `next` after sign-in is followed only to same-site paths: a tab or a
/// newline in it sends the user home (no open redirect, no 500).
pub async fn sign_in_redirects_stay_on_site_story(db: TestDb) {
    let app = TestApp::new(db).await;
    for next in ["/\t/evil.example/", "/\n/evil.example/", "//evil.example/"] {
        let mut b = app.browser();
        let form = b
            .get(&format!(
                "/login?next={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert_eq!(form.input_value("next").as_deref(), Some("/"), "{next:?}");
        let res = b
            .post(
                "/login",
                &[
                    ("username", "practitioner"),
                    ("password", safeguard_core::demo::DEMO_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{next:?}: {}", res.body);
        assert_eq!(res.location(), "/", "{next:?}");
    }
    let mut b = app.browser();
    b.get("/login").await;
    let res = b
        .post(
            "/login",
            &[
                ("username", "practitioner"),
                ("password", safeguard_core::demo::DEMO_PASSWORD),
                ("next", "/people?from=login"),
            ],
        )
        .await;
    assert_eq!(res.location(), "/people?from=login");
    app.finish().await;
}

/// The JSON API takes only JSON bodies (a cross-site plain form cannot post
/// a public concern), accepts the bearer scheme in any case, and secure
/// deployments send HSTS.
pub async fn api_takes_json_only_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let concern = serde_json::json!({
        "raiser_kind": "anonymous",
        "what_happened": "Residents are left in wet beds all night.",
        "adults": [{"description": "Residents on the first floor of Meadowview"}],
        "immediate_danger": "unknown", "consent": "dont_know"
    })
    .to_string();
    for kind in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        let req = Request::post("/api/v1/public/concerns")
            .header(header::CONTENT_TYPE, kind)
            .header(header::CONTENT_LENGTH, concern.len())
            .body(Body::from(concern.clone()))
            .expect("request");
        let res = app.browser().send(req).await;
        assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{kind}");
        assert!(res.body.contains("application/json"), "{}", res.body);
    }
    let req = Request::post("/api/v1/public/concerns")
        .header(header::CONTENT_LENGTH, concern.len())
        .body(Body::from(concern.clone()))
        .expect("request");
    assert_eq!(
        app.browser().send(req).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "no content type"
    );
    let req = Request::post("/api/v1/public/concerns")
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(concern))
        .expect("request");
    let res = app.browser().send(req).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

    let api = app.api_as("practitioner").await;
    let token = api.token.clone().expect("token");
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let req = Request::get("/api/v1/enquiries")
            .header(header::AUTHORIZATION, format!("{scheme} {token}"))
            .body(Body::empty())
            .expect("request");
        assert_eq!(
            app.browser().send(req).await.status,
            StatusCode::OK,
            "{scheme}"
        );
    }
    assert!(
        app.browser()
            .get("/health")
            .await
            .headers
            .get("strict-transport-security")
            .is_none(),
        "no HSTS over plain-HTTP loopback"
    );
    let (_, secure) = crate::support::router_secure(app.db.store.clone());
    let req = Request::get("/health")
        .body(Body::empty())
        .expect("request");
    let res = tower::ServiceExt::oneshot(secure, req)
        .await
        .expect("router");
    assert_eq!(
        res.headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
    app.finish().await;
}

/// A hundred sign-ins at once, none with an account: password hashing
/// never runs on more threads than there are cores, and each caller gets
/// a refusal (401) or "busy" (503), never an error.
pub async fn sign_in_hashing_is_bounded_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let mut calls = Vec::new();
    for i in 0..100 {
        let router = app.router.clone();
        calls.push(tokio::spawn(async move {
            let body = serde_json::json!({"username": format!("nobody{i}"), "password": "not the password"})
                .to_string();
            let req = Request::post("/api/v1/auth/token")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request");
            tower::ServiceExt::oneshot(router, req)
                .await
                .expect("router")
                .status()
        }));
    }
    let mut refused = 0;
    for c in calls {
        let status = c.await.expect("task");
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}"
        );
        refused += usize::from(status == StatusCode::UNAUTHORIZED);
    }
    assert!(refused > 0, "some were checked");
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let peak = app.core.hashing_peak();
    assert!(
        (1..=cores).contains(&peak),
        "{peak} hashes ran at once on {cores} cores"
    );
    app.finish().await;
}

/// Another team's manager who opens a restricted record in an emergency
/// may read it, but may not lift or change its restriction: only managers
/// on its access list may.
pub async fn break_glass_does_not_lift_a_restriction_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user("north.manager", "manager", "", "North Locality Team")
        .await;
    let (ada, _eid, hub) = enquiry_for(&app, "ada brightwater").await;
    let r = hub
        .call(
            Method::PUT,
            &format!("/api/v1/people/{ada}/restriction"),
            Some(r#"{"reason":"Her son works in the council"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let north = app.api_as("north.manager").await;
    let r = north
        .call(
            Method::POST,
            &format!("/api/v1/people/{ada}/break-glass"),
            Some(r#"{"reason":"Police on the phone about an assault tonight"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let read = north
        .call(Method::GET, &format!("/api/v1/people/{ada}"), None)
        .await;
    assert_eq!(read.status, StatusCode::OK, "the emergency opening reads");
    let lift = north
        .call(
            Method::DELETE,
            &format!("/api/v1/people/{ada}/restriction"),
            None,
        )
        .await;
    assert_eq!(lift.status, StatusCode::FORBIDDEN, "{}", lift.body);
    let change = north
        .call(
            Method::PUT,
            &format!("/api/v1/people/{ada}/restriction"),
            Some(r#"{"reason":"Widened","access_list":["north.manager"]}"#),
        )
        .await;
    assert_eq!(change.status, StatusCode::FORBIDDEN, "{}", change.body);
    let mut b = app.browser();
    b.login_ok("north.manager").await;
    b.get(&format!("/people/{ada}")).await;
    let page = b.post(&format!("/people/{ada}/unrestrict"), &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(
        app.db.store.restriction(&ada).await.expect("q").is_some(),
        "still restricted"
    );
    let denied = app
        .db
        .store
        .list_audit(
            &safeguard_store::audit::AuditFilter {
                subject_id: Some(ada.clone()),
                action: Some("unrestrict".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .expect("audit");
    assert!(
        denied
            .iter()
            .any(|e| e.outcome == "denied" && e.actor_name == "north.manager")
    );
    // A manager on the list lifts it.
    let lift = hub
        .call(
            Method::DELETE,
            &format!("/api/v1/people/{ada}/restriction"),
            None,
        )
        .await;
    assert_eq!(lift.status, StatusCode::NO_CONTENT, "{}", lift.body);
    app.finish().await;
}

/// A practitioner with no team reads the record they have just made (and
/// finds it in their lists); colleagues of other teams still see only the
/// name and who to contact.
pub async fn whoever_made_a_record_reads_it_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user("floating.worker", "practitioner", "", "")
        .await;
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    let api = app.api_as("floating.worker").await;
    let body = serde_json::json!({
        "given_name": "Perpetua", "family_name": "Nightingale-Okoro", "date_of_birth": "1949-06-01",
    });
    let created = api
        .call(Method::POST, "/api/v1/people", Some(&body.to_string()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().expect("id").to_string();
    let got = api
        .call(Method::GET, &format!("/api/v1/people/{id}"), None)
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.json()["date_of_birth"], "1949-06-01");
    let found = api
        .call(Method::GET, "/api/v1/people?q=nightingale", None)
        .await
        .json();
    assert_eq!(found["people"][0]["date_of_birth"], "1949-06-01");
    let mut b = app.browser();
    b.login_ok("floating.worker").await;
    let page = b.get(&format!("/people/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("Perpetua"));
    let other = app.api_as("north.worker").await;
    let r = other
        .call(Method::GET, &format!("/api/v1/people/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!r.body.contains("1949"));
    app.finish().await;
}

const NO_ENQUIRY: &str = r#"{"needs_care_and_support":"no","needs_evidence":"Lives independently","experiencing_abuse":"no",
    "abuse_evidence":"A fall, explained","unable_to_protect":"no","unable_evidence":"Able to say no",
    "outcome":"no_enquiry","instead":"signposting","reasons":"The three conditions are not met"}"#;

/// A concern recorded by an outsider without naming anyone.
async fn unnamed_concern(api: &crate::support::Api) -> String {
    let body = serde_json::json!({
        "raiser_kind": "family_friend", "raiser_name": "A neighbour", "channel": "phone",
        "what_happened": "Shouting at night.", "adults": [{"name": "Ada"}],
        "immediate_danger": "no", "consent": "yes"
    });
    let r = api
        .call(Method::POST, "/api/v1/concerns", Some(&body.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().expect("id").to_string()
}

/// Another team's manager cannot come to hold a case (and so read it) by
/// naming the person in a concern, by linking them, or by deciding a
/// concern a colleague linked: each needs the access it would grant, or an
/// emergency opening.
pub async fn concerns_do_not_open_records_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user("north.manager", "manager", "", "North Locality Team")
        .await;
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    let (_, ada) = crate::enquiries::concern_about(&app, "ada brightwater").await;
    let north = app.api_as("north.manager").await;
    let worker = app.api_as("north.worker").await;
    let concerns_before =
        safeguard_store::testing::count_raw(&app.db.store, "SELECT COUNT(*) FROM concerns")
            .await
            .expect("count");
    // Naming her in a new concern.
    let body = serde_json::json!({
        "raiser_kind": "family_friend", "raiser_name": "A neighbour", "channel": "phone",
        "what_happened": "Shouting at night.", "adults": [{"person_id": ada}],
        "immediate_danger": "no", "consent": "yes"
    });
    for api in [&north, &worker] {
        let r = api
            .call(Method::POST, "/api/v1/concerns", Some(&body.to_string()))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(r.json()["error"], "outside_need_to_know");
    }
    assert_eq!(
        safeguard_store::testing::count_raw(&app.db.store, "SELECT COUNT(*) FROM concerns")
            .await
            .expect("count"),
        concerns_before,
        "nothing was recorded"
    );
    // Linking her to a concern of their own, as a pair.
    let cid = unnamed_concern(&worker).await;
    let link = format!("/api/v1/concerns/{cid}/adults/0/link");
    let person = serde_json::json!({ "person_id": ada }).to_string();
    for api in [&worker, &north] {
        let r = api.call(Method::POST, &link, Some(&person)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    // A colleague who holds her links her; another team's manager still
    // cannot decide the concern and so come to hold her case.
    let hub = app.api_as("practitioner").await;
    assert_eq!(
        hub.call(Method::POST, &link, Some(&person)).await.status,
        StatusCode::NO_CONTENT
    );
    let decide = format!("/api/v1/concerns/{cid}/decision");
    let r = north.call(Method::POST, &decide, Some(NO_ENQUIRY)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        north
            .call(Method::GET, &format!("/api/v1/people/{ada}"), None)
            .await
            .status,
        StatusCode::FORBIDDEN,
        "still outside their need-to-know"
    );
    // In an emergency, with a reason, they may.
    let r = north
        .call(
            Method::POST,
            &format!("/api/v1/people/{ada}/break-glass"),
            Some(r#"{"reason":"Duty manager: the Hub is closed and police are asking"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = north.call(Method::POST, &decide, Some(NO_ENQUIRY)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    app.finish().await;
}

/// Suggested matches on a concern show someone outside a record's
/// need-to-know only what search shows them: the name and who to contact.
pub async fn suggestions_show_outsiders_only_the_name_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    let body = serde_json::json!({
        "raiser_kind": "family_friend", "raiser_name": "A neighbour", "channel": "phone",
        "what_happened": "Shouting at night.",
        "adults": [{"name": "Ada Brightwater", "age": "14/5/1938"}],
        "immediate_danger": "no", "consent": "yes"
    });
    let north = app.api_as("north.worker").await;
    let r = north
        .call(Method::POST, "/api/v1/concerns", Some(&body.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cid = r.json()["id"].as_str().expect("id").to_string();
    let ada = app
        .db
        .store
        .people_named("ada brightwater")
        .await
        .expect("q")[0]
        .clone();
    let born = ada
        .date_of_birth
        .map(|d| format!("Born {} {} {}", d.day(), d.month(), d.year()))
        .expect("Ada has a date of birth");
    let mut outsider = app.browser();
    outsider.login_ok("north.worker").await;
    let page = outsider.get(&format!("/concerns/{cid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Ada Brightwater"), "the name is suggested");
    assert!(
        page.contains("Adult Safeguarding Hub"),
        "with who to contact"
    );
    assert!(!page.contains(&born), "no date of birth for outsiders");
    assert!(
        !page.contains("same date of birth"),
        "nor reasons that rest on it"
    );
    let mut holder = app.browser();
    holder.login_ok("practitioner").await;
    let page = holder.get(&format!("/concerns/{cid}")).await;
    assert!(
        page.contains(&born),
        "the holding team sees the match in full"
    );
    assert!(page.contains("same date of birth"));
    app.finish().await;
}

/// The id of the demo person found by `name`.
async fn person_id(app: &TestApp, name: &str) -> String {
    app.db.store.people_named(name).await.expect("q")[0]
        .id
        .to_string()
}

/// A quality check's record ids from the API.
fn quality_ids(quality: &serde_json::Value, code: &str) -> Vec<String> {
    quality
        .as_array()
        .and_then(|q| q.iter().find(|c| c["code"] == code))
        .unwrap_or_else(|| panic!("check {code}"))["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

const S42: &str = r#"{"needs_care_and_support":"yes","needs_evidence":"Dementia","experiencing_abuse":"yes",
    "abuse_evidence":"Pension card kept","unable_to_protect":"yes","unable_evidence":"Relies on the carer",
    "outcome":"section_42","reasons":"All three conditions met"}"#;

/// One person is one adult at risk: naming them twice in a concern, or
/// linking a second adult to them, is refused with a field error; the
/// decision opens one enquiry (it gave a 500 before).
pub async fn one_person_once_in_a_concern_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let ada = person_id(&app, "ada brightwater").await;
    let p = app.api_as("practitioner").await;
    let twice = serde_json::json!({
        "raiser_kind": "family_friend", "raiser_name": "A neighbour", "channel": "phone",
        "what_happened": "Shouting at night.", "adults": [{"person_id": ada}, {"person_id": ada}],
        "immediate_danger": "no", "consent": "yes"
    });
    let r = p
        .call(Method::POST, "/api/v1/concerns", Some(&twice.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("adults_1_person_id"), "{}", r.body);
    let two = serde_json::json!({
        "raiser_kind": "family_friend", "raiser_name": "A neighbour", "channel": "phone",
        "what_happened": "Shouting at night.", "adults": [{"name": "Ada"}, {"name": "Ada B"}],
        "immediate_danger": "no", "consent": "yes"
    });
    let r = p
        .call(Method::POST, "/api/v1/concerns", Some(&two.to_string()))
        .await;
    let cid = r.json()["id"].as_str().expect("id").to_string();
    let person = serde_json::json!({ "person_id": ada }).to_string();
    let first = p
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/adults/0/link"),
            Some(&person),
        )
        .await;
    assert_eq!(first.status, StatusCode::NO_CONTENT, "{}", first.body);
    let second = p
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/adults/1/link"),
            Some(&person),
        )
        .await;
    assert_eq!(
        second.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        second.body
    );
    assert!(second.body.contains("already named in the concern"));
    let m = app.api_as("manager").await;
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(S42),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let n = safeguard_store::testing::count_raw(
        &app.db.store,
        &format!("SELECT COUNT(*) FROM enquiries WHERE concern_id = '{cid}'"),
    )
    .await
    .expect("count");
    assert_eq!(n, 1);
    app.finish().await;
}

/// An adult linked before the decision cannot be re-linked after it (which
/// opened a second enquiry and counted twice); enquiries whose person the
/// concern no longer names are a data-quality fault, listed.
pub async fn no_relinking_after_the_decision_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (ada, eid, m) = enquiry_for(&app, "ada brightwater").await;
    let bart = person_id(&app, "tomasz").await;
    let cid = safeguard_store::testing::count_raw(&app.db.store, "SELECT COUNT(*) FROM enquiries")
        .await
        .expect("count");
    assert_eq!(cid, 1);
    let concern = m.call(Method::GET, "/api/v1/concerns", None).await.json();
    let cid = concern["concerns"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let p = app.api_as("practitioner").await;
    let r = p
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/adults/0/link"),
            Some(&serde_json::json!({ "person_id": bart }).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("already linked"), "{}", r.body);
    let enquiries =
        safeguard_store::testing::count_raw(&app.db.store, "SELECT COUNT(*) FROM enquiries")
            .await
            .expect("count");
    assert_eq!(enquiries, 1, "no second enquiry");
    // A record re-linked before this release: the check lists the enquiry.
    safeguard_store::testing::execute_raw(
        &app.db.store,
        &format!("UPDATE concern_adults SET person_id = '{bart}' WHERE concern_id = '{cid}' AND person_id = '{ada}'"),
    )
    .await
    .expect("legacy re-link");
    let year = safeguard_domain::sac::Year::containing(time::OffsetDateTime::now_utc().date());
    let quality = m
        .call(
            Method::GET,
            &format!("/api/v1/reports/sac/{year}/quality"),
            None,
        )
        .await
        .json();
    assert_eq!(quality_ids(&quality, "enquiry_person_not_named"), vec![eid]);
    app.finish().await;
}

/// Someone under 18 on 31 March is not an adult of the collection: listed
/// as a data-quality fault with the person, never counted as "Age not
/// recorded" (which is for missing dates of birth only).
pub async fn under_18s_are_a_quality_fault_not_an_age_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let year = safeguard_domain::sac::Year::containing(time::OffsetDateTime::now_utc().date());
    let sac_path = format!("/api/v1/reports/sac/{year}");
    let m = app.api_as("manager").await;
    let before = m.call(Method::GET, &sac_path, None).await.json();
    let p = app.api_as("practitioner").await;
    let dob = format!("{}-06-01", year.start_year() - 10);
    let child = p
        .call(
            Method::POST,
            "/api/v1/people",
            Some(&serde_json::json!({"given_name": "Tobias", "family_name": "Youngling", "date_of_birth": dob}).to_string()),
        )
        .await;
    assert_eq!(child.status, StatusCode::CREATED, "{}", child.body);
    let child = child.json()["id"].as_str().expect("id").to_string();
    let r = p
        .call(
            Method::POST,
            "/api/v1/concerns",
            Some(&serde_json::json!({
                "raiser_kind": "family_friend", "raiser_name": "A neighbour", "channel": "phone",
                "what_happened": "Left alone for days.", "adults": [{"person_id": child}],
                "immediate_danger": "no", "consent": "yes"
            }).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let after = m.call(Method::GET, &sac_path, None).await.json();
    let not_recorded = |sac: &serde_json::Value| {
        sac["tables"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["id"] == "SG1a"))
            .and_then(|t| t["rows"].as_array())
            .and_then(|rs| rs.iter().find(|r| r["label"] == "Age not recorded"))
            .map(|r| r["counts"][0].as_u64().unwrap_or(0))
            .unwrap_or(0)
    };
    assert_eq!(
        not_recorded(&after),
        not_recorded(&before),
        "not 'Age not recorded'"
    );
    let quality = m
        .call(Method::GET, &format!("{sac_path}/quality"), None)
        .await
        .json();
    assert!(quality_ids(&quality, "under_18").contains(&child));
    app.finish().await;
}

/// At 00:30 London time on 1 April (23:30 UTC on 31 March) a concern and
/// the enquiry it opens are dated 1 April: the new financial year.
pub async fn dates_are_the_organisations_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let ctx = safeguard_core::Ctx::default();
    let at = time::macros::datetime!(2026-03-31 23:30 UTC);
    let login = |name: &'static str| {
        let core = app.core.clone();
        async move {
            core.login(
                name,
                safeguard_core::demo::DEMO_PASSWORD,
                "/",
                &safeguard_core::Ctx::default(),
                at,
            )
            .await
            .expect("login")
            .done()
            .expect("no second factor")
            .actor
        }
    };
    let practitioner = login("practitioner").await;
    let manager = login("manager").await;
    let ada = person_id(&app, "ada brightwater").await;
    let raw: safeguard_domain::concern::RawConcern = serde_json::from_value(serde_json::json!({
        "raiser_kind": "family_friend", "raiser_name": "A neighbour", "channel": "phone",
        "what_happened": "Shouting at night.", "adults": [{"person_id": ada}],
        "immediate_danger": "no", "consent": "yes"
    }))
    .expect("raw concern");
    let receipt = app
        .core
        .raise_concern(&practitioner, None, &raw, &ctx, at)
        .await
        .expect("raised");
    let decision: safeguard_domain::concern::RawDecision =
        serde_json::from_str(S42).expect("raw decision");
    app.core
        .decide_concern(&manager, &receipt.concern_id, &decision, &ctx, at)
        .await
        .expect("decided");
    let dated = |sql: String| {
        let store = app.db.store.clone();
        async move {
            safeguard_store::testing::count_raw(&store, &sql)
                .await
                .expect("count")
        }
    };
    assert_eq!(
        dated(format!(
            "SELECT COUNT(*) FROM concerns WHERE id = '{}' AND received_on = '2026-04-01'",
            receipt.concern_id
        ))
        .await,
        1
    );
    assert_eq!(
        dated(format!(
            "SELECT COUNT(*) FROM enquiries WHERE concern_id = '{}' AND started_on = '2026-04-01'",
            receipt.concern_id
        ))
        .await,
        1
    );
    // A council elsewhere configures its own zone.
    let (utc, _) = crate::support::router_with(
        app.db.store.clone(),
        safeguard_core::CoreConfig {
            time_zone: safeguard_core::OrgZone::named("UTC").expect("UTC"),
            ..crate::support::config()
        },
    );
    assert_eq!(utc.today(at), time::macros::date!(2026 - 03 - 31));
    app.finish().await;
}

/// A bearer token from `username`'s password (or the refusal's status).
async fn token_for(app: &TestApp, username: &str, password: &str) -> Result<String, StatusCode> {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let r = crate::support::Api::new(app)
        .call(Method::POST, "/api/v1/auth/token", Some(&body))
        .await;
    if r.status == StatusCode::OK {
        Ok(r.json()["token"].as_str().expect("token").to_string())
    } else {
        Err(r.status)
    }
}

/// What a request with `token` gets.
async fn with_token(app: &TestApp, token: &str) -> StatusCode {
    let mut api = crate::support::Api::new(app);
    api.token = Some(token.to_string());
    api.call(Method::GET, "/api/v1/enquiries", None)
        .await
        .status
}

/// Everything can be revoked: API sign-out ends the token; an
/// administrator disables an account, lists and ends its sessions and
/// tokens, and sends a reset link; anyone changes their own password.
pub async fn credentials_can_be_revoked_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let pw = safeguard_core::demo::DEMO_PASSWORD;
    // Signing out of the API ends the token.
    let t = token_for(&app, "practitioner", pw).await.expect("token");
    assert_eq!(with_token(&app, &t).await, StatusCode::OK);
    let mut api = crate::support::Api::new(&app);
    api.token = Some(t.clone());
    assert_eq!(
        api.call(Method::DELETE, "/api/v1/auth/token", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(with_token(&app, &t).await, StatusCode::UNAUTHORIZED);

    // The administrator sees the practitioner's session and token, ends one, then all.
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    let t1 = token_for(&app, "practitioner", pw).await.expect("token");
    let t2 = token_for(&app, "practitioner", pw).await.expect("token");
    let pid = app
        .db
        .store
        .user_by_username("practitioner")
        .await
        .expect("q")
        .expect("user")
        .id;
    let mut admin = app.browser();
    admin.login_ok("admin").await;
    let page = admin.get(&format!("/admin/users/{pid}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("Signed-in session") && page.contains("API token"));
    assert!(
        !page.contains(&t1) && !page.contains(&t2),
        "never the secret"
    );
    let handle = safeguard_core::token_hash(&t1)[..12].to_string();
    let ended = admin
        .post(&format!("/admin/users/{pid}/credentials/{handle}/end"), &[])
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.body);
    assert_eq!(with_token(&app, &t1).await, StatusCode::UNAUTHORIZED);
    assert_eq!(with_token(&app, &t2).await, StatusCode::OK, "only that one");
    admin.get(&format!("/admin/users/{pid}")).await;
    admin
        .post(&format!("/admin/users/{pid}/end-sessions"), &[])
        .await;
    assert_eq!(with_token(&app, &t2).await, StatusCode::UNAUTHORIZED);
    assert!(
        p.get("/").await.location().starts_with("/login"),
        "signed out"
    );

    // Disabled: nothing works until enabled again.
    p.login_ok("practitioner").await;
    let t3 = token_for(&app, "practitioner", pw).await.expect("token");
    admin.get(&format!("/admin/users/{pid}")).await;
    let d = admin
        .post(&format!("/admin/users/{pid}/disable"), &[])
        .await;
    assert_eq!(d.status, StatusCode::SEE_OTHER, "{}", d.body);
    assert_eq!(with_token(&app, &t3).await, StatusCode::UNAUTHORIZED);
    assert!(p.get("/").await.location().starts_with("/login"));
    assert!(token_for(&app, "practitioner", pw).await.is_err());
    admin.get(&format!("/admin/users/{pid}")).await;
    admin.post(&format!("/admin/users/{pid}/enable"), &[]).await;
    assert!(token_for(&app, "practitioner", pw).await.is_ok());

    // A demo account has no address for a reset link: refused, with why.
    admin.get(&format!("/admin/users/{pid}")).await;
    let r = admin
        .post(&format!("/admin/users/{pid}/reset-password"), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("no email address"));

    // Changing one's own password keeps this session, ends the others and every token.
    let mut other = app.browser();
    other.login_ok("practitioner").await;
    let t4 = token_for(&app, "practitioner", pw).await.expect("token");
    p.login_ok("practitioner").await;
    p.get("/account/password").await;
    let wrong = p
        .post(
            "/account/password",
            &[
                ("current_password", "not it"),
                ("password", "a brand new passphrase"),
                ("confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.contains("href=\"#current_password\""));
    let changed = p
        .post(
            "/account/password",
            &[
                ("current_password", pw),
                ("password", "a brand new passphrase"),
                ("confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(
        p.get("/").await.status,
        StatusCode::OK,
        "this session goes on"
    );
    assert!(other.get("/").await.location().starts_with("/login"));
    assert_eq!(with_token(&app, &t4).await, StatusCode::UNAUTHORIZED);
    assert!(token_for(&app, "practitioner", pw).await.is_err());
    assert!(
        token_for(&app, "practitioner", "a brand new passphrase")
            .await
            .is_ok()
    );
    let events = app
        .db
        .store
        .list_audit(
            &safeguard_store::audit::AuditFilter {
                subject_id: Some(pid.clone()),
                ..Default::default()
            },
            100,
        )
        .await
        .expect("audit");
    for action in ["end_sessions", "disable", "enable", "set_password"] {
        assert!(
            events
                .iter()
                .any(|e| e.action == action && e.outcome == "success"),
            "{action}"
        );
    }
    app.finish().await;
}

/// An administrator cannot come to hold another account's password: the
/// accounts they make have none until the person sets it through a link
/// sent to their own address, only after a council manager of the
/// account's team (never the administrator) approves it; a reset likewise.
pub async fn administrators_never_hold_passwords_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user("north.manager", "manager", "", "North Locality Team")
        .await;
    let mut admin = app.browser();
    admin.login_ok("admin").await;
    admin.get("/admin/users/new").await;
    let with_password = admin
        .post(
            "/admin/users/new",
            &[
                ("username", "puppet"),
                ("display_name", "A Puppet"),
                ("role", "practitioner"),
                ("agency", "Northbridge Council"),
                ("team", "North Locality Team"),
                ("email", "admin.own@northbridge.example"),
                ("password", "the admin's chosen password"),
            ],
        )
        .await;
    assert_eq!(with_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    let made = admin
        .post(
            "/admin/users/new",
            &[
                ("username", "puppet"),
                ("display_name", "A Puppet"),
                ("role", "practitioner"),
                ("agency", "Northbridge Council"),
                ("team", "North Locality Team"),
                ("email", "admin.own@northbridge.example"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let added = admin.get(made.location()).await;
    assert!(added.contains("The account was added"), "{}", added.body);
    let id = made
        .location()
        .trim_start_matches("/admin/users/")
        .split('?')
        .next()
        .expect("id")
        .to_string();
    // No password works, and no link has been sent before approval.
    for guess in [
        "",
        "the admin's chosen password",
        safeguard_core::demo::DEMO_PASSWORD,
    ] {
        assert!(token_for(&app, "puppet", guess).await.is_err());
    }
    assert!(
        app.db
            .store
            .pending_emails(100)
            .await
            .expect("outbox")
            .iter()
            .all(|m| m.to_address != "admin.own@northbridge.example"),
        "nothing is sent before a manager approves"
    );
    // The administrator cannot approve; nor can a manager of another team.
    assert_eq!(
        admin
            .post(&format!("/accounts/approvals/{id}/approve"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut hub = app.browser();
    hub.login_ok("manager").await;
    hub.get("/accounts/approvals").await;
    assert_eq!(
        hub.post(&format!("/accounts/approvals/{id}/approve"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut north = app.browser();
    north.login_ok("north.manager").await;
    let list = north.get("/accounts/approvals").await;
    assert!(
        list.contains("admin.own@northbridge.example"),
        "the manager sees where it goes"
    );
    let ok = north
        .post(&format!("/accounts/approvals/{id}/approve"), &[])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // The link goes to the address only: the administrator's pages never show it.
    let link = app.emailed_link("admin.own@northbridge.example").await;
    let token = link.trim_start_matches("/account/set-password/");
    let page = admin.get(&format!("/admin/users/{id}")).await;
    assert!(!page.contains(token));
    assert!(page.contains("Waiting for the person to set a password"));
    let mut person = app.browser();
    let set = person
        .post(
            &link,
            &[
                ("password", "the person's own phrase"),
                ("confirm", "the person's own phrase"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert!(
        token_for(&app, "puppet", "the person's own phrase")
            .await
            .is_ok()
    );
    // The link works once.
    let again = person.get(&link).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // A reset: the old password stops at once; a new link goes to the person.
    admin.get(&format!("/admin/users/{id}")).await;
    let r = admin
        .post(&format!("/admin/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        token_for(&app, "puppet", "the person's own phrase")
            .await
            .is_err()
    );
    let reset = app.emailed_link("admin.own@northbridge.example").await;
    assert_ne!(reset, link);
    let set = person
        .post(
            &reset,
            &[
                ("password", "another phrase of theirs"),
                ("confirm", "another phrase of theirs"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert!(
        token_for(&app, "puppet", "another phrase of theirs")
            .await
            .is_ok()
    );
    // A team with no manager yet: any council manager approves its first accounts.
    admin.get("/admin/users/new").await;
    let south = admin
        .post(
            "/admin/users/new",
            &[
                ("username", "south.lead"),
                ("display_name", "Sam South"),
                ("role", "manager"),
                ("agency", "Northbridge Council"),
                ("team", "South Locality Team"),
                ("email", "sam.south@northbridge.example"),
            ],
        )
        .await;
    assert_eq!(south.status, StatusCode::SEE_OTHER, "{}", south.body);
    let south_id = south
        .location()
        .trim_start_matches("/admin/users/")
        .split('?')
        .next()
        .expect("id")
        .to_string();
    hub.get("/accounts/approvals").await;
    let ok = hub
        .post(&format!("/accounts/approvals/{south_id}/approve"), &[])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    app.emailed_link("sam.south@northbridge.example").await;
    app.finish().await;
}

/// With every connection of the main pool held (searches whose clients
/// have gone), the public concern form and the health check still answer
/// from their reserve; and a statement past its time limit is stopped.
pub async fn intake_and_health_never_starve_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let held = safeguard_store::testing::hold_every_connection(&app.db.store)
        .await
        .expect("hold the pool");
    let health = app.browser().get("/health").await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.body);
    let concern = serde_json::json!({
        "raiser_kind": "anonymous",
        "what_happened": "Residents are left in wet beds all night.",
        "adults": [{"description": "Residents on the first floor of Meadowview"}],
        "immediate_danger": "unknown", "consent": "dont_know"
    })
    .to_string();
    let r = crate::support::Api::new(&app)
        .call(Method::POST, "/api/v1/public/concerns", Some(&concern))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let receipt = r.json();
    let status = crate::support::Api::new(&app)
        .call(
            Method::POST,
            "/api/v1/public/concerns/status",
            Some(&serde_json::json!({"reference": receipt["reference"], "receipt_code": receipt["receipt_code"]}).to_string()),
        )
        .await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    drop(held);

    // A statement that would run for minutes is stopped at the limit.
    let limited = safeguard_store::Store::connect_with(
        &app.db.url,
        safeguard_store::StoreOptions {
            statement_timeout: Some(std::time::Duration::from_secs(1)),
            ..Default::default()
        },
    )
    .await
    .expect("store");
    let started = std::time::Instant::now();
    let err = safeguard_store::testing::run_slow_statement(&limited)
        .await
        .expect_err("stopped");
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // The connection is usable afterwards.
    limited.ping().await.expect("still answers");
    limited.close().await;
    app.finish().await;
}

/// The API answers in JSON as its document says: a path it cannot read is
/// a JSON 400, a record that does not exist is 404 (restricting one was a
/// 500), and a meeting's date comes back as YYYY-MM-DD (it was [2026,335]).
pub async fn api_answers_as_documented_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let m = app.api_as("manager").await;
    let r = m
        .call(
            Method::GET,
            "/api/v1/reports/sac/2025-26/cells/SG1a/x/y",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_eq!(r.json()["error"], "bad_request");
    for id in ["abc", "01900000-0000-7000-8000-000000000000"] {
        let r = m
            .call(
                Method::PUT,
                &format!("/api/v1/people/{id}/restriction"),
                Some(r#"{"reason":"NIL"}"#),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {}", r.body);
    }
    let (_, eid, m) = enquiry_for(&app, "ada brightwater").await;
    let p = app.api_as("practitioner").await;
    let meeting = serde_json::json!({
        "kind": "strategy", "held_on": "2026-11-02", "attendees": "Priya, police",
        "person_attendance": "attended", "decisions": "Bank to be told"
    });
    let r = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/records/meeting"),
            Some(&meeting.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let records = m
        .call(
            Method::GET,
            &format!("/api/v1/enquiries/{eid}/records"),
            None,
        )
        .await
        .json();
    let held = records
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["kind"] == "meeting"))
        .map(|r| r["data"]["held_on"].clone());
    assert_eq!(held, Some(serde_json::json!("2026-11-02")));
    // The document: a person as returned may carry its id, version and
    // SAC categories; every body is required.
    let doc = crate::support::Api::new(&app)
        .call(Method::GET, "/api/v1/openapi.json", None)
        .await
        .json();
    assert_eq!(
        doc.pointer("/components/schemas/PersonOut/allOf/0/$ref"),
        Some(&serde_json::json!("#/components/schemas/PersonFields"))
    );
    assert!(
        doc.pointer("/components/schemas/PersonFields/additionalProperties")
            .is_none()
    );
    assert!(
        doc.pointer("/components/schemas/RawPerson/additionalProperties")
            .is_some()
    );
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            if let Some(body) = op.get("requestBody") {
                assert_eq!(body["required"], true, "{method} {path}");
            }
            if path != "/api/v1/openapi.json" {
                assert!(op.pointer("/responses/400").is_some(), "{method} {path}");
            }
            if op.get("security").is_some() {
                assert!(op.pointer("/responses/401").is_some(), "{method} {path}");
            }
        }
    }
    app.finish().await;
}

/// A NUL anywhere (a search, a path, a body, a username) is refused or
/// dropped as unreadable input, never a server error (PostgreSQL cannot
/// take one).
pub async fn nul_characters_are_refused_not_500_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let m = app.api_as("manager").await;
    let r = m
        .call(Method::GET, "/api/v1/people?q=%00%C2%9B%09", None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["error"], "bad_request");
    // Other control characters in a search are only spaces.
    let r = m
        .call(Method::GET, "/api/v1/people?q=Bright%09water%C2%9B", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = m.call(Method::GET, "/api/v1/enquiries/%00", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = m
        .call(
            Method::POST,
            "/api/v1/people",
            Some(r#"{"given_name":"A\u0000da","family_name":"X"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = crate::support::Api::new(&app)
        .call(
            Method::POST,
            "/api/v1/auth/token",
            Some(r#"{"username":"mana\u0000ger","password":"x"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let mut b = app.browser();
    b.login_ok("practitioner").await;
    let page = b.post("/people", &[("q", "Bright\0water")]).await;
    assert!(!page.status.is_server_error(), "{}", page.status);
    let (ok, _) = app.core.health().await;
    assert!(ok);
    app.finish().await;
}

/// A person's page (with its chronology) is one audited view, not two: one
/// audit transaction per page (and one line in "who looked at my record").
pub async fn one_audited_view_per_page_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let ada = person_id(&app, "ada brightwater").await;
    let count = || {
        let store = app.db.store.clone();
        let ada = ada.clone();
        async move {
            safeguard_store::testing::count_raw(
                &store,
                &format!("SELECT COUNT(*) FROM audit_events WHERE subject_id = '{ada}' AND action = 'view'"),
            )
            .await
            .expect("count")
        }
    };
    let mut b = app.browser();
    b.login_ok("practitioner").await;
    for path in [
        format!("/people/{ada}"),
        format!("/people/{ada}/chronology"),
    ] {
        let before = count().await;
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.contains("Ada Brightwater"));
        assert_eq!(count().await, before + 1, "{path}: one audited view");
    }
    app.finish().await;
}
