//! Person records. Reads take the caller's [`PersonScope`].

use safeguard_domain::codes::{
    AppropriatePerson, CommunicationNeed, Ethnicity, Gender, PrimarySupportReason, Relationship,
};
use safeguard_domain::nhs::NhsNumber;
use safeguard_domain::person::{KeyPerson, Person, PersonDetails, Postcode, iso_date};
use safeguard_domain::{PersonId, PersonScope};
use sqlx::FromRow;
use time::Date;

use crate::{Result, Store, StoreError, Tx, on_db, on_tx};

#[derive(Clone, FromRow)]
struct PersonRow {
    id: String,
    version: i64,
    given_name: String,
    family_name: String,
    date_of_birth: Option<String>,
    nhs_number: Option<String>,
    address_line_1: Option<String>,
    address_line_2: Option<String>,
    town: Option<String>,
    postcode: Option<String>,
    gender: String,
    gender_description: Option<String>,
    ethnicity: String,
    primary_support_reason: String,
    learning_disability: bool,
    autism: bool,
    asperger: bool,
    preferred_language: Option<String>,
    interpreter_needed: bool,
    communication_needs: String,
    communication_notes: Option<String>,
    what_matters_to_me: Option<String>,
}

/// A person's record with what their page shows beside it (see
/// [`Store::person_page`]); only the record when read by
/// [`Store::find_person`].
#[derive(Clone, Debug, PartialEq)]
pub struct PersonPage {
    /// The record, with its other names and key people.
    pub person: Person,
    /// The records merged into it, newest first (with undone merges).
    pub merges: Vec<crate::merges::MergeRow>,
    /// The newest chronology entries, newest first, as the page shows them.
    pub recent_chronology: Vec<crate::concerns::RecentEntry>,
    /// How many chronology entries there are in all.
    pub chronology_total: i64,
    /// The enquiries about the person, newest first.
    pub enquiries: Vec<crate::enquiries::EnquiryRow>,
    /// Pattern alerts about the person, newest first.
    pub alerts: Vec<crate::patterns::AlertRow>,
}

/// The record and its parts as JSON arrays, as read in one statement.
#[derive(FromRow)]
struct PageRow {
    #[sqlx(flatten)]
    person: PersonRow,
    parts: String,
    #[sqlx(default)]
    merges: Option<String>,
    #[sqlx(default)]
    recent: Option<String>,
    #[sqlx(default)]
    chronology_total: Option<i64>,
    #[sqlx(default)]
    enquiries: Option<String>,
    #[sqlx(default)]
    alerts: Option<String>,
}

/// [`PageRow`] with the policy's flags for a reader (see
/// [`Store::person_page_for`]).
#[derive(FromRow)]
struct FlaggedPageRow {
    #[sqlx(flatten)]
    flags: crate::access::Flags,
    #[sqlx(flatten)]
    page: PageRow,
}

/// PostgreSQL: the whole page with what the policy weighs about the
/// person for any reader, and the marks it was read at (see [`PageCache`]).
#[derive(FromRow)]
struct WholePageRow {
    #[sqlx(flatten)]
    access: crate::access::AccessRow,
    #[sqlx(flatten)]
    page: PageRow,
    #[sqlx(flatten)]
    marks: Marks,
}

/// A person's page mark and the directory's (see
/// [`PageCache`]).
#[derive(Clone, Copy, Debug, FromRow, PartialEq, Eq)]
struct Marks {
    page_mark: i64,
    directory_mark: i64,
}

impl Marks {
    /// The marks as read on the asking thread (SQLite).
    fn from_lite(r: &rusqlite::Row<'_>) -> rusqlite::Result<Marks> {
        Ok(crate::from_columns!(
            r,
            Marks {
                page_mark,
                directory_mark
            }
        ))
    }
}

/// Recently opened people's pages, each kept with the person's page mark
/// it was read at. The database draws a new mark, in the same
/// transaction, whenever anything the page shows is added, changed or
/// removed (the record, its other names and key people, merges, the latest
/// chronology entries and their count, enquiries, alerts), and whenever
/// what the access policy weighs about the person changes (the
/// restriction and its access list, break-glass openings, who decided a
/// concern about them); and a mark for the whole directory whenever a user
/// moves team (triggers, migrations 0043 and 0044).
///
/// The page is held whole with the facts the policy weighs for every
/// reader, and an opening reads only who is asking and the two marks: the
/// reader's facts are then worked out from what is held
/// ([`crate::access::PersonAccess::facts_for`]), as the database would,
/// and weighed before anything is shown (decision 0029). When the marks
/// have moved the page is read whole again; on SQLite the parts that
/// follow the chronology and the rest (merges, enquiries, alerts) come from
/// here still when only the directory's mark moved (decision 0027).
///
/// What is held is the same for every reader. At most
/// [`PAGE_CACHE_PEOPLE`] people, the least recently opened let go first.
#[derive(Debug, Default)]
pub(crate) struct PageCache {
    entries: std::collections::HashMap<String, HeldParts>,
    /// Counts openings, to find the least recently opened.
    tick: u64,
    /// Pages whose parts came from here, not from the database (for tests).
    pub(crate) hits: u64,
}

/// How many people's page parts a server holds at most (each some 10 KB
/// with fifty latest entries).
const PAGE_CACHE_PEOPLE: usize = 256;

/// One person's page parts as read at `mark`, with the number of latest
/// entries read.
#[derive(Clone, Debug)]
struct HeldParts {
    mark: i64,
    recent_limit: i64,
    used: u64,
    parts: Follows,
    /// The rest of the page, held with it (decision 0029).
    whole: Option<Box<HeldWhole>>,
}

/// What a page holds beyond [`Follows`]: the record, its other
/// names and key people and what the policy weighs about the person, as
/// read at the directory's mark `directory_mark` (see [`PageCache`]).
#[derive(Clone)]
struct HeldWhole {
    directory_mark: i64,
    person: PersonRow,
    parts: Vec<PartRow>,
    access: crate::access::PersonAccess,
}

