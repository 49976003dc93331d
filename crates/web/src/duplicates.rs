//! The managers' review of records suspected to be the same person.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::accounts::Done;
use crate::auth::SignedIn;
use crate::display::audit_time;
use crate::errors::PageError;
use crate::pages::{Layout, SummaryRow, render};

/// One pair on the page.
struct PairRow {
    id: String,
    made: SummaryRow,
    existing: SummaryRow,
    /// Both, labelled, in page order.
    records: Vec<(&'static str, SummaryRow)>,
    reasons: String,
    found: String,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesTemplate {
    l: Layout,
    pairs: Vec<PairRow>,
    done: bool,
}

/// `GET /people/duplicates`: pairs to review, oldest first.
pub(crate) async fn queue(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let pairs = state
        .core
        .duplicate_queue(&user.actor, &user.ctx, user.now)
        .await?;
    let pairs = pairs
        .into_iter()
        .map(|p| PairRow {
            id: p.id,
            made: SummaryRow::from(p.made.clone()),
            existing: SummaryRow::from(p.existing.clone()),
            records: vec![
                ("New record", SummaryRow::from(p.made)),
                ("Existing record", SummaryRow::from(p.existing)),
            ],
            reasons: p.reasons.join("; "),
            found: audit_time(p.found_at),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &DuplicatesTemplate {
            l: Layout::new("Possible duplicate records", &user),
            pairs,
            done: q.done.is_some(),
        },
    ))
}

/// `POST /people/duplicates/{id}/distinct`: the two are different people.
pub(crate) async fn distinct(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .core
        .mark_distinct(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Redirect::to("/people/duplicates?done=1").into_response())
}
