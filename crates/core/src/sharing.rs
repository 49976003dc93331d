//! Information sharing: recording each share of a person's information on
//! its lawful basis, and what a partner agency may read because of it.

use safeguard_domain::Actor;
use safeguard_domain::policy::{Action, Decision, Role, decide};
use safeguard_domain::sharing::{RawShare, SharedPart};
use safeguard_domain::validation::FieldErrors;
use safeguard_store::access::ShareRow;
use safeguard_store::concerns::ChronologyRow;
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, unix_ms};

impl Safeguard {
    /// Records a share of the enquiry's person's information: what, with
    /// whom, why, on which lawful basis, with consent or the reason to share
    /// without it. The share goes on the person's chronology; parts named
    /// for a partner agency become readable by that agency's staff.
    pub async fn record_share(
        &self,
        actor: &Actor,
        enquiry_id: &str,
        raw: &RawShare,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let enquiry = self
            .enquiry_for(actor, enquiry_id, Action::WorkOnEnquiry, ctx, now)
            .await?;
        let assessment = self
            .capacity_assessment(&enquiry.id, raw.capacity_id.as_deref())
            .await?;
        let share = raw
            .parse_with(self.today(now), assessment.as_ref())
            .map_err(CoreError::Invalid)?;
        let agency_id = match &share.agency {
            None => None,
            Some(name) => {
                let found = self
                    .store
                    .list_agencies()
                    .await?
                    .into_iter()
                    .find(|a| !a.is_owner && a.name.eq_ignore_ascii_case(name));
                match found {
                    Some(a) => Some(a.id),
                    None => {
                        let mut e = FieldErrors::new();
                        e.add("agency", "Select a partner agency from the list");
                        return Err(CoreError::Invalid(e));
                    }
                }
            }
        };
        let id = new_uuid(now)?.to_string();
        let row = ShareRow {
            id: id.clone(),
            person_id: enquiry.person_id.clone(),
            enquiry_id: Some(enquiry.id.clone()),
            what: share.what.clone(),
            agency_id,
            recipient: share.recipient.clone(),
            purpose: share.purpose.clone(),
            article6: share.article6.code().into(),
            article9: share.article9.code().into(),
            consent: share.consent.code().into(),
            override_reason: share.override_reason.map(|r| r.code().to_string()),
            override_detail: share.override_detail.clone(),
            shared_on: safeguard_domain::person::iso_date(share.shared_on),
            parts: share
                .parts
                .iter()
                .map(|p| p.code())
                .collect::<Vec<_>>()
                .join(","),
            recorded_by: actor.user_id.to_string(),
            recorded_at: unix_ms(now),
            capacity_record_id: share.capacity_id.clone(),
        };
        let mut tx = self.store.begin_audited().await?;
        tx.insert_share(&row).await?;
        tx.add_chronology(&ChronologyRow {
            id: new_uuid(now)?.to_string(),
            person_id: enquiry.person_id.clone(),
            at: unix_ms(now),
            kind: "share".into(),
            summary: share.chronology(),
            actor_name: actor.display_name.clone(),
            concern_id: Some(enquiry.concern_id.clone()),
        })
        .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "share",
                "enquiry",
                Some(enquiry.id.clone()),
                "success",
            )?
            .with_reason(share.article6.code())
            .with_detail(format!("share {id}; consent {}", share.consent.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The parts of an enquiry `actor` may read: `None` for council case
    /// workers (all of it), the parts shared with their agency for partner
    /// staff (empty when they were invited rather than shared with).
    pub(crate) async fn readable_parts(
        &self,
        actor: &Actor,
        enquiry_id: &str,
    ) -> CoreResult<Option<Vec<SharedPart>>> {
        if decide(actor, Action::ViewEnquiries) == Decision::Allow {
            return Ok(None);
        }
        if actor.role != Role::Partner {
            return Ok(Some(Vec::new()));
        }
        if self
            .store
            .is_enquiry_member(enquiry_id, &actor.user_id.to_string())
            .await?
        {
            // Invited by name: the whole enquiry, read-only.
            return Ok(Some(SharedPart::ALL.to_vec()));
        }
        Ok(Some(
            self.store
                .shared_parts(enquiry_id, &actor.agency_id.to_string())
                .await?
                .iter()
                .filter_map(|p| SharedPart::parse(p))
                .collect(),
        ))
    }

    /// Enquiries with parts shared with the actor's agency (partner staff).
    pub async fn enquiries_shared_with_me(
        &self,
        actor: &Actor,
    ) -> CoreResult<Vec<(String, String, String)>> {
        if actor.role != Role::Partner || actor.agency_is_owner {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .enquiries_shared_with(&actor.agency_id.to_string(), 100)
            .await?)
    }
}