/// Only the mark: what is held is personal data, never for a log.
impl std::fmt::Debug for HeldWhole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldWhole")
            .field("directory_mark", &self.directory_mark)
            .finish_non_exhaustive()
    }
}

impl PageCache {
    /// Fills `parts` with what is held for `person` at `mark`, if it is.
    fn fill(&mut self, person: &str, mark: i64, limit: i64, parts: &mut PageParts) -> bool {
        self.tick += 1;
        let tick = self.tick;
        let Some(h) = self.entries.get_mut(person) else {
            return false;
        };
        if h.mark != mark || h.recent_limit != limit {
            return false;
        }
        h.used = tick;
        parts.follows = h.parts.clone();
        self.hits += 1;
        true
    }

    /// Whether the whole page of `person` is held with `limit` latest
    /// entries, at whatever marks.
    fn holds_whole(&self, person: &str, limit: i64) -> bool {
        self.entries
            .get(person)
            .is_some_and(|h| h.whole.is_some() && h.recent_limit == limit)
    }

    /// The whole page of `person` and what the policy weighs about them,
    /// if held at `marks` with `limit` latest entries.
    fn fill_whole(
        &mut self,
        person: &str,
        marks: Marks,
        limit: i64,
    ) -> Option<(crate::access::PersonAccess, PageParts)> {
        self.tick += 1;
        let tick = self.tick;
        let h = self.entries.get_mut(person)?;
        let whole = h.whole.as_ref()?;
        if h.mark != marks.page_mark
            || whole.directory_mark != marks.directory_mark
            || h.recent_limit != limit
        {
            return None;
        }
        h.used = tick;
        self.hits += 1;
        Some((
            whole.access.clone(),
            PageParts {
                person: whole.person.clone(),
                parts: whole.parts.clone(),
                follows: h.parts.clone(),
            },
        ))
    }

    /// Holds the whole page of `person` and what the policy weighs about
    /// them, as read at `marks`.
    fn hold_whole(
        &mut self,
        person: &str,
        marks: Marks,
        limit: i64,
        access: &crate::access::PersonAccess,
        page: &PageParts,
    ) {
        self.hold(person, marks.page_mark, limit, page);
        if let Some(h) = self.entries.get_mut(person) {
            h.whole = Some(Box::new(HeldWhole {
                directory_mark: marks.directory_mark,
                person: page.person.clone(),
                parts: page.parts.clone(),
                access: access.clone(),
            }));
        }
    }

    /// Holds `parts` of `person` as read at `mark`.
    fn hold(&mut self, person: &str, mark: i64, limit: i64, parts: &PageParts) {
        self.tick += 1;
        if self.entries.len() >= PAGE_CACHE_PEOPLE && !self.entries.contains_key(person) {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, h)| h.used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.entries.remove(&k);
            }
        }
        self.entries.insert(
            person.to_string(),
            HeldParts {
                mark,
                recent_limit: limit,
                used: self.tick,
                parts: parts.follows.clone(),
                whole: None,
            },
        );
    }
}

/// A person's page with what the policy weighs for its reader, read
/// together (see [`Store::person_page_for`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PageForReader {
    /// What the policy weighs for the reader (`missing` when there is no
    /// such record).
    pub facts: crate::access::CaseFactsRow,
    /// The page, when the record exists and the scope reaches it. Not for
    /// showing until the policy has weighed `facts`.
    pub page: Option<PersonPage>,
}

impl PageRow {
    /// The parts, parsed from their JSON arrays.
    fn into_parts(self) -> Result<PageParts> {
        let json = |v: Option<String>| v.unwrap_or_else(|| "[]".to_string());
        Ok(PageParts {
            parts: crate::from_json(&self.parts)?,
            follows: Follows {
                merges: crate::from_json(&json(self.merges))?,
                recent: match self.recent {
                    Some(json) => crate::concerns::RecentEntry::from_json_columns(&json)?,
                    None => Vec::new(),
                },
                chronology_total: self.chronology_total.unwrap_or(0),
                enquiries: crate::from_json(&json(self.enquiries))?,
                alerts: crate::from_json(&json(self.alerts))?,
            },
            person: self.person,
        })
    }
}

/// A person's page as read, either way (see [`Store::person_page`]).
struct PageParts {
    person: PersonRow,
    parts: Vec<PartRow>,
    follows: Follows,
}

/// The parts of a person's page that follow the person's page mark, and
/// may be held while it stands (see [`PageCache`]); none for the record
/// read alone.
#[derive(Clone, Debug, Default)]
struct Follows {
    merges: Vec<crate::merges::MergeRow>,
    recent: Vec<crate::concerns::RecentEntry>,
    chronology_total: i64,
    enquiries: Vec<crate::enquiries::EnquiryRow>,
    alerts: Vec<crate::patterns::AlertRow>,
}

impl PageParts {
    fn into_page(self) -> Result<PersonPage> {
        let mut names = Vec::new();
        let mut kps = Vec::new();
        for part in self.parts {
            match (part.relationship, part.appropriate_person) {
                (Some(relationship), Some(appropriate_person)) => kps.push(KeyPersonRow {
                    name: part.name,
                    relationship,
                    contact: part.contact,
                    appropriate_person,
                    notes: part.notes,
                }),
                _ => names.push(part.name),
            }
        }
        let f = self.follows;
        Ok(PersonPage {
            merges: f.merges,
            recent_chronology: f.recent,
            chronology_total: f.chronology_total,
            enquiries: f.enquiries,
            alerts: f.alerts,
            person: self.person.into_person(names, kps)?,
        })
    }
}

/// Other names and key people together: rows with no relationship are
/// other names.
const PART_COLUMNS: &str = "part, position, name, relationship, contact, appropriate_person, notes";
const PARTS_FROM: &str = "(SELECT 0 AS part, position, name, NULL AS relationship, NULL AS contact, \
    NULL AS appropriate_person, NULL AS notes FROM person_other_names WHERE person_id = $1 \
    UNION ALL \
    SELECT 1, position, name, relationship, contact, appropriate_person, notes \
    FROM person_key_people WHERE person_id = $1) parts";
