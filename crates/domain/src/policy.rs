//! The access policy: one place that decides what each user may do.
//!
//! Every core use case asks [`decide`] before it acts, and every store query
//! that returns personal data is scoped by [`person_scope`], so a record a
//! user may not see is simply "not found".

use crate::{AgencyId, TeamId, UserId};

crate::codes::coded!(
    /// What a user account is for.
    Role {
        /// A social worker or other practitioner of the council.
        Practitioner = "practitioner" : "Practitioner",
        /// A team manager or safeguarding lead.
        Manager = "manager" : "Manager",
        /// Staff of a partner agency (police, NHS, a care provider).
        Partner = "partner" : "Partner agency",
        /// A performance analyst: aggregate figures only.
        Analyst = "analyst" : "Analyst",
        /// A data protection officer: audit and access reports.
        Dpo = "dpo" : "Data protection officer",
        /// An administrator: accounts and settings, never case content.
        Admin = "admin" : "Administrator",
    }
);

/// The signed-in user on whose behalf something is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The account.
    pub user_id: UserId,
    /// The account's username (for the audit trail).
    pub username: String,
    /// The name shown on pages.
    pub display_name: String,
    /// The role.
    pub role: Role,
    /// The agency the user works for.
    pub agency_id: AgencyId,
    /// That agency's name (shown in the page header).
    pub agency_name: String,
    /// Whether that agency is the council that owns the system.
    pub agency_is_owner: bool,
    /// The user's team, if any.
    pub team_id: Option<TeamId>,
    /// The safeguarding lead or principal social worker: workforce and
    /// audit figures for the whole organisation (no case content by this).
    pub workforce_lead: bool,
}

/// Something a user may try to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Find people by name.
    SearchPeople,
    /// Open a person's record.
    ViewPerson,
    /// Create a person record.
    CreatePerson,
    /// Change a person record.
    UpdatePerson,
    /// List, create and unlock user accounts.
    ManageUsers,
    /// Read the audit trail and check its chain.
    ViewAudit,
    /// Raise a concern from an account (partner staff, practitioners, managers).
    RaiseConcern,
    /// Record a concern received by phone, email or letter.
    RecordConcern,
    /// See the triage queue and concerns.
    ViewConcerns,
    /// Make a triage decision.
    TriageConcern,
    /// Send a message to the person who raised a concern.
    MessageRaiser,
    /// Create and link provider records.
    ManageProviders,
    /// Edit the working-day calendar and deadline targets.
    ManageCalendar,
    /// See enquiries.
    ViewEnquiries,
    /// Work on an enquiry: the person's outcomes, proposing the conclusion.
    WorkOnEnquiry,
    /// Allocate enquiries and sign conclusions off.
    SignOffEnquiry,
    /// See the SAC return, its data-quality checks and the dashboards
    /// (aggregates; the records behind a figure need [`Action::ViewEnquiries`] too).
    ViewReports,
    /// Keep the register of Safeguarding Adults Reviews.
    ManageReviews,
    /// Mark a person's record restricted, name who may open it, lift it.
    RestrictRecord,
    /// Open, in an emergency and with a reason, a record outside one's
    /// allocation or a restricted one (time-limited, reviewed afterwards).
    BreakGlass,
    /// Close break-glass openings with a finding; see unusual access.
    ReviewAccess,
    /// Invite a named user into one enquiry's need-to-know team.
    InviteToEnquiry,
    /// Approve an account an administrator made (a council manager, never
    /// the administrator): only then is its activation link sent.
    ApproveAccounts,
    /// Review records suspected to be the same person: mark them as two
    /// people, or merge them (council managers).
    ReviewDuplicates,
    /// See one's own training needs and learning, and record learning.
    OwnLearning,
    /// See the training and compliance of workers other than oneself:
    /// a manager their team, the workforce lead everyone.
    ViewWorkforce,
    /// Record learning for a worker other than oneself (their manager, the
    /// workforce lead).
    RecordLearningForOthers,
    /// See compliance as figures only, without names (analysts too).
    ViewWorkforceFigures,
    /// Edit the competency frameworks, the level each role needs and the
    /// level an enquiry lead needs (administrators; no case content).
    ManageFrameworks,
    /// Draw a quarter's case-file audit sample and name the auditors and
    /// moderators (the workforce lead).
    RunCaseAudits,
    /// Audit, moderate, or answer an audit of one's own case (council
    /// practitioners and managers; which audits is the use case's business).
    TakePartInCaseAudit,
    /// See the themes of case-file audit as figures across teams and
    /// quarters (analysts, managers, the workforce lead).
    ViewAuditThemes,
    /// Add case-file audit templates and choose the one in use
    /// (administrators; no case content).
    ManageAuditTemplates,
    /// See pattern alerts and decide them (council managers; the concerns
    /// behind an alert are still shown only as need-to-know allows).
    DecidePatternAlerts,
    /// Set the pattern rules' thresholds (council managers and
    /// administrators; no case content).
    SetPatternRules,
    /// Open and close large-scale enquiries and link adults' enquiries to
    /// them (council managers; case workers see them and work on their
    /// plans and meetings).
    RunLargeScaleEnquiries,
}

