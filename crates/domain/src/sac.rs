//! The Safeguarding Adults Collection (SAC) return: its tables, their exact
//! labels, and the counting rules of the SAC guidance (DOMAIN.md §1.3–1.4),
//! as pure functions over facts read from the records.
//!
//! The rules, in one place:
//! - SG1 counts concerns raised and enquiries **started** in the year;
//!   SG2–SG4 count Section 42 enquiries **concluded** (signed off) in the year.
//! - Individuals are adults at risk. In SG1a–SG1c a person is counted once
//!   per column however many concerns or enquiries they had; in SG1d and
//!   SG1e once per distinct category they had across those cases (a primary
//!   support reason is taken as it was when each case began).
//! - Age is the age on 31 March at the end of the year.
//! - SG2a, SG2b and SG2a×b count one for each *different* category that
//!   applies to an enquiry (two sources of the same type count once).
//! - A large-scale enquiry is one enquiry per adult at risk, so each adult
//!   is counted individually.
//! - SG4a part 2 is one answer per enquiry: "Fully Achieved" when every
//!   outcome the person expressed was fully achieved, "Not Achieved" when
//!   none was achieved at all, otherwise "Partially Achieved".
//!
//! Facts may carry a weight (how many identical cases they stand for), so
//! the store can group identical rows before they reach this module.

use std::collections::{HashMap, HashSet};

use time::{Date, Month};

use crate::codes::{Ethnicity, Gender, LocationType, PrimarySupportReason, RiskType};
use crate::enquiry::{Achievement, ActionResult, Asked, Capacity, RiskOutcome, SourceType};

/// A financial year, 1 April to 31 March, written `2025-26`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Year(i32);

impl Year {
    /// Parses `2025-26` (the second part must be the next year).
    pub fn parse(s: &str) -> Option<Year> {
        let (a, b) = s.trim().split_once('-')?;
        let start: i32 = a.parse().ok()?;
        let end: i32 = b.parse().ok()?;
        (a.len() == 4 && b.len() == 2 && (1900..3000).contains(&start) && (start + 1) % 100 == end)
            .then_some(Year(start))
    }

    /// The year starting on 1 April of `start_year`.
    pub fn starting(start_year: i32) -> Year {
        Year(start_year)
    }

    /// The year before.
    pub fn previous(self) -> Year {
        Year(self.0 - 1)
    }

    /// The year that contains `d`.
    pub fn containing(d: Date) -> Year {
        if d.month() >= Month::April {
            Year(d.year())
        } else {
            Year(d.year() - 1)
        }
    }

    /// The calendar year it starts in.
    pub fn start_year(self) -> i32 {
        self.0
    }

    /// 1 April.
    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.0, Month::April, 1).unwrap_or(Date::MIN)
    }

    /// 31 March.
    pub fn last_day(self) -> Date {
        Date::from_calendar_date(self.0 + 1, Month::March, 31).unwrap_or(Date::MAX)
    }

    /// Whether `d` is in the year.
    pub fn contains(self, d: Date) -> bool {
        d >= self.first_day() && d <= self.last_day()
    }
}

impl std::fmt::Display for Year {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:02}", self.0, (self.0 + 1) % 100)
    }
}

/// SG1a age bands, with the column for an age not recorded.
pub const AGE_BANDS: [&str; 6] = [
    "18-64",
    "65-74",
    "75-84",
    "85-94",
    "95+",
    "Age not recorded",
];

/// The SG1a band of someone born on `dob`, on 31 March of `year`: "Age not
/// recorded" when the date is missing; `None` when it gives an age under 18
/// (the collection is of adults: a data-quality fault, listed with the
/// person by the `under_18` check, counted in no SG1a column).
pub fn age_band(dob: Option<Date>, year: Year) -> Option<usize> {
    let Some(dob) = dob else { return Some(5) };
    let end = year.last_day();
    let mut age = end.year() - dob.year();
    if (end.month() as u8, end.day()) < (dob.month() as u8, dob.day()) {
        age -= 1;
    }
    Some(match age {
        ..18 => return None,
        18..=64 => 0,
        65..=74 => 1,
        75..=84 => 2,
        85..=94 => 3,
        _ => 4,
    })
}

/// SG1e rows (the two seen in the national publication's code).
pub const SG1E_ROWS: [&str; 2] = [
    "Learning, Developmental or Intellectual Disability (Autism excluding Asperger's Syndrome/ High Functioning Autism)",
    "Learning, Developmental or Intellectual Disability (Asperger's Syndrome/ High Functioning Autism)",
];

/// The three SG1 columns.
pub const SG1_COLUMNS: [&str; 3] = [
    "Individuals involved in Safeguarding Concerns",
    "Individuals involved in Section 42 Safeguarding Enquiries",
    "Individuals involved in Other Safeguarding Enquiries",
];

/// What the return needs to know about a person (an adult at risk).
#[derive(Clone, Debug, Default)]
pub struct PersonFacts {
    /// Date of birth.
    pub date_of_birth: Option<Date>,
    /// Gender (SG1b via [`Gender::sac_sg1b`]).
    pub gender: Option<Gender>,
    /// Ethnicity (SG1c via [`Ethnicity::sac_sg1c`]).
    pub ethnicity: Option<Ethnicity>,
    /// Autism (excluding Asperger's).
    pub autism: bool,
    /// Asperger's syndrome / high-functioning autism.
    pub asperger: bool,
}

