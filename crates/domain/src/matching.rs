//! Matching at intake: how well an existing person record fits an adult
//! named in a concern. Suggestions only: a person is never merged or linked
//! without a triager choosing to.

use time::Date;

use crate::PersonId;
use crate::concern::Adult;

/// A person record considered as a match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Id.
    pub id: PersonId,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Other names.
    pub other_names: Vec<String>,
    /// Date of birth.
    pub date_of_birth: Option<Date>,
    /// NHS number (ten digits).
    pub nhs_number: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
}

/// How strong a suggestion is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// Few things agree.
    Weak,
    /// Several things agree.
    Possible,
    /// Identifiers agree.
    Strong,
}

impl Strength {
    /// Words for the page.
    pub fn label(self) -> &'static str {
        match self {
            Strength::Strong => "Strong match",
            Strength::Possible => "Possible match",
            Strength::Weak => "Weak match",
        }
    }
}

/// A scored suggestion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// The candidate.
    pub candidate: Candidate,
    /// Points (higher is better).
    pub score: u32,
    /// Strength.
    pub strength: Strength,
    /// What agreed, in words.
    pub reasons: Vec<&'static str>,
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A date of birth in what someone typed: `1950-05-03`, `3/5/1950`, `3 5 1950` or `3 May 1950`.
pub fn date_in(text: &str) -> Option<Date> {
    if let Some(d) = crate::person::parse_iso_date(text) {
        return Some(d);
    }
    let parts: Vec<&str> = text
        .split(|c: char| c == '/' || c == '.' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return None;
    }
    let day: u8 = parts[0].parse().ok()?;
    let month: u8 = match parts[1].parse::<u8>() {
        Ok(m) => m,
        Err(_) => {
            let m = parts[1].to_lowercase();
            let names = [
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ];
            (names.iter().position(|n| m.starts_with(n))? + 1) as u8
        }
    };
    let year: i32 = parts[2].parse().ok()?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// A UK postcode somewhere in the text (normalised), if any.
fn postcode_in(text: &str) -> Option<String> {
    let up = text.to_uppercase();
    let toks: Vec<&str> = up
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    for w in toks.windows(2) {
        if let Some(p) = crate::person::Postcode::parse(&format!("{}{}", w[0], w[1])) {
            return Some(p.as_str().to_string());
        }
    }
    toks.iter()
        .find_map(|t| crate::person::Postcode::parse(t))
        .map(|p| p.as_str().to_string())
}

/// Scores a candidate against an adult.
pub fn score(adult: &Adult, c: &Candidate) -> Suggestion {
    let mut score = 0;
    let mut reasons = Vec::new();
    if let (Some(a), Some(b)) = (&adult.nhs_number, &c.nhs_number)
        && a.as_str() == b
    {
        score += 60;
        reasons.push("same NHS number");
    }
    let name_words = adult.name.as_deref().map(words).unwrap_or_default();
    let family = c.family_name.to_lowercase();
    if name_words.contains(&family) {
        score += 30;
        reasons.push("same family name");
    }
    let given = words(&c.given_name);
    if name_words.iter().any(|w| given.contains(w)) {
        score += 20;
        reasons.push("same given name");
    }
    let others: Vec<String> = c.other_names.iter().flat_map(|n| words(n)).collect();
    if name_words
        .iter()
        .any(|w| others.contains(w) && !given.contains(w) && *w != family)
    {
        score += 15;
        reasons.push("matches a name they are known by");
    }
    if let (Some(d), Some(age)) = (c.date_of_birth, adult.age.as_deref())
        && date_in(age) == Some(d)
    {
        score += 30;
        reasons.push("same date of birth");
    }
    if let (Some(p), Some(addr)) = (&c.postcode, adult.address.as_deref())
        && postcode_in(addr).as_deref() == Some(p.as_str())
    {
        score += 15;
        reasons.push("same postcode");
    }
    let strength = if score >= 70 {
        Strength::Strong
    } else if score >= 40 {
        Strength::Possible
    } else {
        Strength::Weak
    };
    Suggestion {
        candidate: c.clone(),
        score,
        strength,
        reasons,
    }
}

/// The best suggestions for an adult, strongest first (weak ones dropped
/// unless nothing better exists), at most `limit`.
pub fn suggest(adult: &Adult, candidates: &[Candidate], limit: usize) -> Vec<Suggestion> {
    let mut s: Vec<Suggestion> = candidates
        .iter()
        .map(|c| score(adult, c))
        .filter(|s| s.score > 0)
        .collect();
    s.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.candidate.family_name.cmp(&b.candidate.family_name))
    });
    if s.iter().any(|x| x.strength > Strength::Weak) {
        s.retain(|x| x.strength > Strength::Weak);
    }
    s.truncate(limit);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use uuid::Uuid;

    fn cand(
        given: &str,
        family: &str,
        dob: Option<Date>,
        nhs: Option<&str>,
        postcode: Option<&str>,
    ) -> Candidate {
        Candidate {
            id: PersonId(Uuid::nil()),
            given_name: given.into(),
            family_name: family.into(),
            other_names: vec!["Nell".into()],
            date_of_birth: dob,
            nhs_number: nhs.map(str::to_string),
            postcode: postcode.map(str::to_string),
        }
    }

    fn adult(name: &str, age: &str, address: &str) -> Adult {
        Adult {
            name: Some(name.into()),
            age: Some(age.into()),
            address: Some(address.into()),
            description: None,
            nhs_number: None,
            person_id: None,
        }
    }

    #[test]
    fn identifiers_make_strong_matches_and_say_why() {
        let a = adult("Ada Brightwater", "14 May 1938", "10 Example Road, NB1 4QT");
        let s = score(
            &a,
            &cand(
                "Ada",
                "Brightwater",
                Some(date!(1938 - 05 - 14)),
                None,
                Some("NB1 4QT"),
            ),
        );
        assert_eq!(s.strength, Strength::Strong);
        assert_eq!(
            s.reasons,
            vec![
                "same family name",
                "same given name",
                "same date of birth",
                "same postcode"
            ]
        );
        let weak = score(
            &a,
            &cand(
                "Edith",
                "Brightwater",
                Some(date!(1931 - 12 - 25)),
                None,
                Some("WH2 6RS"),
            ),
        );
        assert_eq!(weak.strength, Strength::Weak);
    }

    #[test]
    fn nhs_number_alone_is_strong_enough_to_suggest() {
        let mut a = adult("A. Person", "", "");
        a.nhs_number = crate::nhs::NhsNumber::parse("9434765919").ok();
        let s = score(&a, &cand("Ada", "Other", None, Some("9434765919"), None));
        assert!(s.strength >= Strength::Possible);
    }

    #[test]
    fn suggestions_are_ranked_and_weak_ones_dropped_when_better_exist() {
        let a = adult("Nell Brightwater", "14/5/1938", "");
        let mut edith = cand(
            "Edith",
            "Brightwater",
            Some(date!(1931 - 12 - 25)),
            None,
            None,
        );
        edith.other_names.clear();
        let cands = vec![
            edith,
            cand(
                "Ada",
                "Brightwater",
                Some(date!(1938 - 05 - 14)),
                None,
                None,
            ),
        ];
        let s = suggest(&a, &cands, 5);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].candidate.given_name, "Ada");
        assert!(s[0].reasons.contains(&"matches a name they are known by"));
    }

    #[test]
    fn dates_in_text() {
        assert_eq!(date_in("3 May 1950"), Some(date!(1950 - 05 - 03)));
        assert_eq!(date_in("3/5/1950"), Some(date!(1950 - 05 - 03)));
        assert_eq!(date_in("1950-05-03"), Some(date!(1950 - 05 - 03)));
        assert_eq!(date_in("about 80"), None);
    }
}