/// The policy's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Refused.
    Deny,
}

/// Which person records a user's queries may return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonScope {
    /// Every person record the council holds.
    All,
    /// None at all.
    Nothing,
}

/// Whether a role works with case content (people, concerns, enquiries).
fn case_worker(actor: &Actor) -> bool {
    actor.agency_is_owner && matches!(actor.role, Role::Practitioner | Role::Manager)
}

/// Whether the actor holds the workforce lead's permission (only council
/// practitioners and managers can).
fn workforce_lead(actor: &Actor) -> bool {
    actor.workforce_lead && case_worker(actor)
}

/// Which workers' training `actor` may see besides their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkforceScope {
    /// Everyone in the organisation (the workforce lead).
    Everyone,
    /// The members of this team (its manager).
    Team(TeamId),
    /// Nobody else.
    Nobody,
}

/// Whose training `actor` may see and record besides their own.
pub fn workforce_scope(actor: &Actor) -> WorkforceScope {
    if decide(actor, Action::ViewWorkforce) == Decision::Deny {
        WorkforceScope::Nobody
    } else if workforce_lead(actor) {
        WorkforceScope::Everyone
    } else {
        match actor.team_id {
            Some(t) => WorkforceScope::Team(t),
            None => WorkforceScope::Nobody,
        }
    }
}

