//! Retention: case files past their retention period with no open work
//! wait in a disposal queue; the data protection officer disposes of them,
//! leaving a certificate (what, when, by whom) and no personal data.

use safeguard_domain::Actor;
use safeguard_domain::policy::Action;
use safeguard_domain::validation::FieldErrors;
use safeguard_store::retention::{CertificateRow, DueRow};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, unix_ms};

const YEARS_KEY: &str = "retention.case_years";

/// Years a case file is kept after its last activity, unless set: adult
/// social care records are commonly kept eight years after the case closes.
pub const DEFAULT_CASE_YEARS: u32 = 8;

/// The disposal queue.
#[derive(Clone, Debug)]
pub struct RetentionQueue {
    /// Years kept after the last activity.
    pub years: u32,
    /// Case files past that with no open work, oldest first.
    pub due: Vec<DueRow>,
    /// Recent disposal certificates.
    pub certificates: Vec<CertificateRow>,
}

impl Safeguard {
    async fn case_years(&self) -> CoreResult<u32> {
        Ok(self
            .store
            .setting(YEARS_KEY)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_CASE_YEARS))
    }

    fn cutoff(years: u32, now: OffsetDateTime) -> i64 {
        unix_ms(now) - i64::from(years) * 365 * 86_400_000 - i64::from(years / 4) * 86_400_000
    }

    /// The disposal queue and recent certificates (the DPO; audited).
    pub async fn retention_queue(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<RetentionQueue> {
        self.require_as(
            actor,
            Action::ViewAudit,
            ctx,
            now,
            ("view", "retention", None),
        )
        .await?;
        let years = self.case_years().await?;
        let due = self
            .store
            .retention_due(Self::cutoff(years, now), 500)
            .await?;
        let certificates = self.store.certificates(100).await?;
        let mut tx = self.store.begin_audited().await?;
        tx.audit(
            Self::event(actor, ctx, now, "view", "retention", None, "success")?
                .with_detail(format!("{} due", due.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(RetentionQueue {
            years,
            due,
            certificates,
        })
    }

    /// Sets how many years case files are kept after their last activity (0 to 100).
    pub async fn set_retention_years(
        &self,
        actor: &Actor,
        years: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::ViewAudit,
            ctx,
            now,
            ("update", "retention", None),
        )
        .await?;
        let Some(y) = years.trim().parse::<u32>().ok().filter(|y| *y <= 100) else {
            let mut e = FieldErrors::new();
            e.add("years", "Enter a whole number of years from 0 to 100");
            return Err(CoreError::Invalid(e));
        };
        let mut tx = self.store.begin_audited().await?;
        tx.set_setting(YEARS_KEY, &y.to_string()).await?;
        tx.audit(
            Self::event(actor, ctx, now, "update", "retention", None, "success")?
                .with_detail(format!("case files kept {y} years after the last activity")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disposes of a case file that is past retention with no open work:
    /// everything about the person goes, in one transaction with its
    /// certificate and audit event. Refused ("not found") otherwise.
    pub async fn dispose(
        &self,
        actor: &Actor,
        person_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<CertificateRow> {
        self.require_as(
            actor,
            Action::ViewAudit,
            ctx,
            now,
            ("dispose", "person", Some(person_id.to_string())),
        )
        .await?;
        let years = self.case_years().await?;
        let mut tx = self.store.begin_audited().await?;
        let Some(due) = tx.still_due(person_id, Self::cutoff(years, now)).await? else {
            return Err(CoreError::NotFound);
        };
        let deleted = tx.dispose_person(person_id).await?;
        let summary = deleted
            .iter()
            .map(|(what, n)| format!("{what}: {n}"))
            .collect::<Vec<_>>()
            .join("; ");
        let cert = CertificateRow {
            id: new_uuid(now)?.to_string(),
            record_type: "Case file (person record with its concerns and enquiries)".into(),
            rule: format!("Kept {years} years after the last activity, with no open work"),
            last_activity_on: crate::audit_day(due.last_activity)
                .split(' ')
                .next()
                .unwrap_or("")
                .to_string(),
            summary,
            disposed_at: unix_ms(now),
            disposed_by: actor.display_name.clone(),
        };
        tx.insert_certificate(&cert).await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "dispose",
                "person",
                Some(person_id.to_string()),
                "success",
            )?
            .with_detail(format!("certificate {}", cert.id)),
        )
        .await?;
        tx.commit().await?;
        Ok(cert)
    }
}
