//! Retention: case files past their retention period with no open work
//! wait in a disposal queue; the data protection officer disposes of them,
//! leaving a certificate (what, when, by whom) and no personal data.

use safeguard_domain::Actor;
use safeguard_domain::person::iso_date;
use safeguard_domain::policy::Action;
use safeguard_domain::validation::FieldErrors;
use safeguard_store::Tx;
use safeguard_store::retention::{CertificateRow, DueRow};
use std::path::Path;

use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, unix_ms};

const YEARS_KEY: &str = "retention.case_years";
const CONCERN_YEARS_KEY: &str = "retention.unlinked_concern_years";

/// Years a concern about no known person (never linked to a record) is
/// kept after it was decided or closed, unless set.
pub const DEFAULT_CONCERN_YEARS: u32 = 6;

/// Years a case file is kept after its last activity, unless set: adult
/// social care records are commonly kept eight years after the case closes.
pub const DEFAULT_CASE_YEARS: u32 = 8;

/// What one disposal removed, for its certificate.
struct Disposed<'a> {
    /// The audit subject: (type, id).
    subject: (&'a str, &'a str),
    record_type: String,
    rule: String,
    /// Unix ms of the last activity on what was disposed of.
    last_activity: i64,
    deleted: Vec<(&'static str, u64)>,
}

/// The disposal queue.
#[derive(Clone, Debug)]
pub struct RetentionQueue {
    /// Years case files are kept after the last activity.
    pub years: u32,
    /// Years concerns about no known person are kept after they were finished with.
    pub concern_years: u32,
    /// Such concerns past that, oldest first.
    pub due_concerns: Vec<safeguard_store::retention::DueConcernRow>,
    /// Case files past that with no open work, oldest first.
    pub due: Vec<DueRow>,
    /// Recent disposal certificates.
    pub certificates: Vec<CertificateRow>,
}

impl Safeguard {
    async fn years_of(&self, key: &str, default: u32) -> CoreResult<u32> {
        Ok(self
            .store
            .setting(key)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(default))
    }

    async fn case_years(&self) -> CoreResult<u32> {
        self.years_of(YEARS_KEY, DEFAULT_CASE_YEARS).await
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
        let concern_years = self
            .years_of(CONCERN_YEARS_KEY, DEFAULT_CONCERN_YEARS)
            .await?;
        let due_concerns = self
            .store
            .retention_due_concerns(Self::cutoff(concern_years, now), 500)
            .await?;
        let certificates = self.store.certificates(100).await?;
        self.record(
            Self::event(actor, ctx, now, "view", "retention", None, "success")?
                .with_detail(format!("{} due", due.len())),
        )
        .await?;
        Ok(RetentionQueue {
            years,
            due,
            concern_years,
            due_concerns,
            certificates,
        })
    }