/// Decides whether `actor` may do `action`.
pub fn decide(actor: &Actor, action: Action) -> Decision {
    let allow = match action {
        Action::SearchPeople | Action::ViewPerson | Action::CreatePerson | Action::UpdatePerson => {
            case_worker(actor)
        }
        Action::ManageUsers => actor.role == Role::Admin,
        Action::ViewAudit => actor.role == Role::Dpo,
        Action::RaiseConcern => case_worker(actor) || actor.role == Role::Partner,
        Action::RecordConcern
        | Action::ViewConcerns
        | Action::MessageRaiser
        | Action::ManageProviders => case_worker(actor),
        Action::TriageConcern => actor.agency_is_owner && actor.role == Role::Manager,
        Action::ManageCalendar => {
            actor.agency_is_owner && matches!(actor.role, Role::Admin | Role::Manager)
        }
        Action::ViewEnquiries | Action::WorkOnEnquiry => case_worker(actor),
        Action::SignOffEnquiry | Action::ManageReviews => {
            actor.agency_is_owner && actor.role == Role::Manager
        }
        Action::RestrictRecord
        | Action::ReviewAccess
        | Action::ApproveAccounts
        | Action::ReviewDuplicates => actor.agency_is_owner && actor.role == Role::Manager,
        Action::BreakGlass | Action::InviteToEnquiry => case_worker(actor),
        Action::ViewReports => {
            actor.agency_is_owner && matches!(actor.role, Role::Analyst | Role::Manager)
        }
        Action::OwnLearning => true,
        Action::ViewWorkforce | Action::RecordLearningForOthers => {
            actor.agency_is_owner && (actor.role == Role::Manager || workforce_lead(actor))
        }
        Action::ViewWorkforceFigures => {
            actor.agency_is_owner
                && (matches!(actor.role, Role::Analyst | Role::Manager) || workforce_lead(actor))
        }
        Action::ManageFrameworks | Action::ManageAuditTemplates => actor.role == Role::Admin,
        Action::RunCaseAudits => workforce_lead(actor),
        Action::DecidePatternAlerts | Action::RunLargeScaleEnquiries => {
            actor.agency_is_owner && actor.role == Role::Manager
        }
        Action::SetPatternRules => {
            actor.agency_is_owner && matches!(actor.role, Role::Admin | Role::Manager)
        }
        Action::TakePartInCaseAudit => case_worker(actor),
        Action::ViewAuditThemes => {
            actor.agency_is_owner
                && (matches!(actor.role, Role::Analyst | Role::Manager) || workforce_lead(actor))
        }
    };
    if allow {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

/// The person records `actor`'s queries may return. Partner agencies see
/// nothing until records are shared with them; analysts, DPOs and
/// administrators never see case content through the case pages.
pub fn person_scope(actor: &Actor) -> PersonScope {
    if case_worker(actor) {
        PersonScope::All
    } else {
        PersonScope::Nothing
    }
}

/// Why a user may open a person's case record in full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The user leads an enquiry about the person.
    Allocated,
    /// The user's team holds the person's case.
    Team,
    /// No team holds the case yet: open to council managers, who allocate it.
    Unheld,
    /// The record is restricted and the user is on its access list.
    AccessList,
    /// The user is in the need-to-know team of one of the person's enquiries
    /// (that enquiry only).
    Member,
    /// An emergency opening, with a reason, until it expires.
    BreakGlass,
    /// Staff of a partner agency the council shared parts of the enquiry with.
    Shared,
    /// The user made the person's record.
    Creator,
}

impl Basis {
    /// A stable code for the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Basis::Allocated => "allocated",
            Basis::Team => "team",
            Basis::Unheld => "unheld",
            Basis::AccessList => "access_list",
            Basis::Member => "member",
            Basis::BreakGlass => "break_glass",
            Basis::Shared => "shared",
            Basis::Creator => "creator",
        }
    }

    /// Plain words for the person's access report.
    pub fn label(self) -> &'static str {
        match self {
            Basis::Allocated => "leads an enquiry about you",
            Basis::Team => "works in the team that holds your case",
            Basis::Unheld => "a manager allocating your case",
            Basis::AccessList => "named on the access list of your restricted record",
            Basis::Member => "invited into your enquiry",
            Basis::BreakGlass => "opened it in an emergency, giving a reason",
            Basis::Shared => "works for an agency the council shared your enquiry with",
            Basis::Creator => "made your record",
        }
    }
}

/// How much of a person's case record a user may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// All of it, and why.
    Full(Basis),
    /// Only that a record exists, the name, and who to contact (outside the
    /// user's allocation and team, or restricted); an emergency opening is
    /// possible.
    Limited,
    /// Nothing: "not found".
    Hidden,
}

/// What the policy needs to know about one person's case and one user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFacts {
    /// Teams that hold the case: the team of whoever made the record, decided
    /// a concern about the person, or leads or opened an enquiry about them.
    pub holding_teams: Vec<TeamId>,
    /// The user leads an enquiry about the person.
    pub allocated: bool,
    /// The record is restricted.
    pub restricted: bool,
    /// The user is on the restricted record's access list.
    pub on_access_list: bool,
    /// The user has an unexpired break-glass opening of this record.
    pub break_glass: bool,
    /// The user made the person's record.
    pub created: bool,
    /// There is no such record.
    pub missing: bool,
}

