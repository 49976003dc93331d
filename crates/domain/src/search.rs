//! Finding a person: the search keys a record is saved with, what a search
//! query holds, and how well a record fits it (with the reasons, in words).
//!
//! Keys are computed from the names when a record is saved, so a search is
//! a handful of index lookups, never a scan: for every name word the
//! normalised word (`n:`), its Double Metaphone codes (`m:`, for names that
//! sound alike) and its letters in order (`s:`, for transposed letters).
//! A query adds the formal names behind common nicknames, and a prefix range
//! over the `n:` keys. The candidates the keys find are then scored here,
//! with Jaro-Winkler similarity for spellings no key caught.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use rphonetic::DoubleMetaphone;
use time::Date;

use crate::PersonId;
use crate::matching::date_in;

/// The version of the key scheme; records saved under an older one get
/// their keys rebuilt when the server starts.
pub const KEY_SCHEME: i64 = 2;

static METAPHONE: LazyLock<DoubleMetaphone> = LazyLock::new(DoubleMetaphone::default);

/// Folds a letter with an accent to its plain form, lower case; other
/// letters (and marks) are dropped by [`normalise`].
fn fold(c: char) -> Option<char> {
    let c = c.to_lowercase().next().unwrap_or(c);
    let plain = match c {
        'a'..='z' => c,
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ğ' | 'ģ' => 'g',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => 'i',
        'ł' | 'ľ' | 'ļ' | 'ĺ' => 'l',
        'ñ' | 'ń' | 'ň' | 'ņ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ř' | 'ŕ' => 'r',
        'ś' | 'š' | 'ş' | 'ș' | 'ß' => 's',
        'ť' | 'ţ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => return None,
    };
    Some(plain)
}

/// A name word as keys hold it: lower case, accents folded, letters only
/// (`O'Brien` is `obrien`).
pub fn normalise(word: &str) -> String {
    word.chars().filter_map(fold).collect()
}

/// The words of a name: split at spaces and hyphens, normalised; a
/// hyphenated name also counts whole (`Akhtar-Vale` gives `akhtar`, `vale`
/// and `akhtarvale`).
pub fn name_words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(|c: char| c.is_whitespace() || c == ',') {
        let pieces: Vec<String> = part
            .split('-')
            .map(normalise)
            .filter(|w| !w.is_empty())
            .collect();
        if pieces.len() > 1 {
            out.push(pieces.concat());
        }
        out.extend(pieces);
    }
    out.retain(|w| !w.is_empty());
    out.dedup();
    out
}

/// The Double Metaphone codes of a word (one or two).
pub fn phonetic(word: &str) -> Vec<String> {
    if word.is_empty() {
        return Vec::new();
    }
    let r = METAPHONE.double_metaphone(word);
    let (p, a) = (r.primary(), r.alternate());
    let mut out = Vec::new();
    if !p.is_empty() {
        out.push(p.clone());
    }
    if !a.is_empty() && a != p {
        out.push(a);
    }
    out
}

fn sorted_letters(word: &str) -> String {
    let mut b: Vec<char> = word.chars().collect();
    b.sort_unstable();
    b.into_iter().collect()
}

