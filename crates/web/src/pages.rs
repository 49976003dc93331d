//! The HTML pages. Each handler decodes its input, calls one core use case
//! and renders the result.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use safeguard_core::people::{Created, PersonOverview, SignedPage};
use safeguard_core::rows::{AuditFilter, ChronologyFilter, Verification};
use safeguard_core::search::DuplicateCheck;
use safeguard_core::{CoreError, NewUserInput, UserSummary};
use safeguard_domain::person::PersonSummary;
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::{Action, PersonId, Role};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{PageReader, SignedIn};
use crate::display::{audit_time, when};
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::person_form::{Options, PersonView, form_from_raw, key_rows, raw_from_form};

/// The signed-in user as the header shows them.
pub struct UserNav {
    /// Name.
    pub display_name: String,
    /// Role label.
    pub role_label: &'static str,
    /// The agency's name.
    pub agency: String,
    /// Works with case content.
    pub case_worker: bool,
    /// Administrator.
    pub admin: bool,
    /// Data protection officer.
    pub dpo: bool,
    /// Partner-agency staff.
    pub partner: bool,
    /// May edit the working-day calendar.
    pub calendar: bool,
    /// May see the SAC return and dashboards.
    pub reports: bool,
    /// May approve accounts administrators made.
    pub approves: bool,
    /// Reviews records suspected to be one person.
    pub duplicates: bool,
    /// Sees training compliance (names, or figures only).
    pub workforce: bool,
    /// Edits the competency frameworks.
    pub frameworks: bool,
    /// Sees the themes of case-file audit.
    pub audit_themes: bool,
}

/// What every page's layout needs.
pub struct Layout {
    /// The page title (before " – Safeguard").
    pub title: String,
    /// The signed-in user, if any.
    pub user: Option<UserNav>,
    /// The CSRF token for forms (including sign out).
    pub csrf: String,
    /// Whether the page shows errors (the title then starts "Error: ").
    pub has_errors: bool,
}

impl Layout {
    /// A page for a signed-in user.
    pub fn new(title: impl Into<String>, user: &SignedIn) -> Self {
        Self::for_actor(title, &user.actor, &user.csrf)
    }

    /// A page for `a`, whose forms carry `csrf`.
    pub fn for_actor(title: impl Into<String>, a: &safeguard_domain::Actor, csrf: &str) -> Self {
        Layout {
            title: title.into(),
            user: Some(UserNav {
                display_name: a.display_name.clone(),
                role_label: a.role.label(),
                agency: if !a.agency_name.is_empty() {
                    a.agency_name.clone()
                } else if a.agency_is_owner {
                    "council".into()
                } else {
                    "partner agency".into()
                },
                case_worker: safeguard_domain::policy::decide(a, Action::SearchPeople)
                    == safeguard_domain::Decision::Allow,
                admin: a.role == Role::Admin,
                dpo: a.role == Role::Dpo,
                partner: a.role == Role::Partner,
                calendar: safeguard_domain::policy::decide(a, Action::ManageCalendar)
                    == safeguard_domain::Decision::Allow,
                reports: safeguard_domain::policy::decide(a, Action::ViewReports)
                    == safeguard_domain::Decision::Allow,
                approves: safeguard_domain::policy::decide(a, Action::ApproveAccounts)
                    == safeguard_domain::Decision::Allow,
                duplicates: safeguard_domain::policy::decide(a, Action::ReviewDuplicates)
                    == safeguard_domain::Decision::Allow,
                workforce: safeguard_domain::policy::decide(a, Action::ViewWorkforceFigures)
                    == safeguard_domain::Decision::Allow,
                frameworks: safeguard_domain::policy::decide(a, Action::ManageFrameworks)
                    == safeguard_domain::Decision::Allow,
                audit_themes: safeguard_domain::policy::decide(a, Action::ViewAuditThemes)
                    == safeguard_domain::Decision::Allow,
            }),
            csrf: csrf.to_string(),
            has_errors: false,
        }
    }

    /// A page with no signed-in user.
    pub fn anonymous(title: impl Into<String>) -> Self {
        Layout {
            title: title.into(),
            user: None,
            csrf: String::new(),
            has_errors: false,
        }
    }

    /// Marks the page as showing errors (its title then starts "Error: ").
    pub fn with_errors(mut self, errors: &FieldErrors) -> Self {
        self.has_errors = !errors.is_empty();
        self
    }
}

/// Renders a template with a status; a template failure is a 500 page.
pub(crate) fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            PageError::internal().into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginTemplate {
    l: Layout,
    f: FormView,
    errors: FieldErrors,
    next: String,
    expired: bool,
    /// The single sign-on button's words, when it is on.
    sso: Option<String>,
    /// Whether the password form is shown.
    passwords: bool,
}

impl LoginTemplate {
    pub(crate) fn new(csrf: String, f: FormView, next: String, expired: bool) -> Self {
        let errors = f.errors.clone();
        let mut l = Layout::anonymous("Sign in").with_errors(&errors);
        l.csrf = csrf;
        LoginTemplate {
            l,
            f,
            errors,
            next,
            expired,
            sso: None,
            passwords: true,
        }
    }

