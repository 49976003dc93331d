//! Need-to-know: who holds a case, restricted records and their access
//! lists, emergency (break-glass) openings and their review, and enquiries'
//! need-to-know teams. The policy itself is `safeguard_domain::policy`; this
//! module only reads the facts it needs and keeps the records.

use sqlx::FromRow;

use crate::{Result, Store, Tx, on_db, on_tx};

/// The facts the policy weighs for one person and one user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFactsRow {
    /// Ids of the teams that hold the case.
    pub holding_teams: Vec<String>,
    /// The user leads an enquiry about the person.
    pub allocated: bool,
    /// The record is restricted.
    pub restricted: bool,
    /// The user is on the restriction's access list.
    pub on_access_list: bool,
    /// The user has an unexpired break-glass opening of the record.
    pub break_glass: bool,
    /// The user made the record.
    pub created: bool,
    /// There is no such record.
    pub missing: bool,
    /// The record was merged into this one (it leads there).
    pub merged_into: Option<String>,
}

/// A restriction on a person's record.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct RestrictionRow {
    pub person_id: String,
    pub reason: String,
    pub contact: String,
    pub restricted_by: String,
    pub restricted_at: i64,
}

/// Someone on an access list or in an enquiry's need-to-know team.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct NamedUserRow {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub agency_name: String,
    pub reason: Option<String>,
    pub added_at: i64,
}

/// An emergency opening of a record.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct BreakGlassRow {
    pub id: String,
    pub person_id: String,
    pub user_id: String,
    pub reason: String,
    pub opened_at: i64,
    pub expires_at: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub justified: Option<bool>,
    pub finding: Option<String>,
}

/// A break-glass opening with the names a reviewer needs.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct BreakGlassListRow {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub user_name: String,
    pub username: String,
    pub reason: String,
    pub opened_at: i64,
    pub expires_at: i64,
    pub reviewed_at: Option<i64>,
    pub reviewer_name: Option<String>,
    pub justified: Option<bool>,
    pub finding: Option<String>,
}

/// Who is looking at a list, for need-to-know scoping in SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// The user's id.
    pub user_id: String,
    /// The user's team's id.
    pub team_id: Option<String>,
    /// Whether the user is a council manager (who also sees cases no team holds).
    pub manager: bool,
    /// Now, in ms (emergency openings expire).
    pub now: i64,
}

impl Viewer {
    /// The viewer's values for binding as `$first` (user), `$first+1`
    /// (team), `$first+2` (now) and `$first+3` (manager), as
    /// [`visible_person_sql`] expects.
    pub fn binds(&self) -> Vec<crate::bulk::Value> {
        use crate::bulk::Value;
        vec![
            Value::Text(Some(self.user_id.clone())),
            Value::Text(self.team_id.clone()),
            Value::Int(Some(self.now)),
            Value::Bool(self.manager),
        ]
    }

    /// [`visible_person_sql`] with the viewer's values bound from `$first`.
    pub fn person_sql(&self, person: &str, first: usize) -> String {
        visible_person_sql(person, first, first + 1, first + 2, first + 3)
    }
}

/// SQL that is true when the person `person` (an SQL expression) is one the
/// viewer — `$u` the user's id, `$t` their team's id (may be NULL), `$n` now
/// in ms — may see in full through a list: held by their team, allocated to
/// or made by them, or opened by them in an emergency; and, when restricted, only
/// for those on its access list or with an emergency opening. `$m` is true
/// for managers, who also see cases no team holds yet.
pub fn visible_person_sql(person: &str, u: usize, t: usize, n: usize, m: usize) -> String {
    let glass = glass_sql(person, u, n);
    let listed = listed_sql(person, u);
    let held = held_sql(person, &format!("= ${t}"));
    let allocated = format!(
        "(EXISTS (SELECT 1 FROM enquiries va WHERE va.person_id = {person} AND va.lead_user_id = ${u}) \
         OR EXISTS (SELECT 1 FROM people vc WHERE vc.id = {person} AND vc.created_by = ${u}))"
    );
    let unheld = format!("(${m} AND NOT {})", held_sql(person, "IS NOT NULL"));
    format!(
        "(CASE WHEN EXISTS (SELECT 1 FROM person_restrictions vr WHERE vr.person_id = {person}) \
         THEN ({listed} OR {glass}) \
         ELSE ({allocated} OR {held} OR {unheld} OR {glass}) END)"
    )
}

