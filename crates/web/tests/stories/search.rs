//! Finding the right person: misspelt and sound-alike names, identifiers,
//! reasons for each match; likely duplicates shown before a record is made,
//! and the managers' review of the pairs made anyway.

use axum::http::{Method, StatusCode};

use crate::support::{Api, TestApp};
use safeguard_store::testing::{TestDb, count_raw, kept_drift};

/// Makes a person through the API (no likely match expected); returns the id.
async fn make(api: &Api, body: serde_json::Value) -> String {
    let r = api
        .call(Method::POST, "/api/v1/people", Some(&body.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().expect("id").to_string()
}

/// The ids and reasons a search returns, best first.
async fn search(api: &Api, q: &str) -> Vec<(String, Vec<String>)> {
    let url = format!(
        "/api/v1/people?q={}",
        q.replace(' ', "+").replace('/', "%2F")
    );
    let r = api.call(Method::GET, &url, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["people"]
        .as_array()
        .expect("people")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id").to_string(),
                p["reasons"]
                    .as_array()
                    .expect("reasons")
                    .iter()
                    .map(|r| r.as_str().expect("reason").to_string())
                    .collect(),
            )
        })
        .collect()
}

/// Misspelt, sound-alike, swapped and nicknamed names find the person
/// first, with the reason; dates of birth, postcodes and NHS numbers find
/// them too; outside need-to-know, no reason gives away the date of birth.
pub async fn search_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let p = app.api_as("practitioner").await;
    let john = make(
        &p,
        serde_json::json!({"given_name": "John", "family_name": "Smith", "date_of_birth": "1950-02-01",
            "postcode": "NB1 4QT", "nhs_number": "943 476 5870"}),
    )
    .await;
    let jane = make(
        &p,
        serde_json::json!({"given_name": "Jane", "family_name": "Smithson", "date_of_birth": "1961-07-09"}),
    )
    .await;
    let cath = make(
        &p,
        serde_json::json!({"given_name": "Catherine", "family_name": "Thompson", "other_names": ["Cath Jones"],
            "date_of_birth": "1945-04-03"}),
    )
    .await;
    make(
        &p,
        serde_json::json!({"given_name": "Thomas", "family_name": "Kent", "date_of_birth": "1945-04-03"}),
    )
    .await;

    for (q, who, why) in [
        (
            "Jhon Smtih",
            &john,
            "family name Smith is spelt like ‘smtih’",
        ),
        (
            "Jon Smyth",
            &john,
            "family name Smith is spelt like ‘smyth’",
        ),
        ("Smith John", &john, "given name John"),
        (
            "Jack Smith",
            &john,
            "given name John (‘jack’ is short for it)",
        ),
        (
            "Catherine Thomspon",
            &cath,
            "family name Thompson is spelt like ‘thomspon’",
        ),
        (
            "Kathryn Tomson",
            &cath,
            "given name Catherine sounds like ‘kathryn’",
        ),
        (
            "Kate Thompson",
            &cath,
            "given name Catherine (‘kate’ is short for it)",
        ),
        ("Cath Jones", &cath, "known as Cath Jones"),
        ("smi", &john, "family name Smith starts with ‘smi’"),
        ("Smith 1/2/1950", &john, "same date of birth"),
        ("Smith NB1 4QT", &john, "same postcode"),
        ("943 476 5870", &john, "same NHS number"),
    ] {
        let found = search(&p, q).await;
        assert!(!found.is_empty(), "{q:?} found nobody");
        assert_eq!(&found[0].0, who, "{q:?} put someone else first: {found:?}");
        assert!(
            found[0].1.iter().any(|r| r == why),
            "{q:?} reasons {:?} lack {why:?}",
            found[0].1
        );
    }
    // An exact name ranks above a near one.
    let smiths = search(&p, "Smith").await;
    assert_eq!(smiths[0].0, john);
    assert!(smiths.iter().any(|(id, _)| *id == jane), "{smiths:?}");
    // A date of birth alone finds everyone born that day, and no one else.
    let born = search(&p, "3 April 1945").await;
    assert_eq!(born.len(), 2, "{born:?}");
    // Nothing like any name finds nobody.
    assert!(search(&p, "Zebedee Quartermaine").await.is_empty());

    // The page says why too.
    let mut b = app.browser();
    b.login_ok("practitioner").await;
    b.get("/people").await;
    let page = b.post("/people", &[("q", "Jhon Smtih")]).await;
    assert!(page.contains("Why it matched"), "{}", page.body);
    assert!(page.contains("family name Smith is spelt like ‘smtih’"));

    // Outside need-to-know (another team's worker), the match shows the
    // name and who to contact, and no reason resting on the date of birth.
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    let north = app.api_as("north.worker").await;
    let seen = north
        .call(Method::GET, "/api/v1/people?q=Smith+1%2F2%2F1950", None)
        .await
        .json();
    let first = &seen["people"][0];
    assert_eq!(first["id"], john.as_str());
    assert!(first["contact"].is_string(), "{first}");
    assert!(first["date_of_birth"].is_null());
    let reasons = first["reasons"].to_string();
    assert!(reasons.contains("family name Smith"), "{reasons}");
    assert!(!reasons.contains("date of birth"), "{reasons}");
    app.finish().await;
}

