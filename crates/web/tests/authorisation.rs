//! The authorisation matrix, generated from the route table: every page
//! route (`safeguard_web::PAGE_ROUTES`, from which the router itself is
//! built) and every API route (the OpenAPI document, generated from the
//! handlers) × every role (and no one signed in) × the record it touches —
//! the user's own team's case, another team's, another agency's, a
//! restricted one, one shared with the user's agency. Each cell has an
//! expected answer: the request gets past authorisation, or it is refused.
//! A refusal is a 401, a 403, a redirect to sign in, or a "not found" that
//! the audit trail records as a denial — so the matrix also proves that
//! every denial is audited. A route with no entry here fails the test.
//! Runs on SQLite and PostgreSQL.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use safeguard_store::on_both_backends;
use safeguard_store::testing::{TestDb, count_raw};
use support::{Api, Browser, TestApp};

/// Who is asking. `None` is no one signed in.
const ROLES: [Option<&str>; 7] = [
    None,
    Some("practitioner"),
    Some("manager"),
    Some("partner"),
    Some("analyst"),
    Some("dpo"),
    Some("admin"),
];

/// The record a request touches, relative to the council's Adult
/// Safeguarding Hub (the demo practitioner's and manager's team) and the
/// demo partner's agency (the police).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cond {
    /// The Hub's case; for concerns, one the Hub recorded.
    Own,
    /// A case North Locality Team holds.
    OtherTeam,
    /// For concerns: one raised by another agency's staff (the NHS), still
    /// waiting for triage; otherwise as `OtherTeam`.
    OtherAgency,
    /// A restricted case (the Hub manager is on its access list).
    Restricted,
    /// The Hub's case whose enquiry was shared with the police (outcomes);
    /// for concerns, one the police partner raised.
    Shared,
}

const CONDS: [Cond; 5] = [
    Cond::Own,
    Cond::OtherTeam,
    Cond::OtherAgency,
    Cond::Restricted,
    Cond::Shared,
];

/// Ids of the records each condition uses.
struct Fixture {
    person: [String; 5],
    enquiry: [String; 5],
    concern: [String; 5],
    provider: String,
    opening: String,
    user: String,
    /// A released file on each record.
    attachment: [String; 5],
}

/// Adds a file to a person's record and releases it as a clean scan would
/// (the matrix runs without a scanner; the scan has its own story).
async fn released_file(app: &TestApp, maker: &Api, person: &str) -> String {
    let id = maker
        .upload(
            &format!("/api/v1/people/{person}/attachments?filename=letter.pdf"),
            "application/pdf",
            b"%PDF-1.7\n% a letter\n%%EOF\n".to_vec(),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let dir = crate::support::attachment_dir();
    std::fs::create_dir_all(dir.join("released")).expect("dir");
    std::fs::copy(
        dir.join(format!("quarantine/{id}")),
        dir.join(format!("released/{id}")),
    )
    .expect("release the file");
    let mut tx = app.db.store.begin_audited().await.expect("tx");
    assert!(
        tx.set_attachment_scan(&id, "released", "clean", 0)
            .await
            .expect("release")
    );
    tx.commit().await.expect("commit");
    id
}

fn at(c: Cond) -> usize {
    CONDS.iter().position(|x| *x == c).unwrap_or(0)
}

const DECISION: &str = r#"{"needs_care_and_support":"yes","needs_evidence":"e","experiencing_abuse":"yes",
    "abuse_evidence":"e","unable_to_protect":"yes","unable_evidence":"e","outcome":"section_42","reasons":"r"}"#;

/// A person made by `maker`, a concern about them recorded by `maker` and
/// decided by `decider`: (person, concern, enquiry).
async fn case(maker: &Api, decider: &Api, name: &str) -> (String, String, String) {
    let person = maker
        .call(
            Method::POST,
            "/api/v1/people",
            Some(&format!(
                r#"{{"given_name":"{name}","family_name":"Matrix"}}"#
            )),
        )
        .await;
    assert_eq!(person.status, StatusCode::CREATED, "{}", person.body);
    let pid = person.json()["id"].as_str().expect("id").to_string();
    let concern = maker
        .call(
            Method::POST,
            "/api/v1/concerns",
            Some(&format!(
                r#"{{"raiser_kind":"family_friend","raiser_name":"A friend","channel":"phone",
                "what_happened":"Worried about money","adults":[{{"person_id":"{pid}"}}],
                "immediate_danger":"no","consent":"yes"}}"#
            )),
        )
        .await;
    assert_eq!(concern.status, StatusCode::CREATED, "{}", concern.body);
    let cid = concern.json()["id"].as_str().expect("id").to_string();
    let decided = decider
        .call(
            Method::POST,
            &format!("/api/v1/concerns/{cid}/decision"),
            Some(DECISION),
        )
        .await;
    assert_eq!(decided.status, StatusCode::NO_CONTENT, "{}", decided.body);
    let enquiries = decider
        .call(Method::GET, "/api/v1/enquiries?state=all", None)
        .await
        .json();
    let eid = enquiries["enquiries"]
        .as_array()
        .expect("enquiries")
        .iter()
        .find(|e| e["person_id"] == pid.as_str())
        .and_then(|e| e["id"].as_str())
        .expect("the enquiry")
        .to_string();
    (pid, cid, eid)
}

