//! The managers' dashboard: Making Safeguarding Personal, risk outcomes,
//! time from concern to decision against the target, overdue work, concerns
//! by type, location and source, and concerns per provider over time — as
//! pure functions over counts the store groups in SQL.
//!
//! The rules, in one place:
//! - A period is a range of days, both ends included. Concerns count in the
//!   period they were received; enquiries in the period they were concluded
//!   (signed off, Section 42 only — as in SG4a and SG2e of the SAC return).
//! - A concern with several suspected types counts once for each type.
//! - Time to decision is counted in working days from the day the concern
//!   was received; a decision is within target when made on or before the
//!   deadline the concern's page shows (received + target working days).
//! - A provider is **rising** when the last three months of the period have at
//!   least three concerns and at least twice as many as the three months before.

use std::collections::{BTreeMap, HashMap};

use time::{Date, Duration, Month};

use crate::calendar::Calendar;
use crate::codes::{LocationType, RiskType};
use crate::concern::RaiserKind;
use crate::enquiry::{Achievement, ActionResult, Asked, RiskOutcome};
use crate::person::{iso_date, parse_iso_date};
use crate::validation::FieldErrors;

/// The longest period a dashboard covers.
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;

/// The earliest year a period may start in.
pub const FIRST_YEAR: i32 = 1990;

/// The latest year a period may end in.
pub const LAST_YEAR: i32 = 2100;

/// The days a dashboard covers, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// The first day.
    pub from: Date,
    /// The last day.
    pub to: Date,
}

impl Period {
    /// The period from the two dates as typed (`YYYY-MM-DD`); either left
    /// empty means the start of the financial year containing `today` or
    /// `today` itself.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Date) -> Result<Period, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut date = |field: &str, raw: Option<&str>, default: Date| match raw
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => default,
            Some(s) => match parse_iso_date(s) {
                Some(d) if (FIRST_YEAR..=LAST_YEAR).contains(&d.year()) => d,
                Some(_) => {
                    errors.add(
                        field,
                        format!("Enter a date from {FIRST_YEAR} to {LAST_YEAR}"),
                    );
                    default
                }
                None => {
                    errors.add(field, "Enter a real date");
                    default
                }
            },
        };
        let start = crate::sac::Year::containing(today).first_day();
        let period = Period {
            from: date("from", from, start),
            to: date("to", to, today),
        };
        if errors.is_empty() {
            if period.to < period.from {
                errors.add("to", "The end of the period must be on or after its start");
            } else if (period.to - period.from).whole_days() > MAX_PERIOD_DAYS {
                errors.add("to", "Choose a period of five years or less");
            }
        }
        if errors.is_empty() {
            Ok(period)
        } else {
            Err(errors)
        }
    }

    /// The calendar months the period touches, as `YYYY-MM`, in order.
    pub fn months(self) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = self.from.replace_day(1).unwrap_or(self.from);
        while d <= self.to {
            out.push(month_key(d));
            match next_month(d) {
                Some(n) => d = n,
                None => break,
            }
        }
        out
    }
}