const PARTS_ORDER: &str = "part, position";
const MERGES_FROM: &str = "person_merges WHERE kept_id = $1";
const MERGES_ORDER: &str = "merged_at DESC, id";
const ENQUIRIES_FROM: &str = "enquiries WHERE person_id = $1";
const ENQUIRIES_ORDER: &str = "created_at DESC, id";
const ALERTS_FROM: &str =
    "pattern_alerts WHERE subject_id = $1 AND subject_kind IN ('person', 'alleged')";
const ALERTS_ORDER: &str = "raised_at DESC, id";

/// Person `$1`'s page mark (0 with no row) and the directory's
/// mark, as [`Marks`] names them (migrations 0043 and 0044).
const MARKS: &str = "COALESCE((SELECT mark FROM person_page_marks WHERE person_id = $1), 0) \
    AS page_mark, (SELECT mark FROM directory_marks) AS directory_mark";

/// The statements of [`page_lite`], built once.
struct LiteSql {
    person: String,
    parts: String,
    merges: String,
    recent: String,
    total: String,
    enquiries: String,
    alerts: String,
    /// The person's page mark and the directory's ([`MARKS`]); on
    /// PostgreSQL too, what an opening of a held page reads.
    mark: String,
}

static LITE_SQL: std::sync::LazyLock<LiteSql> = std::sync::LazyLock::new(|| {
    let rows = |columns: &str, from: &str, order: &str| {
        format!("SELECT {columns} FROM {from} ORDER BY {order}")
    };
    LiteSql {
        person: format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"),
        parts: rows(
            "name, relationship, contact, appropriate_person, notes",
            PARTS_FROM,
            PARTS_ORDER,
        ),
        merges: rows(crate::merges::COLUMNS, MERGES_FROM, MERGES_ORDER),
        recent: format!(
            "SELECT {} FROM chronology WHERE person_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
            crate::concerns::RECENT_COLUMNS
        ),
        total: format!("SELECT {}", crate::concerns::CHRONOLOGY_TOTAL),
        enquiries: rows(
            crate::enquiries::ENQUIRY_COLUMNS,
            ENQUIRIES_FROM,
            ENQUIRIES_ORDER,
        ),
        alerts: rows(crate::patterns::ALERT_COLUMNS, ALERTS_FROM, ALERTS_ORDER),
        mark: format!("SELECT {MARKS}"),
    }
});

/// SQLite, on the asking thread: [`Store::person_page`]'s parts read as
/// rows, each part its own statement, all in one read transaction so they
/// are of one moment as the single statement's are. A failed read leaves
/// the transaction open, but the connection that failed is closed, not
/// kept (see [`crate::inline`]).
///
/// The record itself is read by `record`, first in the transaction, with
/// whatever else its statement reads beside it (for a reader's page, the
/// policy's flags: so they and the page are of the same moment too).
///
/// With `held`, the parts that follow the person's page mark come from
/// that [`PageCache`] when the mark (read in the same transaction) is the
/// one they were held at, and are held after they are read otherwise.
fn page_lite<F>(
    c: &rusqlite::Connection,
    id: &str,
    recent: Option<i64>,
    held: Option<&std::sync::Mutex<PageCache>>,
    record: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<Option<(PersonRow, F)>>,
) -> rusqlite::Result<Option<(F, PageParts, Option<Marks>)>> {
    use crate::concerns::RecentEntry;
    use crate::enquiries::EnquiryRow;
    use crate::from_columns;
    use crate::merges::MergeRow;
    use crate::patterns::AlertRow;
    let sql = &*LITE_SQL;
    let by_id = rusqlite::named_params! {"$1": id};
    c.prepare_cached("BEGIN")?.execute([])?;
    let Some((person, beside)) = record(c)? else {
        c.prepare_cached("COMMIT")?.execute([])?;
        return Ok(None);
    };
    let parts = rows(c, &sql.parts, by_id, |r| {
        Ok(from_columns!(
            r,
            PartRow {
                name,
                relationship,
                contact,
                appropriate_person,
                notes
            }
        ))
    })?;
    let mut page = PageParts {
        person,
        parts,
        follows: Follows::default(),
    };
    let mark = match (recent, held) {
        (Some(n), Some(cache)) => {
            let marks = c
                .prepare_cached(&sql.mark)?
                .query_row(by_id, Marks::from_lite)?;
            if crate::audit::lock(cache).fill(id, marks.page_mark, n, &mut page) {
                c.prepare_cached("COMMIT")?.execute([])?;
                return Ok(Some((beside, page, Some(marks))));
            }
            Some((cache, marks, n))
        }
        _ => None,
    };
    if let Some(n) = recent {
        page.follows.merges = rows(c, &sql.merges, by_id, |r| {
            Ok(from_columns!(
                r,
                MergeRow {
                    id,
                    kept_id,
                    merged_id,
                    kept_version_after,
                    kept_before,
                    merged_before,
                    taken_from_merged,
                    moved,
                    merged_at,
                    merged_by,
                    undone_at,
                    undone_by
                }
            ))
        })?;
        page.follows.recent = rows(
            c,
            &sql.recent,
            rusqlite::named_params! {"$1": id, "$2": n},
            |r| {
                Ok(from_columns!(
                    r,
                    RecentEntry {
                        at,
                        summary,
                        actor_name
                    }
                ))
            },
        )?;
        page.follows.chronology_total = c
            .prepare_cached(&sql.total)?
            .query_row(by_id, |r| r.get(0))?;
        page.follows.enquiries = rows(c, &sql.enquiries, by_id, |r| {
            Ok(from_columns!(
                r,
                EnquiryRow {
                    id,
                    concern_id,
                    person_id,
                    kind,
                    state,
                    lead_user_id,
                    caused_agency_id,
                    started_on,
                    asked,
                    created_at,
                    next_review_on
                }
            ))
        })?;
        page.follows.alerts = rows(c, &sql.alerts, by_id, |r| {
            Ok(from_columns!(
                r,
                AlertRow {
                    id,
                    rule,
                    subject_kind,
                    subject_id,
                    subject_label,
                    threshold,
                    days,
                    raised_at,
                    decision,
                    reasons,
                    decided_at,
                    decided_by,
                    decided_by_name
                }
            ))
        })?;
    }
    c.prepare_cached("COMMIT")?.execute([])?;
    let marks = mark.map(|(cache, marks, n)| {
        crate::audit::lock(cache).hold(id, marks.page_mark, n, &page);
        marks
    });
    Ok(Some((beside, page, marks)))
}