/// Which SG1 column a case counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseKind {
    /// A concern raised in the year.
    Concern,
    /// A Section 42 enquiry started in the year.
    Section42,
    /// An other enquiry started in the year.
    Other,
}

impl CaseKind {
    fn column(self) -> usize {
        match self {
            CaseKind::Concern => 0,
            CaseKind::Section42 => 1,
            CaseKind::Other => 2,
        }
    }
}

/// One SG1 case: a concern about one adult, or an enquiry, begun in the year.
#[derive(Clone, Debug)]
pub struct Case {
    /// The concern's or enquiry's id (for drill-down).
    pub id: String,
    /// Concern, Section 42 or other enquiry.
    pub kind: CaseKind,
    /// The person's record; `None` for an adult not yet linked to a record
    /// (counted as an individual of whom nothing is known).
    pub person_id: Option<String>,
    /// The primary support reason as it was when the case began.
    pub support_reason: Option<PrimarySupportReason>,
}

/// One concluded enquiry's SAC answers (or `weight` identical ones).
#[derive(Clone, Debug)]
pub struct Concluded {
    /// The enquiry's id, when it stands for one enquiry (drill-down).
    pub id: Option<String>,
    /// How many enquiries it stands for.
    pub weight: u64,
    /// Types of risk.
    pub risk_types: Vec<RiskType>,
    /// Locations of risk.
    pub locations: Vec<LocationType>,
    /// Source types (duplicates count once).
    pub sources: Vec<SourceType>,
    /// SG2c.
    pub action_result: Option<ActionResult>,
    /// SG2e.
    pub risk_outcome: Option<RiskOutcome>,
    /// SG3a.
    pub capacity: Option<Capacity>,
    /// Supported by an advocate, family or friend.
    pub capacity_support: bool,
    /// SG4a part 1.
    pub asked: Option<Asked>,
    /// SG4a part 2 for the enquiry (see [`enquiry_achievement`]).
    pub achievement: Option<Achievement>,
}

/// SG4a part 2 for one enquiry from its outcomes' achievements.
pub fn enquiry_achievement(outcomes: &[Achievement]) -> Option<Achievement> {
    if outcomes.is_empty() {
        None
    } else if outcomes.iter().all(|a| *a == Achievement::Fully) {
        Some(Achievement::Fully)
    } else if outcomes.iter().all(|a| *a == Achievement::Not) {
        Some(Achievement::Not)
    } else {
        Some(Achievement::Partially)
    }
}

/// A Safeguarding Adults Review (Care Act s44) completed in the year.
#[derive(Clone, Debug)]
pub struct Review {
    /// Its id.
    pub id: String,
    /// For each individual in it: whether they died.
    pub died: Vec<bool>,
}

/// Everything the return is made from, for one year.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// SG1 cases.
    pub cases: Vec<Case>,
    /// The people of those cases.
    pub people: HashMap<String, PersonFacts>,
    /// Section 42 enquiries concluded in the year.
    pub concluded: Vec<Concluded>,
    /// SARs completed in the year.
    pub reviews: Vec<Review>,
}

/// One table of the return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// `SG1a`, `SG2c`…
    pub id: &'static str,
    /// What it counts.
    pub title: &'static str,
    /// The row header's label (for the CSV's first column).
    pub row_header: &'static str,
    /// Column labels.
    pub columns: Vec<&'static str>,
    /// Row labels.
    pub rows: Vec<&'static str>,
    /// `counts[row][column]`.
    pub counts: Vec<Vec<u64>>,
}

impl Table {
    fn new(
        id: &'static str,
        title: &'static str,
        row_header: &'static str,
        rows: Vec<&'static str>,
        columns: Vec<&'static str>,
    ) -> Table {
        let counts = vec![vec![0; columns.len()]; rows.len()];
        Table {
            id,
            title,
            row_header,
            columns,
            rows,
            counts,
        }
    }

    /// The count in the cell labelled `row` and `column`.
    pub fn get(&self, row: &str, column: &str) -> Option<u64> {
        let r = self.rows.iter().position(|l| *l == row)?;
        let c = self.columns.iter().position(|l| *l == column)?;
        Some(self.counts[r][c])
    }
}

/// A cell of the return: its position and its labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Index in [`SacReturn::tables`].
    pub table: usize,
    /// Row.
    pub row: usize,
    /// Column.
    pub column: usize,
    /// The table's id, like `SG2c`.
    pub table_id: &'static str,
    /// The row's label.
    pub row_label: &'static str,
    /// The column's label.
    pub column_label: &'static str,
}

/// What is behind one cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behind {
    /// The figure in the cell.
    pub count: u64,
    /// The ids of the records counted (concerns or enquiries for SG1–SG4,
    /// reviews for SG5), each once, in the order met.
    pub ids: Vec<String>,
}

