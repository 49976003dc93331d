//! Contacts and case notes on a person's record, and the worker's curation
//! of the chronology: significant events with analysis.

use safeguard_domain::contact::{RawContact, RawSignificance};
use safeguard_domain::{Actor, PersonId};
use safeguard_store::concerns::ChronologyRow;
use safeguard_store::contacts::ContactRow;
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, unix_ms};

impl Safeguard {
    /// Records a contact or case note on a person's record, with its line on
    /// the chronology (the person's words quoted), in one audited
    /// transaction. Those who may work on the person's case may.
    pub async fn record_contact(
        &self,
        actor: &Actor,
        id: PersonId,
        raw: &RawContact,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        self.may_change_case(actor, id, ("create", "contact"), ctx, now)
            .await?;
        let c = raw.parse(self.today(now)).map_err(CoreError::Invalid)?;
        let pid = id.to_string();
        let given = self
            .store
            .person_name(&pid)
            .await?
            .map(|n| n.given_name)
            .unwrap_or_else(|| "the person".into());
        let cid = new_uuid(now)?.to_string();
        let chronology_id = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.add_chronology(&ChronologyRow {
            id: chronology_id.clone(),
            person_id: pid.clone(),
            at: unix_ms(now),
            kind: "contact".into(),
            summary: c.chronology(&given),
            actor_name: actor.display_name.clone(),
            concern_id: None,
        })
        .await?;
        tx.insert_contact(&ContactRow {
            id: cid.clone(),
            person_id: pid.clone(),
            kind: c.kind.code().into(),
            held_on: safeguard_domain::person::iso_date(c.held_on),
            with_person: c.with_person,
            others: c.others.clone(),
            person_words: c.person_words.clone(),
            note: c.note.clone(),
            chronology_id,
            recorded_by: actor.user_id.to_string(),
            recorded_by_name: actor.display_name.clone(),
            recorded_at: unix_ms(now),
        })
        .await?;
        tx.audit(
            Self::event(actor, ctx, now, "create", "contact", Some(pid), "success")?
                .with_detail(c.kind.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(cid)
    }

    /// Marks a chronology entry of person `id` as a significant event, with
    /// the worker's analysis of why it matters, or takes the mark away: the
    /// curated chronology. Audited; an entry not on the person's chronology
    /// is not found.
    pub async fn mark_significance(
        &self,
        actor: &Actor,
        id: PersonId,
        entry_id: &str,
        raw: &RawSignificance,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.may_change_case(actor, id, ("update", "chronology"), ctx, now)
            .await?;
        let analysis = raw.parse().map_err(CoreError::Invalid)?;
        let pid = id.to_string();
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .set_significance(&pid, entry_id, raw.significant, analysis.as_deref())
            .await?
        {
            return Err(CoreError::NotFound);
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "chronology",
                Some(pid),
                "success",
            )?
            .with_detail(format!(
                "{entry_id} {}",
                if raw.significant {
                    "significant"
                } else {
                    "not significant"
                }
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
