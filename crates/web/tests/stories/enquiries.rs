//! The enquiry led by the person, as its users live it.

use axum::http::{Method, StatusCode};
use safeguard_store::testing::{TestDb, count_raw, execute_raw, kept_drift};

use crate::support::{Api, TestApp};

const DECISION: [(&str, &str); 8] = [
    ("needs_care_and_support", "yes"),
    ("needs_evidence", "Dementia; home care"),
    ("experiencing_abuse", "yes"),
    ("abuse_evidence", "Pension card kept by carer"),
    ("unable_to_protect", "yes"),
    ("unable_evidence", "Relies on the carer"),
    ("outcome", "section_42"),
    ("reasons", "All three conditions met"),
];

/// A concern about Ada, recorded by a practitioner on her record; returns the concern id.
async fn concern_about_ada(app: &TestApp) -> (String, String) {
    concern_about(app, "ada brightwater").await
}

/// A concern about the demo person found by `name`, recorded by a
/// practitioner on their record: (the concern's id, the person's id).
pub async fn concern_about(app: &TestApp, name: &str) -> (String, String) {
    let ada = app.db.store.people_named(name).await.expect("q")[0]
        .id
        .to_string();
    let mut api = Api::new(app);
    api.sign_in("practitioner").await;
    let body = serde_json::json!({
        "raiser_kind": "family_friend", "raiser_name": "Sam Brightwater", "channel": "phone",
        "what_happened": "Her carer keeps her pension card.", "adults": [{"person_id": ada}],
        "immediate_danger": "no", "consent": "yes"
    });
    let r = api
        .call(Method::POST, "/api/v1/concerns", Some(&body.to_string()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (r.json()["id"].as_str().expect("id").to_string(), ada)
}

/// The decision above as a JSON body.
pub fn decision_json() -> serde_json::Value {
    DECISION
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The manager's Section 42 decision on concern `cid`, and the id of the
/// enquiry it opened about person `pid`.
pub async fn decide_for(m: &Api, cid: &str, pid: &str) -> String {
    let decided = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(&decision_json().to_string()),
        )
        .await;
    assert_eq!(decided.status, StatusCode::NO_CONTENT, "{}", decided.body);
    m.call(Method::GET, "/api/v1/enquiries?state=open", None)
        .await
        .json()["enquiries"]
        .as_array()
        .expect("enquiries")
        .iter()
        .find(|e| e["person_id"] == pid)
        .and_then(|e| e["id"].as_str())
        .expect("the enquiry")
        .to_string()
}

/// A Section 42 enquiry about Ada, opened by a manager's decision: (Ada's id,
/// the enquiry's id, the manager's API client).
async fn enquiry_for_ada(app: &TestApp) -> (String, String, Api) {
    enquiry_for(app, "ada brightwater").await
}

/// A Section 42 enquiry about the demo person found by `name`, as [`enquiry_for_ada`].
pub async fn enquiry_for(app: &TestApp, name: &str) -> (String, String, Api) {
    let (cid, ada) = concern_about(app, name).await;
    let mut m = Api::new(app);
    m.sign_in("manager").await;
    let decided = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(&decision_json().to_string()),
        )
        .await;
    assert_eq!(decided.status, StatusCode::NO_CONTENT, "{}", decided.body);
    let list = m
        .call(Method::GET, "/api/v1/enquiries?state=open", None)
        .await
        .json();
    let eid = list["enquiries"][0]["id"]
        .as_str()
        .expect("an enquiry was opened")
        .to_string();
    (ada, eid, m)
}

/// From the triage decision to a signed-off conclusion, with the person's
/// own words asked first, revisited, and rated at the end.
pub async fn enquiry_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (cid, ada) = concern_about_ada(&app).await;
    let mut m = app.browser();
    m.login_ok("manager").await;
    m.get(&format!("/concerns/{cid}")).await;
    let decided = m
        .post(&format!("/concerns/{cid}/decision"), &DECISION)
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let concern = m.get(&format!("/concerns/{cid}")).await;
    assert!(
        concern.contains("Section 42 enquiry for Ada Brightwater"),
        "the decision opens an enquiry"
    );
    let eid = concern
        .body
        .split("href=\"/enquiries/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("enquiry link")
        .to_string();
    let page = m.get(&format!("/enquiries/{eid}")).await;
    assert!(page.contains("Not allocated yet") && page.contains("No lead allocated yet"));
    assert!(
        m.get(&format!("/enquiries/{eid}/voice"))
            .await
            .contains("not service actions")
    );
    let bad = m
        .post(
            &format!("/enquiries/{eid}/allocate"),
            &[("lead", "partner")],
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only council staff lead"
    );
    assert_eq!(
        m.post(
            &format!("/enquiries/{eid}/allocate"),
            &[("lead", "practitioner")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );

    // The practitioner asks Ada what she wants, in her words.
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    let page = p.get(&format!("/enquiries/{eid}")).await;
    assert!(page.contains("Priya Okafor"), "the lead is shown");
    assert!(
        !p.get(&format!("/enquiries/{eid}/conclusion"))
            .await
            .contains("Sign off the conclusion")
    );
    let bad = p
        .post(
            &format!("/enquiries/{eid}/outcomes"),
            &[
                ("text", "To keep seeing my grandson"),
                ("expressed_by", "representative"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("href=\"#representative\""));
    assert!(
        bad.contains("To keep seeing my grandson</textarea>"),
        "typed words are kept"
    );
    p.post(
        &format!("/enquiries/{eid}/outcomes"),
        &[
            ("text", "To feel safe in my own home"),
            ("expressed_by", "person"),
        ],
    )
    .await;
    p.post(
        &format!("/enquiries/{eid}/outcomes"),
        &[("text", "To get my pension card back")],
    )
    .await;
    p.post(
        &format!("/enquiries/{eid}/outcomes"),
        &[("text", "For the carer to be sacked")],
    )
    .await;
    let outcomes = app.db.store.outcomes(&eid).await.expect("q");
    assert_eq!(outcomes.len(), 3);
    let (safe, card, sacked) = (
        outcomes[0].id.clone(),
        outcomes[1].id.clone(),
        outcomes[2].id.clone(),
    );
    // Revisited: reworded, and one dropped — with the history kept.
    let field = format!("reword_{card}");
    p.post(
        &format!("/enquiries/{eid}/outcomes/{card}/reword"),
        &[(field.as_str(), "To manage my own money again")],
    )
    .await;
    p.post(&format!("/enquiries/{eid}/outcomes/{sacked}/drop"), &[])
        .await;
    let page = p.get(&format!("/enquiries/{eid}/voice")).await;
    assert!(page.contains("To manage my own money again") && page.contains("No longer wanted"));
    assert!(
        page.contains("To get my pension card back"),
        "the earlier words stay in the history"
    );
    assert!(page.contains("Yes they were asked and outcomes were expressed"));

    // The conclusion: the domain's rules, then a good one.
    let bad = p
        .post(
            &format!("/enquiries/{eid}/conclusion"),
            &[
                ("risk_types", "financial"),
                ("locations", "own_home"),
                ("sources", "service_provider"),
                ("action_result", "risk_action"),
                ("capacity", "did_not_lack"),
                ("concl_asked", "yes_expressed"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in [
        "risk_outcome",
        "provider_id",
        &format!("achievement_{safe}"),
    ] {
        assert!(
            bad.contains(&format!("href=\"#{f}\"")),
            "{f} should be at fault"
        );
    }
    assert!(
        bad.contains("value=\"financial\" checked"),
        "choices are kept"
    );
    let a_safe = format!("achievement_{safe}");
    let c_safe = format!("comment_{safe}");
    let a_card = format!("achievement_{card}");
    let good: Vec<(&str, &str)> = vec![
        ("risk_types", "financial"),
        ("risk_types", "psychological"),
        ("locations", "own_home"),
        ("sources", "known"),
        ("action_result", "risk_action"),
        ("risk_outcome", "reduced"),
        ("capacity", "did_not_lack"),
        ("concl_asked", "yes_expressed"),
        (a_safe.as_str(), "fully"),
        (c_safe.as_str(), "I sleep better now"),
        (a_card.as_str(), "partially"),
    ];
    let proposed = p.post(&format!("/enquiries/{eid}/conclusion"), &good).await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    assert_eq!(
        app.db
            .store
            .enquiry(&eid)
            .await
            .expect("q")
            .expect("e")
            .state,
        "awaiting_sign_off"
    );
    // While waiting, outcomes cannot change, and practitioners cannot sign off.
    let locked = p
        .post(
            &format!("/enquiries/{eid}/outcomes"),
            &[("text", "Another")],
        )
        .await;
    assert_eq!(locked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(locked.contains("waiting for sign-off"));
    assert_eq!(
        p.post(&format!("/enquiries/{eid}/sign-off"), &[("approve", "yes")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The manager returns it once, saying what needs to change, then signs
    // it off. A return without a reason is refused and changes nothing.
    safeguard_store::testing::execute_raw(
        &app.db.store,
        "UPDATE users SET email = 'priya@example.test' WHERE username = 'practitioner'",
    )
    .await
    .expect("address");
    m.get(&format!("/enquiries/{eid}")).await;
    let bare = m
        .post(&format!("/enquiries/{eid}/sign-off"), &[("approve", "no")])
        .await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.contains("Enter what needs to change"), "{}", bare.body);
    assert_eq!(
        app.db
            .store
            .enquiry(&eid)
            .await
            .expect("q")
            .expect("e")
            .state,
        "awaiting_sign_off"
    );
    let returned = m
        .post(
            &format!("/enquiries/{eid}/sign-off"),
            &[
                ("approve", "no"),
                ("return_reason", "Say how Ada was told about the outcome"),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
    assert_eq!(
        app.db
            .store
            .enquiry(&eid)
            .await
            .expect("q")
            .expect("e")
            .state,
        "open"
    );
    // The lead is told: on their home page, the enquiry and by email; what
    // they proposed is kept for them to change.
    let home = p.get("/").await;
    assert!(
        home.contains("Conclusions returned to you"),
        "{}",
        home.body
    );
    assert!(home.contains("Say how Ada was told about the outcome"));
    let back = p.get(&format!("/enquiries/{eid}/conclusion")).await;
    assert!(back.contains("Returned for changes"));
    assert!(back.contains("What you proposed is filled in below"));
    assert!(
        !back.contains("Signed off</dt>"),
        "no 'Signed off: Not yet'"
    );
    assert!(
        back.contains(r#"value="risk_action" checked"#)
            && back.contains(r#"value="financial" checked"#),
        "the proposed answers are filled in"
    );
    assert_eq!(
        safeguard_store::testing::count_raw(
            &app.db.store,
            "SELECT COUNT(*) FROM email_outbox WHERE to_address = 'priya@example.test' \
             AND subject = 'A conclusion was returned for changes' AND body NOT LIKE '%Brightwater%'"
        )
        .await
        .expect("outbox"),
        1,
        "one email, naming no one"
    );
    let api = app.api_as("manager").await;
    let r = api
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/sign-off"),
            Some(r#"{"approve":false}"#),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the API asks for the reason too (and it is open now anyway)"
    );
    assert_eq!(
        p.post(&format!("/enquiries/{eid}/conclusion"), &good)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let signed = m
        .post(&format!("/enquiries/{eid}/sign-off"), &[("approve", "yes")])
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let page = m.get(&format!("/enquiries/{eid}/conclusion")).await;
    assert!(page.contains("Concluded") && page.contains("Risk reduced"));
    let voice = m.get(&format!("/enquiries/{eid}/voice")).await;
    assert!(voice.contains("Fully Achieved") && voice.contains("I sleep better now"));
    assert!(
        m.get(&format!("/enquiries/{eid}"))
            .await
            .contains(r#"<div class="govuk-task-list__status" id="task-5-status">Completed</div>"#),
        "the summary shows the conclusion done"
    );
    let again = m
        .post(&format!("/enquiries/{eid}/sign-off"), &[("approve", "yes")])
        .await;
    assert!(
        again.contains("concluded and cannot change"),
        "a concluded enquiry stays concluded"
    );
    assert!(
        !page.contains("Conclusions returned to you")
            && page.contains("Returned for changes before (1)"),
        "the return stays in the enquiry's history"
    );
    assert!(
        !p.get("/").await.contains("Conclusions returned to you"),
        "proposed again: nothing waits for the lead"
    );
    let person = m.get(&format!("/people/{ada}")).await;
    assert!(person.contains("Conclusion returned for changes: Say how Ada was told"));
    assert!(person.contains("Enquiry concluded and signed off: Risk identified and action taken"));
    assert!(person.contains("Section 42 enquiry opened"));
    app.finish().await;
}

/// An enquiry outcome needs a person record for each adult; partners see no enquiries.
pub async fn enquiry_needs_people_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let public = Api::new(&app);
    let r = public
        .call(Method::POST, "/api/v1/public/concerns", Some(r#"{"raiser_kind":"public","what_happened":"Shouting","adults":[{"name":"Nobody Known"}],"immediate_danger":"no","consent":"yes"}"#))
        .await
        .json();
    let cid = r["id"].as_str().expect("id").to_string();
    let mut m = Api::new(&app);
    m.sign_in("manager").await;
    let body = decision_json();
    let res = m
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Link each adult"));

    // A large-scale concern: two adults, one linked before the decision and one after; each gets an enquiry.
    let two = public
        .call(Method::POST, "/api/v1/public/concerns", Some(r#"{"raiser_kind":"staff","what_happened":"Night staff shout at residents","adults":[{"name":"Edith Brightwater"},{"name":"Harjit Sandhu"}],"immediate_danger":"no","consent":"not_asked","consent_reason":"others_at_risk"}"#))
        .await
        .json();
    let cid2 = two["id"].as_str().expect("id").to_string();
    let edith = app
        .db
        .store
        .people_named("edith brightwater")
        .await
        .expect("q")[0]
        .id
        .to_string();
    let harjit = app.db.store.people_named("harjit sandhu").await.expect("q")[0]
        .id
        .to_string();
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/concerns/{cid2}/adults/0/link"),
            Some(&serde_json::json!({"person_id": edith}).to_string())
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/concerns/{cid2}/decision"),
            Some(&body.to_string())
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.db
            .store
            .enquiries_for_concern(&cid2)
            .await
            .expect("q")
            .len(),
        1
    );
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/concerns/{cid2}/adults/1/link"),
            Some(&serde_json::json!({"person_id": harjit}).to_string())
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let both = app.db.store.enquiries_for_concern(&cid2).await.expect("q");
    assert_eq!(both.len(), 2, "the adult linked later gets an enquiry too");
    assert!(both.iter().any(|e| e.person_id == harjit));
    // Both people are held by the manager who decided: the one linked before
    // the decision and the one linked after it.
    for pid in [&edith, &harjit] {
        let sql = format!("SELECT COUNT(*) FROM person_deciders WHERE person_id = '{pid}'");
        assert_eq!(
            count_raw(&app.db.store, &sql).await.expect("count"),
            1,
            "{sql}"
        );
    }
    assert_eq!(kept_drift(&app.db.store).await.expect("drift"), 0);
    // A decision's decider is a record, never rewritten (the kept deciders
    // count on it); the database refuses even a direct change.
    let rewrite = format!(
        "UPDATE triage_decisions SET decided_by = (SELECT id FROM users WHERE username = 'practitioner') \
         WHERE concern_id = '{cid2}'"
    );
    assert!(
        execute_raw(&app.db.store, &rewrite).await.is_err(),
        "{rewrite}"
    );
    assert_eq!(kept_drift(&app.db.store).await.expect("drift"), 0);
    let mut partner = Api::new(&app);
    partner.sign_in("partner").await;
    assert_eq!(
        partner
            .call(Method::GET, "/api/v1/enquiries", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}

/// The same enquiry through the JSON API, with illegal moves refused.
pub async fn api_enquiry_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (cid, _) = concern_about_ada(&app).await;
    let mut m = Api::new(&app);
    m.sign_in("manager").await;
    let body = decision_json();
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(&body.to_string())
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let list = m
        .call(Method::GET, "/api/v1/enquiries?state=open", None)
        .await
        .json();
    let eid = list["enquiries"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(list["enquiries"][0]["kind"], "section_42");
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"agency":"Northbridge Hospitals NHS Trust"}"#)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let mut p = Api::new(&app);
    p.sign_in("practitioner").await;
    let o = p.call(Method::POST, &format!("/api/v1/enquiries/{eid}/outcomes"), Some(r#"{"text":"To keep seeing my daughter","expressed_by":"representative","representative":"Sam, her son"}"#)).await;
    assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
    let oid = o.json()["id"].as_str().expect("id").to_string();
    assert_eq!(
        p.call(
            Method::PUT,
            &format!("/api/v1/enquiries/{eid}/outcomes/{oid}"),
            Some(r#"{"text":"To see my daughter every week"}"#)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        p.call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/sign-off"),
            Some(r#"{"approve":true}"#)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let early = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/sign-off"),
            Some(r#"{"approve":true}"#),
        )
        .await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing to sign off yet"
    );
    let c = serde_json::json!({
        "risk_types": ["neglect"], "locations": ["hospital_acute"], "sources": ["unknown"],
        "action_result": "no_risk_no_action", "risk_outcome": "removed", "capacity": "lacked",
        "asked": "yes_expressed", "achievements": [{"outcome_id": oid, "achievement": "not"}]
    });
    let bad = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/conclusion"),
            Some(&c.to_string()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["fields"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or("").into())
        .collect();
    assert!(
        fields.contains(&"risk_outcome".to_string())
            && fields.contains(&"capacity_support".to_string()),
        "{fields:?}"
    );
    let mut c = c;
    c["risk_outcome"] = serde_json::Value::Null;
    c["capacity_support"] = true.into();
    assert_eq!(
        p.call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/conclusion"),
            Some(&c.to_string())
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/sign-off"),
            Some(r#"{"approve":true}"#)
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let e = m
        .call(Method::GET, &format!("/api/v1/enquiries/{eid}"), None)
        .await
        .json();
    assert_eq!(e["state"], "concluded");
    assert_eq!(e["conclusion"]["signed_off"], true);
    assert_eq!(e["outcomes"][0]["achievement"], "not");
    assert_eq!(e["outcomes"][0]["text"], "To see my daughter every week");
    let late = p
        .call(
            Method::DELETE,
            &format!("/api/v1/enquiries/{eid}/outcomes/{oid}"),
            None,
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "concluded enquiries cannot change"
    );
    app.finish().await;
}

/// Advocacy, capacity and consent are recorded with the law's rules, by
/// pages and through the API, and show on the person's chronology.
pub async fn rights_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (ada, eid, _manager) = enquiry_for_ada(&app).await;

    let mut p = app.browser();
    p.login_ok("practitioner").await;
    p.get(&format!("/enquiries/{eid}")).await;
    // Advocacy: a difficulty and nobody appropriate means an advocate, so a referral date is asked for.
    let adv = [
        ("understanding", "yes"),
        ("retaining", "no"),
        ("using_weighing", "yes"),
        ("communicating", "no"),
        ("appropriate_person", "no"),
    ];
    let bad = p
        .post(&format!("/enquiries/{eid}/records/advocacy"), &adv)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.contains("href=\"#referred_on\"")
            && bad.contains("<details class=\"govuk-details\" open>"),
        "the form stays open with its error"
    );
    let mut good = adv.to_vec();
    good.push(("referred_on", "2026-11-20"));
    good.push(("advocate", "Jo Example, Northbridge Advocacy"));
    assert_eq!(
        p.post(&format!("/enquiries/{eid}/records/advocacy"), &good)
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // A long assessment can be saved as a draft and finished later; the draft is forgotten once saved.
    let draft = p
        .post(
            &format!("/enquiries/{eid}/records/capacity"),
            &[
                ("action", "draft"),
                ("decision", "Whether to let her carer manage her money"),
                ("evidence", "Half written"),
            ],
        )
        .await;
    assert_eq!(draft.status, StatusCode::SEE_OTHER);
    let later = p.get(&format!("/enquiries/{eid}/safeguards")).await;
    assert!(later.contains("You have unfinished drafts, filled in below: capacity assessment"));
    assert!(later.contains("Half written</textarea>"));
    assert!(
        p.get(&format!("/enquiries/{eid}"))
            .await
            .contains(&format!(r#"You have unfinished drafts: <a class="govuk-link" href="/enquiries/{eid}/safeguards">capacity assessment</a>"#)),
        "the summary links to the draft's task"
    );
    let home = p.get("/").await;
    assert!(
        home.contains("Forms you saved to finish")
            && home.contains(&format!(
                "href=\"/enquiries/{eid}/safeguards\">A capacity assessment on an enquiry"
            )),
        "the home page lists the draft: {}",
        home.body
    );
    let mut m_browser = app.browser();
    m_browser.login_ok("manager").await;
    assert!(
        !m_browser
            .get(&format!("/enquiries/{eid}/safeguards"))
            .await
            .contains("Half written"),
        "drafts are the user's own"
    );

    // Capacity: decision-specific; lacking it needs impairment, causal link and best interests.
    let cap = [
        ("decision", "Whether to let her carer manage her money"),
        ("help_given", "Explained with her son present; easy read"),
        ("understand", "yes"),
        ("retain", "no"),
        ("use_weigh", "no"),
        ("communicate", "yes"),
        (
            "evidence",
            "Could not recall the explanation after ten minutes",
        ),
        ("impairment", "Alzheimer's disease"),
        ("causal_link", "yes"),
    ];
    let bad = p
        .post(&format!("/enquiries/{eid}/records/capacity"), &cap)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.contains("href=\"#bi_decision\"") && bad.contains("Alzheimer&#39;s disease</textarea>"),
        "the capacity form keeps what was typed"
    );
    let mut good = cap.to_vec();
    good.extend([
        ("bi_wishes", "Values her independence"),
        ("bi_consulted", "Son; GP"),
        ("bi_less_restrictive", "Appointee via the bank"),
        (
            "bi_decision",
            "Son to become appointee; carer not to handle money",
        ),
    ]);
    assert_eq!(
        p.post(&format!("/enquiries/{eid}/records/capacity"), &good)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Nothing asked twice: the conclusion form starts from the assessment.
    let page = p.get(&format!("/enquiries/{eid}/conclusion")).await;
    assert!(
        page.contains(r#"value="lacked" checked"#),
        "the capacity answer comes from the assessment"
    );

    // Consent refused but the team goes ahead: only with a lawful reason.
    let mut papi = Api::new(&app);
    papi.sign_in("practitioner").await;
    let c = serde_json::json!({"subject": "sharing", "detail": "Northbridge Police", "status": "refused", "proceeding": "yes"});
    let bad = papi
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/records/consent"),
            Some(&c.to_string()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["fields"][0]["field"], "override_reason");
    let mut c = c;
    c["override_reason"] = "serious_crime".into();
    assert_eq!(
        papi.call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/records/consent"),
            Some(&c.to_string())
        )
        .await
        .status,
        StatusCode::CREATED
    );

    let recs = papi
        .call(
            Method::GET,
            &format!("/api/v1/enquiries/{eid}/records"),
            None,
        )
        .await
        .json();
    let kinds: Vec<&str> = recs
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    assert_eq!(kinds, vec!["advocacy", "capacity", "consent"]);
    assert_eq!(recs[0]["data"]["advocate_required"], true);
    assert_eq!(recs[1]["data"]["lacks_capacity"], true);
    let page = p.get(&format!("/enquiries/{eid}/safeguards")).await;
    assert!(
        page.contains("Lacks capacity for this decision")
            && page.contains("A serious crime has been or may be committed")
    );
    let person = p.get(&format!("/people/{ada}")).await;
    assert!(
        person.contains("an independent advocate is required")
            && person.contains("lacks capacity for this decision")
    );

    // Consent and capacity linked: going ahead in her best interests rests
    // on the assessment for that decision, which the form offers by name.
    let cap_id = recs[1]["id"].as_str().expect("id").to_string();
    assert!(
        page.contains(&format!(
            "<option value=\"{cap_id}\">“Whether to let her carer manage her money”"
        )),
        "the consent and share forms offer the enquiry's assessments"
    );
    let bi = serde_json::json!({"subject": "action", "detail": "Son becomes appointee",
        "status": "refused", "proceeding": "yes", "override_reason": "best_interests"});
    let unlinked = papi
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/records/consent"),
            Some(&bi.to_string()),
        )
        .await;
    assert_eq!(unlinked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unlinked.json()["fields"][0]["field"], "capacity_id");
    let mut bi = bi;
    bi["capacity_id"] = "not-a-record".into();
    assert_eq!(
        papi.call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/records/consent"),
            Some(&bi.to_string())
        )
        .await
        .json()["fields"][0]["field"],
        "capacity_id"
    );
    bi["capacity_id"] = cap_id.as_str().into();
    assert_eq!(
        papi.call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/records/consent"),
            Some(&bi.to_string())
        )
        .await
        .status,
        StatusCode::CREATED
    );
    // A share because she lacks capacity: on the page, without then with it.
    let share = [
        ("share_what", "That her son is to become appointee"),
        ("share_agency", "Northbridge Police"),
        ("share_purpose", "So officers know who manages her money"),
        ("share_article6", "public_task"),
        ("share_article9", "safeguarding"),
        ("share_consent", "lacks_capacity"),
        ("share_override_reason", "best_interests"),
        (
            "share_override_detail",
            "She cannot weigh who handles her money",
        ),
    ];
    let bad = p.post(&format!("/enquiries/{eid}/shares"), &share).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.contains("href=\"#share_capacity_id\"")
            && bad.contains("record one on the enquiry first"),
        "{}",
        bad.body
    );
    let mut good = share.to_vec();
    good.push(("share_capacity_id", cap_id.as_str()));
    assert_eq!(
        p.post(&format!("/enquiries/{eid}/shares"), &good)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let chronology = p.get(&format!("/people/{ada}/chronology")).await;
    assert!(
        chronology.contains("(capacity assessment about &#34;Whether to let her carer manage her money&#34;: lacks capacity)"),
        "{}",
        chronology.body
    );

    // Nothing asked twice: the conclusion carries the assessment's finding
    // over; answering otherwise needs a reason, kept and on the chronology.
    let page = p.get(&format!("/enquiries/{eid}/conclusion")).await;
    assert!(page.contains("Capacity, from the capacity assessments: Yes, they lacked capacity"));
    let concl = [
        ("risk_types", "financial"),
        ("locations", "own_home"),
        ("sources", "known"),
        ("action_result", "no_risk_no_action"),
        ("capacity", "did_not_lack"),
        ("concl_asked", "no"),
    ];
    let bad = p
        .post(&format!("/enquiries/{eid}/conclusion"), &concl)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.contains("href=\"#change_reason\"")
            && bad.contains("You changed what the enquiry recorded (whether they lacked capacity"),
        "{}",
        bad.body
    );
    let mut good = concl.to_vec();
    good.push((
        "change_reason",
        "The assessment was about money only; she decided everything else",
    ));
    let proposed = p.post(&format!("/enquiries/{eid}/conclusion"), &good).await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    let page = p.get(&format!("/enquiries/{eid}/conclusion")).await;
    assert!(page.contains("Why it differs from what the enquiry recorded"));
    assert!(
        p.get(&format!("/people/{ada}/chronology"))
            .await
            .contains("Conclusion differs from what the enquiry recorded")
    );
    app.finish().await;
}

/// Risk balanced with choice: the person's view first, a positive
/// risk-taking agreement, and plan actions that record the less restrictive
/// options; overdue actions show on home pages.
pub async fn plan_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (ada, eid, _manager) = enquiry_for_ada(&app).await;

    let mut p = app.browser();
    p.login_ok("practitioner").await;
    p.get(&format!("/enquiries/{eid}")).await;
    let risk = [
        ("risk", "Falls on the stairs at night"),
        ("likelihood", "high"),
        ("impact", "medium"),
        ("lives_with_risk", "yes"),
    ];
    let bad = p
        .post(&format!("/enquiries/{eid}/records/risk"), &risk)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("href=\"#person_view\"") && bad.contains("href=\"#agreement\""));
    let mut good = risk.to_vec();
    good.extend([
        ("person_view", "I will not sleep downstairs in my own house"),
        (
            "agreement",
            "Stays upstairs; rails and a pendant alarm; son checks daily",
        ),
        ("review_on", "2030-01-15"),
    ]);
    assert_eq!(
        p.post(&format!("/enquiries/{eid}/records/risk"), &good)
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    let oid = p
        .post(
            &format!("/enquiries/{eid}/outcomes"),
            &[("text", "To manage my own money")],
        )
        .await;
    assert_eq!(oid.status, StatusCode::SEE_OTHER);
    let outcome = app.db.store.outcomes(&eid).await.expect("q")[0].id.clone();
    let action = [
        ("description", "Change her bank card so only she can use it"),
        ("owner", "person"),
        ("due_on", "2026-01-10"),
        ("outcome_id", outcome.as_str()),
    ];
    let bad = p.post(&format!("/enquiries/{eid}/actions"), &action).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.contains("href=\"#less_restrictive\""),
        "every protective action records less restrictive options"
    );
    let mut good = action.to_vec();
    good.push((
        "less_restrictive",
        "Bank alerts to her phone instead of a new card",
    ));
    assert_eq!(
        p.post(&format!("/enquiries/{eid}/actions"), &good)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let page = p.get(&format!("/enquiries/{eid}/plan")).await;
    assert!(
        page.contains("Overdue")
            && page.contains("For: “To manage my own money”")
            && page.contains("Positive risk-taking agreement")
    );
    assert!(
        p.get("/")
            .await
            .contains("<strong class=\"govuk-!-font-size-36\">1</strong> plan actions overdue")
    );
    let aid = app.db.store.plan_actions(&eid).await.expect("q")[0]
        .id
        .clone();
    assert_eq!(
        p.post(
            &format!("/enquiries/{eid}/actions/{aid}"),
            &[("status", "done")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert!(
        p.get("/")
            .await
            .contains("<strong class=\"govuk-!-font-size-36\">0</strong> plan actions overdue")
    );

    // The same through the API.
    let mut api = Api::new(&app);
    api.sign_in("practitioner").await;
    let a = api.call(Method::POST, &format!("/api/v1/enquiries/{eid}/actions"), Some(r#"{"description":"Talk to the bank","owner":"practitioner","due_on":"2030-01-01","less_restrictive":"None less restrictive"}"#)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let list = api
        .call(
            Method::GET,
            &format!("/api/v1/enquiries/{eid}/actions"),
            None,
        )
        .await
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let bad = api
        .call(
            Method::PUT,
            &format!("/api/v1/enquiries/{eid}/actions/{aid}"),
            Some(r#"{"status":"finished"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let person = p.get(&format!("/people/{ada}")).await;
    assert!(
        person.contains("positive risk-taking agreement, review on 15 January 2030")
            && person.contains("Plan action agreed")
    );
    app.finish().await;
}

/// At or after closure the person (or their representative) gives
/// feedback: on paper with the practitioner, or once through a link.
pub async fn feedback_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (cid, _) = concern_about_ada(&app).await;
    let mut m = Api::new(&app);
    m.sign_in("manager").await;
    let body = decision_json();
    assert_eq!(
        m.call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(&body.to_string())
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let eid = m
        .call(Method::GET, "/api/v1/enquiries?state=open", None)
        .await
        .json()["enquiries"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut p = Api::new(&app);
    p.sign_in("practitioner").await;
    let early = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/feedback-links"),
            Some(r#"{"respondent":"person"}"#),
        )
        .await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "feedback is asked at or after closure"
    );
    let c = serde_json::json!({"risk_types": ["financial"], "locations": ["own_home"], "sources": ["known"], "action_result": "no_risk_no_action", "capacity": "did_not_lack", "asked": "no"});
    assert_eq!(
        p.call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/conclusion"),
            Some(&c.to_string())
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );

    // The organisation words its own questions; representatives get their own wording.
    let qs = serde_json::json!({"questions": [
        {"code": "listened", "person": "Did you feel listened to?", "representative": "Did you feel the person was listened to?"},
        {"code": "safer", "person": "Do you feel safer?", "representative": "Is the person safer?"}
    ]});
    assert_eq!(
        p.call(
            Method::PUT,
            "/api/v1/settings/feedback-questions",
            Some(&qs.to_string())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        m.call(
            Method::PUT,
            "/api/v1/settings/feedback-questions",
            Some(&qs.to_string())
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );

    // Administrators can word them on a page too: mistakes are refused, nothing is lost.
    let mut admin = app.browser();
    admin.login_ok("admin").await;
    let page = admin.get("/admin/feedback-questions").await;
    assert_eq!(page.input_value("code_1").as_deref(), Some("safer"));
    let bad = admin
        .post(
            "/admin/feedback-questions",
            &[
                ("rows", "2"),
                ("code_0", "listened"),
                ("person_0", "Did you feel listened to?"),
                ("representative_0", "Did you feel they were listened to?"),
                ("code_1", "listened"),
                ("person_1", "Again?"),
                ("representative_1", "Again?"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.input_value("person_1").as_deref(), Some("Again?"));
    let more = admin
        .post(
            "/admin/feedback-questions",
            &[("rows", "2"), ("action", "add")],
        )
        .await;
    assert!(more.contains("Question 3"));

    // On paper.
    let mut b = app.browser();
    b.login_ok("practitioner").await;
    b.get(&format!("/enquiries/{eid}")).await;
    let bad = b
        .post(
            &format!("/enquiries/{eid}/feedback"),
            &[("respondent", "person"), ("q_listened", "yes")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("href=\"#q_safer\""));
    let ok = b
        .post(
            &format!("/enquiries/{eid}/feedback"),
            &[
                ("respondent", "person"),
                ("q_listened", "yes"),
                ("q_safer", "partly"),
                ("fb_comment", "Better than I feared"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);

    // By a one-time link, for her son.
    let made = b
        .post(
            &format!("/enquiries/{eid}/feedback-link"),
            &[("link_respondent", "representative")],
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let link = made
        .body
        .split("/feedback/")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("link shown")
        .to_string();
    let mut son = app.browser();
    let form = son.get(&format!("/feedback/{link}")).await;
    assert!(
        form.contains("Is the person safer?") && !form.contains("Do you feel safer?"),
        "the representative wording"
    );
    let bad = son
        .post_raw(&format!("/feedback/{link}"), &[("q_listened", "no")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sent = son
        .post_raw(
            &format!("/feedback/{link}"),
            &[
                ("representative", "Sam, her son"),
                ("q_listened", "no"),
                ("q_safer", "yes"),
                ("comment", "Nobody rang me back"),
            ],
        )
        .await;
    assert!(sent.contains("Thank you"), "{}", sent.status);
    let again = son
        .post_raw(
            &format!("/feedback/{link}"),
            &[
                ("representative", "Sam"),
                ("q_listened", "no"),
                ("q_safer", "yes"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE, "a link works once");
    assert_eq!(
        son.get("/feedback/not-a-token").await.status,
        StatusCode::NOT_FOUND
    );

    let page = b.get(&format!("/enquiries/{eid}/feedback")).await;
    assert!(
        page.contains("Better than I feared")
            && page.contains("Nobody rang me back")
            && page.contains("Sam, her son")
    );
    app.finish().await;
}

/// The plan summary is given to the person in their preferred language
/// where an approved translation of its fixed text exists; their own words
/// stay as they said them.
pub async fn plan_summary_translation_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (_bronwen, eid, manager) = enquiry_for(&app, "bronwen ellis-carter").await;
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    p.get(&format!("/enquiries/{eid}")).await;
    assert_eq!(
        p.post(
            &format!("/enquiries/{eid}/outcomes"),
            &[("text", "To keep having my tea in the garden")],
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let summary = format!("/enquiries/{eid}/summary");
    let welsh = p.get(&summary).await;
    assert!(
        welsh.contains("lang=\"cy\"")
            && welsh.contains("Eich cynllun diogelu, Bronwen")
            && welsh.contains("“To keep having my tea in the garden”")
            && welsh.contains("Mae&#39;r hyn a ddywedoch chi")
            && welsh.contains("Show it in English"),
        "{}",
        welsh.body
    );
    let english = p.get(&format!("{summary}?in=en")).await;
    assert!(
        english.contains("lang=\"en\"")
            && english.contains("Your safeguarding plan, Bronwen")
            && english.contains("Show it in Welsh")
    );

    // Managers look after the translations; practitioners may not.
    assert_eq!(
        p.get("/admin/summary-translations").await.status,
        StatusCode::FORBIDDEN
    );
    let mut m = app.browser();
    m.login_ok("manager").await;
    assert!(
        m.get("/admin/summary-translations")
            .await
            .contains(">Welsh</a>")
    );
    m.get("/admin/summary-translations/new").await;
    let mut form: Vec<(String, String)> = safeguard_domain::summary::TEXTS
        .iter()
        .map(|(k, e)| (format!("text_{k}"), format!("PL: {e}")))
        .collect();
    form.push(("lang".into(), "pl".into()));
    form.push(("language".into(), "Polish".into()));
    form.push(("approved_by".into(), "Language line".into()));
    let without_danger: Vec<(&str, &str)> = form
        .iter()
        .filter(|(k, _)| k != "text_danger")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let bad = m
        .post("/admin/summary-translations/new", &without_danger)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("href=\"#text_danger\"") && bad.contains("PL: What will happen"));
    let all: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        m.post("/admin/summary-translations/new", &all).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        m.get("/admin/summary-translations")
            .await
            .contains(">Polish</a>")
    );

    // Removing Welsh puts the summary back into English, saying so.
    m.get("/admin/summary-translations/cy").await;
    assert_eq!(
        m.post("/admin/summary-translations/cy", &[("action", "remove")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let now_english = p.get(&summary).await;
    assert!(
        now_english.contains("no approved translation of this summary in Welsh")
            && now_english.contains("Your safeguarding plan, Bronwen")
    );

    // The API: the same rules.
    let body = serde_json::json!({
        "language": "Welsh", "approved_by": "Language unit",
        "texts": {"title": "Eich cynllun, {name}"}
    });
    let r = manager
        .call(
            Method::PUT,
            "/api/v1/settings/summary-translations/cy",
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("texts.danger"));
    let texts: serde_json::Map<String, serde_json::Value> = safeguard_domain::summary::TEXTS
        .iter()
        .map(|(k, e)| ((*k).to_string(), format!("CY: {e}").into()))
        .collect();
    let body =
        serde_json::json!({"language": "Welsh", "approved_by": "Language unit", "texts": texts});
    let mut api = Api::new(&app);
    api.sign_in("practitioner").await;
    assert_eq!(
        api.call(
            Method::PUT,
            "/api/v1/settings/summary-translations/cy",
            Some(&body.to_string()),
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = manager
        .call(
            Method::PUT,
            "/api/v1/settings/summary-translations/cy",
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        p.get(&summary)
            .await
            .contains("CY: Your safeguarding plan, Bronwen")
    );
    let list = api
        .call(Method::GET, "/api/v1/settings/summary-translations", None)
        .await
        .json();
    assert_eq!(list["translations"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        manager
            .call(
                Method::DELETE,
                "/api/v1/settings/summary-translations/xx",
                None
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}

/// Home pages list the work, not just counts: the manager's concerns to
/// decide, enquiries to allocate and conclusions to sign off; the lead's
/// cases and the actions due on them. The Enquiries tab opens on a list
/// with something in it.
pub async fn home_work_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (cid, ada) = concern_about(&app, "ada brightwater").await;
    let mut mb = app.browser();
    mb.login_ok("manager").await;
    let home = mb.get("/").await;
    assert!(
        home.contains("Concerns to decide, oldest first"),
        "{}",
        home.body
    );
    assert!(home.contains(&format!("/concerns/{cid}")));
    let m = app.api_as("manager").await;
    let eid = decide_for(&m, &cid, &ada).await;
    let home = mb.get("/").await;
    assert!(home.contains("Enquiries to allocate"));
    assert!(
        !home.contains("Concerns to decide"),
        "decided: nothing waits"
    );
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"lead":"practitioner"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(!mb.get("/").await.contains("Enquiries to allocate"));

    // The lead sees the case and an action overdue on it.
    let p = app.api_as("practitioner").await;
    let a = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/actions"),
            Some(r#"{"description":"Talk to the bank","owner":"practitioner","due_on":"2026-01-05","less_restrictive":"None less restrictive"}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let mut pb = app.browser();
    pb.login_ok("practitioner").await;
    let home = pb.get("/").await;
    assert!(home.contains("Your cases") && home.contains("Ada Brightwater"));
    assert!(home.contains("Plan actions due this week or overdue"));
    assert!(home.contains("Talk to the bank"));
    let list = pb.get("/enquiries").await;
    assert!(list.contains("Open enquiries") && list.contains("Ada Brightwater"));
    app.finish().await;
}

/// Partners update the actions they own: an action is owned by the person,
/// a worker or a partner agency chosen from a list (never free text); the
/// agency's staff see it with its due date on their home page and
/// `/actions`, move it on (on the chronology, audited), and no one else can.
pub async fn owned_actions_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user(
        "nhs.nurse",
        "partner",
        "Northbridge Hospitals NHS Trust",
        "Safeguarding Team",
    )
    .await;
    let (ada, eid, manager) = enquiry_for_ada(&app).await;
    let r = manager
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/allocate"),
            Some(r#"{"lead":"practitioner"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    let page = p.get(&format!("/enquiries/{eid}/plan")).await;
    assert!(
        page.contains(
            r#"<option value="Northbridge Police">Northbridge Police (the agency)</option>"#
        ) && page.contains(r#"<option value="partner">Pat Kimura, Northbridge Police</option>"#)
            && page.contains(
                r#"<option value="person">The person, with whoever they choose</option>"#
            ),
        "owners are chosen from a list: {}",
        page.body
    );
    let action = [
        ("description", "Check the CCTV at the bank branch"),
        ("owner", "Bob the builder"),
        ("due_on", "2030-01-10"),
        ("less_restrictive", "Asking Ada first; she agreed"),
    ];
    let bad = p.post(&format!("/enquiries/{eid}/actions"), &action).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Choose who will do it from the list"));
    let mut good = action.to_vec();
    good[1] = ("owner", "Northbridge Police");
    let saved = p.post(&format!("/enquiries/{eid}/actions"), &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // Every save returns to its section, with a success banner there, and
    // the task list says where each part stands.
    let to = saved
        .headers
        .get(axum::http::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(to, format!("/enquiries/{eid}/plan?saved=plan"));
    let page = p.get(&to).await;
    assert!(
        page.contains("The plan was updated, and the chronology notes it.")
            && page.contains("<h1 class=\"govuk-heading-l\">The safeguarding plan and risks</h1>")
            && page.contains(&format!(
                r#"<a href="/enquiries/{eid}" class="govuk-back-link">"#
            ))
            && !page.contains("Record a mental capacity assessment"),
        "the save returns to the plan's own page, with its banner: {}",
        page.body
    );
    assert!(
        !p.get(&format!("/enquiries/{eid}/plan"))
            .await
            .contains("The plan was updated")
    );
    // The summary lists the tasks, each with its page and where it stands;
    // the conclusion cannot start until the person's voice is recorded.
    let summary = p.get(&format!("/enquiries/{eid}")).await;
    assert!(
        summary.contains(&format!(r#"href="/enquiries/{eid}/plan" aria-describedby="task-3-status task-3-hint">The safeguarding plan and risks</a>"#))
            && summary.contains("1 action agreed")
            && summary.contains(r#"<strong class="govuk-tag govuk-tag--light-blue">In progress</strong>"#)
            && summary.contains("Cannot start yet")
            && !summary.contains(&format!(r#"href="/enquiries/{eid}/conclusion""#))
            && !summary.contains("Add an action to the plan"),
        "{}",
        summary.body
    );
    let aid = app.db.store.plan_actions(&eid).await.expect("q")[0]
        .id
        .clone();

    // The police officer sees it on their home page and moves it on.
    let mut police = app.browser();
    police.login_ok("partner").await;
    let home = police.get("/").await;
    assert!(
        home.contains("Actions you own")
            && home.contains(
                "Check the CCTV at the bank branch</a> for Ada Brightwater: due 10 January 2030"
            ),
        "{}",
        home.body
    );
    let list = police.get("/actions").await;
    assert!(list.contains("Priya Okafor") && list.contains("10 January 2030"));
    let done = police
        .post(&format!("/actions/{aid}"), &[("status", "done")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(
        police
            .get("/actions?saved=1")
            .await
            .contains("The action was updated")
    );
    let chronology = p.get(&format!("/people/{ada}/chronology")).await;
    assert!(
        chronology
            .contains("Plan action done: Check the CCTV at the bank branch (Northbridge Police)")
            && chronology.contains("Pat Kimura, Northbridge Police"),
        "{}",
        chronology.body
    );

    // Another agency's staff: not found, and the refusal is audited.
    let mut nurse = app.browser();
    nurse.login_ok("nhs.nurse").await;
    nurse.get("/actions").await;
    let refused = nurse
        .post(&format!("/actions/{aid}"), &[("status", "cancelled")])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.db.store.plan_actions(&eid).await.expect("q")[0].status,
        "done"
    );

    // The API: the agency's list with due dates, and moving it on.
    let api = app.api_as("partner").await;
    let mine = api.call(Method::GET, "/api/v1/actions", None).await.json();
    assert_eq!(mine[0]["due_on"], "2030-01-10");
    assert_eq!(mine[0]["person"], "Ada Brightwater");
    let put = api
        .call(
            Method::PUT,
            &format!("/api/v1/actions/{aid}"),
            Some(r#"{"status":"in_progress"}"#),
        )
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT);
    let bad = api
        .call(
            Method::PUT,
            &format!("/api/v1/actions/{aid}"),
            Some(r#"{"status":"sort of"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nurse_api = app.api_as("nhs.nurse").await;
    assert_eq!(
        nurse_api
            .call(Method::GET, "/api/v1/actions", None)
            .await
            .json(),
        serde_json::json!([])
    );
    app.finish().await;
}

/// What the person receives is readable: their own words apart from what a
/// representative said for them, a number to call, dates in words, and an
/// easy read or large print version where their needs are recorded.
pub async fn plan_summary_versions_story(db: TestDb) {
    let app = TestApp::new(db).await;
    // Grace has a learning disability; her record asks for easy read.
    let (_grace, eid, _manager) = enquiry_for(&app, "grace adeyemi-hollis").await;
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    p.get(&format!("/enquiries/{eid}")).await;
    p.post(
        &format!("/enquiries/{eid}/outcomes"),
        &[("text", "To choose my own clothes")],
    )
    .await;
    let rep = p
        .post(
            &format!("/enquiries/{eid}/outcomes"),
            &[
                ("text", "For Grace to stay at the day centre she likes"),
                ("expressed_by", "representative"),
                ("representative", "Ruth, her advocate"),
            ],
        )
        .await;
    assert_eq!(rep.status, StatusCode::SEE_OTHER, "{}", rep.body);
    assert_eq!(
        p.post(
            &format!("/enquiries/{eid}/actions"),
            &[
                ("description", "Choose clothes with Grace on Saturday"),
                ("owner", "person"),
                ("due_on", "2030-01-10"),
                ("less_restrictive", "She chooses; staff only help if asked"),
            ],
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let summary = format!("/enquiries/{eid}/summary");
    let easy = p.get(&summary).await;
    assert!(
        easy.contains("sg-easy-read")
            && easy.contains("<strong>Easy read</strong> (their recorded needs ask for this)")
            && easy.contains("sg-easy-read__item")
            && easy.contains("10 January 2030"),
        "{}",
        easy.body
    );
    let own = easy
        .body
        .find("“To choose my own clothes”")
        .expect("own words");
    let heading = easy
        .body
        .find("What Ruth, her advocate told us you want, speaking for you")
        .expect("the representative named");
    let theirs = easy
        .body
        .find("“For Grace to stay at the day centre she likes”")
        .expect("their words");
    assert!(
        own < heading && heading < theirs,
        "the person's words come apart from a representative's"
    );
    assert!(easy.contains("You can call us on 01632 960 001."));
    let standard = p.get(&format!("{summary}?format=standard")).await;
    assert!(
        !standard.contains("sg-easy-read\"") && standard.contains("<table class=\"govuk-table\">")
    );
    let large = p.get(&format!("{summary}?format=large_print")).await;
    assert!(large.contains("sg-large-print") && large.contains("<strong>Large print</strong>"));
    // A version that does not exist is the default one, not an error.
    assert_eq!(
        p.get(&format!("{summary}?format=braille")).await.status,
        StatusCode::OK
    );
    app.finish().await;
}