/// A concern raised by partner staff through their account.
async fn partner_concern(partner: &Api) -> String {
    let r = partner
        .call(
            Method::POST,
            "/api/v1/concerns",
            Some(
                r#"{"raiser_kind":"staff","channel":"partner","what_happened":"Bruising seen",
                "adults":[{"name":"A patient"}],"immediate_danger":"no","consent":"yes"}"#,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().expect("id").to_string()
}

async fn fixture(app: &TestApp) -> Fixture {
    let user = app
        .add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    app.add_user("north.manager", "manager", "", "North Locality Team")
        .await;
    app.add_user(
        "nhs.nurse",
        "partner",
        "Northbridge Hospitals NHS Trust",
        "Safeguarding Team",
    )
    .await;
    let hub = app.api_as("practitioner").await;
    let hub_manager = app.api_as("manager").await;
    let north = app.api_as("north.worker").await;
    let north_manager = app.api_as("north.manager").await;
    let (own_p, own_c, own_e) = case(&hub, &hub_manager, "Owen").await;
    let (north_p, north_c, north_e) = case(&north, &north_manager, "Norah").await;
    let (res_p, res_c, res_e) = case(&hub, &hub_manager, "Rhiannon").await;
    let r = hub_manager
        .call(
            Method::PUT,
            &format!("/api/v1/people/{res_p}/restriction"),
            Some(r#"{"reason":"A relative works in the Hub"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = hub
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{own_e}/shares"),
            Some(
                r#"{"what":"Outcomes","agency":"Northbridge Police","purpose":"Joint visit",
                "article6":"public_task","article9":"safeguarding","consent":"given","parts":["outcomes"]}"#,
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let own_a = released_file(app, &hub, &own_p).await;
    let north_a = released_file(app, &north, &north_p).await;
    let res_a = released_file(app, &hub_manager, &res_p).await;
    let nhs_c = partner_concern(&app.api_as("nhs.nurse").await).await;
    let police_c = partner_concern(&app.api_as("partner").await).await;
    let provider = hub_manager
        .call(
            Method::POST,
            "/api/v1/providers",
            Some(r#"{"name":"Matrix House","kind":"home_care"}"#),
        )
        .await;
    assert_eq!(provider.status, StatusCode::CREATED, "{}", provider.body);
    let opening = north
        .call(
            Method::POST,
            &format!("/api/v1/people/{own_p}/break-glass"),
            Some(r#"{"reason":"Out of hours call"}"#),
        )
        .await;
    assert_eq!(opening.status, StatusCode::CREATED, "{}", opening.body);
    Fixture {
        person: [own_p.clone(), north_p.clone(), north_p, res_p, own_p],
        enquiry: [own_e.clone(), north_e.clone(), north_e, res_e, own_e],
        concern: [own_c, north_c, nhs_c, res_c, police_c],
        provider: provider.json()["id"].as_str().expect("id").to_string(),
        opening: opening.json()["id"].as_str().expect("id").to_string(),
        user,
        attachment: [own_a.clone(), north_a.clone(), north_a, res_a, own_a],
    }
}

/// What a route touches, and so which expectations apply.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    Signed,
    /// These roles (no particular record).
    Roles(&'static [&'static str]),
    /// A person's case seen in full, by these roles.
    Person(&'static [&'static str]),
    /// Reading an enquiry (council case workers with the case; partners it
    /// was shared with).
    EnquiryRead,
    /// Working on an enquiry, by these roles, with the case.
    EnquiryWork(&'static [&'static str]),
    /// A concern, by these roles, when they may see it.
    Concern(&'static [&'static str]),
}

const CASE: &[&str] = &["practitioner", "manager"];
const MANAGER: &[&str] = &["manager"];
const REPORTS: &[&str] = &["analyst", "manager"];
const RAISERS: &[&str] = &["practitioner", "manager", "partner"];