/// The word less each one of its letters (for words of three or more).
fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 3 {
        return Vec::new();
    }
    let mut out: Vec<String> = (0..chars.len())
        .map(|i| {
            chars
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| c)
                .collect()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The keys one (normalised) name word is saved under. Each key is one
/// token of letters and digits whose first letter says what it is: `n` the
/// word itself, `m` a phonetic code, `s` its letters in order, `d` a
/// four-letter phonetic code less one letter (so `Tomson` meets
/// `Thompson`), `e` the word less one letter (so a letter wrong, missing,
/// extra or swapped still meets it).
pub fn word_keys(word: &str) -> Vec<String> {
    let mut out = tight_keys(word);
    out.extend(deletions(word).into_iter().map(|d| format!("e{d}")));
    out.sort();
    out.dedup();
    out
}

/// A word's keys but its deletions.
fn tight_keys(word: &str) -> Vec<String> {
    let mut out = vec![format!("n{word}")];
    for code in phonetic(word) {
        let code = code.to_lowercase();
        if code.chars().count() == 4 {
            for i in 0..4 {
                let mut d = code.clone();
                d.remove(i);
                out.push(format!("d{d}"));
            }
        }
        out.push(format!("m{code}"));
    }
    if word.chars().count() >= 4 {
        out.push(format!("s{}", sorted_letters(word)));
    }
    out.sort();
    out.dedup();
    out
}

/// A record's keys as the one space-separated text the index holds.
pub fn key_text(keys: &BTreeSet<String>) -> String {
    keys.iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every key a record with these names is saved under.
pub fn person_keys(given: &str, family: &str, other_names: &[String]) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let names = [given, family]
        .into_iter()
        .chain(other_names.iter().map(String::as_str));
    for name in names {
        for w in name_words(name) {
            keys.extend(word_keys(&w));
        }
    }
    keys
}

/// Common English nicknames and the formal names they stand for.
const NICKNAMES: &[(&str, &[&str])] = &[
    ("alf", &["alfred"]),
    ("alfie", &["alfred"]),
    ("andy", &["andrew"]),
    ("annie", &["ann", "anne"]),
    ("bert", &["albert", "herbert", "robert"]),
    ("bertie", &["albert", "herbert"]),
    ("bess", &["elizabeth"]),
    ("beth", &["elizabeth", "bethany"]),
    ("betty", &["elizabeth"]),
    ("bill", &["william"]),
    ("billy", &["william"]),
    ("bob", &["robert"]),
    ("bobby", &["robert"]),
    ("cathy", &["catherine", "cathryn"]),
    ("charlie", &["charles", "charlotte"]),
    ("chris", &["christopher", "christine", "christina"]),
    ("chrissie", &["christine", "christina"]),
    ("dan", &["daniel"]),
    ("danny", &["daniel"]),
    ("dave", &["david"]),
    ("davy", &["david"]),
    ("di", &["diana", "diane"]),
    ("dick", &["richard"]),
    ("dot", &["dorothy"]),
    ("dottie", &["dorothy"]),
    ("ed", &["edward", "edwin", "edmund"]),
    ("eddie", &["edward", "edwin"]),
    ("fred", &["frederick", "alfred"]),
    ("freddie", &["frederick", "alfred"]),
    ("gerry", &["gerald", "geraldine"]),
    ("harry", &["henry", "harold"]),
    ("jack", &["john"]),
    ("jim", &["james"]),
    ("jimmy", &["james"]),
    ("jo", &["joan", "joanne", "josephine", "joseph"]),
    ("joe", &["joseph"]),
    ("johnny", &["john"]),
    ("jon", &["jonathan", "john"]),
    ("kate", &["catherine", "katherine", "kathryn"]),
    ("kath", &["catherine", "katherine", "kathleen"]),
    ("kathy", &["catherine", "katherine", "kathleen"]),
    ("katie", &["catherine", "katherine", "kathryn"]),
    ("ken", &["kenneth"]),
    ("kenny", &["kenneth"]),
    ("len", &["leonard"]),
    ("lil", &["lilian", "lillian"]),
    ("lily", &["lilian", "lillian"]),
    ("liz", &["elizabeth"]),
    ("lizzie", &["elizabeth"]),
    ("maggie", &["margaret"]),
    ("meg", &["margaret"]),
    ("mike", &["michael"]),
    ("mo", &["maurice", "maureen", "mohammed"]),
    ("nell", &["eleanor", "helen", "ellen"]),
    ("nellie", &["eleanor", "helen", "ellen"]),
    ("nick", &["nicholas"]),
    ("pat", &["patricia", "patrick"]),
    ("peggy", &["margaret"]),
    ("phil", &["philip", "phillip", "phyllis"]),
    ("reg", &["reginald"]),
    ("reggie", &["reginald"]),
    ("rob", &["robert"]),
    ("ron", &["ronald"]),
    ("ronnie", &["ronald"]),
    ("sam", &["samuel", "samantha"]),
    ("sid", &["sidney", "sydney"]),
    ("steve", &["stephen", "steven"]),
    ("sue", &["susan", "suzanne"]),
    ("syl", &["sylvia"]),
    ("ted", &["edward", "edwin", "theodore"]),
    ("teddy", &["edward", "theodore"]),
    ("terry", &["terence", "teresa"]),
    ("tom", &["thomas", "tomasz"]),
    ("tommy", &["thomas"]),
    ("tony", &["anthony"]),
    ("val", &["valerie"]),
    ("vi", &["violet"]),
    ("wally", &["walter"]),
    ("walt", &["walter"]),
    ("will", &["william"]),
    ("willy", &["william"]),
];

/// The formal names a nickname stands for (none if it is not one).
pub fn formal_names(word: &str) -> &'static [&'static str] {
    NICKNAMES
        .binary_search_by(|(n, _)| n.cmp(&word))
        .map(|i| NICKNAMES[i].1)
        .unwrap_or(&[])
}

