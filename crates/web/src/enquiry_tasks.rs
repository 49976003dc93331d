//! The enquiry as a summary and task pages (the GOV.UK task list pattern):
//! which part of the enquiry a page shows, the tasks and where each stands.

use safeguard_core::enquiries::EnquiryView;
use safeguard_core::rows::EnquiryRecordRow;
use safeguard_domain::enquiry::EnquiryState;

/// A part of the enquiry with a page of its own, or the summary that links
/// to them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Section {
    /// The summary and task list (`/enquiries/{id}`).
    Summary,
    /// Everything a partner agency may read, on one page: what was shared
    /// with them is short, and has no tasks to split.
    Shared,
    /// The need-to-know team and the lead.
    Team,
    /// Information shared, with its lawful basis.
    Sharing,
    /// The person's desired outcomes, in their words.
    Voice,
    /// Advocacy, capacity, consent and how they want to be involved.
    Safeguards,
    /// Strategy discussions, meetings and reviews.
    Meetings,
    /// The plan's actions and the risk assessments.
    Plan,
    /// The person's feedback.
    Feedback,
    /// The conclusion and its sign-off.
    Conclusion,
}

impl Section {
    /// The section's part of the address (`/enquiries/{id}/{code}`), and
    /// the `?saved=` a save returns with.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Section::Summary => "summary",
            Section::Shared => "shared",
            Section::Team => "team",
            Section::Sharing => "sharing",
            Section::Voice => "voice",
            Section::Safeguards => "safeguards",
            Section::Meetings => "meetings",
            Section::Plan => "plan",
            Section::Feedback => "feedback",
            Section::Conclusion => "conclusion",
        }
    }

    /// The task's name, as the task list and its page's heading say it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Section::Summary | Section::Shared => "The enquiry",
            Section::Team => "Need-to-know team and lead",
            Section::Sharing => "Information shared",
            Section::Voice => "The person's voice: what they want",
            Section::Safeguards => "Safety and capacity: advocacy, capacity, consent",
            Section::Meetings => "Meetings and reviews",
            Section::Plan => "The safeguarding plan and risks",
            Section::Feedback => "The person's feedback",
            Section::Conclusion => "The conclusion",
        }
    }

    /// What the success banner says after a save on this section's page.
    pub(crate) fn saved(self) -> &'static str {
        match self {
            Section::Team => "Saved: the need-to-know team and the lead.",
            Section::Sharing => "The share was recorded, with its lawful basis.",
            Section::Voice => "Saved: the person's outcomes, in their words.",
            Section::Safeguards | Section::Meetings => {
                "Saved, and added to the person's chronology."
            }
            Section::Plan => "The plan was updated, and the chronology notes it.",
            Section::Feedback => "The person's feedback was recorded.",
            Section::Conclusion => "Saved: the conclusion.",
            Section::Summary | Section::Shared => "Saved.",
        }
    }

    /// The page a record of `kind` (advocacy, risk, meeting, …) is kept on.
    pub(crate) fn of_record(kind: &str) -> Section {
        match kind {
            "risk" => Section::Plan,
            "meeting" => Section::Meetings,
            _ => Section::Safeguards,
        }
    }
}

/// One task of the enquiry: its page, and where it stands.
pub(crate) struct Task {
    /// The task's page.
    pub(crate) section: Section,
    /// Where it stands.
    pub(crate) status: TaskStatus,
    /// A line under its name (who leads, how many shares), if any.
    pub(crate) hint: String,
}

impl Task {
    /// The task's name.
    pub(crate) fn name(&self) -> &'static str {
        self.section.name()
    }

    /// Its page's part of the address.
    pub(crate) fn code(&self) -> &'static str {
        self.section.code()
    }
}

/// Where a task stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TaskStatus {
    /// Nothing recorded yet.
    NotStarted,
    /// Some of it recorded.
    InProgress,
    /// All of it recorded.
    Completed,
    /// Waiting on another task (the conclusion, until the person's voice is recorded).
    CannotStart,
    /// A task with no end of its own (sharing, feedback): how much there is.
    Count(usize),
}

impl TaskStatus {
    /// The status in words.
    pub(crate) fn label(self) -> String {
        match self {
            TaskStatus::NotStarted => "Not yet started".into(),
            TaskStatus::InProgress => "In progress".into(),
            TaskStatus::Completed => "Completed".into(),
            TaskStatus::CannotStart => "Cannot start yet".into(),
            TaskStatus::Count(0) => "None yet".into(),
            TaskStatus::Count(1) => "1 recorded".into(),
            TaskStatus::Count(n) => format!("{n} recorded"),
        }
    }