/// The matrix entry for a route: `None` when it has none (the test fails).
fn rule(method: &str, path: &str) -> Option<Rule> {
    use Rule::*;
    let enquiry_sub =
        path.starts_with("/enquiries/{id}/") || path.starts_with("/api/v1/enquiries/{id}/");
    let r = match (method, path) {
        // Public: signing in, raising a concern, its status, feedback links, assets.
        ("get" | "post", "/login") => Public,
        // The second step of signing in: its challenge cookie, not a session.
        ("get" | "post", "/login/code") => Public,
        // Single sign-on: off to the provider and back (state checked there).
        ("get", "/login/sso" | "/login/sso/callback") => Public,
        ("post", "/logout") => Signed,
        ("get", "/health" | "/assets/{*path}" | "/api/v1/openapi.json") => Public,
        // Operators' monitoring: route templates and counts, no personal data.
        ("get", "/live" | "/ready" | "/metrics") => Public,
        ("get", "/raise" | "/raise/check" | "/raise/done" | "/raise/{step}") => Public,
        ("post", "/raise/start" | "/raise/submit" | "/raise/{step}") => Public,
        ("get" | "post", "/concern-status" | "/feedback/{token}") => Public,
        (
            "post",
            "/api/v1/auth/token" | "/api/v1/public/concerns" | "/api/v1/public/concerns/status",
        ) => Public,
        ("get", "/" | "/restore") => Signed,
        // People.
        ("get" | "post", "/people") | ("get", "/api/v1/people") => Roles(CASE),
        ("get" | "post", "/people/new") | ("post", "/api/v1/people") => Roles(CASE),
        (
            "get",
            "/people/{id}"
            | "/people/{id}/chronology"
            | "/api/v1/people/{id}"
            | "/api/v1/people/{id}/chronology",
        ) => Person(CASE),
        ("get" | "post", "/people/{id}/edit") | ("put", "/api/v1/people/{id}") => Person(CASE),
        // Documents, photos and recordings: with their record (the fixture
        // holds a released file on each record).
        ("get" | "post", "/people/{id}/documents" | "/api/v1/people/{id}/attachments")
        | ("get", "/documents/{id}" | "/api/v1/attachments/{id}") => Person(CASE),
        ("get", "/concerns/{id}/documents" | "/api/v1/concerns/{id}/attachments") => {
            Concern(RAISERS)
        }
        ("post", "/concerns/{id}/documents" | "/api/v1/concerns/{id}/attachments") => Concern(CASE),
        ("get", "/enquiries/{id}/documents" | "/api/v1/enquiries/{id}/attachments") => EnquiryRead,
        // A case file's document for a subject access copy: the DPO's.
        ("get", "/audit/people/{id}/sar/documents/{doc}") => Roles(&["dpo"]),
        // FHIR export under a share (none named here: the case worker is let
        // through to be told to name one).
        ("get", "/people/{id}/fhir" | "/api/v1/people/{id}/fhir") => Person(CASE),
        // Contacts and case notes, the curated chronology and its export:
        // those who may work on the person's case (an entry that does not
        // exist is then simply not found).
        ("get" | "post", "/people/{id}/contacts" | "/people/{id}/chronology/{entry}")
        | ("get", "/people/{id}/chronology.csv")
        | ("post", "/api/v1/people/{id}/contacts")
        | ("put", "/api/v1/people/{id}/chronology/{entry_id}") => Person(CASE),
        // Council case workers may ask to open any record in an emergency;
        // whether it needs opening is the use case's business.
        ("post", "/people/{id}/break-glass" | "/api/v1/people/{id}/break-glass") => Roles(CASE),
        ("get" | "post", "/people/{id}/restrict") | ("post", "/people/{id}/unrestrict") => {
            Person(MANAGER)
        }
        ("put" | "delete", "/api/v1/people/{id}/restriction") => Person(MANAGER),
        // Merging needs ordinary access to both records (the other one here
        // does not exist, so nothing is merged).
        ("post", "/api/v1/people/{id}/merge") => Person(MANAGER),
        ("get" | "post", "/people/merge")
        | ("post", "/people/merges/{id}/undo" | "/api/v1/merges/{id}/undo") => Roles(MANAGER),
        // Access review and the DPO.
        (
            "get",
            "/access/break-glass"
            | "/access/unusual"
            | "/api/v1/access/break-glass"
            | "/api/v1/access/unusual",
        ) => Roles(MANAGER),
        ("get" | "post", "/access/break-glass/{id}")
        | ("post", "/api/v1/access/break-glass/{id}/review") => Roles(MANAGER),
        (
            "get",
            "/audit" | "/audit/people" | "/audit/people/{id}" | "/api/v1/people/{id}/access-report",
        )
        | ("post", "/audit/people") => Roles(&["dpo"]),
        ("get" | "post", "/audit/people/{id}/sar")
        | ("get", "/api/v1/people/{id}/third-parties")
        | ("post", "/api/v1/people/{id}/subject-access") => Roles(&["dpo"]),
        ("get" | "post", "/records/retention")
        | (
            "post",
            "/records/retention/{id}/dispose" | "/records/retention/concerns/{id}/dispose",
        ) => Roles(&["dpo"]),
        // Accounts and settings.
        ("get", "/admin/users" | "/admin/users/{id}")
        | ("get" | "post", "/admin/users/new")
        | (
            "post",
            "/admin/users/{id}/unlock"
            | "/admin/users/{id}/disable"
            | "/admin/users/{id}/enable"
            | "/admin/users/{id}/end-sessions"
            | "/admin/users/{id}/reset-password"
            | "/admin/users/{id}/reset-two-factor"
            | "/admin/users/{id}/credentials/{handle}/end",
        ) => Roles(&["admin"]),
        ("get", "/accounts/approvals") | ("post", "/accounts/approvals/{id}/approve") => {
            Roles(MANAGER)
        }
        ("get", "/people/duplicates" | "/api/v1/duplicates")
        | ("post", "/people/duplicates/{id}/distinct" | "/api/v1/duplicates/{id}/distinct") => {
            Roles(MANAGER)
        }
        ("get" | "post", "/account/password") | ("delete", "/api/v1/auth/token") => Signed,
        // Each user's own second factor.
        ("get", "/account/two-factor")
        | (
            "post",
            "/account/two-factor/start"
            | "/account/two-factor/confirm"
            | "/account/two-factor/recovery-codes"
            | "/account/two-factor/remove",
        ) => Signed,
        ("get" | "post", "/account/set-password/{token}") => Public,
        ("get", "/admin/calendar" | "/api/v1/calendar") => Roles(&["manager", "admin"]),
        (
            "post",
            "/admin/calendar/targets"
            | "/admin/calendar/holidays"
            | "/admin/calendar/holidays/remove",
        )
        | ("put", "/api/v1/calendar/targets")
        | ("post", "/api/v1/calendar/holidays") => Roles(&["manager", "admin"]),
        // The plan summary's translations and the feedback questions: set by
        // managers and administrators, read by anyone signed in (they are not
        // about anyone).
        (
            "get",
            "/admin/summary-translations"
            | "/admin/summary-translations/new"
            | "/admin/summary-translations/{lang}",
        )
        | ("post", "/admin/summary-translations/new" | "/admin/summary-translations/{lang}")
        | ("put" | "delete", "/api/v1/settings/summary-translations/{lang}")
        | ("get" | "post", "/admin/feedback-questions")
        | ("put", "/api/v1/settings/feedback-questions") => Roles(&["manager", "admin"]),
        (
            "get",
            "/api/v1/settings/summary-translations" | "/api/v1/settings/feedback-questions",
        ) => Signed,
        // Reports.
        (
            "get",
            "/reports/sac"
            | "/reports/dashboard"
            | "/reports/sac/{year}/{file}"
            | "/reports/reviews",
        ) => Roles(REPORTS),
        (
            "get",
            "/api/v1/reports/sac/{year}"
            | "/api/v1/reports/sac/{year}/quality"
            | "/api/v1/reports/dashboard",
        ) => Roles(REPORTS),
        (
            "get",
            "/reports/sac/{year}/cells/{table}/{row}/{column}"
            | "/api/v1/reports/sac/{year}/cells/{table}/{row}/{column}",
        ) => Roles(MANAGER),
        ("post", "/reports/reviews" | "/api/v1/reviews") => Roles(MANAGER),
        // A review that does not exist: read by report roles ("not found"
        // is the answer, not a refusal), added to by managers.
        ("get", "/reports/reviews/{id}" | "/api/v1/reviews/{id}") => Roles(REPORTS),
        (
            "post",
            "/reports/reviews/{id}/recommendations" | "/api/v1/reviews/{id}/recommendations",
        ) => Roles(MANAGER),
        // A recommendation that does not exist: refused to all, audited.
        ("post", "/reports/recommendations/{id}/status")
        | ("put", "/api/v1/recommendations/{id}/status") => Roles(&[]),
        // Training: each worker's own (anyone signed in); the frameworks are
        // readable by all and edited by administrators; compliance by managers
        // (their team) and, as figures without names, analysts.
        ("get" | "post", "/learning" | "/api/v1/learning") => Signed,
        ("get", "/learning/frameworks" | "/api/v1/learning/frameworks") => Signed,
        ("get", "/learning/compliance" | "/api/v1/learning/figures") => Roles(REPORTS),
        ("get", "/api/v1/learning/compliance") => Roles(MANAGER),
        // The worker here (north.worker) is in another team than the demo
        // manager, so no role in the matrix may see or record their training.
        ("get" | "post", "/learning/workers/{id}") | ("get", "/api/v1/learning/workers/{id}") => {
            Roles(&[])
        }
        ("get", "/learning/frameworks/levels/{id}")
        | (
            "post",
            "/learning/frameworks/levels"
            | "/learning/frameworks/levels/{id}"
            | "/learning/frameworks/requirements"
            | "/api/v1/learning/frameworks/levels"
            | "/learning/frameworks/job-requirements"
            | "/admin/users/{id}/workforce-lead"
            | "/admin/users/{id}/job-title",
        )
        | (
            "put",
            "/api/v1/learning/frameworks/levels/{id}"
            | "/api/v1/learning/frameworks/requirements"
            | "/api/v1/learning/frameworks/job-requirements"
            | "/api/v1/users/{id}/workforce-lead"
            | "/api/v1/users/{id}/job-title",
        ) => Roles(&["admin"]),
        // Supervision: one's own (anyone signed in; empty for most); a
        // worker's for the worker, their supervisor and whoever oversees them.
        // The worker here (north.worker) is overseen by none of the matrix's
        // roles, and the action does not exist: refused to all, audited.
        // Plan actions one owns: anyone signed in sees their own list; an
        // action that does not exist (or is not theirs) is refused, audited.
        ("get", "/actions" | "/api/v1/actions") => Signed,
        ("post", "/actions/{id}") | ("put", "/api/v1/actions/{id}") => Roles(&[]),
        ("get", "/supervision" | "/api/v1/supervision") => Signed,
        // Reflections: one's own log and CPD record (anyone signed in); a
        // worker's for their supervisor and whoever oversees them — none of
        // the matrix's roles for north.worker.
        ("get" | "post", "/reflections" | "/api/v1/reflections") => Signed,
        ("get", "/reflections/cpd.csv" | "/api/v1/reflections/cpd") => Signed,
        ("get", "/reflections/workers/{id}" | "/api/v1/reflections/workers/{id}") => Roles(&[]),
        ("get", "/supervision/workers/{id}" | "/api/v1/supervision/workers/{id}")
        | (
            "post",
            "/supervision/workers/{id}/agreement"
            | "/supervision/workers/{id}/sessions"
            | "/supervision/actions/{id}/done"
            | "/api/v1/supervision/workers/{id}/sessions"
            | "/api/v1/supervision/actions/{id}/done",
        )
        | ("put", "/api/v1/supervision/workers/{id}/agreement") => Roles(&[]),
        // Case-file audit: the lists for council case workers; drawing a
        // sample for the workforce lead (none of the matrix's roles); an
        // audit or action that does not exist: refused to all, audited. The
        // themes are figures for report roles; the templates are about no one,
        // read by all and kept by administrators.
        ("get", "/case-audits" | "/api/v1/case-audits") => Roles(CASE),
        ("post", "/case-audits/sample" | "/api/v1/case-audits/sample") => Roles(&[]),
        ("get", "/case-audits/{id}" | "/api/v1/case-audits/{id}")
        | (
            "post",
            "/case-audits/{id}/assign"
            | "/case-audits/{id}/grades"
            | "/case-audits/{id}/moderation"
            | "/case-audits/{id}/response"
            | "/case-audits/actions/{id}/done"
            | "/api/v1/case-audits/actions/{id}/done",
        )
        | (
            "put",
            "/api/v1/case-audits/{id}/assignment"
            | "/api/v1/case-audits/{id}/grades"
            | "/api/v1/case-audits/{id}/moderation"
            | "/api/v1/case-audits/{id}/response",
        ) => Roles(&[]),
        ("get", "/case-audits/themes" | "/api/v1/case-audits/themes") => Roles(REPORTS),
        ("get", "/case-audits/templates" | "/api/v1/case-audits/templates") => Signed,
        (
            "post",
            "/case-audits/templates"
            | "/api/v1/case-audits/templates"
            | "/case-audits/templates/{id}/activate"
            | "/api/v1/case-audits/templates/{id}/activate",
        ) => Roles(&["admin"]),
        // Concerns.
        ("get", "/concerns" | "/api/v1/concerns") => Roles(RAISERS),
        ("get" | "post", "/concerns/new") | ("post", "/api/v1/concerns") => Roles(RAISERS),
        ("get", "/concerns/{id}" | "/api/v1/concerns/{id}") => Concern(RAISERS),
        (
            "post",
            "/concerns/{id}/decision"
            | "/concerns/{id}/close"
            | "/api/v1/concerns/{id}/decision"
            | "/api/v1/concerns/{id}/close",
        ) => Concern(MANAGER),
        (
            "post",
            "/concerns/{id}/messages"
            | "/concerns/{id}/provider"
            | "/concerns/{id}/adults/{position}/link"
            | "/concerns/{id}/adults/{position}/create-person"
            | "/api/v1/concerns/{id}/messages"
            | "/api/v1/concerns/{id}/adults/{position}/link",
        )
        | ("put", "/api/v1/concerns/{id}/provider") => Concern(CASE),
        // People alleged to have caused harm: council case workers who may
        // see the concern (never its raiser).
        (
            "post",
            "/concerns/{id}/alleged"
            | "/concerns/{id}/alleged/{alleged}/outcome"
            | "/api/v1/concerns/{id}/alleged",
        )
        | ("get", "/api/v1/concerns/{id}/alleged")
        | ("put", "/api/v1/concerns/{id}/alleged/{alleged}/outcome") => Concern(CASE),
        // Pattern alerts: council managers decide them; the thresholds are
        // set by managers and administrators.
        ("get", "/alerts" | "/alerts/{id}" | "/api/v1/alerts" | "/api/v1/alerts/{id}")
        | ("post", "/alerts/{id}/decision" | "/api/v1/alerts/{id}/decision") => Roles(MANAGER),
        ("get" | "post", "/admin/pattern-rules") | ("get" | "put", "/api/v1/pattern-rules") => {
            Roles(&["manager", "admin"])
        }
        // Large-scale enquiries: council case workers see them and work on
        // their plans and meetings; managers open, link and close them.
        (
            "get",
            "/large-scale-enquiries"
            | "/large-scale-enquiries/{id}"
            | "/api/v1/large-scale-enquiries"
            | "/api/v1/large-scale-enquiries/{id}",
        )
        | (
            "post",
            "/large-scale-enquiries/{id}/actions"
            | "/large-scale-enquiries/{id}/actions/{action}"
            | "/large-scale-enquiries/{id}/meetings"
            | "/api/v1/large-scale-enquiries/{id}/actions"
            | "/api/v1/large-scale-enquiries/{id}/meetings",
        )
        | ("put", "/api/v1/large-scale-enquiries/{id}/actions/{action}") => Roles(CASE),
        (
            "post",
            "/large-scale-enquiries"
            | "/large-scale-enquiries/{id}/links"
            | "/large-scale-enquiries/{id}/close"
            | "/api/v1/large-scale-enquiries"
            | "/api/v1/large-scale-enquiries/{id}/links"
            | "/api/v1/large-scale-enquiries/{id}/close",
        ) => Roles(MANAGER),
        ("get", "/providers" | "/providers/new" | "/providers/{id}" | "/api/v1/providers/{id}")
        | ("post", "/providers/new" | "/api/v1/providers") => Roles(CASE),
        // Enquiries.
        ("get", "/enquiries" | "/api/v1/enquiries") => Roles(CASE),
        ("get", "/enquiries/{id}" | "/api/v1/enquiries/{id}") => EnquiryRead,
        // Read with the enquiry: partners it was shared with get only what was shared (empty lists).
        (
            "get",
            "/api/v1/enquiries/{id}/records"
            | "/api/v1/enquiries/{id}/actions"
            | "/api/v1/enquiries/{id}/shares",
        ) => EnquiryRead,
        // Task pages: the person's voice is read by a partner it was shared
        // with (the fixture shares the outcomes only); the other parts are
        // for the council staff with the case, and not found for a partner.
        ("get", "/enquiries/{id}/voice") => EnquiryRead,
        (
            "get",
            "/enquiries/{id}/safeguards"
            | "/enquiries/{id}/plan"
            | "/enquiries/{id}/meetings"
            | "/enquiries/{id}/conclusion"
            | "/enquiries/{id}/team"
            | "/enquiries/{id}/sharing"
            | "/enquiries/{id}/feedback",
        ) => EnquiryWork(CASE),
        // The plan in plain words names the person: for those with the case.
        ("get", "/enquiries/{id}/summary") => EnquiryWork(CASE),
        (
            "post",
            "/enquiries/{id}/allocate"
            | "/enquiries/{id}/sign-off"
            | "/api/v1/enquiries/{id}/allocate"
            | "/api/v1/enquiries/{id}/sign-off",
        ) => EnquiryWork(MANAGER),
        ("post" | "put" | "delete", _) if enquiry_sub => EnquiryWork(CASE),
        _ => return None,
    };
    Some(r)
}

