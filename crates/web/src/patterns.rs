//! People alleged to have caused harm (on a concern's page and an
//! enquiry's summary) and pattern alerts: the managers' list (`/alerts`),
//! one alert with the concerns behind it and its decision
//! (`/alerts/{id}`), and the rules' thresholds (`/admin/pattern-rules`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::patterns::On;
use safeguard_core::patterns::{AlertRow, AllegedRow};
use safeguard_domain::Action;
use safeguard_domain::patterns::{
    AlertDecision, AllegedKind, AllegedOutcome, RawAlertDecision, RawAlleged, RawAllegedOutcome,
    RawRuleSettings, Relationship, Rule,
};
use safeguard_domain::validation::FieldErrors;

use crate::AppState;
use crate::auth::SignedIn;
use crate::display::{Opts, opts, when};
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

/// An alleged person as the pages show them.
pub(crate) struct AllegedView {
    pub(crate) id: String,
    pub(crate) who: String,
    pub(crate) kind: &'static str,
    pub(crate) person_id: Option<String>,
    pub(crate) provider: Option<(String, String)>,
    pub(crate) relationship: &'static str,
    pub(crate) description: Option<String>,
    pub(crate) outcome: String,
    pub(crate) outcome_field: String,
    pub(crate) detail_field: String,
}

/// The alleged people's part of a page, with its forms.
pub(crate) struct AllegedBlock {
    /// `/concerns/{id}` or `/enquiries/{id}`: the forms post under it.
    pub(crate) base: String,
    pub(crate) rows: Vec<AllegedView>,
    pub(crate) can_edit: bool,
    /// The add form is open (it was just submitted with errors).
    pub(crate) open: bool,
    pub(crate) kinds: Opts,
    pub(crate) relationships: Opts,
    pub(crate) outcomes: Opts,
    pub(crate) providers: Vec<(String, String)>,
    /// Records the name typed may be, to choose from.
    pub(crate) people: Vec<(String, String)>,
}

/// The block for a page: `rows` as read through the opened concern or
/// enquiry; forms only for council case workers who may change it.
/// `providers` is the list the page already read, if it read one.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn alleged_block(
    state: &AppState,
    user: &SignedIn,
    base: String,
    rows: Vec<AllegedRow>,
    can_edit: bool,
    providers: Option<Vec<safeguard_core::rows::ProviderRow>>,
    data: &FormData,
    errors: &FieldErrors,
) -> Result<AllegedBlock, PageError> {
    let providers_all = match providers {
        Some(p) => p,
        None if can_edit || rows.iter().any(|r| r.provider_id.is_some()) => {
            state
                .core
                .providers(&user.actor, "", &user.ctx, user.now)
                .await?
        }
        None => Vec::new(),
    };
    let name_of = |id: &str| {
        providers_all
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "a provider".into())
    };
    let views = rows
        .into_iter()
        .map(|r| {
            let outcome = AllegedOutcome::parse(&r.outcome)
                .map(|o| o.label())
                .unwrap_or("Not yet known");
            AllegedView {
                who: r
                    .name
                    .clone()
                    .unwrap_or_else(|| "Name not known".to_string()),
                kind: AllegedKind::parse(&r.kind).map(|k| k.label()).unwrap_or(""),
                person_id: r.person_id.clone(),
                provider: r.provider_id.as_ref().map(|p| (p.clone(), name_of(p))),
                relationship: Relationship::parse(&r.relationship)
                    .map(|k| k.label())
                    .unwrap_or(""),
                description: r.description.clone(),
                outcome: match (&r.outcome_detail, r.outcome_at) {
                    (Some(d), Some(at)) => format!("{outcome} ({})\n{d}", when(at)),
                    (None, Some(at)) => format!("{outcome} ({})", when(at)),
                    _ => outcome.to_string(),
                },
                outcome_field: format!("outcome_{}", r.id),
                detail_field: format!("detail_{}", r.id),
                id: r.id,
            }
        })
        .collect();
    // A known person's name typed without a record chosen: offer the
    // records search finds for it (as search shows them to this user).
    let mut people = Vec::new();
    if can_edit
        && data.get("alleged_kind") == AllegedKind::KnownPerson.code()
        && !data.get("alleged_name").trim().is_empty()
    {
        for p in state
            .core
            .search_people(&user.actor, data.get("alleged_name"), &user.ctx, user.now)
            .await?
            .into_iter()
            .take(8)
        {
            let born = p
                .date_of_birth
                .map(|d| format!(", born {}", crate::display::day_words(d)))
                .unwrap_or_default();
            people.push((
                p.id.to_string(),
                format!("{} {}{born}", p.given_name, p.family_name),
            ));
        }
    }
    Ok(AllegedBlock {
        base,
        rows: views,
        can_edit,
        open: errors.0.iter().any(|e| e.field.starts_with("alleged_")),
        kinds: opts!(AllegedKind),
        relationships: opts!(Relationship),
        outcomes: opts!(AllegedOutcome),
        providers: crate::display::provider_options(providers_all),
        people,
    })
}