/// SQL true when the user `$u` has an emergency opening of the person unexpired at `$n`.
fn glass_sql(person: &str, u: usize, n: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM break_glass vg WHERE vg.person_id = {person} AND vg.user_id = ${u} AND vg.expires_at > ${n})"
    )
}

/// SQL true when the user `$u` is on the person's access list.
fn listed_sql(person: &str, u: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM restriction_access vl WHERE vl.person_id = {person} AND vl.user_id = ${u})"
    )
}

/// SQL true when the person's record is restricted and the user `$u` may
/// not open it (not on its list, no unexpired emergency opening at `$n`).
pub fn restricted_out_sql(person: &str, u: usize, n: usize) -> String {
    format!(
        "(EXISTS (SELECT 1 FROM person_restrictions vr WHERE vr.person_id = {person}) \
         AND NOT {} AND NOT {})",
        listed_sql(person, u),
        glass_sql(person, u, n)
    )
}

/// Where a case's holders come from: a table (with its alias), the column
/// naming the holding user and the column naming the person. Who made the
/// record, who decided a concern about them, who leads an enquiry about
/// them; a holder's team holds the case.
const HOLDERS: [(&str, &str, &str); 3] = [
    ("people hp", "hp.created_by", "hp.id"),
    // Who decided a concern about them, kept per person by the database's
    // triggers (migration 0041) as decisions and links change.
    ("person_deciders ha", "ha.user_id", "ha.person_id"),
    ("enquiries he", "he.lead_user_id", "he.person_id"),
];

/// A `FROM` of a [`HOLDERS`] table joined to its holding user `hu`.
fn holder_users(table: &str, user: &str) -> String {
    format!("FROM {table} JOIN users hu ON hu.id = {user}")
}

/// SQL true when a holder's team meets `team` (`= $2`, `IS NOT NULL`…) for the person.
fn held_sql(person: &str, team: &str) -> String {
    let parts: Vec<String> = HOLDERS
        .iter()
        .map(|(table, user, col)| {
            format!(
                "EXISTS (SELECT 1 {} WHERE {col} = {person} AND hu.team_id {team})",
                holder_users(table, user)
            )
        })
        .collect();
    format!("({})", parts.join(" OR "))
}

