//! Concern pages: the public question pages and status check, the staff and
//! partner forms, the triage queue, the concern page with matching and the
//! decision, providers, and the working-day calendar.

use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::concerns::{ConcernItem, ConcernView, Receipt};
use safeguard_domain::calendar::Clock;
use safeguard_domain::codes::{LocationType, ProviderKind, RiskType};
use safeguard_domain::concern::{
    Channel, ConcernState, ConsentException, ConsentToRaise, InsteadOfEnquiry, MAX_ADULTS,
    RaiserKind, RawAdult, RawConcern, RawDecision, RawProvider, TriageOutcome, YesNoUnknown,
};
use safeguard_domain::person::RawPerson;
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::{Action, PersonId, Role};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Anyone, SignedIn, cookie};
use crate::display::{Opts, label, opts, when};
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::limits::ClientIp;
use crate::pages::{Layout, render};

/// The cookie that carries a public concern form's draft token.
pub(crate) const DRAFT_COOKIE: &str = "sg_draft";

/// 429, in plain words, with when to try again.
fn too_many(wait: Duration) -> Response {
    let mut res = PageError {
        status: StatusCode::TOO_MANY_REQUESTS,
        heading: "Too many attempts from your connection",
        message: "Please wait a few minutes and try again, or phone the council's adult safeguarding team. If someone is in immediate danger, call 999.",
    }
    .into_response();
    crate::limits::retry_after(&mut res, wait);
    res
}

// ---------- form <-> raw ----------

fn adult_rows(f: &FormData) -> usize {
    let declared: usize = f.get("adult_rows").parse().unwrap_or(1);
    let used = (0..MAX_ADULTS)
        .rev()
        .find(|i| !f.get(&format!("adults_{i}_name")).is_empty())
        .map(|i| i + 1)
        .unwrap_or(0);
    declared.max(used).clamp(1, MAX_ADULTS)
}

fn adults_from_form(f: &FormData) -> Vec<RawAdult> {
    (0..adult_rows(f))
        .map(|i| {
            let g = |k: &str| f.opt(&format!("adults_{i}_{k}"));
            RawAdult {
                name: g("name"),
                age: g("age"),
                address: g("address"),
                description: g("description"),
                nhs_number: g("nhs_number"),
                person_id: None,
            }
        })
        .collect()
}

fn form_from_concern(raw: &RawConcern) -> FormData {
    let mut f = FormData::default();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            f.set(k, v.clone());
        }
    };
    put("raiser_kind", &raw.raiser_kind);
    put("raiser_name", &raw.raiser_name);
    put("raiser_role", &raw.raiser_role);
    put("raiser_phone", &raw.raiser_phone);
    put("raiser_email", &raw.raiser_email);
    put("what_happened", &raw.what_happened);
    put("where_happened", &raw.where_happened);
    put("location_type", &raw.location_type);
    put("provider_name", &raw.provider_name);
    put("immediate_danger", &raw.immediate_danger);
    put("consent", &raw.consent);
    put("consent_reason", &raw.consent_reason);
    put("consent_detail", &raw.consent_detail);
    for t in &raw.suspected_types {
        f.push("suspected_types", t.clone());
    }
    for (i, a) in raw.adults.iter().enumerate() {
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                f.set(&format!("adults_{i}_{k}"), v.clone());
            }
        };
        put("name", &a.name);
        put("age", &a.age);
        put("address", &a.address);
        put("description", &a.description);
    }
    f.set("adult_rows", raw.adults.len().max(1).to_string());
    f
}

/// The public form's steps: (path, fields it asks, title).
const STEPS: &[(&str, &[&str], &str)] = &[
    (
        "about-you",
        &[
            "raiser_kind",
            "raiser_name",
            "raiser_role",
            "raiser_phone",
            "raiser_email",
        ],
        "About you",
    ),
    ("danger", &["immediate_danger"], "Immediate danger"),
    ("who", &["adults_"], "Who is at risk?"),
    (
        "what",
        &[
            "what_happened",
            "where_happened",
            "location_type",
            "provider_name",
            "suspected_types",
        ],
        "What happened?",
    ),
    (
        "consent",
        &["consent", "consent_reason", "consent_detail"],
        "Does the person know you are telling us?",
    ),
];

fn step_index(step: &str) -> Option<usize> {
    STEPS.iter().position(|(s, _, _)| *s == step)
}

fn in_step(field: &str, step: usize) -> bool {
    STEPS[step].1.iter().any(|f| {
        if f.ends_with('_') {
            field.starts_with(f)
        } else {
            field == *f
        }
    })
}

/// Writes one step's answers from the form into the draft.
fn merge_step(raw: &mut RawConcern, step: usize, f: &FormData) {
    match STEPS[step].0 {
        "about-you" => {
            raw.raiser_kind = f.opt("raiser_kind");
            raw.raiser_name = f.opt("raiser_name");
            raw.raiser_role = f.opt("raiser_role");
            raw.raiser_phone = f.opt("raiser_phone");
            raw.raiser_email = f.opt("raiser_email");
        }
        "danger" => raw.immediate_danger = f.opt("immediate_danger"),
        "who" => raw.adults = adults_from_form(f),
        "what" => {
            raw.what_happened = f.opt("what_happened");
            raw.where_happened = f.opt("where_happened");
            raw.location_type = f.opt("location_type");
            raw.provider_name = f.opt("provider_name");
            raw.suspected_types = f.all("suspected_types");
        }
        _ => {
            raw.consent = f.opt("consent");
            raw.consent_reason = f.opt("consent_reason");
            raw.consent_detail = f.opt("consent_detail");
        }
    }
}

/// A stored code's label as an owned string.
fn code_label<T: Copy>(
    code: &str,
    parse: fn(&str) -> Option<T>,
    name: fn(T) -> &'static str,
) -> String {
    label(code, parse, name).to_string()
}

// ---------- public pages ----------

#[derive(Template)]
#[template(path = "raise_start.html")]
struct RaiseStart {
    l: Layout,
}

fn public_layout(title: &str, who: &Anyone, csrf: &str) -> Layout {
    let mut l = match &who.session {
        Some(s) => Layout::for_actor(title, &s.info.actor, &s.info.csrf_token),
        None => Layout::anonymous(title),
    };
    if who.session.is_none() {
        l.csrf = csrf.to_string();
    }
    l
}

/// `GET /raise`.
pub(crate) async fn raise_start(who: Anyone) -> Response {
    render(
        StatusCode::OK,
        &RaiseStart {
            l: public_layout("Tell us you are worried about an adult's safety", &who, ""),
        },
    )
}