fn month_key(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

fn next_month(d: Date) -> Option<Date> {
    let (y, m) = if d.month() == Month::December {
        (d.year() + 1, Month::January)
    } else {
        (d.year(), d.month().next())
    };
    Date::from_calendar_date(y, m, 1).ok()
}

/// A month key `YYYY-MM` as words: "Apr 2026".
pub fn month_label(key: &str) -> String {
    parse_iso_date(&format!("{key}-01"))
        .map(|d| {
            let m = d.month().to_string();
            format!("{} {}", &m[..3], d.year())
        })
        .unwrap_or_else(|| key.to_string())
}

/// Counts grouped by the store for one period (and, optionally, one team).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DashboardFacts {
    /// Concerns received, by month (`YYYY-MM`).
    pub concerns_by_month: Vec<(String, u64)>,
    /// Concerns by their suspected types (comma-separated codes).
    pub concerns_by_types: Vec<(String, u64)>,
    /// Concerns by location type (none when not recorded).
    pub concerns_by_location: Vec<(Option<String>, u64)>,
    /// Concerns by who raised them (raiser kind code).
    pub concerns_by_source: Vec<(String, u64)>,
    /// Concerns received in the period: day received, day decided (none
    /// while waiting) and how many.
    pub decisions: Vec<(Date, Option<Date>, u64)>,
    /// Concerns waiting for a decision now, by day received.
    pub waiting: Vec<(Date, u64)>,
    /// Section 42 enquiries concluded in the period: asked code, SG4a
    /// part 2 achievement code, how many.
    pub msp: Vec<(String, Option<String>, u64)>,
    /// Section 42 enquiries concluded in the period: action result and risk outcome codes.
    pub risk: Vec<(String, Option<String>, u64)>,
    /// Concerns about providers: provider id, its name, month, how many.
    pub providers: Vec<(String, String, String, u64)>,
    /// Plan actions still to do and past their due date, now.
    pub overdue_actions: u64,
    /// Open enquiries whose plan review date has passed, now.
    pub overdue_reviews: u64,
    /// Conclusions waiting for a manager's sign-off, now.
    pub awaiting_sign_off: u64,
}

/// One bar: a category, its count and its share of the whole.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bar {
    /// The category as shown.
    pub label: String,
    /// How many.
    pub count: u64,
    /// Share of the whole in tenths of a per cent (`None` when the whole is 0).
    pub per_mille: Option<u64>,
}

/// A set of bars with the whole they are shares of.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bars {
    /// The whole (concerns or enquiries counted).
    pub total: u64,
    /// The bars, in a fixed order.
    pub bars: Vec<Bar>,
}

impl Bars {
    fn of(total: u64, items: impl IntoIterator<Item = (String, u64)>) -> Bars {
        Bars {
            total,
            bars: items
                .into_iter()
                .map(|(label, count)| Bar {
                    label,
                    count,
                    per_mille: per_mille(count, total),
                })
                .collect(),
        }
    }
}

/// `part` of `whole` in tenths of a per cent, rounded half up.
pub fn per_mille(part: u64, whole: u64) -> Option<u64> {
    (whole > 0).then(|| (part * 2000 + whole) / (whole * 2))
}

/// Tenths of a per cent as words: `Some(725)` → "72.5%".
pub fn percent(per_mille: Option<u64>) -> String {
    match per_mille {
        Some(p) => format!("{}.{}%", p / 10, p % 10),
        None => "–".into(),
    }
}

/// Making Safeguarding Personal for concluded Section 42 enquiries.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Msp {
    /// Enquiries by whether the person was asked (the SG4a part 1 answers).
    pub asked: Bars,
    /// Share asked (yes, expressed or not), tenths of a per cent.
    pub asked_per_mille: Option<u64>,
    /// Share who expressed outcomes, tenths of a per cent.
    pub expressed_per_mille: Option<u64>,
    /// Of those who expressed outcomes: fully, partially, not achieved.
    pub achieved: Bars,
}

/// Timeliness of triage decisions.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timeliness {
    /// The target, in working days from receipt.
    pub target_days: u32,
    /// Concerns received in the period and decided.
    pub decided: u64,
    /// Of those, decided within target.
    pub within_target: u64,
    /// Share within target, tenths of a per cent.
    pub within_per_mille: Option<u64>,
    /// Median working days to decision (none when nothing was decided).
    pub median_days: Option<i64>,
    /// Concerns received in the period still waiting.
    pub waiting: u64,
    /// Decided concerns by working days taken.
    pub spread: Bars,
    /// Month by month: decided, within target.
    pub by_month: Vec<MonthTimeliness>,
}

/// One month of decisions.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthTimeliness {
    /// `YYYY-MM` the concerns were received.
    pub month: String,
    /// Decided.
    pub decided: u64,
    /// Decided within target.
    pub within_target: u64,
    /// Share within target, tenths of a per cent.
    pub within_per_mille: Option<u64>,
}