    /// The tag's class (none for completed, cannot start and counts, as
    /// GOV.UK's task list shows them in plain text).
    pub(crate) fn tag(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "govuk-tag govuk-tag--blue",
            TaskStatus::InProgress => "govuk-tag govuk-tag--light-blue",
            _ => "",
        }
    }

    /// Whether the task's name is a link (not for a task that cannot start yet).
    pub(crate) fn linked(self) -> bool {
        self != TaskStatus::CannotStart
    }
}

/// What [`tasks_of`] reads besides the enquiry and its records.
pub(crate) struct Counts {
    /// Actions on the plan.
    pub(crate) actions: usize,
    /// People invited into the enquiry.
    pub(crate) members: usize,
    /// Shares recorded.
    pub(crate) shares: usize,
    /// Feedback answers recorded.
    pub(crate) feedback: usize,
}

/// The enquiry's tasks and where each stands, from what is recorded: the
/// person's voice (asked, and outcomes when they expressed some), safety
/// and capacity (the advocacy check, and consent or capacity where
/// recorded), the plan (actions agreed, and the risk view), meetings and
/// reviews, the conclusion (proposed, signed off); then the team (a lead
/// allocated), the shares and the feedback, counted.
pub(crate) fn tasks_of(v: &EnquiryView, records: &[EnquiryRecordRow], n: &Counts) -> Vec<Task> {
    use TaskStatus::*;
    let has = |k: &str| records.iter().any(|r| r.kind == k);
    let outcomes = v.outcomes.iter().filter(|o| o.active).count();
    let voice = match v.enquiry.asked.as_deref() {
        Some("yes_expressed") if outcomes > 0 => Completed,
        Some("yes_not_expressed" | "no" | "dont_know") => Completed,
        _ if outcomes > 0 => InProgress,
        _ => NotStarted,
    };
    let safety = match (has("advocacy"), has("capacity") || has("consent")) {
        (true, true) => Completed,
        (false, false) => NotStarted,
        _ => InProgress,
    };
    let plan = match (n.actions > 0, has("risk")) {
        (true, true) => Completed,
        (false, false) => NotStarted,
        _ => InProgress,
    };
    let meetings = if has("meeting") {
        Completed
    } else {
        NotStarted
    };
    let conclusion = match v.state {
        EnquiryState::Concluded => Completed,
        EnquiryState::AwaitingSignOff => InProgress,
        _ if voice != Completed => CannotStart,
        _ if v.conclusion.is_some() => InProgress,
        _ => NotStarted,
    };
    let team = if v.lead_name.is_some() || v.caused_agency.is_some() {
        Completed
    } else {
        NotStarted
    };
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let task = |section, status, hint: String| Task {
        section,
        status,
        hint,
    };
    vec![
        task(
            Section::Voice,
            voice,
            plural(
                outcomes,
                "outcome in their words",
                "outcomes in their words",
            ),
        ),
        task(Section::Safeguards, safety, String::new()),
        task(
            Section::Plan,
            plan,
            plural(n.actions, "action agreed", "actions agreed"),
        ),
        task(Section::Meetings, meetings, String::new()),
        task(
            Section::Conclusion,
            conclusion,
            if conclusion == CannotStart {
                "Once the person's voice is recorded".into()
            } else {
                String::new()
            },
        ),
        task(
            Section::Team,
            team,
            match (&v.lead_name, &v.caused_agency) {
                (Some(l), _) => format!(
                    "Led by {l}; {}",
                    plural(n.members, "person invited", "people invited")
                ),
                (None, Some(a)) => format!(
                    "Made by {a}; {}",
                    plural(n.members, "person invited", "people invited")
                ),
                (None, None) => "No lead allocated yet".into(),
            },
        ),
        task(Section::Sharing, Count(n.shares), String::new()),
        task(Section::Feedback, Count(n.feedback), String::new()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_its_own_code_and_name() {
        use Section::*;
        let all = [
            Summary, Shared, Team, Sharing, Voice, Safeguards, Meetings, Plan, Feedback, Conclusion,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(|s| s.code()).collect();
        assert_eq!(codes.len(), all.len());
        let names: std::collections::BTreeSet<_> = all[2..].iter().map(|s| s.name()).collect();
        assert_eq!(names.len(), all.len() - 2, "each task is named apart");
    }

    #[test]
    fn records_are_kept_on_the_page_of_their_task() {
        assert_eq!(Section::of_record("risk"), Section::Plan);
        assert_eq!(Section::of_record("meeting"), Section::Meetings);
        assert_eq!(Section::of_record("capacity"), Section::Safeguards);
        assert_eq!(Section::of_record("advocacy"), Section::Safeguards);
    }

    #[test]
    fn counts_are_said_in_words() {
        assert_eq!(TaskStatus::Count(0).label(), "None yet");
        assert_eq!(TaskStatus::Count(1).label(), "1 recorded");
        assert_eq!(TaskStatus::Count(3).label(), "3 recorded");
        assert!(!TaskStatus::CannotStart.linked());
        assert!(TaskStatus::NotStarted.linked());
    }
}
