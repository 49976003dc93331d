//! Training pages: a worker's own training (`/learning`), a manager's view of
//! a team member's (`/learning/workers/{id}`), the compliance page
//! (`/learning/compliance`) and the competency frameworks
//! (`/learning/frameworks`, edited by administrators).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::workforce::{
    Catalogue, Compliance, TeamFigures, WorkerTraining, learning_kinds,
};
use safeguard_domain::policy::decide;
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::workforce::{
    Band, Framework, LearningKind, RawLearning, RawLevel, Standing, hours_text,
};
use safeguard_domain::{Action, Decision, Role};
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};
use crate::{AppState, charts};

/// One requirement as a page shows it.
pub(crate) struct RequirementView {
    pub(crate) level: String,
    pub(crate) framework: &'static str,
    pub(crate) standing: String,
    pub(crate) tag: &'static str,
    pub(crate) band: &'static str,
    pub(crate) hours: String,
}

/// One learning record as a page shows it.
pub(crate) struct RecordView {
    pub(crate) title: String,
    pub(crate) kind: &'static str,
    pub(crate) provider: String,
    pub(crate) completed_on: String,
    pub(crate) hours: String,
    pub(crate) level: String,
    pub(crate) expires_on: String,
    pub(crate) evidence: String,
}

/// The GOV.UK tag colour for a standing.
pub(crate) fn tag(s: Standing) -> &'static str {
    match s.band() {
        Band::OutOfDate => "govuk-tag--red",
        Band::Within30 => "govuk-tag--orange",
        Band::Within60 | Band::Within90 => "govuk-tag--yellow",
        Band::Current => "govuk-tag--green",
    }
}

fn requirement_views(t: &WorkerTraining) -> Vec<RequirementView> {
    t.requirements
        .iter()
        .map(|r| RequirementView {
            level: r.level.name.clone(),
            framework: r.level.framework.label(),
            standing: r.standing.describe(),
            tag: tag(r.standing),
            band: r.standing.band().label(),
            hours: format!(
                "{} of {} in the last {} months",
                hours_text(r.hours_tenths),
                hours_text(r.level.hours_tenths),
                r.level.refresh_months
            ),
        })
        .collect()
}

fn record_views(t: &WorkerTraining, cat: &Catalogue) -> Vec<RecordView> {
    t.records
        .iter()
        .map(|r| RecordView {
            title: r.title.clone(),
            kind: LearningKind::parse(&r.kind).map_or("Other learning", |k| k.label()),
            provider: r.provider.clone().unwrap_or_default(),
            completed_on: r.completed_on.clone(),
            hours: hours_text(r.hours_tenths),
            level: r
                .level_id
                .as_deref()
                .map(|id| cat.level_name(id))
                .unwrap_or_else(|| "None".into()),
            expires_on: r.expires_on.clone().unwrap_or_default(),
            evidence: r.evidence.clone().unwrap_or_default(),
        })
        .collect()
}

pub(crate) fn level_options(cat: &Catalogue) -> Vec<(String, String)> {
    cat.levels
        .iter()
        .map(|l| (l.id.clone(), l.full_name()))
        .collect()
}

#[derive(Template)]
#[template(path = "learning.html")]
struct LearningTemplate {
    l: Layout,
    own: bool,
    name: String,
    /// The role and job title the needs follow, in a sentence.
    job: String,
    action: String,
    requirements: Vec<RequirementView>,
    records: Vec<RecordView>,
    kinds: Vec<(String, String)>,
    levels: Vec<(String, String)>,
    f: FormView,
    errors: FieldErrors,
    notice: Option<String>,
}

fn learning_page(
    user: &SignedIn,
    t: &WorkerTraining,
    cat: &Catalogue,
    own: bool,
    f: FormData,
    errors: FieldErrors,
    notice: Option<String>,
) -> LearningTemplate {
    let title = if own {
        "Your training".to_string()
    } else {
        format!("Training: {}", t.display_name)
    };
    LearningTemplate {
        l: Layout::new(title, user).with_errors(&errors),
        own,
        name: t.display_name.clone(),
        job: match &t.job_title {
            Some(j) => format!("Role: {}. Job title: {j}.", t.role.label()),
            None => format!("Role: {}.", t.role.label()),
        },
        action: if own {
            "/learning".into()
        } else {
            format!("/learning/workers/{}", t.user_id)
        },
        requirements: requirement_views(t),
        records: record_views(t, cat),
        kinds: learning_kinds()
            .into_iter()
            .map(|(c, l)| (c.to_string(), l.to_string()))
            .collect(),
        levels: level_options(cat),
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
        notice,
    }
}