fn is_nickname_of(nick: &str, formal: &str) -> bool {
    formal_names(nick).contains(&formal) || formal_names(formal).contains(&nick)
}

/// What a search asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// Name words, normalised (at most six).
    pub words: Vec<String>,
    /// A date of birth in the query.
    pub date_of_birth: Option<Date>,
    /// An NHS number in the query.
    pub nhs_number: Option<String>,
    /// A postcode in the query (normalised).
    pub postcode: Option<String>,
}

impl Query {
    /// Reads a query: an NHS number (spaces allowed), a date of birth
    /// (`1950-05-03`, `3/5/1950`, `3 May 1950`), a postcode, and names.
    pub fn parse(text: &str) -> Query {
        let mut q = Query::default();
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(n) = crate::nhs::NhsNumber::parse(&compact) {
            q.nhs_number = Some(n.as_str().to_string());
            return q;
        }
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let mut used = vec![false; tokens.len()];
        // A date written as one token, or as three (`3 May 1950`).
        for i in 0..tokens.len() {
            if q.date_of_birth.is_none()
                && let Some(d) = date_in(tokens[i])
            {
                q.date_of_birth = Some(d);
                used[i] = true;
            }
        }
        if q.date_of_birth.is_none() {
            for i in 0..tokens.len().saturating_sub(2) {
                if let Some(d) = date_in(&tokens[i..i + 3].join(" ")) {
                    q.date_of_birth = Some(d);
                    used[i..i + 3].iter_mut().for_each(|u| *u = true);
                    break;
                }
            }
        }
        // A postcode written as two tokens or one.
        for i in 0..tokens.len() {
            if used[i] {
                continue;
            }
            if i + 1 < tokens.len()
                && !used[i + 1]
                && let Some(p) =
                    crate::person::Postcode::parse(&format!("{}{}", tokens[i], tokens[i + 1]))
                && tokens[i].chars().any(|c| c.is_ascii_digit())
            {
                q.postcode = Some(p.as_str().to_string());
                used[i] = true;
                used[i + 1] = true;
                break;
            }
            if tokens[i].chars().any(|c| c.is_ascii_digit())
                && let Some(p) = crate::person::Postcode::parse(tokens[i])
            {
                q.postcode = Some(p.as_str().to_string());
                used[i] = true;
                break;
            }
        }
        for (i, t) in tokens.iter().enumerate() {
            if !used[i] && !t.chars().any(|c| c.is_ascii_digit()) {
                for w in t.split('-').map(normalise) {
                    if !w.is_empty() && !q.words.contains(&w) && q.words.len() < 6 {
                        q.words.push(w);
                    }
                }
            }
        }
        q
    }