/// SQL listing the ids of the teams that hold the person `$1`.
fn holding_teams_sql() -> String {
    HOLDERS
        .iter()
        .map(|(table, user, col)| {
            format!(
                "SELECT hu.team_id {} WHERE {col} = $1 AND hu.team_id IS NOT NULL",
                holder_users(table, user)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ")
}

/// A derived table `holding` of the teams (`id`, `name`) holding the person
/// `p` of the enclosing statement, a team once for each holder reaching it:
/// the holders' user ids gathered first and each joined to its team once,
/// rather than a join of users and teams for each kind of holder (a plan a
/// third the size, set up again every time a record is opened).
fn holding_from() -> String {
    let users = HOLDERS
        .iter()
        .map(|(table, user, col)| {
            format!("SELECT {user} AS user_id FROM {table} WHERE {col} = p.id")
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        "(SELECT ht.id, ht.name FROM ({users}) h JOIN users hu ON hu.id = h.user_id \
         JOIN teams ht ON ht.id = hu.team_id) holding"
    )
}

const BREAK_GLASS_LIST: &str = "SELECT b.id, b.person_id, p.given_name || ' ' || p.family_name AS person_name, \
    u.display_name AS user_name, u.username, b.reason, b.opened_at, b.expires_at, b.reviewed_at, \
    r.display_name AS reviewer_name, b.justified, b.finding \
    FROM break_glass b JOIN people p ON p.id = b.person_id JOIN users u ON u.id = b.user_id \
    LEFT JOIN users r ON r.id = b.reviewed_by";

/// The facts the policy weighs for one person of many, with what a viewer
/// outside the case is told about who to contact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonFactsRow {
    /// The policy's facts.
    pub facts: CaseFactsRow,
    /// Names of the teams that hold the case, by name.
    pub holding_team_names: Vec<String>,
    /// The restriction's contact, when the record is restricted.
    pub restriction_contact: Option<String>,
}

/// Flags for one person of many (see [`Store::case_facts_many`]).
#[derive(FromRow)]
struct FlagsRow {
    id: String,
    #[sqlx(flatten)]
    flags: Flags,
}

/// What the policy weighs for one person and one user, as read (see
/// [`Store::flags_sql`]).
#[derive(FromRow)]
pub(crate) struct Flags {
    allocated: bool,
    on_access_list: bool,
    break_glass: bool,
    created: bool,
    restriction_contact: Option<String>,
    merged_into: Option<String>,
    /// JSON: the holding teams, each `{id, name}`.
    holders: String,
}

impl Flags {
    /// The flags as read on the asking thread, from column `first` on.
    pub(crate) fn from_lite(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Flags> {
        Ok(crate::from_columns!(
            r,
            first,
            Flags {
                allocated,
                on_access_list,
                break_glass,
                created,
                restriction_contact,
                merged_into,
                holders
            }
        ))
    }

    /// The facts, with the holding teams parsed, each team once and in
    /// order (the statement gives them as it finds them).
    pub(crate) fn into_facts(self) -> Result<PersonFactsRow> {
        let teams = holding_teams(&self.holders)?;
        let mut holding_team_names: Vec<String> = teams.iter().map(|t| t.name.clone()).collect();
        holding_team_names.sort();
        holding_team_names.dedup();
        Ok(PersonFactsRow {
            facts: CaseFactsRow {
                allocated: self.allocated,
                restricted: self.restriction_contact.is_some(),
                on_access_list: self.on_access_list,
                break_glass: self.break_glass,
                created: self.created,
                merged_into: self.merged_into,
                holding_teams: teams.into_iter().map(|t| t.id).collect(),
                ..CaseFactsRow::default()
            },
            holding_team_names,
            restriction_contact: self.restriction_contact,
        })
    }
}

/// What the policy weighs about one person for any reader, as read with
/// the whole page and held with it while the person's page
/// mark and the directory's mark stand (decision 0029): the reader's facts
/// then come from here ([`PersonAccess::facts_for`]), and agree with
/// [`Store::flags_sql`]'s for every reader.
#[derive(Clone, Debug)]
pub(crate) struct PersonAccess {
    created_by: Option<String>,
    merged_into: Option<String>,
    restriction_contact: Option<String>,
    /// Who leads an enquiry about the person.
    leads: Vec<String>,
    /// Who is on the restriction's access list.
    access_list: Vec<String>,
    /// Break-glass openings unexpired when read: who, and until when (ms).
    break_glass: Vec<(String, i64)>,
    /// The holding teams' ids, each once, in order.
    holding_teams: Vec<String>,
}

/// [`PersonAccess`] as read, its lists as JSON arrays (see
/// [`Store::access_sql`]).
#[derive(FromRow)]
pub(crate) struct AccessRow {
    access_created_by: Option<String>,
    merged_into: Option<String>,
    restriction_contact: Option<String>,
    access_leads: String,
    access_list: String,
    access_break_glass: String,
    holders: String,
}

/// A break-glass opening as [`Store::access_sql`] lists it.
#[derive(serde::Deserialize)]
struct OpeningRow {
    user_id: String,
    expires_at: i64,
}

impl AccessRow {
    /// The columns as read on the asking thread, from column `first` on.
    pub(crate) fn from_lite(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<AccessRow> {
        Ok(crate::from_columns!(
            r,
            first,
            AccessRow {
                access_created_by,
                merged_into,
                restriction_contact,
                access_leads,
                access_list,
                access_break_glass,
                holders
            }
        ))
    }

    /// The facts as held, the lists parsed.
    pub(crate) fn into_access(self) -> Result<PersonAccess> {
        let teams = holding_teams(&self.holders)?;
        let openings: Vec<OpeningRow> = crate::from_json(&self.access_break_glass)?;
        Ok(PersonAccess {
            created_by: self.access_created_by,
            merged_into: self.merged_into,
            restriction_contact: self.restriction_contact,
            leads: crate::from_json(&self.access_leads)?,
            access_list: crate::from_json(&self.access_list)?,
            break_glass: openings
                .into_iter()
                .map(|o| (o.user_id, o.expires_at))
                .collect(),
            holding_teams: teams.into_iter().map(|t| t.id).collect(),
        })
    }
}

impl PersonAccess {
    /// What the policy weighs for `user` at `now` (ms): what
    /// [`Store::flags_sql`] reads for them.
    pub(crate) fn facts_for(&self, user: &str, now: i64) -> CaseFactsRow {
        let has = |list: &[String]| list.iter().any(|u| u == user);
        CaseFactsRow {
            holding_teams: self.holding_teams.clone(),
            allocated: has(&self.leads),
            restricted: self.restriction_contact.is_some(),
            on_access_list: has(&self.access_list),
            break_glass: self
                .break_glass
                .iter()
                .any(|(u, until)| u == user && *until > now),
            created: self.created_by.as_deref() == Some(user),
            missing: false,
            merged_into: self.merged_into.clone(),
        }
    }
}

/// The holding teams a statement gives as JSON (see [`Store::flags_sql`]),
/// each team once and in order of id.
fn holding_teams(json: &str) -> Result<Vec<TeamRow>> {
    let mut teams: Vec<TeamRow> = crate::from_json(json)?;
    teams.sort_by(|a, b| a.id.cmp(&b.id));
    teams.dedup_by(|a, b| a.id == b.id);
    Ok(teams)
}

/// A team that holds a case.
#[derive(serde::Deserialize)]
struct TeamRow {
    id: String,
    name: String,
}

impl Store {
    /// The columns of [`Flags`] for the person `p` (a `people` row so
    /// named in the statement), the user bound at `user` and the time (ms)
    /// at `now` (`"$1"`, `"$2"`…).
    ///
    /// The holding teams come as one JSON value beside the flags. A team
    /// may be there more than once (reached through more than one holder),
    /// and in no order: [`Flags::into_facts`] settles both. Asking SQLite
    /// for either made it build a temporary table for every record opened.
    pub(crate) fn flags_sql(&self, user: &str, now: &str) -> String {
        let holders = self.json_rows("id, name", &[], &holding_from(), "");
        format!(
            "EXISTS (SELECT 1 FROM enquiries WHERE person_id = p.id AND lead_user_id = {user}) AS allocated, \
             EXISTS (SELECT 1 FROM restriction_access WHERE person_id = p.id AND user_id = {user}) AS on_access_list, \
             EXISTS (SELECT 1 FROM break_glass WHERE person_id = p.id AND user_id = {user} AND expires_at > {now}) AS break_glass, \
             COALESCE(p.created_by = {user}, FALSE) AS created, \
             (SELECT contact FROM person_restrictions WHERE person_id = p.id) AS restriction_contact, \
             p.merged_into, {holders} AS holders"
        )
    }

    /// The columns of [`AccessRow`] for the person `p` (a `people` row so
    /// named in the statement), break-glass openings unexpired at the time
    /// bound at `now`: the facts for every reader at once, to hold with the
    /// page (see [`PersonAccess`]).
    pub(crate) fn access_sql(&self, now: &str) -> String {
        // A JSON array of one column's values, `[]` for none.
        let list = |column: &str, from: &str| match self.db {
            crate::Db::Postgres(_) => {
                format!("(SELECT COALESCE(json_agg({column}), '[]')::text FROM {from})")
            }
            crate::Db::Sqlite(_) => format!("(SELECT json_group_array({column}) FROM {from})"),
        };
        format!(
            "p.created_by AS access_created_by, p.merged_into, \
             (SELECT contact FROM person_restrictions WHERE person_id = p.id) AS restriction_contact, \
             {} AS access_leads, {} AS access_list, {} AS access_break_glass, {} AS holders",
            list(
                "lead_user_id",
                "enquiries WHERE person_id = p.id AND lead_user_id IS NOT NULL"
            ),
            list("user_id", "restriction_access WHERE person_id = p.id"),
            self.json_rows(
                "user_id, expires_at",
                &[],
                &format!("break_glass WHERE person_id = p.id AND expires_at > {now}"),
                ""
            ),
            self.json_rows("id, name", &[], &holding_from(), ""),
        )
    }

    /// What the policy weighs for each of `person_ids` and `user_id` at
    /// `now` (ms), with the holding teams' names and any restriction's
    /// contact: one read for up to 500 of them, not two or more each (a search
    /// checks every result). Ids with no record are absent.
    pub async fn case_facts_many(
        &self,
        person_ids: &[String],
        user_id: &str,
        now: i64,
    ) -> Result<std::collections::HashMap<String, PersonFactsRow>> {
        let mut out = std::collections::HashMap::with_capacity(person_ids.len());
        let flags = self.flags_sql("$1", "$2");
        for chunk in person_ids.chunks(500) {
            let ids = crate::marks(3, chunk.len());
            let sql = format!("SELECT p.id, {flags} FROM people p WHERE p.id IN ({ids})");
            // Every record opened starts here.
            let rows: Vec<FlagsRow> = crate::on_warm!(
                self,
                inline | c | {
                    let names: Vec<String> =
                        (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
                    let mut params: Vec<(&str, &dyn rusqlite::ToSql)> =
                        vec![("$1", &user_id), ("$2", &now)];
                    params.extend(
                        names
                            .iter()
                            .map(String::as_str)
                            .zip(chunk.iter().map(|id| id as &dyn rusqlite::ToSql)),
                    );
                    c.prepare_cached(&sql)?
                        .query_map(params.as_slice(), |r| {
                            Ok(FlagsRow {
                                id: r.get("id")?,
                                flags: Flags::from_lite(r, 1)?,
                            })
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()
                },
                |c| {
                    let mut q = sqlx::query_as(&sql).bind(user_id).bind(now);
                    for id in chunk {
                        q = q.bind(id);
                    }
                    q.fetch_all(c).await
                }
            )?;
            for f in rows {
                out.insert(f.id, f.flags.into_facts()?);
            }
        }
        Ok(out)
    }

    /// What the policy weighs for `person_id` and `user_id` at `now` (ms):
    /// [`Store::case_facts_many`] for one, so one and many are checked alike.
    pub async fn case_facts(
        &self,
        person_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<CaseFactsRow> {
        let id = person_id.to_string();
        Ok(self
            .case_facts_many(std::slice::from_ref(&id), user_id, now)
            .await?
            .remove(&id)
            .map_or_else(
                || CaseFactsRow {
                    missing: true,
                    ..CaseFactsRow::default()
                },
                |row| row.facts,
            ))
    }

    /// Names of the teams that hold a person's case, by name.
    pub async fn holding_team_names(&self, person_id: &str) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT name FROM teams WHERE id IN ({}) ORDER BY name",
            holding_teams_sql()
        );
        Ok(on_db!(self, |p| sqlx::query_scalar(&sql)
            .bind(person_id)
            .fetch_all(p)
            .await)?)
    }

    /// Whether the user is in the enquiry's need-to-know team.
    pub async fn is_enquiry_member(&self, enquiry_id: &str, user_id: &str) -> Result<bool> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM enquiry_members WHERE enquiry_id = $1 AND user_id = $2)"
        )
        .bind(enquiry_id)
        .bind(user_id)
        .fetch_one(p)
        .await)?)
    }

    /// An enquiry's need-to-know team, by when they were added.
    pub async fn enquiry_members(&self, enquiry_id: &str) -> Result<Vec<NamedUserRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT m.user_id, u.username, u.display_name, a.name AS agency_name, m.reason, m.added_at \
             FROM enquiry_members m JOIN users u ON u.id = m.user_id JOIN agencies a ON a.id = u.agency_id \
             WHERE m.enquiry_id = $1 ORDER BY m.added_at, u.username"
        )
        .bind(enquiry_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// The restriction on a person's record, if any.
    pub async fn restriction(&self, person_id: &str) -> Result<Option<RestrictionRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT person_id, reason, contact, restricted_by, restricted_at FROM person_restrictions WHERE person_id = $1"
        )
        .bind(person_id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Who may open a restricted record, by name.
    pub async fn access_list(&self, person_id: &str) -> Result<Vec<NamedUserRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT l.user_id, u.username, u.display_name, a.name AS agency_name, NULL AS reason, l.added_at \
             FROM restriction_access l JOIN users u ON u.id = l.user_id JOIN agencies a ON a.id = u.agency_id \
             WHERE l.person_id = $1 ORDER BY u.display_name, u.username"
        )
        .bind(person_id)
        .fetch_all(p)
        .await
        })?)
    }

    /// Break-glass openings: those awaiting review (oldest first) or, with
    /// `reviewed`, the most recent reviewed ones.
    pub async fn break_glass_openings(
        &self,
        reviewed: bool,
        limit: i64,
    ) -> Result<Vec<BreakGlassListRow>> {
        let sql = if reviewed {
            format!(
                "{BREAK_GLASS_LIST} WHERE b.reviewed_at IS NOT NULL ORDER BY b.reviewed_at DESC, b.id LIMIT $1"
            )
        } else {
            format!(
                "{BREAK_GLASS_LIST} WHERE b.reviewed_at IS NULL ORDER BY b.opened_at, b.id LIMIT $1"
            )
        };
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// One break-glass opening with names.
    pub async fn break_glass_listed(&self, id: &str) -> Result<Option<BreakGlassListRow>> {
        let sql = format!("{BREAK_GLASS_LIST} WHERE b.id = $1");
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// How many break-glass openings await review.
    pub async fn break_glass_awaiting_review(&self) -> Result<i64> {
        Ok(on_db!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM break_glass WHERE reviewed_at IS NULL"
        )
        .fetch_one(p)
        .await)?)
    }

    /// One break-glass opening.
    pub async fn break_glass(&self, id: &str) -> Result<Option<BreakGlassRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, person_id, user_id, reason, opened_at, expires_at, reviewed_by, reviewed_at, justified, finding \
             FROM break_glass WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await
        })?)
    }
}