/// What the policy weighs about a person, as SQLite's asking thread found
/// it beside their page: the flags for one reader; or the facts for every
/// reader, held with the page, or read with it (with the marks it was read
/// at, when the page's parts were held or read to hold).
enum LiteFacts {
    Flags(crate::access::Flags),
    Held(crate::access::PersonAccess),
    Read(crate::access::AccessRow, Option<Marks>),
}

impl LiteFacts {
    /// The facts for `user` at `now`; what was read for every reader is
    /// held with the page of person `id` (`n` latest entries) when read
    /// at known marks.
    fn facts(
        self,
        held: (&std::sync::Mutex<PageCache>, &str, i64),
        page: &PageParts,
        user: &str,
        now: i64,
    ) -> Result<crate::access::CaseFactsRow> {
        let (cache, id, n) = held;
        let access = match self {
            LiteFacts::Flags(flags) => return Ok(flags.into_facts()?.facts),
            LiteFacts::Held(access) => access,
            LiteFacts::Read(row, marks) => {
                let access = row.into_access()?;
                if let Some(marks) = marks {
                    crate::audit::lock(cache).hold_whole(id, marks, n, &access, page);
                }
                access
            }
        };
        Ok(access.facts_for(user, now))
    }
}

/// SQLite, on the asking thread: the whole page of person `id` with `n`
/// latest entries and what the policy weighs about them, from `cache`
/// when it holds them at the marks read now, in one read transaction
/// with the session whose id hashes to `session` (if asked for). `None`
/// when nothing is held at those marks, or there is no such session: the
/// caller reads the page (decision 0029).
#[allow(clippy::type_complexity)]
fn held_lite(
    c: &rusqlite::Connection,
    id: &str,
    n: i64,
    cache: &std::sync::Mutex<PageCache>,
    session: Option<&str>,
) -> rusqlite::Result<
    Option<(
        Option<crate::accounts::SessionUser>,
        crate::access::PersonAccess,
        PageParts,
    )>,
> {
    use rusqlite::OptionalExtension;
    if !crate::audit::lock(cache).holds_whole(id, n) {
        return Ok(None);
    }
    c.prepare_cached("BEGIN")?.execute([])?;
    let su = match session {
        Some(hash) => {
            let su = c
                .prepare_cached(&crate::accounts::SESSION_USER_SQL)?
                .query_row(
                    rusqlite::named_params! {"$1": hash},
                    crate::accounts::SessionUser::from_lite,
                )
                .optional()?;
            if su.is_none() {
                c.prepare_cached("COMMIT")?.execute([])?;
                return Ok(None);
            }
            su
        }
        None => None,
    };
    let marks = c
        .prepare_cached(&LITE_SQL.mark)?
        .query_row(rusqlite::named_params! {"$1": id}, Marks::from_lite)?;
    c.prepare_cached("COMMIT")?.execute([])?;
    let held = crate::audit::lock(cache).fill_whole(id, marks, n);
    Ok(held.map(|(access, page)| (su, access, page)))
}

/// [`Store::person_page_for`]'s statements, with the reader's access flags
/// (user `$3`, time `$4`).
#[derive(Debug)]
pub(crate) struct PageForSql {
    /// SQLite's asking thread: [`page_lite`]'s record statement with the
    /// flags after the record's columns.
    lite_record: String,
    /// SQLite's asking thread: [`page_lite`]'s record statement with what
    /// the policy weighs about the person for any reader (time `$3`), to
    /// hold with the page (see [`PageCache`]).
    lite_record_access: String,
    /// A pool: the page's one statement with the flags.
    pool: String,
    /// A pool: the record alone with the flags (user `$2`, time `$3`).
    pool_record: String,
    /// PostgreSQL: the whole page (`$2` latest entries) with what the
    /// policy weighs about the person for any reader (time `$3`) and the
    /// marks it is read at, to hold (see [`PageCache`]).
    pool_whole: String,
    /// PostgreSQL: [`LiteSql::mark`]'s marks with the session whose hash
    /// is `$2` and its user, as [`crate::accounts::SESSION_USER_SU`] names
    /// them.
    pool_session_marks: String,
}

/// The page and the reader's facts from what one read returned.
fn reader(facts: crate::access::CaseFactsRow, page: PageParts) -> Result<PageForReader> {
    Ok(PageForReader {
        facts,
        page: Some(page.into_page()?),
    })
}

/// How many columns [`PERSON_COLUMNS`] names.
static PERSON_COLUMN_COUNT: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| PERSON_COLUMNS.split(',').count());

/// The rows `sql` reads with `params`, each made by `map`.
fn rows<T>(
    c: &rusqlite::Connection,
    sql: &str,
    params: &[(&str, &dyn rusqlite::ToSql)],
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    c.prepare_cached(sql)?.query_map(params, map)?.collect()
}

impl PersonRow {
    /// The record as read on the asking thread (see [`page_lite`]).
    fn from_lite(r: &rusqlite::Row<'_>) -> rusqlite::Result<PersonRow> {
        Ok(crate::from_columns!(
            r,
            PersonRow {
                id,
                version,
                given_name,
                family_name,
                date_of_birth,
                nhs_number,
                address_line_1,
                address_line_2,
                town,
                postcode,
                gender,
                gender_description,
                ethnicity,
                primary_support_reason,
                learning_disability,
                autism,
                asperger,
                preferred_language,
                interpreter_needed,
                communication_needs,
                communication_notes,
                what_matters_to_me
            }
        ))
    }
}

/// An other name (no relationship) or a key person, read together.
#[derive(Clone, serde::Deserialize)]
struct PartRow {
    name: String,
    relationship: Option<String>,
    contact: Option<String>,
    appropriate_person: Option<String>,
    notes: Option<String>,
}