/// The whole return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SacReturn {
    /// The year.
    pub year: Year,
    /// Every table, in SAC order.
    pub tables: Vec<Table>,
}

impl SacReturn {
    /// The table with this id.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }
}

fn labels<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| label(*v)).collect()
}

const SG1B: [&str; 3] = ["Male", "Female", "Not Known"];
const SG1C: [&str; 7] = [
    "White",
    "Mixed / Multiple",
    "Asian / Asian British",
    "Black / African / Caribbean / Black British",
    "Other Ethnic Group",
    "Refused",
    "Undeclared / Not Known",
];
const SG3A_SUPPORT: &str = "Of the enquiries recorded as Yes, in how many of these cases was support provided by an advocate, family or friend";

fn position(all: &[&str], label: &str) -> usize {
    all.iter()
        .position(|l| *l == label)
        .unwrap_or(all.len() - 1)
}

/// The empty tables, in SAC order.
fn empty_tables() -> Vec<Table> {
    let sg1 = SG1_COLUMNS.to_vec();
    let types = labels(RiskType::ALL, RiskType::label);
    let locations = labels(LocationType::ALL, LocationType::label);
    let sources = labels(SourceType::ALL, SourceType::label);
    let count = vec!["Number of enquiries"];
    vec![
        Table::new(
            "SG1a",
            "Individuals by age band (age on 31 March)",
            "Age band",
            AGE_BANDS.to_vec(),
            sg1.clone(),
        ),
        Table::new(
            "SG1b",
            "Individuals by gender",
            "Gender",
            SG1B.to_vec(),
            sg1.clone(),
        ),
        Table::new(
            "SG1c",
            "Individuals by ethnicity",
            "Ethnicity",
            SG1C.to_vec(),
            sg1.clone(),
        ),
        Table::new(
            "SG1d",
            "Individuals by primary support reason",
            "Primary support reason",
            labels(PrimarySupportReason::ALL, PrimarySupportReason::label),
            sg1.clone(),
        ),
        Table::new(
            "SG1e",
            "Individuals with a learning, developmental or intellectual disability (autism)",
            "Disability",
            SG1E_ROWS.to_vec(),
            sg1,
        ),
        Table::new(
            "SG1f",
            "Totals",
            "Total",
            vec![
                "Total Number of Safeguarding Concerns",
                "Total Number of Section 42 Safeguarding Enquiries",
                "Total Number of Other Safeguarding Enquiries",
            ],
            vec!["Number"],
        ),
        Table::new(
            "SG2a",
            "Concluded Section 42 enquiries: type of risk by source of risk",
            "Type of risk",
            types.clone(),
            sources.clone(),
        ),
        Table::new(
            "SG2b",
            "Concluded Section 42 enquiries: location of risk by source of risk",
            "Location of risk",
            locations.clone(),
            sources,
        ),
        Table::new(
            "SG2a_b1",
            "Concluded Section 42 enquiries: type of risk by location of risk",
            "Type of risk",
            types,
            locations,
        ),
        Table::new(
            "SG2c",
            "Concluded Section 42 enquiries: action taken and result",
            "Action taken and result",
            labels(ActionResult::ALL, ActionResult::label),
            count.clone(),
        ),
        Table::new(
            "SG2e",
            "Concluded Section 42 enquiries where risk was identified and action taken: risk outcome",
            "Risk outcome",
            labels(RiskOutcome::ALL, RiskOutcome::label),
            count.clone(),
        ),
        Table::new(
            "SG3a",
            "Concluded Section 42 enquiries: did the individual lack capacity?",
            "Lacked capacity",
            {
                let mut r = labels(Capacity::ALL, Capacity::label);
                r.push(SG3A_SUPPORT);
                r
            },
            count.clone(),
        ),
        Table::new(
            "SG4a",
            "Concluded Section 42 enquiries: were they (or their representative) asked about desired outcomes?",
            "Asked about desired outcomes",
            labels(Asked::ALL, Asked::label),
            count.clone(),
        ),
        Table::new(
            "SG4a_2",
            "Concluded Section 42 enquiries where outcomes were expressed: were they achieved?",
            "Desired outcomes",
            labels(Achievement::ALL, Achievement::label),
            count,
        ),
        Table::new(
            "SG5a",
            "Safeguarding Adults Reviews completed in the year",
            "Safeguarding Adults Reviews",
            vec![
                "Where one or more individuals died",
                "Where no individuals died",
            ],
            vec!["Number of reviews"],
        ),
        Table::new(
            "SG5b",
            "Individuals in Safeguarding Adults Reviews completed in the year",
            "Individuals",
            vec![
                "Who suffered serious harm and died",
                "Who suffered serious harm and survived",
            ],
            vec!["Number of individuals"],
        ),
    ]
}

/// Table indexes, in [`empty_tables`] order.
mod t {
    pub const SG1A: usize = 0;
    pub const SG1B: usize = 1;
    pub const SG1C: usize = 2;
    pub const SG1D: usize = 3;
    pub const SG1E: usize = 4;
    pub const SG1F: usize = 5;
    pub const SG2A: usize = 6;
    pub const SG2B: usize = 7;
    pub const SG2AB: usize = 8;
    pub const SG2C: usize = 9;
    pub const SG2E: usize = 10;
    pub const SG3A: usize = 11;
    pub const SG4A: usize = 12;
    pub const SG4A2: usize = 13;
    pub const SG5A: usize = 14;
    pub const SG5B: usize = 15;
}