impl Tx {
    /// Marks a person's record restricted (replacing an earlier restriction's
    /// reason and contact) and puts `users` on its access list.
    pub async fn restrict(&mut self, r: &RestrictionRow, users: &[String]) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO person_restrictions (person_id, reason, contact, restricted_by, restricted_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO UPDATE SET reason = $2, contact = $3, \
             restricted_by = $4, restricted_at = $5"
        )
        .bind(&r.person_id)
        .bind(&r.reason)
        .bind(&r.contact)
        .bind(&r.restricted_by)
        .bind(r.restricted_at)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        for u in users {
            on_tx!(self, |c| {
                sqlx::query(
                "INSERT INTO restriction_access (person_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (person_id, user_id) DO NOTHING"
            )
            .bind(&r.person_id)
            .bind(u)
            .bind(&r.restricted_by)
            .bind(r.restricted_at)
            .execute(&mut *c)
            .await
            .map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Lifts a restriction (its access list goes with it). False if there was none.
    pub async fn lift_restriction(&mut self, person_id: &str) -> Result<bool> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM restriction_access WHERE person_id = $1"
        )
        .bind(person_id)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        let n = on_tx!(self, |c| sqlx::query(
            "DELETE FROM person_restrictions WHERE person_id = $1"
        )
        .bind(person_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Records an emergency opening.
    pub async fn insert_break_glass(&mut self, b: &BreakGlassRow) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO break_glass (id, person_id, user_id, reason, opened_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(&b.id)
        .bind(&b.person_id)
        .bind(&b.user_id)
        .bind(&b.reason)
        .bind(b.opened_at)
        .bind(b.expires_at)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Closes a break-glass review with a finding. False if it was already closed.
    pub async fn review_break_glass(
        &mut self,
        id: &str,
        by: &str,
        at: i64,
        justified: bool,
        finding: &str,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE break_glass SET reviewed_by = $2, reviewed_at = $3, justified = $4, finding = $5 \
             WHERE id = $1 AND reviewed_at IS NULL"
        )
        .bind(id)
        .bind(by)
        .bind(at)
        .bind(justified)
        .bind(finding)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n > 0)
    }

    /// Adds a user to an enquiry's need-to-know team. False if already there.
    pub async fn add_enquiry_member(
        &mut self,
        enquiry_id: &str,
        user_id: &str,
        reason: &str,
        by: &str,
        at: i64,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| sqlx::query(
            "INSERT INTO enquiry_members (enquiry_id, user_id, reason, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enquiry_id, user_id) DO NOTHING"
        )
        .bind(enquiry_id)
        .bind(user_id)
        .bind(reason)
        .bind(by)
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}

/// A recorded share of a person's information.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ShareRow {
    pub id: String,
    pub person_id: String,
    pub enquiry_id: Option<String>,
    pub what: String,
    pub agency_id: Option<String>,
    pub recipient: Option<String>,
    pub purpose: String,
    pub article6: String,
    pub article9: String,
    pub consent: String,
    pub override_reason: Option<String>,
    pub override_detail: Option<String>,
    pub shared_on: String,
    /// Comma-separated part codes.
    pub parts: String,
    pub recorded_by: String,
    pub recorded_at: i64,
    /// The capacity assessment the decision rests on, if any.
    pub capacity_record_id: Option<String>,
}

/// A share with the names a reader needs.
#[derive(Clone, Debug, FromRow, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ShareListRow {
    pub id: String,
    pub enquiry_id: Option<String>,
    pub what: String,
    pub agency_name: Option<String>,
    pub recipient: Option<String>,
    pub purpose: String,
    pub article6: String,
    pub article9: String,
    pub consent: String,
    pub override_reason: Option<String>,
    pub override_detail: Option<String>,
    pub shared_on: String,
    pub parts: String,
    pub recorded_by_name: String,
    pub recorded_at: i64,
}

const SHARE_LIST: &str = "SELECT s.id, s.enquiry_id, s.what, a.name AS agency_name, s.recipient, s.purpose, s.article6, \
    s.article9, s.consent, s.override_reason, s.override_detail, s.shared_on, s.parts, u.display_name AS recorded_by_name, \
    s.recorded_at FROM information_shares s LEFT JOIN agencies a ON a.id = s.agency_id JOIN users u ON u.id = s.recorded_by";

impl Store {
    /// One recorded share.
    pub async fn share(&self, id: &str) -> Result<Option<ShareRow>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT id, person_id, enquiry_id, what, agency_id, recipient, purpose, article6, article9, consent, \
             override_reason, override_detail, shared_on, parts, recorded_by, recorded_at, capacity_record_id \
             FROM information_shares WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// Shares of a person's information, newest first.
    pub async fn shares_for_person(&self, person_id: &str) -> Result<Vec<ShareListRow>> {
        let sql = format!(
            "{SHARE_LIST} WHERE s.person_id = $1 ORDER BY s.shared_on DESC, s.recorded_at DESC"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(person_id)
            .fetch_all(p)
            .await)?)
    }

    /// Shares made from an enquiry, newest first.
    pub async fn shares_for_enquiry(&self, enquiry_id: &str) -> Result<Vec<ShareListRow>> {
        let sql = format!(
            "{SHARE_LIST} WHERE s.enquiry_id = $1 ORDER BY s.shared_on DESC, s.recorded_at DESC"
        );
        Ok(on_db!(self, |p| sqlx::query_as(&sql)
            .bind(enquiry_id)
            .fetch_all(p)
            .await)?)
    }

    /// The part codes of an enquiry opened to an agency by its shares.
    pub async fn shared_parts(&self, enquiry_id: &str, agency_id: &str) -> Result<Vec<String>> {
        let rows: Vec<String> = on_db!(self, |p| {
            sqlx::query_scalar(
            "SELECT parts FROM information_shares WHERE enquiry_id = $1 AND agency_id = $2 AND parts <> ''"
        )
        .bind(enquiry_id)
        .bind(agency_id)
        .fetch_all(p)
        .await
        })?;
        let mut parts: Vec<String> = rows
            .iter()
            .flat_map(|r| r.split(','))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        parts.sort();
        parts.dedup();
        Ok(parts)
    }

    /// Enquiries with parts shared with an agency, newest share first, with the person's name.
    pub async fn enquiries_shared_with(
        &self,
        agency_id: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, String)>> {
        Ok(on_db!(self, |p| {
            sqlx::query_as(
            "SELECT e.id, p.given_name || ' ' || p.family_name, MAX(s.shared_on) FROM information_shares s \
             JOIN enquiries e ON e.id = s.enquiry_id JOIN people p ON p.id = e.person_id \
             WHERE s.agency_id = $1 AND s.parts <> '' \
             AND NOT EXISTS (SELECT 1 FROM person_restrictions r WHERE r.person_id = e.person_id) \
             GROUP BY e.id, p.given_name, p.family_name ORDER BY MAX(s.shared_on) DESC LIMIT $2"
        )
        .bind(agency_id)
        .bind(limit)
        .fetch_all(p)
        .await
        })?)
    }
}

impl Tx {
    /// Records a share.
    pub async fn insert_share(&mut self, s: &ShareRow) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO information_shares (id, person_id, enquiry_id, what, agency_id, recipient, purpose, article6, \
             article9, consent, override_reason, override_detail, shared_on, parts, recorded_by, recorded_at, capacity_record_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        )
        .bind(&s.id)
        .bind(&s.person_id)
        .bind(&s.enquiry_id)
        .bind(&s.what)
        .bind(&s.agency_id)
        .bind(&s.recipient)
        .bind(&s.purpose)
        .bind(&s.article6)
        .bind(&s.article9)
        .bind(&s.consent)
        .bind(&s.override_reason)
        .bind(&s.override_detail)
        .bind(&s.shared_on)
        .bind(&s.parts)
        .bind(&s.recorded_by)
        .bind(s.recorded_at)
        .bind(&s.capacity_record_id)
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }
}
