//! The backend contract: one user story through the store, run on SQLite and
//! on PostgreSQL. Both backends must give the same answers.

use safeguard_domain::person::RawPerson;
use safeguard_domain::{PersonId, PersonScope};
use safeguard_store::accounts::{NewUser, SessionRow};
use safeguard_store::audit::{AuditFilter, NewAuditEvent, Verification};
use safeguard_store::concerns::{AdultRow, ConcernRow, ConcernScope};
use safeguard_store::testing::{self, Backend, TestDb, drop_audit_guards, execute_raw};
use safeguard_store::{Store, StoreError, on_both_backends};
use time::macros::date;
use uuid::Uuid;

fn event(n: i64, action: &str, subject: &str) -> NewAuditEvent {
    NewAuditEvent {
        id: Uuid::new_v4().to_string(),
        at: 1_700_000_000_000 + n,
        actor_id: None,
        actor_name: "tester".into(),
        actor_role: "practitioner".into(),
        action: action.into(),
        subject_type: "person".into(),
        subject_id: Some(subject.into()),
        outcome: "success".into(),
        ..NewAuditEvent::default()
    }
}

/// Pat, practitioner `u1` of agency `a1`, in `team` if given.
fn pat(team: Option<&str>) -> NewUser {
    NewUser {
        id: "u1".into(),
        username: "pat".into(),
        display_name: "Pat".into(),
        role: "practitioner".into(),
        agency_id: "a1".into(),
        team_id: team.map(str::to_string),
        password_hash: "x".into(),
        created_at: 1,
        email: None,
        created_by: None,
        awaiting_approval: false,
    }
}

/// The council `a1` with its team `t1` ("Hub") and Pat in it.
async fn council_with_pat(tx: &mut safeguard_store::Tx) {
    tx.insert_agency("a1", "Test Council", true, 1)
        .await
        .expect("agency");
    tx.insert_team("t1", "a1", "Hub").await.expect("team");
    tx.insert_user(&pat(Some("t1"))).await.expect("user");
}

fn person(given: &str, family: &str) -> safeguard_domain::person::PersonDetails {
    RawPerson {
        given_name: Some(given.into()),
        family_name: Some(family.into()),
        other_names: vec!["Nell".into()],
        date_of_birth: Some("1940-03-31".into()),
        nhs_number: Some("943 476 5919".into()),
        postcode: Some("nb1 4qt".into()),
        gender: Some("female".into()),
        learning_disability: true,
        communication_needs: vec!["bsl".into(), "easy_read".into()],
        key_people: vec![safeguard_domain::person::RawKeyPerson {
            name: Some("Sam Example".into()),
            relationship: Some("family".into()),
            appropriate_person: Some("yes".into()),
            ..Default::default()
        }],
        ..RawPerson::default()
    }
    .parse(date!(2026 - 11 - 23))
    .expect("valid person")
}

