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

/// Why someone could do what they did when the event records no basis:
/// said from what they did and their role, so every row says why.
pub fn why_else(action: &str, subject_type: &str, role: &str, outcome: &str) -> &'static str {
    if outcome == "denied" {
        return "they were not allowed, so nothing was shown";
    }
    match (action, subject_type, role) {
        ("search", _, _) => "searched by name; a search shows names and who to contact only",
        (_, _, "dpo") => "is the data protection officer, who answers requests like this",
        (_, "concern", "partner") => "raised the concern",
        (_, _, "partner") => "their agency was given this part, or they are in the enquiry's team",
        (_, "concern", _) => "works on concerns the council must decide on",
        _ => "works in the council's adult safeguarding service",
    }
}

/// How much a row says: when one request wrote several events (a page
/// that showed the record and its chronology), the report keeps the one
/// that says most.
pub fn weight(action: &str, subject_type: &str, outcome: &str) -> u8 {
    if outcome == "denied" {
        return 9;
    }
    match (action, subject_type) {
        ("break_glass", _) => 8,
        ("view" | "search", "person") => 3,
        ("view", "enquiry") => 2,
        ("view", _) => 1,
        ("search", _) => 0,
        _ => 5,
    }
}

/// Groups consecutive items that `key` says came from the same viewing
/// (the same request by the same user); an item without a key stands alone.
pub fn viewings<T, K: PartialEq>(items: Vec<T>, key: impl Fn(&T) -> Option<K>) -> Vec<Vec<T>> {
    let mut groups: Vec<Vec<T>> = Vec::new();
    for item in items {
        let k = key(&item);
        let same = k.is_some()
            && groups
                .last()
                .and_then(|g| g.last())
                .is_some_and(|last| key(last) == k);
        match groups.last_mut() {
            Some(g) if same => g.push(item),
            _ => groups.push(vec![item]),
        }
    }
    groups
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
    fn every_row_says_why_and_the_row_that_says_most_is_kept() {
        assert_eq!(
            why_else("view", "concern", "practitioner", "success"),
            "works on concerns the council must decide on"
        );
        assert!(why_else("view", "person", "dpo", "success").contains("data protection"));
        assert!(why_else("view", "person", "manager", "denied").contains("not allowed"));
        assert!(weight("update", "person", "success") > weight("view", "person", "success"));
        assert!(weight("view", "person", "success") > weight("view", "enquiry", "success"));
        assert!(weight("view", "person", "denied") > weight("break_glass", "person", "success"));
    }

    #[test]
    fn one_viewing_is_one_group() {
        let events = vec![
            ("r1", "priya"),
            ("r1", "priya"),
            ("r1", "martin"),
            ("", "priya"),
            ("", "priya"),
            ("r2", "priya"),
        ];
        let g = viewings(events, |(r, who)| (!r.is_empty()).then_some((*r, *who)));
        let sizes: Vec<usize> = g.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![2, 1, 1, 1, 1], "no request id: never merged");
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