/// Work past its deadline now (not limited to the period).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overdue {
    /// Concerns waiting for a decision past their deadline.
    pub decisions: u64,
    /// Plan actions past their due date.
    pub plan_actions: u64,
    /// Enquiry plan reviews past their date.
    pub reviews: u64,
    /// Conclusions waiting for sign-off.
    pub awaiting_sign_off: u64,
}

/// Concerns about one provider, month by month.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderTrend {
    /// The provider's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Concerns in the period.
    pub total: u64,
    /// One count per month of the period.
    pub by_month: Vec<u64>,
    /// Whether concerns are rising (see the module's rules).
    pub rising: bool,
}

/// The providers with most concerns shown.
pub const TOP_PROVIDERS: usize = 10;

/// Everything on the dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    pub to: String,
    /// The months of the period, `YYYY-MM`.
    pub months: Vec<String>,
    /// Concerns received, one count per month.
    pub concerns_by_month: Vec<u64>,
    /// Concerns received in the period.
    pub concerns: u64,
    /// Making Safeguarding Personal.
    pub msp: Msp,
    /// Risk outcomes where risk was identified and action taken.
    pub risk_outcomes: Bars,
    /// What enquiries found and did (SG2c).
    pub action_results: Bars,
    /// Time from concern to decision.
    pub timeliness: Timeliness,
    /// Overdue work now.
    pub overdue: Overdue,
    /// Concerns by suspected type (a concern counts once for each type).
    pub by_type: Bars,
    /// Concerns by location.
    pub by_location: Bars,
    /// Concerns by who raised them.
    pub by_source: Bars,
    /// The providers with most concerns in the period, most first.
    pub providers: Vec<ProviderTrend>,
}

fn counted<T: Copy + Eq + std::hash::Hash>(
    all: &[T],
    label: fn(T) -> &'static str,
    counts: &HashMap<T, u64>,
) -> Vec<(String, u64)> {
    all.iter()
        .map(|v| (label(*v).to_string(), counts.get(v).copied().unwrap_or(0)))
        .collect()
}

/// The working-day bands of the time-to-decision spread.
pub const SPREAD_BANDS: &[(&str, i64, i64)] = &[
    ("Same working day", 0, 0),
    ("1 working day", 1, 1),
    ("2 working days", 2, 2),
    ("3 to 5 working days", 3, 5),
    ("6 to 10 working days", 6, 10),
    ("More than 10 working days", 11, i64::MAX),
];

