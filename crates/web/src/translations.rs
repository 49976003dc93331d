//! Approved translations of the plan summary's fixed text
//! (`/admin/summary-translations`), for administrators and managers.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_domain::Action;
use safeguard_domain::summary::{RawTranslation, TEXTS, Translation};
use safeguard_domain::validation::FieldErrors;

use crate::AppState;
use crate::auth::SignedIn;
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

#[derive(Template)]
#[template(path = "translations.html")]
struct ListTemplate {
    l: Layout,
    translations: Vec<Translation>,
}

/// `GET /admin/summary-translations`: the languages with an approved translation.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::ManageCalendar, &user.ctx, user.now)
        .await?;
    let translations = state.core.summary_translations().await?;
    Ok(render(
        StatusCode::OK,
        &ListTemplate {
            l: Layout::new("Plan summary translations", &user),
            translations,
        },
    ))
}

#[derive(Template)]
#[template(path = "translation_form.html")]
struct FormTemplate {
    l: Layout,
    f: FormView,
    errors: FieldErrors,
    /// The tag of the translation being edited; `None` for a new one.
    editing: Option<String>,
    /// Each text: form field name and English wording.
    texts: Vec<(String, &'static str)>,
}

fn form_page(
    user: &SignedIn,
    data: FormData,
    errors: FieldErrors,
    editing: Option<String>,
) -> FormTemplate {
    let title = match &editing {
        Some(_) => "Change a plan summary translation",
        None => "Add a plan summary translation",
    };
    FormTemplate {
        l: Layout::new(title, user).with_errors(&errors),
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        editing,
        texts: TEXTS
            .iter()
            .map(|(k, e)| (format!("text_{k}"), *e))
            .collect(),
    }
}

/// `GET /admin/summary-translations/new`.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::ManageCalendar, &user.ctx, user.now)
        .await?;
    Ok(render(
        StatusCode::OK,
        &form_page(&user, FormData::default(), FieldErrors::new(), None),
    ))
}

/// `GET /admin/summary-translations/{lang}`.
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    user: SignedIn,
    Path(lang): Path<String>,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::ManageCalendar, &user.ctx, user.now)
        .await?;
    let t = state
        .core
        .summary_translations()
        .await?
        .into_iter()
        .find(|t| t.lang == lang)
        .ok_or_else(PageError::not_found)?;
    let mut data = FormData::default();
    data.set("lang", t.lang.clone());
    data.set("language", t.language.clone());
    data.set("approved_by", t.approved_by.clone());
    for (k, v) in &t.texts {
        data.set(&format!("text_{k}"), v.clone());
    }
    Ok(render(
        StatusCode::OK,
        &form_page(&user, data, FieldErrors::new(), Some(lang)),
    ))
}

/// `POST /admin/summary-translations/new`.
pub(crate) async fn save_new(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    save(state, user, None, body).await
}

/// `POST /admin/summary-translations/{lang}`: save, or remove with `action=remove`.
pub(crate) async fn save_existing(
    State(state): State<AppState>,
    user: SignedIn,
    Path(lang): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    save(state, user, Some(lang), body).await
}

async fn save(
    state: AppState,
    user: SignedIn,
    editing: Option<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    if let (Some(l), "remove") = (&editing, f.get("action")) {
        state
            .core
            .remove_summary_translation(&user.actor, l, &user.ctx, user.now)
            .await?;
        return Ok(Redirect::to("/admin/summary-translations").into_response());
    }
    let tag = editing
        .clone()
        .unwrap_or_else(|| f.get("lang").trim().to_string());
    let raw = RawTranslation {
        language: f.opt("language"),
        approved_by: f.opt("approved_by"),
        texts: TEXTS
            .iter()
            .map(|(k, _)| ((*k).to_string(), f.get(&format!("text_{k}")).to_string()))
            .collect(),
    };
    match state
        .core
        .save_summary_translation(&user.actor, &tag, &raw, &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/summary-translations").into_response()),
        Err(CoreError::Invalid(errs)) => {
            // The domain names texts "texts.key"; the form names them "text_key".
            let errs = FieldErrors(
                errs.0
                    .into_iter()
                    .map(|mut e| {
                        if let Some(k) = e.field.strip_prefix("texts.") {
                            e.field = format!("text_{k}");
                        }
                        e
                    })
                    .collect(),
            );
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&user, f, errs, editing),
            ))
        }
        Err(e) => Err(e.into()),
    }
}