/// `POST /raise/start`.
pub(crate) async fn raise_begin(
    State(state): State<AppState>,
    who: Anyone,
    ip: ClientIp,
) -> Response {
    if let Err(wait) = state.limiter.check(ip.0) {
        return too_many(wait);
    }
    match state.core.start_draft(who.now).await {
        Ok(token) => {
            let mut res = Redirect::to("/raise/about-you").into_response();
            let secure = if state.config.cookie_secure {
                "; Secure"
            } else {
                ""
            };
            if let Ok(v) =
                format!("{DRAFT_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}").parse()
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "raise_step.html")]
struct RaiseStep {
    l: Layout,
    step: &'static str,
    back: String,
    f: FormView,
    errors: FieldErrors,
    danger: bool,
    adult_rows: Vec<usize>,
    raiser_kinds: Opts,
    yes_no_unknown: Opts,
    risk_types: Opts,
    consents: Opts,
    consent_reasons: Opts,
}

fn step_page(
    who: &Anyone,
    token: &str,
    step: usize,
    data: FormData,
    errors: FieldErrors,
    danger: bool,
    extra_row: bool,
) -> RaiseStep {
    let rows = (adult_rows(&data) + usize::from(extra_row)).min(MAX_ADULTS);
    let title = STEPS[step].2;
    let mut l = public_layout(title, who, token);
    l.has_errors = !errors.is_empty();
    RaiseStep {
        l,
        step: STEPS[step].0,
        back: if step == 0 {
            "/raise".into()
        } else {
            format!("/raise/{}", STEPS[step - 1].0)
        },
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        danger,
        adult_rows: (0..rows).collect(),
        raiser_kinds: opts!(RaiserKind),
        yes_no_unknown: opts!(YesNoUnknown),
        risk_types: opts!(RiskType),
        consents: opts!(ConsentToRaise),
        consent_reasons: opts!(ConsentException),
    }
}

async fn load_draft(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, RawConcern, i64, Option<Receipt>)>, PageError> {
    let Some(token) = cookie(headers, DRAFT_COOKIE) else {
        return Ok(None);
    };
    Ok(state
        .core
        .draft(&token)
        .await?
        .map(|(raw, created, receipt)| (token, raw, created, receipt)))
}

/// `GET /raise/{step}`.
pub(crate) async fn raise_step(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
    Path(step): Path<String>,
) -> Result<Response, PageError> {
    let Some(i) = step_index(&step) else {
        return Err(PageError::not_found());
    };
    let Some((token, raw, _, receipt)) = load_draft(&state, &headers).await? else {
        return Ok(Redirect::to("/raise").into_response());
    };
    if receipt.is_some() {
        return Ok(Redirect::to("/raise/done").into_response());
    }
    let danger = raw.immediate_danger.as_deref() == Some("yes");
    Ok(render(
        StatusCode::OK,
        &step_page(
            &who,
            &token,
            i,
            form_from_concern(&raw),
            FieldErrors::new(),
            danger,
            false,
        ),
    ))
}

/// `POST /raise/{step}`.
pub(crate) async fn raise_step_submit(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
    Path(step): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let Some(i) = step_index(&step) else {
        return Err(PageError::not_found());
    };
    let Some((token, mut raw, _, receipt)) = load_draft(&state, &headers).await? else {
        return Ok(Redirect::to("/raise").into_response());
    };
    if receipt.is_some() {
        return Ok(Redirect::to("/raise/done").into_response());
    }
    let form = FormData::parse(&body);
    merge_step(&mut raw, i, &form);
    state.core.save_draft(&token, &raw).await?;
    let danger = raw.immediate_danger.as_deref() == Some("yes");
    if form.get("action") == "add_adult" {
        return Ok(render(
            StatusCode::OK,
            &step_page(&who, &token, i, form, FieldErrors::new(), danger, true),
        ));
    }
    let mut errors = FieldErrors::new();
    if let Err(all) = raw.parse(state.core.today(who.now), Channel::Online) {
        errors.0 = all.0.into_iter().filter(|e| in_step(&e.field, i)).collect();
    }
    if !errors.is_empty() {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &step_page(&who, &token, i, form, errors, danger, false),
        ));
    }
    let next = STEPS
        .get(i + 1)
        .map(|s| format!("/raise/{}", s.0))
        .unwrap_or_else(|| "/raise/check".into());
    Ok(Redirect::to(&next).into_response())
}