    /// Nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
            && self.date_of_birth.is_none()
            && self.nhs_number.is_none()
            && self.postcode.is_none()
    }

    /// For each name word, the keys that find it as written: the word, a
    /// name it begins (a prefix key, ending `*`) and the formal names if it
    /// is a nickname. A search tries these first.
    pub fn exact_keys(&self) -> Vec<Vec<String>> {
        self.words
            .iter()
            .map(|w| {
                let mut keys = vec![if w.len() >= 2 {
                    format!("n{w}*")
                } else {
                    format!("n{w}")
                }];
                keys.extend(formal_names(w).iter().map(|f| format!("n{f}")));
                keys
            })
            .collect()
    }

    /// For each name word, the keys that find it by sound and by letters:
    /// as [`Query::exact_keys`], and its phonetic codes (a code one letter
    /// longer or shorter too) and letters in order. A search widens to
    /// these when the exact keys find too few.
    pub fn sound_keys(&self) -> Vec<Vec<String>> {
        self.words
            .iter()
            .zip(self.exact_keys())
            .map(|(w, exact)| {
                let mut keys: BTreeSet<String> = tight_keys(w).into_iter().collect();
                for code in phonetic(w) {
                    let code = code.to_lowercase();
                    match code.chars().count() {
                        3 => {
                            keys.insert(format!("d{code}"));
                        }
                        4 => keys.extend(deletions(&code).into_iter().map(|d| format!("m{d}"))),
                        _ => {}
                    }
                }
                keys.extend(exact);
                keys.into_iter().collect()
            })
            .collect()
    }

    /// For each name word, every key that finds it: as
    /// [`Query::sound_keys`], and the word one letter wrong, missing, extra
    /// or swapped. The widest search, tried last.
    pub fn word_keys(&self) -> Vec<Vec<String>> {
        self.words
            .iter()
            .zip(self.sound_keys())
            .map(|(w, sound)| {
                let mut keys: BTreeSet<String> = sound.into_iter().collect();
                if w.chars().count() >= 3 {
                    keys.insert(format!("e{w}"));
                }
                for d in deletions(w) {
                    keys.insert(format!("e{d}"));
                    keys.insert(format!("n{d}"));
                }
                keys.into_iter().collect()
            })
            .collect()
    }
}

/// A record as search scores it: the same facts as matching at intake.
pub use crate::matching::Candidate;

/// Why a record was found, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// What agreed, for the page ("family name sounds like Smith").
    pub text: String,
    /// The reason rests on a detail outside need-to-know (date of birth,
    /// postcode or NHS number): not shown to someone outside it.
    pub private: bool,
}

impl Reason {
    fn name(text: String) -> Reason {
        Reason {
            text,
            private: false,
        }
    }

    fn private(text: &str) -> Reason {
        Reason {
            text: text.to_string(),
            private: true,
        }
    }
}

/// A record that fits a query, and how well.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Id.
    pub id: PersonId,
    /// Points out of 100.
    pub score: u32,
    /// What agreed.
    pub reasons: Vec<Reason>,
}

/// How a query word fits a name word.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
enum Fit {
    Fuzzy(f64),
    Transposed,
    /// One letter wrong, missing, extra or swapped, with the spelling's
    /// Jaro-Winkler similarity: closer than a name that only sounds alike.
    OneEdit(f64),
    /// With the spelling's Jaro-Winkler similarity: four-letter codes make
    /// many names sound alike, so the closer spelling ranks first.
    SoundsLike(f64),
    Prefix,
    Nickname,
    Exact,
}

impl Fit {
    fn points(self) -> f64 {
        match self {
            Fit::Exact => 1.0,
            Fit::Nickname => 0.9,
            Fit::Prefix | Fit::Transposed => 0.85,
            Fit::SoundsLike(jw) => 0.7 + 0.2 * jw,
            Fit::OneEdit(jw) => 0.88 + 0.04 * jw,
            Fit::Fuzzy(s) => s * 0.9,
        }
    }
}

/// How `q` fits `name`: exact, or a nickname for it; otherwise the best
/// of every near fit that applies (a spelling one letter away that also
/// sounds alike scores as the closer of the two, not as whichever test
/// came first).
fn fit(q: &str, name: &str) -> Option<Fit> {
    if q == name {
        return Some(Fit::Exact);
    }
    if is_nickname_of(q, name) {
        return Some(Fit::Nickname);
    }
    let mut best: Option<Fit> = None;
    let mut consider = |f: Fit| {
        if best.is_none_or(|b| f.points() > b.points()) {
            best = Some(f);
        }
    };
    let jw = strsim::jaro_winkler(q, name);
    if q.len() >= 2 && name.starts_with(q) {
        consider(Fit::Prefix);
    }
    if q.len() >= 3 && strsim::damerau_levenshtein(q, name) == 1 {
        // One letter wrong, missing, extra or swapped.
        consider(Fit::OneEdit(jw));
    }
    if sound_alike(q, name) {
        consider(Fit::SoundsLike(jw));
    }
    if q.len() >= 4 && sorted_letters(q) == sorted_letters(name) {
        consider(Fit::Transposed);
    }
    if jw >= 0.84 && q.len() >= 3 {
        consider(Fit::Fuzzy(jw));
    }
    best
}

