//! Contacts and case notes on a person's record (`/people/{id}/contacts`),
//! and the curated chronology: marking an entry significant with the
//! worker's analysis (`/people/{id}/chronology/{entry}`) and the chronology
//! as CSV (`/people/{id}/chronology.csv`).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_domain::contact::{ContactKind, RawContact, RawSignificance};
use safeguard_domain::validation::FieldErrors;

use crate::AppState;
use crate::auth::SignedIn;
use crate::display::{Opts, opts, when};
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

/// A contact as the page shows it.
pub(crate) struct ContactView {
    pub(crate) kind: &'static str,
    /// The date in words.
    pub(crate) held_on: String,
    pub(crate) who: String,
    pub(crate) person_words: Option<String>,
    pub(crate) note: String,
    pub(crate) recorded: String,
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    l: Layout,
    person_id: String,
    name: String,
    contacts: Vec<ContactView>,
    kinds: Opts,
    yes_no: Opts,
    f: FormView,
    errors: FieldErrors,
    saved: bool,
}

async fn contacts_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    f: FormData,
    errors: FieldErrors,
    saved: bool,
) -> Result<ContactsPage, PageError> {
    let pid = crate::pages::person_id(id)?;
    let person = state
        .core
        .view_person(&user.actor, pid, &user.ctx, user.now)
        .await?;
    let given = person.details.given_name.clone();
    let contacts = person
        .contacts()
        .await?
        .into_iter()
        .map(|c| ContactView {
            kind: ContactKind::parse(&c.kind).map(|k| k.label()).unwrap_or(""),
            held_on: crate::display::day_words(&c.held_on),
            who: match (c.with_person, c.others) {
                (true, Some(o)) => format!("{given} and {o}"),
                (true, None) => given.clone(),
                (false, Some(o)) => o,
                (false, None) => "No one: a case note".into(),
            },
            person_words: c.person_words,
            note: c.note,
            recorded: format!("{}, {}", c.recorded_by_name, when(c.recorded_at)),
        })
        .collect();
    Ok(ContactsPage {
        l: Layout::new(
            format!("Contacts and case notes: {}", person.details.full_name()),
            user,
        )
        .with_errors(&errors),
        person_id: id.to_string(),
        name: person.details.full_name(),
        contacts,
        kinds: opts!(ContactKind),
        yes_no: vec![("yes", "Yes"), ("no", "No")],
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
        saved,
    })
}

/// `GET /people/{id}/contacts`: the person's contacts and case notes, and
/// the form to record one.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<crate::display::Saved>,
) -> Result<Response, PageError> {
    let t = contacts_page(
        &state,
        &user,
        &id,
        FormData::default(),
        FieldErrors::new(),
        q.saved.is_some(),
    )
    .await?;
    Ok(render(StatusCode::OK, &t))
}

/// `POST /people/{id}/contacts`: records a contact or case note.
pub(crate) async fn add(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pid = crate::pages::person_id(&id)?;
    let f = FormData::parse(&body);
    let raw = RawContact {
        kind: f.opt("kind"),
        held_on: f.opt("held_on"),
        with_person: f.opt("with_person"),
        others: f.opt("others"),
        person_words: f.opt("person_words"),
        note: f.opt("note"),
    };
    match state
        .core
        .record_contact(&user.actor, pid, &raw, &user.ctx, user.now)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}/contacts?saved=1")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = contacts_page(&state, &user, &id, f, errors, false).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "significance.html")]
struct SignificancePage {
    l: Layout,
    person_id: String,
    entry_id: String,
    name: String,
    when: String,
    summary: String,
    who: String,
    yes_no: Opts,
    f: FormView,
    errors: FieldErrors,
}

async fn significance_page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    entry: &str,
    f: Option<FormData>,
    errors: FieldErrors,
) -> Result<SignificancePage, PageError> {
    let pid = crate::pages::person_id(id)?;
    let person = state
        .core
        .view_person(&user.actor, pid, &user.ctx, user.now)
        .await?;
    let (e, newer) = person
        .chronology_entry(entry)
        .await?
        .ok_or_else(PageError::not_found)?;
    let f = f.unwrap_or_else(|| {
        let mut d = FormData::default();
        d.set("significant", if e.significant { "yes" } else { "no" });
        if let Some(a) = &e.analysis {
            d.set("analysis", a.clone());
        }
        // The chronology's page it is on, to return to.
        d.set(
            "page",
            (newer / crate::pages::CHRONOLOGY_PAGE + 1).to_string(),
        );
        d
    });
    Ok(SignificancePage {
        l: Layout::new(
            format!("A chronology entry: {}", person.details.full_name()),
            user,
        )
        .with_errors(&errors),
        person_id: id.to_string(),
        entry_id: entry.to_string(),
        name: person.details.full_name(),
        when: when(e.at),
        summary: e.summary,
        who: e.actor_name,
        yes_no: vec![("yes", "Yes"), ("no", "No")],
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
    })
}

/// `GET /people/{id}/chronology/{entry}`: one entry, to mark significant.
pub(crate) async fn entry(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, entry)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let t = significance_page(&state, &user, &id, &entry, None, FieldErrors::new()).await?;
    Ok(render(StatusCode::OK, &t))
}

/// `POST /people/{id}/chronology/{entry}`: marks it significant (with why)
/// or not, and returns to the chronology at the entry.
pub(crate) async fn mark(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, entry)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pid = crate::pages::person_id(&id)?;
    let f = FormData::parse(&body);
    let raw = RawSignificance {
        significant: f.get("significant") == "yes",
        analysis: f.opt("analysis"),
    };
    match state
        .core
        .mark_significance(&user.actor, pid, &entry, &raw, &user.ctx, user.now)
        .await
    {
        Ok(()) => {
            // Back to the page the entry is on (a number, whatever was sent).
            let page = f.get("page").trim().parse::<u32>().unwrap_or(1).max(1);
            Ok(Redirect::to(&format!(
                "/people/{id}/chronology?page={page}&saved=1#entry-{entry}"
            ))
            .into_response())
        }
        Err(CoreError::Invalid(errors)) => {
            let t = significance_page(&state, &user, &id, &entry, Some(f), errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /people/{id}/chronology.csv?kind=&from=&to=`: the chronology (as
/// filtered on its page, every entry the filter keeps) to open in a
/// spreadsheet. One audited view.
pub(crate) async fn csv(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    let q = crate::pages::ChronologyQuery::parse(raw);
    let (person, filter) = crate::pages::open_chronology(&state, &user, &id, &q).await?;
    // The page refuses dates that are not dates before offering this link.
    let filter = filter.map_err(|_| PageError::bad_request())?;
    let (rows, _) = person.chronology_filtered(&filter, None, 0).await?;
    let mut out = String::from("When,Kind,What,Who,Significant,Analysis\r\n");
    for c in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            crate::display::csv_field(&when(c.at)),
            crate::display::csv_field(&c.kind),
            crate::display::csv_field(&c.summary),
            crate::display::csv_field(&c.actor_name),
            if c.significant { "Yes" } else { "No" },
            crate::display::csv_field(c.analysis.as_deref().unwrap_or("")),
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"chronology-{}.csv\"",
                    person
                        .details
                        .family_name
                        .to_lowercase()
                        .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
                ),
            ),
        ],
        out,
    )
        .into_response())
}