fn raw_alleged(f: &FormData) -> RawAlleged {
    RawAlleged {
        kind: f.opt("alleged_kind"),
        person_id: f.opt("alleged_person_id"),
        provider_id: f.opt("alleged_provider_id"),
        name: f.opt("alleged_name"),
        description: f.opt("alleged_description"),
        relationship: f.opt("alleged_relationship"),
    }
}

/// The domain's field names, as the page's form names them.
fn prefixed(errors: FieldErrors, prefix: &str) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.0 {
        out.add(format!("{prefix}{}", e.field), e.message);
    }
    out
}

fn outcome_errors(errors: FieldErrors, id: &str) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.0 {
        out.add(format!("{}_{id}", e.field), e.message);
    }
    out
}

/// Where a save returns to: the concern's section, or the enquiry's summary.
fn back(on: On<'_>) -> Response {
    match on {
        On::Concern(id) => Redirect::to(&format!("/concerns/{id}#alleged")).into_response(),
        On::Enquiry(id) => {
            Redirect::to(&format!("/enquiries/{id}?saved=summary#alleged")).into_response()
        }
    }
}

/// The page the form was on, again, with what was typed and what was wrong.
async fn again(
    state: &AppState,
    user: &SignedIn,
    on: On<'_>,
    f: FormData,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    match on {
        On::Concern(id) => crate::concerns::concern_page_with(state, user, id, f, errors).await,
        On::Enquiry(id) => crate::enquiries::summary_with(state, user, id, f, errors).await,
    }
}

async fn add(
    state: &AppState,
    user: &SignedIn,
    on: On<'_>,
    body: &[u8],
) -> Result<Response, PageError> {
    let f = FormData::parse(body);
    match state
        .core
        .add_alleged(&user.actor, on, &raw_alleged(&f), &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(back(on)),
        Err(CoreError::Invalid(e)) => again(state, user, on, f, prefixed(e, "alleged_")).await,
        Err(e) => Err(e.into()),
    }
}

