//! Need-to-know pages: what someone outside a record's need-to-know sees
//! (with the emergency opening form), restricting a record, the
//! break-glass review queue, and inviting someone into an enquiry.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::access::{LimitedRecord, RestrictionView};
use safeguard_core::rows::BreakGlassListRow;
use safeguard_domain::policy::{Action, Decision, decide};
use safeguard_domain::validation::FieldErrors;

use crate::AppState;
use crate::auth::SignedIn;
use crate::charts::esc;
use crate::display::{audit_time, when};
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

#[derive(Template)]
#[template(path = "limited.html")]
struct LimitedTemplate {
    l: Layout,
    f: FormView,
    person_id: String,
    name: String,
    restricted: bool,
    contact: String,
    can_break_glass: bool,
    minutes: u64,
    /// A fresh second factor is asked for.
    step_up: bool,
}

/// The page shown for a record outside the user's need-to-know: the name,
/// who to contact and, for council case workers, the emergency opening form.
pub(crate) fn limited_page(
    state: &AppState,
    user: &SignedIn,
    l: &LimitedRecord,
    f: FormView,
    status: StatusCode,
) -> Response {
    let t = LimitedTemplate {
        l: Layout::new(l.name.clone(), user).with_errors(&f.errors),
        f,
        person_id: l.person_id.clone(),
        name: l.name.clone(),
        restricted: l.restricted,
        contact: l.contact.clone(),
        can_break_glass: decide(&user.actor, Action::BreakGlass) == Decision::Allow,
        minutes: state.core.config().break_glass.as_secs() / 60,
        step_up: state.core.config().break_glass_step_up,
    };
    render(status, &t)
}

/// A restricted record's restriction as the person page shows it.
pub(crate) struct RestrictionPanel {
    pub(crate) reason: String,
    pub(crate) contact: String,
    pub(crate) by: String,
    pub(crate) at: String,
    pub(crate) names: String,
}