/// How well query word `q` fits name word `name`, out of 1 (as a search
/// scores it), if it fits at all. A search keeps the name words that fit a
/// query word before it looks up the records that hold them.
pub fn word_fit(q: &str, name: &str) -> Option<f64> {
    fit(q, name).map(Fit::points)
}

/// Whether two words share a Double Metaphone code.
fn sound_alike(a: &str, b: &str) -> bool {
    let (pa, pb) = (phonetic(a), phonetic(b));
    pa.iter().any(|c| pb.contains(c))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Given,
    Family,
    Other,
}

/// Scores a record against a query; `None` if it does not fit (a name word
/// with no near match, or an identifier that differs).
pub fn score(q: &Query, c: &Candidate) -> Option<Hit> {
    let mut reasons = Vec::new();
    let mut points = 0.0;
    let mut max = 0.0;
    if let Some(n) = &q.nhs_number {
        max += 100.0;
        if c.nhs_number.as_deref() != Some(n.as_str()) {
            return None;
        }
        points += 100.0;
        reasons.push(Reason::private("same NHS number"));
    }
    let mut parts: Vec<(Part, String, String)> = Vec::new();
    for (part, name) in [(Part::Given, &c.given_name), (Part::Family, &c.family_name)] {
        for w in name_words(name) {
            parts.push((part, w, name.clone()));
        }
    }
    for name in &c.other_names {
        for w in name_words(name) {
            parts.push((Part::Other, w, name.clone()));
        }
    }
    let mut matched_given = false;
    let mut matched_family = false;
    for (i, w) in q.words.iter().enumerate() {
        let weight = if q.words.len() == 1 { 60.0 } else { 40.0 };
        max += weight;
        let best = parts
            .iter()
            .filter_map(|(part, name_word, name)| {
                fit(w, name_word).map(|f| (f, *part, name_word, name))
            })
            .max_by(|a, b| {
                a.0.points()
                    .total_cmp(&b.0.points())
                    .then_with(|| (b.1 == Part::Other).cmp(&(a.1 == Part::Other)))
            });
        let (f, part, _, name) = best?;
        let whose = match part {
            Part::Given => {
                matched_given = true;
                "given name"
            }
            Part::Family => {
                matched_family = true;
                "family name"
            }
            Part::Other => "known as",
        };
        let text = match (part, f) {
            (Part::Other, Fit::Exact) => format!("known as {name}"),
            (Part::Other, _) => format!("close to a name they are known by ({name})"),
            (_, Fit::Exact) => format!("{whose} {name}"),
            (_, Fit::Nickname) => format!("{whose} {name} (‘{}’ is short for it)", q.words[i]),
            (_, Fit::Prefix) => format!("{whose} {name} starts with ‘{}’", q.words[i]),
            (_, Fit::SoundsLike(_)) => format!("{whose} {name} sounds like ‘{}’", q.words[i]),
            (_, Fit::Transposed) | (_, Fit::Fuzzy(_)) | (_, Fit::OneEdit(_)) => {
                format!("{whose} {name} is spelt like ‘{}’", q.words[i])
            }
        };
        let factor = if part == Part::Other { 0.9 } else { 1.0 };
        points += weight * f.points() * factor;
        reasons.push(Reason::name(text));
    }
    if q.words.len() >= 2 && !(matched_given && matched_family) {
        // Two words that both land on one name are a weaker fit.
        points -= 10.0;
    }
    if let Some(d) = q.date_of_birth {
        max += 40.0;
        if c.date_of_birth == Some(d) {
            points += 40.0;
            reasons.push(Reason::private("same date of birth"));
        } else if q.words.is_empty() {
            return None;
        } else if c
            .date_of_birth
            .is_some_and(|b| b.year() == d.year() || (b.month(), b.day()) == (d.month(), d.day()))
        {
            points += 10.0;
            reasons.push(Reason::private("date of birth partly the same"));
        }
    }
    if let Some(p) = &q.postcode {
        max += 20.0;
        if c.postcode.as_deref() == Some(p.as_str()) {
            points += 20.0;
            reasons.push(Reason::private("same postcode"));
        } else if q.words.is_empty() && q.date_of_birth.is_none() {
            return None;
        }
    }
    if max == 0.0 {
        return None;
    }
    let score = (100.0 * points.max(0.0) / max).round() as u32;
    Some(Hit {
        id: c.id,
        score: score.min(100),
        reasons,
    })
}