/// Where a count lands, and what it stands for.
#[derive(Debug)]
enum Sink {
    /// Every figure of the return.
    Counts(Vec<Table>),
    /// One cell's figure and the records behind it.
    Members {
        cell: Cell,
        count: u64,
        found: Vec<String>,
    },
}

impl Sink {
    fn add(&mut self, table: usize, row: usize, column: usize, n: u64, member: Option<&str>) {
        match self {
            Sink::Counts(tables) => tables[table].counts[row][column] += n,
            Sink::Members { cell, count, found } => {
                if (cell.table, cell.row, cell.column) == (table, row, column) {
                    *count += n;
                    if let Some(m) = member {
                        found.push(m.to_string());
                    }
                }
            }
        }
    }
}

/// One pass over a year's facts, fed one at a time, so a year of any size
/// is counted in memory that does not grow with it.
///
/// SG1 counts each individual once per column (and per category): the pass
/// remembers only the person it is on, so **the cases of one person must
/// come together** (any order that groups equal person ids, such as
/// `ORDER BY person_id`); cases of an adult with no record may come
/// anywhere. Concluded enquiries and reviews may come in any order.
#[derive(Debug)]
pub struct Pass {
    year: Year,
    sink: Sink,
    /// The person whose cases are being counted.
    person: Option<String>,
    /// What has been counted for them: (column, table, category).
    seen: HashSet<(usize, usize, usize)>,
}

impl Pass {
    /// A pass counting the whole return.
    pub fn count(year: Year) -> Pass {
        Pass::with(year, Sink::Counts(empty_tables()))
    }

    /// A pass finding the figure in `cell` and the records behind it (feed
    /// concluded enquiries one by one with their ids).
    pub fn members(year: Year, cell: Cell) -> Pass {
        Pass::with(
            year,
            Sink::Members {
                cell,
                count: 0,
                found: Vec::new(),
            },
        )
    }

    fn with(year: Year, sink: Sink) -> Pass {
        Pass {
            year,
            sink,
            person: None,
            seen: HashSet::new(),
        }
    }

    /// Counts one SG1 case, with what is known of its person (the default
    /// for an adult with no record).
    pub fn case(&mut self, case: &Case, p: &PersonFacts) {
        let col = case.kind.column();
        let member = Some(case.id.as_str());
        self.sink.add(t::SG1F, col, 0, 1, member);
        // An adult with no record is one individual, known only by this case.
        let known = case.person_id.is_some();
        if known && self.person != case.person_id {
            self.person.clone_from(&case.person_id);
            self.seen.clear();
        }
        let seen = &mut self.seen;
        let mut first = |table: usize, extra: usize| !known || seen.insert((col, table, extra));
        if first(t::SG1A, 0) {
            if let Some(band) = age_band(p.date_of_birth, self.year) {
                self.sink.add(t::SG1A, band, col, 1, member);
            }
            let g = p.gender.map_or("Not Known", Gender::sac_sg1b);
            self.sink.add(t::SG1B, position(&SG1B, g), col, 1, member);
            let e = p
                .ethnicity
                .map_or("Undeclared / Not Known", Ethnicity::sac_sg1c);
            self.sink.add(t::SG1C, position(&SG1C, e), col, 1, member);
        }
        let psr = case
            .support_reason
            .unwrap_or(PrimarySupportReason::NotKnown);
        let psr_row = PrimarySupportReason::ALL
            .iter()
            .position(|r| *r == psr)
            .unwrap_or(0);
        if first(t::SG1D, psr_row) {
            self.sink.add(t::SG1D, psr_row, col, 1, member);
        }
        for (row, has) in [p.autism, p.asperger].into_iter().enumerate() {
            if has && first(t::SG1E, row) {
                self.sink.add(t::SG1E, row, col, 1, member);
            }
        }
    }

