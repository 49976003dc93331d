//! Drafts of long forms: a user can save what they have typed and finish
//! later. A draft is the form exactly as typed (less its CSRF token and
//! button), kept per user and per form path, and forgotten once the record
//! is saved. Only its owner ever sees it.

use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::auth::SignedIn;
use crate::errors::PageError;
use crate::forms::FormData;

/// Keeps `form` as the user's draft of the form at `path`.
pub(crate) async fn save(
    state: &AppState,
    user: &SignedIn,
    path: &str,
    form: &FormData,
) -> Result<(), PageError> {
    let kept = form
        .0
        .iter()
        .filter(|(k, _)| k != "csrf_token" && k != "action");
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    state
        .core
        .save_form_draft(&user.actor, path, &body, &user.ctx, user.now)
        .await?;
    Ok(())
}

/// The user's draft of the form at exactly `path`, if they have one.
pub(crate) async fn load(
    state: &AppState,
    user: &SignedIn,
    path: &str,
) -> Result<Option<FormData>, PageError> {
    Ok(state
        .core
        .form_drafts(&user.actor, path)
        .await?
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, body)| FormData::parse(body.as_bytes())))
}

/// Forgets the user's draft of the form at `path` (after the record is
/// saved, or when they discard it).
pub(crate) async fn forget(state: &AppState, user: &SignedIn, path: &str) -> Result<(), PageError> {
    state.core.delete_form_draft(&user.actor, path).await?;
    Ok(())
}

/// Handles a form's draft buttons: "Save as draft" (`action=draft`) and
/// "Discard the draft" (`action=discard_draft`) both go back to the form at
/// `path`. `None` when another button was pressed.
pub(crate) async fn handle(
    state: &AppState,
    user: &SignedIn,
    path: &str,
    form: &FormData,
) -> Result<Option<Response>, PageError> {
    match form.get("action") {
        "draft" => save(state, user, path, form).await?,
        "discard_draft" => forget(state, user, path).await?,
        _ => return Ok(None),
    }
    Ok(Some(Redirect::to(path).into_response()))
}