fn raw_learning(f: &FormData) -> RawLearning {
    RawLearning {
        title: f.opt("title"),
        kind: f.opt("kind"),
        provider: f.opt("provider"),
        completed_on: f.opt("completed_on"),
        hours: f.opt("hours"),
        level: f.opt("level"),
        expires_on: f.opt("expires_on"),
        evidence: f.opt("evidence"),
    }
}

/// `?recorded=1` after a record is added.
#[derive(Deserialize)]
pub(crate) struct RecordedQuery {
    recorded: Option<String>,
}

fn recorded_notice(q: &RecordedQuery) -> Option<String> {
    q.recorded
        .is_some()
        .then(|| "The learning was recorded.".to_string())
}

/// `GET /learning`: the signed-in worker's training.
pub(crate) async fn mine(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<RecordedQuery>,
) -> Result<Response, PageError> {
    let (t, cat) = state
        .core
        .my_training(&user.actor, &user.ctx, user.now)
        .await?;
    let page = learning_page(
        &user,
        &t,
        &cat,
        true,
        FormData::default(),
        FieldErrors::new(),
        recorded_notice(&q),
    );
    Ok(render(StatusCode::OK, &page))
}

/// `POST /learning`: record one's own learning.
pub(crate) async fn record_mine(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .record_learning(&user.actor, None, &raw_learning(&f), &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to("/learning?recorded=1").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let (t, cat) = state
                .core
                .my_training(&user.actor, &user.ctx, user.now)
                .await?;
            let page = learning_page(&user, &t, &cat, true, f, errors, None);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /learning/workers/{id}`: a worker's training (their manager, the workforce lead).
pub(crate) async fn worker(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<RecordedQuery>,
) -> Result<Response, PageError> {
    let (t, cat) = state
        .core
        .worker_training(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let own = t.user_id == user.actor.user_id.to_string();
    let page = learning_page(
        &user,
        &t,
        &cat,
        own,
        FormData::default(),
        FieldErrors::new(),
        recorded_notice(&q),
    );
    Ok(render(StatusCode::OK, &page))
}

/// `POST /learning/workers/{id}`: record learning for a worker.
pub(crate) async fn record_for(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .record_learning(
            &user.actor,
            Some(&id),
            &raw_learning(&f),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/learning/workers/{id}?recorded=1")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let (t, cat) = state
                .core
                .worker_training(&user.actor, &id, &user.ctx, user.now)
                .await?;
            let own = t.user_id == user.actor.user_id.to_string();
            let page = learning_page(&user, &t, &cat, own, f, errors, None);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// A worker's row on the compliance page.
struct WorkerRow {
    id: String,
    name: String,
    team: String,
    requirements: Vec<RequirementView>,
}

#[derive(Template)]
#[template(path = "compliance.html")]
struct ComplianceTemplate {
    l: Layout,
    named: Option<NamedCompliance>,
    figures: Vec<(String, u64, Vec<u64>)>,
    band_labels: Vec<&'static str>,
}

struct NamedCompliance {
    scope: String,
    svg: String,
    bands: Vec<(&'static str, u64)>,
    workers: Vec<WorkerRow>,
    overrides: Vec<safeguard_core::workforce::OverrideView>,
    teams: Vec<(String, String)>,
    team: String,
    everyone: bool,
}

/// `?team=ID` (the workforce lead narrows to one team).
#[derive(Deserialize)]
pub(crate) struct TeamQuery {
    team: Option<String>,
}

fn named(
    c: Compliance,
    teams: Vec<(String, String)>,
    team: String,
    everyone: bool,
) -> NamedCompliance {
    let rows: Vec<(String, u64, String)> = c
        .bands
        .iter()
        .map(|(b, n)| (b.label().to_string(), *n, n.to_string()))
        .collect();
    let total: u64 = c.bands.iter().map(|(_, n)| n).sum();
    let out = c
        .bands
        .iter()
        .find(|(b, _)| *b == Band::OutOfDate)
        .map_or(0, |(_, n)| *n);
    let desc = format!(
        "Bar chart of {total} training requirement{} by how soon they run out; {out} out of date. The table below has every figure.",
        if total == 1 { "" } else { "s" }
    );
    NamedCompliance {
        scope: c.scope,
        svg: charts::bars(
            "compliance-chart",
            "Training requirements by band",
            &desc,
            &rows,
        ),
        bands: c.bands.iter().map(|(b, n)| (b.label(), *n)).collect(),
        workers: c
            .workers
            .iter()
            .map(|w| WorkerRow {
                id: w.user_id.clone(),
                name: w.display_name.clone(),
                team: w.team_name.clone().unwrap_or_default(),
                requirements: requirement_views(w),
            })
            .collect(),
        overrides: c.overrides,
        teams,
        team,
        everyone,
    }
}

/// Figures by team as table rows: (team, workers, count per band).
pub(crate) fn figure_rows(f: &[TeamFigures]) -> Vec<(String, u64, Vec<u64>)> {
    f.iter()
        .map(|t| {
            (
                t.team.clone(),
                t.workers,
                t.bands.iter().map(|b| b.count).collect(),
            )
        })
        .collect()
}

/// `GET /learning/compliance`: who is out of date and who runs out soon.
pub(crate) async fn compliance(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<TeamQuery>,
) -> Result<Response, PageError> {
    let team = q.team.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let named = if decide(&user.actor, Action::ViewWorkforce) == Decision::Allow {
        let c = state
            .core
            .compliance(&user.actor, team, &user.ctx, user.now)
            .await?;
        let everyone = safeguard_domain::policy::workforce_scope(&user.actor)
            == safeguard_domain::policy::WorkforceScope::Everyone;
        let teams = if everyone {
            state.core.teams().await?
        } else {
            Vec::new()
        };
        Some(named(c, teams, team.unwrap_or("").to_string(), everyone))
    } else {
        None
    };
    let figures = if named.is_none() {
        figure_rows(
            &state
                .core
                .compliance_figures(&user.actor, &user.ctx, user.now)
                .await?,
        )
    } else {
        Vec::new()
    };
    let t = ComplianceTemplate {
        l: Layout::new("Training compliance", &user),
        named,
        figures,
        band_labels: Band::ALL.iter().map(|b| b.label()).collect(),
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "frameworks.html")]
struct FrameworksTemplate {
    l: Layout,
    frameworks: Vec<(&'static str, Vec<safeguard_domain::workforce::Level>)>,
    can_edit: bool,
    roles: Vec<(&'static str, &'static str, Vec<String>)>,
    /// Each job title with levels of its own: (title, level names).
    jobs: Vec<(String, String)>,
    levels: Vec<(String, String)>,
    lead_level: String,
    framework_options: Vec<(String, String)>,
    f: FormView,
    errors: FieldErrors,
    notice: Option<String>,
}

fn frameworks_page(
    user: &SignedIn,
    cat: &Catalogue,
    f: FormData,
    errors: FieldErrors,
    notice: Option<String>,
) -> FrameworksTemplate {
    FrameworksTemplate {
        l: Layout::new("Competency frameworks", user).with_errors(&errors),
        frameworks: Framework::ALL
            .iter()
            .map(|fw| {
                (
                    fw.label(),
                    cat.levels
                        .iter()
                        .filter(|l| l.framework == *fw)
                        .cloned()
                        .collect(),
                )
            })
            .collect(),
        can_edit: decide(&user.actor, Action::ManageFrameworks) == Decision::Allow,
        roles: Role::ALL
            .iter()
            .map(|r| {
                (
                    r.code(),
                    r.label(),
                    cat.required_for(*r).iter().map(|l| l.id.clone()).collect(),
                )
            })
            .collect(),
        jobs: cat
            .jobs()
            .into_iter()
            .map(|(t, levels)| {
                (
                    t,
                    levels
                        .iter()
                        .map(|l| l.full_name())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })
            .collect(),
        levels: level_options(cat),
        lead_level: cat.enquiry_lead_level.clone().unwrap_or_default(),
        framework_options: Framework::ALL
            .iter()
            .map(|f| (f.code().to_string(), f.label().to_string()))
            .collect(),
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
        notice,
    }
}

/// `GET /learning/frameworks`: the levels, what each role needs, the lead's level.
pub(crate) async fn frameworks(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<crate::display::Saved>,
) -> Result<Response, PageError> {
    let cat = state.core.workforce_catalogue().await?;
    let notice = q.saved.is_some().then(|| "Saved.".to_string());
    Ok(render(
        StatusCode::OK,
        &frameworks_page(&user, &cat, FormData::default(), FieldErrors::new(), notice),
    ))
}

fn raw_level(f: &FormData) -> RawLevel {
    RawLevel {
        name: f.opt("name"),
        description: f.opt("description"),
        refresh_months: f.opt("refresh_months"),
        hours: f.opt("hours"),
    }
}

/// `POST /learning/frameworks/levels`: add a level (administrators).
pub(crate) async fn add_level(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .add_level(
            &user.actor,
            f.get("framework"),
            &raw_level(&f),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/learning/frameworks?saved=1").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let cat = state.core.workforce_catalogue().await?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &frameworks_page(&user, &cat, f, errors, None),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /learning/frameworks/requirements`: the levels each role needs and
/// the level an enquiry lead needs (administrators).
pub(crate) async fn set_requirements(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let by_role: Vec<(Role, Vec<String>)> = Role::ALL
        .iter()
        .map(|r| (*r, f.all(&format!("role-{}", r.code()))))
        .collect();
    match state
        .core
        .set_requirements(
            &user.actor,
            &by_role,
            Some(f.get("lead_level")),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/learning/frameworks?saved=1").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let cat = state.core.workforce_catalogue().await?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &frameworks_page(&user, &cat, f, errors, None),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /learning/frameworks/job-requirements`: the levels a job title
/// needs on top of its role's (administrators); none clears them.
pub(crate) async fn set_job_requirements(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .set_job_requirements(
            &user.actor,
            &f.opt("job_title"),
            &f.all("job_levels"),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/learning/frameworks?saved=1").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let cat = state.core.workforce_catalogue().await?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &frameworks_page(&user, &cat, f, errors, None),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "level_form.html")]
struct LevelTemplate {
    l: Layout,
    id: String,
    framework: &'static str,
    f: FormView,
    errors: FieldErrors,
}

/// `GET /learning/frameworks/levels/{id}`: edit a level (administrators).
pub(crate) async fn level_form(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::ManageFrameworks, &user.ctx, user.now)
        .await?;
    let cat = state.core.workforce_catalogue().await?;
    let level = cat.level(&id).ok_or(CoreError::NotFound)?;
    let mut f = FormData::default();
    f.set("name", level.name.clone());
    f.set("description", level.description.clone());
    f.set("refresh_months", level.refresh_months.to_string());
    f.set("hours", hours_text(level.hours_tenths));
    let t = LevelTemplate {
        l: Layout::new(format!("Edit {}", level.name), &user),
        id,
        framework: level.framework.label(),
        f: FormView {
            data: f,
            errors: FieldErrors::new(),
        },
        errors: FieldErrors::new(),
    };
    Ok(render(StatusCode::OK, &t))
}

/// `POST /learning/frameworks/levels/{id}`: save a level (administrators).
pub(crate) async fn save_level(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .edit_level(&user.actor, &id, &raw_level(&f), &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(Redirect::to("/learning/frameworks?saved=1").into_response()),
        Err(CoreError::Invalid(errors)) => {
            let cat = state.core.workforce_catalogue().await?;
            let level = cat.level(&id).ok_or(CoreError::NotFound)?;
            let t = LevelTemplate {
                l: Layout::new(format!("Edit {}", level.name), &user).with_errors(&errors),
                id,
                framework: level.framework.label(),
                f: FormView {
                    data: f,
                    errors: errors.clone(),
                },
                errors,
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/workforce-lead`: grant (`lead=yes`) or withdraw
/// the workforce lead's permission (administrators).
pub(crate) async fn set_workforce_lead(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let lead = f.get("lead") == "yes";
    match state
        .core
        .set_workforce_lead(&user.actor, &id, lead, &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}")).into_response()),
        Err(e) => Err(e.into()),
    }
}