fn council(role: &str) -> bool {
    CASE.contains(&role)
}

/// May `role` see the person's case in full under `cond`?
fn sees_case(role: &str, cond: Cond) -> bool {
    council(role)
        && match cond {
            Cond::Own | Cond::Shared => true,
            Cond::OtherTeam | Cond::OtherAgency => false,
            Cond::Restricted => role == "manager",
        }
}

/// The expected answer: does the request get past authorisation?
fn expected(rule: Rule, role: Option<&str>, cond: Cond) -> bool {
    let Some(role) = role else {
        return matches!(rule, Rule::Public);
    };
    match rule {
        Rule::Public | Rule::Signed => true,
        Rule::Roles(roles) => roles.contains(&role),
        Rule::Person(roles) => roles.contains(&role) && sees_case(role, cond),
        Rule::EnquiryRead => {
            sees_case(role, cond) || (role == "partner" && matches!(cond, Cond::Own | Cond::Shared))
        }
        Rule::EnquiryWork(roles) => roles.contains(&role) && sees_case(role, cond),
        Rule::Concern(roles) => {
            roles.contains(&role)
                && match (council(role), cond) {
                    (true, Cond::OtherTeam) => false,
                    (true, Cond::Restricted) => role == "manager",
                    (true, _) => true,
                    (false, c) => c == Cond::Shared,
                }
        }
    }
}