#[derive(FromRow)]
struct KeyPersonRow {
    name: String,
    relationship: String,
    contact: Option<String>,
    appropriate_person: String,
    notes: Option<String>,
}

/// A person's name only (for what is shown outside a record's need-to-know).
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct PersonNameRow {
    pub given_name: String,
    pub family_name: String,
}

impl PersonNameRow {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn parse_date(s: &Option<String>) -> Result<Option<Date>> {
    s.as_deref()
        .map(|d| safeguard_domain::person::parse_iso_date(d).ok_or_else(|| corrupt("date")))
        .transpose()
}

fn parse_id(s: &str) -> Result<PersonId> {
    s.parse().map_err(|_| corrupt("person id"))
}

const PERSON_COLUMNS: &str = "id, version, given_name, family_name, date_of_birth, nhs_number, address_line_1, \
    address_line_2, town, postcode, gender, gender_description, ethnicity, primary_support_reason, \
    learning_disability, autism, asperger, preferred_language, interpreter_needed, communication_needs, \
    communication_notes, what_matters_to_me";

impl PersonRow {
    fn into_person(
        self,
        other_names: Vec<String>,
        key_people: Vec<KeyPersonRow>,
    ) -> Result<Person> {
        let key_people = key_people
            .into_iter()
            .map(|k| {
                Ok(KeyPerson {
                    name: k.name,
                    relationship: Relationship::parse(&k.relationship)
                        .ok_or_else(|| corrupt("relationship"))?,
                    contact: k.contact,
                    appropriate_person: AppropriatePerson::parse(&k.appropriate_person)
                        .ok_or_else(|| corrupt("appropriate person"))?,
                    notes: k.notes,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let communication_needs = self
            .communication_needs
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| CommunicationNeed::parse(s).ok_or_else(|| corrupt("communication need")))
            .collect::<Result<Vec<_>>>()?;
        Ok(Person {
            id: parse_id(&self.id)?,
            version: self.version,
            details: PersonDetails {
                given_name: self.given_name,
                family_name: self.family_name,
                other_names,
                date_of_birth: parse_date(&self.date_of_birth)?,
                nhs_number: self
                    .nhs_number
                    .as_deref()
                    .map(|n| NhsNumber::parse(n).map_err(|_| corrupt("NHS number")))
                    .transpose()?,
                address_line_1: self.address_line_1,
                address_line_2: self.address_line_2,
                town: self.town,
                postcode: self
                    .postcode
                    .as_deref()
                    .map(|p| Postcode::parse(p).ok_or_else(|| corrupt("postcode")))
                    .transpose()?,
                gender: Gender::parse(&self.gender).ok_or_else(|| corrupt("gender"))?,
                gender_description: self.gender_description,
                ethnicity: Ethnicity::parse(&self.ethnicity).ok_or_else(|| corrupt("ethnicity"))?,
                primary_support_reason: PrimarySupportReason::parse(&self.primary_support_reason)
                    .ok_or_else(|| corrupt("primary support reason"))?,
                learning_disability: self.learning_disability,
                autism: self.autism,
                asperger: self.asperger,
                preferred_language: self.preferred_language,
                interpreter_needed: self.interpreter_needed,
                communication_needs,
                communication_notes: self.communication_notes,
                what_matters_to_me: self.what_matters_to_me,
                key_people,
            },
        })
    }
}

impl Store {
    /// The names of the people with these ids (those that exist), as (id, "Given Family").
    pub async fn person_names(&self, ids: &[String]) -> Result<Vec<(String, String)>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks = crate::marks(1, chunk.len());
            let sql = format!(
                "SELECT id, given_name || ' ' || family_name FROM people WHERE id IN ({})",
                marks
            );
            let rows: Vec<(String, String)> = on_db!(self, |p| {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// The id of the (unmerged) person with exactly this name, if one (the
    /// demo data finds its people so).
    pub async fn person_id_named(&self, given: &str, family: &str) -> Result<Option<String>> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT id FROM people WHERE given_name = $1 AND family_name = $2 \
             AND merged_into IS NULL ORDER BY id LIMIT 1"
        )
        .bind(given)
        .bind(family)
        .fetch_optional(p)
        .await)?)
    }

    /// A person's name, if the record exists.
    pub async fn person_name(&self, id: &str) -> Result<Option<PersonNameRow>> {
        Ok(on_db!(self, |p| sqlx::query_as(
            "SELECT given_name, family_name FROM people WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?)
    }

    /// A person's record, if it exists and `scope` allows it.
    pub async fn find_person(&self, scope: PersonScope, id: PersonId) -> Result<Option<Person>> {
        Ok(self
            .person_page(scope, id, None)
            .await?
            .map(|page| page.person))
    }

    /// A person's record with what their page shows beside it: the records
    /// merged into it, the newest `recent` chronology entries and how many
    /// there are, their enquiries and the pattern alerts about them. With
    /// `recent` `None`, the record alone (the other parts left empty), as
    /// [`Store::find_person`] reads it.
    ///
    /// Through a pool, one statement (each part a JSON array beside the
    /// record), so the busiest page makes one trip to the database for all
    /// of it, not one per part. On SQLite's asking thread, where a statement
    /// costs no trip, each part is read as rows in one read transaction
    /// (see `page_lite`): the same snapshot, without building and parsing
    /// the JSON.
    pub async fn person_page(
        &self,
        scope: PersonScope,
        id: PersonId,
        recent: Option<i64>,
    ) -> Result<Option<PersonPage>> {
        if scope == PersonScope::Nothing {
            return Ok(None);
        }
        let id = id.to_string();
        let record = |c: &rusqlite::Connection| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(&LITE_SQL.person)?
                .query_row(rusqlite::named_params! {"$1": id}, |r| {
                    Ok((PersonRow::from_lite(r)?, ()))
                })
                .optional()
        };
        let read = match self.inline(|c| page_lite(c, &id, recent, None, record)) {
            Some(read) => read?.map(|((), page, _)| page),
            None => {
                let sql = self.page_sql(recent.is_some(), None);
                let row: Option<PageRow> = crate::on_warm!(self, |c| {
                    let q = sqlx::query_as(&sql).bind(&id);
                    match recent {
                        Some(n) => q.bind(n),
                        None => q,
                    }
                    .fetch_optional(c)
                    .await
                })?;
                row.map(PageRow::into_parts).transpose()?
            }
        };
        read.map(PageParts::into_page).transpose()
    }

    /// A person's page ([`Store::person_page`] with `recent` entries; with
    /// `None`, the record alone) together with what the policy weighs for
    /// `user_id` at `now` (ms), as [`Store::case_facts`] reads it: one
    /// statement, so the decision and what it guards are of the same
    /// moment, and opening a record makes one trip to the database for
    /// both, not two. The caller weighs the facts before anything of the
    /// page is shown, and drops it if refused. No page when `scope` reaches
    /// nothing (the facts are still read).
    pub async fn person_page_for(
        &self,
        scope: PersonScope,
        id: PersonId,
        user_id: &str,
        now: i64,
        recent: Option<i64>,
    ) -> Result<PageForReader> {
        let id = id.to_string();
        if scope == PersonScope::Nothing {
            return Ok(PageForReader {
                facts: self.case_facts(&id, user_id, now).await?,
                page: None,
            });
        }
        let sql = self.page_for_sql();
        let record = |c: &rusqlite::Connection| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(&sql.lite_record)?
                .query_row(
                    rusqlite::named_params! {"$1": id, "$3": user_id, "$4": now},
                    |r| {
                        let flags = crate::access::Flags::from_lite(r, *PERSON_COLUMN_COUNT)?;
                        Ok((PersonRow::from_lite(r)?, flags))
                    },
                )
                .optional()
        };
        let record_access = |c: &rusqlite::Connection| {
            use rusqlite::OptionalExtension;
            c.prepare_cached(&sql.lite_record_access)?
                .query_row(rusqlite::named_params! {"$1": id, "$3": now}, |r| {
                    let access = crate::access::AccessRow::from_lite(r, *PERSON_COLUMN_COUNT)?;
                    Ok((PersonRow::from_lite(r)?, access))
                })
                .optional()
        };
        let cache = &self.shared.page_cache;
        // With the latest entries, the page as the person page shows it:
        // held whole while its marks stand (decision 0029); without, the
        // record alone with the reader's flags.
        let inline = self.inline(|c| match recent {
            Some(n) => {
                if let Some((_, access, page)) = held_lite(c, &id, n, cache, None)? {
                    return Ok(Some((LiteFacts::Held(access), page)));
                }
                let read = page_lite(c, &id, recent, Some(cache), record_access)?;
                Ok(read.map(|(row, page, marks)| (LiteFacts::Read(row, marks), page)))
            }
            None => {
                let read = page_lite(c, &id, None, None, record)?;
                Ok(read.map(|(flags, page, _)| (LiteFacts::Flags(flags), page)))
            }
        });
        let read = match (inline, recent, &self.db) {
            (Some(read), ..) => match read? {
                Some((facts, page)) => {
                    let held = (cache, id.as_str(), recent.unwrap_or_default());
                    Some((facts.facts(held, &page, user_id, now)?, page))
                }
                None => None,
            },
            (None, Some(n), crate::Db::Postgres(_)) => {
                self.page_marked(sql, &id, n, user_id, now).await?
            }
            (None, ..) => {
                let row: Option<FlaggedPageRow> = crate::on_warm!(self, |c| {
                    match recent {
                        Some(n) => sqlx::query_as(&sql.pool).bind(&id).bind(n),
                        None => sqlx::query_as(&sql.pool_record).bind(&id),
                    }
                    .bind(user_id)
                    .bind(now)
                    .fetch_optional(c)
                    .await
                })?;
                row.map(|r| {
                    Ok::<_, StoreError>((r.flags.into_facts()?.facts, r.page.into_parts()?))
                })
                .transpose()?
            }
        };
        let Some((facts, page)) = read else {
            return Ok(PageForReader {
                facts: crate::access::CaseFactsRow {
                    missing: true,
                    ..Default::default()
                },
                page: None,
            });
        };
        reader(facts, page)
    }

    /// [`Store::person_page_for`]'s statements, built at first use.
    fn page_for_sql(&self) -> &PageForSql {
        self.shared.page_for_sql.get_or_init(|| PageForSql {
            lite_record: format!(
                "SELECT {PERSON_COLUMNS}, {} FROM people p WHERE p.id = $1",
                self.flags_sql("$3", "$4")
            ),
            lite_record_access: format!(
                "SELECT {PERSON_COLUMNS}, {} FROM people p WHERE p.id = $1",
                self.access_sql("$3")
            ),
            pool: self.page_sql(true, Some(("$3", "$4"))),
            pool_record: self.page_sql(false, Some(("$2", "$3"))),
            pool_whole: match self.db {
                crate::Db::Postgres(_) => {
                    self.page_sql_with(true, Some(&self.access_sql("$3")), true)
                }
                crate::Db::Sqlite(_) => String::new(),
            },
            pool_session_marks: format!(
                "SELECT su.*, {MARKS} FROM ({}) su",
                *crate::accounts::SESSION_USER_SU
            ),
        })
    }

    /// The session whose id hashes to `session_hash`, with its user, and
    /// that user's page of person `id` with its `recent` latest entries, as
    /// [`Store::person_page_for`] reads it for them (scope
    /// [`PersonScope::All`]) and read with it: the session, the record and
    /// the reader's access flags of one moment, in one statement where the
    /// server holds the page's other parts. An opening page then makes one
    /// trip to the database for who is asking and what they open, not one
    /// for each.
    ///
    /// The caller checks the session, and then weighs the facts for its
    /// user, before anything read is used, and drops both if refused.
    /// `None` when there is no such session or no such record (or SQLite
    /// was busy): the caller then reads the session, and the page, as it
    /// does on every other path.
    pub async fn session_person_page(
        &self,
        session_hash: &str,
        id: PersonId,
        now: i64,
        recent: i64,
    ) -> Result<Option<(crate::accounts::SessionUser, PageForReader)>> {
        let id = id.to_string();
        let sql = self.page_for_sql();
        let pool =
            match &self.db {
                crate::Db::Postgres(pool) => pool,
                crate::Db::Sqlite(_) => {
                    // The session read first in the page's read transaction,
                    // then the record with what the policy weighs about the
                    // person; or, while the whole page is held, the marks.
                    let record = |c: &rusqlite::Connection| {
                        use rusqlite::OptionalExtension;
                        let Some(su) = c
                            .prepare_cached(&crate::accounts::SESSION_USER_SQL)?
                            .query_row(
                                rusqlite::named_params! {"$1": session_hash},
                                crate::accounts::SessionUser::from_lite,
                            )
                            .optional()?
                        else {
                            return Ok(None);
                        };
                        let found = c
                            .prepare_cached(&sql.lite_record_access)?
                            .query_row(rusqlite::named_params! {"$1": id, "$3": now}, |r| {
                                let access =
                                    crate::access::AccessRow::from_lite(r, *PERSON_COLUMN_COUNT)?;
                                Ok((PersonRow::from_lite(r)?, access))
                            })
                            .optional()?;
                        Ok(found.map(|(person, access)| (person, (su, access))))
                    };
                    let cache = &self.shared.page_cache;
                    let Some(read) = self.inline(|c| {
                        if let Some((Some(su), access, page)) =
                            held_lite(c, &id, recent, cache, Some(session_hash))?
                        {
                            return Ok(Some((su, LiteFacts::Held(access), page)));
                        }
                        let read = page_lite(c, &id, Some(recent), Some(cache), record)?;
                        Ok(read.map(|((su, row), page, marks)| {
                            (su, LiteFacts::Read(row, marks), page)
                        }))
                    }) else {
                        return Ok(None);
                    };
                    let Some((su, facts, page)) = read? else {
                        return Ok(None);
                    };
                    let facts = facts.facts((cache, &id, recent), &page, &su.user.id, now)?;
                    return Ok(Some((su, reader(facts, page)?)));
                }
            };
        let mut conn = self.warm().take(pool).await?;
        let row = sqlx::query(&sql.pool_session_marks)
            .bind(&id)
            .bind(session_hash)
            .fetch_optional(&mut *conn)
            .await?;
        self.warm().keep(conn);
        let Some(row) = row else {
            return Ok(None);
        };
        let su = crate::accounts::SessionUser::from_su(&row)?;
        let marks = Marks::from_row(&row)?;
        let held = crate::audit::lock(&self.shared.page_cache).fill_whole(&id, marks, recent);
        let read = match held {
            Some(read) => Some(read),
            None => self.read_whole(sql, &id, recent, now).await?,
        };
        let Some((access, page)) = read else {
            return Ok(None);
        };
        let facts = access.facts_for(&su.user.id, now);
        Ok(Some((su, reader(facts, page)?)))
    }

    /// PostgreSQL: [`Store::person_page_for`]'s page with `n` latest
    /// entries, and the reader's facts, from the server's [`PageCache`]
    /// when the person's page mark and the directory's have not moved
    /// since the page was read whole, else read whole (and then held).
    /// While a page is held, an opening reads only the two marks: one
    /// small statement, not the page's (decision 0029).
    async fn page_marked(
        &self,
        sql: &PageForSql,
        id: &str,
        n: i64,
        user_id: &str,
        now: i64,
    ) -> Result<Option<(crate::access::CaseFactsRow, PageParts)>> {
        let mut read = None;
        if crate::audit::lock(&self.shared.page_cache).holds_whole(id, n) {
            let marks: Marks = crate::on_warm!(self, |c| sqlx::query_as(&LITE_SQL.mark)
                .bind(id)
                .fetch_one(c)
                .await)?;
            read = crate::audit::lock(&self.shared.page_cache).fill_whole(id, marks, n);
        }
        if read.is_none() {
            read = self.read_whole(sql, id, n, now).await?;
        }
        Ok(read.map(|(access, page)| (access.facts_for(user_id, now), page)))
    }

    /// PostgreSQL: the whole page of person `id` with `n` latest entries,
    /// and what the policy weighs about the person for any reader at `now`,
    /// by [`PageForSql::pool_whole`]; both are then held at the marks read
    /// with them.
    async fn read_whole(
        &self,
        sql: &PageForSql,
        id: &str,
        n: i64,
        now: i64,
    ) -> Result<Option<(crate::access::PersonAccess, PageParts)>> {
        let row: Option<WholePageRow> = crate::on_warm!(self, |c| sqlx::query_as(&sql.pool_whole)
            .bind(id)
            .bind(n)
            .bind(now)
            .fetch_optional(c)
            .await)?;
        let Some(WholePageRow {
            access,
            page,
            marks,
        }) = row
        else {
            return Ok(None);
        };
        let access = access.into_access()?;
        let parts = page.into_parts()?;
        crate::audit::lock(&self.shared.page_cache).hold_whole(id, marks, n, &access, &parts);
        Ok(Some((access, parts)))
    }

    /// [`Store::person_page`]'s one statement for a pool: the record with
    /// its parts as JSON arrays (with `more`, all the page's parts; else the
    /// other names and key people only), and with `flags`, the policy's
    /// flags for the user and time those placeholders name (see
    /// [`Store::person_page_for`]).
    fn page_sql(&self, more: bool, flags: Option<(&str, &str)>) -> String {
        let flags = flags.map(|(user, now)| self.flags_sql(user, now));
        self.page_sql_with(more, flags.as_deref(), false)
    }

    /// [`Store::page_sql`] with `beside` (columns of `p`) after the
    /// record's columns, and with `marked`, the person's page mark and the
    /// directory's ([`MARKS`]; PostgreSQL only, see [`PageCache`]).
    fn page_sql_with(&self, more: bool, beside: Option<&str>, marked: bool) -> String {
        let parts = self.json_rows(PART_COLUMNS, &[], PARTS_FROM, PARTS_ORDER);
        let more = if more {
            format!(
                ", {} AS merges, {} AS recent, \
                 {} AS chronology_total, {} AS enquiries, {} AS alerts",
                self.json_rows(crate::merges::COLUMNS, &[], MERGES_FROM, MERGES_ORDER),
                self.json_columns(
                    crate::concerns::RECENT_COLUMNS,
                    crate::concerns::LATEST_FROM,
                    crate::concerns::LATEST_ORDER
                ),
                crate::concerns::CHRONOLOGY_TOTAL,
                self.json_rows(
                    crate::enquiries::ENQUIRY_COLUMNS,
                    &[],
                    ENQUIRIES_FROM,
                    ENQUIRIES_ORDER
                ),
                self.json_rows(
                    crate::patterns::ALERT_COLUMNS,
                    &[],
                    ALERTS_FROM,
                    ALERTS_ORDER
                ),
            )
        } else {
            String::new()
        };
        let beside = beside.map(|b| format!(", {b}")).unwrap_or_default();
        let marks = if marked {
            format!(", {MARKS}")
        } else {
            String::new()
        };
        format!(
            "SELECT {PERSON_COLUMNS}{beside}, {parts} AS parts{more}{marks} \
             FROM people p WHERE p.id = $1"
        )
    }

    /// How many person records exist.
    pub async fn count_people(&self) -> Result<i64> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM people"
        )
        .fetch_one(p)
        .await)?)
    }
}