    /// Counts a concluded Section 42 enquiry (or `weight` identical ones).
    pub fn concluded(&mut self, c: &Concluded) {
        let out = &mut self.sink;
        let n = c.weight;
        let m = c.id.as_deref();
        let mut types: Vec<usize> = c
            .risk_types
            .iter()
            .filter_map(|v| RiskType::ALL.iter().position(|x| x == v))
            .collect();
        let mut locs: Vec<usize> = c
            .locations
            .iter()
            .filter_map(|v| LocationType::ALL.iter().position(|x| x == v))
            .collect();
        let mut srcs: Vec<usize> = c
            .sources
            .iter()
            .filter_map(|v| SourceType::ALL.iter().position(|x| x == v))
            .collect();
        for v in [&mut types, &mut locs, &mut srcs] {
            v.sort_unstable();
            v.dedup();
        }
        for &ty in &types {
            for &s in &srcs {
                out.add(t::SG2A, ty, s, n, m);
            }
            for &l in &locs {
                out.add(t::SG2AB, ty, l, n, m);
            }
        }
        for &l in &locs {
            for &s in &srcs {
                out.add(t::SG2B, l, s, n, m);
            }
        }
        if let Some(a) = c.action_result {
            let row = ActionResult::ALL.iter().position(|x| *x == a).unwrap_or(0);
            out.add(t::SG2C, row, 0, n, m);
            if a == ActionResult::RiskActionTaken
                && let Some(o) = c.risk_outcome
            {
                let row = RiskOutcome::ALL.iter().position(|x| *x == o).unwrap_or(0);
                out.add(t::SG2E, row, 0, n, m);
            }
        }
        let cap = c.capacity.unwrap_or(Capacity::NotRecorded);
        let row = Capacity::ALL.iter().position(|x| *x == cap).unwrap_or(0);
        out.add(t::SG3A, row, 0, n, m);
        if cap == Capacity::Lacked && c.capacity_support {
            out.add(t::SG3A, Capacity::ALL.len(), 0, n, m);
        }
        let asked = c.asked.unwrap_or(Asked::NotRecorded);
        let row = Asked::ALL.iter().position(|x| *x == asked).unwrap_or(0);
        out.add(t::SG4A, row, 0, n, m);
        if asked == Asked::YesExpressed
            && let Some(a) = c.achievement
        {
            let row = Achievement::ALL.iter().position(|x| *x == a).unwrap_or(0);
            out.add(t::SG4A2, row, 0, n, m);
        }
    }

    /// Counts a Safeguarding Adults Review completed in the year (SG5).
    pub fn review(&mut self, r: &Review) {
        let any_died = r.died.iter().any(|d| *d);
        self.sink
            .add(t::SG5A, usize::from(!any_died), 0, 1, Some(&r.id));
        for d in &r.died {
            self.sink.add(t::SG5B, usize::from(!*d), 0, 1, Some(&r.id));
        }
    }

    /// The return, from a pass made with [`Pass::count`] (a members pass
    /// gives empty tables).
    pub fn into_return(self) -> SacReturn {
        let tables = match self.sink {
            Sink::Counts(tables) => tables,
            Sink::Members { .. } => empty_tables(),
        };
        SacReturn {
            year: self.year,
            tables,
        }
    }

    /// The cell's figure and its records, each once in the order met, from
    /// a pass made with [`Pass::members`] (a counting pass gives nothing).
    pub fn into_behind(self) -> Behind {
        match self.sink {
            Sink::Members {
                count, mut found, ..
            } => {
                let mut seen = HashSet::new();
                found.retain(|id| seen.insert(id.clone()));
                Behind { count, ids: found }
            }
            Sink::Counts(_) => Behind {
                count: 0,
                ids: Vec::new(),
            },
        }
    }
}

/// Feeds `facts` to `pass`, the cases grouped by person.
fn feed(facts: &Facts, pass: &mut Pass) {
    let unknown = PersonFacts::default();
    let mut cases: Vec<&Case> = facts.cases.iter().collect();
    cases.sort_by(|a, b| a.person_id.cmp(&b.person_id));
    for case in cases {
        let p = case
            .person_id
            .as_deref()
            .and_then(|id| facts.people.get(id))
            .unwrap_or(&unknown);
        pass.case(case, p);
    }
    for c in &facts.concluded {
        pass.concluded(c);
    }
    for r in &facts.reviews {
        pass.review(r);
    }
}

/// The return for `year` from its facts.
pub fn compute(year: Year, facts: &Facts) -> SacReturn {
    let mut pass = Pass::count(year);
    feed(facts, &mut pass);
    pass.into_return()
}

/// The figure in one cell and the records behind it, in one pass over the
/// facts (which must carry ids: one fact per enquiry).
pub fn members(year: Year, facts: &Facts, cell: Cell) -> Behind {
    let mut pass = Pass::members(year, cell);
    feed(facts, &mut pass);
    pass.into_behind()
}

/// The cell of table `table` at row and column positions, if there is one.
pub fn cell_of(table: &str, row: usize, column: usize) -> Option<Cell> {
    let tables = empty_tables();
    let i = tables.iter().position(|t| t.id == table)?;
    let t = &tables[i];
    Some(Cell {
        table: i,
        row,
        column,
        table_id: t.id,
        row_label: t.rows.get(row)?,
        column_label: t.columns.get(column)?,
    })
}