    /// With the single sign-on button (`label`), and the password form only
    /// when local passwords are on.
    pub(crate) fn with_sso(mut self, label: Option<String>, passwords: bool) -> Self {
        self.sso = label;
        self.passwords = passwords;
        self
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate {
    l: Layout,
    counts: Option<safeguard_core::concerns::TriageCounts>,
    overdue_actions: Option<i64>,
    overdue_reviews: Option<i64>,
    break_glass: Option<i64>,
    /// Enquiries shared with a partner's agency: (id, person, last shared on).
    shared: Vec<(String, String, String)>,
    name: String,
    case_worker: bool,
    admin: bool,
    dpo: bool,
    analyst: bool,
    partner: bool,
    /// The user's own training running out or out of date: sentences.
    my_training: Vec<String>,
    /// Requirements out of date, and running out within 30 days, among the
    /// workers the user oversees.
    team_training: Option<(u64, u64)>,
    /// Workers the user oversees whose supervision is overdue.
    overdue_supervision: Option<u64>,
    /// Case-file audits the user has to grade or moderate.
    audits_to_do: u64,
    /// Pattern alerts waiting for the manager's decision.
    alerts_to_decide: usize,
    /// Conclusions returned to the user for changes: (enquiry id, person,
    /// what needs to change, when).
    returned: Vec<(String, String, String, String)>,
    /// The user's cases, actions due, and (managers) sign-offs and allocations.
    work: safeguard_core::enquiries::WorkList,
    /// The oldest concerns waiting for a decision (managers), at most five.
    to_decide: Vec<crate::concerns::ListRow>,
    /// Forms the user saved to finish: (where to finish it, what it is).
    drafts: Vec<(String, String)>,
    /// Plan actions the user or their partner agency owns, still to do (at most five).
    owned: Vec<crate::actions::OwnedView>,
    /// How many owned actions are still to do in all.
    owned_open: usize,
}

/// Where to finish a saved draft and what it is, from the form's path.
fn draft_link(path: &str) -> (String, String) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["enquiries", id, "records", kind] => (
            format!(
                "/enquiries/{id}/{}",
                crate::enquiry_tasks::Section::of_record(kind).code()
            ),
            format!("A {} on an enquiry", crate::enquiries::draft_label(kind)),
        ),
        ["people", "new"] => (path.to_string(), "A new person's record".into()),
        ["people", _, "edit"] => (path.to_string(), "Changes to a person's record".into()),
        _ if path.starts_with("/concerns/new") => (path.to_string(), "A concern".into()),
        _ => (path.to_string(), "A form".into()),
    }
}

/// `GET /`.
pub(crate) async fn home(State(state): State<AppState>, user: SignedIn) -> Response {
    let counts = match state.core.triage_counts(&user.actor, user.now).await {
        Ok(c) => c,
        Err(e) => return PageError::from(e).into_response(),
    };
    let overdue_actions = match state.core.overdue_plan_actions(&user.actor, user.now).await {
        Ok(c) => c,
        Err(e) => return PageError::from(e).into_response(),
    };
    let overdue_reviews = match state.core.overdue_reviews(&user.actor, user.now).await {
        Ok(c) => c,
        Err(e) => return PageError::from(e).into_response(),
    };
    let l = Layout::new("Home", &user);
    let nav = l.user.as_ref();
    let break_glass = match state.core.break_glass_awaiting(&user.actor).await {
        Ok(c) => c,
        Err(e) => return PageError::from(e).into_response(),
    };
    let shared = match state.core.enquiries_shared_with_me(&user.actor).await {
        Ok(s) => s,
        Err(e) => return PageError::from(e).into_response(),
    };
    let training = match state.core.training_alerts(&user.actor, user.now).await {
        Ok(t) => t,
        Err(e) => return PageError::from(e).into_response(),
    };
    let overdue_supervision = match state.core.overdue_supervision(&user.actor, user.now).await {
        Ok(n) => n,
        Err(e) => return PageError::from(e).into_response(),
    };
    let alerts_to_decide = match state.core.undecided_alerts(&user.actor, user.now).await {
        Ok(n) => n,
        Err(e) => return PageError::from(e).into_response(),
    };
    let audits_to_do = match state.core.audits_to_do(&user.actor).await {
        Ok(n) => n,
        Err(e) => return PageError::from(e).into_response(),
    };
    let returned = match state.core.returned_conclusions(&user.actor).await {
        Ok(r) => r
            .into_iter()
            .map(|r| {
                (
                    r.enquiry_id,
                    r.person,
                    r.reason,
                    crate::display::when(r.returned_at),
                )
            })
            .collect(),
        Err(e) => return PageError::from(e).into_response(),
    };
    let work = match state.core.work_list(&user.actor, &user.ctx, user.now).await {
        Ok(w) => w,
        Err(e) => return PageError::from(e).into_response(),
    };
    let to_decide = if safeguard_domain::policy::decide(&user.actor, Action::TriageConcern)
        == safeguard_domain::Decision::Allow
    {
        match state
            .core
            .oldest_concerns(
                &user.actor,
                Some(safeguard_domain::concern::ConcernState::New),
                5,
                &user.ctx,
                user.now,
            )
            .await
        {
            Ok(items) => items
                .iter()
                .map(|i| crate::concerns::list_row(i, true))
                .collect(),
            Err(e) => return PageError::from(e).into_response(),
        }
    } else {
        Vec::new()
    };
    let drafts = match state.core.form_drafts(&user.actor, "/").await {
        Ok(d) => d.iter().map(|(path, _)| draft_link(path)).collect(),
        Err(e) => return PageError::from(e).into_response(),
    };
    let owned: Vec<crate::actions::OwnedView> = match state
        .core
        .owned_actions(&user.actor, &user.ctx, user.now)
        .await
    {
        Ok(rows) => crate::actions::owned_views(rows, user.now.date())
            .into_iter()
            .filter(|a| a.open)
            .collect(),
        Err(e) => return PageError::from(e).into_response(),
    };
    let t = HomeTemplate {
        owned_open: owned.len(),
        owned: owned.into_iter().take(5).collect(),
        overdue_supervision,
        audits_to_do,
        alerts_to_decide,
        returned,
        work,
        to_decide,
        drafts,
        my_training: training
            .mine
            .iter()
            .map(|(level, s)| format!("{level}: {}", s.describe()))
            .collect(),
        team_training: training.team,
        shared,
        break_glass,
        counts,
        overdue_actions,
        overdue_reviews,
        name: user.actor.display_name.clone(),
        case_worker: nav.is_some_and(|n| n.case_worker),
        admin: user.actor.role == Role::Admin,
        dpo: user.actor.role == Role::Dpo,
        analyst: user.actor.role == Role::Analyst,
        partner: user.actor.role == Role::Partner,
        l,
    };
    render(StatusCode::OK, &t)
}