/// How much of a person's case `actor` may see. Only council practitioners
/// and managers see case records through the case pages; partner agencies
/// see what is shared with them, and enquiries they are invited into.
pub fn person_access(actor: &Actor, facts: &CaseFacts) -> Access {
    if !case_worker(actor) || facts.missing {
        return Access::Hidden;
    }
    if facts.restricted {
        return if facts.on_access_list {
            Access::Full(Basis::AccessList)
        } else if facts.break_glass {
            Access::Full(Basis::BreakGlass)
        } else {
            Access::Limited
        };
    }
    let team = actor
        .team_id
        .is_some_and(|t| facts.holding_teams.contains(&t));
    if facts.allocated {
        Access::Full(Basis::Allocated)
    } else if team {
        Access::Full(Basis::Team)
    } else if facts.created {
        Access::Full(Basis::Creator)
    } else if facts.holding_teams.is_empty() && actor.role == Role::Manager {
        Access::Full(Basis::Unheld)
    } else if facts.break_glass {
        Access::Full(Basis::BreakGlass)
    } else {
        Access::Limited
    }
}

/// How much of one enquiry `actor` may see: what they may see of the
/// person, widened for members of the enquiry's need-to-know team (partner
/// staff included) and for staff of a partner agency the council shared
/// parts of it with (`shared`) — never past a restriction they are not
/// listed on.
pub fn enquiry_access(actor: &Actor, person: &CaseFacts, member: bool, shared: bool) -> Access {
    let access = person_access(actor, person);
    if matches!(access, Access::Full(_)) || (person.restricted && !person.on_access_list) {
        return access;
    }
    let partner = actor.role == Role::Partner && !actor.agency_is_owner;
    if member && (partner || case_worker(actor)) {
        Access::Full(Basis::Member)
    } else if shared && partner {
        Access::Full(Basis::Shared)
    } else {
        access
    }
}

/// Whether a user may be named to own a plan action: council
/// practitioners and managers, and partner agencies' staff.
pub fn may_own_actions(role: Role) -> bool {
    matches!(role, Role::Practitioner | Role::Manager | Role::Partner)
}

/// Whether `actor` owns a plan action owned by the user `owner_user` or
/// the agency `owner_agency`, and so may see it and move it on without
/// otherwise working on the enquiry: the named worker, or any member of
/// staff of the named partner agency (an agency owns what its staff do).
pub fn owns_action(actor: &Actor, owner_user: Option<&str>, owner_agency: Option<&str>) -> bool {
    let me = actor.user_id.to_string();
    let agency = actor.agency_id.to_string();
    owner_user == Some(me.as_str())
        || (actor.role == Role::Partner
            && !actor.agency_is_owner
            && owner_agency == Some(agency.as_str()))
}

/// Whether a manager who may open a record on `basis` may restrict it,
/// change its restriction or lift it. An emergency opening is for reading
/// what is needed now, never for changing who may see the record: a
/// restricted record's restriction is changed only by those on its access
/// list (the only other way in), an unrestricted one's by those who hold it.
pub fn may_change_restriction(basis: Basis) -> bool {
    basis != Basis::BreakGlass
}

/// Which concerns a user's queries may return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConcernScope {
    /// Need-to-know (council practitioners and managers): concerns waiting
    /// for a decision, those they raised, their team's, and those about
    /// people they may see in full.
    NeedToKnow,
    /// Only those the user raised (partner-agency staff see the status of their own).
    RaisedBy(UserId),
    /// None.
    Nothing,
}