#[derive(Template)]
#[template(path = "raise_check.html")]
struct RaiseCheck {
    l: Layout,
    rows: Vec<(&'static str, String, String)>,
    problems: Vec<(String, String)>,
    danger: bool,
    /// Sent quicker than a person fills the form in: say so, and ask again.
    too_fast: bool,
}

fn label_of<T: Copy>(
    raw: &Option<String>,
    parse: fn(&str) -> Option<T>,
    label: fn(T) -> &'static str,
) -> String {
    raw.as_deref()
        .and_then(parse)
        .map(label)
        .unwrap_or("Not answered")
        .to_string()
}

fn check_rows(raw: &RawConcern) -> Vec<(&'static str, String, String)> {
    let adults = raw
        .adults
        .iter()
        .map(|a| {
            [
                a.name.clone(),
                a.age.clone(),
                a.address.clone(),
                a.description.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let you = if raw.raiser_kind.as_deref() == Some("anonymous") {
        "Not given".to_string()
    } else {
        [
            raw.raiser_name.clone(),
            raw.raiser_role.clone(),
            raw.raiser_phone.clone(),
            raw.raiser_email.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n")
    };
    let types = raw
        .suspected_types
        .iter()
        .filter_map(|t| RiskType::parse(t))
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        (
            "Who you are",
            label_of(&raw.raiser_kind, RaiserKind::parse, RaiserKind::label),
            "/raise/about-you".into(),
        ),
        (
            "Your details",
            if you.is_empty() {
                "Not given".into()
            } else {
                you
            },
            "/raise/about-you".into(),
        ),
        (
            "Immediate danger",
            label_of(
                &raw.immediate_danger,
                YesNoUnknown::parse,
                YesNoUnknown::label,
            ),
            "/raise/danger".into(),
        ),
        (
            "Who is at risk",
            if adults.is_empty() {
                "Not answered".into()
            } else {
                adults
            },
            "/raise/who".into(),
        ),
        (
            "What happened",
            raw.what_happened
                .clone()
                .unwrap_or_else(|| "Not answered".into()),
            "/raise/what".into(),
        ),
        (
            "Where",
            [raw.where_happened.clone(), raw.provider_name.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n"),
            "/raise/what".into(),
        ),
        (
            "Kinds of harm",
            if types.is_empty() {
                "Not sure".into()
            } else {
                types
            },
            "/raise/what".into(),
        ),
        (
            "Do they know and agree",
            label_of(&raw.consent, ConsentToRaise::parse, ConsentToRaise::label),
            "/raise/consent".into(),
        ),
        (
            "Why without agreement",
            label_of(
                &raw.consent_reason,
                ConsentException::parse,
                ConsentException::label,
            ),
            "/raise/consent".into(),
        ),
    ]
}

fn check_page(who: &Anyone, today: time::Date, token: &str, raw: &RawConcern) -> RaiseCheck {
    let problems = match raw.parse(today, Channel::Online) {
        Ok(_) => Vec::new(),
        Err(errs) => errs
            .0
            .into_iter()
            .map(|e| {
                let step = (0..STEPS.len())
                    .find(|s| in_step(&e.field, *s))
                    .unwrap_or(0);
                (format!("/raise/{}", STEPS[step].0), e.message)
            })
            .collect(),
    };
    let mut l = public_layout("Check your answers", who, token);
    l.has_errors = !problems.is_empty();
    RaiseCheck {
        l,
        rows: check_rows(raw),
        problems,
        danger: raw.immediate_danger.as_deref() == Some("yes"),
        too_fast: false,
    }
}

/// `GET /raise/check`.
pub(crate) async fn raise_check(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some((token, raw, _, receipt)) = load_draft(&state, &headers).await? else {
        return Ok(Redirect::to("/raise").into_response());
    };
    if receipt.is_some() {
        return Ok(Redirect::to("/raise/done").into_response());
    }
    Ok(render(
        StatusCode::OK,
        &check_page(&who, state.core.today(who.now), &token, &raw),
    ))
}

/// `POST /raise/submit`: the concern and its audit event commit before the
/// receipt is shown; sending twice shows the same receipt.
pub(crate) async fn raise_submit(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
    ip: ClientIp,
    body: Bytes,
) -> Result<Response, PageError> {
    let Some((token, raw, created, receipt)) = load_draft(&state, &headers).await? else {
        return Ok(Redirect::to("/raise").into_response());
    };
    if receipt.is_some() {
        return Ok(Redirect::to("/raise/done").into_response());
    }
    let form = FormData::parse(&body);
    let too_fast = safeguard_core::unix_ms(who.now) - created
        < i64::from(state.config.min_form_seconds) * 1000;
    if !form.get("website").is_empty() {
        // The hidden field filled in: a machine. Refuse without saying why.
        return Err(PageError::bad_request());
    }
    if too_fast {
        // Quicker than a person fills the form in: say so in words and let
        // them send it again (by then it is no longer too fast).
        let mut page = check_page(&who, state.core.today(who.now), &token, &raw);
        page.too_fast = true;
        return Ok(render(StatusCode::TOO_MANY_REQUESTS, &page));
    }
    if let Err(wait) = state.limiter.check(ip.0) {
        return Ok(too_many(wait));
    }
    match state.core.submit_draft(&token, &who.ctx, who.now).await {
        Ok(_) => Ok(Redirect::to("/raise/done").into_response()),
        Err(CoreError::Invalid(_)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &check_page(&who, state.core.today(who.now), &token, &raw),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "raise_done.html")]
struct RaiseDone {
    l: Layout,
    reference: String,
    receipt_code: String,
}

/// `GET /raise/done`.
pub(crate) async fn raise_done(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some((token, _, _, Some(r))) = load_draft(&state, &headers).await? else {
        return Ok(Redirect::to("/raise").into_response());
    };
    Ok(render(
        StatusCode::OK,
        &RaiseDone {
            l: public_layout("Concern received", &who, &token),
            reference: r.reference,
            receipt_code: r.receipt_code,
        },
    ))
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    l: Layout,
    f: FormView,
    errors: FieldErrors,
    status: Option<safeguard_core::concerns::PublicStatus>,
}

/// `GET /concern-status`.
pub(crate) async fn status_form(who: Anyone) -> Response {
    render(
        StatusCode::OK,
        &StatusPage {
            l: public_layout("Check the status of a concern", &who, ""),
            f: FormView::default(),
            errors: FieldErrors::new(),
            status: None,
        },
    )
}

/// `POST /concern-status`.
pub(crate) async fn status_check(
    State(state): State<AppState>,
    who: Anyone,
    ip: ClientIp,
    body: Bytes,
) -> Result<Response, PageError> {
    if let Err(wait) = state.limiter.check(ip.0) {
        return Ok(too_many(wait));
    }
    let form = FormData::parse(&body);
    let mut kept = FormData::default();
    kept.set("reference", form.get("reference"));
    let mut errors = FieldErrors::new();
    if form.get("reference").trim().is_empty() {
        errors.add("reference", "Enter your reference");
    }
    if form.get("receipt_code").trim().is_empty() {
        errors.add("receipt_code", "Enter your receipt code");
    }
    if errors.is_empty() {
        match state.core.concern_status(form.get("reference"), form.get("receipt_code"), &who.ctx, who.now).await {
            Ok(s) => {
                let t = StatusPage { l: public_layout("Status of your concern", &who, ""), f: FormView::default(), errors, status: Some(s) };
                return Ok(render(StatusCode::OK, &t));
            }
            Err(CoreError::NotFound) => errors.add("reference", "We could not find a concern with that reference and receipt code. Check both and try again."),
            Err(e) => return Err(e.into()),
        }
    }
    let mut l = public_layout("Check the status of a concern", &who, "");
    l.has_errors = true;
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &StatusPage {
            l,
            f: FormView {
                data: kept,
                errors: errors.clone(),
            },
            errors,
            status: None,
        },
    ))
}

// ---------- staff and partner pages ----------

pub(crate) struct ListRow {
    pub(crate) id: String,
    pub(crate) reference: String,
    pub(crate) received: String,
    pub(crate) about: String,
    pub(crate) status: String,
    pub(crate) clock: String,
    pub(crate) overdue: bool,
    pub(crate) due_today: bool,
    pub(crate) danger: bool,
}

fn clock_text(c: Clock) -> String {
    match c {
        Clock::Done { on_time: true } => "Made on time".into(),
        Clock::Done { on_time: false } => "Made late".into(),
        Clock::Due(d) => format!("Due {}", safeguard_domain::dates::long_date(d)),
        Clock::DueToday => "Due today".into(),
        Clock::Overdue(d) => format!("Overdue since {}", safeguard_domain::dates::long_date(d)),
    }
}

pub(crate) fn list_row(item: &ConcernItem, staff: bool) -> ListRow {
    let c = &item.concern;
    let state = ConcernState::parse(&c.state).unwrap_or(ConcernState::New);
    let about = if staff {
        item.adults
            .iter()
            .map(|a| {
                a.name
                    .clone()
                    .or_else(|| a.description.clone())
                    .unwrap_or_else(|| "Unnamed adult".into())
            })
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        format!("{} adult(s)", item.adults.len())
    };
    let status = if staff {
        match state {
            ConcernState::New => "Waiting for triage",
            ConcernState::Enquiry => "Enquiry",
            ConcernState::Closed => "Closed",
        }
        .to_string()
    } else {
        state
            .public_status(c.acknowledged_at.is_some())
            .0
            .to_string()
    };
    ListRow {
        id: c.id.clone(),
        reference: c.reference.clone(),
        received: crate::display::day_words(&c.received_on),
        about,
        status,
        clock: format!(
            "{} ({})",
            clock_text(item.clocks.decision),
            safeguard_domain::text::count(item.clocks.working_days, "working day", "working days")
        ),
        overdue: matches!(item.clocks.decision, Clock::Overdue(_)),
        due_today: item.clocks.decision == Clock::DueToday,
        danger: c.immediate_danger == "yes",
    }
}

#[derive(Template)]
#[template(path = "concerns_list.html")]
struct ConcernsList {
    l: Layout,
    heading: String,
    items: Vec<ListRow>,
    empty_text: &'static str,
    can_raise: bool,
    raise_label: &'static str,
    receipt: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    state: Option<String>,
    raised: Option<String>,
}

/// `GET /concerns`: the triage queue (oldest first) for the council; the
/// concerns they raised for partner staff.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let staff = safeguard_domain::policy::decide(&user.actor, Action::ViewConcerns)
        == safeguard_domain::Decision::Allow;
    let filter = match q.state.as_deref() {
        Some("all") => None,
        Some(s) => ConcernState::parse(s),
        None if staff => Some(ConcernState::New),
        None => None,
    };
    let items = state
        .core
        .concern_list(&user.actor, filter, &user.ctx, user.now)
        .await?;
    let heading = if staff {
        match filter {
            Some(ConcernState::New) => "Triage queue: concerns waiting for a decision",
            Some(ConcernState::Enquiry) => "Concerns with an enquiry",
            Some(ConcernState::Closed) => "Closed concerns",
            None => "All concerns",
        }
    } else {
        "Concerns you raised"
    };
    let t = ConcernsList {
        l: Layout::new(heading, &user),
        heading: heading.into(),
        items: items.iter().map(|i| list_row(i, staff)).collect(),
        empty_text: if staff {
            "There are no concerns here."
        } else {
            "You have not raised any concerns yet."
        },
        can_raise: safeguard_domain::policy::decide(&user.actor, Action::RaiseConcern)
            == safeguard_domain::Decision::Allow,
        raise_label: if staff {
            "Record a concern"
        } else {
            "Raise a concern"
        },
        receipt: q
            .raised
            .filter(|r| r.len() < 20 && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')),
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "concern_form.html")]
struct ConcernForm {
    l: Layout,
    heading: &'static str,
    action: String,
    back: String,
    staff: bool,
    linked_name: Option<String>,
    f: FormView,
    errors: FieldErrors,
    adult_rows: Vec<usize>,
    channels: Opts,
    raiser_kinds: Opts,
    yes_no_unknown: Opts,
    risk_types: Opts,
    consents: Opts,
    consent_reasons: Opts,
    location_types: Opts,
    providers: Vec<(String, String)>,
    /// Filled in from the user's draft.
    draft: bool,
}

/// Where a user's draft of the concern form is kept: one for a new concern,
/// one per person for a concern recorded on their record.
fn concern_draft_path(person: Option<&str>) -> String {
    match person.filter(|p| p.parse::<PersonId>().is_ok()) {
        Some(p) => format!("/concerns/new?person={p}"),
        None => "/concerns/new".into(),
    }
}

async fn concern_form(
    state: &AppState,
    user: &SignedIn,
    data: FormData,
    errors: FieldErrors,
    extra_row: bool,
) -> Result<ConcernForm, PageError> {
    let staff = safeguard_domain::policy::decide(&user.actor, Action::RecordConcern)
        == safeguard_domain::Decision::Allow;
    let linked_name = match data.get("person_id").parse::<PersonId>() {
        Ok(pid) => Some(
            state
                .core
                .view_person(&user.actor, pid, &user.ctx, user.now)
                .await?
                .details
                .full_name(),
        ),
        Err(_) => None,
    };
    let providers = if staff {
        state
            .core
            .providers(&user.actor, "", &user.ctx, user.now)
            .await
            .map(crate::display::provider_options)?
    } else {
        Vec::new()
    };
    let rows = (adult_rows(&data) + usize::from(extra_row)).min(MAX_ADULTS);
    let heading = if staff {
        "Record a concern"
    } else {
        "Raise a concern"
    };
    Ok(ConcernForm {
        l: Layout::new(heading, user).with_errors(&errors),
        heading,
        action: "/concerns/new".into(),
        back: match &linked_name {
            Some(_) => format!("/people/{}", data.get("person_id")),
            None => "/concerns".into(),
        },
        staff,
        linked_name,
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        adult_rows: (0..rows).collect(),
        channels: Channel::ALL
            .iter()
            .filter(|c| !matches!(c, Channel::Online | Channel::Partner | Channel::Api))
            .map(|v| (v.code(), v.label()))
            .collect(),
        raiser_kinds: opts!(RaiserKind),
        yes_no_unknown: opts!(YesNoUnknown),
        risk_types: opts!(RiskType),
        consents: opts!(ConsentToRaise),
        consent_reasons: opts!(ConsentException),
        location_types: opts!(LocationType),
        providers,
        draft: false,
    })
}

#[derive(Deserialize)]
pub(crate) struct NewConcernQuery {
    person: Option<String>,
}

/// `GET /concerns/new` (`?person=ID` to record it on a person's record).
pub(crate) async fn new_concern(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<NewConcernQuery>,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::RaiseConcern, &user.ctx, user.now)
        .await?;
    let mut data = FormData::default();
    data.set("form_id", safeguard_core::new_uuid(user.now)?.to_string());
    let path = concern_draft_path(q.person.as_deref());
    if let Some(p) = q.person.filter(|p| p.parse::<PersonId>().is_ok()) {
        data.set("person_id", p);
        data.set("adult_rows", "0");
    }
    let t = match crate::drafts::load(&state, &user, &path).await? {
        Some(draft) => {
            let mut t = concern_form(&state, &user, draft, FieldErrors::new(), false).await?;
            t.draft = true;
            t
        }
        None => concern_form(&state, &user, data, FieldErrors::new(), false).await?,
    };
    Ok(render(StatusCode::OK, &t))
}

fn raw_concern_from_staff_form(f: &FormData) -> RawConcern {
    let mut adults = Vec::new();
    if let Ok(pid) = f.get("person_id").parse::<PersonId>() {
        adults.push(RawAdult {
            person_id: Some(pid.to_string()),
            ..RawAdult::default()
        });
    }
    adults.extend(
        adults_from_form(f)
            .into_iter()
            .filter(|a| a != &RawAdult::default()),
    );
    RawConcern {
        raiser_kind: f.opt("raiser_kind"),
        raiser_name: f.opt("raiser_name"),
        raiser_role: f.opt("raiser_role"),
        raiser_phone: f.opt("raiser_phone"),
        raiser_email: f.opt("raiser_email"),
        what_happened: f.opt("what_happened"),
        adults,
        where_happened: f.opt("where_happened"),
        location_type: f.opt("location_type"),
        provider_name: f.opt("provider_name"),
        provider_id: f.opt("provider_id"),
        immediate_danger: f.opt("immediate_danger"),
        consent: f.opt("consent"),
        consent_reason: f.opt("consent_reason"),
        consent_detail: f.opt("consent_detail"),
        suspected_types: f.all("suspected_types"),
        received_on: f.opt("received_on"),
        channel: f.opt("channel"),
    }
}

/// Adult error fields refer to rows of the concern; on the form the linked
/// person is not a row, so row numbers shift by one.
fn shift_adult_errors(errors: FieldErrors, linked: bool) -> FieldErrors {
    if !linked {
        return errors;
    }
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|mut e| {
                if let Some(rest) = e.field.strip_prefix("adults_")
                    && let Some((n, tail)) = rest.split_once('_')
                    && let Ok(n) = n.parse::<usize>()
                {
                    e.field = format!("adults_{}_{tail}", n.saturating_sub(1));
                }
                e
            })
            .collect(),
    )
}

/// `POST /concerns/new`.
pub(crate) async fn create_concern(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = FormData::parse(&body);
    let path = concern_draft_path(Some(form.get("person_id")));
    if let Some(res) = crate::drafts::handle(&state, &user, &path, &form).await? {
        return Ok(res);
    }
    if form.get("action") == "add_adult" {
        let t = concern_form(&state, &user, form, FieldErrors::new(), true).await?;
        return Ok(render(StatusCode::OK, &t));
    }
    let raw = raw_concern_from_staff_form(&form);
    let linked = form.get("person_id").parse::<PersonId>().is_ok();
    let form_id = form.get("form_id").parse::<uuid::Uuid>().ok();
    let raised = state
        .core
        .raise_concern(&user.actor, form_id, &raw, &user.ctx, user.now)
        .await;
    if raised.is_ok() {
        crate::drafts::forget(&state, &user, &path).await?;
    }
    match raised {
        Ok(receipt) if receipt.receipt_code.is_empty() => {
            // The same form again: show what the first submission made.
            if user.actor.role == Role::Partner {
                Ok(
                    Redirect::to(&format!("/concerns?raised={}", receipt.reference))
                        .into_response(),
                )
            } else {
                Ok(back_to(&receipt.concern_id))
            }
        }
        Ok(receipt) => {
            if user.actor.role == Role::Partner {
                Ok(
                    Redirect::to(&format!("/concerns?raised={}", receipt.reference))
                        .into_response(),
                )
            } else {
                let id = receipt.concern_id.clone();
                concern_page(
                    &state,
                    &user,
                    &id,
                    FormData::default(),
                    FieldErrors::new(),
                    Some(receipt),
                    StatusCode::CREATED,
                )
                .await
            }
        }
        Err(CoreError::Invalid(errors)) => {
            let t = concern_form(
                &state,
                &user,
                form,
                shift_adult_errors(errors, linked),
                false,
            )
            .await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

struct SuggestionRow {
    id: String,
    name: String,
    dob: String,
    strength: &'static str,
    reasons: String,
}

struct AdultBlock {
    position: i32,
    label: String,
    described: String,
    linked: Option<(String, String)>,
    suggestions: Vec<SuggestionRow>,
}

#[derive(Template)]
#[template(path = "concern_view.html")]
struct ConcernPage {
    l: Layout,
    c: safeguard_core::rows::ConcernRow,
    status: &'static str,
    danger: bool,
    staff: bool,
    can_decide: bool,
    can_close: bool,
    summary: Vec<(&'static str, String)>,
    adults: Vec<AdultBlock>,
    messages: Vec<(String, String)>,
    decision: Vec<(&'static str, String)>,
    providers: Vec<(String, String)>,
    /// Provider records that may be the service named in words: (id, name, about).
    provider_matches: Vec<(String, String, String)>,
    /// Pattern alerts this concern is behind.
    alerts: Vec<crate::patterns::AlertLine>,
    /// The viewer decides alerts (so may open them).
    can_decide_alerts: bool,
    alleged: Option<crate::patterns::AllegedBlock>,
    receipt: Option<(String, String)>,
    enquiries: Vec<(String, String)>,
    f: FormView,
    errors: FieldErrors,
    yes_no_unknown: Opts,
    outcomes: Opts,
    insteads: Opts,
}

fn summary_rows(v: &ConcernView, staff: bool) -> Vec<(&'static str, String)> {
    let c = &v.concern;
    let k = &v.clocks;
    let mut rows = vec![
        (
            "Received",
            format!(
                "{} ({})",
                crate::display::day_words(&c.received_on),
                code_label(&c.channel, Channel::parse, Channel::label)
            ),
        ),
        (
            "Triage decision",
            format!(
                "{} ({})",
                clock_text(k.decision),
                safeguard_domain::text::count(k.working_days, "working day", "working days")
            ),
        ),
        (
            "Acknowledged",
            match c.acknowledged_at {
                Some(t) => when(t),
                None => format!("Not yet: {}", clock_text(k.acknowledge)),
            },
        ),
    ];
    if staff {
        let raiser = [
            Some(code_label(
                &c.raiser_kind,
                RaiserKind::parse,
                RaiserKind::label,
            )),
            c.raiser_name.clone(),
            c.raiser_role.clone(),
            v.raiser_agency.clone(),
            c.raiser_phone.clone(),
            c.raiser_email.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
        rows.push(("Raised by", raiser));
    }
    rows.push(("What happened", c.what_happened.clone()));
    let service = match &v.provider {
        Some(p) => format!(
            "{} ({})",
            p.name,
            code_label(&p.kind, ProviderKind::parse, ProviderKind::label)
        ),
        None => c
            .provider_name
            .clone()
            .unwrap_or_else(|| "None named".into()),
    };
    let place = [
        c.where_happened.clone(),
        c.location_type
            .as_deref()
            .map(|l| code_label(l, LocationType::parse, LocationType::label)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n");
    rows.push((
        "Where",
        if place.is_empty() {
            "Not said".into()
        } else {
            place
        },
    ));
    rows.push(("Service involved", service));
    let types = c
        .suspected_types
        .split(',')
        .filter_map(RiskType::parse)
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join(", ");
    rows.push((
        "Kinds of harm suspected",
        if types.is_empty() {
            "Not said".into()
        } else {
            types
        },
    ));
    rows.push((
        "Immediate danger",
        code_label(
            &c.immediate_danger,
            YesNoUnknown::parse,
            YesNoUnknown::label,
        ),
    ));
    let mut consent = code_label(&c.consent, ConsentToRaise::parse, ConsentToRaise::label);
    if let Some(r) = &c.consent_reason {
        consent.push_str(&format!(
            "\nReason: {}",
            code_label(r, ConsentException::parse, ConsentException::label)
        ));
    }
    if let Some(d) = &c.consent_detail {
        consent.push_str(&format!("\n{d}"));
    }
    rows.push(("Does the person know and agree", consent));
    rows
}

async fn concern_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
    receipt: Option<Receipt>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = state
        .core
        .concern_view(&user.actor, id, &user.ctx, user.now)
        .await?;
    let staff = safeguard_domain::policy::decide(&user.actor, Action::ViewConcerns)
        == safeguard_domain::Decision::Allow;
    let manager = safeguard_domain::policy::decide(&user.actor, Action::TriageConcern)
        == safeguard_domain::Decision::Allow;
    let st = ConcernState::parse(&v.concern.state).unwrap_or(ConcernState::New);
    let decision = match &v.decision {
        None => Vec::new(),
        Some(d) => {
            let yn = |s: &str| code_label(s, YesNoUnknown::parse, YesNoUnknown::label);
            let mut r = vec![
                ("Decided", when(d.decided_at)),
                (
                    "(a) Needs for care and support",
                    format!("{}: {}", yn(&d.needs), d.needs_evidence),
                ),
                (
                    "(b) Abuse or neglect, or its risk",
                    format!("{}: {}", yn(&d.abuse), d.abuse_evidence),
                ),
                (
                    "(c) Unable to protect themselves",
                    format!("{}: {}", yn(&d.unable), d.unable_evidence),
                ),
                (
                    "Outcome",
                    code_label(&d.outcome, TriageOutcome::parse, TriageOutcome::label),
                ),
            ];
            if let Some(i) = &d.instead {
                r.push((
                    "Instead of an enquiry",
                    code_label(i, InsteadOfEnquiry::parse, InsteadOfEnquiry::label),
                ));
            }
            r.push(("Reasons", d.reasons.clone()));
            if let Some(p) = &d.person_views {
                r.push(("The person's views", p.clone()));
            }
            if let Some(a) = &d.immediate_actions {
                r.push(("Immediate actions", a.clone()));
            }
            r
        }
    };
    let adults = v
        .adults
        .iter()
        .map(|a| {
            let r = &a.adult;
            AdultBlock {
                position: r.position,
                label: r
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("Adult {}", r.position + 1)),
                described: [
                    r.age.clone(),
                    r.address.clone(),
                    r.nhs_number.clone(),
                    r.description.clone(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("\n"),
                linked: r.person_id.clone().map(|p| {
                    (
                        p,
                        a.linked_name
                            .clone()
                            .unwrap_or_else(|| "a person record".into()),
                    )
                }),
                suggestions: a
                    .suggestions
                    .iter()
                    .map(|s| match &s.detail {
                        Some(d) => SuggestionRow {
                            id: s.person_id.clone(),
                            name: s.name.clone(),
                            dob: d
                                .candidate
                                .date_of_birth
                                .map(|d| format!("Born {} {} {}", d.day(), d.month(), d.year()))
                                .unwrap_or_default(),
                            strength: d.strength.label(),
                            reasons: d.reasons.join(", "),
                        },
                        // Outside the viewer's need-to-know: what search shows.
                        None => SuggestionRow {
                            id: s.person_id.clone(),
                            name: s.name.clone(),
                            dob: String::new(),
                            strength: "Possible match",
                            reasons: format!(
                                "held by {}: contact them before linking",
                                s.contact.as_deref().unwrap_or("another team")
                            ),
                        },
                    })
                    .collect(),
            }
        })
        .collect();
    // Read once: the provider choice and the alleged people's form use it.
    let provider_rows = if staff {
        state
            .core
            .providers(&user.actor, "", &user.ctx, user.now)
            .await?
    } else {
        Vec::new()
    };
    let providers = crate::display::provider_options(provider_rows.clone());
    let mut data = data;
    if data.get("provider_id").is_empty()
        && let Some(p) = &v.concern.provider_id
    {
        data.set("provider_id", p.clone());
    }
    let mut enquiries = Vec::new();
    for e in v.enquiries().await? {
        let name = v
            .adults
            .iter()
            .find(|a| a.adult.person_id.as_deref() == Some(e.person_id.as_str()))
            .and_then(|a| a.linked_name.clone())
            .unwrap_or_default();
        let kind = safeguard_domain::enquiry::EnquiryKind::parse(&e.kind)
            .map(|k| k.label())
            .unwrap_or("");
        enquiries.push((e.id, format!("{kind} for {name}")));
    }
    // The service the raiser named in their own words, not yet a record:
    // the records it may be, to choose from.
    let provider_matches = match (&v.concern.provider_id, &v.concern.provider_name, staff) {
        (None, Some(named), true) => state
            .core
            .provider_matches(&user.actor, named)
            .await?
            .into_iter()
            .map(|p| {
                let about = [
                    ProviderKind::parse(&p.kind).map(|k| k.label().to_string()),
                    p.address.clone(),
                    p.postcode.clone(),
                    p.registration_id.as_ref().map(|r| format!("CQC {r}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
                (p.id, p.name, about)
            })
            .collect(),
        _ => Vec::new(),
    };
    let alerts = v
        .alerts()
        .await?
        .iter()
        .map(|a| crate::patterns::alert_line(a, 0))
        .collect();
    let alleged = if staff {
        Some(
            crate::patterns::alleged_block(
                state,
                user,
                format!("/concerns/{id}"),
                v.alleged().await?,
                true,
                Some(provider_rows),
                &data,
                &errors,
            )
            .await?,
        )
    } else {
        None
    };
    let heading = format!("Concern {}", v.concern.reference);
    let t = ConcernPage {
        l: Layout::new(heading, user).with_errors(&errors),
        status: if staff {
            match st {
                ConcernState::New => "Waiting for triage",
                ConcernState::Enquiry => "Enquiry",
                ConcernState::Closed => "Closed",
            }
        } else {
            st.public_status(v.concern.acknowledged_at.is_some()).0
        },
        danger: v.concern.immediate_danger == "yes",
        staff,
        can_decide: manager && st == ConcernState::New,
        can_close: manager && st == ConcernState::Enquiry,
        summary: summary_rows(&v, staff),
        adults,
        messages: v
            .messages
            .iter()
            .map(|m| (format!("{} – {}", when(m.at), m.by_name), m.body.clone()))
            .collect(),
        decision,
        providers,
        provider_matches,
        alerts,
        can_decide_alerts: manager,
        alleged,
        enquiries,
        receipt: receipt
            .filter(|r| !r.receipt_code.is_empty())
            .map(|r| (r.reference, r.receipt_code)),
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        yes_no_unknown: opts!(YesNoUnknown),
        outcomes: opts!(TriageOutcome),
        insteads: opts!(InsteadOfEnquiry),
        c: v.concern,
    };
    Ok(render(status, &t))
}

/// The concern's page again, with a form's answers and what was wrong with them.
pub(crate) async fn concern_page_with(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    concern_page(
        state,
        user,
        id,
        data,
        errors,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `GET /concerns/{id}`.
pub(crate) async fn view(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    concern_page(
        &state,
        &user,
        &id,
        FormData::default(),
        FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

fn back_to(id: &str) -> Response {
    Redirect::to(&format!("/concerns/{id}")).into_response()
}

/// `POST /concerns/{id}/decision`.
pub(crate) async fn decide(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawDecision {
        needs_care_and_support: f.opt("needs_care_and_support"),
        needs_evidence: f.opt("needs_evidence"),
        experiencing_abuse: f.opt("experiencing_abuse"),
        abuse_evidence: f.opt("abuse_evidence"),
        unable_to_protect: f.opt("unable_to_protect"),
        unable_evidence: f.opt("unable_evidence"),
        person_views: f.opt("person_views"),
        immediate_actions: f.opt("immediate_actions"),
        outcome: f.opt("outcome"),
        instead: f.opt("instead"),
        reasons: f.opt("reasons"),
        message_to_raiser: f.opt("message_to_raiser"),
    };
    match state
        .core
        .decide_concern(&user.actor, &id, &raw, &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(back_to(&id)),
        Err(CoreError::Invalid(errors)) => {
            concern_page(
                &state,
                &user,
                &id,
                f,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /concerns/{id}/messages`.
pub(crate) async fn message(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .message_raiser(&user.actor, &id, f.get("message"), &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(back_to(&id)),
        Err(CoreError::Invalid(errors)) => {
            concern_page(
                &state,
                &user,
                &id,
                f,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /concerns/{id}/close`.
pub(crate) async fn close(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    state
        .core
        .close_concern(
            &user.actor,
            &id,
            f.get("close_message"),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok(back_to(&id))
}

/// `POST /concerns/{id}/provider`.
pub(crate) async fn set_provider(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let p = f.opt("provider_id");
    state
        .core
        .set_concern_provider(&user.actor, &id, p.as_deref(), &user.ctx, user.now)
        .await?;
    Ok(back_to(&id))
}

/// `POST /concerns/{id}/adults/{position}/link`.
pub(crate) async fn link_adult(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, position)): Path<(String, i32)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    // An unreadable id is a record that does not exist: the use case still
    // checks who is asking first (and audits a refusal).
    let pid: PersonId = f
        .get("person_id")
        .parse()
        .or_else(|_| "00000000-0000-0000-0000-000000000000".parse())
        .map_err(|_| PageError::not_found())?;
    state
        .core
        .link_adult(&user.actor, &id, position, pid, &user.ctx, user.now)
        .await?;
    Ok(back_to(&id))
}

/// `POST /concerns/{id}/adults/{position}/create-person`: a new record from
/// what the concern says (last word of the name as family name), then the
/// record's edit page to complete it.
pub(crate) async fn create_person_for_adult(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, position)): Path<(String, i32)>,
) -> Result<Response, PageError> {
    let v = state
        .core
        .concern_view(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let adult = v
        .adults
        .iter()
        .find(|a| a.adult.position == position)
        .ok_or_else(PageError::not_found)?;
    let name = adult.adult.name.clone().unwrap_or_default();
    let mut words: Vec<&str> = name.split_whitespace().collect();
    let family = words.pop().unwrap_or("").to_string();
    let given = words.join(" ");
    let raw = RawPerson {
        given_name: Some(if given.is_empty() {
            "Unknown".into()
        } else {
            given
        }),
        family_name: Some(if family.is_empty() {
            "Unknown".into()
        } else {
            family
        }),
        date_of_birth: adult
            .adult
            .age
            .as_deref()
            .and_then(safeguard_domain::matching::date_in)
            .map(safeguard_domain::person::iso_date),
        nhs_number: adult.adult.nhs_number.clone(),
        address_line_1: adult.adult.address.clone(),
        ..RawPerson::default()
    };
    match state
        .core
        .create_person_for_adult(&user.actor, &id, position, &raw, &user.ctx, user.now)
        .await
    {
        Ok(pid) => Ok(Redirect::to(&format!("/people/{pid}/edit")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            concern_page(
                &state,
                &user,
                &id,
                FormData::default(),
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- providers ----------

#[derive(Template)]
#[template(path = "providers.html")]
struct ProvidersPage {
    l: Layout,
    q: String,
    rows: Vec<(String, String, &'static str, String)>,
}

#[derive(Deserialize)]
pub(crate) struct QQuery {
    q: Option<String>,
}

/// `GET /providers`.
pub(crate) async fn providers(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<QQuery>,
) -> Result<Response, PageError> {
    let q = q.q.unwrap_or_default();
    let rows = state
        .core
        .providers(&user.actor, &q, &user.ctx, user.now)
        .await?;
    let rows = rows
        .into_iter()
        .map(|p| {
            (
                p.id,
                p.name,
                ProviderKind::parse(&p.kind)
                    .map(|k| k.label())
                    .unwrap_or("Other"),
                [p.address, p.postcode]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ProvidersPage {
            l: Layout::new("Providers", &user),
            q,
            rows,
        },
    ))
}

#[derive(Template)]
#[template(path = "provider_form.html")]
struct ProviderForm {
    l: Layout,
    f: FormView,
    errors: FieldErrors,
    kinds: Opts,
}

/// `GET /providers/new`.
pub(crate) async fn new_provider(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::ManageProviders, &user.ctx, user.now)
        .await?;
    Ok(render(
        StatusCode::OK,
        &ProviderForm {
            l: Layout::new("Add a provider", &user),
            f: FormView::default(),
            errors: FieldErrors::new(),
            kinds: opts!(ProviderKind),
        },
    ))
}

/// `POST /providers/new`.
pub(crate) async fn create_provider(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawProvider {
        name: f.opt("name"),
        kind: f.opt("kind"),
        address: f.opt("address"),
        postcode: f.opt("postcode"),
        registration_id: f.opt("registration_id"),
    };
    match state
        .core
        .create_provider(&user.actor, &raw, &user.ctx, user.now)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/providers/{id}")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = ProviderForm {
                l: Layout::new("Add a provider", &user).with_errors(&errors),
                f: FormView {
                    data: f,
                    errors: errors.clone(),
                },
                errors,
                kinds: opts!(ProviderKind),
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "provider_view.html")]
struct ProviderPage {
    l: Layout,
    id: String,
    name: String,
    summary: Vec<(&'static str, String)>,
    concerns: Vec<(String, String, String, &'static str)>,
    alerts: Vec<crate::patterns::AlertLine>,
    /// Staff alleged to have caused harm: (concern id, name, outcome).
    staff: Vec<(String, String, &'static str)>,
    /// Enquiries: (id, kind, started, state, still open).
    enquiries: Vec<(String, &'static str, String, &'static str, bool)>,
    /// Large-scale enquiries about it: (id, opened, state).
    large_scale: Vec<(String, String, &'static str)>,
    /// The viewer may open a large-scale enquiry.
    can_open: bool,
    f: FormView,
    errors: FieldErrors,
}

/// `GET /providers/{id}`.
pub(crate) async fn provider(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    provider_page(
        &state,
        &user,
        &id,
        FormData::default(),
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// The provider's page again, with the large-scale enquiry form's answers
/// and what was wrong with them.
pub(crate) async fn provider_page_with(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    provider_page(
        state,
        user,
        id,
        data,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn provider_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = state
        .core
        .provider_view(&user.actor, id, &user.ctx, user.now)
        .await?;
    let large_scale = v
        .large_scale()
        .await?
        .into_iter()
        .map(|r| {
            (
                r.id,
                when(r.opened_at),
                if r.state == "open" { "Open" } else { "Closed" },
            )
        })
        .collect();
    let alerts = v
        .alerts()
        .await?
        .iter()
        .map(|a| crate::patterns::alert_line(a, 0))
        .collect();
    let staff = v
        .alleged_staff()
        .await?
        .into_iter()
        .map(|a| {
            (
                a.concern_id,
                a.name.unwrap_or_else(|| "Name not known".into()),
                safeguard_domain::patterns::AllegedOutcome::parse(&a.outcome)
                    .map(|o| o.label())
                    .unwrap_or(""),
            )
        })
        .collect();
    let enquiries = v
        .enquiries()
        .await?
        .into_iter()
        .map(|e| {
            (
                e.id,
                safeguard_domain::enquiry::EnquiryKind::parse(&e.kind)
                    .map(|k| k.label())
                    .unwrap_or(""),
                crate::display::day_words(&e.started_on),
                safeguard_domain::enquiry::EnquiryState::parse(&e.state)
                    .map(|s| s.label())
                    .unwrap_or(""),
                e.state != "concluded",
            )
        })
        .collect();
    let (p, concerns) = (v.provider, v.concerns);
    let summary = vec![
        (
            "Kind",
            ProviderKind::parse(&p.kind)
                .map(|k| k.label())
                .unwrap_or("Other")
                .to_string(),
        ),
        (
            "Address",
            [p.address.clone(), p.postcode.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "CQC location id",
            p.registration_id
                .clone()
                .unwrap_or_else(|| "Not recorded".into()),
        ),
    ];
    let concerns = concerns
        .into_iter()
        .map(|c| {
            let s = match ConcernState::parse(&c.state) {
                Some(ConcernState::New) => "Waiting for triage",
                Some(ConcernState::Enquiry) => "Enquiry",
                _ => "Closed",
            };
            (c.id, c.reference, c.received_on, s)
        })
        .collect();
    Ok(render(
        status,
        &ProviderPage {
            l: Layout::new(p.name.clone(), user).with_errors(&errors),
            id: p.id,
            name: p.name,
            summary,
            concerns,
            alerts,
            staff,
            enquiries,
            large_scale,
            can_open: safeguard_domain::policy::decide(&user.actor, Action::RunLargeScaleEnquiries)
                == safeguard_domain::Decision::Allow,
            f: FormView {
                data,
                errors: errors.clone(),
            },
            errors,
        },
    ))
}

// ---------- calendar ----------

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    l: Layout,
    f: FormView,
    errors: FieldErrors,
    holidays: Vec<(String, String)>,
}

async fn calendar_page(
    state: &AppState,
    user: &SignedIn,
    mut data: FormData,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (holidays, targets) = state
        .core
        .calendar_settings(&user.actor, &user.ctx, user.now)
        .await?;
    if data.get("acknowledge_days").is_empty() {
        data.set("acknowledge_days", targets.acknowledge_days.to_string());
    }
    if data.get("decision_days").is_empty() {
        data.set("decision_days", targets.decision_days.to_string());
    }
    let t = CalendarPage {
        l: Layout::new("Deadlines and working days", user).with_errors(&errors),
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        holidays,
    };
    Ok(render(status, &t))
}

/// `GET /admin/calendar`.
pub(crate) async fn calendar(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    calendar_page(
        &state,
        &user,
        FormData::default(),
        FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/calendar/targets`.
pub(crate) async fn set_targets(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .set_targets(
            &user.actor,
            f.get("acknowledge_days"),
            f.get("decision_days"),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/calendar").into_response()),
        Err(CoreError::Invalid(errors)) => {
            calendar_page(&state, &user, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/calendar/holidays` (add) and `/admin/calendar/holidays/remove`.
pub(crate) async fn edit_holiday(
    State(state): State<AppState>,
    user: SignedIn,
    uri: axum::http::Uri,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let remove = uri.path().ends_with("/remove");
    match state
        .core
        .edit_holiday(
            &user.actor,
            f.get("day"),
            f.get("name"),
            remove,
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/calendar").into_response()),
        Err(CoreError::Invalid(errors)) => {
            calendar_page(&state, &user, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
