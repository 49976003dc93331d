//! Reads for the managers' dashboard: counts grouped in SQL for one period
//! and, optionally, one team, for `safeguard_domain::dashboard` to turn into
//! figures. A concern belongs to the team of the manager or practitioner who
//! made its triage decision (concerns still waiting belong to no team yet);
//! an enquiry belongs to the team of its lead practitioner or, while it has
//! none, to the team that decided to open it.

use safeguard_domain::dashboard::{DashboardFacts, Period, day_of_epoch};
use safeguard_domain::person::{iso_date, parse_iso_date};

use crate::{Result, Store, on_db};

/// Runs a query with its binds on whichever database this is.
macro_rules! fetch_all {
    ($store:expr, $sql:expr $(, $bind:expr)*) => {
        on_db!($store, |p| {
            let sql: String = ($sql).to_string();
            let q = sqlx::query_as(&sql);
            $(let q = q.bind($bind);)*
            q.fetch_all(p).await
        })
    };
}

/// Concerns received in the period (`$1` to `$2`), of team `$3` when
/// `by_team` (the joins are left out when every team is counted).
fn concerns_from(by_team: bool) -> &'static str {
    if by_team {
        "FROM concerns c \
         JOIN triage_decisions td ON td.concern_id = c.id \
         JOIN users du ON du.id = td.decided_by \
         WHERE c.received_on >= $1 AND c.received_on <= $2 AND du.team_id = $3"
    } else {
        "FROM concerns c WHERE c.received_on >= $1 AND c.received_on <= $2 AND CAST($3 AS TEXT) IS NULL"
    }
}

/// Joins giving an enquiry `e` its team: its lead practitioner's, or while
/// it has no lead, the team that decided to open it; and the condition that
/// it is of team `$n` (always true when every team is counted).
fn enquiry_team(by_team: bool, n: u8) -> (&'static str, String) {
    if by_team {
        (
            "LEFT JOIN users lu ON lu.id = e.lead_user_id \
             LEFT JOIN triage_decisions etd ON etd.concern_id = e.concern_id \
             LEFT JOIN users tu ON tu.id = etd.decided_by",
            format!("COALESCE(lu.team_id, tu.team_id) = ${n}"),
        )
    } else {
        ("", format!("CAST(${n} AS TEXT) IS NULL"))
    }
}

/// Asked, achievement, action result, risk outcome, how many.
type OutcomeRow = (String, Option<String>, String, Option<String>, i64);

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn counts<K>(rows: Vec<(K, i64)>) -> Vec<(K, u64)> {
    rows.into_iter().map(|(k, n)| (k, count(n))).collect()
}

/// Counts of a column that is never empty.
fn known(rows: Vec<(Option<String>, i64)>) -> Vec<(String, u64)> {
    rows.into_iter()
        .filter_map(|(k, n)| Some((k?, count(n))))
        .collect()
}