/// Computes the dashboard for `period` from `facts`, with the decision
/// target of `target_days` working days on `calendar`, seen on `today`.
pub fn compute(
    period: Period,
    facts: &DashboardFacts,
    calendar: &Calendar,
    target_days: u32,
    today: Date,
) -> Dashboard {
    let months = period.months();
    let month_index: HashMap<&str, usize> = months
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut concerns_by_month = vec![0u64; months.len()];
    for (m, n) in &facts.concerns_by_month {
        if let Some(i) = month_index.get(m.as_str()) {
            concerns_by_month[*i] += n;
        }
    }
    let concerns: u64 = concerns_by_month.iter().sum();

    // Making Safeguarding Personal.
    let mut asked: HashMap<Asked, u64> = HashMap::new();
    let mut achieved: HashMap<Achievement, u64> = HashMap::new();
    for (a, ach, n) in &facts.msp {
        let a = Asked::parse(a).unwrap_or(Asked::NotRecorded);
        *asked.entry(a).or_default() += n;
        if a == Asked::YesExpressed
            && let Some(ach) = ach.as_deref().and_then(Achievement::parse)
        {
            *achieved.entry(ach).or_default() += n;
        }
    }
    let concluded: u64 = asked.values().sum();
    let get = |m: &HashMap<Asked, u64>, a| m.get(&a).copied().unwrap_or(0);
    let expressed = get(&asked, Asked::YesExpressed);
    let msp = Msp {
        asked_per_mille: per_mille(expressed + get(&asked, Asked::YesNotExpressed), concluded),
        expressed_per_mille: per_mille(expressed, concluded),
        asked: Bars::of(concluded, counted(Asked::ALL, Asked::label, &asked)),
        achieved: Bars::of(
            achieved.values().sum(),
            counted(Achievement::ALL, Achievement::label, &achieved),
        ),
    };

    // Risk.
    let mut results: HashMap<ActionResult, u64> = HashMap::new();
    let mut outcomes: HashMap<RiskOutcome, u64> = HashMap::new();
    for (r, o, n) in &facts.risk {
        let Some(r) = ActionResult::parse(r) else {
            continue;
        };
        *results.entry(r).or_default() += n;
        if r == ActionResult::RiskActionTaken
            && let Some(o) = o.as_deref().and_then(RiskOutcome::parse)
        {
            *outcomes.entry(o).or_default() += n;
        }
    }
    let risk_action = results
        .get(&ActionResult::RiskActionTaken)
        .copied()
        .unwrap_or(0);
    let mut risk_items = counted(RiskOutcome::ALL, RiskOutcome::label, &outcomes);
    let recorded: u64 = outcomes.values().sum();
    risk_items.push(("Not recorded".into(), risk_action.saturating_sub(recorded)));
    let risk_outcomes = Bars::of(risk_action, risk_items);
    let action_results = Bars::of(
        results.values().sum(),
        counted(ActionResult::ALL, ActionResult::label, &results),
    );

    // Timeliness.
    let mut spread = vec![0u64; SPREAD_BANDS.len()];
    let mut days_taken: BTreeMap<i64, u64> = BTreeMap::new();
    let mut by_month: Vec<(u64, u64)> = vec![(0, 0); months.len()];
    let (mut decided, mut within, mut waiting) = (0u64, 0u64, 0u64);
    for (received, done, n) in &facts.decisions {
        let Some(done) = done else {
            waiting += n;
            continue;
        };
        let took = calendar.working_days_between(*received, *done);
        let on_time = *done <= calendar.add_working_days(*received, target_days);
        decided += n;
        *days_taken.entry(took).or_default() += n;
        if on_time {
            within += n;
        }
        if let Some(b) = SPREAD_BANDS
            .iter()
            .position(|(_, lo, hi)| (*lo..=*hi).contains(&took))
        {
            spread[b] += n;
        }
        if let Some(i) = month_index.get(month_key(*received).as_str()) {
            by_month[*i].0 += n;
            if on_time {
                by_month[*i].1 += n;
            }
        }
    }
    let median_days = {
        let mut seen = 0;
        days_taken.iter().find_map(|(d, n)| {
            seen += n;
            (seen * 2 >= decided).then_some(*d)
        })
    };
    let timeliness = Timeliness {
        target_days,
        decided,
        within_target: within,
        within_per_mille: per_mille(within, decided),
        median_days: if decided == 0 { None } else { median_days },
        waiting,
        spread: Bars::of(
            decided,
            SPREAD_BANDS
                .iter()
                .zip(&spread)
                .map(|((l, _, _), n)| ((*l).to_string(), *n)),
        ),
        by_month: months
            .iter()
            .zip(&by_month)
            .map(|(m, (d, w))| MonthTimeliness {
                month: m.clone(),
                decided: *d,
                within_target: *w,
                within_per_mille: per_mille(*w, *d),
            })
            .collect(),
    };
    let overdue = Overdue {
        decisions: facts
            .waiting
            .iter()
            .filter(|(received, _)| calendar.add_working_days(*received, target_days) < today)
            .map(|(_, n)| n)
            .sum(),
        plan_actions: facts.overdue_actions,
        reviews: facts.overdue_reviews,
        awaiting_sign_off: facts.awaiting_sign_off,
    };

    // Concerns by type, location and source.
    let mut types: HashMap<RiskType, u64> = HashMap::new();
    for (csv, n) in &facts.concerns_by_types {
        let mut seen: Vec<RiskType> = csv
            .split(',')
            .filter_map(|c| RiskType::parse(c.trim()))
            .collect();
        seen.sort_by_key(|t| t.code());
        seen.dedup();
        for t in seen {
            *types.entry(t).or_default() += n;
        }
    }
    let mut by_type = Bars::of(concerns, counted(RiskType::ALL, RiskType::label, &types));
    by_type.bars.sort_by_key(|b| std::cmp::Reverse(b.count));
    let mut locations: HashMap<Option<LocationType>, u64> = HashMap::new();
    for (l, n) in &facts.concerns_by_location {
        *locations
            .entry(l.as_deref().and_then(LocationType::parse))
            .or_default() += n;
    }
    let mut location_items: Vec<(String, u64)> = LocationType::ALL
        .iter()
        .map(|l| {
            (
                l.label().to_string(),
                locations.get(&Some(*l)).copied().unwrap_or(0),
            )
        })
        .collect();
    location_items.push((
        "Not recorded".into(),
        locations.get(&None).copied().unwrap_or(0),
    ));
    let by_location = Bars::of(concerns, location_items);
    let mut sources: HashMap<RaiserKind, u64> = HashMap::new();
    for (s, n) in &facts.concerns_by_source {
        if let Some(k) = RaiserKind::parse(s) {
            *sources.entry(k).or_default() += n;
        }
    }
    let by_source = Bars::of(
        concerns,
        counted(RaiserKind::ALL, RaiserKind::label, &sources),
    );

    // Providers over time.
    let mut per_provider: HashMap<&str, (String, Vec<u64>)> = HashMap::new();
    for (id, name, month, n) in &facts.providers {
        let entry = per_provider
            .entry(id.as_str())
            .or_insert_with(|| (name.clone(), vec![0; months.len()]));
        if let Some(i) = month_index.get(month.as_str()) {
            entry.1[*i] += n;
        }
    }
    let mut providers: Vec<ProviderTrend> = per_provider
        .into_iter()
        .map(|(id, (name, by_month))| ProviderTrend {
            id: id.to_string(),
            name,
            total: by_month.iter().sum(),
            rising: rising(&by_month),
            by_month,
        })
        .filter(|p| p.total > 0)
        .collect();
    providers.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
    providers.truncate(TOP_PROVIDERS);

    Dashboard {
        from: iso_date(period.from),
        to: iso_date(period.to),
        months,
        concerns_by_month,
        concerns,
        msp,
        risk_outcomes,
        action_results,
        timeliness,
        overdue,
        by_type,
        by_location,
        by_source,
        providers,
    }
}