/// Values bound for both insert and update, in `PERSON_COLUMNS` order after `version`.
macro_rules! bind_details {
    ($q:expr, $d:expr) => {{
        let d: &PersonDetails = $d;
        $q.bind(d.given_name.clone())
            .bind(d.family_name.clone())
            .bind(d.search_text())
            .bind(d.date_of_birth.map(iso_date))
            .bind(d.nhs_number.as_ref().map(|n| n.as_str().to_string()))
            .bind(d.address_line_1.clone())
            .bind(d.address_line_2.clone())
            .bind(d.town.clone())
            .bind(d.postcode.as_ref().map(|p| p.as_str().to_string()))
            .bind(d.gender.code())
            .bind(d.gender_description.clone())
            .bind(d.ethnicity.code())
            .bind(d.primary_support_reason.code())
            .bind(d.learning_disability)
            .bind(d.autism)
            .bind(d.asperger)
            .bind(d.preferred_language.clone())
            .bind(d.interpreter_needed)
            .bind(
                d.communication_needs
                    .iter()
                    .map(|c| c.code())
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .bind(d.communication_notes.clone())
            .bind(d.what_matters_to_me.clone())
    }};
}

impl Tx {
    /// Stores a new person record (version 1).
    pub async fn insert_person(
        &mut self,
        id: PersonId,
        d: &PersonDetails,
        by: &str,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO people (id, version, given_name, family_name, search_text, date_of_birth, nhs_number, \
            address_line_1, address_line_2, town, postcode, gender, gender_description, ethnicity, \
            primary_support_reason, learning_disability, autism, asperger, preferred_language, interpreter_needed, \
            communication_needs, communication_notes, what_matters_to_me, created_at, created_by, updated_at) \
            VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $23)";
        let idt = id.to_string();
        on_tx!(self, |c| bind_details!(sqlx::query(sql).bind(&idt), d)
            .bind(now)
            .bind(by)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        self.replace_person_children(&idt, d).await
    }

    /// Replaces a person's details if the stored version is still
    /// `expected_version`. Returns the new version, or `None` when someone
    /// else changed the record first (or it does not exist).
    pub async fn update_person(
        &mut self,
        id: PersonId,
        expected_version: i64,
        d: &PersonDetails,
        now: i64,
    ) -> Result<Option<i64>> {
        let sql = "UPDATE people SET given_name = $3, family_name = $4, search_text = $5, date_of_birth = $6, \
            nhs_number = $7, address_line_1 = $8, address_line_2 = $9, town = $10, postcode = $11, gender = $12, \
            gender_description = $13, ethnicity = $14, primary_support_reason = $15, learning_disability = $16, \
            autism = $17, asperger = $18, preferred_language = $19, interpreter_needed = $20, \
            communication_needs = $21, communication_notes = $22, what_matters_to_me = $23, updated_at = $24, \
            version = version + 1 WHERE id = $1 AND version = $2";
        let idt = id.to_string();
        let n = on_tx!(self, |c| bind_details!(
            sqlx::query(sql).bind(&idt).bind(expected_version),
            d
        )
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        if n == 0 {
            return Ok(None);
        }
        self.replace_person_children(&idt, d).await?;
        Ok(Some(expected_version + 1))
    }

    async fn replace_person_children(&mut self, id: &str, d: &PersonDetails) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM person_other_names WHERE person_id = $1"
        )
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM person_key_people WHERE person_id = $1"
        )
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        for (i, name) in d.other_names.iter().enumerate() {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO person_other_names (person_id, position, name) VALUES ($1, $2, $3)"
            )
            .bind(id)
            .bind(i as i32)
            .bind(name)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
        for (i, k) in d.key_people.iter().enumerate() {
            on_tx!(self, |c| {
                sqlx::query(
                "INSERT INTO person_key_people (person_id, position, name, relationship, contact, appropriate_person, notes) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            )
            .bind(id)
            .bind(i as i32)
            .bind(&k.name)
            .bind(k.relationship.code())
            .bind(&k.contact)
            .bind(k.appropriate_person.code())
            .bind(&k.notes)
            .execute(&mut *c)
            .await
            .map(|_| ())
            })?;
        }
        self.replace_search_keys(id, &d.given_name, &d.family_name, &d.other_names)
            .await
    }
}

impl Tx {
    /// Whether a person record with this id exists (read in this transaction).
    pub async fn person_exists(&mut self, id: PersonId) -> Result<bool> {
        let n: i64 = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM people WHERE id = $1"
        )
        .bind(id.to_string())
        .fetch_one(&mut *c)
        .await)?;
        Ok(n > 0)
    }
}