impl Store {
    /// The dashboard's counts for `period`, for one team or (with `None`) all.
    /// `today` (`YYYY-MM-DD`-able) dates the overdue work.
    pub async fn dashboard_facts(
        &self,
        period: Period,
        team: Option<&str>,
        today: time::Date,
    ) -> Result<DashboardFacts> {
        let from = iso_date(period.from);
        let to = iso_date(period.to);
        let today = iso_date(today);
        let by_team = team.is_some();
        let concerns = concerns_from(by_team);
        let grouped = |by: &str| format!("SELECT {by}, COUNT(*) AS n {concerns} GROUP BY {by}");
        // Concerns counted by one column (or expression) at a time.
        let mut by_column = Vec::new();
        for column in [
            "substr(c.received_on, 1, 7)",
            "c.suspected_types",
            "c.location_type",
            "c.raiser_kind",
        ] {
            let rows: Vec<(Option<String>, i64)> =
                fetch_all!(self, &grouped(column), &from, &to, team)?;
            by_column.push(rows);
        }
        let [by_month, by_types, by_location, by_source] =
            <[_; 4]>::try_from(by_column).unwrap_or_default();
        let decisions: Vec<(String, Option<i64>, i64)> = fetch_all!(
            self,
            &grouped("c.received_on, CAST(c.decided_at / 86400000 AS BIGINT)"),
            &from,
            &to,
            team
        )?;
        let providers: Vec<(String, String, String, i64)> = fetch_all!(
            self,
            &format!(
                "SELECT c.provider_id, pr.name, substr(c.received_on, 1, 7), COUNT(*) AS n \
                 {} AND c.provider_id IS NOT NULL \
                 GROUP BY c.provider_id, pr.name, substr(c.received_on, 1, 7)",
                concerns.replace(
                    "FROM concerns c ",
                    "FROM concerns c JOIN providers pr ON pr.id = c.provider_id "
                )
            ),
            &from,
            &to,
            team
        )?;
        let waiting: Vec<(String, i64)> = fetch_all!(
            self,
            "SELECT received_on, COUNT(*) AS n FROM concerns WHERE state = 'new' GROUP BY received_on"
        )?;
        let (joins, of_team) = enquiry_team(by_team, 3);
        let concluded_from = format!(
            "FROM enquiry_conclusions ec JOIN enquiries e ON e.id = ec.enquiry_id {joins} \
             WHERE e.kind = 'section_42' AND e.state = 'concluded' \
             AND ec.concluded_on >= $1 AND ec.concluded_on <= $2 AND {of_team}"
        );
        let (joins, of_team) = enquiry_team(by_team, 2);
        let enquiries_of_team = format!("FROM enquiries e {joins} WHERE {of_team}");
        // One pass over the concluded enquiries for both MSP and risk.
        let outcomes: Vec<OutcomeRow> = fetch_all!(
            self,
            &format!(
                "SELECT ec.asked, ec.achievement, ec.action_result, ec.risk_outcome, COUNT(*) AS n {concluded_from} \
                 GROUP BY ec.asked, ec.achievement, ec.action_result, ec.risk_outcome"
            ),
            &from,
            &to,
            team
        )?;
        let mut msp = std::collections::BTreeMap::new();
        let mut risk = std::collections::BTreeMap::new();
        for (asked, achievement, result, outcome, n) in outcomes {
            *msp.entry((asked, achievement)).or_insert(0u64) += count(n);
            *risk.entry((result, outcome)).or_insert(0u64) += count(n);
        }
        let today = &today;
        let single = |sql: String| async move {
            let rows: Vec<(i64,)> = fetch_all!(self, &sql, today, team)?;
            Ok::<u64, crate::StoreError>(rows.first().map(|r| count(r.0)).unwrap_or(0))
        };
        let overdue_actions = single(format!(
            "SELECT COUNT(*) FROM plan_actions a JOIN enquiries e ON e.id = a.enquiry_id {joins} \
             WHERE a.status IN ('planned', 'in_progress') AND a.due_on < $1 AND {of_team}"
        ))
        .await?;
        let overdue_reviews = single(format!(
            "SELECT COUNT(*) {enquiries_of_team} AND e.state <> 'concluded' AND e.next_review_on < $1"
        ))
        .await?;
        let awaiting: Vec<(i64,)> = fetch_all!(
            self,
            &{
                let (joins, of_team) = enquiry_team(by_team, 1);
                format!(
                    "SELECT COUNT(*) FROM enquiries e {joins} WHERE e.state = 'awaiting_sign_off' AND {of_team}"
                )
            },
            team
        )?;
        let awaiting_sign_off = awaiting.first().map(|r| count(r.0)).unwrap_or(0);

        let day = |s: &str| parse_iso_date(s);
        Ok(DashboardFacts {
            concerns_by_month: known(by_month),
            concerns_by_types: known(by_types),
            concerns_by_location: counts(by_location),
            concerns_by_source: known(by_source),
            decisions: decisions
                .into_iter()
                .filter_map(|(received, decided, n)| {
                    Some((day(&received)?, decided.and_then(day_of_epoch), count(n)))
                })
                .collect(),
            waiting: waiting
                .into_iter()
                .filter_map(|(received, n)| Some((day(&received)?, count(n))))
                .collect(),
            msp: msp.into_iter().map(|((a, b), n)| (a, b, n)).collect(),
            risk: risk.into_iter().map(|((a, b), n)| (a, b, n)).collect(),
            providers: providers
                .into_iter()
                .map(|(id, name, month, n)| (id, name, month, count(n)))
                .collect(),
            overdue_actions,
            overdue_reviews,
            awaiting_sign_off,
        })
    }
}
