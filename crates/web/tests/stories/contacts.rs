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

/// A long chronology comes a hundred entries a page, newest first, the
/// filter kept from page to page; every entry on one page to print; back
/// to an entry's own page after marking it; the export whole; dates that
/// are not dates refused with the form as typed.
pub async fn long_chronology_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let (ada, _eid, _manager) = crate::enquiries::enquiry_for(&app, "ada brightwater").await;
    let api = app.api_as("practitioner").await;
    for n in 0..230 {
        let note = api
            .call(
                Method::POST,
                &format!("/api/v1/people/{ada}/contacts"),
                Some(&format!(
                    r#"{{"kind":"note","note":"Case note number {n:03}."}}"#
                )),
            )
            .await;
        assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    }
    let count = |sql: String| {
        let store = app.db.store.clone();
        async move { count_raw(&store, &sql).await.expect("count") }
    };
    let total = count(format!(
        "SELECT COUNT(*) FROM chronology WHERE person_id = '{ada}'"
    ))
    .await;
    let contacts = count(format!(
        "SELECT COUNT(*) FROM chronology WHERE person_id = '{ada}' AND kind = 'contact'"
    ))
    .await;
    assert!(total > 230 && contacts >= 230, "{total} {contacts}");
    let notes = |page: &str, range: std::ops::Range<i32>| {
        range
            .into_iter()
            .all(|n| page.contains(&format!("Case note number {n:03}.")))
    };
    let mut p = app.browser();
    p.login_ok("practitioner").await;
    let chronology = format!("/people/{ada}/chronology");

    let first = p.get(&chronology).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.contains(&format!("Entries 1 to 100 of {total}, newest first"))
            && notes(&first.body, 130..230)
            && !first.contains("Case note number 129.")
            && first.contains("Page 1 of 3")
            && first.contains(r#"rel="next""#)
            && !first.contains(r#"rel="prev""#)
            && first.contains(&format!("Show all {total} entries on one page, to print")),
        "{}",
        first.body
    );
    let second = p.get(&format!("{chronology}?kind=&from=&to=&page=2")).await;
    assert!(
        second.contains(&format!("Entries 101 to 200 of {total}"))
            && notes(&second.body, 30..130)
            && !second.contains("Case note number 130.")
            && !second.contains("Case note number 029.")
            && second.contains(r#"rel="prev""#)
            && second.contains(r#"rel="next""#),
        "{}",
        second.body
    );
    let last = p.get(&format!("{chronology}?page=3")).await;
    assert!(
        last.contains(&format!("Entries 201 to {total} of {total}"))
            && notes(&last.body, 0..30)
            && !last.contains(r#"rel="next""#),
        "{}",
        last.body
    );
    // Past the end is the last page (its view audited once); a page that is
    // not a number the first.
    let views = format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'view' AND subject_type = 'person' AND subject_id = '{ada}'"
    );
    let before = count(views.clone()).await;
    let past = p.get(&format!("{chronology}?page=99")).await;
    assert_eq!(count(views).await, before + 1);
    assert!(
        past.contains(&format!("Entries 201 to {total} of {total}"))
            && past.contains("Page 3 of 3")
    );
    let odd = p.get(&format!("{chronology}?page=-4%27")).await;
    assert!(odd.contains(&format!("Entries 1 to 100 of {total}")));
    // Every entry on one page, to print.
    let all = p
        .get(&format!("{chronology}?kind=&from=&to=&page=all"))
        .await;
    assert!(
        all.contains(&format!("{total} entries, newest first"))
            && notes(&all.body, 0..230)
            && !all.contains("Page 1 of")
            && all.contains("Show 100 entries a page"),
        "{}",
        all.body
    );
    // The filter goes with the pages: contacts only, the second page.
    let filtered = p
        .get(&format!("{chronology}?kind=contact&from=&to=&page=2"))
        .await;
    assert!(
        filtered.contains(&format!("Entries 101 to 200 of {contacts}"))
            && filtered.contains("kind=contact&#38;from=&#38;to=&#38;page=3")
            && filtered.contains("kind=contact&#38;from=&#38;to=&#38;page=1"),
        "{}",
        filtered.body
    );

    // Marking an entry on the second page returns to the second page.
    let entries = api
        .call(
            Method::GET,
            &format!("/api/v1/people/{ada}/chronology"),
            None,
        )
        .await
        .json();
    let entry = entries.as_array().expect("entries")[150]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let form = p.get(&format!("{chronology}/{entry}")).await;
    assert!(form.contains(r#"name="page" value="2""#), "{}", form.body);
    let marked = p
        .post(
            &format!("{chronology}/{entry}"),
            &[
                ("significant", "yes"),
                ("analysis", "The week the notes doubled"),
                ("page", "2"),
            ],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        marked.location(),
        format!("{chronology}?page=2&saved=1#entry-{entry}")
    );
    let back = p.get(&format!("{chronology}?page=2&saved=1")).await;
    assert!(
        back.contains(&format!(r#"id="entry-{entry}""#))
            && back.contains("The week the notes doubled"),
        "{}",
        back.body
    );

    // The export is every entry the filter keeps, not a page of them.
    let csv = p.get(&format!("{chronology}.csv?kind=contact")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count() as i64, contacts + 1);

    // Dates that are not dates, or the wrong way round, are refused.
    let bad = p
        .get(&format!(
            "{chronology}?kind=&from-day=31&from-month=2&from-year=2026&to-day=&to-month=&to-year="
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.contains(r##"href="#from""##)
            && bad.contains(r#"name="from-day" type="text" inputmode="numeric" value="31""#)
            && !bad.contains("Case note number"),
        "{}",
        bad.body
    );
    let backwards = p
        .get(&format!(
            "{chronology}?kind=&from-day=2&from-month=3&from-year=2026&to-day=1&to-month=3&to-year=2026"
        ))
        .await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert!(backwards.contains(r##"href="#to""##), "{}", backwards.body);
    let csv = p.get(&format!("{chronology}.csv?from=2026-02-31")).await;
    assert_eq!(csv.status, StatusCode::BAD_REQUEST);
    // A day's entries are those the organisation's clock put on that day:
    // counted again here from every entry's instant, for the newest's day.
    let london = safeguard_core::OrgZone::default();
    let day_of = |ms: i64| {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .expect("instant");
        london.local(t).date()
    };
    let ats: Vec<i64> = entries
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["at"].as_i64().expect("at"))
        .collect();
    let today = day_of(ats[0]);
    let on_the_day = ats.iter().filter(|at| day_of(**at) == today).count() as i64;
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    let csv = p
        .get(&format!(
            "{chronology}.csv?from={}&to={}",
            day(today),
            day(today)
        ))
        .await;
    assert_eq!(csv.body.lines().count() as i64, on_the_day + 1);
    let tomorrow = today.next_day().expect("day");
    let none = p.get(&format!("{chronology}?from={}", day(tomorrow))).await;
    assert!(
        none.contains("Nothing recorded for this choice"),
        "{}",
        none.body
    );
    app.finish().await;
}