/// A record about to be made that is likely someone already on record
/// shows them, with why, and nothing is made; made anyway, the pair goes
/// to the managers, who mark two people as two people.
pub async fn duplicates_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let p = app.api_as("practitioner").await;
    let ada = make(
        &p,
        serde_json::json!({"given_name": "Adaline", "family_name": "Pemberton-Hale", "date_of_birth": "1939-08-21",
            "postcode": "NB2 7RW"}),
    )
    .await;
    // The same person, misspelt, same birthday: a 409 with the match.
    let twin = serde_json::json!({"given_name": "Adeline", "family_name": "Pemberton Hale",
        "date_of_birth": "1939-08-21"});
    let r = p
        .call(Method::POST, "/api/v1/people", Some(&twin.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let body = r.json();
    assert_eq!(body["error"], "possible_duplicates");
    assert_eq!(body["people"][0]["id"], ada.as_str());
    let reasons = body["people"][0]["reasons"].to_string();
    assert!(reasons.contains("same date of birth"), "{reasons}");
    assert!(
        reasons.contains("given name Adaline is spelt like ‘Adeline’"),
        "{reasons}"
    );
    assert_eq!(
        app.db
            .store
            .people_named("pemberton")
            .await
            .expect("q")
            .len(),
        1,
        "nothing was made"
    );
    // Someone else entirely (another birthday) is made at once.
    make(
        &p,
        serde_json::json!({"given_name": "Adaline", "family_name": "Pemberton-Hale", "date_of_birth": "1972-01-30"}),
    )
    .await;
    // Made anyway: the pair is queued for managers.
    let r = p
        .call(
            Method::POST,
            "/api/v1/people?create_anyway=true",
            Some(&twin.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let made = r.json()["id"].as_str().expect("id").to_string();
    assert_eq!(
        p.call(Method::GET, "/api/v1/duplicates", None).await.status,
        StatusCode::FORBIDDEN,
        "practitioners do not review duplicates"
    );
    let m = app.api_as("manager").await;
    let queue = m.call(Method::GET, "/api/v1/duplicates", None).await.json();
    let pairs = queue["pairs"].as_array().expect("pairs");
    assert_eq!(pairs.len(), 1, "{queue}");
    assert_eq!(pairs[0]["made"]["id"], made.as_str());
    assert_eq!(pairs[0]["existing"]["id"], ada.as_str());

    // On the page: the form shows the match before anything is made, and
    // adding anyway needs the same details the check saw.
    let mut b = app.browser();
    b.login_ok("practitioner").await;
    let form = b.get("/people/new").await;
    let pid = form.input_value("person_id").expect("id");
    let fields = |extra: Vec<(&'static str, String)>| {
        let mut f: Vec<(&str, String)> = vec![
            ("action", "save".into()),
            ("given_name", "Adaline".into()),
            ("family_name", "Pemberton-Hale".into()),
            ("dob_day", "21".into()),
            ("dob_month", "8".into()),
            ("dob_year", "1939".into()),
            ("postcode", "nb2 7rw".into()),
            ("person_id", pid.clone()),
        ];
        f.extend(extra);
        f
    };
    let send = |f: &Vec<(&'static str, String)>| {
        f.iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect::<Vec<(&str, String)>>()
    };
    let first = send(&fields(vec![]));
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = b.post("/people/new", &first).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("This person may already have a record"));
    assert!(page.contains(&format!("/people/{ada}")));
    assert!(page.contains("Add a new record"));
    let checked = page
        .input_value("create_anyway")
        .expect("the check's details");
    // Details changed since the check: checked again, still nothing made.
    let changed = send(&fields(vec![
        ("create_anyway", checked.clone()),
        ("given_name", "Addy".into()),
    ]));
    let changed: Vec<(&str, &str)> = changed
        .iter()
        .filter(|(k, v)| *k != "given_name" || v == "Addy")
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let page = b.post("/people/new", &changed).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("This person may already have a record"));
    let anyway = send(&fields(vec![("create_anyway", checked)]));
    let anyway: Vec<(&str, &str)> = anyway.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = b.post("/people/new", &anyway).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // The manager reviews: marking a pair as two people
    // takes it off the list, and that is audited.
    let mut mb = app.browser();
    mb.login_ok("manager").await;
    let home = mb.get("/").await;
    assert!(home.contains("href=\"/people/duplicates\""));
    let queue = mb.get("/people/duplicates").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.contains("same date of birth"), "{}", queue.body);
    let pair = pairs[0]["id"].as_str().expect("pair id");
    let done = mb
        .post(&format!("/people/duplicates/{pair}/distinct"), &[])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let again = m
        .call(
            Method::POST,
            &format!("/api/v1/duplicates/{pair}/distinct"),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a pair is decided once");
    let left = m.call(Method::GET, "/api/v1/duplicates", None).await.json();
    // Three were queued: the API's pair, and the page's record with both
    // earlier ones.
    assert_eq!(left["pairs"].as_array().expect("pairs").len(), 2, "{left}");
    let audit = crate::audit_for(&app, pair).await;
    assert!(
        audit
            .iter()
            .any(|(_, action, outcome)| action == "decide" && outcome == "success"),
        "{audit:?}"
    );
    app.finish().await;
}

/// A concern about `pid` recorded by `p` and decided (Section 42) by `m`.
async fn case_for(p: &Api, m: &Api, pid: &str) {
    let concern = p
        .call(
            Method::POST,
            "/api/v1/concerns",
            Some(
                &serde_json::json!({"raiser_kind": "family_friend", "raiser_name": "A friend", "channel": "phone",
                    "what_happened": "Worried about money", "adults": [{"person_id": pid}],
                    "immediate_danger": "no", "consent": "yes"})
                .to_string(),
            ),
        )
        .await;
    assert_eq!(concern.status, StatusCode::CREATED, "{}", concern.body);
    let cid = concern.json()["id"].as_str().expect("id").to_string();
    let decided = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(
                r#"{"needs_care_and_support":"yes","needs_evidence":"e","experiencing_abuse":"yes",
                "abuse_evidence":"e","unable_to_protect":"yes","unable_evidence":"e","outcome":"section_42","reasons":"r"}"#,
            ),
        )
        .await;
    assert_eq!(decided.status, StatusCode::NO_CONTENT, "{}", decided.body);
}