/// Fills a route's path parameters for `cond`.
fn fill(path: &str, f: &Fixture, cond: Cond) -> String {
    let i = at(cond);
    let id = if path.contains("/people/{id}") {
        f.person[i].as_str()
    } else if path.contains("/enquiries/{id}") {
        f.enquiry[i].as_str()
    } else if path.contains("/concerns/{id}") {
        f.concern[i].as_str()
    } else if path.contains("/documents/{id}") || path.contains("/attachments/{id}") {
        f.attachment[i].as_str()
    } else if path.contains("/providers/{id}") {
        f.provider.as_str()
    } else if path.contains("/break-glass/{id}") {
        f.opening.as_str()
    } else if path.contains("/users/{id}") || path.contains("/workers/{id}") {
        f.user.as_str()
    } else {
        "01900000-0000-7000-8000-000000000000"
    };
    path.replace("{id}", id)
        .replace("{year}", "2025-26")
        .replace("{file}", "sg1a.csv")
        .replace("{table}", "SG2c")
        .replace("{row}", "0")
        .replace("{column}", "0")
        .replace("{lang}", "cy")
        .replace("{kind}", "advocacy")
        .replace("{step}", "who")
        .replace("{token}", "not-a-token")
        .replace("{handle}", "0123456789ab")
        .replace("{position}", "0")
        .replace("{*path}", "safeguard.css")
        .replace("{outcome}", "01900000-0000-7000-8000-000000000001")
        .replace("{outcome_id}", "01900000-0000-7000-8000-000000000001")
        .replace("{action}", "01900000-0000-7000-8000-000000000002")
        .replace("{action_id}", "01900000-0000-7000-8000-000000000002")
        .replace("{entry}", "01900000-0000-7000-8000-000000000003")
        .replace("{entry_id}", "01900000-0000-7000-8000-000000000003")
        .replace("{doc}", &f.attachment[i])
}

