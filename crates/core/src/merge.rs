//! Merging two records of one person, and undoing a merge exactly.
//!
//! A council manager who may open both records in the ordinary way (on the
//! access list of a restricted one; never by an emergency opening) merges
//! them, choosing part by part which record's value the kept record takes.
//! In one transaction the kept record is updated, every concern, enquiry,
//! chronology entry, information share and emergency opening of the other
//! moves to it, the other record is marked as merged (and leaves the
//! search index), and both records as they were are kept with the list of
//! what moved — so the merge can be undone exactly, while the kept record
//! is still as the merge left it.

use safeguard_domain::merge::{FromOther, MergeField, merge};
use safeguard_domain::person::{Person, RawPerson};
use safeguard_domain::policy::{Action, Basis, PersonScope};
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::{Actor, PersonId};
use safeguard_store::merges::{MergeRow, Moved};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, unix_ms};

/// A merge into a record, as its page lists it.
#[derive(Clone, Debug)]
pub struct MergeSummary {
    /// The merge's id.
    pub id: String,
    /// The record merged away.
    pub merged_id: String,
    /// Its name before the merge.
    pub merged_name: String,
    /// When (unix ms).
    pub merged_at: i64,
    /// The parts taken from it.
    pub taken: Vec<&'static str>,
    /// Undone (unix ms), if it was.
    pub undone_at: Option<i64>,
}

fn refused(message: &str) -> CoreError {
    let mut e = FieldErrors::new();
    e.add("merge", message);
    CoreError::Invalid(e)
}

fn snapshot(p: &Person) -> CoreResult<String> {
    serde_json::to_string(&p.details.to_raw()).map_err(|e| CoreError::Internal(e.to_string()))
}

impl Safeguard {
    /// The ordinary access a merge needs to a record: on its need-to-know
    /// (or access list), never by an emergency opening.
    async fn merge_access(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let attempted = ("merge", "person", Some(id.to_string()));
        let basis = self
            .require_person(actor, id, ctx, now, attempted.clone())
            .await?;
        if basis == Basis::BreakGlass {
            return self
                .refuse(actor, ctx, now, attempted, CoreError::Forbidden)
                .await;
        }
        Ok(())
    }

    /// Merges record `other` into record `kept`, taking the parts in
    /// `from_other` from `other`. Returns the merge's id.
    pub async fn merge_people(
        &self,
        actor: &Actor,
        kept: PersonId,
        other: PersonId,
        from_other: &FromOther,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let (kept_id, other_id) = (kept.to_string(), other.to_string());
        self.require_as(
            actor,
            Action::ReviewDuplicates,
            ctx,
            now,
            ("merge", "person", Some(kept_id.clone())),
        )
        .await?;
        if kept == other {
            return Err(refused("Choose two different records"));
        }
        self.merge_access(actor, &kept_id, ctx, now).await?;
        // Managers may find any record, so whether one exists is no secret.
        let (Some(k), Some(o)) = (
            self.store.find_person(PersonScope::All, kept).await?,
            self.store.find_person(PersonScope::All, other).await?,
        ) else {
            return Err(CoreError::NotFound);
        };
        for id in [&kept_id, &other_id] {
            if self.store.merged_into(id).await?.is_some() {
                return Err(refused(
                    "One of these records was already merged into another",
                ));
            }
        }
        self.merge_access(actor, &other_id, ctx, now).await?;
        let details = merge(&k.details, &o.details, from_other);
        let by = actor.user_id.to_string();
        let mut tx = self.store.begin_audited().await?;
        if tx.share_a_concern(&kept_id, &other_id).await? {
            return Err(refused(
                "One concern names both records as different adults: correct that concern first",
            ));
        }
        let Some(version) = tx
            .update_person(kept, k.version, &details, unix_ms(now))
            .await?
        else {
            return Err(CoreError::Conflict);
        };
        let mut moved = tx.move_case(&other_id, &kept_id).await?;
        moved.restriction_copied = tx.copy_restriction(&other_id, &kept_id).await?;
        moved.pairs = tx
            .close_pairs_as_merged(&other_id, &by, unix_ms(now))
            .await?;
        tx.set_merged_into(&other_id, Some(&kept_id)).await?;
        tx.delete_search_keys(&other_id).await?;
        let taken: Vec<&str> = from_other.iter().map(|f| f.code()).collect();
        let row = MergeRow {
            id: new_uuid(now)?.to_string(),
            kept_id: kept_id.clone(),
            merged_id: other_id.clone(),
            kept_version_after: version,
            kept_before: snapshot(&k)?,
            merged_before: snapshot(&o)?,
            taken_from_merged: taken.join(","),
            moved: serde_json::to_string(&moved).map_err(|e| CoreError::Internal(e.to_string()))?,
            merged_at: unix_ms(now),
            merged_by: by,
            undone_at: None,
            undone_by: None,
        };
        tx.insert_merge(&row).await?;
        let detail = format!(
            "merge {}: {other_id} merged into {kept_id}; parts from {other_id}: {}; moved {} concerns, {} enquiries, \
             {} chronology entries, {} shares",
            row.id,
            if taken.is_empty() {
                "none"
            } else {
                &row.taken_from_merged
            },
            moved.concern_adults.len(),
            moved.enquiries.len(),
            moved.chronology.len(),
            moved.shares.len()
        );
        for id in [&kept_id, &other_id] {
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "merge",
                    "person",
                    Some(id.clone()),
                    "success",
                )?
                .with_detail(detail.clone()),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(row.id)
    }

