//! Reading and checking the audit trail.

use safeguard_domain::Actor;
use safeguard_domain::policy::Action;
use safeguard_store::audit::{AuditEvent, AuditFilter, Verification};
use time::OffsetDateTime;

use crate::{CoreResult, Ctx, Safeguard};

/// The audit page for a data protection officer.
#[derive(Clone, Debug)]
pub struct AuditPage {
    /// The newest events that match the filter.
    pub events: Vec<AuditEvent>,
    /// Whether the chain is intact.
    pub verification: Verification,
}

impl Safeguard {
    /// Walks the whole audit chain (the `audit verify` command).
    pub async fn verify_audit(&self) -> CoreResult<Verification> {
        Ok(self.store.verify_audit().await?)
    }

    /// Recent audit events and the chain's state, for the DPO. Reading the
    /// audit trail is itself audited.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AuditPage> {
        self.require_as(actor, Action::ViewAudit, ctx, now, ("view", "audit", None))
            .await?;
        let events = self.store.list_audit(filter, 200).await?;
        let verification = self.store.verify_audit().await?;
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "audit",
            filter.subject_id.clone(),
            "success",
        )?)
        .await?;
        Ok(AuditPage {
            events,
            verification,
        })
    }
}