/// Whether the last three months have at least three concerns and at least
/// twice as many as the three before.
pub fn rising(by_month: &[u64]) -> bool {
    let n = by_month.len();
    if n < 6 {
        return false;
    }
    let last: u64 = by_month[n - 3..].iter().sum();
    let before: u64 = by_month[n - 6..n - 3].iter().sum();
    last >= 3 && last >= 2 * before
}

/// The date `days` days after 1 January 1970 (how the store reads a
/// timestamp's day: milliseconds divided by 86,400,000, UTC).
pub fn day_of_epoch(days: i64) -> Option<Date> {
    Date::from_calendar_date(1970, Month::January, 1)
        .ok()?
        .checked_add(Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn facts() -> DashboardFacts {
        DashboardFacts {
            concerns_by_month: vec![
                ("2026-04".into(), 3),
                ("2026-05".into(), 1),
                ("2025-01".into(), 9),
            ],
            concerns_by_types: vec![
                ("neglect".into(), 2),
                ("neglect,financial".into(), 1),
                ("financial,financial".into(), 1),
            ],
            concerns_by_location: vec![(Some("own_home".into()), 3), (None, 1)],
            concerns_by_source: vec![("staff".into(), 3), ("anonymous".into(), 1)],
            ..DashboardFacts::default()
        }
    }

    #[test]
    fn periods_outside_the_supported_years_are_refused_and_months_always_end() {
        let today = date!(2026 - 12 - 02);
        let far = Period::parse(Some("9999-12-01"), Some("9999-12-31"), today)
            .expect_err("year 9999 is refused");
        assert!(far.get("from").is_some() && far.get("to").is_some());
        assert!(Period::parse(Some("1000-01-01"), None, today).is_err());
        // Even a period built by hand at the date maximum ends.
        let edge = Period {
            from: Date::MAX.replace_day(1).expect("day 1"),
            to: Date::MAX,
        };
        assert_eq!(edge.months().len(), 1);
        let ok = Period::parse(Some("2100-01-01"), Some("2100-12-31"), today).expect("2100");
        assert_eq!(ok.months().len(), 12);
    }

    fn period() -> Period {
        Period {
            from: date!(2026 - 04 - 01),
            to: date!(2026 - 06 - 30),
        }
    }

    fn bar<'a>(b: &'a Bars, label: &str) -> &'a Bar {
        b.bars
            .iter()
            .find(|x| x.label == label)
            .expect("a bar with that label")
    }

    #[test]
    fn periods_default_to_the_financial_year_so_far_and_reject_nonsense() {
        let today = date!(2026 - 11 - 23);
        let p = Period::parse(None, Some(""), today).expect("defaults");
        assert_eq!((p.from, p.to), (date!(2026 - 04 - 01), today));
        assert_eq!(p.months().len(), 8);
        assert_eq!(p.months()[0], "2026-04");
        let e =
            Period::parse(Some("2026-05-01"), Some("2026-04-30"), today).expect_err("backwards");
        assert!(e.get("to").is_some());
        let e = Period::parse(Some("31/12/2025"), None, today).expect_err("not ISO");
        assert!(e.get("from").is_some());
        let e = Period::parse(Some("2016-01-01"), None, today).expect_err("too long");
        assert!(e.get("to").is_some());
        let p =
            Period::parse(Some("2025-12-15"), Some("2026-01-10"), today).expect("spans a new year");
        assert_eq!(
            p.months(),
            vec!["2025-12".to_string(), "2026-01".to_string()]
        );
    }

    #[test]
    fn a_concern_counts_once_for_each_different_type_and_outside_months_are_ignored() {
        let d = compute(
            period(),
            &facts(),
            &Calendar::default(),
            2,
            date!(2026 - 07 - 01),
        );
        assert_eq!(d.concerns, 4, "the 2025 month is outside the period");
        assert_eq!(d.concerns_by_month, vec![3, 1, 0]);
        assert_eq!(bar(&d.by_type, "Neglect and Acts of Omission").count, 3);
        // "financial,financial" is one concern with one type.
        assert_eq!(bar(&d.by_type, "Financial or Material Abuse").count, 2);
        assert_eq!(
            d.by_type.bars[0].label, "Neglect and Acts of Omission",
            "most first"
        );
        assert_eq!(bar(&d.by_location, "Not recorded").count, 1);
        assert_eq!(bar(&d.by_location, "Not recorded").per_mille, Some(250));
        assert_eq!(d.by_source.total, 4);
    }

    #[test]
    fn msp_shares_and_achievement_only_for_outcomes_expressed() {
        let f = DashboardFacts {
            msp: vec![
                ("yes_expressed".into(), Some("fully".into()), 5),
                ("yes_expressed".into(), Some("partially".into()), 2),
                ("yes_expressed".into(), None, 1),
                ("yes_not_expressed".into(), None, 1),
                ("no".into(), Some("fully".into()), 1),
            ],
            ..DashboardFacts::default()
        };
        let d = compute(period(), &f, &Calendar::default(), 2, date!(2026 - 07 - 01));
        assert_eq!(d.msp.asked.total, 10);
        assert_eq!(d.msp.asked_per_mille, Some(900));
        assert_eq!(d.msp.expressed_per_mille, Some(800));
        // The "no" row's stray achievement is not counted; the unrated one is not either.
        assert_eq!(d.msp.achieved.total, 7);
        assert_eq!(d.msp.achieved.bars[0].label, "Fully Achieved");
        assert_eq!(d.msp.achieved.bars[0].per_mille, Some(714));
    }

    #[test]
    fn risk_outcomes_count_only_risk_identified_and_action_taken() {
        let f = DashboardFacts {
            risk: vec![
                ("risk_action".into(), Some("reduced".into()), 3),
                ("risk_action".into(), None, 1),
                ("no_risk_no_action".into(), Some("removed".into()), 2),
            ],
            ..DashboardFacts::default()
        };
        let d = compute(period(), &f, &Calendar::default(), 2, date!(2026 - 07 - 01));
        assert_eq!(d.risk_outcomes.total, 4);
        assert_eq!(bar(&d.risk_outcomes, "Risk reduced").count, 3);
        assert_eq!(bar(&d.risk_outcomes, "Risk removed").count, 0);
        assert_eq!(bar(&d.risk_outcomes, "Not recorded").count, 1);
        assert_eq!(d.action_results.total, 6);
    }

    #[test]
    fn time_to_decision_in_working_days_against_the_target() {
        // Friday 3 April 2026 is Good Friday and 6 April Easter Monday.
        let cal = Calendar::new(crate::calendar::england_wales_bank_holidays(2026));
        let f = DashboardFacts {
            decisions: vec![
                // Received Thursday 2 April, decided Tuesday 7 April: 1 working day.
                (date!(2026 - 04 - 02), Some(date!(2026 - 04 - 07)), 2),
                // Received Wednesday 1 April, decided Wednesday 8 April: 3 working days, late.
                (date!(2026 - 04 - 01), Some(date!(2026 - 04 - 08)), 1),
                // Same day.
                (date!(2026 - 05 - 11), Some(date!(2026 - 05 - 11)), 1),
                // Waiting.
                (date!(2026 - 06 - 29), None, 4),
            ],
            waiting: vec![(date!(2026 - 06 - 29), 4), (date!(2026 - 06 - 24), 1)],
            ..DashboardFacts::default()
        };
        let d = compute(period(), &f, &cal, 2, date!(2026 - 07 - 01));
        let t = &d.timeliness;
        assert_eq!((t.decided, t.within_target, t.waiting), (4, 3, 4));
        assert_eq!(t.within_per_mille, Some(750));
        assert_eq!(t.median_days, Some(1));
        assert_eq!(bar(&t.spread, "Same working day").count, 1);
        assert_eq!(bar(&t.spread, "1 working day").count, 2);
        assert_eq!(bar(&t.spread, "3 to 5 working days").count, 1);
        assert_eq!(t.by_month[0].decided, 3);
        assert_eq!(t.by_month[0].within_target, 2);
        assert_eq!(t.by_month[2].within_per_mille, None);
        // 24 June + 2 working days = 26 June, before 1 July: overdue. 29 June is due 1 July: not yet.
        assert_eq!(d.overdue.decisions, 1);
    }

    #[test]
    fn providers_most_first_with_rising_ones_flagged() {
        let p = Period {
            from: date!(2026 - 01 - 01),
            to: date!(2026 - 06 - 30),
        };
        let f = DashboardFacts {
            providers: vec![
                ("a".into(), "Ash House".into(), "2026-01".into(), 1),
                ("a".into(), "Ash House".into(), "2026-05".into(), 2),
                ("a".into(), "Ash House".into(), "2026-06".into(), 1),
                ("b".into(), "Birch Care".into(), "2026-02".into(), 6),
                ("b".into(), "Birch Care".into(), "2026-06".into(), 1),
            ],
            ..DashboardFacts::default()
        };
        let d = compute(p, &f, &Calendar::default(), 2, date!(2026 - 07 - 01));
        assert_eq!(d.providers[0].name, "Birch Care");
        assert_eq!(d.providers[0].by_month, vec![0, 6, 0, 0, 0, 1]);
        assert!(!d.providers[0].rising);
        assert!(d.providers[1].rising, "3 in Apr–Jun against 1 in Jan–Mar");
        assert!(!rising(&[0, 0, 0, 1, 1]), "too short to say");
        assert!(!rising(&[0, 0, 0, 0, 1, 1]), "fewer than three");
    }

    #[test]
    fn shares_round_half_up() {
        assert_eq!(per_mille(1, 3), Some(333));
        assert_eq!(per_mille(2, 3), Some(667));
        assert_eq!(per_mille(0, 0), None);
        assert_eq!(percent(Some(725)), "72.5%");
        assert_eq!(month_label("2026-04"), "Apr 2026");
        assert_eq!(day_of_epoch(20_000), Some(date!(2024 - 10 - 04)));
    }
}