/// The return as CSV files: (file name, contents), one per table. Each has
/// the table id and title on no line of its own: the first row is the row
/// header and the column labels, then one row per category.
pub fn to_csv(r: &SacReturn) -> Vec<(String, String)> {
    r.tables
        .iter()
        .map(|t| {
            let mut s = String::new();
            let mut header = vec![csv_field(t.row_header)];
            header.extend(t.columns.iter().map(|c| csv_field(c)));
            s.push_str(&header.join(","));
            s.push_str("\r\n");
            for (label, counts) in t.rows.iter().zip(&t.counts) {
                let mut line = vec![csv_field(label)];
                line.extend(counts.iter().map(u64::to_string));
                s.push_str(&line.join(","));
                s.push_str("\r\n");
            }
            (format!("{}.csv", t.id), s)
        })
        .collect()
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const Y: Year = Year(2025);

    fn person(dob: Option<Date>) -> PersonFacts {
        PersonFacts {
            date_of_birth: dob,
            gender: Some(Gender::Female),
            ethnicity: Some(Ethnicity::WhiteBritish),
            autism: false,
            asperger: false,
        }
    }

    fn case(id: &str, kind: CaseKind, person: &str, psr: PrimarySupportReason) -> Case {
        Case {
            id: id.into(),
            kind,
            person_id: Some(person.into()),
            support_reason: Some(psr),
        }
    }

    fn concluded(id: &str) -> Concluded {
        Concluded {
            id: Some(id.into()),
            weight: 1,
            risk_types: vec![RiskType::Neglect],
            locations: vec![LocationType::OwnHome],
            sources: vec![SourceType::KnownToIndividual],
            action_result: Some(ActionResult::RiskActionTaken),
            risk_outcome: Some(RiskOutcome::Reduced),
            capacity: Some(Capacity::DidNotLack),
            capacity_support: false,
            asked: Some(Asked::YesExpressed),
            achievement: Some(Achievement::Fully),
        }
    }

    #[test]
    fn years_parse_and_bound() {
        let y = Year::parse("2025-26").expect("year");
        assert_eq!(y.first_day(), date!(2025 - 04 - 01));
        assert_eq!(y.last_day(), date!(2026 - 03 - 31));
        assert_eq!(y.to_string(), "2025-26");
        assert_eq!(
            Year::parse("1999-00").map(|y| y.to_string()).as_deref(),
            Some("1999-00")
        );
        assert!(Year::parse("2025-27").is_none() && Year::parse("2025").is_none());
        assert_eq!(Year::containing(date!(2026 - 03 - 31)), y);
        assert_eq!(Year::containing(date!(2026 - 04 - 01)), Year(2026));
    }

    #[test]
    fn age_is_taken_on_31_march_birthday_included() {
        // 65 on 31 March 2026 exactly: 65-74.
        let band = |d| age_band(d, Y).map(|b| AGE_BANDS[b]);
        assert_eq!(band(Some(date!(1961 - 03 - 31))), Some("65-74"));
        // 65 a day later: still 64 on 31 March.
        assert_eq!(band(Some(date!(1961 - 04 - 01))), Some("18-64"));
        assert_eq!(band(Some(date!(1930 - 01 - 01))), Some("95+"));
        assert_eq!(band(None), Some("Age not recorded"));
        // 18 on 31 March exactly is an adult; a day younger is not counted
        // at all (a data-quality fault), never as "Age not recorded".
        assert_eq!(band(Some(date!(2008 - 03 - 31))), Some("18-64"));
        assert_eq!(band(Some(date!(2008 - 04 - 01))), None);
        assert_eq!(band(Some(date!(2010 - 01 - 01))), None);
    }

    #[test]
    fn a_person_with_three_s42_enquiries_counts_once_in_sg1a_to_c_but_per_support_reason_in_sg1d() {
        // "Mr X": three S42 enquiries in the year; his support reason changed
        // from physical to memory and cognition between the first two.
        let mut facts = Facts::default();
        facts
            .people
            .insert("x".into(), person(Some(date!(1950 - 06 - 01))));
        facts.cases = vec![
            case(
                "e1",
                CaseKind::Section42,
                "x",
                PrimarySupportReason::Physical,
            ),
            case(
                "e2",
                CaseKind::Section42,
                "x",
                PrimarySupportReason::MemoryCognition,
            ),
            case(
                "e3",
                CaseKind::Section42,
                "x",
                PrimarySupportReason::MemoryCognition,
            ),
            case("c1", CaseKind::Concern, "x", PrimarySupportReason::Physical),
        ];
        let r = compute(Y, &facts);
        let s42 = SG1_COLUMNS[1];
        assert_eq!(r.table("SG1a").and_then(|t| t.get("75-84", s42)), Some(1));
        assert_eq!(r.table("SG1b").and_then(|t| t.get("Female", s42)), Some(1));
        assert_eq!(r.table("SG1c").and_then(|t| t.get("White", s42)), Some(1));
        let d = r.table("SG1d").expect("SG1d");
        assert_eq!(d.get("Physical Support", s42), Some(1));
        assert_eq!(d.get("Support with Memory and Cognition", s42), Some(1));
        // The concern is its own column; the totals count cases, not people.
        assert_eq!(
            r.table("SG1a").and_then(|t| t.get("75-84", SG1_COLUMNS[0])),
            Some(1)
        );
        let f = r.table("SG1f").expect("SG1f");
        assert_eq!(
            f.get(
                "Total Number of Section 42 Safeguarding Enquiries",
                "Number"
            ),
            Some(3)
        );
        assert_eq!(
            f.get("Total Number of Safeguarding Concerns", "Number"),
            Some(1)
        );
        // Drill-down lists the enquiries behind the individual.
        let cell = cell_of("SG1d", 2, 1).expect("cell");
        assert_eq!(members(Y, &facts, cell).ids, vec!["e2".to_string()]);
        assert_eq!(
            Some(members(Y, &facts, cell).count),
            d.get("Support with Memory and Cognition", s42),
            "the list and the figure agree"
        );
    }

    #[test]
    fn an_adult_with_no_record_is_one_individual_of_whom_nothing_is_known() {
        let facts = Facts {
            cases: vec![Case {
                id: "c1".into(),
                kind: CaseKind::Concern,
                person_id: None,
                support_reason: None,
            }],
            ..Facts::default()
        };
        let r = compute(Y, &facts);
        let c = SG1_COLUMNS[0];
        assert_eq!(
            r.table("SG1a").and_then(|t| t.get("Age not recorded", c)),
            Some(1)
        );
        assert_eq!(r.table("SG1b").and_then(|t| t.get("Not Known", c)), Some(1));
        assert_eq!(
            r.table("SG1c")
                .and_then(|t| t.get("Undeclared / Not Known", c)),
            Some(1)
        );
        assert_eq!(r.table("SG1d").and_then(|t| t.get("Not Known", c)), Some(1));
    }

    #[test]
    fn two_adults_with_no_record_in_one_concern_are_two_individuals() {
        let unlinked = Case {
            id: "c1".into(),
            kind: CaseKind::Concern,
            person_id: None,
            support_reason: None,
        };
        let facts = Facts {
            cases: vec![unlinked.clone(), unlinked],
            ..Facts::default()
        };
        let r = compute(Y, &facts);
        assert_eq!(
            r.table("SG1b")
                .and_then(|t| t.get("Not Known", SG1_COLUMNS[0])),
            Some(2)
        );
        let cell = cell_of("SG1b", 2, 0).expect("cell");
        assert_eq!(
            members(Y, &facts, cell).ids,
            vec!["c1".to_string()],
            "listed once"
        );
    }

    #[test]
    fn a_person_is_counted_once_however_their_cases_are_ordered() {
        let mut facts = Facts::default();
        facts
            .people
            .insert("a".into(), person(Some(date!(1940 - 01 - 01))));
        facts
            .people
            .insert("b".into(), person(Some(date!(1990 - 01 - 01))));
        let psr = PrimarySupportReason::LearningDisability;
        facts.cases = vec![
            case("c1", CaseKind::Concern, "a", psr),
            case("c2", CaseKind::Concern, "b", psr),
            case("c3", CaseKind::Concern, "a", psr),
        ];
        let r = compute(Y, &facts);
        let col = SG1_COLUMNS[0];
        assert_eq!(r.table("SG1b").and_then(|t| t.get("Female", col)), Some(2));
        assert_eq!(
            r.table("SG1f")
                .and_then(|t| t.get("Total Number of Safeguarding Concerns", "Number")),
            Some(3)
        );
        // Fed directly, a pass relies on each person's cases coming together:
        // grouped, it agrees with the whole-facts count.
        let mut pass = Pass::count(Y);
        let (a, b) = (&facts.people["a"], &facts.people["b"]);
        pass.case(&facts.cases[0], a);
        pass.case(&facts.cases[2], a);
        pass.case(&facts.cases[1], b);
        assert_eq!(pass.into_return(), r);
    }

    #[test]
    fn sg1e_counts_autism_and_asperger_separately() {
        let mut facts = Facts::default();
        let mut p = person(None);
        p.autism = true;
        facts.people.insert("a".into(), p);
        let mut q = person(None);
        q.asperger = true;
        facts.people.insert("b".into(), q);
        facts.cases = vec![
            case(
                "e1",
                CaseKind::Other,
                "a",
                PrimarySupportReason::LearningDisability,
            ),
            case(
                "e2",
                CaseKind::Other,
                "a",
                PrimarySupportReason::LearningDisability,
            ),
            case("e3", CaseKind::Other, "b", PrimarySupportReason::Social),
        ];
        let r = compute(Y, &facts);
        let e = r.table("SG1e").expect("SG1e");
        assert_eq!(e.counts, vec![vec![0, 0, 1], vec![0, 0, 1]]);
    }

    #[test]
    fn two_sources_of_the_same_type_count_once_and_different_types_once_each() {
        let mut one = concluded("e1");
        one.sources = vec![
            SourceType::UnknownToIndividual,
            SourceType::UnknownToIndividual,
        ];
        let mut two = concluded("e2");
        two.sources = vec![SourceType::UnknownToIndividual, SourceType::ServiceProvider];
        two.risk_types = vec![RiskType::Neglect, RiskType::Physical];
        let facts = Facts {
            concluded: vec![one, two],
            ..Facts::default()
        };
        let r = compute(Y, &facts);
        let a = r.table("SG2a").expect("SG2a");
        assert_eq!(
            a.get(
                "Neglect and Acts of Omission",
                "Other - Unknown to individual"
            ),
            Some(2)
        );
        assert_eq!(
            a.get("Neglect and Acts of Omission", "Service Provider"),
            Some(1)
        );
        assert_eq!(a.get("Physical Abuse", "Service Provider"), Some(1));
        assert_eq!(
            a.get("Physical Abuse", "Other - Known to individual"),
            Some(0)
        );
        let b = r.table("SG2b").expect("SG2b");
        assert_eq!(b.get("Own Home", "Other - Unknown to individual"), Some(2));
        let ab = r.table("SG2a_b1").expect("SG2a_b1");
        assert_eq!(ab.get("Physical Abuse", "Own Home"), Some(1));
        // SG2c and SG3a: exactly one per enquiry.
        let c: u64 = r
            .table("SG2c")
            .expect("SG2c")
            .counts
            .iter()
            .map(|r| r[0])
            .sum();
        assert_eq!(c, 2);
        let sg3: u64 = r.table("SG3a").expect("SG3a").counts[..4]
            .iter()
            .map(|r| r[0])
            .sum();
        assert_eq!(sg3, 2);
    }

    #[test]
    fn sg2e_only_where_risk_was_identified_and_action_taken() {
        let mut no_action = concluded("e1");
        no_action.action_result = Some(ActionResult::RiskNoAction);
        no_action.risk_outcome = Some(RiskOutcome::Remained);
        let facts = Facts {
            concluded: vec![no_action, concluded("e2")],
            ..Facts::default()
        };
        let r = compute(Y, &facts);
        let e = r.table("SG2e").expect("SG2e");
        assert_eq!(e.get("Risk reduced", "Number of enquiries"), Some(1));
        assert_eq!(e.get("Risk remained", "Number of enquiries"), Some(0));
    }

    #[test]
    fn sg4a_achievement_only_when_outcomes_were_expressed() {
        let mut not_expressed = concluded("e1");
        not_expressed.asked = Some(Asked::YesNotExpressed);
        let mut partly = concluded("e2");
        partly.achievement = enquiry_achievement(&[Achievement::Fully, Achievement::Not]);
        let facts = Facts {
            concluded: vec![not_expressed, partly, concluded("e3")],
            ..Facts::default()
        };
        let r = compute(Y, &facts);
        let a2 = r.table("SG4a_2").expect("SG4a_2");
        assert_eq!(a2.get("Fully Achieved", "Number of enquiries"), Some(1));
        assert_eq!(a2.get("Partially Achieved", "Number of enquiries"), Some(1));
        let total: u64 = a2.counts.iter().map(|r| r[0]).sum();
        assert_eq!(
            total, 2,
            "the enquiry with no outcomes expressed is not rated"
        );
        assert_eq!(
            enquiry_achievement(&[Achievement::Not, Achievement::Not]),
            Some(Achievement::Not)
        );
        assert_eq!(enquiry_achievement(&[]), None);
    }

    #[test]
    fn capacity_support_is_counted_only_for_those_who_lacked_capacity() {
        let mut lacked = concluded("e1");
        lacked.capacity = Some(Capacity::Lacked);
        lacked.capacity_support = true;
        let mut had = concluded("e2");
        had.capacity_support = true;
        let mut unknown = concluded("e3");
        unknown.capacity = None;
        let facts = Facts {
            concluded: vec![lacked, had, unknown],
            ..Facts::default()
        };
        let r = compute(Y, &facts);
        let t = r.table("SG3a").expect("SG3a");
        assert_eq!(t.counts[4][0], 1);
        assert_eq!(t.get("Not recorded", "Number of enquiries"), Some(1));
    }

    #[test]
    fn weights_stand_for_identical_enquiries() {
        let mut many = concluded("x");
        many.id = None;
        many.weight = 40;
        let facts = Facts {
            concluded: vec![many],
            ..Facts::default()
        };
        let r = compute(Y, &facts);
        assert_eq!(
            r.table("SG2c")
                .and_then(|t| t.get("Risk identified and action taken", "Number of enquiries")),
            Some(40)
        );
    }

    #[test]
    fn reviews_count_by_whether_anyone_died() {
        let facts = Facts {
            reviews: vec![
                Review {
                    id: "r1".into(),
                    died: vec![true, false],
                },
                Review {
                    id: "r2".into(),
                    died: vec![false],
                },
            ],
            ..Facts::default()
        };
        let r = compute(Y, &facts);
        assert_eq!(
            r.table("SG5a").map(|t| t.counts.clone()),
            Some(vec![vec![1], vec![1]])
        );
        assert_eq!(
            r.table("SG5b").map(|t| t.counts.clone()),
            Some(vec![vec![1], vec![2]])
        );
    }

    #[test]
    fn csv_uses_the_exact_labels_and_quotes_commas() {
        let r = compute(Y, &Facts::default());
        let files = to_csv(&r);
        assert_eq!(files.len(), 16);
        let (name, sg1c) = &files[2];
        assert_eq!(name, "SG1c.csv");
        assert!(sg1c.starts_with("Ethnicity,Individuals involved in Safeguarding Concerns,"));
        assert!(sg1c.contains("\r\nBlack / African / Caribbean / Black British,0,0,0\r\n"));
        let sg2a = &files[6].1;
        assert!(sg2a.contains("Type of risk,Service Provider,Other - Known to individual,Other - Unknown to individual"));
        let sg3a = &files[11].1;
        assert!(sg3a.contains("\"Of the enquiries recorded as Yes, in how many"));
    }
}