pub(crate) struct SummaryRow {
    pub(crate) id: String,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) dob: String,
    pub(crate) postcode: String,
    /// Who to contact, when the record is outside the user's need-to-know.
    pub(crate) outside: Option<String>,
    pub(crate) restricted: bool,
    /// Why the search found it.
    pub(crate) reasons: String,
}

impl From<PersonSummary> for SummaryRow {
    fn from(p: PersonSummary) -> Self {
        SummaryRow {
            id: p.id.to_string(),
            given_name: p.given_name,
            family_name: p.family_name,
            dob: p
                .date_of_birth
                .map(|d| format!("{} {} {}", d.day(), d.month(), d.year()))
                .unwrap_or_else(|| "Not known".into()),
            postcode: p.postcode.unwrap_or_default(),
            restricted: p.outside.as_ref().is_some_and(|o| o.restricted),
            outside: p.outside.map(|o| o.contact),
            reasons: p.reasons.join("; "),
        }
    }
}

#[derive(Template)]
#[template(path = "people_search.html")]
struct SearchTemplate {
    l: Layout,
    q: String,
    searched: bool,
    results: Vec<SummaryRow>,
}

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    q: Option<String>,
}

/// `GET /people` (the search form; `?q=NAME` still answers, for old
/// bookmarks) and `POST /people` with `q`: the form posts, so names never
/// appear in addresses, browser history or server logs.
pub(crate) async fn search(
    State(state): State<AppState>,
    user: SignedIn,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, PageError> {
    search_page(state, user, sq.q.unwrap_or_default()).await
}

/// `POST /people`.
pub(crate) async fn search_post(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let q = FormData::parse(&body).get("q").to_string();
    search_page(state, user, q).await
}

async fn search_page(state: AppState, user: SignedIn, q: String) -> Result<Response, PageError> {
    let searched = !q.trim().is_empty();
    let results = if searched {
        state
            .core
            .search_people(&user.actor, &q, &user.ctx, user.now)
            .await?
    } else {
        state
            .core
            .require(&user.actor, Action::SearchPeople, &user.ctx, user.now)
            .await?;
        Vec::new()
    };
    let title = if searched {
        format!("Search results ({})", results.len())
    } else {
        "Find a person".into()
    };
    let t = SearchTemplate {
        l: Layout::new(title, &user),
        q,
        searched,
        results: results.into_iter().map(SummaryRow::from).collect(),
    };
    Ok(render(StatusCode::OK, &t))
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct PersonFormTemplate {
    l: Layout,
    heading: String,
    action: String,
    back: String,
    f: FormView,
    errors: FieldErrors,
    conflict: bool,
    key_rows: Vec<usize>,
    genders: Vec<(&'static str, &'static str)>,
    ethnicities: Vec<(&'static str, &'static str)>,
    support_reasons: Vec<(&'static str, &'static str)>,
    needs: Vec<(&'static str, &'static str)>,
    relationships: Vec<(&'static str, &'static str)>,
    appropriate: Vec<(&'static str, &'static str)>,
    yes_no: Vec<(&'static str, &'static str)>,
    /// Filled in from the user's draft.
    draft: bool,
    /// Existing records likely to be the same person, shown before a new
    /// one is made.
    duplicates: Vec<SummaryRow>,
    /// What the likely matches were found for (sent back to add anyway).
    checked: String,
}

/// The details a duplicate check looked at, as one value.
fn fingerprint(raw: &safeguard_domain::person::RawPerson) -> String {
    let v = |s: &Option<String>| s.as_deref().unwrap_or("").trim().to_lowercase();
    format!(
        "{}|{}|{}|{}|{}|{}",
        v(&raw.given_name),
        v(&raw.family_name),
        raw.other_names.join(",").to_lowercase(),
        v(&raw.date_of_birth),
        v(&raw.nhs_number),
        v(&raw.postcode)
    )
}

struct FormPage {
    heading: String,
    action: String,
    back: String,
    conflict: bool,
}

fn person_form(
    user: &SignedIn,
    page: FormPage,
    data: FormData,
    errors: FieldErrors,
    extra_row: bool,
) -> PersonFormTemplate {
    let rows = key_rows(&data) + usize::from(extra_row);
    let rows = rows.min(safeguard_domain::person::MAX_KEY_PEOPLE);
    let o = Options::new();
    PersonFormTemplate {
        l: Layout::new(page.heading.clone(), user).with_errors(&errors),
        heading: page.heading,
        action: page.action,
        back: page.back,
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        conflict: page.conflict,
        key_rows: (0..rows).collect(),
        genders: o.genders,
        ethnicities: o.ethnicities,
        support_reasons: o.support_reasons,
        needs: o.needs,
        relationships: o.relationships,
        appropriate: o.appropriate,
        yes_no: o.yes_no,
        draft: false,
        duplicates: Vec::new(),
        checked: String::new(),
    }
}

/// The person form, filled in from the user's draft at `path` if they have one.
async fn person_form_or_draft(
    state: &AppState,
    user: &SignedIn,
    path: &str,
    page: FormPage,
    data: FormData,
) -> Result<PersonFormTemplate, PageError> {
    Ok(match crate::drafts::load(state, user, path).await? {
        Some(draft) => {
            let mut t = person_form(user, page, draft, FieldErrors::new(), false);
            t.draft = true;
            t
        }
        None => person_form(user, page, data, FieldErrors::new(), false),
    })
}

fn new_page() -> FormPage {
    FormPage {
        heading: "Add a person".into(),
        action: "/people/new".into(),
        back: "/people".into(),
        conflict: false,
    }
}

fn edit_page(id: &str, conflict: bool) -> FormPage {
    FormPage {
        heading: "Change a person's record".into(),
        action: format!("/people/{id}/edit"),
        back: format!("/people/{id}"),
        conflict,
    }
}

/// The person form's fields in page order, so the error summary lists
/// errors in the order the fields appear (key people come last, in order).
const FIELD_ORDER: &[&str] = &[
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "nhs_number",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "gender",
    "gender_description",
    "ethnicity",
    "primary_support_reason",
    "preferred_language",
    "communication_needs",
    "communication_notes",
    "what_matters_to_me",
];

/// Field errors from the form's own checks (date parts) merged with the
/// domain's (which cover every other field), in page order.
fn all_errors(
    form_errors: FieldErrors,
    raw: &safeguard_domain::person::RawPerson,
    today: time::Date,
) -> FieldErrors {
    let mut all = form_errors.clone();
    if let Err(domain) = raw.parse(today) {
        for e in domain.0 {
            if all.get(&e.field).is_none() {
                all.0.push(e);
            }
        }
    }
    all.0.sort_by_key(|e| {
        FIELD_ORDER
            .iter()
            .position(|f| *f == e.field)
            .unwrap_or(FIELD_ORDER.len())
    });
    all
}

/// `GET /people/new`.
pub(crate) async fn new_person(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::CreatePerson, &user.ctx, user.now)
        .await?;
    let mut data = FormData::default();
    data.set(
        "person_id",
        safeguard_core::new_uuid(user.now)
            .map_err(PageError::from)?
            .to_string(),
    );
    Ok(render(
        StatusCode::OK,
        &person_form_or_draft(&state, &user, "/people/new", new_page(), data).await?,
    ))
}

/// `POST /people/new`.
pub(crate) async fn create_person(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = FormData::parse(&body);
    if let Some(res) = crate::drafts::handle(&state, &user, "/people/new", &form).await? {
        return Ok(res);
    }
    if form.get("action") == "add_key_person" {
        return Ok(render(
            StatusCode::OK,
            &person_form(&user, new_page(), form, FieldErrors::new(), true),
        ));
    }
    let (raw, form_errors) = raw_from_form(&form);
    if !form_errors.is_empty() {
        let errors = all_errors(form_errors, &raw, state.core.today(user.now));
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &person_form(&user, new_page(), form, errors, false),
        ));
    }
    let id = form.get("person_id").parse::<PersonId>().ok();
    // "Add a new record" after seeing likely matches: only for the details
    // those matches were found for (changed details are checked again).
    let checked = fingerprint(&raw);
    let check = if form.get("create_anyway") == checked {
        DuplicateCheck::CreateAnyway
    } else {
        DuplicateCheck::Check
    };
    match state
        .core
        .create_person(&user.actor, id, &raw, check, &user.ctx, user.now)
        .await
    {
        Ok(Created::PossibleDuplicates(found)) => {
            let mut t = person_form(&user, new_page(), form, FieldErrors::new(), false);
            t.duplicates = found.into_iter().map(SummaryRow::from).collect();
            t.checked = checked;
            t.l.title = format!("Check for an existing record: {}", t.l.title);
            Ok(render(StatusCode::OK, &t))
        }
        Ok(Created::New(p)) => {
            crate::drafts::forget(&state, &user, "/people/new").await?;
            Ok(Redirect::to(&format!("/people/{}?saved=1", p.id)).into_response())
        }
        Ok(Created::AlreadyExisted(id)) => {
            Ok(Redirect::to(&format!("/people/{id}")).into_response())
        }
        Err(CoreError::Invalid(errors)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &person_form(&user, new_page(), form, errors, false),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "person_view.html")]