    /// Sets the retention periods, in years (0 to 100): case files after
    /// their last activity, and concerns about no known person after they
    /// were finished with.
    pub async fn set_retention_years(
        &self,
        actor: &Actor,
        years: &str,
        concern_years: &str,
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
        let mut e = FieldErrors::new();
        let mut read = |field: &str, raw: &str| {
            let v = raw.trim().parse::<u32>().ok().filter(|y| *y <= 100);
            if v.is_none() {
                e.add(field, "Enter a whole number of years from 0 to 100");
            }
            v
        };
        let (y, c) = (read("years", years), read("concern_years", concern_years));
        let (Some(y), Some(c)) = (y, c) else {
            return Err(CoreError::Invalid(e));
        };
        let mut tx = self.store.begin_audited().await?;
        tx.set_setting(YEARS_KEY, &y.to_string()).await?;
        tx.set_setting(CONCERN_YEARS_KEY, &c.to_string()).await?;
        tx.audit(
            Self::event(actor, ctx, now, "update", "retention", None, "success")?.with_detail(
                format!("case files kept {y} years; concerns about no known person {c} years"),
            ),
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
        let files = tx.case_file_attachments(person_id).await?;
        let deleted = tx.dispose_person(person_id).await?;
        let record = Disposed {
            subject: ("person", person_id),
            record_type: "Case file (person record with its concerns and enquiries)".into(),
            rule: format!("Kept {years} years after the last activity, with no open work"),
            last_activity: due.last_activity,
            deleted,
        };
        let cert = self.certify(tx, actor, ctx, now, record).await?;
        self.delete_attachment_files(&files).await;
        Ok(cert)
    }

    /// Disposes of a concern about no known person past its retention
    /// period, leaving a certificate. Refused ("not found") otherwise.
    pub async fn dispose_concern(
        &self,
        actor: &Actor,
        concern_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<CertificateRow> {
        self.require_as(
            actor,
            Action::ViewAudit,
            ctx,
            now,
            ("dispose", "concern", Some(concern_id.to_string())),
        )
        .await?;
        let years = self
            .years_of(CONCERN_YEARS_KEY, DEFAULT_CONCERN_YEARS)
            .await?;
        let mut tx = self.store.begin_audited().await?;
        let Some(due) = tx
            .concern_still_due(concern_id, Self::cutoff(years, now))
            .await?
        else {
            return Err(CoreError::NotFound);
        };
        let files = tx.concern_attachments(concern_id).await?;
        let deleted = tx.dispose_concern(concern_id).await?;
        let record = Disposed {
            subject: ("concern", concern_id),
            record_type: format!("Concern {} about no known person", due.reference),
            rule: format!("Kept {years} years after it was decided or closed"),
            last_activity: due.finished_at,
            deleted,
        };
        let cert = self.certify(tx, actor, ctx, now, record).await?;
        self.delete_attachment_files(&files).await;
        Ok(cert)
    }

    /// Ends a disposal: its certificate and audit event, in the same
    /// transaction as the deletions.
    async fn certify(
        &self,
        mut tx: Tx,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
        d: Disposed<'_>,
    ) -> CoreResult<CertificateRow> {
        let cert = CertificateRow {
            id: new_uuid(now)?.to_string(),
            record_type: d.record_type,
            rule: d.rule,
            last_activity_on: iso_date(self.date_at(d.last_activity)),
            summary: d
                .deleted
                .iter()
                .map(|(what, n)| format!("{what}: {n}"))
                .collect::<Vec<_>>()
                .join("; "),
            disposed_at: unix_ms(now),
            disposed_by: actor.display_name.clone(),
        };
        tx.insert_certificate(&cert).await?;
        let (subject_type, subject_id) = d.subject;
        // Noted outside the database before it commits: a restore from an
        // older backup must dispose of it again. (Should the commit fail,
        // re-applying a disposal that was due anyway does no harm.)
        if let Some(ledger) = &self.config.disposal_ledger {
            note_disposal(ledger, unix_ms(now), subject_type, subject_id).map_err(|e| {
                CoreError::Internal(format!("disposal ledger {}: {e}", ledger.display()))
            })?;
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "dispose",
                subject_type,
                Some(subject_id.to_string()),
                "success",
            )?
            .with_detail(format!("certificate {}", cert.id)),
        )
        .await?;
        tx.commit().await?;
        Ok(cert)
    }
}

/// Appends `v1 AT KIND ID` to the disposal ledger and syncs it to disk.
fn note_disposal(path: &Path, at: i64, kind: &str, id: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "v1 {at} {kind} {id}")?;
    f.sync_all()
}

/// One disposal read back from the ledger: (when, `person` or `concern`, id).
pub fn read_disposal_ledger(path: &Path) -> std::io::Result<Vec<(i64, String, String)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            if p.next()? != "v1" {
                return None;
            }
            let at = p.next()?.parse().ok()?;
            let kind = p.next()?;
            let id = p.next()?;
            matches!(kind, "person" | "concern").then(|| (at, kind.to_string(), id.to_string()))
        })
        .collect())
}

impl Safeguard {
    /// After a restore: disposes again of every record the ledger says was
    /// disposed of and the restored database still holds, each in its own
    /// transaction with an audit event. Returns what was disposed of again.
    pub async fn reapply_disposals(
        &self,
        ledger: &Path,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<(String, String)>> {
        let entries = read_disposal_ledger(ledger).map_err(|e| {
            CoreError::Internal(format!("disposal ledger {}: {e}", ledger.display()))
        })?;
        let mut out = Vec::new();
        for (_, kind, id) in entries {
            let mut tx = self.store.begin_audited().await?;
            let (files, deleted) = if kind == "person" {
                (
                    tx.case_file_attachments(&id).await?,
                    tx.dispose_person(&id).await?,
                )
            } else {
                (
                    tx.concern_attachments(&id).await?,
                    tx.dispose_concern(&id).await?,
                )
            };
            if deleted.is_empty() {
                // Not in the restored database: nothing to do.
                continue;
            }
            tx.audit(safeguard_store::audit::NewAuditEvent {
                id: new_uuid(now)?.to_string(),
                at: unix_ms(now),
                actor_id: None,
                actor_name: "safeguard restore".into(),
                actor_role: "system".into(),
                action: "dispose".into(),
                subject_type: kind.clone(),
                subject_id: Some(id.clone()),
                outcome: "success".into(),
                reason: None,
                request_id: None,
                detail: Some("disposed of again after a restore from an older backup".into()),
            })
            .await?;
            tx.commit().await?;
            self.delete_attachment_files(&files).await;
            out.push((kind, id));
        }
        Ok(out)
    }
}
