//! Enquiry pages: the list, and the enquiry led by the person (allocation,
//! the person's desired outcomes, the conclusion and its sign-off).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_domain::Action;
use safeguard_domain::codes::{LocationType, RiskType};
use safeguard_domain::enquiry::{
    Achievement, ActionResult, Asked, Capacity, EnquiryKind, EnquiryState, ExpressedBy,
    RawAchievement, RawConclusion, RawOutcome, RiskOutcome, SourceType,
};
use safeguard_domain::sharing::{Article6, Article9, RawShare, ShareConsent, SharedPart};
use safeguard_domain::validation::FieldErrors;
use serde::Deserialize;

use crate::AppState;
use crate::display::{Opts, label, opts, when};
use crate::enquiry_tasks::{Counts, Section, Task, tasks_of};
use safeguard_domain::safeguards::{
    Advocacy, CapacityAssessment, Consent, ConsentBy, ConsentStatus, ConsentSubject,
    OverrideReason, RawAdvocacy, RawCapacity, RawConsent,
};

/// Words for a draft's form.
pub(crate) fn draft_label(kind: &str) -> &'static str {
    match kind {
        "advocacy" => "advocacy check",
        "capacity" => "capacity assessment",
        "consent" => "consent",
        "risk" => "risk assessment",
        "meeting" => "meeting or review",
        "involvement" => "involvement",
        _ => "form",
    }
}

/// Which record form to show open again after an error.
fn open_form_of(kind: &str) -> &'static str {
    match kind {
        "advocacy" => "advocacy",
        "capacity" => "capacity",
        "consent" => "consent",
        "risk" => "risk",
        "action" => "action",
        "meeting" => "meeting",
        "involvement" => "involvement",
        "feedback" => "feedback",
        "share" => "share",
        _ => "",
    }
}

struct ActionView {
    id: String,
    description: String,
    owner: String,
    due_on: String,
    overdue: bool,
    status: String,
    status_label: &'static str,
    serves: Option<String>,
    less_restrictive: String,
    /// Whether the viewer may move it on: they work on the enquiry or own it.
    may_update: bool,
}

fn yn(b: bool) -> String {
    if b { "Yes".into() } else { "No".into() }
}