/// A request body the API can read (fields empty or wrong, so nothing is
/// written): the matrix is about who may ask, not what they send.
fn api_body(path: &str) -> &'static str {
    let tail = path.rsplit('/').next().unwrap_or("");
    if path.contains("/outcomes/") {
        return r#"{"text":""}"#;
    }
    if path.contains("/actions/") {
        return r#"{"status":"nonsense"}"#;
    }
    match tail {
        "sign-off" => r#"{"approve":false}"#,
        "break-glass" => r#"{"reason":""}"#,
        "review" => r#"{"justified":false,"finding":""}"#,
        "members" => r#"{"username":"","reason":""}"#,
        "restriction" => r#"{"reason":""}"#,
        "merge" => r#"{"merge":"01900000-0000-7000-8000-000000000000"}"#,
        "feedback-links" => r#"{"respondent":""}"#,
        "messages" => r#"{"message":""}"#,
        "link" => r#"{"person_id":"01900000-0000-7000-8000-000000000000"}"#,
        "holidays" => r#"{"day":"","name":"","remove":false}"#,
        "targets" => r#"{"acknowledge_days":0,"decision_days":0}"#,
        "feedback-questions" => r#"{"questions":[]}"#,
        "subject-access" => r#"{"withhold":[]}"#,
        "workforce-lead" => r#"{"lead":false}"#,
        "job-title" => r#"{"job_title":"\u0007"}"#,
        "job-requirements" => r#"{"job_title":""}"#,
        "requirements" => r#"{"requirements":[]}"#,
        "status" if path.contains("/recommendations/") => r#"{"status":"done"}"#,
        "contacts" => "{}",
        _ if path.contains("/chronology/") => "{}",
        _ if path.starts_with("/api/v1/people/") => r#"{"version":0,"person":{}}"#,
        _ => "{}",
    }
}