/// The records that fit a query, best first (ties by name), at most `limit`.
pub fn rank(q: &Query, candidates: &[Candidate], limit: usize) -> Vec<Hit> {
    let mut hits: Vec<(Hit, &Candidate)> = candidates
        .iter()
        .filter_map(|c| score(q, c).map(|h| (h, c)))
        .collect();
    hits.sort_by(|(a, ca), (b, cb)| {
        b.score
            .cmp(&a.score)
            .then_with(|| ca.family_name.cmp(&cb.family_name))
            .then_with(|| ca.given_name.cmp(&cb.given_name))
            .then_with(|| ca.id.0.cmp(&cb.id.0))
    });
    hits.truncate(limit);
    hits.into_iter().map(|(h, _)| h).collect()
}

/// The best fit of any of `words` to any of `names` (name words with their
/// part), if one fits.
fn best_fit<'a>(
    words: &[String],
    names: &'a [(Part, String, String)],
) -> Option<(Fit, Part, &'a str)> {
    words
        .iter()
        .flat_map(|w| {
            names
                .iter()
                .filter_map(move |(part, nw, name)| fit(w, nw).map(|f| (f, *part, name.as_str())))
        })
        .max_by(|a, b| a.0.points().total_cmp(&b.0.points()))
}

fn name_parts(c: &Candidate, given: bool) -> Vec<(Part, String, String)> {
    let (part, name) = if given {
        (Part::Given, &c.given_name)
    } else {
        (Part::Family, &c.family_name)
    };
    let mut out: Vec<(Part, String, String)> = name_words(name)
        .into_iter()
        .map(|w| (part, w, name.clone()))
        .collect();
    for o in &c.other_names {
        out.extend(
            name_words(o)
                .into_iter()
                .map(|w| (Part::Other, w, o.clone())),
        );
    }
    out
}