/// The concerns `actor` may see.
pub fn concern_scope(actor: &Actor) -> ConcernScope {
    if case_worker(actor) {
        ConcernScope::NeedToKnow
    } else if actor.role == Role::Partner {
        ConcernScope::RaisedBy(actor.user_id)
    } else {
        ConcernScope::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn actor(role: Role, owner: bool) -> Actor {
        Actor {
            user_id: UserId(Uuid::nil()),
            username: "u".into(),
            display_name: "U".into(),
            role,
            agency_id: AgencyId(Uuid::nil()),
            agency_name: String::new(),
            agency_is_owner: owner,
            team_id: None,
            workforce_lead: false,
        }
    }

    #[test]
    fn an_action_is_owned_by_its_worker_or_by_the_partner_agency_named() {
        let nil = Uuid::nil().to_string();
        let other = Uuid::from_u128(7).to_string();
        let partner = actor(Role::Partner, false);
        assert!(owns_action(&partner, Some(&nil), None));
        assert!(owns_action(&partner, None, Some(&nil)));
        assert!(!owns_action(&partner, Some(&other), Some(&other)));
        assert!(!owns_action(&partner, None, None));
        // Council staff own only what names them.
        let worker = actor(Role::Practitioner, true);
        assert!(owns_action(&worker, Some(&nil), None));
        assert!(!owns_action(&worker, None, Some(&nil)));
        assert!(may_own_actions(Role::Partner) && !may_own_actions(Role::Admin));
    }

    #[test]
    fn training_is_seen_by_the_worker_their_manager_and_the_workforce_lead() {
        for role in Role::ALL {
            let a = actor(*role, true);
            assert_eq!(decide(&a, Action::OwnLearning), Decision::Allow);
            assert_eq!(
                decide(&a, Action::ViewWorkforce) == Decision::Allow,
                *role == Role::Manager,
                "{role:?}"
            );
            assert_eq!(
                decide(&a, Action::ManageFrameworks) == Decision::Allow,
                *role == Role::Admin,
                "{role:?}"
            );
            // The lead's permission means nothing on an account that is not a
            // council practitioner or manager.
            let lead = Actor {
                workforce_lead: true,
                ..a.clone()
            };
            let expected = matches!(role, Role::Practitioner | Role::Manager);
            assert_eq!(
                workforce_scope(&lead) == WorkforceScope::Everyone,
                expected,
                "{role:?}"
            );
        }
        let mut m = actor(Role::Manager, true);
        assert_eq!(workforce_scope(&m), WorkforceScope::Nobody);
        m.team_id = Some(TeamId(Uuid::from_u128(7)));
        assert_eq!(
            workforce_scope(&m),
            WorkforceScope::Team(TeamId(Uuid::from_u128(7)))
        );
        assert_eq!(
            workforce_scope(&actor(Role::Practitioner, true)),
            WorkforceScope::Nobody
        );
        assert_eq!(
            decide(&actor(Role::Analyst, true), Action::ViewWorkforceFigures),
            Decision::Allow
        );
        assert_eq!(
            decide(&actor(Role::Manager, false), Action::ViewWorkforce),
            Decision::Deny
        );
    }

    #[test]
    fn case_audit_is_run_by_the_workforce_lead_and_done_by_council_staff() {
        for role in Role::ALL {
            let a = actor(*role, true);
            let council = matches!(role, Role::Practitioner | Role::Manager);
            assert_eq!(
                decide(&a, Action::RunCaseAudits),
                Decision::Deny,
                "{role:?}"
            );
            let lead = Actor {
                workforce_lead: true,
                ..a.clone()
            };
            assert_eq!(
                decide(&lead, Action::RunCaseAudits) == Decision::Allow,
                council,
                "{role:?}"
            );
            assert_eq!(
                decide(&a, Action::TakePartInCaseAudit) == Decision::Allow,
                council,
                "{role:?}"
            );
            assert_eq!(
                decide(&a, Action::ViewAuditThemes) == Decision::Allow,
                matches!(role, Role::Analyst | Role::Manager),
                "{role:?}"
            );
            assert_eq!(
                decide(&a, Action::ManageAuditTemplates) == Decision::Allow,
                *role == Role::Admin,
                "{role:?}"
            );
        }
        assert_eq!(
            decide(
                &actor(Role::Practitioner, false),
                Action::TakePartInCaseAudit
            ),
            Decision::Deny,
            "partner agencies' staff never audit council case files"
        );
    }

    #[test]
    fn only_council_case_workers_see_people() {
        for role in Role::ALL {
            let a = actor(*role, true);
            let expected = matches!(role, Role::Practitioner | Role::Manager);
            assert_eq!(
                decide(&a, Action::ViewPerson) == Decision::Allow,
                expected,
                "{role:?}"
            );
            assert_eq!(person_scope(&a) == PersonScope::All, expected, "{role:?}");
        }
        // A practitioner role held by partner-agency staff is not council access.
        assert_eq!(
            decide(&actor(Role::Practitioner, false), Action::ViewPerson),
            Decision::Deny
        );
    }

    #[test]
    fn analysts_and_managers_see_reports_but_only_managers_the_records_behind_them() {
        for role in Role::ALL {
            let a = actor(*role, true);
            let reports = decide(&a, Action::ViewReports) == Decision::Allow;
            let records = decide(&a, Action::ViewEnquiries) == Decision::Allow;
            assert_eq!(
                reports,
                matches!(role, Role::Analyst | Role::Manager),
                "{role:?}"
            );
            assert_eq!(reports && records, *role == Role::Manager, "{role:?}");
        }
        assert_eq!(
            decide(&actor(Role::Analyst, false), Action::ViewReports),
            Decision::Deny
        );
    }

    #[test]
    fn only_managers_triage_and_partners_see_their_own_concerns() {
        assert_eq!(
            decide(&actor(Role::Manager, true), Action::TriageConcern),
            Decision::Allow
        );
        assert_eq!(
            decide(&actor(Role::Practitioner, true), Action::TriageConcern),
            Decision::Deny
        );
        assert_eq!(
            decide(&actor(Role::Partner, false), Action::RaiseConcern),
            Decision::Allow
        );
        assert_eq!(
            decide(&actor(Role::Partner, false), Action::ViewConcerns),
            Decision::Deny
        );
        assert!(matches!(
            concern_scope(&actor(Role::Partner, false)),
            ConcernScope::RaisedBy(_)
        ));
        assert_eq!(
            concern_scope(&actor(Role::Admin, true)),
            ConcernScope::Nothing
        );
        assert_eq!(
            decide(&actor(Role::Admin, true), Action::ManageCalendar),
            Decision::Allow
        );
    }

    fn in_team(role: Role, team: u128) -> Actor {
        Actor {
            team_id: Some(TeamId(Uuid::from_u128(team))),
            ..actor(role, true)
        }
    }

    fn held_by(team: u128) -> CaseFacts {
        CaseFacts {
            holding_teams: vec![TeamId(Uuid::from_u128(team))],
            ..CaseFacts::default()
        }
    }

    #[test]
    fn a_case_is_open_to_its_team_and_its_lead_and_otherwise_limited() {
        let p = in_team(Role::Practitioner, 1);
        assert_eq!(person_access(&p, &held_by(1)), Access::Full(Basis::Team));
        assert_eq!(person_access(&p, &held_by(2)), Access::Limited);
        let lead = CaseFacts {
            allocated: true,
            ..held_by(2)
        };
        assert_eq!(person_access(&p, &lead), Access::Full(Basis::Allocated));
        let glass = CaseFacts {
            break_glass: true,
            ..held_by(2)
        };
        assert_eq!(person_access(&p, &glass), Access::Full(Basis::BreakGlass));
        // Nobody holds it yet: managers allocate it; practitioners see the name only.
        assert_eq!(person_access(&p, &CaseFacts::default()), Access::Limited);
        // No such record: nothing, not even for a manager (who would see an unheld one).
        let missing = CaseFacts {
            missing: true,
            ..CaseFacts::default()
        };
        assert_eq!(
            person_access(&in_team(Role::Manager, 1), &missing),
            Access::Hidden
        );
        // Whoever made a record reads it, with or without a team.
        let made = CaseFacts {
            created: true,
            ..CaseFacts::default()
        };
        assert_eq!(
            person_access(&actor(Role::Practitioner, true), &made),
            Access::Full(Basis::Creator)
        );
        let made_restricted = CaseFacts {
            restricted: true,
            ..made
        };
        assert_eq!(
            person_access(&actor(Role::Practitioner, true), &made_restricted),
            Access::Limited,
            "a restriction still beats it"
        );
        assert_eq!(
            person_access(&in_team(Role::Manager, 1), &CaseFacts::default()),
            Access::Full(Basis::Unheld)
        );
        assert_eq!(
            person_access(&in_team(Role::Manager, 1), &held_by(2)),
            Access::Limited
        );
        for role in [Role::Partner, Role::Analyst, Role::Dpo, Role::Admin] {
            assert_eq!(
                person_access(&in_team(role, 1), &held_by(1)),
                Access::Hidden,
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_restriction_beats_team_and_allocation_but_not_its_list_or_an_emergency() {
        let p = in_team(Role::Manager, 1);
        let restricted = CaseFacts {
            restricted: true,
            allocated: true,
            ..held_by(1)
        };
        assert_eq!(person_access(&p, &restricted), Access::Limited);
        let listed = CaseFacts {
            on_access_list: true,
            ..restricted.clone()
        };
        assert_eq!(person_access(&p, &listed), Access::Full(Basis::AccessList));
        let glass = CaseFacts {
            break_glass: true,
            ..restricted.clone()
        };
        assert_eq!(person_access(&p, &glass), Access::Full(Basis::BreakGlass));
        // Invitations and shares do not reach past it.
        let partner = actor(Role::Partner, false);
        assert_eq!(
            enquiry_access(&partner, &restricted, true, true),
            Access::Hidden
        );
        assert_eq!(
            enquiry_access(&p, &restricted, true, false),
            Access::Limited
        );
    }

    #[test]
    fn only_ordinary_access_changes_a_restriction() {
        assert!(!may_change_restriction(Basis::BreakGlass));
        for b in [
            Basis::AccessList,
            Basis::Team,
            Basis::Allocated,
            Basis::Unheld,
        ] {
            assert!(may_change_restriction(b), "{b:?}");
        }
    }

    #[test]
    fn invited_members_and_shared_agencies_see_the_enquiry_only() {
        let other = in_team(Role::Practitioner, 2);
        let case = held_by(1);
        assert_eq!(enquiry_access(&other, &case, false, false), Access::Limited);
        assert_eq!(
            enquiry_access(&other, &case, true, false),
            Access::Full(Basis::Member)
        );
        assert_eq!(person_access(&other, &case), Access::Limited);
        let partner = actor(Role::Partner, false);
        assert_eq!(
            enquiry_access(&partner, &case, false, false),
            Access::Hidden
        );
        assert_eq!(
            enquiry_access(&partner, &case, false, true),
            Access::Full(Basis::Shared)
        );
        assert_eq!(
            enquiry_access(&partner, &case, true, false),
            Access::Full(Basis::Member)
        );
        // A share with an agency opens nothing to council staff or analysts.
        assert_eq!(enquiry_access(&other, &case, false, true), Access::Limited);
        assert_eq!(
            enquiry_access(&actor(Role::Analyst, true), &case, true, true),
            Access::Hidden
        );
    }

    #[test]
    fn admin_manages_accounts_but_reads_no_cases() {
        let a = actor(Role::Admin, true);
        assert_eq!(decide(&a, Action::ManageUsers), Decision::Allow);
        assert_eq!(decide(&a, Action::SearchPeople), Decision::Deny);
        assert_eq!(decide(&a, Action::ViewAudit), Decision::Deny);
        assert_eq!(
            decide(&actor(Role::Dpo, true), Action::ViewAudit),
            Decision::Allow
        );
    }
}