/// How many triage decisions the database counts for the person among its
/// kept deciders (the access check's holders), after checking the kept
/// table agrees everywhere with the decisions and links as they are.
async fn decisions_kept(app: &TestApp, pid: &str) -> i64 {
    let store = &app.db.store;
    assert_eq!(
        kept_drift(store).await.expect("drift"),
        0,
        "the kept tables follow"
    );
    count_raw(
        store,
        &format!(
            "SELECT CAST(COALESCE(SUM(decisions), 0) AS BIGINT) FROM person_deciders WHERE person_id = '{pid}'"
        ),
    )
    .await
    .expect("kept deciders")
}

/// SG1a column 0 (individuals with concerns) in the current year's return.
async fn individuals(app: &TestApp) -> u64 {
    let year = safeguard_domain::sac::Year::containing(time::OffsetDateTime::now_utc().date());
    let a = app.api_as("analyst").await;
    let sac = a
        .call(Method::GET, &format!("/api/v1/reports/sac/{year}"), None)
        .await
        .json();
    sac["tables"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"] == "SG1a"))
        .and_then(|t| t["rows"].as_array())
        .map(|rs| rs.iter().filter_map(|r| r["counts"][0].as_u64()).sum())
        .unwrap_or(0)
}

/// A manager merges two records of one person, part by part: every
/// concern, enquiry and chronology entry follows, the record merged away
/// leads to the kept one and is found by no search, the return counts the
/// person once — and undoing the merge puts everything back exactly.
pub async fn merge_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let p = app.api_as("practitioner").await;
    let m = app.api_as("manager").await;
    let kept = make(
        &p,
        serde_json::json!({"given_name": "Wilhelmina", "family_name": "Oakenshaw", "postcode": "NB4 2PL",
            "other_names": ["Mina"], "what_matters_to_me": "My cat"}),
    )
    .await;
    let r = p
        .call(
            Method::POST,
            "/api/v1/people?create_anyway=true",
            Some(
                &serde_json::json!({"given_name": "Wilhelmena", "family_name": "Oakenshaw",
                    "date_of_birth": "1936-02-29", "postcode": "NB4 2PL"})
                .to_string(),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let other = r.json()["id"].as_str().expect("id").to_string();
    case_for(&p, &m, &kept).await;
    case_for(&p, &m, &other).await;
    assert_eq!(decisions_kept(&app, &kept).await, 1);
    assert_eq!(decisions_kept(&app, &other).await, 1);
    let before = individuals(&app).await;
    let kept_before = m
        .call(Method::GET, &format!("/api/v1/people/{kept}"), None)
        .await
        .json();
    let chronology = |id: String| {
        let m = &m;
        async move {
            m.call(
                Method::GET,
                &format!("/api/v1/people/{id}/chronology"),
                None,
            )
            .await
            .json()
            .as_array()
            .map_or(0, Vec::len)
        }
    };
    let (kept_entries, other_entries) = (
        chronology(kept.clone()).await,
        chronology(other.clone()).await,
    );
    assert!(other_entries > 0, "the other record has a chronology");
    // A document on the other record.
    p.upload(
        &format!("/api/v1/people/{other}/attachments?filename=tenancy.pdf"),
        "application/pdf",
        b"%PDF-1.7\n% tenancy\n".to_vec(),
    )
    .await;
    let files = |id: String| {
        let m = &m;
        async move {
            m.call(
                Method::GET,
                &format!("/api/v1/people/{id}/attachments"),
                None,
            )
            .await
            .json()
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["filename"].as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
        }
    };
    assert_eq!(files(kept.clone()).await, Vec::<String>::new());

    // Practitioners may not merge.
    let refused = p
        .call(
            Method::POST,
            &format!("/api/v1/people/{kept}/merge"),
            Some(&serde_json::json!({"merge": other}).to_string()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The manager compares, then merges on the page, taking the date of
    // birth (the kept record has none) and keeping everything else.
    let mut b = app.browser();
    b.login_ok("manager").await;
    let page = b
        .get(&format!("/people/merge?keep={kept}&merge={other}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("Wilhelmena Oakenshaw"));
    assert!(page.contains("29 February 1936"), "{}", page.body);
    let merged = b
        .post(
            "/people/merge",
            &[
                ("keep", kept.as_str()),
                ("merge", other.as_str()),
                ("date_of_birth", "other"),
                ("name", "kept"),
            ],
        )
        .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    assert_eq!(merged.location(), format!("/people/{kept}?merged=1"));

    let now = m
        .call(Method::GET, &format!("/api/v1/people/{kept}"), None)
        .await
        .json();
    assert_eq!(now["date_of_birth"], "1936-02-29");
    assert_eq!(now["what_matters_to_me"], "My cat");
    let names = now["other_names"].to_string();
    assert!(
        names.contains("Mina") && names.contains("Wilhelmena Oakenshaw"),
        "{names}"
    );
    assert_eq!(
        chronology(kept.clone()).await,
        kept_entries + other_entries,
        "the chronology follows"
    );
    assert_eq!(
        files(kept.clone()).await,
        vec!["tenancy.pdf"],
        "documents follow"
    );
    let enquiries = m
        .call(Method::GET, "/api/v1/enquiries?state=all", None)
        .await
        .json();
    let on_kept = enquiries["enquiries"]
        .as_array()
        .expect("enquiries")
        .iter()
        .filter(|e| e["person_id"] == kept.as_str())
        .count();
    assert_eq!(on_kept, 2, "both enquiries are on the kept record");
    assert_eq!(
        decisions_kept(&app, &kept).await,
        2,
        "both decisions hold it"
    );
    assert_eq!(decisions_kept(&app, &other).await, 0);
    assert_eq!(
        individuals(&app).await,
        before - 1,
        "the return counts them once"
    );
    // The record merged away leads to the kept one and is found by no search.
    let gone = m
        .call(Method::GET, &format!("/api/v1/people/{other}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert_eq!(gone.json()["error"], "merged");
    let led = b.get(&format!("/people/{other}")).await;
    assert_eq!(
        led.location(),
        format!("/people/{kept}?merged_from={other}")
    );
    let found = search(&p, "Wilhelmena Oakenshaw").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, kept);
    let queue = m.call(Method::GET, "/api/v1/duplicates", None).await.json();
    assert!(
        queue["pairs"].as_array().expect("pairs").is_empty(),
        "{queue}"
    );
    let view = b.get(&format!("/people/{kept}?merged=1")).await;
    assert!(view.contains("Records merged into this one"));
    assert!(view.contains("Date of birth"));
    // The kept record's audit trail shows the merge.
    assert!(
        crate::audit_for(&app, &kept)
            .await
            .iter()
            .any(|(_, action, outcome)| action == "merge" && outcome == "success")
    );

    // Undone: both records exactly as they were, the return as before.
    let merge_id = view
        .body
        .split("/people/merges/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("an undo button")
        .to_string();
    let undone = b
        .post(&format!("/people/merges/{merge_id}/undo"), &[])
        .await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER, "{}", undone.body);
    let mut restored = m
        .call(Method::GET, &format!("/api/v1/people/{kept}"), None)
        .await
        .json();
    let mut was = kept_before.clone();
    for v in [&mut restored, &mut was] {
        v.as_object_mut().map(|o| o.remove("version"));
    }
    assert_eq!(restored, was, "the kept record is as it was");
    assert_eq!(decisions_kept(&app, &kept).await, 1);
    assert_eq!(decisions_kept(&app, &other).await, 1);
    assert_eq!(chronology(kept.clone()).await, kept_entries);
    assert_eq!(chronology(other.clone()).await, other_entries);
    assert_eq!(files(kept.clone()).await, Vec::<String>::new());
    assert_eq!(
        files(other.clone()).await,
        vec!["tenancy.pdf"],
        "and go back"
    );
    assert_eq!(individuals(&app).await, before);
    assert_eq!(
        search(&p, "Wilhelmena Oakenshaw 29/2/1936").await[0].0,
        other
    );
    let again = m
        .call(
            Method::POST,
            &format!("/api/v1/merges/{merge_id}/undo"),
            None,
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "undone once"
    );
    let queue = m.call(Method::GET, "/api/v1/duplicates", None).await.json();
    assert_eq!(
        queue["pairs"].as_array().expect("pairs").len(),
        1,
        "the pair is back"
    );

    // Through the API: merge, then a change to the kept record blocks the
    // exact undo.
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/people/{kept}/merge"),
            Some(&serde_json::json!({"merge": other, "take_from_other": ["nonsense"]}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/people/{kept}/merge"),
            Some(
                &serde_json::json!({"merge": other, "take_from_other": ["date_of_birth"]})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let merge_id = r.json()["id"].as_str().expect("id").to_string();
    let current = m
        .call(Method::GET, &format!("/api/v1/people/{kept}"), None)
        .await
        .json();
    let mut person = serde_json::json!({});
    for k in [
        "given_name",
        "family_name",
        "other_names",
        "date_of_birth",
        "postcode",
        "gender",
        "ethnicity",
        "primary_support_reason",
        "what_matters_to_me",
    ] {
        person[k] = current[k].clone();
    }
    person["town"] = "Eastmere".into();
    let edit = m
        .call(
            Method::PUT,
            &format!("/api/v1/people/{kept}"),
            Some(&serde_json::json!({"version": current["version"], "person": person}).to_string()),
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.body);
    let blocked = m
        .call(
            Method::POST,
            &format!("/api/v1/merges/{merge_id}/undo"),
            None,
        )
        .await;
    assert_eq!(
        blocked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        blocked.body
    );
    assert!(blocked.body.contains("changed after the merge"));
    app.finish().await;
}

/// A person with a long history: their page shows the latest 50 entries of
/// the chronology and says how many there are; the chronology page has all.
pub async fn long_chronology_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let p = app.api_as("practitioner").await;
    let pid = make(
        &p,
        serde_json::json!({"given_name": "Methuselah", "family_name": "Longstaff"}),
    )
    .await;
    for i in 0..52 {
        let r = p
            .call(
                Method::POST,
                "/api/v1/concerns",
                Some(
                    &serde_json::json!({"raiser_kind": "family_friend", "raiser_name": "A neighbour",
                        "channel": "phone", "what_happened": format!("Worried again ({i})"),
                        "adults": [{"person_id": pid}], "immediate_danger": "no", "consent": "yes"})
                    .to_string(),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let all = p
        .call(
            Method::GET,
            &format!("/api/v1/people/{pid}/chronology"),
            None,
        )
        .await
        .json();
    let total = all.as_array().map_or(0, Vec::len);
    assert!(total >= 52, "{total}");
    let mut b = app.browser();
    b.login_ok("practitioner").await;
    let page = b.get(&format!("/people/{pid}")).await;
    assert!(
        page.contains(&format!("The latest 50 of {total} entries")),
        "{}",
        page.body
    );
    let rows = page
        .body
        .split("Chronology, newest first</caption>")
        .nth(1)
        .unwrap_or("");
    assert_eq!(
        rows.matches("<tr class=\"govuk-table__row\"><td").count(),
        50
    );
    let whole = b.get(&format!("/people/{pid}/chronology")).await;
    assert_eq!(whole.status, StatusCode::OK);
    app.finish().await;
}