/// Whether a record about to be made (`new`) is likely the same person as
/// an `existing` one, and why. Likely means: the same NHS number; or names
/// that fit (as a search fits them) with the same date of birth or
/// postcode; or a date of birth and postcode both the same with one name
/// that fits (a family name changed on marriage). Two different NHS numbers,
/// or two different known dates of birth, are two people.
pub fn same_person(new: &Candidate, existing: &Candidate) -> Option<Hit> {
    let mut reasons = Vec::new();
    let nhs_same = match (&new.nhs_number, &existing.nhs_number) {
        (Some(a), Some(b)) if a == b => true,
        (Some(_), Some(_)) => return None,
        _ => false,
    };
    let dob_same = match (new.date_of_birth, existing.date_of_birth) {
        (Some(a), Some(b)) if a == b => true,
        (Some(_), Some(_)) if !nhs_same => return None,
        _ => false,
    };
    let postcode_same = new.postcode.is_some() && new.postcode == existing.postcode;
    let (family_names, given_names) = (name_parts(existing, false), name_parts(existing, true));
    let family = best_fit(&name_words(&new.family_name), &family_names);
    let given = best_fit(&name_words(&new.given_name), &given_names);
    let mut points = 0.0;
    for (found, whose, typed) in [
        (family, "family name", &new.family_name),
        (given, "given name", &new.given_name),
    ] {
        let Some((f, part, name)) = found else {
            continue;
        };
        points += 25.0 * f.points();
        reasons.push(Reason::name(match (part, f) {
            (Part::Other, _) => format!("{typed} is a name they are known by ({name})"),
            (_, Fit::Exact) => format!("same {whose}"),
            (_, Fit::Nickname) => format!("{whose} {name} (‘{typed}’ is short for it)"),
            (_, Fit::SoundsLike(_)) => format!("{whose} {name} sounds like ‘{typed}’"),
            _ => format!("{whose} {name} is spelt like ‘{typed}’"),
        }));
    }
    let names = u8::from(family.is_some()) + u8::from(given.is_some());
    if nhs_same {
        points += 50.0;
        reasons.insert(0, Reason::private("same NHS number"));
    }
    if dob_same {
        points += 35.0;
        reasons.push(Reason::private("same date of birth"));
    }
    if postcode_same {
        points += 15.0;
        reasons.push(Reason::private("same postcode"));
    }
    let likely = nhs_same
        || (names == 2 && (dob_same || postcode_same))
        || (names >= 1 && dob_same && postcode_same);
    likely.then(|| Hit {
        id: existing.id,
        score: (points.round() as u32).min(100),
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use uuid::Uuid;

    fn person(given: &str, family: &str, other: &[&str], dob: Option<Date>) -> Candidate {
        Candidate {
            id: PersonId(Uuid::new_v4()),
            given_name: given.into(),
            family_name: family.into(),
            other_names: other.iter().map(|s| s.to_string()).collect(),
            date_of_birth: dob,
            nhs_number: None,
            postcode: Some("NB1 4QT".into()),
        }
    }

    fn shares_a_key(query: &str, c: &Candidate) -> bool {
        let keys = person_keys(&c.given_name, &c.family_name, &c.other_names);
        Query::parse(query).word_keys().iter().all(|ks| {
            ks.iter().any(|k| match k.strip_suffix('*') {
                Some(prefix) => keys.iter().any(|key| key.starts_with(prefix)),
                None => keys.contains(k),
            })
        })
    }

    #[test]
    fn nicknames_are_sorted_for_lookup() {
        assert!(NICKNAMES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(formal_names("bill"), &["william"]);
        assert!(formal_names("william").is_empty());
    }

    #[test]
    fn names_normalise_and_split() {
        assert_eq!(normalise("O'Brien"), "obrien");
        assert_eq!(normalise("Zoë"), "zoe");
        assert_eq!(
            name_words("Akhtar-Vale"),
            vec!["akhtarvale", "akhtar", "vale"]
        );
    }

    #[test]
    fn queries_find_identifiers_and_names() {
        let q = Query::parse("Ada Brightwater 14/5/1938 NB1 4QT");
        assert_eq!(q.words, vec!["ada", "brightwater"]);
        assert_eq!(q.date_of_birth, Some(date!(1938 - 05 - 14)));
        assert_eq!(q.postcode.as_deref(), Some("NB1 4QT"));
        let q = Query::parse("Ada 14 May 1938");
        assert_eq!(q.words, vec!["ada"]);
        assert_eq!(q.date_of_birth, Some(date!(1938 - 05 - 14)));
        let q = Query::parse("943 476 5919");
        assert_eq!(q.nhs_number.as_deref(), Some("9434765919"));
        assert!(q.words.is_empty());
    }

    #[test]
    fn misspelt_and_sound_alike_names_share_a_key_and_score() {
        let john = person("John", "Smith", &[], None);
        let kath = person("Catherine", "Thompson", &[], None);
        for (q, c) in [
            ("Jhon Smtih", &john),
            ("Jon Smyth", &john),
            ("Smith John", &john),
            ("Jack Smith", &john),
            ("Catherine Thomspon", &kath),
            ("Kathryn Tomson", &kath),
            ("Kate Thompson", &kath),
        ] {
            assert!(shares_a_key(q, c), "{q} finds no key of {c:?}");
            let hit = score(&Query::parse(q), c).expect(q);
            assert!(hit.score >= 70, "{q}: {hit:?}");
        }
        // A name that is nothing like it is not a hit.
        assert_eq!(score(&Query::parse("Mary Jones"), &john), None);
    }

    #[test]
    fn the_exact_person_ranks_first_and_reasons_say_why() {
        let ada = person("Ada", "Brightwater", &["Nell"], Some(date!(1938 - 05 - 14)));
        let edith = person("Edith", "Brightwater", &[], Some(date!(1931 - 12 - 25)));
        let adam = person("Adam", "Brightwell", &[], Some(date!(1938 - 05 - 14)));
        let q = Query::parse("Ada Brightwater 14/5/1938");
        let ranked = rank(&q, &[edith.clone(), adam.clone(), ada.clone()], 10);
        assert_eq!(ranked[0].id, ada.id);
        assert_eq!(ranked[0].score, 100);
        let words: Vec<&str> = ranked[0].reasons.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            words,
            vec![
                "given name Ada",
                "family name Brightwater",
                "same date of birth"
            ]
        );
        assert!(ranked[0].reasons[2].private);
        let nell = score(&Query::parse("Nell Brightwater"), &ada).expect("known as");
        assert_eq!(nell.reasons[0].text, "known as Nell");
    }

    #[test]
    fn a_spelling_one_letter_away_ranks_above_a_name_that_only_sounds_alike() {
        let meant = person("George", "Coldwell", &[], None);
        let near = person("George", "Goldwell", &[], None);
        // "Coldwel" starts Coldwell and is one letter short of it; it only
        // sounds like Goldwell.
        let ranked = rank(&Query::parse("George Coldwel"), &[near, meant.clone()], 10);
        assert_eq!(ranked.len(), 2, "both fit");
        assert_eq!(ranked[0].id, meant.id, "the closer spelling first");
        assert!(ranked[0].score > ranked[1].score);
    }

    #[test]
    fn likely_duplicates_and_two_different_people() {
        let ada = person("Ada", "Brightwater", &["Nell"], Some(date!(1938 - 05 - 14)));
        let mut new = person("Addie", "Brightwatter", &[], Some(date!(1938 - 05 - 14)));
        new.given_name = "Ada".into();
        let hit = same_person(&new, &ada).expect("same name, misspelt, same birthday");
        let words: Vec<&str> = hit.reasons.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            words,
            vec![
                "family name Brightwater is spelt like ‘Brightwatter’",
                "same given name",
                "same date of birth",
                "same postcode"
            ]
        );
        // Married and renamed, same birthday and postcode: still likely.
        let renamed = person("Ada", "Okafor", &[], Some(date!(1938 - 05 - 14)));
        assert!(same_person(&renamed, &ada).is_some());
        // Same name, a different known birthday: another person.
        let other = person("Ada", "Brightwater", &[], Some(date!(1940 - 01 - 02)));
        assert_eq!(same_person(&other, &ada), None);
        // Same name only (no birthday, another postcode): not enough.
        let mut vague = person("Ada", "Brightwater", &[], None);
        vague.postcode = Some("WH2 6RS".into());
        assert_eq!(same_person(&vague, &ada), None);
        // The same NHS number is enough; two different ones never match.
        let mut a = person("A", "B", &[], None);
        let mut b = person("C", "D", &[], None);
        a.nhs_number = Some("9434765919".into());
        b.nhs_number = Some("9434765919".into());
        assert!(same_person(&a, &b).is_some());
        let mut twin = ada.clone();
        twin.nhs_number = Some("9434765862".into());
        let mut ada_nhs = ada.clone();
        ada_nhs.nhs_number = Some("9434765919".into());
        assert_eq!(same_person(&twin, &ada_nhs), None);
    }

    #[test]
    fn a_wrong_nhs_number_or_date_alone_finds_nobody() {
        let mut ada = person("Ada", "Brightwater", &[], Some(date!(1938 - 05 - 14)));
        ada.nhs_number = Some("9434765919".into());
        assert!(score(&Query::parse("9434765919"), &ada).is_some());
        assert!(score(&Query::parse("9434765862"), &ada).is_none());
        assert!(score(&Query::parse("1/1/1950"), &ada).is_none());
        assert!(score(&Query::parse("14/5/1938"), &ada).is_some());
    }
}