/// A record's title and rows, from its stored JSON.
fn record_view(
    r: &safeguard_core::rows::EnquiryRecordRow,
) -> (String, Vec<(&'static str, String)>) {
    let by = format!("{} by {}", when(r.at), r.by_name);
    match r.kind.as_str() {
        "advocacy" => match serde_json::from_str::<Advocacy>(&r.data) {
            Ok(a) => (
                "Advocacy check (Care Act s68)".into(),
                vec![
                    ("Substantial difficulty", {
                        let names = [
                            "understanding",
                            "retaining",
                            "using or weighing",
                            "communicating",
                        ];
                        let d: Vec<&str> = names
                            .iter()
                            .zip(a.difficulties)
                            .filter(|(_, x)| *x)
                            .map(|(n, _)| *n)
                            .collect();
                        if d.is_empty() {
                            "None".into()
                        } else {
                            d.join(", ")
                        }
                    }),
                    (
                        "Appropriate person",
                        a.appropriate_person_name
                            .clone()
                            .unwrap_or_else(|| yn(a.appropriate_person)),
                    ),
                    ("Independent advocate required", yn(a.advocate_required)),
                    (
                        "Referred",
                        a.referred_on
                            .map(safeguard_domain::person::iso_date)
                            .unwrap_or_else(|| "Not referred".into()),
                    ),
                    (
                        "Advocate",
                        [a.advocate.clone(), a.involvement.clone()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join("\n"),
                    ),
                    ("Recorded", by),
                ],
            ),
            Err(_) => ("Advocacy check".into(), vec![("Recorded", by)]),
        },
        "capacity" => match serde_json::from_str::<CapacityAssessment>(&r.data) {
            Ok(c) => {
                let mut rows = vec![
                    ("Decision", c.decision.clone()),
                    (
                        "Conclusion",
                        if c.lacks_capacity {
                            "Lacks capacity for this decision".into()
                        } else {
                            "Has capacity for this decision".into()
                        },
                    ),
                    ("Help given", c.help_given.clone()),
                    (
                        "Functional test",
                        format!(
                            "Understand: {}; retain: {}; use or weigh: {}; communicate: {}",
                            yn(c.able[0]),
                            yn(c.able[1]),
                            yn(c.able[2]),
                            yn(c.able[3])
                        ),
                    ),
                    ("Evidence", c.evidence.clone()),
                ];
                if let Some(i) = &c.impairment {
                    rows.push(("Impairment", i.clone()));
                }
                if let Some(b) = &c.best_interests {
                    rows.push(("Best-interests decision", b.decision.clone()));
                    rows.push(("Their wishes, beliefs and values", b.wishes.clone()));
                    rows.push(("Consulted", b.consulted.clone()));
                    rows.push((
                        "Less restrictive options considered",
                        b.less_restrictive.clone(),
                    ));
                }
                rows.push((
                    "Assessed",
                    format!(
                        "{}, recorded {by}",
                        safeguard_domain::person::iso_date(c.assessed_on)
                    ),
                ));
                ("Mental capacity assessment".into(), rows)
            }
            Err(_) => ("Mental capacity assessment".into(), vec![("Recorded", by)]),
        },
        "meeting" => match serde_json::from_str::<safeguard_domain::plan::Meeting>(&r.data) {
            Ok(m) => {
                let mut rows = vec![
                    ("Held", safeguard_domain::person::iso_date(m.held_on)),
                    ("Attended", m.attendees.clone()),
                    (
                        "The person",
                        [
                            Some(m.person_attendance.label().to_string()),
                            m.not_invited_reason.clone(),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(": "),
                    ),
                    ("Decisions", m.decisions.clone()),
                ];
                if let Some(x) = &m.person_feedback {
                    rows.push(("Their feedback", x.clone()));
                }
                if let Some(x) = &m.plan_changes {
                    rows.push(("What changed", x.clone()));
                }
                if let Some(x) = &m.minutes {
                    rows.push(("Minutes", x.clone()));
                }
                if let Some(d) = m.next_review_on {
                    rows.push(("Next review", safeguard_domain::person::iso_date(d)));
                }
                rows.push(("Recorded", by));
                (m.kind.label().to_string(), rows)
            }
            Err(_) => ("Meeting".into(), vec![("Recorded", by)]),
        },
        "involvement" => match serde_json::from_str::<safeguard_domain::plan::Involvement>(&r.data)
        {
            Ok(i) => {
                let mut rows = Vec::new();
                if let Some(x) = &i.involve {
                    rows.push(("Wants involved", x.clone()));
                }
                if let Some(x) = &i.exclude {
                    rows.push(("Does not want involved", x.clone()));
                }
                if !i.communication.is_empty() || i.communication_notes.is_some() {
                    let needs = i
                        .communication
                        .iter()
                        .map(|c| c.label())
                        .collect::<Vec<_>>()
                        .join(", ");
                    rows.push((
                        "Communication needs honoured",
                        [
                            Some(needs).filter(|n| !n.is_empty()),
                            i.communication_notes.clone(),
                        ]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join("\n"),
                    ));
                }
                rows.push(("Recorded", by));
                ("Involvement".into(), rows)
            }
            Err(_) => ("Involvement".into(), vec![("Recorded", by)]),
        },
        "risk" => match serde_json::from_str::<safeguard_domain::plan::RiskAssessment>(&r.data) {
            Ok(a) => {
                let mut rows = vec![
                    ("Their view", a.person_view.clone()),
                    ("Risk", a.risk.clone()),
                    (
                        "Likelihood and impact",
                        format!(
                            "{}; {}",
                            a.likelihood.label(),
                            a.impact.label().to_lowercase()
                        ),
                    ),
                ];
                if let Some(p) = &a.protective_factors {
                    rows.push(("Protective factors", p.clone()));
                }
                if let Some((text, review)) = &a.agreement {
                    rows.push(("Positive risk-taking agreement", text.clone()));
                    rows.push(("Review on", safeguard_domain::person::iso_date(*review)));
                }
                rows.push(("Recorded", by));
                ("Risk assessment".into(), rows)
            }
            Err(_) => ("Risk assessment".into(), vec![("Recorded", by)]),
        },
        _ => match serde_json::from_str::<Consent>(&r.data) {
            Ok(c) => {
                let mut rows = vec![
                    (
                        "About",
                        [Some(c.subject.label().to_string()), c.detail.clone()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(": "),
                    ),
                    (
                        "Consent",
                        format!(
                            "{} by {} on {}",
                            c.status.label(),
                            c.by.label().to_lowercase(),
                            safeguard_domain::person::iso_date(c.on)
                        ),
                    ),
                ];
                if let Some(r) = &c.not_sought_reason {
                    rows.push(("Why not sought", r.clone()));
                }
                if c.proceeding {
                    rows.push((
                        "Going ahead without consent because",
                        c.override_reason
                            .map(|o| o.label().to_string())
                            .unwrap_or_default(),
                    ));
                }
                rows.push(("Recorded", by));
                ("Consent".into(), rows)
            }
            Err(_) => ("Consent".into(), vec![("Recorded", by)]),
        },
    }
}
use crate::auth::SignedIn;
use crate::errors::PageError;
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

#[derive(Template)]
#[template(path = "enquiries_list.html")]
struct ListPage {
    l: Layout,
    heading: &'static str,
    rows: Vec<(String, String, &'static str, String, &'static str)>,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    state: Option<String>,
}

/// `GET /enquiries`.
pub(crate) async fn list(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    // Without a choice, the first list with something in it: open, then
    // waiting for sign-off, then all.
    let choices: Vec<Option<EnquiryState>> = match q.state.as_deref() {
        Some("all") => vec![None],
        Some(s) => vec![EnquiryState::parse(s)],
        None => vec![
            Some(EnquiryState::Open),
            Some(EnquiryState::AwaitingSignOff),
            None,
        ],
    };
    let mut filter = None;
    let mut found = Vec::new();
    for choice in choices {
        filter = choice;
        found = state
            .core
            .enquiry_list(&user.actor, choice, &user.ctx, user.now)
            .await?;
        if !found.is_empty() {
            break;
        }
    }
    let heading = match filter {
        Some(EnquiryState::Open) => "Open enquiries",
        Some(EnquiryState::AwaitingSignOff) => "Enquiries waiting for sign-off",
        Some(EnquiryState::Concluded) => "Concluded enquiries",
        None => "All enquiries",
    };
    let rows = found
        .into_iter()
        .map(|(e, name)| {
            (
                e.id,
                name,
                label(&e.kind, EnquiryKind::parse, EnquiryKind::label),
                e.started_on,
                EnquiryState::parse(&e.state)
                    .map(|s| s.label())
                    .unwrap_or(""),
            )
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l: Layout::new(heading, &user),
            heading,
            rows,
        },
    ))
}

struct OutcomeView {
    id: String,
    text: String,
    who: String,
    on: String,
    active: bool,
    achievement: Option<&'static str>,
    comment: Option<String>,
}

#[derive(Template)]
#[template(path = "enquiry_view.html")]
struct EnquiryPage {
    l: Layout,
    /// The page's section (`summary`, `shared` or a task's code).
    section: &'static str,
    /// The task page's heading.
    heading: &'static str,
    /// Whether a save just returned here, and the banner's words.
    saved: bool,
    saved_message: &'static str,
    /// The enquiry's tasks with their status, on the summary.
    tasks: Vec<Task>,
    /// The viewer is council staff (not a partner reading shared parts).
    council: bool,
    /// The viewer may read the enquiry's documents.
    documents: bool,
    /// People alleged to have caused harm (the summary, council staff).
    alleged: Option<crate::patterns::AllegedBlock>,
    /// Large-scale enquiries this one is part of: (id, opened, still open).
    large_scale: Vec<(String, String, bool)>,
    show_team: bool,
    show_sharing: bool,
    show_safeguards: bool,
    show_meetings: bool,
    show_feedback: bool,
    show_supervision: bool,
    show_voice: bool,
    show_plan: bool,
    show_conclusion: bool,
    shares: Vec<ShareView>,
    can_share: bool,
    share_agencies: Vec<(String, String)>,
    article6: Vec<(&'static str, &'static str)>,
    article9: Vec<(&'static str, &'static str)>,
    share_consents: Vec<(&'static str, &'static str)>,
    shared_parts: Vec<(&'static str, &'static str)>,
    /// The need-to-know team: who, why, since when.
    members: Vec<(String, String, String)>,
    can_invite: bool,
    id: String,
    person_id: String,
    concern_id: String,
    person_name: String,
    kind: &'static str,
    state: &'static str,
    open: bool,
    awaiting: bool,
    can_allocate: bool,
    can_sign_off: bool,
    asked: &'static str,
    summary: Vec<(&'static str, String)>,
    outcomes: Vec<OutcomeView>,
    /// On the conclusion: each outcome rated, in their words (when the
    /// viewer may read the outcomes).
    achieved: Vec<(String, &'static str, Option<String>)>,
    history: Vec<(String, String, String, String)>,
    conclusion: Vec<(&'static str, String)>,
    f: FormView,
    errors: FieldErrors,
    leads: Vec<(String, String)>,
    /// The level an enquiry lead needs, named.
    lead_level: Option<String>,
    agencies: Vec<(String, String)>,
    providers: Vec<(String, String)>,
    asked_options: Opts,
    expressed_options: Opts,
    risk_types: Opts,
    locations: Opts,
    sources: Opts,
    action_results: Opts,
    risk_outcomes: Opts,
    capacities: Opts,
    achievements: Opts,
    yes_no: Opts,
    records: Vec<(String, Vec<(&'static str, String)>)>,
    open_form: &'static str,
    consent_subjects: Opts,
    consent_statuses: Opts,
    consent_by: Opts,
    override_reasons: Opts,
    likelihoods: Opts,
    impacts: Opts,
    meeting_kinds: Opts,
    attendances: Opts,
    needs: Opts,
    feedback: Vec<(String, Vec<(String, String)>)>,
    /// When the case was discussed in supervision, and the decisions.
    supervision: Vec<safeguard_core::supervision::DiscussionRow>,
    questions: Vec<(String, String, String)>,
    answers: Opts,
    respondents: Opts,
    new_link: Option<String>,
    /// Unfinished drafts: what, and the task page (code, name) holding it.
    drafts: Vec<(&'static str, &'static str, &'static str)>,
    actions: Vec<ActionView>,
    statuses: Opts,
    outcome_choices: Vec<(String, String)>,
    /// Who may own an action: the person, workers, partner agencies and their staff.
    owner_choices: Vec<(String, String)>,
    concluded: bool,
    /// Conclusions returned for changes, newest first: (when, who, why).
    returns: Vec<(String, String, String)>,
    /// What the conclusion carries over from the enquiry, in words.
    carried: Vec<String>,
    /// The enquiry's capacity assessments, for a consent decision to name.
    assessments: Vec<(String, String)>,
}

fn csv_labels<T: Copy>(
    s: &str,
    parse: fn(&str) -> Option<T>,
    label: fn(T) -> &'static str,
) -> String {
    s.split(',')
        .filter_map(parse)
        .map(label)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn page(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
    status: StatusCode,
    section: Section,
) -> Result<Response, PageError> {
    let open_form = if errors.is_empty() {
        ""
    } else {
        open_form_of(data.get("open_form"))
    };
    let new_link = data.opt("new_link");
    let mut data = data;
    let mut open_form = open_form;
    let mut drafts = Vec::new();
    if errors.is_empty() {
        for (path, body) in state
            .core
            .form_drafts(&user.actor, &format!("/enquiries/{id}/"))
            .await?
        {
            let kind = open_form_of(path.rsplit('/').next().unwrap_or(""));
            if kind.is_empty() {
                continue;
            }
            let kept_on = Section::of_record(kind);
            drafts.push((draft_label(kind), kept_on));
            // A draft fills in its own form, on its own task's page.
            if kept_on == section {
                for (k, v) in FormData::parse(body.as_bytes()).0 {
                    if data.get(&k).is_empty() {
                        data.push(&k, v);
                    }
                }
                open_form = kind;
            }
        }
    }
    let v = state
        .core
        .enquiry_view(&user.actor, id, &user.ctx, user.now)
        .await?;
    // A partner agency reads what was shared with them on one page; a task
    // page shows only what the viewer may read (else it is not found, as
    // a hidden record is).
    let section = match (section, &v.parts) {
        (Section::Summary, Some(_)) => Section::Shared,
        (_, None) => section,
        (Section::Voice, Some(p)) if p.contains(&SharedPart::Outcomes) => section,
        (Section::Plan, Some(p)) if p.contains(&SharedPart::Plan) => section,
        (Section::Conclusion, Some(p)) if p.contains(&SharedPart::Conclusion) => section,
        _ => {
            let refused = state
                .core
                .refuse_enquiry_part(&user.actor, &v, section.code(), &user.ctx, user.now)
                .await;
            return Err(refused.into());
        }
    };
    let allow = |a: Action| {
        safeguard_domain::policy::decide(&user.actor, a) == safeguard_domain::Decision::Allow
    };
    // A conclusion returned for changes: the form opens with what was
    // proposed, to be changed rather than typed again.
    if errors.is_empty()
        && v.state == EnquiryState::Open
        && data.get("action_result").is_empty()
        && let Some(c) = &v.conclusion
    {
        for (field, csv) in [
            ("risk_types", &c.risk_types),
            ("locations", &c.locations),
            ("sources", &c.sources),
        ] {
            for code in csv.split(',').filter(|x| !x.is_empty()) {
                data.push(field, code);
            }
        }
        data.set("action_result", c.action_result.clone());
        data.set("capacity", c.capacity.clone());
        data.set("concl_asked", c.asked.clone());
        data.set("concluded_on", c.concluded_on.clone());
        if let Some(p) = &c.provider_id {
            data.set("provider_id", p.clone());
        }
        if let Some(r) = &c.risk_outcome {
            data.set("risk_outcome", r.clone());
        }
        if let Some(x) = c.capacity_support {
            data.set("capacity_support", if x { "yes" } else { "no" });
        }
        if let Some(r) = &c.change_reason {
            data.set("change_reason", r.clone());
        }
        for o in v.outcomes.iter().filter(|o| o.active) {
            if let Some(a) = &o.achievement {
                data.set(&format!("achievement_{}", o.id), a.clone());
            }
            if let Some(c) = &o.comment {
                data.set(&format!("comment_{}", o.id), c.clone());
            }
        }
    }
    // Nothing asked twice: a conclusion not yet proposed starts from what
    // the enquiry already recorded — whether the person was asked, and the
    // capacity answer from the capacity assessments (each can be changed).
    let records = v.records().await?;
    let recorded = v.recorded(&records);
    let carried = carried_over(&recorded);
    if errors.is_empty() && v.state == EnquiryState::Open && v.conclusion.is_none() {
        if data.get("concl_asked").is_empty()
            && let Some(a) = recorded.asked
        {
            data.set("concl_asked", a.code());
        }
        if data.get("capacity").is_empty()
            && let Some(c) = recorded.capacity
        {
            data.set("capacity", c.code());
        }
    }
    let returns = v.returns().await?;
    let e = &v.enquiry;
    let summary = vec![
        ("Concern", v.concern_reference.clone()),
        ("Started", crate::display::day_words(&e.started_on)),
        (
            "Next review",
            e.next_review_on
                .as_deref()
                .map(crate::display::day_words)
                .unwrap_or_else(|| "Not set".into()),
        ),
        (
            "Led by",
            match (&v.lead_name, &v.caused_agency) {
                (Some(l), Some(a)) => format!("{l}; made by {a} (the council keeps oversight)"),
                (Some(l), None) => l.clone(),
                (None, Some(a)) => format!("Made by {a} (the council keeps oversight)"),
                (None, None) => "Not allocated yet".into(),
            },
        ),
    ];
    let outcomes: Vec<OutcomeView> = v
        .outcomes
        .iter()
        .map(|o| OutcomeView {
            id: o.id.clone(),
            text: o.text.clone(),
            who: match (ExpressedBy::parse(&o.expressed_by), &o.representative) {
                (Some(ExpressedBy::Representative), Some(r)) => {
                    format!("Said by their representative, {r}")
                }
                _ => "Said by the person".into(),
            },
            on: o.expressed_on.clone(),
            active: o.active,
            achievement: o
                .achievement
                .as_deref()
                .and_then(Achievement::parse)
                .map(|a| a.label()),
            comment: o.comment.clone(),
        })
        .collect();
    let history = v
        .history
        .iter()
        .map(|h| {
            let change = match h.change.as_str() {
                "added" => "Added",
                "reworded" => "Reworded",
                "dropped" => "No longer wanted",
                other => other,
            };
            (
                when(h.at),
                change.to_string(),
                h.text.clone(),
                h.by_name.clone(),
            )
        })
        .collect();
    let conclusion = match &v.conclusion {
        None => Vec::new(),
        Some(c) => {
            let mut rows = vec![
                (
                    "Types of risk",
                    csv_labels(&c.risk_types, RiskType::parse, RiskType::label),
                ),
                (
                    "Locations of risk",
                    csv_labels(&c.locations, LocationType::parse, LocationType::label),
                ),
                (
                    "Sources of risk",
                    csv_labels(&c.sources, SourceType::parse, SourceType::label),
                ),
                (
                    "Action taken and result",
                    label(&c.action_result, ActionResult::parse, ActionResult::label).to_string(),
                ),
            ];
            if let Some(r) = &c.risk_outcome {
                rows.push((
                    "Risk outcome",
                    label(r, RiskOutcome::parse, RiskOutcome::label).to_string(),
                ));
            }
            rows.push((
                "Lacked capacity",
                label(&c.capacity, Capacity::parse, Capacity::label).to_string(),
            ));
            if let Some(s) = c.capacity_support {
                rows.push((
                    "Supported by an advocate, family or friend",
                    if s { "Yes".into() } else { "No".into() },
                ));
            }
            rows.push((
                "Asked about desired outcomes",
                label(&c.asked, Asked::parse, Asked::label).to_string(),
            ));
            if let Some(r) = &c.change_reason {
                rows.push(("Why it differs from what the enquiry recorded", r.clone()));
            }
            rows.push(("Concluded on", crate::display::day_words(&c.concluded_on)));
            if let Some(at) = c.signed_off_at {
                rows.push(("Signed off", when(at)));
            }
            rows
        }
    };
    // Each page reads only what its own forms offer: the leads and the
    // partner agencies for the team (and the agencies for a share), the
    // providers for the conclusion, the owners for the plan.
    let on = |s: Section| section == s;
    // Each candidate with their standing against the level a lead needs.
    let (leads, lead_level) = if on(Section::Team) && allow(Action::SignOffEnquiry) {
        let (candidates, level) = state.core.lead_candidates(user.now).await?;
        let name = level.as_ref().map(|l| l.name.clone()).unwrap_or_default();
        let leads = candidates
            .iter()
            .map(|c| (c.username.clone(), c.label(&name)))
            .collect();
        (leads, level.map(|l| l.full_name()))
    } else {
        (Vec::new(), None)
    };
    let agency_names: Vec<(String, String)> = if on(Section::Team) || on(Section::Sharing) {
        state
            .core
            .partner_agency_names()
            .await?
            .into_iter()
            .map(|a| (a.clone(), a))
            .collect()
    } else {
        Vec::new()
    };
    let agencies = if allow(Action::SignOffEnquiry) {
        agency_names.clone()
    } else {
        Vec::new()
    };
    let providers =
        if on(Section::Conclusion) && v.state == EnquiryState::Open && allow(Action::WorkOnEnquiry)
        {
            state
                .core
                .providers(&user.actor, "", &user.ctx, user.now)
                .await
                .map(crate::display::provider_options)?
        } else {
            Vec::new()
        };
    let today = safeguard_domain::person::iso_date(state.core.today(user.now));
    let actions: Vec<ActionView> = v
        .actions()
        .await?
        .into_iter()
        .map(|a| {
            let st = safeguard_domain::plan::ActionStatus::parse(&a.status);
            ActionView {
                overdue: matches!(
                    st,
                    Some(
                        safeguard_domain::plan::ActionStatus::Planned
                            | safeguard_domain::plan::ActionStatus::InProgress
                    )
                ) && a.due_on < today,
                status_label: st.map(|x| x.label()).unwrap_or(""),
                serves: a
                    .outcome_id
                    .as_ref()
                    .and_then(|o| v.outcomes.iter().find(|x| &x.id == o))
                    .map(|o| o.text.clone()),
                may_update: allow(Action::WorkOnEnquiry)
                    || safeguard_domain::policy::owns_action(
                        &user.actor,
                        a.owner_user_id.as_deref(),
                        a.owner_agency_id.as_deref(),
                    ),
                id: a.id,
                description: a.description,
                owner: a.owner,
                due_on: a.due_on,
                status: a.status,
                less_restrictive: a.less_restrictive,
            }
        })
        .collect();
    let owner_choices =
        if on(Section::Plan) && v.state == EnquiryState::Open && allow(Action::WorkOnEnquiry) {
            state.core.action_owner_choices().await?
        } else {
            Vec::new()
        };
    let questions = state.core.feedback_questions().await?;
    let kind = label(&e.kind, EnquiryKind::parse, EnquiryKind::label);
    // Partner staff invited into the enquiry read it; only council case
    // workers change it.
    let works = allow(Action::WorkOnEnquiry);
    let members: Vec<(String, String, String)> = v
        .members()
        .await?
        .into_iter()
        .map(|m| {
            (
                format!("{} ({}, {})", m.display_name, m.username, m.agency_name),
                m.reason.unwrap_or_default(),
                when(m.added_at),
            )
        })
        .collect();
    let parts = &v.parts;
    let reads = |p: SharedPart| parts.as_ref().is_none_or(|ps| ps.contains(&p));
    let shares: Vec<ShareView> = v.shares().await?.into_iter().map(share_view).collect();
    let share_agencies = if works { agency_names } else { Vec::new() };
    let saved = errors.is_empty() && data.get("saved") == section.code();
    let feedback = feedback_views(&v.feedback().await?, &questions);
    let tasks = if section == Section::Summary {
        tasks_of(
            &v,
            &records,
            &Counts {
                actions: actions.len(),
                members: members.len(),
                shares: shares.len(),
                feedback: feedback.len(),
            },
        )
    } else {
        Vec::new()
    };
    let large_scale = if section == Section::Summary {
        v.large_scale()
            .await?
            .into_iter()
            .map(|r| (r.id, when(r.opened_at), r.state == "open"))
            .collect()
    } else {
        Vec::new()
    };
    let alleged = if section == Section::Summary && parts.is_none() {
        Some(
            crate::patterns::alleged_block(
                state,
                user,
                format!("/enquiries/{id}"),
                v.alleged().await?,
                works,
                None,
                &data,
                &errors,
            )
            .await?,
        )
    } else {
        None
    };
    let shown = |s: Section| section == s || section == Section::Shared;
    let achieved = if reads(SharedPart::Outcomes) {
        outcomes
            .iter()
            .filter_map(|o: &OutcomeView| Some((o.text.clone(), o.achievement?, o.comment.clone())))
            .collect()
    } else {
        Vec::new()
    };
    let t = EnquiryPage {
        section: section.code(),
        heading: section.name(),
        saved,
        saved_message: section.saved(),
        tasks,
        drafts: drafts
            .into_iter()
            .filter(|(_, s)| section == Section::Summary || *s == section)
            .map(|(label, s)| (label, s.code(), s.name()))
            .collect(),
        show_team: parts.is_none() && shown(Section::Team),
        show_sharing: parts.is_none() && shown(Section::Sharing),
        show_safeguards: parts.is_none() && shown(Section::Safeguards),
        show_meetings: parts.is_none() && shown(Section::Meetings),
        show_feedback: parts.is_none() && shown(Section::Feedback),
        show_supervision: section == Section::Summary,
        alleged,
        large_scale,
        council: parts.is_none(),
        documents: reads(SharedPart::Documents),
        show_voice: reads(SharedPart::Outcomes) && shown(Section::Voice),
        show_plan: reads(SharedPart::Plan) && shown(Section::Plan),
        show_conclusion: reads(SharedPart::Conclusion) && shown(Section::Conclusion),
        shares,
        can_share: works,
        share_agencies,
        article6: opts!(Article6),
        article9: opts!(Article9),
        share_consents: opts!(ShareConsent),
        shared_parts: opts!(SharedPart),
        members,
        can_invite: works && allow(Action::InviteToEnquiry),
        l: Layout::new(format!("{kind}: {}", v.person_name), user).with_errors(&errors),
        id: e.id.clone(),
        person_id: e.person_id.clone(),
        concern_id: e.concern_id.clone(),
        person_name: v.person_name.clone(),
        kind,
        state: v.state.label(),
        open: works && v.state == EnquiryState::Open,
        awaiting: works && v.state == EnquiryState::AwaitingSignOff,
        can_allocate: allow(Action::SignOffEnquiry) && v.state != EnquiryState::Concluded,
        can_sign_off: allow(Action::SignOffEnquiry),
        asked: e
            .asked
            .as_deref()
            .map(|a| label(a, Asked::parse, Asked::label))
            .unwrap_or("Not recorded yet"),
        summary,
        outcomes,
        achieved,
        history,
        conclusion,
        f: FormView {
            data,
            errors: errors.clone(),
        },
        errors,
        leads,
        lead_level,
        agencies,
        providers,
        asked_options: opts!(Asked),
        expressed_options: opts!(ExpressedBy),
        risk_types: opts!(RiskType),
        locations: opts!(LocationType),
        sources: opts!(SourceType),
        action_results: opts!(ActionResult),
        risk_outcomes: opts!(RiskOutcome),
        capacities: opts!(Capacity),
        achievements: opts!(Achievement),
        yes_no: vec![("yes", "Yes"), ("no", "No")],
        records: records
            .iter()
            .filter(|r| parts.is_none() && shown(Section::of_record(&r.kind)))
            .map(record_view)
            .collect(),
        open_form,
        consent_subjects: opts!(ConsentSubject),
        consent_statuses: opts!(ConsentStatus),
        consent_by: opts!(ConsentBy),
        override_reasons: opts!(OverrideReason),
        likelihoods: opts!(safeguard_domain::plan::Likelihood),
        feedback,
        supervision: if section == Section::Summary {
            v.supervision().await?
        } else {
            Vec::new()
        },
        questions: questions
            .iter()
            .map(|q| {
                (
                    q.code.clone(),
                    q.person.clone(),
                    format!("For a representative: {}", q.representative),
                )
            })
            .collect(),
        answers: opts!(safeguard_domain::feedback::Answer),
        respondents: opts!(safeguard_domain::feedback::Respondent),
        new_link,
        meeting_kinds: opts!(safeguard_domain::plan::MeetingKind),
        attendances: opts!(safeguard_domain::plan::Attendance),
        needs: opts!(safeguard_domain::codes::CommunicationNeed),
        impacts: opts!(safeguard_domain::plan::Impact),
        actions,
        statuses: opts!(safeguard_domain::plan::ActionStatus),
        outcome_choices: v
            .outcomes
            .iter()
            .filter(|o| o.active)
            .map(|o| (o.id.clone(), o.text.clone()))
            .collect(),
        concluded: v.state == EnquiryState::Concluded,
        owner_choices,
        carried,
        assessments: capacity_options(&records),
        returns: returns
            .into_iter()
            .map(|r| (when(r.returned_at), r.returned_by, r.reason))
            .collect(),
    };
    Ok(render(status, &t))
}

/// `GET /enquiries/{id}`: the summary and its task list (for a partner
/// agency, everything shared with them).
pub(crate) async fn view(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<crate::display::Saved>,
) -> Result<Response, PageError> {
    task_page(state, user, id, q.saved, Section::Summary).await
}

/// The summary again, with a form's answers and what was wrong with them.
pub(crate) async fn summary_with(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    data: FormData,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    page(
        state,
        user,
        id,
        data,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
        Section::Summary,
    )
    .await
}

/// The summary or one task page, `GET /enquiries/{id}/{section}`;
/// `?saved=` after a save there shows its success banner.
async fn task_page(
    state: AppState,
    user: SignedIn,
    id: String,
    saved: Option<String>,
    section: Section,
) -> Result<Response, PageError> {
    let mut data = FormData::default();
    if let Some(s) = saved {
        data.set("saved", s);
    }
    page(
        &state,
        &user,
        &id,
        data,
        FieldErrors::new(),
        StatusCode::OK,
        section,
    )
    .await
}

/// The task pages' handlers, one per route.
macro_rules! task_pages {
    ($($name:ident => $section:ident, $doc:literal;)*) => {$(
        #[doc = $doc]
        pub(crate) async fn $name(
            State(state): State<AppState>,
            user: SignedIn,
            Path(id): Path<String>,
            Query(q): Query<crate::display::Saved>,
        ) -> Result<Response, PageError> {
            task_page(state, user, id, q.saved, Section::$section).await
        }
    )*};
}

task_pages! {
    voice_task => Voice, "`GET /enquiries/{id}/voice`: the person's desired outcomes.";
    safeguards_task => Safeguards, "`GET /enquiries/{id}/safeguards`: advocacy, capacity, consent, involvement.";
    plan_task => Plan, "`GET /enquiries/{id}/plan`: the plan's actions and the risk assessments.";
    meetings_task => Meetings, "`GET /enquiries/{id}/meetings`: strategy discussions, meetings and reviews.";
    conclusion_task => Conclusion, "`GET /enquiries/{id}/conclusion`: the conclusion and its sign-off.";
    team_task => Team, "`GET /enquiries/{id}/team`: the need-to-know team and the lead.";
    sharing_task => Sharing, "`GET /enquiries/{id}/sharing`: information shared, and its lawful basis.";
    feedback_task => Feedback, "`GET /enquiries/{id}/feedback`: the person's feedback.";
}

/// Back to a task's page (after a draft is kept).
fn back(id: &str, section: Section) -> Response {
    Redirect::to(&format!("/enquiries/{id}/{}", section.code())).into_response()
}

/// Re-renders the task's page with errors, or returns to it with its
/// success banner.
async fn after(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    f: FormData,
    r: Result<(), CoreError>,
    section: Section,
) -> Result<Response, PageError> {
    match r {
        Ok(()) => {
            let code = section.code();
            Ok(Redirect::to(&format!("/enquiries/{id}/{code}?saved={code}")).into_response())
        }
        Err(CoreError::Invalid(errors)) => {
            page(
                state,
                user,
                id,
                f,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                section,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A recorded share as the enquiry page shows it.
struct ShareView {
    id: String,
    on: String,
    with: String,
    parts: String,
    what: String,
    purpose: String,
    basis: String,
    consent: String,
}

fn share_view(x: safeguard_core::rows::ShareListRow) -> ShareView {
    let nine = Article9::parse(&x.article9)
        .filter(|a| *a != Article9::NotSpecial)
        .map(|a| format!("; {}", a.label()))
        .unwrap_or_default();
    let mut consent = label(&x.consent, ShareConsent::parse, ShareConsent::label).to_string();
    if let Some(r) = x.override_reason.as_deref().and_then(OverrideReason::parse) {
        consent.push_str(&format!(". {}", r.label()));
    }
    if let Some(d) = &x.override_detail {
        consent.push_str(&format!(": {d}"));
    }
    ShareView {
        id: x.id,
        on: x.shared_on,
        with: x.agency_name.or(x.recipient).unwrap_or_default(),
        parts: x
            .parts
            .split(',')
            .filter_map(SharedPart::parse)
            .map(|p| p.label())
            .collect::<Vec<_>>()
            .join("; "),
        what: x.what,
        purpose: x.purpose,
        basis: format!(
            "{}{nine}",
            label(&x.article6, Article6::parse, Article6::label)
        ),
        consent,
    }
}

/// `POST /enquiries/{id}/shares`: records information shared.
pub(crate) async fn share(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawShare {
        what: f.opt("share_what"),
        agency: f.opt("share_agency"),
        recipient: f.opt("share_recipient"),
        purpose: f.opt("share_purpose"),
        article6: f.opt("share_article6"),
        article9: f.opt("share_article9"),
        consent: f.opt("share_consent"),
        override_reason: f.opt("share_override_reason"),
        override_detail: f.opt("share_override_detail"),
        shared_on: f.opt("share_shared_on"),
        parts: f.all("share_parts"),
        capacity_id: f.opt("share_capacity_id"),
    };
    let r = state
        .core
        .record_share(&user.actor, &id, &raw, &user.ctx, user.now)
        .await
        .map(|_| ())
        .map_err(|e| match e {
            CoreError::Invalid(errors) => CoreError::Invalid(prefixed(errors, "share_")),
            other => other,
        });
    after(&state, &user, &id, f, r, Section::Sharing).await
}

/// The same errors, with each field name prefixed (forms on a shared page).
fn prefixed(errors: FieldErrors, prefix: &str) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.0 {
        out.add(format!("{prefix}{}", e.field), e.message);
    }
    out
}

/// `POST /enquiries/{id}/members`: invites a named user into the
/// enquiry's need-to-know team.
pub(crate) async fn invite(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let r = state
        .core
        .invite_to_enquiry(
            &user.actor,
            &id,
            f.get("member_username"),
            f.get("member_reason"),
            &user.ctx,
            user.now,
        )
        .await;
    after(&state, &user, &id, f, r, Section::Team).await
}

/// `POST /enquiries/{id}/allocate`.
pub(crate) async fn allocate(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let r = state
        .core
        .allocate_enquiry(
            &user.actor,
            &id,
            safeguard_core::enquiries::Allocation {
                lead: f.get("lead"),
                agency: f.get("agency"),
                competence_reason: f.get("competence_reason"),
            },
            &user.ctx,
            user.now,
        )
        .await;
    after(&state, &user, &id, f, r, Section::Team).await
}

/// `POST /enquiries/{id}/asked`.
pub(crate) async fn asked(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let r = state
        .core
        .set_asked(&user.actor, &id, f.get("asked"), &user.ctx, user.now)
        .await;
    after(&state, &user, &id, f, r, Section::Voice).await
}

/// `POST /enquiries/{id}/outcomes`.
pub(crate) async fn add_outcome(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let raw = RawOutcome {
        text: f.opt("text"),
        expressed_by: f.opt("expressed_by"),
        representative: f.opt("representative"),
    };
    let r = state
        .core
        .add_outcome(&user.actor, &id, &raw, &user.ctx, user.now)
        .await
        .map(|_| ());
    after(&state, &user, &id, f, r, Section::Voice).await
}

/// `POST /enquiries/{id}/outcomes/{outcome}/reword`.
pub(crate) async fn reword(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, outcome)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let field = format!("reword_{outcome}");
    let r = state
        .core
        .reword_outcome(
            &user.actor,
            &id,
            &outcome,
            f.get(&field),
            &user.ctx,
            user.now,
        )
        .await
        .map_err(|e| match e {
            CoreError::Invalid(errs) => CoreError::Invalid(FieldErrors(
                errs.0
                    .into_iter()
                    .map(|mut x| {
                        x.field = field.clone();
                        x
                    })
                    .collect(),
            )),
            other => other,
        });
    after(&state, &user, &id, f, r, Section::Voice).await
}

/// `POST /enquiries/{id}/outcomes/{outcome}/drop`.
pub(crate) async fn drop_outcome(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, outcome)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let r = state
        .core
        .drop_outcome(&user.actor, &id, &outcome, &user.ctx, user.now)
        .await;
    after(&state, &user, &id, FormData::default(), r, Section::Voice).await
}

/// The conclusion form's fields as the domain's raw input.
/// The enquiry's capacity assessments as choices: the decision, when, and
/// what was found.
fn capacity_options(records: &[safeguard_core::rows::EnquiryRecordRow]) -> Vec<(String, String)> {
    safeguard_core::enquiries::capacity_assessments(records)
        .into_iter()
        .map(|(id, a)| {
            (
                id.to_string(),
                format!(
                    "“{}”, {}: {}",
                    a.decision,
                    safeguard_domain::dates::long_date(a.assessed_on),
                    if a.lacks_capacity {
                        "lacks capacity for this decision"
                    } else {
                        "has capacity for this decision"
                    }
                ),
            )
        })
        .collect()
}

/// What the conclusion form carries over from the enquiry, in words.
fn carried_over(r: &safeguard_domain::enquiry::Recorded) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(a) = r.asked {
        out.push(format!(
            "Were they asked about desired outcomes: {}",
            a.label()
        ));
    }
    if let Some(c) = r.capacity {
        out.push(format!(
            "Capacity, from the capacity assessments: {}",
            c.label()
        ));
    }
    out
}

fn raw_conclusion(f: &FormData, outcome_ids: &[String]) -> RawConclusion {
    RawConclusion {
        risk_types: f.all("risk_types"),
        locations: f.all("locations"),
        sources: f.all("sources"),
        provider_id: f.opt("provider_id"),
        action_result: f.opt("action_result"),
        risk_outcome: f.opt("risk_outcome"),
        capacity: f.opt("capacity"),
        capacity_support: match f.get("capacity_support") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        asked: f.opt("concl_asked"),
        achievements: outcome_ids
            .iter()
            .map(|id| RawAchievement {
                outcome_id: id.clone(),
                achievement: f.opt(&format!("achievement_{id}")),
                comment: f.opt(&format!("comment_{id}")),
            })
            .collect(),
        concluded_on: f.opt("concluded_on"),
        change_reason: f.opt("change_reason"),
    }
}

/// `POST /enquiries/{id}/conclusion`.
pub(crate) async fn conclude(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    // The outcomes the form asked about (each has a comment box); the use
    // case checks every active outcome is rated.
    let mut ids: Vec<String> =
        f.0.iter()
            .filter_map(|(k, _)| {
                k.strip_prefix("comment_")
                    .or_else(|| k.strip_prefix("achievement_"))
            })
            .map(str::to_string)
            .collect();
    ids.dedup();
    let raw = raw_conclusion(&f, &ids);
    let r = state
        .core
        .propose_conclusion(&user.actor, &id, &raw, &user.ctx, user.now)
        .await
        .map_err(|e| match e {
            // The form's SG4a question is named apart from the one above it.
            CoreError::Invalid(errs) => CoreError::Invalid(FieldErrors(
                errs.0
                    .into_iter()
                    .map(|mut x| {
                        if x.field == "asked" {
                            x.field = "concl_asked".into();
                        }
                        x
                    })
                    .collect(),
            )),
            other => other,
        });
    after(&state, &user, &id, f, r, Section::Conclusion).await
}

/// `POST /enquiries/{id}/sign-off` (`approve` = yes or no).
pub(crate) async fn sign_off(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let r = state
        .core
        .sign_off_enquiry(
            &user.actor,
            &id,
            f.get("approve") == "yes",
            &f.opt("return_reason"),
            &user.ctx,
            user.now,
        )
        .await;
    after(&state, &user, &id, f, r, Section::Conclusion).await
}

/// `POST /enquiries/{id}/records/{kind}`: an advocacy check, capacity assessment or consent.
pub(crate) async fn add_record(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, kind)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    use safeguard_core::enquiries::EnquiryRecordInput as I;
    let mut f = FormData::parse(&body);
    let input = match kind.as_str() {
        "advocacy" => I::Advocacy(RawAdvocacy {
            understanding: f.opt("understanding"),
            retaining: f.opt("retaining"),
            using_weighing: f.opt("using_weighing"),
            communicating: f.opt("communicating"),
            appropriate_person: f.opt("appropriate_person"),
            appropriate_person_name: f.opt("appropriate_person_name"),
            referred_on: f.opt("referred_on"),
            advocate: f.opt("advocate"),
            involvement: f.opt("involvement"),
        }),
        "capacity" => I::Capacity(RawCapacity {
            decision: f.opt("decision"),
            help_given: f.opt("help_given"),
            understand: f.opt("understand"),
            retain: f.opt("retain"),
            use_weigh: f.opt("use_weigh"),
            communicate: f.opt("communicate"),
            evidence: f.opt("evidence"),
            impairment: f.opt("impairment"),
            causal_link: f.opt("causal_link"),
            assessed_on: f.opt("assessed_on"),
            bi_wishes: f.opt("bi_wishes"),
            bi_consulted: f.opt("bi_consulted"),
            bi_less_restrictive: f.opt("bi_less_restrictive"),
            bi_decision: f.opt("bi_decision"),
        }),
        "consent" => I::Consent(RawConsent {
            subject: f.opt("subject"),
            detail: f.opt("detail"),
            status: f.opt("status"),
            not_sought_reason: f.opt("not_sought_reason"),
            by: f.opt("by"),
            on: f.opt("on"),
            proceeding: f.opt("proceeding"),
            override_reason: f.opt("override_reason"),
            notes: f.opt("notes"),
            capacity_id: f.opt("capacity_id"),
        }),
        "risk" => I::Risk(safeguard_domain::plan::RawRisk {
            person_view: f.opt("person_view"),
            risk: f.opt("risk"),
            likelihood: f.opt("likelihood"),
            impact: f.opt("impact"),
            protective_factors: f.opt("protective_factors"),
            lives_with_risk: f.opt("lives_with_risk"),
            agreement: f.opt("agreement"),
            review_on: f.opt("review_on"),
        }),
        "meeting" => I::Meeting(safeguard_domain::plan::RawMeeting {
            kind: f.opt("kind"),
            held_on: f.opt("held_on"),
            attendees: f.opt("attendees"),
            person_attendance: f.opt("person_attendance"),
            not_invited_reason: f.opt("not_invited_reason"),
            decisions: f.opt("decisions"),
            minutes: f.opt("minutes"),
            person_feedback: f.opt("person_feedback"),
            plan_changes: f.opt("plan_changes"),
            next_review_on: f.opt("next_review_on"),
        }),
        "involvement" => I::Involvement(safeguard_domain::plan::RawInvolvement {
            communication: f.all("communication"),
            communication_notes: f.opt("communication_notes"),
            involve: f.opt("involve"),
            exclude: f.opt("exclude"),
        }),
        _ => return Err(PageError::not_found()),
    };
    let path = format!("/enquiries/{id}/records/{kind}");
    if f.get("action") == "draft" {
        crate::drafts::save(&state, &user, &path, &f).await?;
        return Ok(back(&id, Section::of_record(&kind)));
    }
    f.set("open_form", kind.clone());
    let r = state
        .core
        .add_enquiry_record(&user.actor, &id, &input, &user.ctx, user.now)
        .await
        .map(|_| ());
    if r.is_ok() {
        crate::drafts::forget(&state, &user, &path).await?;
    }
    after(&state, &user, &id, f, r, Section::of_record(&kind)).await
}

/// `POST /enquiries/{id}/actions`: an action for the safeguarding plan.
pub(crate) async fn add_action(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let mut f = FormData::parse(&body);
    let raw = safeguard_domain::plan::RawAction {
        description: f.opt("description"),
        owner: f.opt("owner"),
        due_on: f.opt("due_on"),
        outcome_id: f.opt("outcome_id"),
        less_restrictive: f.opt("less_restrictive"),
    };
    f.set("open_form", "action");
    let r = state
        .core
        .add_plan_action(&user.actor, &id, &raw, &user.ctx, user.now)
        .await
        .map(|_| ());
    after(&state, &user, &id, f, r, Section::Plan).await
}

/// `POST /enquiries/{id}/actions/{action}`: a new status.
pub(crate) async fn action_status(
    State(state): State<AppState>,
    user: SignedIn,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let r = state
        .core
        .set_plan_action_status(
            &user.actor,
            &id,
            &action,
            f.get("status"),
            &user.ctx,
            user.now,
        )
        .await;
    after(&state, &user, &id, f, r, Section::Plan).await
}

#[derive(Template)]
#[template(path = "plan_summary.html")]
struct PlanSummary {
    l: Layout,
    id: String,
    name: String,
    language: Option<String>,
    /// The approved translation in use, if any.
    translation: Option<safeguard_domain::summary::Translation>,
    /// Whether an approved translation exists but English was asked for.
    translation_offered: bool,
    /// The outcomes in the person's own words.
    outcomes: Vec<String>,
    /// The outcomes a representative gave for them: (who, their words), by who.
    for_you: Vec<(String, Vec<String>)>,
    actions: Vec<(String, String, String)>,
    /// Each positive risk-taking agreement: the risk, the agreement, the review date.
    agreements: Vec<(String, String, String)>,
    involve: Option<String>,
    next_review: Option<String>,
    worker: Option<String>,
    /// The team's telephone number.
    phone: Option<String>,
    /// The version shown.
    format: SummaryFormat,
    /// The formats the person's recorded communication needs ask for.
    needed: Vec<&'static str>,
}

/// A version of the plan summary: standard, easy read (larger text, one
/// thing at a time, no tables) or large print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SummaryFormat {
    Standard,
    EasyRead,
    LargePrint,
}

impl SummaryFormat {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "standard" => Some(Self::Standard),
            "easy_read" => Some(Self::EasyRead),
            "large_print" => Some(Self::LargePrint),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::EasyRead => "easy_read",
            Self::LargePrint => "large_print",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Standard => "Standard",
            Self::EasyRead => "Easy read",
            Self::LargePrint => "Large print",
        }
    }
}

impl PlanSummary {
    /// Every version, as (code, label, whether shown now, whether their needs ask for it).
    fn formats(&self) -> Vec<(&'static str, &'static str, bool, bool)> {
        [
            SummaryFormat::Standard,
            SummaryFormat::EasyRead,
            SummaryFormat::LargePrint,
        ]
        .iter()
        .map(|f| {
            (
                f.code(),
                f.label(),
                *f == self.format,
                self.needed.contains(&f.code()),
            )
        })
        .collect()
    }

    fn easy(&self) -> bool {
        self.format == SummaryFormat::EasyRead
    }

    fn large(&self) -> bool {
        self.format == SummaryFormat::LargePrint
    }

    fn words(&self) -> safeguard_domain::summary::Words<'_> {
        match &self.translation {
            Some(t) => safeguard_domain::summary::Words::translated(t),
            None => safeguard_domain::summary::Words::english(),
        }
    }
}

/// Query of the plan summary: `?in=en` shows English even where a translation exists.
#[derive(serde::Deserialize)]
pub(crate) struct SummaryQuery {
    #[serde(rename = "in")]
    lang: Option<String>,
    /// `standard`, `easy_read` or `large_print` (default: what the
    /// person's communication needs ask for).
    format: Option<String>,
}

/// `GET /enquiries/{id}/summary`: the plan in plain words, to print and give to the person.
pub(crate) async fn summary(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<SummaryQuery>,
) -> Result<Response, PageError> {
    let v = state
        .core
        .enquiry_view(&user.actor, &id, &user.ctx, user.now)
        .await?;
    let pid: safeguard_domain::PersonId = v
        .enquiry
        .person_id
        .parse()
        .map_err(|_| PageError::not_found())?;
    let person = state
        .core
        .view_person(&user.actor, pid, &user.ctx, user.now)
        .await?;
    let records = v.records().await?;
    let agreements = records
        .iter()
        .filter(|r| r.kind == "risk")
        .filter_map(|r| {
            serde_json::from_str::<safeguard_domain::plan::RiskAssessment>(&r.data).ok()
        })
        .filter_map(|r| {
            r.agreement
                .map(|(text, review)| (r.risk, text, safeguard_domain::dates::long_date(review)))
        })
        .collect();
    let involve = records
        .iter()
        .rev()
        .filter(|r| r.kind == "involvement")
        .filter_map(|r| serde_json::from_str::<safeguard_domain::plan::Involvement>(&r.data).ok())
        .find_map(|i| i.involve);
    let actions = v
        .actions()
        .await?
        .into_iter()
        .filter(|a| matches!(a.status.as_str(), "planned" | "in_progress"))
        .map(|a| (a.description, a.owner, crate::display::day_words(&a.due_on)))
        .collect();
    use safeguard_domain::codes::CommunicationNeed as Need;
    let needs = &person.details.communication_needs;
    let needed: Vec<&'static str> = [
        (Need::EasyRead, SummaryFormat::EasyRead),
        (Need::LargePrint, SummaryFormat::LargePrint),
    ]
    .iter()
    .filter(|(n, _)| needs.contains(n))
    .map(|(_, f)| f.code())
    .collect();
    let format = q
        .format
        .as_deref()
        .and_then(SummaryFormat::parse)
        .or_else(|| needed.first().and_then(|c| SummaryFormat::parse(c)))
        .unwrap_or(SummaryFormat::Standard);
    let mut for_you: Vec<(String, Vec<String>)> = Vec::new();
    for o in v
        .outcomes
        .iter()
        .filter(|o| o.active && o.expressed_by == "representative")
    {
        let who = o.representative.clone().unwrap_or_else(|| "Someone".into());
        match for_you.iter_mut().find(|(w, _)| *w == who) {
            Some((_, texts)) => texts.push(o.text.clone()),
            None => for_you.push((who, vec![o.text.clone()])),
        }
    }
    let language = person
        .details
        .preferred_language
        .clone()
        .filter(|l| !l.eq_ignore_ascii_case("english"));
    let translations = state.core.summary_translations().await?;
    let available = language
        .as_deref()
        .and_then(|l| safeguard_domain::summary::translation_for(&translations, l))
        .cloned();
    let english_asked = q.lang.as_deref() == Some("en");
    let t = PlanSummary {
        l: Layout::new(format!("Plan summary for {}", v.person_name), &user),
        id,
        name: person.details.given_name.clone(),
        language,
        translation_offered: available.is_some() && english_asked,
        translation: available.filter(|_| !english_asked),
        outcomes: v
            .outcomes
            .iter()
            .filter(|o| o.active && o.expressed_by != "representative")
            .map(|o| o.text.clone())
            .collect(),
        for_you,
        actions,
        agreements,
        involve,
        next_review: v
            .enquiry
            .next_review_on
            .as_deref()
            .map(crate::display::day_words),
        worker: v.lead_name.clone(),
        phone: state.config.contact_phone.clone(),
        format,
        needed,
    };
    Ok(render(StatusCode::OK, &t))
}

/// Feedback as the enquiry page shows it.
fn feedback_views(
    rows: &[safeguard_core::rows::FeedbackRow],
    questions: &[safeguard_domain::feedback::Question],
) -> Vec<(String, Vec<(String, String)>)> {
    rows.iter()
        .map(|r| {
            let answers: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&r.answers).unwrap_or_default();
            let who = safeguard_domain::feedback::Respondent::parse(&r.respondent)
                .map(|x| x.label())
                .unwrap_or("");
            let title = match &r.representative {
                Some(rep) => format!(
                    "{who} ({rep}), {} on {}",
                    if r.method == "link" {
                        "by link"
                    } else {
                        "on paper"
                    },
                    when(r.at)
                ),
                None => format!(
                    "{who}, {} on {}",
                    if r.method == "link" {
                        "by link"
                    } else {
                        "on paper"
                    },
                    when(r.at)
                ),
            };
            let mut rows: Vec<(String, String)> = answers
                .iter()
                .map(|(code, a)| {
                    let q = questions
                        .iter()
                        .find(|q| &q.code == code)
                        .map(|q| q.person.clone())
                        .unwrap_or_else(|| code.clone());
                    (
                        q,
                        safeguard_domain::feedback::Answer::parse(a)
                            .map(|x| x.label())
                            .unwrap_or("")
                            .to_string(),
                    )
                })
                .collect();
            if let Some(c) = &r.comment {
                rows.push(("In their words".into(), c.clone()));
            }
            (title, rows)
        })
        .collect()
}

fn raw_feedback(
    f: &FormData,
    questions: &[safeguard_domain::feedback::Question],
    prefix: &str,
) -> safeguard_domain::feedback::RawFeedback {
    safeguard_domain::feedback::RawFeedback {
        respondent: f.opt("respondent"),
        representative: f.opt(&format!("{prefix}representative")),
        answers: questions
            .iter()
            .filter_map(|q| f.opt(&format!("q_{}", q.code)).map(|a| (q.code.clone(), a)))
            .collect(),
        comment: f.opt(&format!("{prefix}comment")),
    }
}

/// `POST /enquiries/{id}/feedback`: feedback given on paper or in person.
pub(crate) async fn record_feedback(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let mut f = FormData::parse(&body);
    let questions = state.core.feedback_questions().await?;
    let raw = raw_feedback(&f, &questions, "fb_");
    f.set("open_form", "feedback");
    let r = state
        .core
        .record_feedback(&user.actor, &id, &raw, &user.ctx, user.now)
        .await
        .map(|_| ())
        .map_err(|e| match e {
            CoreError::Invalid(errs) => CoreError::Invalid(FieldErrors(
                errs.0
                    .into_iter()
                    .map(|mut x| {
                        if x.field == "representative" || x.field == "comment" {
                            x.field = format!("fb_{}", x.field);
                        }
                        x
                    })
                    .collect(),
            )),
            other => other,
        });
    after(&state, &user, &id, f, r, Section::Feedback).await
}

/// `POST /enquiries/{id}/feedback-link`: a one-time link, shown once.
pub(crate) async fn feedback_link(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    match state
        .core
        .feedback_link(
            &user.actor,
            &id,
            f.get("link_respondent"),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(token) => {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            let scheme = if state.config.cookie_secure {
                "https"
            } else {
                "http"
            };
            let mut data = FormData::default();
            data.set("new_link", format!("{scheme}://{host}/feedback/{token}"));
            page(
                &state,
                &user,
                &id,
                data,
                FieldErrors::new(),
                StatusCode::CREATED,
                Section::Feedback,
            )
            .await
        }
        Err(CoreError::Invalid(errs)) => {
            let errs = FieldErrors(
                errs.0
                    .into_iter()
                    .map(|mut x| {
                        x.field = "link_respondent".into();
                        x
                    })
                    .collect(),
            );
            page(
                &state,
                &user,
                &id,
                f,
                errs,
                StatusCode::UNPROCESSABLE_ENTITY,
                Section::Feedback,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "feedback_public.html")]
struct FeedbackPublic {
    l: Layout,
    token: String,
    representative: bool,
    questions: Vec<(String, String)>,
    answers: Opts,
    f: FormView,
    errors: FieldErrors,
    done: bool,
    used: bool,
}

fn feedback_page(
    token: &str,
    who: Option<(
        safeguard_domain::feedback::Respondent,
        Vec<safeguard_domain::feedback::Question>,
    )>,
    f: FormView,
    done: bool,
) -> FeedbackPublic {
    let (representative, questions) = match &who {
        Some((r, qs)) => {
            let rep = *r == safeguard_domain::feedback::Respondent::Representative;
            (
                rep,
                qs.iter()
                    .map(|q| {
                        (
                            q.code.clone(),
                            if rep {
                                q.representative.clone()
                            } else {
                                q.person.clone()
                            },
                        )
                    })
                    .collect(),
            )
        }
        None => (false, Vec::new()),
    };
    let mut l = Layout::anonymous("Tell us how we did");
    l.has_errors = !f.errors.is_empty();
    FeedbackPublic {
        l,
        token: token.to_string(),
        representative,
        questions,
        answers: opts!(safeguard_domain::feedback::Answer),
        errors: f.errors.clone(),
        f,
        done,
        used: who.is_none() && !done,
    }
}

/// `GET /feedback/{token}`: the one-time feedback page (no account).
pub(crate) async fn public_feedback(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let now = time::OffsetDateTime::now_utc();
    match state.core.feedback_link_questions(&token, now).await {
        Ok(who) => Ok(render(
            StatusCode::OK,
            &feedback_page(&token, Some(who), FormView::default(), false),
        )),
        Err(CoreError::Conflict) => Ok(render(
            StatusCode::GONE,
            &feedback_page(&token, None, FormView::default(), false),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /feedback/{token}`.
pub(crate) async fn public_feedback_submit(
    State(state): State<AppState>,
    who: crate::auth::Anyone,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = FormData::parse(&body);
    let asked = match state.core.feedback_link_questions(&token, who.now).await {
        Ok(w) => w,
        Err(CoreError::Conflict) => {
            return Ok(render(
                StatusCode::GONE,
                &feedback_page(&token, None, FormView::default(), false),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let raw = raw_feedback(&f, &asked.1, "");
    match state
        .core
        .submit_feedback_by_link(&token, &raw, &who.ctx, who.now)
        .await
    {
        Ok(()) => Ok(render(
            StatusCode::OK,
            &feedback_page(&token, Some(asked), FormView::default(), true),
        )),
        Err(CoreError::Invalid(errors)) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &feedback_page(&token, Some(asked), FormView { data: f, errors }, false),
        )),
        Err(CoreError::Conflict) => Ok(render(
            StatusCode::GONE,
            &feedback_page(&token, None, FormView::default(), false),
        )),
        Err(e) => Err(e.into()),
    }
}