/// Whether a route's answer depends on a record.
fn record_route(path: &str) -> bool {
    [
        "/people/{id}",
        "/enquiries/{id}",
        "/concerns/{id}",
        "/documents/{id}",
        "/attachments/{id}",
    ]
    .iter()
    .any(|p| path.contains(p))
}

async fn denials(app: &TestApp, username: &str) -> i64 {
    count_raw(
        &app.db.store,
        &format!(
            "SELECT COUNT(*) FROM audit_events WHERE actor_name = '{username}' AND outcome = 'denied'"
        ),
    )
    .await
    .expect("count")
}

/// One request through a page session (with its CSRF token) or the API:
/// whether it got past authorisation.
async fn passes(
    app: &TestApp,
    role: Option<&str>,
    method: &str,
    path: &str,
    pages: &mut Option<Browser>,
    csrf: &str,
    bearer: &Option<String>,
) -> (bool, StatusCode) {
    let before = match role {
        Some(r) => denials(app, r).await,
        None => 0,
    };
    let is_api = path.starts_with("/api/");
    let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
    let mut b = Request::builder().method(m.clone()).uri(path);
    let body = if is_api {
        if let Some(t) = bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if m == Method::GET || m == Method::DELETE {
            Body::empty()
        } else {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(api_body(path))
        }
    } else {
        let browser = pages.as_ref();
        if let Some(br) = browser {
            let cookies = br
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            b = b.header(header::COOKIE, cookies);
        }
        if m == Method::POST {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(format!("csrf_token={csrf}"))
        } else {
            Body::empty()
        }
    };
    let page = match pages.as_mut() {
        Some(br) => br.send(b.body(body).expect("request")).await,
        None => {
            let mut anon = Browser {
                router: app.router.clone(),
                cookies: Default::default(),
                csrf: None,
            };
            anon.send(b.body(body).expect("request")).await
        }
    };
    let after = match role {
        Some(r) => denials(app, r).await,
        None => 0,
    };
    let to_login = page
        .headers
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.starts_with("/login"));
    // Public forms refuse a post without their form token: that is the CSRF
    // check (tested on its own), not a refusal of who is asking.
    let csrf_only = role.is_none() && page.contains("This form has expired");
    let refused = (matches!(
        page.status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
    ) && !csrf_only)
        || to_login
        || after > before;
    (!refused, page.status)
}