async fn outcome(
    state: &AppState,
    user: &SignedIn,
    on: On<'_>,
    alleged: &str,
    body: &[u8],
) -> Result<Response, PageError> {
    let f = FormData::parse(body);
    let raw = RawAllegedOutcome {
        outcome: f.opt(&format!("outcome_{alleged}")),
        detail: f.opt(&format!("detail_{alleged}")),
    };
    match state
        .core
        .set_alleged_outcome(&user.actor, on, alleged, &raw, &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(back(on)),
        Err(CoreError::Invalid(e)) => again(state, user, on, f, outcome_errors(e, alleged)).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /concerns/{id}/alleged`.
pub(crate) async fn concern_add(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    add(&state, &user, On::Concern(&id), &body).await
}

/// `POST /concerns/{id}/alleged/{alleged}/outcome`.
pub(crate) async fn concern_outcome(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, alleged)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    outcome(&state, &user, On::Concern(&id), &alleged, &body).await
}

/// `POST /enquiries/{id}/alleged`.
pub(crate) async fn enquiry_add(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    add(&state, &user, On::Enquiry(&id), &body).await
}

/// `POST /enquiries/{id}/alleged/{alleged}/outcome`.
pub(crate) async fn enquiry_outcome(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, alleged)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    outcome(&state, &user, On::Enquiry(&id), &alleged, &body).await
}

// ---------- alerts ----------

/// An alert as the list shows it.
pub(crate) struct AlertLine {
    pub(crate) id: String,
    pub(crate) rule: &'static str,
    pub(crate) subject: String,
    pub(crate) raised: String,
    pub(crate) concerns: i64,
    pub(crate) decision: Option<String>,
}

fn decision_text(a: &AlertRow) -> Option<String> {
    let d = AlertDecision::parse(a.decision.as_deref()?)?;
    Some(format!(
        "{} ({}, {})",
        d.label(),
        a.decided_by_name.clone().unwrap_or_default(),
        a.decided_at.map(when).unwrap_or_default()
    ))
}

/// An alert as a person's or provider's page shows it.
pub(crate) fn alert_line(a: &AlertRow, concerns: i64) -> AlertLine {
    AlertLine {
        id: a.id.clone(),
        rule: Rule::parse(&a.rule).map(|r| r.label()).unwrap_or(""),
        subject: a.subject_label.clone(),
        raised: when(a.raised_at),
        concerns,
        decision: decision_text(a),
    }
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    l: Layout,
    open: Vec<AlertLine>,
    decided: Vec<AlertLine>,
    can_set_rules: bool,
}

/// `GET /alerts`.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    let rows = state.core.alerts(&user.actor, &user.ctx, user.now).await?;
    let (open, decided): (Vec<_>, Vec<_>) = rows
        .iter()
        .map(|(a, n)| alert_line(a, *n))
        .partition(|a| a.decision.is_none());
    Ok(render(
        StatusCode::OK,
        &AlertsPage {
            l: Layout::new("Pattern alerts", &user),
            open,
            decided,
            can_set_rules: safeguard_domain::policy::decide(&user.actor, Action::SetPatternRules)
                == safeguard_domain::Decision::Allow,
        },
    ))
}

#[derive(Template)]
#[template(path = "alert.html")]
struct AlertPage {
    l: Layout,
    id: String,
    rule: &'static str,
    explain: String,
    subject: String,
    subject_link: Option<String>,
    /// The provider a large-scale enquiry may be opened about (undecided
    /// alerts about a provider, or the same staff member across adults).
    provider_id: Option<String>,
    raised: String,
    concerns: Vec<(String, String, String, String)>,
    decision: Option<String>,
    reasons: Option<String>,
    decisions: Opts,
    f: FormView,
    errors: FieldErrors,
    saved: bool,
}

async fn alert_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = state
        .core
        .alert_view(&user.actor, id, &user.ctx, user.now)
        .await?;
    let a = &v.alert;
    let settings = safeguard_domain::patterns::RuleSettings {
        enabled: true,
        threshold: a.threshold,
        days: a.days,
    };
    let subject_link = match a.subject_kind.as_str() {
        "person" => Some(format!("/people/{}", a.subject_id)),
        "provider" => Some(format!("/providers/{}", a.subject_id)),
        "alleged" if a.subject_id.parse::<safeguard_domain::PersonId>().is_ok() => {
            Some(format!("/people/{}", a.subject_id))
        }
        _ => None,
    };
    let concerns = v
        .concerns
        .iter()
        .map(|c| {
            let st = match safeguard_domain::concern::ConcernState::parse(&c.state) {
                Some(safeguard_domain::concern::ConcernState::New) => "Waiting for triage",
                Some(safeguard_domain::concern::ConcernState::Enquiry) => "Enquiry",
                _ => "Closed",
            };
            let what: String = c.what_happened.chars().take(160).collect();
            (
                c.id.clone(),
                c.reference.clone(),
                format!("{}: {}", crate::display::day_words(&c.received_on), st),
                what,
            )
        })
        .collect();
    let provider_id = match a.subject_kind.as_str() {
        _ if a.decided_at.is_some() => None,
        "provider" => Some(a.subject_id.clone()),
        "alleged" => a.subject_id.split_once('@').map(|(_, p)| p.to_string()),
        _ => None,
    };
    let saved = errors.is_empty() && data.get("saved") == "decision";
    let t = AlertPage {
        l: Layout::new(format!("Alert: {}", v.rule.label()), user).with_errors(&errors),
        id: a.id.clone(),
        rule: v.rule.label(),
        explain: v.rule.explain(&settings),
        subject: a.subject_label.clone(),
        subject_link,
        provider_id,
        raised: when(a.raised_at),
        concerns,
        decision: decision_text(a),
        reasons: a.reasons.clone(),
        decisions: opts!(AlertDecision),
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        saved,
    };
    Ok(render(status, &t))
}

/// The alert's page again, with the large-scale enquiry form's answers and
/// what was wrong with them.
pub(crate) async fn alert_page_with(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    alert_page(
        state,
        user,
        id,
        data,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `GET /alerts/{id}`.
pub(crate) async fn view(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<crate::display::Saved>,
) -> Result<Response, PageError> {
    let mut data = FormData::default();
    if let Some(s) = q.saved {
        data.set("saved", s);
    }
    alert_page(&state, &user, &id, data, FieldErrors::new(), StatusCode::OK).await
}

/// `POST /alerts/{id}/decision`.
pub(crate) async fn decide(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawAlertDecision {
        decision: f.opt("decision"),
        reasons: f.opt("reasons"),
    };
    match state
        .core
        .decide_alert(&user.actor, &id, &raw, &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/alerts/{id}?saved=decision")).into_response()),
        Err(CoreError::Invalid(e)) => {
            alert_page(&state, &user, &id, f, e, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A rule's row on the settings page.
pub(crate) struct RuleLine {
    label: &'static str,
    explain: String,
    counts: bool,
    window: bool,
    enabled_field: String,
    threshold_field: String,
    days_field: String,
}

#[derive(Template)]
#[template(path = "pattern_rules.html")]
struct RulesPage {
    l: Layout,
    rules: Vec<RuleLine>,
    yes_no: Opts,
    f: FormView,
    errors: FieldErrors,
    saved: bool,
}

async fn rules_page(
    state: &AppState,
    user: &SignedIn,
    data: Option<FormData>,
    errors: FieldErrors,
    saved: bool,
    status: StatusCode,
) -> Result<Response, PageError> {
    let current = state
        .core
        .pattern_rules(&user.actor, &user.ctx, user.now)
        .await?;
    let mut form = FormData::default();
    for (r, s) in &current {
        form.set(
            &format!("{}_enabled", r.code()),
            if s.enabled { "yes" } else { "no" },
        );
        form.set(&format!("{}_threshold", r.code()), s.threshold.to_string());
        form.set(&format!("{}_days", r.code()), s.days.to_string());
    }
    let data = data.unwrap_or(form);
    let rules = current
        .iter()
        .map(|(r, s)| RuleLine {
            label: r.label(),
            explain: r.explain(s),
            counts: r.counts(),
            window: r.has_window(),
            enabled_field: format!("{}_enabled", r.code()),
            threshold_field: format!("{}_threshold", r.code()),
            days_field: format!("{}_days", r.code()),
        })
        .collect();
    let t = RulesPage {
        l: Layout::new("Pattern rules", user).with_errors(&errors),
        rules,
        yes_no: vec![("yes", "On"), ("no", "Off")],
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        saved,
    };
    Ok(render(status, &t))
}

/// `GET /admin/pattern-rules`.
pub(crate) async fn rules(
    State(state): State<AppState>,
    user: SignedIn,
    axum::extract::Query(q): axum::extract::Query<crate::display::Saved>,
) -> Result<Response, PageError> {
    rules_page(
        &state,
        &user,
        None,
        FieldErrors::new(),
        q.saved.is_some(),
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/pattern-rules`.
pub(crate) async fn save_rules(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw: Vec<(Rule, RawRuleSettings)> = Rule::ALL
        .iter()
        .map(|r| {
            (
                *r,
                RawRuleSettings {
                    enabled: f.opt(&format!("{}_enabled", r.code())),
                    threshold: f.opt(&format!("{}_threshold", r.code())),
                    days: f.opt(&format!("{}_days", r.code())),
                },
            )
        })
        .collect();
    match state
        .core
        .set_pattern_rules(&user.actor, &raw, &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/pattern-rules?saved=rules").into_response()),
        Err(CoreError::Invalid(e)) => {
            rules_page(
                &state,
                &user,
                Some(f),
                e,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