/// A council sets up an agency and a user, records a person, finds them,
/// edits them (with a stale edit refused), and every step is audited in a
/// chain that verifies until someone tampers with it.
async fn store_story(db: TestDb) {
    let store = &db.store;
    let mut tx = store.begin_audited().await.expect("begin");
    council_with_pat(&mut tx).await;
    let id = PersonId(Uuid::now_v7());
    let details = person("Ada", "O'Brien-Smith");
    tx.insert_person(id, &details, "u1", 2)
        .await
        .expect("person");
    tx.audit(event(1, "create", &id.to_string()))
        .await
        .expect("audit");
    tx.commit().await.expect("commit");

    // The person page's latest chronology entries (one statement) are the
    // newest of the whole chronology, in the same order, with the count;
    // curation, quotes and accents come back as written.
    let pid = id.to_string();
    let mut tx = store.begin().await.expect("begin");
    for n in 0..7_i64 {
        tx.add_chronology(&safeguard_store::concerns::ChronologyRow {
            id: format!("c{n}"),
            person_id: pid.clone(),
            at: 1_000 + n / 2,
            kind: "contact".into(),
            summary: format!("Visit {n}: she said \"I’m fine\", due 2026-12-0{n}"),
            actor_name: "Zoë O'Brien".into(),
            concern_id: None,
        })
        .await
        .expect("entry");
    }
    assert!(
        tx.set_significance(&pid, "c5", true, Some("The turning point"))
            .await
            .expect("mark")
    );
    tx.commit().await.expect("commit");
    let all = store.chronology(&pid).await.expect("all");
    assert_eq!(all.len(), 7);
    let (latest, total) = store.recent_chronology(&pid, 3).await.expect("latest");
    assert_eq!(total, 7);
    assert_eq!(latest, all[..3].to_vec(), "the newest three, newest first");
    assert_eq!(
        latest.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["c6", "c5", "c4"]
    );
    assert!(latest[1].significant && latest[1].analysis.as_deref() == Some("The turning point"));
    assert!(!latest[0].significant);
    assert_eq!(
        latest[0].summary,
        "Visit 6: she said \"I’m fine\", due 2026-12-06"
    );
    assert_eq!(latest[0].actor_name, "Zoë O'Brien");
    let (none, zero) = store
        .recent_chronology("no-such-person", 3)
        .await
        .expect("none");
    assert!(none.is_empty() && zero == 0);

    // A page of the chronology, filtered in the database: the filter's
    // count whatever the page, pages in the whole chronology's order.
    use safeguard_store::concerns::ChronologyFilter;
    let ids = |rows: &[safeguard_store::concerns::ChronologyEntry]| {
        rows.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    let everything = ChronologyFilter::default();
    // (SQLite reads on the asking thread: through the pool it reads alike.)
    let pooled = testing::through_pool(store);
    let read = |f: ChronologyFilter, limit: Option<i64>, offset: i64| {
        let (pid, pooled) = (pid.clone(), pooled.clone());
        async move {
            let read = store
                .chronology_filtered(&pid, &f, limit, offset)
                .await
                .expect("filtered");
            let through_pool = pooled
                .chronology_filtered(&pid, &f, limit, offset)
                .await
                .expect("filtered");
            assert_eq!(read, through_pool, "{f:?} {limit:?} {offset}");
            read
        }
    };
    let (unpaged, seven) = read(everything.clone(), None, 0).await;
    assert_eq!((unpaged, seven), (all.clone(), 7));
    let (first, seven) = read(everything.clone(), Some(3), 0).await;
    assert_eq!((first, seven), (all[..3].to_vec(), 7));
    let (second, _) = read(everything.clone(), Some(3), 3).await;
    assert_eq!(ids(&second), ["c3", "c2", "c1"]);
    let (last, _) = read(everything.clone(), Some(3), 6).await;
    assert_eq!(ids(&last), ["c0"]);
    let (beyond, seven) = read(everything.clone(), Some(3), 9).await;
    assert!(beyond.is_empty() && seven == 7);
    let (curated, one) = read(
        ChronologyFilter {
            significant: true,
            ..Default::default()
        },
        Some(3),
        0,
    )
    .await;
    assert_eq!((ids(&curated), one), (vec!["c5".to_string()], 1));
    let (between, four) = read(
        ChronologyFilter {
            from_ms: Some(1_001),
            until_ms: Some(1_003),
            ..Default::default()
        },
        None,
        0,
    )
    .await;
    assert_eq!(
        (ids(&between), four),
        (vec!["c5".into(), "c4".into(), "c3".into(), "c2".into()], 4)
    );
    let (newest_contact, three) = read(
        ChronologyFilter {
            kind: Some("contact".into()),
            from_ms: Some(1_002),
            ..Default::default()
        },
        Some(1),
        0,
    )
    .await;
    assert_eq!((ids(&newest_contact), three), (vec!["c6".to_string()], 3));
    let (no_concerns, zero) = read(
        ChronologyFilter {
            kind: Some("concern".into()),
            ..Default::default()
        },
        Some(3),
        0,
    )
    .await;
    assert!(no_concerns.is_empty() && zero == 0);
    // One entry, and where it stands: as many newer as come before it.
    for (n, e) in all.iter().enumerate() {
        let (found, newer) = store
            .chronology_entry(&pid, &e.id)
            .await
            .expect("entry")
            .expect("found");
        assert_eq!((&found, newer), (e, n as i64));
    }
    assert!(
        store
            .chronology_entry(&pid, "c9")
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        store
            .chronology_entry("no-such-person", "c1")
            .await
            .expect("read")
            .is_none()
    );

    // The facts the policy weighs, for one record or many at once, agree;
    // an id with no record is left out of the many.
    let one = store
        .case_facts(&id.to_string(), "u1", 10)
        .await
        .expect("facts");
    assert_eq!(
        one.holding_teams,
        vec!["t1".to_string()],
        "the maker's team holds it"
    );
    assert!(one.created && !one.restricted && !one.missing);
    let many = store
        .case_facts_many(&[id.to_string(), "no-such-person".into()], "u1", 10)
        .await
        .expect("facts");
    assert_eq!(many.len(), 1);
    let row = &many[&id.to_string()];
    assert_eq!(row.facts, one);
    assert_eq!(row.holding_team_names, vec!["Hub".to_string()]);
    assert_eq!(row.restriction_contact, None);
    // Read on the asking thread (SQLite) or through the pool, alike.
    let pooled = testing::through_pool(store);
    assert_eq!(
        pooled
            .case_facts_many(&[id.to_string(), "no-such-person".into()], "u1", 10)
            .await
            .expect("facts"),
        many
    );

    // Users join their agency and team.
    let u = store
        .user_by_username("pat")
        .await
        .expect("query")
        .expect("user exists");
    assert_eq!(
        (
            u.agency_name.as_str(),
            u.agency_is_owner,
            u.team_name.as_deref()
        ),
        ("Test Council", true, Some("Hub"))
    );

    // Reading back gives exactly what was stored, on both backends.
    let p = store
        .find_person(PersonScope::All, id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(p.details, details);
    assert_eq!(p.version, 1);
    assert!(
        store
            .find_person(PersonScope::Nothing, id)
            .await
            .expect("query")
            .is_none(),
        "scope Nothing sees nothing"
    );

    // The search index holds the record's keys as saved: any name word
    // (hyphenated parts too), other names, sounds and spellings; identifiers
    // are looked up directly. Query syntax never reaches the index.
    let keys = |q: &str| safeguard_domain::search::Query::parse(q).word_keys();
    for (q, expected) in [
        ("ada", 1),
        ("O'BRIEN", 1),
        ("nell obrien-", 1),
        ("ada o'brien-smith", 1),
        ("Addah Obrein", 1),
        ("ada zebedee", 0),
        ("\"*) OR (", 0),
    ] {
        let found = store.search_by_keys(&keys(q), 50).await.expect("search");
        assert_eq!(found.len(), expected, "query {q:?}");
    }
    // The words index holds each name word once, found by its own keys:
    // the first step of a name search (which words are near a query word).
    let near = |q: &str| {
        let keys = safeguard_domain::search::Query::parse(q).word_keys();
        let store = store.clone();
        async move {
            let mut w = store.near_words(&keys[0], 50).await.expect("words");
            w.sort();
            w
        }
    };
    assert!(near("Addah").await.contains(&"ada".to_string()));
    assert!(near("obrein").await.contains(&"obrien".to_string()));
    assert!(near("zebedee").await.is_empty());
    assert!(near("\"*) OR (").await.is_empty());
    let by_nhs = store
        .search_by_identifiers(None, Some("9434765919"), None, 50)
        .await
        .expect("search");
    assert_eq!(by_nhs, vec![id.to_string()]);
    let by_dob = store
        .search_by_identifiers(Some("1940-03-31"), None, Some("NB1 4QT"), 50)
        .await
        .expect("search");
    assert_eq!(by_dob, vec![id.to_string()]);

    // An edit from the current version succeeds; a second edit from the same old version is refused.
    let changed = person("Ada", "Brightwater");
    let mut tx = store.begin_audited().await.expect("begin");
    assert_eq!(
        tx.update_person(id, 1, &changed, 3).await.expect("update"),
        Some(2)
    );
    assert_eq!(
        tx.update_person(id, 1, &changed, 3).await.expect("update"),
        None,
        "stale version"
    );
    tx.audit(event(2, "update", &id.to_string()))
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
    assert_eq!(
        store
            .find_person(PersonScope::All, id)
            .await
            .expect("q")
            .expect("p")
            .details
            .family_name,
        "Brightwater"
    );
    // The edit replaced the record's keys in the same transaction.
    assert!(
        store
            .search_by_keys(&keys("obrien"), 50)
            .await
            .expect("search")
            .is_empty()
    );
    // A new name word joins the words index with the edit; an old one
    // stays (it finds no record).
    assert_eq!(near("brightwatter").await, vec!["brightwater".to_string()]);
    assert_eq!(
        store
            .search_by_keys(&keys("brightwater"), 50)
            .await
            .expect("search")
            .len(),
        1
    );

    // Sessions: stored by hash, touched, deleted when expired.
    let mut tx = store.begin().await.expect("begin");
    tx.insert_session(&SessionRow {
        id_hash: "h".into(),
        user_id: "u1".into(),
        csrf_token: "c".into(),
        created_at: 10,
        last_seen_at: 10,
    })
    .await
    .expect("session");
    tx.commit().await.expect("commit");
    assert!(store.session("h").await.expect("q").is_some());
    // With its user, read on the asking thread (SQLite) or through the
    // pool, alike.
    let with_user = store.session_user("h").await.expect("q").expect("found");
    assert_eq!(
        (
            with_user.session.user_id.as_str(),
            with_user.user.username.as_str()
        ),
        ("u1", "pat")
    );
    assert_eq!(
        testing::through_pool(store)
            .session_user("h")
            .await
            .expect("q"),
        Some(with_user)
    );
    assert!(store.session_user("nothing").await.expect("q").is_none());
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(tx.delete_expired_sessions(11, 0).await.expect("purge"), 1);
    tx.commit().await.expect("commit");
    assert!(store.session("h").await.expect("q").is_none());

    // An audit event outside an audited transaction is refused.
    let mut plain = store.begin().await.expect("begin");
    assert!(matches!(
        plain.audit(event(3, "view", "x")).await,
        Err(StoreError::NotAudited)
    ));
    drop(plain);

    // A rolled-back transaction leaves neither the write nor its audit event.
    let mut tx = store.begin_audited().await.expect("begin");
    tx.insert_agency("a2", "Rolled Back", false, 1)
        .await
        .expect("agency");
    tx.audit(event(4, "create", "a2")).await.expect("audit");
    drop(tx);
    assert_eq!(store.list_agencies().await.expect("q").len(), 1);

    let mut tx = store.begin_audited().await.expect("begin");
    for n in 5..10 {
        tx.audit(event(n, "view", &id.to_string()))
            .await
            .expect("audit");
    }
    tx.commit().await.expect("commit");
    assert_eq!(
        store.verify_audit().await.expect("verify"),
        Verification::Intact { events: 7 }
    );
    let mine = store
        .list_audit(
            &AuditFilter {
                subject_id: Some(id.to_string()),
                ..AuditFilter::default()
            },
            100,
        )
        .await
        .expect("list");
    assert_eq!(mine.len(), 7);
    assert_eq!(mine[0].seq, 7, "newest first");

    // The database itself refuses to change or delete audit events…
    assert!(
        execute_raw(
            store,
            "UPDATE audit_events SET actor_name = 'x' WHERE seq = 3"
        )
        .await
        .is_err()
    );
    assert!(
        execute_raw(store, "DELETE FROM audit_events WHERE seq = 3")
            .await
            .is_err()
    );
    // …and anyone who goes around that is caught by the chain.
    execute_raw(store, drop_audit_guards(db.backend))
        .await
        .expect("drop guards");
    execute_raw(
        store,
        "UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = 3",
    )
    .await
    .expect("tamper");
    match store.verify_audit().await.expect("verify") {
        Verification::Broken { seq, reason, .. } => {
            assert_eq!(seq, 3);
            assert!(reason.contains("changed"), "{reason}");
        }
        other => panic!("tampering not detected: {other:?}"),
    }
    db.finish().await;
}

/// Deleting an event in the middle, reordering two events, or removing the
/// newest event are each detected, naming the first broken event.
async fn tamper_story(db: TestDb) {
    let store = &db.store;
    let mut tx = store.begin_audited().await.expect("begin");
    for n in 1..=6 {
        tx.audit(event(n, "view", "p")).await.expect("audit");
    }
    tx.commit().await.expect("commit");
    execute_raw(store, drop_audit_guards(db.backend))
        .await
        .expect("drop guards");

    execute_raw(store, "DELETE FROM audit_events WHERE seq = 6")
        .await
        .expect("delete newest");
    assert!(
        matches!(
            store.verify_audit().await.expect("v"),
            Verification::Broken { seq: 6, .. }
        ),
        "removing the newest event must be detected"
    );
    execute_raw(store, "UPDATE audit_head SET last_seq = 5, last_hash = (SELECT hash FROM audit_events WHERE seq = 5)")
        .await
        .expect("cover tracks");
    assert_eq!(
        store.verify_audit().await.expect("v"),
        Verification::Intact { events: 5 }
    );

    // Swap events 2 and 3 (sequence numbers exchanged).
    execute_raw(store, "UPDATE audit_events SET seq = 100 WHERE seq = 2")
        .await
        .expect("swap");
    execute_raw(store, "UPDATE audit_events SET seq = 2 WHERE seq = 3")
        .await
        .expect("swap");
    execute_raw(store, "UPDATE audit_events SET seq = 3 WHERE seq = 100")
        .await
        .expect("swap");
    match store.verify_audit().await.expect("v") {
        Verification::Broken { seq, .. } => assert_eq!(seq, 2),
        other => panic!("reordering not detected: {other:?}"),
    }
    // Put them back, then delete one in the middle.
    execute_raw(store, "UPDATE audit_events SET seq = 100 WHERE seq = 2")
        .await
        .expect("swap");
    execute_raw(store, "UPDATE audit_events SET seq = 2 WHERE seq = 3")
        .await
        .expect("swap");
    execute_raw(store, "UPDATE audit_events SET seq = 3 WHERE seq = 100")
        .await
        .expect("swap");
    assert_eq!(
        store.verify_audit().await.expect("v"),
        Verification::Intact { events: 5 }
    );
    execute_raw(store, "DELETE FROM audit_events WHERE seq = 4")
        .await
        .expect("delete");
    match store.verify_audit().await.expect("v") {
        Verification::Broken { seq, reason, .. } => {
            assert_eq!(seq, 4);
            assert!(reason.contains("missing"), "{reason}");
        }
        other => panic!("deletion not detected: {other:?}"),
    }
    db.finish().await;
}

/// Many concurrent audited writers each get their own place in the chain.
async fn concurrent_writers_story(db: TestDb) {
    let mut handles = Vec::new();
    for w in 0..8 {
        let store = db.store.clone();
        handles.push(tokio::spawn(async move {
            for n in 0..10 {
                let mut tx = store.begin_audited().await.expect("begin");
                tx.audit(event(w * 100 + n, "view", "p"))
                    .await
                    .expect("audit");
                tx.commit().await.expect("commit");
            }
        }));
    }
    for h in handles {
        h.await.expect("writer");
    }
    assert_eq!(
        db.store.verify_audit().await.expect("verify"),
        Verification::Intact { events: 80 }
    );

    // Another process writing to the same database (a command run beside
    // the server): each handle's idea of the chain's head goes stale in
    // turn, and every event still lands on the true head.
    let other = Store::connect(&db.url).await.expect("second handle");
    for n in 0..3 {
        for store in [&db.store, &other] {
            let mut tx = store.begin_audited().await.expect("begin");
            tx.audit(event(900 + n, "view", "p")).await.expect("audit");
            tx.commit().await.expect("commit");
        }
    }
    other.close().await;
    assert_eq!(
        db.store.verify_audit().await.expect("verify"),
        Verification::Intact { events: 86 }
    );
    db.finish().await;
}

/// Views recorded by many readers at once, while audited writes go on,
/// are each committed in the chain before the reader hears so.
async fn group_commit_story(db: TestDb) {
    let mut handles = Vec::new();
    for r in 0..40_i64 {
        let store = db.store.clone();
        handles.push(tokio::spawn(async move {
            let events = (0..=(r % 2))
                .map(|n| NewAuditEvent {
                    actor_id: Some(format!("u{r}")),
                    reason: Some("allocated".into()),
                    request_id: Some(format!("req-{r}-{n}")),
                    detail: Some(format!("\"quoted\" ü {n}")),
                    ..event(r * 10 + n, "view", &format!("reader-{r}"))
                })
                .collect();
            store.record_audit(events).await.expect("recorded");
            // Heard "recorded": the events are in the chain already.
            let seen = store
                .list_audit(
                    &AuditFilter {
                        subject_id: Some(format!("reader-{r}")),
                        ..AuditFilter::default()
                    },
                    10,
                )
                .await
                .expect("list");
            assert_eq!(seen.len() as i64, r % 2 + 1);
        }));
    }
    for w in 0..4_i64 {
        let store = db.store.clone();
        handles.push(tokio::spawn(async move {
            let mut tx = store.begin_audited().await.expect("begin");
            tx.insert_agency(&format!("w{w}"), &format!("Writer {w}"), false, 1)
                .await
                .expect("agency");
            tx.audit(event(1000 + w, "create", &format!("w{w}")))
                .await
                .expect("audit");
            tx.commit().await.expect("commit");
        }));
    }
    for h in handles {
        h.await.expect("task");
    }
    // 20 readers with one event, 20 with two, and 4 writers.
    assert_eq!(
        db.store.verify_audit().await.expect("verify"),
        Verification::Intact { events: 64 }
    );
    // Stored as bound column by column would store them (SQLite's views
    // arrive as one JSON value): numbers as integers, absent values as
    // NULL, text as text. (PostgreSQL's columns take one type only.)
    if db.backend == Backend::Sqlite {
        assert_eq!(
            testing::count_raw(
                &db.store,
                "SELECT COUNT(*) FROM audit_events WHERE typeof(seq) <> 'integer' \
                 OR typeof(at) <> 'integer' OR typeof(id) <> 'text' OR typeof(hash) <> 'text' \
                 OR (actor_id IS NOT NULL AND typeof(actor_id) <> 'text')"
            )
            .await
            .expect("types"),
            0
        );
    }
    let one = db
        .store
        .list_audit(
            &AuditFilter {
                subject_id: Some("reader-3".into()),
                ..AuditFilter::default()
            },
            10,
        )
        .await
        .expect("list");
    let mut read: Vec<_> = one
        .iter()
        .map(|e| {
            (
                e.at,
                e.actor_id.clone(),
                e.actor_name.clone(),
                e.action.clone(),
                e.subject_id.clone(),
                e.reason.clone(),
                e.request_id.clone(),
                e.detail.clone(),
            )
        })
        .collect();
    read.sort();
    assert_eq!(
        read,
        [0, 1].map(|n| (
            1_700_000_000_030 + n,
            Some("u3".to_string()),
            "tester".to_string(),
            "view".to_string(),
            Some("reader-3".to_string()),
            Some("allocated".to_string()),
            Some(format!("req-3-{n}")),
            Some(format!("\"quoted\" ü {n}"))
        ))
    );
    assert!(
        db.store.record_audit(Vec::new()).await.is_ok(),
        "nothing to record is no commit"
    );

    // An event committed but not yet in the chain when the server stopped
    // (PostgreSQL queues events; SQLite appends them in the write itself)
    // joins the chain before anyone reads the trail: here, as the database
    // is opened again.
    if db.backend == Backend::Postgres {
        execute_raw(
            &db.store,
            "INSERT INTO audit_pending (event_id, at, actor_name, actor_role, action, subject_type, outcome) \
             VALUES ('left-waiting', 1, 'tester', 'practitioner', 'view', 'person', 'success')",
        )
        .await
        .expect("queued");
        let reopened = Store::connect(&db.url).await.expect("reopen");
        let (_, head) = reopened.audit_head().await.expect("head");
        let last = reopened
            .list_audit(&AuditFilter::default(), 1)
            .await
            .expect("list");
        assert_eq!(last[0].id, "left-waiting");
        assert_eq!(last[0].hash, head);
        assert_eq!(
            reopened.verify_audit().await.expect("verify"),
            Verification::Intact { events: 65 }
        );
        reopened.close().await;
    }
    db.finish().await;
}

/// A bulk load (the generator's handle) works beside an ordinary handle on
/// the same database, and its checkpoint leaves SQLite's write-ahead log
/// empty.
async fn bulk_load_story(db: TestDb) {
    let bulk = Store::connect_with(
        &db.url,
        safeguard_store::StoreOptions {
            sqlite_bulk_load: true,
            ..Default::default()
        },
    )
    .await
    .expect("a bulk-load handle opens while another is open");
    let before = db.store.count_people().await.expect("count");
    let mut tx = bulk.begin().await.expect("begin");
    tx.insert_agency("a1", "Test Council", true, 1)
        .await
        .expect("agency");
    tx.insert_user(&pat(None)).await.expect("user");
    tx.insert_person(PersonId(Uuid::now_v7()), &person("Bulk", "Loaded"), "u1", 1)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    assert_eq!(
        db.store.count_people().await.expect("count"),
        before + 1,
        "the other handle sees what was loaded"
    );
    bulk.checkpoint().await.expect("checkpoint");
    if let Some(path) = db.url.strip_prefix("sqlite://") {
        let wal = format!("{}-wal", path.split('?').next().unwrap_or(path));
        let len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(len, 0, "the log is copied into {path} and emptied");
    }
    bulk.close().await;
    db.finish().await;
}

/// A contact in `person`'s chronology, recorded by `actor`.
fn contact(
    id: String,
    person: &str,
    at: i64,
    summary: String,
    actor: &str,
) -> safeguard_store::concerns::ChronologyRow {
    safeguard_store::concerns::ChronologyRow {
        id,
        person_id: person.to_string(),
        at,
        kind: "contact".into(),
        summary,
        actor_name: actor.into(),
        concern_id: None,
    }
}

/// Pat's council and the people named, each recorded by Pat: their ids.
async fn pats_people(store: &Store, names: &[(&str, &str)]) -> Vec<PersonId> {
    let mut tx = store.begin_audited().await.expect("begin");
    council_with_pat(&mut tx).await;
    let mut ids = Vec::new();
    for (given, family) in names {
        let id = PersonId(Uuid::now_v7());
        tx.insert_person(id, &person(given, family), "u1", 2)
            .await
            .expect("person");
        ids.push(id);
    }
    tx.audit(event(1, "create", &ids[0].to_string()))
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
    ids
}

/// The person page reads the record and its parts in one statement: what
/// it reads is what the separate reads of each part give, on both backends
/// (names and key people, merges, the latest chronology and its count,
/// enquiries newest first, alerts), including quotes and accents.
async fn person_page_story(db: TestDb) {
    let store = &db.store;
    let ids = pats_people(store, &[("Zoë", "O'Brien"), ("Zoe", "OBrien")]).await;
    let (id, other) = (ids[0], ids[1]);
    let (pid, oid) = (id.to_string(), other.to_string());

    // Nothing beside the record yet: empty parts, a count of none.
    let page = store
        .person_page(PersonScope::All, id, Some(3))
        .await
        .expect("page")
        .expect("found");
    assert_eq!(
        Some(page.person.clone()),
        store.find_person(PersonScope::All, id).await.expect("find")
    );
    assert!(page.merges.is_empty() && page.enquiries.is_empty() && page.alerts.is_empty());
    assert!(page.recent_chronology.is_empty() && page.chronology_total == 0);

    let mut tx = store.begin().await.expect("begin");
    // The last two at the same moment: the newer id comes first.
    for n in 0..5_i64 {
        tx.add_chronology(&contact(
            format!("c{n}"),
            &pid,
            1_000 + n.min(3),
            format!("Visit {n}: \"I’m fine\""),
            "Zoë",
        ))
        .await
        .expect("entry");
    }
    tx.insert_merge(&safeguard_store::merges::MergeRow {
        id: "m1".into(),
        kept_id: pid.clone(),
        merged_id: oid.clone(),
        kept_version_after: 2,
        kept_before: "{}".into(),
        merged_before: r#"{"given_name":"Zoe"}"#.into(),
        taken_from_merged: "dob,nhs".into(),
        moved: "{}".into(),
        merged_at: 5_000,
        merged_by: "u1".into(),
        undone_at: Some(6_000),
        undone_by: Some("u1".into()),
    })
    .await
    .expect("merge");
    assert!(
        tx.set_significance(&pid, "c3", true, Some("Said she was \"fine\" again"))
            .await
            .expect("significance")
    );
    for n in 0..2_i64 {
        tx.insert_alert(&safeguard_store::patterns::AlertRow {
            id: format!("a{n}"),
            rule: "repeat_concerns".into(),
            subject_kind: "person".into(),
            subject_id: pid.clone(),
            subject_label: "Zoë O'Brien".into(),
            threshold: 3,
            days: 90,
            raised_at: 7_000 + n,
            decision: (n == 0).then(|| "noted".into()),
            reasons: (n == 0).then(|| "Known; \"in hand\"".into()),
            decided_at: (n == 0).then_some(8_000),
            decided_by: (n == 0).then(|| "u1".into()),
            decided_by_name: (n == 0).then(|| "Pat".into()),
        })
        .await
        .expect("alert");
    }
    tx.commit().await.expect("commit");
    for (n, kind) in [(1, "s42"), (2, "other")] {
        execute_raw(
            store,
            &format!(
                "INSERT INTO concerns (id, reference, receipt_hash, state, raiser_kind, channel, received_at, \
                 received_on, what_happened, immediate_danger, consent, suspected_types) \
                 VALUES ('k{n}', 'SG-{n}', 'h', 'received', 'public', 'online', 1, '2026-01-01', 'x', 'no', 'yes', '')"
            ),
        )
        .await
        .expect("concern");
        execute_raw(
            store,
            &format!(
                "INSERT INTO enquiries (id, concern_id, person_id, kind, state, started_on, created_at) \
                 VALUES ('e{n}', 'k{n}', '{pid}', '{kind}', 'open', '2026-01-0{n}', {n}000)"
            ),
        )
        .await
        .expect("enquiry");
    }

    let page = store
        .person_page(PersonScope::All, id, Some(3))
        .await
        .expect("page")
        .expect("found");
    assert_eq!(
        Some(page.person.clone()),
        store.find_person(PersonScope::All, id).await.expect("find")
    );
    assert_eq!(page.person.details.other_names, vec!["Nell".to_string()]);
    assert_eq!(page.person.details.key_people.len(), 1);
    let (latest, total) = store.recent_chronology(&pid, 3).await.expect("latest");
    assert_eq!(
        (page.recent_chronology.clone(), page.chronology_total),
        (
            latest.iter().cloned().map(Into::into).collect::<Vec<_>>(),
            total
        )
    );
    assert_eq!(total, 5);
    assert_eq!(page.recent_chronology[0].summary, "Visit 4: \"I’m fine\"");
    assert_eq!(page.recent_chronology[0].actor_name, "Zoë");
    assert_eq!(
        latest
            .iter()
            .map(|e| (e.significant, e.analysis.is_some()))
            .collect::<Vec<_>>(),
        [(false, false), (true, true), (false, false)]
    );
    assert_eq!(page.merges, store.merges_into(&pid).await.expect("merges"));
    assert_eq!(page.merges.len(), 1);
    assert_eq!(page.merges[0].undone_at, Some(6_000));
    assert_eq!(
        page.enquiries,
        store.enquiries_for_person(&pid).await.expect("enquiries")
    );
    assert_eq!(
        page.enquiries
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["e2", "e1"],
        "newest first"
    );
    assert_eq!(
        page.alerts,
        store.alerts_about_person(&pid).await.expect("alerts")
    );
    assert_eq!(
        page.alerts[1].reasons.as_deref(),
        Some("Known; \"in hand\"")
    );
    // The record alone reads no parts; scope Nothing reads nothing.
    let bare = store
        .person_page(PersonScope::All, id, None)
        .await
        .expect("page")
        .expect("found");
    assert!(bare.merges.is_empty() && bare.enquiries.is_empty() && bare.chronology_total == 0);
    // SQLite reads the page on the asking thread: the pool reads it alike.
    assert_eq!(
        testing::has_read_inline(store),
        db.backend == Backend::Sqlite
    );
    let pooled = testing::through_pool(store);
    let nobody: PersonId = "00000000-0000-4000-8000-000000000000".parse().expect("id");
    for (id, recent) in [(id, Some(3)), (id, None), (nobody, Some(3))] {
        assert_eq!(
            pooled
                .person_page(PersonScope::All, id, recent)
                .await
                .expect("page"),
            store
                .person_page(PersonScope::All, id, recent)
                .await
                .expect("page"),
        );
    }
    assert!(
        store
            .person_page(PersonScope::Nothing, id, Some(3))
            .await
            .expect("page")
            .is_none()
    );
    db.finish().await;
}

/// A page read with its reader's facts ([`Store::person_page_for`]) is the
/// page and the facts read apart, on the asking thread and through the pool.
async fn page_for_agrees(
    store: &Store,
    id: PersonId,
    user: &str,
    now: i64,
) -> safeguard_store::people::PageForReader {
    let pid = id.to_string();
    // Read with the reader's session first (the first time for a record,
    // on PostgreSQL, with nothing held: the whole page; then held), it is
    // the session and the page read apart.
    let hash = format!("page-{user}");
    if store.session(&hash).await.expect("session").is_none() {
        let mut tx = store.begin().await.expect("begin");
        tx.insert_session(&SessionRow {
            id_hash: hash.clone(),
            user_id: user.into(),
            csrf_token: "c".into(),
            created_at: 5,
            last_seen_at: 5,
        })
        .await
        .expect("session");
        tx.commit().await.expect("commit");
    }
    let session = store.session_user(&hash).await.expect("q").expect("found");
    for _ in 0..2 {
        let signed = store
            .session_person_page(&hash, id, now, 3)
            .await
            .expect("session and page");
        let apart = store
            .person_page_for(PersonScope::All, id, user, now, Some(3))
            .await
            .expect("page and facts");
        match apart.page {
            Some(_) => assert_eq!(signed, Some((session.clone(), apart)), "{user} at {now}"),
            // No record: read apart by the caller.
            None => assert_eq!(signed, None),
        }
    }
    // No such session: read apart by the caller.
    assert_eq!(
        store
            .session_person_page("no-such-session", id, now, 3)
            .await
            .expect("no session"),
        None
    );
    // The record alone reads as the page does, without its parts.
    for recent in [None, Some(3)] {
        let read = store
            .person_page_for(PersonScope::All, id, user, now, recent)
            .await
            .expect("page and facts");
        assert_eq!(
            read.facts,
            store.case_facts(&pid, user, now).await.expect("facts"),
            "{user} at {now}"
        );
        assert_eq!(
            read.page,
            store
                .person_page(PersonScope::All, id, recent)
                .await
                .expect("page"),
            "{recent:?}"
        );
        assert_eq!(
            testing::through_pool(store)
                .person_page_for(PersonScope::All, id, user, now, recent)
                .await
                .expect("pooled"),
            read
        );
    }
    store
        .person_page_for(PersonScope::All, id, user, now, Some(3))
        .await
        .expect("page and facts")
}

/// The person page reads its reader's facts in the same statement as the
/// page: for every reader the facts tell apart (the maker; a colleague with
/// no part in it; one on a restriction's access list; one whose break-glass
/// opening has or has not expired), for a record merged into another and
/// for no record, they are the facts read alone; scope Nothing reads the
/// facts and no page.
async fn person_page_for_story(db: TestDb) {
    let store = &db.store;
    let ids = pats_people(store, &[("Ada", "Okafor"), ("Ada", "Okafour")]).await;
    let (id, merged) = (ids[0], ids[1]);
    let (pid, mid) = (id.to_string(), merged.to_string());
    let mut tx = store.begin().await.expect("begin");
    tx.insert_user(&NewUser {
        id: "u2".into(),
        username: "sam".into(),
        display_name: "Sam".into(),
        ..pat(None)
    })
    .await
    .expect("user");
    tx.add_chronology(&contact("c1".into(), &pid, 1_000, "Visit".into(), "Pat"))
        .await
        .expect("entry");
    tx.commit().await.expect("commit");

    let maker = page_for_agrees(store, id, "u1", 10).await;
    assert!(maker.facts.created && !maker.facts.missing && !maker.facts.restricted);
    assert_eq!(maker.facts.holding_teams, vec!["t1".to_string()]);
    let page = maker.page.expect("page");
    assert_eq!(page.chronology_total, 1);
    assert_eq!(page.person.details.given_name, "Ada");
    let colleague = page_for_agrees(store, id, "u2", 10).await;
    assert!(!colleague.facts.created && !colleague.facts.on_access_list);
    assert!(!colleague.facts.break_glass);

    let mut tx = store.begin().await.expect("begin");
    tx.restrict(
        &safeguard_store::access::RestrictionRow {
            person_id: pid.clone(),
            reason: "Staff member's relative".into(),
            contact: "The lead".into(),
            restricted_by: "u1".into(),
            restricted_at: 20,
        },
        &["u2".to_string()],
    )
    .await
    .expect("restrict");
    tx.commit().await.expect("commit");
    let listed = page_for_agrees(store, id, "u2", 50).await;
    assert!(listed.facts.restricted && listed.facts.on_access_list);
    let mut tx = store.begin().await.expect("begin");
    tx.insert_break_glass(&safeguard_store::access::BreakGlassRow {
        id: "b1".into(),
        person_id: pid.clone(),
        user_id: "u1".into(),
        reason: "Out of hours".into(),
        opened_at: 30,
        expires_at: 100,
        reviewed_by: None,
        reviewed_at: None,
        justified: None,
        finding: None,
    })
    .await
    .expect("break glass");
    tx.commit().await.expect("commit");
    let open = page_for_agrees(store, id, "u1", 50).await;
    assert!(open.facts.break_glass && !open.facts.on_access_list);
    let expired = page_for_agrees(store, id, "u1", 100).await;
    assert!(!expired.facts.break_glass);
    // Taken off the access list, and then the restriction lifted, between
    // openings.
    execute_raw(
        store,
        &format!("DELETE FROM restriction_access WHERE person_id = '{pid}'"),
    )
    .await
    .expect("off the list");
    let unlisted = page_for_agrees(store, id, "u2", 50).await;
    assert!(unlisted.facts.restricted && !unlisted.facts.on_access_list);
    execute_raw(
        store,
        &format!("DELETE FROM person_restrictions WHERE person_id = '{pid}'"),
    )
    .await
    .expect("lifted");
    let lifted = page_for_agrees(store, id, "u2", 50).await;
    assert!(!lifted.facts.restricted);

    // Who holds the person, as held with the page between openings: a
    // colleague moved into another team holds nothing until they decide a
    // concern about the person; the maker moved to that team takes the
    // first team's holding with them.
    execute_raw(
        store,
        "INSERT INTO teams (id, agency_id, name) VALUES ('t2', 'a1', 'Duty')",
    )
    .await
    .expect("team");
    execute_raw(store, "UPDATE users SET team_id = 't2' WHERE id = 'u2'")
        .await
        .expect("moved");
    let held = page_for_agrees(store, id, "u2", 50).await;
    assert_eq!(held.facts.holding_teams, vec!["t1".to_string()]);
    let (row, mut adults) = concern("c-held", 1);
    adults[0].person_id = Some(pid.clone());
    store
        .store_concern(&store.reserve(), row, adults, event(2, "create", "c-held"))
        .await
        .expect("concern");
    execute_raw(
        store,
        "INSERT INTO triage_decisions (concern_id, decided_at, decided_by, needs, needs_evidence, \
         abuse, abuse_evidence, unable, unable_evidence, outcome, reasons) \
         VALUES ('c-held', 60, 'u2', 'yes', 'Seen', 'yes', 'Seen', 'yes', 'Seen', 'enquiry', 'Met')",
    )
    .await
    .expect("decided");
    let decided = page_for_agrees(store, id, "u2", 50).await;
    assert_eq!(
        decided.facts.holding_teams,
        vec!["t1".to_string(), "t2".to_string()]
    );
    execute_raw(store, "UPDATE users SET team_id = 't2' WHERE id = 'u1'")
        .await
        .expect("moved");
    let moved = page_for_agrees(store, id, "u2", 50).await;
    assert_eq!(moved.facts.holding_teams, vec!["t2".to_string()]);
    // The record, and then its other names, edited between openings.
    execute_raw(
        store,
        &format!("UPDATE people SET given_name = 'Adaeze' WHERE id = '{pid}'"),
    )
    .await
    .expect("edited");
    let edited = page_for_agrees(store, id, "u1", 50).await.page;
    assert_eq!(edited.expect("page").person.details.given_name, "Adaeze");
    execute_raw(
        store,
        &format!(
            "UPDATE person_other_names SET name = 'Dee' WHERE person_id = '{pid}' AND position = 0"
        ),
    )
    .await
    .expect("other name");
    let renamed = page_for_agrees(store, id, "u1", 50).await.page;
    assert_eq!(renamed.expect("page").person.details.other_names[0], "Dee");

    execute_raw(
        store,
        &format!("UPDATE people SET merged_into = '{pid}' WHERE id = '{mid}'"),
    )
    .await
    .expect("merge");
    let gone = page_for_agrees(store, merged, "u1", 10).await;
    assert_eq!(gone.facts.merged_into, Some(pid.clone()));
    let nobody: PersonId = "00000000-0000-4000-8000-000000000000".parse().expect("id");
    let none = page_for_agrees(store, nobody, "u1", 10).await;
    assert!(none.facts.missing && none.page.is_none());
    let nothing = store
        .person_page_for(PersonScope::Nothing, id, "u1", 10, Some(3))
        .await
        .expect("scope nothing");
    assert_eq!(
        nothing.facts,
        store.case_facts(&pid, "u1", 10).await.expect("facts")
    );
    assert!(nothing.page.is_none());
    db.finish().await;
}

/// The page as read with its reader's facts, read twice (the second time,
/// on PostgreSQL, with the parts the first reading left held while the
/// person's page mark stands), is the page read part by part afresh.
async fn page_as_held(store: &Store, id: PersonId) -> safeguard_store::people::PersonPage {
    let fresh = store
        .person_page(PersonScope::All, id, Some(3))
        .await
        .expect("page")
        .expect("found");
    for _ in 0..2 {
        let read = store
            .person_page_for(PersonScope::All, id, "u1", 10, Some(3))
            .await
            .expect("page and facts");
        assert_eq!(read.page.as_ref(), Some(&fresh));
    }
    fresh
}

/// Every change to what the page holds between openings (an entry added,
/// reworded, moved to another person and removed; an enquiry opened and
/// moved on; an alert raised and decided; a merge kept into the record and
/// undone) shows at the next opening, though the server holds a page's
/// parts while the person's page mark stands. Unchanged, the parts are
/// held, not read again, and a change to another person's page leaves this
/// one's held.
async fn page_marks_story(db: TestDb) {
    let store = &db.store;
    let ids = pats_people(store, &[("Ada", "Okafor"), ("Ada", "Okafour")]).await;
    let (id, other) = (ids[0], ids[1]);
    let (pid, oid) = (id.to_string(), other.to_string());
    let held = || testing::page_parts_held(store);

    let before = held();
    assert_eq!(page_as_held(store, id).await.chronology_total, 0);
    assert_eq!(held() - before, 1, "the second opening held");

    let mut tx = store.begin().await.expect("begin");
    for n in 0..4_i64 {
        tx.add_chronology(&contact(
            format!("c{n}"),
            &pid,
            1_000 + n,
            format!("Visit {n}"),
            "Pat",
        ))
        .await
        .expect("entry");
    }
    tx.commit().await.expect("commit");
    let page = page_as_held(store, id).await;
    assert_eq!(page.chronology_total, 4);
    assert_eq!(page.recent_chronology[0].summary, "Visit 3");

    // Another person's change leaves this page's parts held.
    let mut tx = store.begin().await.expect("begin");
    tx.add_chronology(&contact("o1".into(), &oid, 1_500, "Call".into(), "Pat"))
        .await
        .expect("entry");
    tx.commit().await.expect("commit");
    let before = held();
    page_as_held(store, id).await;
    assert_eq!(held() - before, 2, "both openings held");

    let changes: [(&str, String); 4] = [
        (
            "reworded",
            "UPDATE chronology SET summary = 'Visit 3, by phone' WHERE id = 'c3'".into(),
        ),
        (
            "moved",
            format!("UPDATE chronology SET person_id = '{oid}' WHERE id = 'c2'"),
        ),
        ("removed", "DELETE FROM chronology WHERE id = 'c0'".into()),
        (
            "concern",
            "INSERT INTO concerns (id, reference, receipt_hash, state, raiser_kind, channel, \
             received_at, received_on, what_happened, immediate_danger, consent, suspected_types) \
             VALUES ('k1', 'SG-1', 'h', 'received', 'public', 'online', 1, '2026-01-01', 'x', 'no', \
             'yes', '')"
                .into(),
        ),
    ];
    for (what, sql) in &changes {
        execute_raw(store, sql).await.expect(what);
    }
    let page = page_as_held(store, id).await;
    assert_eq!(page.chronology_total, 2);
    assert_eq!(
        page.recent_chronology
            .iter()
            .map(|e| e.summary.as_str())
            .collect::<Vec<_>>(),
        ["Visit 3, by phone", "Visit 1"]
    );
    assert_eq!(page_as_held(store, other).await.chronology_total, 2);

    execute_raw(
        store,
        &format!(
            "INSERT INTO enquiries (id, concern_id, person_id, kind, state, started_on, created_at) \
             VALUES ('e1', 'k1', '{pid}', 's42', 'open', '2026-01-01', 1000)"
        ),
    )
    .await
    .expect("enquiry");
    assert_eq!(page_as_held(store, id).await.enquiries[0].state, "open");
    execute_raw(
        store,
        "UPDATE enquiries SET state = 'concluded' WHERE id = 'e1'",
    )
    .await
    .expect("enquiry moved on");
    assert_eq!(
        page_as_held(store, id).await.enquiries[0].state,
        "concluded"
    );

    let mut tx = store.begin().await.expect("begin");
    tx.insert_alert(&safeguard_store::patterns::AlertRow {
        id: "a1".into(),
        rule: "repeat_concerns".into(),
        subject_kind: "person".into(),
        subject_id: pid.clone(),
        subject_label: "Ada Okafor".into(),
        threshold: 3,
        days: 90,
        raised_at: 7_000,
        decision: None,
        reasons: None,
        decided_at: None,
        decided_by: None,
        decided_by_name: None,
    })
    .await
    .expect("alert");
    tx.commit().await.expect("commit");
    assert_eq!(page_as_held(store, id).await.alerts[0].decision, None);
    execute_raw(
        store,
        "UPDATE pattern_alerts SET decision = 'noted', decided_at = 8000, decided_by = 'u1', \
         decided_by_name = 'Pat' WHERE id = 'a1'",
    )
    .await
    .expect("decided");
    assert_eq!(
        page_as_held(store, id).await.alerts[0].decision.as_deref(),
        Some("noted")
    );

    let mut tx = store.begin().await.expect("begin");
    tx.insert_merge(&safeguard_store::merges::MergeRow {
        id: "m1".into(),
        kept_id: pid.clone(),
        merged_id: oid.clone(),
        kept_version_after: 2,
        kept_before: "{}".into(),
        merged_before: "{}".into(),
        taken_from_merged: String::new(),
        moved: "{}".into(),
        merged_at: 9_000,
        merged_by: "u1".into(),
        undone_at: None,
        undone_by: None,
    })
    .await
    .expect("merge");
    tx.commit().await.expect("commit");
    assert_eq!(page_as_held(store, id).await.merges[0].undone_at, None);
    execute_raw(
        store,
        "UPDATE person_merges SET undone_at = 9500, undone_by = 'u1' WHERE id = 'm1'",
    )
    .await
    .expect("undone");
    assert_eq!(
        page_as_held(store, id).await.merges[0].undone_at,
        Some(9_500)
    );
    db.finish().await;
}

/// The page's chronology total is the count the database keeps: it follows
/// entries added in one statement or several, moved between people (as a
/// merge and its undoing move them) and removed (as disposal does), on both
/// the asking thread's path and the pool's, and never drifts from the
/// entries themselves.
async fn chronology_total_story(db: TestDb) {
    let store = &db.store;
    let ids = pats_people(store, &[("Ada", "Quill"), ("Ben", "Quill")]).await;
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let mut tx = store.begin().await.expect("begin");
    for n in 0..4_i64 {
        let person = if n < 3 { &a } else { &b };
        tx.add_chronology(&contact(
            format!("e{n}"),
            person,
            1_000 + n,
            format!("Visit {n}"),
            "Pat",
        ))
        .await
        .expect("entry");
    }
    tx.commit().await.expect("commit");
    // Several rows in one statement, to both people.
    execute_raw(
        store,
        &format!(
            "INSERT INTO chronology (id, person_id, at, kind, summary, actor_name) VALUES \
             ('e4', '{a}', 1004, 'contact', 'Visit 4', 'Pat'), ('e5', '{b}', 1005, 'contact', 'Visit 5', 'Pat'), \
             ('e6', '{b}', 1006, 'contact', 'Visit 6', 'Pat')"
        ),
    )
    .await
    .expect("entries");
    let pooled = testing::through_pool(store);
    let totals = async |expected: [i64; 2], when: &str| {
        for (id, want) in ids.iter().zip(expected) {
            for s in [store, &pooled] {
                let page = s
                    .person_page(PersonScope::All, *id, Some(2))
                    .await
                    .expect("page")
                    .expect("found");
                assert_eq!(page.chronology_total, want, "{when}: {id}");
            }
        }
        assert_eq!(
            testing::kept_drift(store).await.expect("drift"),
            0,
            "{when}"
        );
    };
    totals([4, 3], "added").await;
    execute_raw(
        store,
        &format!("UPDATE chronology SET person_id = '{b}' WHERE id IN ('e0', 'e1')"),
    )
    .await
    .expect("move");
    totals([2, 5], "two moved").await;
    execute_raw(
        store,
        "UPDATE chronology SET summary = 'Visit 2, again' WHERE id = 'e2'",
    )
    .await
    .expect("edit");
    totals([2, 5], "one edited").await;
    execute_raw(
        store,
        &format!("DELETE FROM chronology WHERE person_id = '{a}' OR id = 'e5'"),
    )
    .await
    .expect("delete");
    totals([0, 4], "removed").await;
    let kept = format!("SELECT COUNT(*) FROM chronology_counts WHERE person_id = '{a}'");
    assert_eq!(
        testing::count_raw(store, &kept).await.expect("count"),
        0,
        "no row is kept for a person without entries"
    );
    db.finish().await;
}

fn concern(id: &str, n: i64) -> (ConcernRow, Vec<AdultRow>) {
    let row = ConcernRow {
        id: id.into(),
        reference: format!("SG-{n:06}"),
        receipt_hash: format!("hash-{n}"),
        state: "received".into(),
        raiser_kind: "public".into(),
        raiser_name: None,
        raiser_role: None,
        raiser_phone: None,
        raiser_email: None,
        raised_by: None,
        raiser_agency_id: None,
        channel: "online".into(),
        received_at: 1_700_000_000_000 + n,
        received_on: "2026-12-04".into(),
        what_happened: format!("Synthetic concern {n}"),
        where_happened: None,
        location_type: None,
        provider_name: None,
        provider_id: None,
        immediate_danger: "no".into(),
        consent: "yes".into(),
        consent_reason: None,
        consent_detail: None,
        suspected_types: "neglect".into(),
        acknowledged_at: None,
        decided_at: None,
        closed_at: None,
    };
    let adult = AdultRow {
        concern_id: id.into(),
        position: 0,
        name: Some(format!("Adult {n}")),
        age: None,
        address: None,
        description: None,
        nhs_number: None,
        person_id: None,
    };
    (row, vec![adult])
}

/// Concerns sent at once are each stored with their audit event before
/// their sender hears so; one that cannot be stored (its id is taken) is
/// refused alone, and the others sharing its commit stand.
async fn concern_intake_story(db: TestDb) {
    let reserve = db.store.reserve();
    let mut handles = Vec::new();
    for n in 0..24_i64 {
        let (store, reserve) = (db.store.clone(), reserve.clone());
        // Two senders use one id: the second to arrive is refused.
        let id = if n == 23 {
            "c-0".to_string()
        } else {
            format!("c-{n}")
        };
        handles.push(tokio::spawn(async move {
            let (row, adults) = concern(&id, n);
            let stored = store
                .store_concern(&reserve, row, adults, event(n, "create", &id))
                .await;
            if stored.is_ok() {
                // Heard "stored": the concern and its adult are there.
                let found = store
                    .concern(&ConcernScope::All, &id)
                    .await
                    .expect("read")
                    .expect("stored concern found");
                assert_eq!(found.id, id);
                assert_eq!(store.concern_adults(&id).await.expect("adults").len(), 1);
            }
            stored.is_ok()
        }));
    }
    let mut stored = 0;
    for h in handles {
        stored += i64::from(h.await.expect("task"));
    }
    assert_eq!(stored, 23, "every concern but the duplicate is stored");
    // One event per stored concern, every one in the chain.
    assert_eq!(
        db.store.verify_audit().await.expect("verify"),
        Verification::Intact { events: 23 }
    );
    let refused = db
        .store
        .store_concern(
            &reserve,
            concern("c-1", 99).0,
            Vec::new(),
            event(99, "create", "c-1"),
        )
        .await;
    assert!(refused.is_err(), "a taken id is refused");
    assert_eq!(
        db.store.verify_audit().await.expect("verify"),
        Verification::Intact { events: 23 },
        "a refused concern leaves no event"
    );
    // More at once than one shared commit takes (256): every one is stored.
    let burst: Vec<_> = (100..400_i64)
        .map(|n| {
            let (store, reserve) = (db.store.clone(), reserve.clone());
            tokio::spawn(async move {
                let id = format!("c-{n}");
                let (row, adults) = concern(&id, n);
                store
                    .store_concern(&reserve, row, adults, event(n, "create", &id))
                    .await
            })
        })
        .collect();
    for h in burst {
        h.await.expect("task").expect("stored");
    }
    assert_eq!(
        db.store.verify_audit().await.expect("verify"),
        Verification::Intact { events: 323 }
    );
    // Another process (its own handle on the database) stores concerns in
    // between: each one here still links onto the true head of the chain.
    let other = Store::connect(&db.url).await.expect("second handle");
    for n in 500..506_i64 {
        let (writer, id) = if n % 2 == 0 {
            (&db.store, format!("c-{n}"))
        } else {
            (&other, format!("c-{n}"))
        };
        let (row, mut adults) = concern(&id, n);
        // Two adults, and none: both stored as sent.
        if n == 502 {
            let mut second = adults[0].clone();
            second.position = 1;
            second.name = Some("Second adult".into());
            adults.push(second);
        }
        if n == 504 {
            adults.clear();
        }
        let expected = adults.len();
        writer
            .store_concern(&other.reserve(), row, adults, event(n, "create", &id))
            .await
            .expect("stored");
        assert_eq!(
            db.store.concern_adults(&id).await.expect("adults").len(),
            expected
        );
    }
    other.close().await;
    assert_eq!(
        db.store.verify_audit().await.expect("verify"),
        Verification::Intact { events: 329 }
    );
    db.finish().await;
}

/// The hottest reads (access facts, the person page) keep connections
/// between them on PostgreSQL: many at once still answer alike, a test
/// holding the whole pool gets the kept ones too (it would wait out the
/// pool's timeout otherwise), and reads go on after the hold and after the
/// kept ones have gone stale.
async fn kept_connections_story(db: TestDb) {
    let store = &db.store;
    let id = pats_people(store, &[("Ada", "Okafor")]).await[0];
    let pid = id.to_string();
    let expected = store.case_facts(&pid, "u1", 0).await.expect("facts");
    assert!(expected.created && !expected.missing);

    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let (store, pid) = (store.clone(), pid.clone());
        reads.spawn(async move {
            let facts = store.case_facts(&pid, "u1", 0).await.expect("facts");
            let page = store
                .person_page(PersonScope::All, id, Some(5))
                .await
                .expect("page")
                .expect("found");
            (facts, page.person.details.given_name)
        });
    }
    while let Some(done) = reads.join_next().await {
        let (facts, name) = done.expect("read");
        assert_eq!(facts, expected);
        assert_eq!(name, "Ada");
    }

    let held = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        safeguard_store::testing::hold_every_connection(store),
    )
    .await
    .expect("every connection, the kept ones included, at once")
    .expect("hold");
    drop(held);
    assert_eq!(
        store.case_facts(&pid, "u1", 0).await.expect("facts"),
        expected
    );
    // Kept longer than the window: back to the pool, and reads go on.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(
        store.case_facts(&pid, "u1", 0).await.expect("facts"),
        expected
    );

    // Closing when no connection is idle in the pool but those kept
    // between hot reads (after the pool's idle timeout, or with the last
    // one still on its way back): they are handed back and closed too.
    store
        .person_page_for(PersonScope::All, id, "u1", 0, Some(5))
        .await
        .expect("page");
    let idle = testing::close_idle_connections(store).await.expect("idle");
    let kept = testing::kept_connections(store);
    assert!((idle > 0 && kept > 0) || db.backend == Backend::Sqlite);
    testing::within(
        std::time::Duration::from_secs(10),
        "closing the pool with connections kept",
        testing::close_pool(store),
    )
    .await;
    db.finish().await;
}

on_both_backends! {
    kept_connections => super::kept_connections_story;
    concern_intake => super::concern_intake_story;
    person_page => super::person_page_story;
    person_page_for => super::person_page_for_story;
    page_marks => super::page_marks_story;
    chronology_total => super::chronology_total_story;
    bulk_load => super::bulk_load_story;
    store_contract => super::store_story;
    audit_group_commit => super::group_commit_story;
    audit_tampering => super::tamper_story;
    concurrent_audit_writers => super::concurrent_writers_story;
}