struct PersonTemplate {
    l: Layout,
    p: PersonView,
    saved: bool,
    chronology: Vec<(String, String, String)>,
    enquiries: Vec<(String, String)>,
    /// Pattern alerts about the person.
    alerts: Vec<crate::patterns::AlertLine>,
    /// The viewer decides alerts (so may open them).
    can_decide_alerts: bool,
    restriction: Option<crate::access::RestrictionPanel>,
    can_restrict: bool,
    /// How many chronology entries there are (the page shows the latest).
    chronology_total: i64,
    /// Records merged into this one.
    merges: Vec<crate::merges::MergeLine>,
    /// The user may undo merges.
    can_merge: bool,
    /// Arrived from a record merged into this one.
    merged_from: bool,
    /// A merge into this record was just made.
    merged: bool,
    /// A merge into this record was just undone.
    unmerged: bool,
}

#[derive(Deserialize)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
    merged_from: Option<String>,
    merged: Option<String>,
    unmerged: Option<String>,
}

/// A person's id from a path, or "not found".
pub(crate) fn person_id(raw: &str) -> Result<PersonId, PageError> {
    raw.parse().map_err(|_| PageError::not_found())
}

/// How many of the latest chronology entries a person's page shows.
const CHRONOLOGY_SHOWN: i64 = 50;