impl From<RestrictionView> for RestrictionPanel {
    fn from(v: RestrictionView) -> Self {
        RestrictionPanel {
            reason: v.restriction.reason,
            contact: v.restriction.contact,
            by: v.restricted_by,
            at: when(v.restriction.restricted_at),
            names: v
                .access_list
                .iter()
                .map(|u| format!("{} ({})", u.display_name, u.agency_name))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// `POST /people/{id}/break-glass`: opens the record in an emergency.
pub(crate) async fn break_glass(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .break_glass(
            &user.actor,
            &id,
            f.get("reason"),
            f.get("code"),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let Some(l) = state.core.limited_record(&id).await? else {
                return Err(PageError::not_found());
            };
            Ok(limited_page(
                &state,
                &user,
                &l,
                FormView { data: f, errors },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "restrict.html")]
struct RestrictTemplate {
    l: Layout,
    f: FormView,
    person_id: String,
    name: String,
    restricted: bool,
}

async fn restrict_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    f: Option<FormView>,
) -> Result<Response, PageError> {
    let pid = id.parse().map_err(|_| PageError::not_found())?;
    let person = state
        .core
        .view_person(&user.actor, pid, &user.ctx, user.now)
        .await?;
    if decide(&user.actor, Action::RestrictRecord) == Decision::Deny {
        return Err(PageError::forbidden());
    }
    let current = person.restriction().await?;
    let status = if f.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let f = match f {
        Some(f) => f,
        None => {
            let mut data = FormData::default();
            if let Some(c) = &current {
                data.set("reason", c.restriction.reason.clone());
                data.set("contact", c.restriction.contact.clone());
                data.set(
                    "access_list",
                    c.access_list
                        .iter()
                        .map(|u| u.username.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
            FormView {
                data,
                errors: FieldErrors::new(),
            }
        }
    };
    let name = person.details.full_name();
    let t = RestrictTemplate {
        l: Layout::new(format!("Restrict the record of {name}"), user).with_errors(&f.errors),
        f,
        person_id: id.to_string(),
        name,
        restricted: current.is_some(),
    };
    Ok(render(status, &t))
}

/// `GET /people/{id}/restrict`.
pub(crate) async fn restrict_form(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    restrict_page(&state, &user, &id, None).await
}

/// `POST /people/{id}/restrict`.
pub(crate) async fn restrict(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .restrict_person(
            &user.actor,
            &id,
            f.get("reason"),
            f.get("contact"),
            f.get("access_list"),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}?saved=1")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            restrict_page(&state, &user, &id, Some(FormView { data: f, errors })).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /people/{id}/unrestrict`.
pub(crate) async fn unrestrict(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .core
        .lift_restriction(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Redirect::to(&format!("/people/{id}?saved=1")).into_response())
}

/// One emergency opening as the review pages show it.
struct OpeningView {
    id: String,
    person: String,
    user: String,
    reason: String,
    opened: String,
    expires: String,
    finding: String,
}

impl From<BreakGlassListRow> for OpeningView {
    fn from(r: BreakGlassListRow) -> Self {
        let finding = match (r.justified, r.finding) {
            (Some(true), Some(f)) => format!("Justified. {f}"),
            (Some(false), Some(f)) => format!("Not justified. {f}"),
            (_, Some(f)) => f,
            _ => String::new(),
        };
        OpeningView {
            id: r.id,
            person: r.person_name,
            user: format!("{} ({})", r.user_name, r.username),
            reason: r.reason,
            opened: when(r.opened_at),
            expires: when(r.expires_at),
            finding: match (finding.is_empty(), r.reviewer_name) {
                (false, Some(by)) => format!("{finding} (by {by})"),
                _ => finding,
            },
        }
    }
}

#[derive(Template)]
#[template(path = "break_glass.html")]
struct QueueTemplate {
    l: Layout,
    f: FormView,
    open: Vec<OpeningView>,
    reviewed: Vec<OpeningView>,
}

/// `GET /access/break-glass`: the review queue.
pub(crate) async fn queue(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let q = state
        .core
        .break_glass_queue(&user.actor, &user.ctx, user.now)
        .await?;
    let t = QueueTemplate {
        l: Layout::new("Emergency openings of records", &user),
        f: FormView::default(),
        open: q.open.into_iter().map(OpeningView::from).collect(),
        reviewed: q.reviewed.into_iter().map(OpeningView::from).collect(),
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "break_glass_review.html")]
struct ReviewTemplate {
    l: Layout,
    f: FormView,
    o: OpeningView,
    yes_no: Vec<(&'static str, &'static str)>,
    events: Vec<(String, String, String)>,
}

async fn review_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    f: FormView,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (row, events) = state
        .core
        .break_glass_review(&user.actor, id, &user.ctx, user.now)
        .await?;
    let t = ReviewTemplate {
        l: Layout::new("Review an emergency opening", user).with_errors(&f.errors),
        f,
        o: OpeningView::from(row),
        yes_no: vec![("yes", "Yes"), ("no", "No")],
        events: events
            .into_iter()
            .map(|e| {
                (
                    audit_time(e.at),
                    format!("{} {}", e.action, e.detail.unwrap_or_default()),
                    e.outcome,
                )
            })
            .collect(),
    };
    Ok(render(status, &t))
}

/// `GET /access/break-glass/{id}`: one opening and its review form.
pub(crate) async fn review_form(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    review_page(&state, &user, &id, FormView::default(), StatusCode::OK).await
}

/// `POST /access/break-glass/{id}`: closes the review with a finding.
pub(crate) async fn review(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .review_break_glass(
            &user.actor,
            &id,
            f.get("justified"),
            f.get("finding"),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/access/break-glass").into_response()),
        Err(CoreError::Invalid(errors)) => {
            review_page(
                &state,
                &user,
                &id,
                FormView { data: f, errors },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "access_people.html")]
struct AccessPeopleTemplate {
    l: Layout,
    q: String,
    searched: bool,
    /// (id, name, date of birth, postcode).
    results: Vec<(String, String, String, String)>,
}

/// Search words.
#[derive(serde::Deserialize)]
pub(crate) struct FindQuery {
    q: Option<String>,
}

/// `GET /audit/people`: the data protection officer finds a person.
pub(crate) async fn find_person(
    State(state): State<AppState>,
    user: SignedIn,
    axum::extract::Query(fq): axum::extract::Query<FindQuery>,
) -> Result<Response, PageError> {
    find_page(state, user, fq.q.unwrap_or_default()).await
}

/// `POST /audit/people` with `q` (names stay out of addresses).
pub(crate) async fn find_person_post(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let q = FormData::parse(&body).get("q").to_string();
    find_page(state, user, q).await
}

async fn find_page(state: AppState, user: SignedIn, q: String) -> Result<Response, PageError> {
    let searched = !q.trim().is_empty();
    let results = if searched {
        state
            .core
            .dpo_find_people(&user.actor, &q, &user.ctx, user.now)
            .await?
    } else {
        state
            .core
            .require(&user.actor, Action::ViewAudit, &user.ctx, user.now)
            .await?;
        Vec::new()
    };
    let t = AccessPeopleTemplate {
        l: Layout::new("Who looked at a person's record", &user),
        q,
        searched,
        results: results
            .into_iter()
            .map(|p| {
                (
                    p.id.to_string(),
                    format!("{} {}", p.given_name, p.family_name),
                    p.date_of_birth
                        .map(safeguard_domain::person::iso_date)
                        .unwrap_or_else(|| "Not known".into()),
                    p.postcode.unwrap_or_default(),
                )
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &t))
}

/// A row of the access report: (time, who, what, why).
type ReportRow = (String, String, String, String);

#[derive(Template)]
#[template(path = "access_report.html")]
struct AccessReportTemplate {
    l: Layout,
    person_id: String,
    name: String,
    produced: String,
    people: usize,
    agencies: String,
    /// Each day, newest last: (the day, its rows (time, who, what, why)).
    days: Vec<(String, Vec<ReportRow>)>,
    /// The version to give to the person or their advocate.
    for_person: bool,
    /// The council's name.
    council: String,
}

/// `?for=person`: the version to give to the person.
#[derive(serde::Deserialize)]
pub(crate) struct ReportFor {
    #[serde(rename = "for")]
    for_whom: Option<String>,
}

/// `GET /audit/people/{id}`: the person's access report, a row per viewing,
/// by day; `?for=person` gives the version for the person or their advocate.
pub(crate) async fn access_report(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ReportFor>,
) -> Result<Response, PageError> {
    let r = state
        .core
        .access_report(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let mut days: Vec<(String, Vec<ReportRow>)> = Vec::new();
    for e in r.entries {
        let d = crate::display::day(e.at);
        let row = (
            crate::display::clock(e.at),
            if e.agency.is_empty() {
                format!("{} ({})", e.who, e.role)
            } else {
                format!("{} ({}, {})", e.who, e.role, e.agency)
            },
            e.what,
            e.why.to_string(),
        );
        match days.last_mut() {
            Some((last, rows)) if *last == d => rows.push(row),
            _ => days.push((d, vec![row])),
        }
    }
    let for_person = q.for_whom.as_deref() == Some("person");
    let t = AccessReportTemplate {
        l: Layout::new(
            if for_person {
                format!("Who has looked at your record: {}", r.person_name)
            } else {
                format!("Access report: {}", r.person_name)
            },
            &user,
        ),
        person_id: id,
        name: r.person_name,
        produced: crate::display::day(safeguard_core::unix_ms(user.now)),
        people: r.people,
        agencies: r.agencies.join(", "),
        days,
        for_person,
        council: user.actor.agency_name.clone(),
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "unusual_access.html")]
struct UnusualTemplate {
    l: Layout,
    days: i64,
    burst: i64,
    glass: i64,
    findings: Vec<(String, String, String)>,
}

/// `GET /access/unusual`: unusual access, for managers.
pub(crate) async fn unusual(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    use safeguard_domain::access_report::{BREAK_GLASS_FLAG, BURST_PER_HOUR, UNUSUAL_WINDOW_DAYS};
    let findings = state
        .core
        .unusual_access(&user.actor, &user.ctx, user.now)
        .await?;
    let t = UnusualTemplate {
        l: Layout::new("Unusual access", &user),
        days: UNUSUAL_WINDOW_DAYS,
        burst: BURST_PER_HOUR,
        glass: BREAK_GLASS_FLAG,
        findings: findings
            .into_iter()
            .map(|f| (f.username, f.finding, audit_time(f.at)))
            .collect(),
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "sar.html")]
struct SarTemplate {
    l: Layout,
    f: FormView,
    person_id: String,
    name: String,
    withheld: &'static str,
    items: Vec<(String, String)>,
    formats: Vec<(&'static str, &'static str)>,
}

/// `GET /audit/people/{id}/sar`: choose what to withhold, and the format.
pub(crate) async fn sar_form(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let items = state
        .core
        .third_parties(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let name = state
        .core
        .limited_record(&id)
        .await?
        .map(|l| l.name)
        .unwrap_or_default();
    let mut data = FormData::default();
    data.set("format", "html");
    let t = SarTemplate {
        l: Layout::new(format!("Subject access request: {name}"), &user),
        f: FormView {
            data,
            errors: FieldErrors::new(),
        },
        person_id: id,
        name,
        withheld: safeguard_core::sar::WITHHELD,
        items: items.into_iter().map(|i| (i.key, i.label)).collect(),
        formats: vec![
            ("html", "A printable page (print it or save it as a PDF)"),
            ("json", "A JSON file, for another system"),
        ],
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "sar_copy.html")]
struct SarCopyTemplate {
    l: Layout,
    name: String,
    withheld: usize,
    body: String,
    person_id: String,
    files: Vec<(String, String)>,
}

/// "what_you_want_to_happen" as "What you want to happen".
fn heading(key: &str) -> String {
    safeguard_domain::text::capitalised(&key.replace('_', " "))
}

/// The bundle as nested lists, escaped: objects as summary lists, arrays as
/// numbered lists.
fn bundle_html(v: &serde_json::Value, depth: usize) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "<span class=\"govuk-hint\">Not recorded</span>".into(),
        Value::Bool(b) => if *b { "Yes" } else { "No" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => esc(s),
        Value::Array(items) if items.is_empty() => "<span class=\"govuk-hint\">None</span>".into(),
        Value::Array(items) => {
            let mut out = String::from("<ol class=\"govuk-list govuk-list--number\">");
            for i in items {
                out.push_str("<li>");
                out.push_str(&bundle_html(i, depth + 1));
                out.push_str("</li>");
            }
            out.push_str("</ol>");
            out
        }
        Value::Object(map) if depth == 0 => {
            let mut out = String::new();
            for (k, v) in map {
                out.push_str(&format!(
                    "<h2 class=\"govuk-heading-m\">{}</h2><div class=\"govuk-body\">{}</div>",
                    esc(&heading(k)),
                    bundle_html(v, depth + 1)
                ));
            }
            out
        }
        Value::Object(map) => {
            let mut out = String::from("<dl class=\"govuk-summary-list\">");
            for (k, v) in map {
                out.push_str(&format!(
                    "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-summary-list__key\">{}</dt>\
                     <dd class=\"govuk-summary-list__value\">{}</dd></div>",
                    esc(&heading(k)),
                    bundle_html(v, depth + 1)
                ));
            }
            out.push_str("</dl>");
            out
        }
    }
}

/// `POST /audit/people/{id}/sar`: the copy, as a printable page or a JSON file.
pub(crate) async fn sar(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let format = if f.get("format") == "json" {
        "json"
    } else {
        "html"
    };
    let s = state
        .core
        .subject_access(
            &user.actor,
            &id,
            &f.all("withhold"),
            format,
            &user.ctx,
            user.now,
        )
        .await?;
    if format == "json" {
        return Ok((
            [
                (axum::http::header::CONTENT_TYPE, "application/json"),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    "attachment; filename=\"subject-access.json\"",
                ),
            ],
            serde_json::to_string_pretty(&s.bundle).unwrap_or_default(),
        )
            .into_response());
    }
    let t = SarCopyTemplate {
        l: Layout::new(format!("Subject access copy: {}", s.person_name), &user),
        name: s.person_name,
        withheld: s.withheld,
        body: bundle_html(&s.bundle, 0),
        person_id: id.clone(),
        files: s.files,
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionTemplate {
    l: Layout,
    f: FormView,
    years: u32,
    /// (person id, name, last activity, concerns, enquiries).
    due: Vec<(String, String, String, i64, i64)>,
    /// (certificate id, what was disposed and the rule, when and by whom).
    certificates: Vec<(String, String, String)>,
    concern_years: u32,
    /// (concern id, reference, finished with).
    due_concerns: Vec<(String, String, String)>,
}

async fn retention_page(
    state: &AppState,
    user: &SignedIn,
    f: Option<FormView>,
) -> Result<Response, PageError> {
    let q = state
        .core
        .retention_queue(&user.actor, &user.ctx, user.now)
        .await?;
    let mut due = Vec::new();
    for d in q.due {
        let name = state
            .core
            .limited_record(&d.person_id)
            .await?
            .map(|l| l.name)
            .unwrap_or_default();
        due.push((
            d.person_id,
            name,
            audit_time(d.last_activity),
            d.concerns,
            d.enquiries,
        ));
    }
    let status = if f.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let f = f.unwrap_or_else(|| {
        let mut data = FormData::default();
        data.set("years", q.years.to_string());
        data.set("concern_years", q.concern_years.to_string());
        FormView {
            data,
            errors: FieldErrors::new(),
        }
    });
    let t = RetentionTemplate {
        l: Layout::new("Retention and disposal", user).with_errors(&f.errors),
        f,
        years: q.years,
        due,
        concern_years: q.concern_years,
        due_concerns: q
            .due_concerns
            .into_iter()
            .map(|c| (c.concern_id, c.reference, audit_time(c.finished_at)))
            .collect(),
        certificates: q
            .certificates
            .into_iter()
            .map(|c| {
                (
                    c.id,
                    format!(
                        "{}. Last activity {}. {}. Deleted: {}.",
                        c.record_type, c.last_activity_on, c.rule, c.summary
                    ),
                    format!("{} by {}", audit_time(c.disposed_at), c.disposed_by),
                )
            })
            .collect(),
    };
    Ok(render(status, &t))
}

/// `GET /records/retention`: the disposal queue, the rule and the certificates.
pub(crate) async fn retention(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    retention_page(&state, &user, None).await
}

/// `POST /records/retention`: sets the years kept.
pub(crate) async fn set_retention(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .set_retention_years(
            &user.actor,
            f.get("years"),
            f.get("concern_years"),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/records/retention").into_response()),
        Err(CoreError::Invalid(errors)) => {
            retention_page(&state, &user, Some(FormView { data: f, errors })).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /records/retention/{id}/dispose`: disposes of a case file past retention.
pub(crate) async fn dispose(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .core
        .dispose(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Redirect::to("/records/retention").into_response())
}

/// `POST /records/retention/concerns/{id}/dispose`: disposes of a concern about no known person.
pub(crate) async fn dispose_concern(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .core
        .dispose_concern(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Redirect::to("/records/retention").into_response())
}
