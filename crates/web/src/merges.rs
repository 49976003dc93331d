//! Merging two records of one person, part by part, and undoing a merge:
//! the pages and the API.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::merge::MergeSummary;
use safeguard_domain::merge::{FromOther, MergeField, suggested};
use safeguard_domain::person::Person;
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::{Action, PersonId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::parse_json;
use crate::auth::{ApiUser, SignedIn};
use crate::display::when;
use crate::errors::{ApiError, ApiErrorBody, PageError};
use crate::forms::FormData;
use crate::pages::{Layout, render};

/// A merge into a record, as its page lists it.
pub(crate) struct MergeLine {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) when: String,
    pub(crate) taken: String,
    pub(crate) undone: Option<String>,
}

impl From<MergeSummary> for MergeLine {
    fn from(m: MergeSummary) -> Self {
        MergeLine {
            id: m.id,
            name: m.merged_name,
            when: when(m.merged_at),
            taken: if m.taken.is_empty() {
                "Nothing: this record's values were kept".into()
            } else {
                m.taken.join(", ")
            },
            undone: m.undone_at.map(when),
        }
    }
}

/// One part on the merge page.
struct PartRow {
    code: &'static str,
    label: &'static str,
    kept: String,
    other: String,
    take_other: bool,
}

#[derive(Template)]
#[template(path = "merge.html")]
struct MergeTemplate {
    l: Layout,
    errors: FieldErrors,
    kept_id: String,
    other_id: String,
    kept_name: String,
    other_name: String,
    parts: Vec<PartRow>,
}

/// `?keep=…&merge=…`.
#[derive(Deserialize)]
pub(crate) struct Pair {
    keep: Option<String>,
    merge: Option<String>,
}

fn id_of(raw: Option<&str>) -> Result<PersonId, PageError> {
    raw.unwrap_or("")
        .parse()
        .map_err(|_| PageError::bad_request())
}

fn page(
    user: &SignedIn,
    kept: &Person,
    other: &Person,
    take: &FromOther,
    errors: FieldErrors,
) -> MergeTemplate {
    let name = |p: &Person| format!("{} {}", p.details.given_name, p.details.family_name);
    MergeTemplate {
        l: Layout::new(format!("Merge {} into {}", name(other), name(kept)), user)
            .with_errors(&errors),
        errors,
        kept_id: kept.id.to_string(),
        other_id: other.id.to_string(),
        kept_name: name(kept),
        other_name: name(other),
        parts: MergeField::ALL
            .into_iter()
            .map(|f| PartRow {
                code: f.code(),
                label: f.label(),
                kept: f.shown(&kept.details),
                other: f.shown(&other.details),
                take_other: take.contains(&f),
            })
            .collect(),
    }
}

/// `GET /people/merge?keep=…&merge=…`: both records side by side.
pub(crate) async fn compare(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<Pair>,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::ReviewDuplicates, &user.ctx, user.now)
        .await?;
    let (keep, other) = (id_of(q.keep.as_deref())?, id_of(q.merge.as_deref())?);
    let (kept, other) = state
        .core
        .merge_preview(&user.actor, keep, other, &user.ctx, user.now)
        .await?;
    let take = suggested(&kept.details, &other.details);
    Ok(render(
        StatusCode::OK,
        &page(&user, &kept, &other, &take, FieldErrors::new()),
    ))
}

/// `POST /people/merge`: merge as chosen.
pub(crate) async fn merge(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::ReviewDuplicates, &user.ctx, user.now)
        .await?;
    let form = FormData::parse(&body);
    let (keep, other) = (
        id_of(Some(form.get("keep")))?,
        id_of(Some(form.get("merge")))?,
    );
    let take: FromOther = MergeField::ALL
        .into_iter()
        .filter(|f| form.get(f.code()) == "other")
        .collect();
    match state
        .core
        .merge_people(&user.actor, keep, other, &take, &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{keep}?merged=1")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let (kept, other) = state
                .core
                .merge_preview(&user.actor, keep, other, &user.ctx, user.now)
                .await?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&user, &kept, &other, &take, errors),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /people/merges/{id}/undo`.
pub(crate) async fn undo(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let kept = state
        .core
        .undo_merge(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Redirect::to(&format!("/people/{kept}?unmerged=1")).into_response())
}

/// A merge asked for through the API.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The record to merge into this one (it stops being found, and leads here).
    pub merge: String,
    /// The parts to take from that record (every other part stays as this
    /// record has it): `name`, `date_of_birth`, `nhs_number`, `address`,
    /// `gender`, `ethnicity`, `support`, `language`, `communication`,
    /// `what_matters`.
    #[serde(default)]
    pub take_from_other: Vec<String>,
}

/// A merge made.
#[derive(Serialize, ToSchema)]
pub struct MergeOut {
    /// The merge's id (to undo it).
    pub id: String,
}

/// Merge another record of the same person into this one (council managers
/// with ordinary access to both). Everything on the other record moves
/// here; the merge can be undone exactly.
#[utoipa::path(post, path = "/api/v1/people/{id}/merge", tag = "people", request_body = MergeIn,
    params(("id" = String, Path, description = "The record kept")), security(("bearer" = [])),
    responses((status = 201, body = MergeOut), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
    (status = 422, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn api_merge(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<MergeOut>), ApiError> {
    let keep: PersonId = id.parse().map_err(|_| ApiError::not_found())?;
    let req: MergeIn = parse_json(&body)?;
    let other: PersonId = req.merge.parse().map_err(|_| {
        let mut e = FieldErrors::new();
        e.add("merge", "Enter the id of the record to merge");
        ApiError::validation(e)
    })?;
    let mut take = FromOther::new();
    for code in &req.take_from_other {
        let Some(f) = MergeField::parse(code) else {
            let mut e = FieldErrors::new();
            e.add("take_from_other", format!("No part is called {code:?}"));
            return Err(ApiError::validation(e));
        };
        take.insert(f);
    }
    let id = state
        .core
        .merge_people(&user.actor, keep, other, &take, &user.ctx, user.now)
        .await?;
    Ok((StatusCode::CREATED, Json(MergeOut { id })))
}

/// Undo a merge exactly: both records as they were, every moved row back.
#[utoipa::path(post, path = "/api/v1/merges/{id}/undo", tag = "people",
    params(("id" = String, Path, description = "The merge")), security(("bearer" = [])),
    responses((status = 204, description = "Undone"), (status = 404, body = ApiErrorBody),
    (status = 422, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub(crate) async fn api_undo(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .core
        .undo_merge(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