/// `GET /people/{id}`.
pub(crate) async fn view_person(
    State(state): State<AppState>,
    reader: PageReader,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let (Ok(pid), Some(token)) = (person_id(&id), reader.unread()) else {
        // No record by that id, or no session to read with it.
        let user = match reader.signed_in().await {
            Ok(user) => user,
            Err(to_sign_in) => return Ok(to_sign_in),
        };
        let pid = person_id(&id)?;
        let opened = state
            .core
            .view_person_page(&user.actor, pid, &user.ctx, user.now, CHRONOLOGY_SHOWN)
            .await;
        return person_page(state, user, pid, q, opened).await;
    };
    // The session read with the page (one trip to the database).
    let signed = state
        .core
        .view_person_page_signed(token, pid, reader.ctx(), reader.now(), CHRONOLOGY_SHOWN)
        .await?;
    let (session, opened) = match signed {
        Some(SignedPage { session, page }) => (Some(session), Some(page)),
        None => (None, None),
    };
    let Some(user) = reader.signed(session) else {
        return Ok(reader.to_sign_in());
    };
    let opened = opened.ok_or_else(PageError::not_found)?;
    person_page(state, user, pid, q, opened).await
}

/// The person page of `pid` for `user`, from what opening it returned.
async fn person_page(
    state: AppState,
    user: SignedIn,
    pid: PersonId,
    q: SavedQuery,
    opened: Result<PersonOverview, CoreError>,
) -> Result<Response, PageError> {
    let overview = match opened {
        Ok(p) => p,
        Err(CoreError::Limited(l)) => {
            return Ok(crate::access::limited_page(
                &state,
                &user,
                &l,
                FormView::default(),
                StatusCode::FORBIDDEN,
            ));
        }
        Err(CoreError::Merged(kept)) => {
            return Ok(Redirect::to(&format!("/people/{kept}?merged_from={pid}")).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let person = &overview.person;
    let restriction = person
        .restriction()
        .await?
        .map(crate::access::RestrictionPanel::from);
    let merges = overview
        .merges
        .iter()
        .cloned()
        .map(crate::merges::MergeLine::from)
        .collect();
    // The latest entries; the whole chronology has a page of its own.
    let chronology = overview
        .recent_chronology
        .into_iter()
        .map(|c| {
            (
                when(c.at),
                crate::display::dates_in_words_owned(c.summary),
                c.actor_name,
            )
        })
        .collect();
    let chronology_total = overview.chronology_total;
    let enquiries = overview
        .enquiries
        .iter()
        .map(|e| {
            let kind = safeguard_domain::enquiry::EnquiryKind::parse(&e.kind)
                .map(|k| k.label())
                .unwrap_or("");
            let st = safeguard_domain::enquiry::EnquiryState::parse(&e.state)
                .map(|s| s.label())
                .unwrap_or("");
            (
                e.id.clone(),
                format!(
                    "{kind} started {} ({st})",
                    crate::display::day_words(&e.started_on)
                ),
            )
        })
        .collect();
    let alerts = overview
        .alerts
        .iter()
        .map(|a| crate::patterns::alert_line(a, 0))
        .collect();
    let p = PersonView::new(person, state.core.today(user.now));
    let t = PersonTemplate {
        l: Layout::new(p.name.clone(), &user),
        p,
        saved: q.saved.is_some(),
        chronology,
        enquiries,
        alerts,
        can_decide_alerts: safeguard_domain::policy::decide(
            &user.actor,
            Action::DecidePatternAlerts,
        ) == safeguard_domain::Decision::Allow,
        restriction,
        can_restrict: safeguard_domain::policy::decide(&user.actor, Action::RestrictRecord)
            == safeguard_domain::Decision::Allow,
        merges,
        can_merge: safeguard_domain::policy::decide(&user.actor, Action::ReviewDuplicates)
            == safeguard_domain::Decision::Allow,
        chronology_total,
        merged_from: q.merged_from.is_some(),
        merged: q.merged.is_some(),
        unmerged: q.unmerged.is_some(),
    };
    Ok(render(StatusCode::OK, &t))
}

/// `GET /people/{id}/edit`.
pub(crate) async fn edit_person(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let person = state
        .core
        .view_person(&user.actor, person_id(&id)?, &user.ctx, user.now)
        .await?;
    let mut data = form_from_raw(&person.details.to_raw());
    data.set("version", person.version.to_string());
    let path = format!("/people/{id}/edit");
    Ok(render(
        StatusCode::OK,
        &person_form_or_draft(&state, &user, &path, edit_page(&id, false), data).await?,
    ))
}

/// `POST /people/{id}/edit`.
pub(crate) async fn update_person(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let pid = person_id(&id)?;
    let form = FormData::parse(&body);
    let path = format!("/people/{pid}/edit");
    if let Some(res) = crate::drafts::handle(&state, &user, &path, &form).await? {
        return Ok(res);
    }
    if form.get("action") == "add_key_person" {
        return Ok(render(
            StatusCode::OK,
            &person_form(&user, edit_page(&id, false), form, FieldErrors::new(), true),
        ));
    }
    let (raw, form_errors) = raw_from_form(&form);
    if !form_errors.is_empty() {
        let errors = all_errors(form_errors, &raw, state.core.today(user.now));
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &person_form(&user, edit_page(&id, false), form, errors, false),
        ));
    }
    let version: i64 = form.get("version").parse().unwrap_or(0);
    match state
        .core
        .update_person(&user.actor, pid, version, &raw, &user.ctx, user.now)
        .await
    {
        Ok(_) => {
            crate::drafts::forget(&state, &user, &path).await?;
            Ok(Redirect::to(&format!("/people/{id}?saved=1")).into_response())
        }
        Err(CoreError::Invalid(errors)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &person_form(&user, edit_page(&id, false), form, errors, false),
        )),
        Err(CoreError::Conflict) => Ok(render(
            StatusCode::CONFLICT,
            &person_form(&user, edit_page(&id, true), form, FieldErrors::new(), false),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersTemplate {
    l: Layout,
    users: Vec<UserSummary>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct UsersQuery {
    unlocked: Option<String>,
}

/// `GET /admin/users`.
pub(crate) async fn users(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<UsersQuery>,
) -> Result<Response, PageError> {
    let users = state
        .core
        .list_users(&user.actor, &user.ctx, user.now)
        .await?;
    let notice = q
        .unlocked
        .is_some()
        .then(|| "The account was unlocked.".to_string());
    Ok(render(
        StatusCode::OK,
        &UsersTemplate {
            l: Layout::new("User accounts", &user),
            users,
            notice,
        },
    ))
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserFormTemplate {
    l: Layout,
    f: FormView,
    errors: FieldErrors,
    roles: Vec<(&'static str, &'static str)>,
    agencies: Vec<(String, String)>,
}

async fn user_form(
    state: &AppState,
    user: &SignedIn,
    data: FormData,
    errors: FieldErrors,
) -> Result<UserFormTemplate, PageError> {
    let agencies = state.core.agency_names().await.map_err(PageError::from)?;
    Ok(UserFormTemplate {
        l: Layout::new("Add a user", user).with_errors(&errors),
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        agencies: agencies.into_iter().map(|a| (a.clone(), a)).collect(),
    })
}

/// `GET /admin/users/new`.
pub(crate) async fn new_user(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::ManageUsers, &user.ctx, user.now)
        .await?;
    let t = user_form(&state, &user, FormData::default(), FieldErrors::new()).await?;
    Ok(render(StatusCode::OK, &t))
}

/// `POST /admin/users/new`.
pub(crate) async fn create_user(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let form = FormData::parse(&body);
    let input = NewUserInput {
        username: form.get("username").into(),
        display_name: form.get("display_name").into(),
        role: form.get("role").into(),
        agency: form.get("agency").into(),
        team: form.get("team").into(),
        password: form.get("password").into(),
        email: form.get("email").into(),
    };
    match state
        .core
        .add_user(Some(&user.actor), &input, &user.ctx, user.now)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/admin/users/{id}?done=added")).into_response()),
        Err(CoreError::Invalid(errors)) => {
            let t = user_form(&state, &user, form.clone(), errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/unlock`.
pub(crate) async fn unlock_user(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .core
        .unlock_user(&user.actor, &id, &user.ctx, user.now)
        .await?;
    Ok(Redirect::to("/admin/users?unlocked=1").into_response())
}

struct AuditRow {
    seq: i64,
    when: String,
    who: String,
    action: String,
    subject: String,
    outcome: String,
    detail: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    l: Layout,
    chain_ok: bool,
    chain_text: String,
    subject: String,
    events: Vec<AuditRow>,
}

#[derive(Deserialize)]
pub(crate) struct AuditQuery {
    subject: Option<String>,
}

/// `GET /audit`.
pub(crate) async fn audit(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let subject = q.subject.unwrap_or_default().trim().to_string();
    let filter = AuditFilter {
        subject_id: (!subject.is_empty()).then(|| subject.clone()),
        ..AuditFilter::default()
    };
    let page = state
        .core
        .audit_page(&user.actor, &filter, &user.ctx, user.now)
        .await?;
    let (chain_ok, chain_text) = match page.verification {
        Verification::Intact { events } => (true, format!("{events} events checked.")),
        Verification::Broken { reason, .. } => (false, reason),
    };
    let events = page
        .events
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            when: audit_time(e.at),
            who: format!("{} ({})", e.actor_name, e.actor_role),
            action: e.action,
            subject: format!("{} {}", e.subject_type, e.subject_id.unwrap_or_default()),
            outcome: e.outcome,
            detail: e.detail,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AuditTemplate {
            l: Layout::new("Audit trail", &user),
            chain_ok,
            chain_text,
            subject,
            events,
        },
    ))
}

/// A chronology entry as the page shows it.
pub(crate) struct ChronologyLine {
    pub(crate) id: String,
    pub(crate) when: String,
    pub(crate) summary: String,
    pub(crate) who: String,
    pub(crate) significant: bool,
    pub(crate) analysis: Option<String>,
}

#[derive(Template)]
#[template(path = "chronology.html")]
struct ChronologyTemplate {
    l: Layout,
    person_id: String,
    name: String,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    rows: Vec<ChronologyLine>,
    /// How many entries the filter keeps.
    total: i64,
    /// Where this page is in the chronology, and the links to the others.
    paging: ChronologyPaging,
    /// The query string of the filter, for the CSV link.
    query: String,
    /// Whether the viewer may mark entries significant.
    may_curate: bool,
    /// An entry was just marked.
    saved: bool,
    /// The filter as typed.
    f: FormView,
}

/// Where a page of the chronology is, and the query strings of the links
/// to the pages beside it.
struct ChronologyPaging {
    /// "Entries 101 to 200 of 512", or "12 entries" when all are shown.
    caption: String,
    previous: Option<String>,
    next: Option<String>,
    /// "Page 2 of 6", when there is more than one.
    position: Option<String>,
    /// Every entry on one page (to print), when there are more than a page.
    all: Option<String>,
    /// Back to pages, when every entry is shown.
    paged: Option<String>,
}

/// The chronology's filter: a kind (or `significant`, the curated
/// events), and dates from and to (`YYYY-MM-DD`, or date inputs' parts).
pub(crate) struct ChronologyQuery {
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    saved: Option<String>,
    /// `all`, or the page's number (from 1).
    page: Option<String>,
    /// The query as typed, for the form to show again.
    form: FormData,
}

/// How many entries a page of the chronology shows (`?page=all` shows
/// every one, to print).
pub(crate) const CHRONOLOGY_PAGE: i64 = 100;

impl ChronologyQuery {
    /// From the request's query string.
    pub(crate) fn parse(raw: Option<String>) -> Self {
        let form = FormData::parse(raw.unwrap_or_default().as_bytes());
        ChronologyQuery {
            kind: form.opt("kind"),
            from: form.opt("from"),
            to: form.opt("to"),
            saved: form.opt("saved"),
            page: form.opt("page"),
            form,
        }
    }

    /// Whether every entry is asked for on one page.
    fn all(&self) -> bool {
        self.page.as_deref().map(str::trim) == Some("all")
    }

    /// The page asked for, from 1 (anything but a number: the first).
    fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse::<i64>().ok())
            .unwrap_or(1)
            .clamp(1, i64::from(i32::MAX))
    }

    /// The filter as the database runs it (the days from and to as the
    /// organisation's days), or what is wrong with the dates typed.
    pub(crate) fn filter(&self, state: &AppState) -> Result<ChronologyFilter, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut day = |field: &str, raw: &Option<String>| {
            let raw = raw.as_deref()?.trim();
            let d = safeguard_domain::person::parse_iso_date(raw);
            if d.is_none() {
                errors.add(field, "Enter a real date, for example 27 3 2026");
            }
            d
        };
        let from = day("from", &self.from);
        let to = day("to", &self.to);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.add(
                "to",
                "The end date must be the same as or after the start date",
            );
        }
        let kind = self.kind.as_deref().map(str::trim).unwrap_or_default();
        errors.into_result(ChronologyFilter {
            kind: (!kind.is_empty() && kind != "significant").then(|| kind.to_string()),
            significant: kind == "significant",
            from_ms: from.map(|d| state.core.day_start_ms(d)),
            until_ms: to
                .and_then(|d| d.next_day())
                .map(|d| state.core.day_start_ms(d)),
        })
    }
}

/// The kinds of chronology entry, for filtering; "significant" shows the
/// events a worker marked significant (the curated chronology).
const CHRONOLOGY_KINDS: &[(&str, &str)] = &[
    ("significant", "Significant events (curated)"),
    ("contact", "Contacts and case notes"),
    ("concern", "Concerns"),
    ("decision", "Triage decisions"),
    ("enquiry", "Enquiries"),
    ("outcome", "Desired outcomes"),
    ("message", "Messages to raisers"),
    ("closed", "Closures"),
    ("plan", "Plan actions"),
    ("meeting", "Meetings and reviews"),
    ("risk", "Risk assessments"),
    ("capacity", "Capacity assessments"),
    ("consent", "Consent"),
    ("advocacy", "Advocacy"),
    ("share", "Information shared"),
];

/// The person's record, opened for its chronology (one audited view), and
/// the filter the query asks for, or what is wrong with its dates.
pub(crate) async fn open_chronology(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    q: &ChronologyQuery,
) -> Result<
    (
        safeguard_core::people::OpenedPerson,
        Result<ChronologyFilter, FieldErrors>,
    ),
    PageError,
> {
    let pid = person_id(id)?;
    let person = state
        .core
        .view_person(&user.actor, pid, &user.ctx, user.now)
        .await?;
    Ok((person, q.filter(state)))
}

/// `GET /people/{id}/chronology?kind=&from=&to=&page=`: filterable,
/// printable, curated (significant events with the worker's analysis),
/// and exported; a hundred entries a page, or `page=all` on one.
pub(crate) async fn chronology(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    let q = ChronologyQuery::parse(raw);
    let all = q.all();
    let mut page = q.page();
    let (person, filter) = open_chronology(&state, &user, &id, &q).await?;
    // Read through the opened record: one audited view per page.
    let limit = (!all).then_some(CHRONOLOGY_PAGE);
    let offset = |page: i64| (page - 1) * CHRONOLOGY_PAGE;
    let pages = |total: i64| ((total + CHRONOLOGY_PAGE - 1) / CHRONOLOGY_PAGE).max(1);
    let read = match filter {
        Ok(filter) => {
            let (mut rows, mut total) = person
                .chronology_filtered(&filter, limit, offset(page))
                .await?;
            // Past the last page (a link kept while entries were removed
            // by a merge's undoing, or a number typed): the last page.
            if !all && rows.is_empty() && page > pages(total) {
                page = pages(total);
                (rows, total) = person
                    .chronology_filtered(&filter, limit, offset(page))
                    .await?;
            }
            Ok((rows, total))
        }
        Err(errors) => Err(errors),
    };
    let kind = q.kind.clone().unwrap_or_default();
    let from = q.from.clone().unwrap_or_default().trim().to_string();
    let to = q.to.clone().unwrap_or_default().trim().to_string();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("kind", &kind)
        .append_pair("from", &from)
        .append_pair("to", &to)
        .finish();
    let (rows, total, errors) = match read {
        Ok((rows, total)) => (rows, total, FieldErrors::new()),
        Err(errors) => (Vec::new(), 0, errors),
    };
    let first = if all {
        1
    } else {
        (page - 1) * CHRONOLOGY_PAGE + 1
    };
    let shown = rows.len() as i64;
    let paging = ChronologyPaging {
        caption: if shown < total {
            format!("Entries {first} to {} of {total}", first + shown - 1)
        } else {
            safeguard_domain::text::count(total, "entry", "entries")
        },
        previous: (!all && page > 1).then(|| format!("{query}&page={}", page - 1)),
        next: (!all && page < pages(total)).then(|| format!("{query}&page={}", page + 1)),
        position: (!all && pages(total) > 1).then(|| format!("Page {page} of {}", pages(total))),
        all: (!all && total > CHRONOLOGY_PAGE).then(|| format!("{query}&page=all")),
        paged: (all && total > CHRONOLOGY_PAGE).then(|| query.clone()),
    };
    let rows: Vec<ChronologyLine> = rows
        .into_iter()
        .map(|c| ChronologyLine {
            id: c.id,
            when: when(c.at),
            summary: crate::display::dates_in_words(&c.summary),
            who: c.actor_name,
            significant: c.significant,
            analysis: c.analysis,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let t = ChronologyTemplate {
        l: Layout::new(format!("Chronology: {}", person.details.full_name()), &user),
        person_id: id,
        name: person.details.full_name(),
        kinds: CHRONOLOGY_KINDS.to_vec(),
        kind,
        total,
        paging,
        rows,
        query,
        may_curate: safeguard_domain::policy::decide(&user.actor, Action::UpdatePerson)
            == safeguard_domain::Decision::Allow,
        saved: q.saved.is_some(),
        f: FormView {
            data: q.form.clone(),
            errors,
        },
    };
    Ok(render(status, &t))
}

#[derive(Template)]
#[template(path = "restore.html")]
struct RestoreTemplate {
    l: Layout,
    path: String,
    fields: Vec<(String, String)>,
}

/// `GET /restore`: the form kept when a session ended, offered back to the
/// same user to save now (once; it is deleted as it is shown).
pub(crate) async fn restore(
    State(state): State<AppState>,
    user: SignedIn,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let Some(token) = crate::auth::cookie(&headers, crate::auth::STASH_COOKIE) else {
        return Ok(Redirect::to("/").into_response());
    };
    let kept = state
        .core
        .take_stashed_form(&user.actor, &token, user.now)
        .await?;
    let clear = axum::http::HeaderValue::from_static(
        "sg_stash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
    );
    let mut res = match kept {
        Some((path, body)) if path.starts_with('/') && !path.starts_with("//") => {
            let fields = FormData::parse(body.as_bytes()).0;
            render(
                StatusCode::OK,
                &RestoreTemplate {
                    l: Layout::new("Save what you typed", &user),
                    path,
                    fields,
                },
            )
        }
        _ => Redirect::to("/").into_response(),
    };
    res.headers_mut()
        .append(axum::http::header::SET_COOKIE, clear);
    Ok(res)
}

#[derive(Template)]
#[template(path = "feedback_questions.html")]
struct QuestionsTemplate {
    l: Layout,
    f: FormView,
    errors: FieldErrors,
    rows: Vec<usize>,
}

fn questions_page(
    user: &SignedIn,
    data: FormData,
    errors: FieldErrors,
    extra: bool,
) -> QuestionsTemplate {
    let n: usize = data.get("rows").parse().unwrap_or(0);
    let n = (n + usize::from(extra)).clamp(1, 20);
    QuestionsTemplate {
        l: Layout::new("Feedback questions", user).with_errors(&errors),
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        rows: (0..n).collect(),
    }
}

/// `GET /admin/feedback-questions`.
pub(crate) async fn feedback_questions(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<Response, PageError> {
    state
        .core
        .require(&user.actor, Action::ManageCalendar, &user.ctx, user.now)
        .await?;
    let qs = state.core.feedback_questions().await?;
    let mut data = FormData::default();
    data.set("rows", qs.len().to_string());
    for (i, q) in qs.iter().enumerate() {
        data.set(&format!("code_{i}"), q.code.clone());
        data.set(&format!("person_{i}"), q.person.clone());
        data.set(&format!("representative_{i}"), q.representative.clone());
    }
    Ok(render(
        StatusCode::OK,
        &questions_page(&user, data, FieldErrors::new(), false),
    ))
}

/// `POST /admin/feedback-questions`.
pub(crate) async fn save_feedback_questions(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    if f.get("action") == "add" {
        return Ok(render(
            StatusCode::OK,
            &questions_page(&user, f, FieldErrors::new(), true),
        ));
    }
    let n: usize = f.get("rows").parse().unwrap_or(0).min(20);
    let qs: Vec<safeguard_domain::feedback::Question> = (0..n)
        .map(|i| safeguard_domain::feedback::Question {
            code: f.get(&format!("code_{i}")).trim().to_string(),
            person: f.get(&format!("person_{i}")).trim().to_string(),
            representative: f.get(&format!("representative_{i}")).trim().to_string(),
        })
        .filter(|q| !(q.code.is_empty() && q.person.is_empty() && q.representative.is_empty()))
        .collect();
    match state
        .core
        .set_feedback_questions(&user.actor, &qs, &user.ctx, user.now)
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/feedback-questions").into_response()),
        Err(CoreError::Invalid(errs)) => {
            // Errors name "questions[i]…"; show them at the first field of that question.
            let errs = FieldErrors(
                errs.0
                    .into_iter()
                    .map(|mut e| {
                        if let Some(i) = e
                            .field
                            .strip_prefix("questions[")
                            .and_then(|r| r.split(']').next())
                        {
                            e.field = if e.field.ends_with(".code") {
                                format!("code_{i}")
                            } else {
                                format!("person_{i}")
                            };
                        } else {
                            e.field = "code_0".into();
                        }
                        e
                    })
                    .collect(),
            );
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &questions_page(&user, f, errs, false),
            ))
        }
        Err(e) => Err(e.into()),
    }
}