async fn matrix_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let f = fixture(&app).await;
    let doc = Api::new(&app)
        .call(Method::GET, "/api/v1/openapi.json", None)
        .await
        .json();
    let mut routes: Vec<(String, String)> = Vec::new();
    for (path, methods) in safeguard_web::PAGE_ROUTES {
        for m in *methods {
            routes.push((m.to_string(), path.to_string()));
        }
    }
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in item.as_object().expect("item").keys() {
            routes.push((m.to_string(), path.to_string()));
        }
    }
    routes.sort();
    routes.dedup();
    let missing: Vec<String> = routes
        .iter()
        .filter(|(m, p)| rule(m, p).is_none())
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an authorisation matrix entry (add them to rule()): {missing:#?}"
    );
    let mut failures = Vec::new();
    let mut cells = 0;
    for role in ROLES {
        let (mut pages, csrf, bearer) = match role {
            None => (None, String::new(), None),
            Some(r) => {
                let mut b = app.browser();
                b.login_ok(r).await;
                b.get("/").await;
                let csrf = b.csrf.clone().expect("the session's form token");
                let a = app.api_as(r).await;
                (Some(b), csrf, a.token.clone())
            }
        };
        for (method, path) in &routes {
            // Signing out would end the session (or the token) the rest of
            // the row uses; no one signed in is still refused it.
            if (path == "/logout" || (method == "delete" && path == "/api/v1/auth/token"))
                && role.is_some()
            {
                continue;
            }
            let rule = rule(method, path).expect("checked above");
            let conds: &[Cond] = if record_route(path) {
                &CONDS
            } else {
                &[Cond::Own]
            };
            for cond in conds {
                let url = fill(path, &f, *cond);
                let want = expected(rule, role, *cond);
                let (got, status) =
                    passes(&app, role, method, &url, &mut pages, &csrf, &bearer).await;
                cells += 1;
                if status.is_server_error() {
                    // A server error is never an answer, allowed or refused.
                    failures.push(format!(
                        "{:<13} {:<6} {path:<55} {cond:?}: server error ({status})",
                        role.unwrap_or("(no one)"),
                        method.to_uppercase(),
                    ));
                } else if got != want {
                    failures.push(format!(
                        "{:<13} {:<6} {path:<55} {cond:?}: expected {}, got {} ({status})",
                        role.unwrap_or("(no one)"),
                        method.to_uppercase(),
                        if want { "through" } else { "refused" },
                        if got { "through" } else { "refused" },
                    ));
                }
            }
            // A route that changed the fixture puts it back: the restriction stays.
            if path.ends_with("unrestrict") || path.ends_with("/restriction") {
                let m = app.api_as("manager").await;
                m.call(
                    Method::PUT,
                    &format!(
                        "/api/v1/people/{}/restriction",
                        f.person[at(Cond::Restricted)]
                    ),
                    Some(r#"{"reason":"A relative works in the Hub"}"#),
                )
                .await;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} authorisation cells differ from the matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!(
        "authorisation matrix: {cells} cells, {} routes",
        routes.len()
    );
    app.finish().await;
}

on_both_backends! {
    every_route_role_and_record_as_the_matrix_says => super::matrix_story;
}