    /// Undoes a merge exactly: both records as they were before it, every
    /// moved row back on the record it came from. Refused once the kept
    /// record has changed since the merge (undo that change first).
    /// Returns the kept record's id.
    pub async fn undo_merge(
        &self,
        actor: &Actor,
        merge_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<PersonId> {
        let attempted = ("unmerge", "person", Some(merge_id.to_string()));
        self.require_as(actor, Action::ReviewDuplicates, ctx, now, attempted)
            .await?;
        let Some(m) = self.store.merge(merge_id).await? else {
            return Err(CoreError::NotFound);
        };
        if m.undone_at.is_some() {
            return Err(refused("This merge was already undone"));
        }
        self.merge_access(actor, &m.kept_id, ctx, now).await?;
        let kept: PersonId = m.kept_id.parse().map_err(|_| CoreError::NotFound)?;
        let today = self.today(now);
        let parse = |json: &str| -> CoreResult<safeguard_domain::person::PersonDetails> {
            let raw: RawPerson =
                serde_json::from_str(json).map_err(|e| CoreError::Internal(e.to_string()))?;
            raw.parse(today)
                .map_err(|_| CoreError::Internal("a kept snapshot no longer reads".into()))
        };
        let (kept_before, other_before) = (parse(&m.kept_before)?, parse(&m.merged_before)?);
        let moved: Moved =
            serde_json::from_str(&m.moved).map_err(|e| CoreError::Internal(e.to_string()))?;
        let by = actor.user_id.to_string();
        let mut tx = self.store.begin_audited().await?;
        if tx
            .update_person(kept, m.kept_version_after, &kept_before, unix_ms(now))
            .await?
            .is_none()
        {
            return Err(refused(
                "The kept record was changed after the merge: undo those changes first, or merge again",
            ));
        }
        tx.move_back(&moved, &m.merged_id).await?;
        if moved.restriction_copied {
            tx.drop_restriction(&m.kept_id).await?;
        }
        tx.reopen_pairs(&moved.pairs).await?;
        tx.set_merged_into(&m.merged_id, None).await?;
        tx.replace_search_keys(
            &m.merged_id,
            &other_before.given_name,
            &other_before.family_name,
            &other_before.other_names,
        )
        .await?;
        if !tx.mark_merge_undone(merge_id, &by, unix_ms(now)).await? {
            return Err(CoreError::Conflict);
        }
        for id in [&m.kept_id, &m.merged_id] {
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "unmerge",
                    "person",
                    Some(id.clone()),
                    "success",
                )?
                .with_detail(format!("merge {merge_id} undone")),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(kept)
    }

    /// Both records side by side for the merge page, each opened with its
    /// access check and audit: (kept, other).
    pub async fn merge_preview(
        &self,
        actor: &Actor,
        kept: PersonId,
        other: PersonId,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(Person, Person)> {
        self.require_as(
            actor,
            Action::ReviewDuplicates,
            ctx,
            now,
            ("merge", "person", Some(kept.to_string())),
        )
        .await?;
        let k = self.view_person(actor, kept, ctx, now).await?;
        let o = self.view_person(actor, other, ctx, now).await?;
        Ok((k.into_person(), o.into_person()))
    }
}

/// A merge as a page lists it.
pub(crate) fn summary(r: safeguard_store::merges::MergeRow) -> CoreResult<MergeSummary> {
    let raw: RawPerson =
        serde_json::from_str(&r.merged_before).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(MergeSummary {
        id: r.id,
        merged_id: r.merged_id,
        merged_name: format!(
            "{} {}",
            raw.given_name.unwrap_or_default(),
            raw.family_name.unwrap_or_default()
        ),
        merged_at: r.merged_at,
        taken: r
            .taken_from_merged
            .split(',')
            .filter_map(MergeField::parse)
            .map(MergeField::label)
            .collect(),
        undone_at: r.undone_at,
    })
}
