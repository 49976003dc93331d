//! Contacts and case notes, and a chronology the worker curates: the
//! person's own words on the record, significant events with analysis, the
//! curated view, and the export.

use axum::http::{Method, StatusCode, header};
use safeguard_store::testing::{TestDb, count_raw};

use crate::support::TestApp;

/// A visit with the person's words goes on the record and the chronology;
/// a rewording of their outcome does too; the worker marks an event
/// significant with analysis, filters to the curated events and downloads
/// them as CSV. Others cannot.
pub async fn contacts_story(db: TestDb) {
    let app = TestApp::new(db).await;
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    let (ada, eid, _manager) = crate::enquiries::enquiry_for(&app, "ada brightwater").await;
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    let page = p.get(&format!("/people/{ada}/contacts")).await;
    assert!(page.contains("Record a contact or case note") && page.contains("None recorded yet"));

    // The domain's rules, every answer kept.
    let bad = p
        .post(
            &format!("/people/{ada}/contacts"),
            &[
                ("kind", "visit"),
                ("person_words", "I want him to stop coming round"),
                ("note", "Talked about her nephew's visits"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.contains("href=\"#others\"")
            && bad.contains("href=\"#person_words\"")
            && bad.contains("I want him to stop coming round</textarea>"),
        "{}",
        bad.body
    );
    let saved = p
        .post(
            &format!("/people/{ada}/contacts"),
            &[
                ("kind", "visit"),
                ("with_person", "yes"),
                ("others", "her son Sam"),
                ("person_words", "I want him to stop coming round"),
                ("note", "Talked about her nephew's visits"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = p.get(&format!("/people/{ada}/contacts?saved=1")).await;
    assert!(
        page.contains("Saved, and added to the chronology")
            && page.contains("“I want him to stop coming round”")
            && page.contains("Ada and her son Sam")
    );

    // Rewording her outcome is on the chronology too.
    p.get(&format!("/enquiries/{eid}")).await;
    p.post(
        &format!("/enquiries/{eid}/outcomes"),
        &[("text", "To see my nephew less")],
    )
    .await;
    let oid = app.db.store.outcomes(&eid).await.expect("q")[0].id.clone();
    let field = format!("reword_{oid}");
    p.post(
        &format!("/enquiries/{eid}/outcomes/{oid}/reword"),
        &[(field.as_str(), "To see my nephew only when Sam is there")],
    )
    .await;
    let chronology = p.get(&format!("/people/{ada}/chronology")).await;
    assert!(
        chronology.contains("Visit with Ada and her son Sam on")
            && chronology.contains("In their words: “I want him to stop coming round”")
            && chronology.contains(
                "Desired outcome reworded: “To see my nephew less” is now “To see my nephew only when Sam is there”"
            ),
        "{}",
        chronology.body
    );

    // Curating: the visit is a significant event, with analysis.
    let api = app.api_as("practitioner").await;
    let entries = api
        .call(
            Method::GET,
            &format!("/api/v1/people/{ada}/chronology"),
            None,
        )
        .await
        .json();
    let visit = entries
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["kind"] == "contact")
        .expect("the visit")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let form = p.get(&format!("/people/{ada}/chronology/{visit}")).await;
    assert!(form.contains("Is this a significant event?"));
    let bad = p
        .post(
            &format!("/people/{ada}/chronology/{visit}"),
            &[("significant", "yes")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("href=\"#analysis\""));
    let marked = p
        .post(
            &format!("/people/{ada}/chronology/{visit}"),
            &[
                ("significant", "yes"),
                (
                    "analysis",
                    "First time she named her nephew; the visits began after her fall",
                ),
            ],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    let curated = p
        .get(&format!("/people/{ada}/chronology?kind=significant"))
        .await;
    assert!(
        curated.contains("1 entry")
            && curated.contains("Significant</strong>")
            && curated.contains("First time she named her nephew"),
        "{}",
        curated.body
    );
    let csv = p
        .get(&format!("/people/{ada}/chronology.csv?kind=significant"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv"))
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "When,Kind,What,Who,Significant,Analysis");
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[1].contains("\"contact\"") && lines[1].contains("Yes,\"First time she named"));

    // The filters take dates as typed in the three boxes.
    let later = p
        .get(&format!(
            "/people/{ada}/chronology?kind=&from-day=1&from-month=1&from-year=2030&to-day=&to-month=&to-year="
        ))
        .await;
    assert!(
        later.contains("Nothing recorded for this choice")
            && later.contains(r#"name="from-year" type="text" inputmode="numeric" value="2030""#),
        "{}",
        later.body
    );
    let mut m = app.browser();
    m.login_ok("manager").await;
    let bad = m
        .get("/reports/dashboard?from-day=30&from-month=2&from-year=2026&to-day=&to-month=&to-year=&team=")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("href=\"#from\"") && bad.contains("value=\"30\""));

    // The API: a case note, and taking the mark away.
    let note = api
        .call(
            Method::POST,
            &format!("/api/v1/people/{ada}/contacts"),
            Some(r#"{"kind":"note","note":"Checked the bank statements Sam brought"}"#),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    let unmark = api
        .call(
            Method::PUT,
            &format!("/api/v1/people/{ada}/chronology/{visit}"),
            Some(r#"{"significant":false}"#),
        )
        .await;
    assert_eq!(unmark.status, StatusCode::NO_CONTENT);
    assert!(
        p.get(&format!("/people/{ada}/chronology?kind=significant"))
            .await
            .contains("Nothing recorded for this choice")
    );
    // An entry that is not hers is not found.
    let other = api
        .call(
            Method::PUT,
            &format!("/api/v1/people/{ada}/chronology/not-an-entry"),
            Some(r#"{"significant":true,"analysis":"x"}"#),
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // Another team's worker may not add to her record, and it is audited.
    let north = app.api_as("north.worker").await;
    let refused = north
        .call(
            Method::POST,
            &format!("/api/v1/people/{ada}/contacts"),
            Some(r#"{"kind":"note","note":"x"}"#),
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.body);
    assert_eq!(
        count_raw(&app.db.store, "SELECT COUNT(*) FROM contacts")
            .await
            .expect("count"),
        2
    );
    assert!(
        count_raw(
            &app.db.store,
            "SELECT COUNT(*) FROM audit_events WHERE actor_name = 'north.worker' AND outcome = 'denied'"
        )
        .await
        .expect("count")
            >= 1
    );
    app.finish().await;
}
