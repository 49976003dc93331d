//! "Who looked at my record": the audit trail about one person, in plain
//! words for the person or their advocate, and the rules that flag unusual
//! access for managers.

use crate::policy::Basis;

/// One audit event as the report reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFacts<'a> {
    /// `view`, `update`, `search`, `break_glass`…
    pub action: &'a str,
    /// `person`, `enquiry`, `concern`.
    pub subject_type: &'a str,
    /// `success` or `denied`.
    pub outcome: &'a str,
    /// The basis code the access was allowed on, if recorded.
    pub reason: Option<&'a str>,
}

/// What happened, in the second person ("looked at your record"). Every
/// event about the person is told, refusals included.
pub fn describe(e: &EventFacts<'_>) -> String {
    let refused = e.outcome == "denied";
    let thing = match e.subject_type {
        "enquiry" => "an enquiry about you",
        "concern" => "a concern about you",
        _ => "your record",
    };
    if refused {
        let tried = match e.action {
            "view" | "search" => "look at",
            "break_glass" => "open in an emergency",
            "export" => "make a copy of",
            "report" => "produce a report on",
            _ => "change",
        };
        return format!("tried to {tried} {thing} and was refused");
    }
    match (e.action, e.subject_type) {
        ("search", _) => "saw your name in search results".into(),
        ("view", _) => format!("looked at {thing}"),
        ("create", "person") => "created your record".into(),
        ("create", _) => format!("recorded {thing}"),
        ("update", "person") => "changed your record".into(),
        ("break_glass", _) => "opened your record in an emergency".into(),
        ("restrict", _) => "restricted who can see your record".into(),
        ("unrestrict", _) => "lifted the restriction on your record".into(),
        ("share", _) => "recorded that information about you was shared".into(),
        ("invite", _) => "invited someone into an enquiry about you".into(),
        ("export", _) => "made a copy of everything held about you".into(),
        ("report", _) => "produced a report of who has looked at your record".into(),
        _ => format!("worked on {thing}"),
    }
}

/// Why the access was allowed, in plain words, when recorded.
pub fn why(reason: Option<&str>) -> Option<&'static str> {
    let basis = match reason? {
        "allocated" => Basis::Allocated,
        "team" => Basis::Team,
        "unheld" => Basis::Unheld,
        "access_list" => Basis::AccessList,
        "member" => Basis::Member,
        "break_glass" => Basis::BreakGlass,
        "shared" => Basis::Shared,
        "creator" => Basis::Creator,
        _ => return None,
    };
    Some(basis.label())
}

/// More distinct records than this opened by one user within one hour is
/// flagged as unusual.
pub const BURST_PER_HOUR: i64 = 20;

/// Emergency openings by one user within the window at or above this are flagged.
pub const BREAK_GLASS_FLAG: i64 = 2;

/// The window unusual access is looked for in, in days.
pub const UNUSUAL_WINDOW_DAYS: i64 = 30;

#[cfg(test)]
mod tests {
    use super::*;

    fn e<'a>(action: &'a str, subject_type: &'a str, outcome: &'a str) -> EventFacts<'a> {
        EventFacts {
            action,
            subject_type,
            outcome,
            reason: None,
        }
    }

    #[test]
    fn events_read_as_plain_words() {
        assert_eq!(
            describe(&e("view", "person", "success")),
            "looked at your record"
        );
        assert_eq!(
            describe(&e("view", "enquiry", "success")),
            "looked at an enquiry about you"
        );
        assert_eq!(
            describe(&e("view", "person", "denied")),
            "tried to look at your record and was refused"
        );
        assert_eq!(
            describe(&e("update", "person", "success")),
            "changed your record"
        );
        assert_eq!(
            describe(&e("allocate", "enquiry", "success")),
            "worked on an enquiry about you"
        );
        assert_eq!(
            describe(&e("break_glass", "person", "success")),
            "opened your record in an emergency"
        );
        assert_eq!(
            describe(&e("search", "person", "success")),
            "saw your name in search results"
        );
    }

    #[test]
    fn reasons_read_as_plain_words() {
        assert_eq!(
            why(Some("team")),
            Some("works in the team that holds your case")
        );
        assert_eq!(
            why(Some("break_glass")),
            Some("opened it in an emergency, giving a reason")
        );
        assert_eq!(why(Some("something else")), None);
        assert_eq!(why(None), None);
    }
}
