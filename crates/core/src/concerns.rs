//! Concerns: raising (public, partner, staff), status by receipt code,
//! the triage queue and decisions, messages to raisers, providers, matching
//! at intake, the person chronology and the working-day calendar.

use safeguard_domain::calendar::{Calendar, Clock, clock, england_wales_bank_holidays};
use safeguard_domain::concern::{
    Channel, ConcernDetails, ConcernState, RaiserKind, RawConcern, RawDecision, RawProvider,
    TriageOutcome, normalise_code, receipt_code_from, reference_from,
};
use safeguard_domain::matching::{Suggestion, suggest};
use safeguard_domain::person::{RawPerson, iso_date};
use safeguard_domain::policy::{
    Access, Action, ConcernScope as DomainScope, Decision, concern_scope, decide, person_scope,
};
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::{Actor, PersonId};
use safeguard_store::Tx;
use safeguard_store::audit::NewAuditEvent;
use safeguard_store::concerns::{
    AdultRow, ChronologyRow, ConcernRow, ConcernScope, DecisionRow, EmailRow, MessageRow,
    ProviderRow,
};
use time::{Date, OffsetDateTime};

use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, random_bytes, token_hash, unix_ms};

/// Deadline targets in working days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Targets {
    /// Acknowledge the person who raised the concern within this many working days.
    pub acknowledge_days: u32,
    /// Make the triage decision within this many working days.
    pub decision_days: u32,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            acknowledge_days: 1,
            decision_days: 2,
        }
    }
}

/// What a raiser gets on submitting: quote both to see the status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The concern's id (for staff pages).
    pub concern_id: String,
    /// The reference, like `SG-7KQ4-MP2X`.
    pub reference: String,
    /// The secret receipt code, like `K7Q2-MP4X-9RTA`. Only its hash is kept with the concern.
    pub receipt_code: String,
}

/// What the person who raised a concern can see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicStatus {
    /// Reference.
    pub reference: String,
    /// "Received", "Being looked into" or "Closed".
    pub status: &'static str,
    /// A sentence about it.
    pub explanation: &'static str,
    /// Date received.
    pub received_on: String,
    /// Messages from the team: (date, text), oldest first.
    pub messages: Vec<(String, String)>,
}

/// A concern's deadlines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clocks {
    /// Acknowledgement of the raiser.
    pub acknowledge: Clock,
    /// Acknowledgement due date.
    pub acknowledge_due: Date,
    /// Triage decision.
    pub decision: Clock,
    /// Decision due date.
    pub decision_due: Date,
    /// Working days from receipt to decision (or to today, while undecided).
    pub working_days: i64,
}

/// A concern in a list.
#[derive(Clone, Debug)]
pub struct ConcernItem {
    /// The concern.
    pub concern: ConcernRow,
    /// The adults named.
    pub adults: Vec<AdultRow>,
    /// Deadlines.
    pub clocks: Clocks,
}

/// A person record suggested for an adult named in a concern, shown as
/// search would show it to the viewer.
#[derive(Clone, Debug)]
pub struct SuggestedRecord {
    /// The record's id.
    pub person_id: String,
    /// The person's name.
    pub name: String,
    /// For a viewer who may open the record: how well and why it matches
    /// (the reasons rest on its date of birth, NHS number and postcode).
    pub detail: Option<Suggestion>,
    /// For a viewer outside its need-to-know: who to contact, and nothing
    /// more than search shows them.
    pub contact: Option<String>,
}

/// An unlinked adult with suggested person records.
#[derive(Clone, Debug)]
pub struct AdultView {
    /// The adult.
    pub adult: AdultRow,
    /// Suggestions (only while not linked).
    pub suggestions: Vec<SuggestedRecord>,
    /// The linked person's name.
    pub linked_name: Option<String>,
}

/// Everything on a concern's page.
#[derive(Clone, Debug)]
pub struct ConcernView {
    /// The concern.
    pub concern: ConcernRow,
    /// Adults with suggestions.
    pub adults: Vec<AdultView>,
    /// The decision, once made.
    pub decision: Option<DecisionRow>,
    /// Messages to the raiser.
    pub messages: Vec<MessageRow>,
    /// The provider record, if linked.
    pub provider: Option<ProviderRow>,
    /// Deadlines.
    pub clocks: Clocks,
    /// Name of the agency the raiser works for, if raised from a partner account.
    pub raiser_agency: Option<String>,
    /// Whether the viewer works on enquiries (council case workers).
    enquiries_visible: bool,
    /// Where its other parts are read from, only through its methods.
    store: safeguard_store::Store,
}

/// A provider, opened (only [`Safeguard::provider_view`] makes one).
#[derive(Clone, Debug)]
pub struct ProviderView {
    /// The provider.
    pub provider: ProviderRow,
    /// Concerns about it the reader may see, newest first.
    pub concerns: Vec<ConcernRow>,
    scope: ConcernScope,
    store: safeguard_store::Store,
}

impl ProviderView {
    /// Pattern alerts about the provider and their decisions, newest first.
    pub async fn alerts(&self) -> CoreResult<Vec<safeguard_store::patterns::AlertRow>> {
        Ok(self
            .store
            .alerts_about("provider", &self.provider.id)
            .await?)
    }

    /// Its staff alleged to have caused harm, on concerns the reader may see.
    pub async fn alleged_staff(&self) -> CoreResult<Vec<safeguard_store::patterns::AllegedRow>> {
        Ok(self
            .store
            .alleged_staff_of(&self.scope, &self.provider.id)
            .await?)
    }

    /// The large-scale enquiries about it, newest first.
    pub async fn large_scale(
        &self,
    ) -> CoreResult<Vec<safeguard_store::large_scale::LargeScaleRow>> {
        Ok(self
            .store
            .large_scale_for_provider(&self.provider.id)
            .await?)
    }

    /// The enquiries the concerns about it led to, oldest first.
    pub async fn enquiries(&self) -> CoreResult<Vec<safeguard_store::enquiries::EnquiryRow>> {
        let ids: Vec<String> = self.concerns.iter().map(|c| c.id.clone()).collect();
        Ok(self.store.enquiries_for_concerns(&ids).await?)
    }
}

impl ConcernView {
    /// The documents, photos and recordings kept with the concern, oldest
    /// first (council case workers).
    pub async fn attachments(
        &self,
    ) -> CoreResult<Vec<safeguard_store::attachments::AttachmentRow>> {
        if !self.enquiries_visible {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .attachments_of("concern", &self.concern.id)
            .await?)
    }

    /// One of its released attachments, if the viewer may read its files.
    pub(crate) fn attachment(
        &self,
        row: safeguard_store::attachments::AttachmentRow,
    ) -> CoreResult<crate::attachments::Readable> {
        let owned = self.enquiries_visible
            && row.owner_kind == "concern"
            && row.owner_id == self.concern.id;
        crate::attachments::readable_if(row, owned)
    }

    /// The enquiries the concern's decision opened (for council case
    /// workers; each enquiry's own page checks its need-to-know).
    pub async fn enquiries(&self) -> CoreResult<Vec<safeguard_store::enquiries::EnquiryRow>> {
        if !self.enquiries_visible {
            return Ok(Vec::new());
        }
        Ok(self.store.enquiries_for_concern(&self.concern.id).await?)
    }

    /// The pattern alerts this concern is behind (council case workers only).
    pub async fn alerts(&self) -> CoreResult<Vec<safeguard_store::patterns::AlertRow>> {
        if !self.enquiries_visible {
            return Ok(Vec::new());
        }
        Ok(self.store.alerts_for_concern(&self.concern.id).await?)
    }

    /// The people alleged to have caused harm (council case workers only:
    /// never the person who raised it).
    pub async fn alleged(&self) -> CoreResult<Vec<safeguard_store::patterns::AllegedRow>> {
        if !self.enquiries_visible {
            return Ok(Vec::new());
        }
        Ok(self.store.alleged_for_concern(&self.concern.id).await?)
    }
}

/// Counts for a manager's home page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TriageCounts {
    /// Concerns waiting for a decision.
    pub waiting: usize,
    /// Decisions overdue.
    pub decision_overdue: usize,
    /// Decisions due today.
    pub decision_due_today: usize,
    /// Acknowledgements overdue.
    pub acknowledge_overdue: usize,
}

const ACK_KEY: &str = "target.acknowledge_working_days";
const DECISION_KEY: &str = "target.decision_working_days";
const CALENDAR_SEEDED_KEY: &str = "calendar.seeded";
/// The first year the working-day calendar knows bank holidays for.
const CALENDAR_HISTORY_FROM: i32 = 1990;

pub(crate) fn scope_of(actor: &Actor, now: OffsetDateTime) -> ConcernScope {
    match concern_scope(actor) {
        DomainScope::NeedToKnow => ConcernScope::Council(Safeguard::viewer(actor, now)),
        DomainScope::RaisedBy(u) => ConcernScope::RaisedBy(u.to_string()),
        DomainScope::Nothing => ConcernScope::Nothing,
    }
}

/// A stored `YYYY-MM-DD` date (dates the store wrote itself; a bad one reads as the earliest date).
pub(crate) fn parse_date(s: &str) -> Date {
    safeguard_domain::person::parse_iso_date(s).unwrap_or(Date::MIN)
}

fn public_event(
    ctx: &Ctx,
    now: OffsetDateTime,
    action: &str,
    subject_id: Option<String>,
    actor_name: &str,
) -> CoreResult<NewAuditEvent> {
    Ok(NewAuditEvent {
        id: new_uuid(now)?.to_string(),
        at: unix_ms(now),
        actor_id: None,
        actor_name: actor_name.into(),
        actor_role: "public".into(),
        action: action.into(),
        subject_type: "concern".into(),
        subject_id,
        outcome: "success".into(),
        reason: None,
        request_id: ctx.request_id.clone(),
        detail: None,
    })
}

/// The rows for a new concern.
fn concern_rows(
    id: &str,
    reference: &str,
    receipt_code: &str,
    d: &ConcernDetails,
    raised_by: Option<&Actor>,
    now: OffsetDateTime,
) -> (ConcernRow, Vec<AdultRow>) {
    let row = ConcernRow {
        id: id.into(),
        reference: reference.into(),
        receipt_hash: token_hash(&normalise_code(receipt_code)),
        state: ConcernState::New.code().into(),
        raiser_kind: d.raiser_kind.code().into(),
        raiser_name: d.raiser_name.clone(),
        raiser_role: d.raiser_role.clone(),
        raiser_phone: d.raiser_phone.clone(),
        raiser_email: d.raiser_email.clone(),
        raised_by: raised_by.map(|a| a.user_id.to_string()),
        raiser_agency_id: raised_by
            .filter(|a| !a.agency_is_owner)
            .map(|a| a.agency_id.to_string()),
        channel: d.channel.code().into(),
        received_at: unix_ms(now),
        received_on: iso_date(d.received_on),
        what_happened: d.what_happened.clone(),
        where_happened: d.where_happened.clone(),
        location_type: d.location_type.map(|l| l.code().into()),
        provider_name: d.provider_name.clone(),
        provider_id: d.provider_id.clone(),
        immediate_danger: d.immediate_danger.code().into(),
        consent: d.consent.code().into(),
        consent_reason: d.consent_reason.map(|c| c.code().into()),
        consent_detail: d.consent_detail.clone(),
        suspected_types: d
            .suspected_types
            .iter()
            .map(|t| t.code())
            .collect::<Vec<_>>()
            .join(","),
        acknowledged_at: None,
        decided_at: None,
        closed_at: None,
    };
    let adults = d
        .adults
        .iter()
        .enumerate()
        .map(|(i, a)| AdultRow {
            concern_id: id.into(),
            position: i as i32,
            name: a.name.clone(),
            age: a.age.clone(),
            address: a.address.clone(),
            description: a.description.clone(),
            nhs_number: a.nhs_number.as_ref().map(|n| n.as_str().to_string()),
            person_id: a.person_id.map(|p| p.to_string()),
        })
        .collect();
    (row, adults)
}

fn new_receipt() -> CoreResult<(String, String)> {
    Ok((
        reference_from(random_bytes::<5>()?),
        receipt_code_from(random_bytes::<8>()?),
    ))
}

impl Safeguard {
    /// The deadline targets.
    pub async fn targets(&self) -> CoreResult<Targets> {
        let d = Targets::default();
        let get =
            |v: Option<String>, default: u32| v.and_then(|s| s.parse().ok()).unwrap_or(default);
        Ok(Targets {
            acknowledge_days: get(self.store.setting(ACK_KEY).await?, d.acknowledge_days),
            decision_days: get(self.store.setting(DECISION_KEY).await?, d.decision_days),
        })
    }

    /// The working-day calendar. The first time, it is filled with England
    /// and Wales bank holidays from last year to five years ahead; years
    /// before those get England and Wales bank holidays too.
    pub async fn calendar(&self, now: OffsetDateTime) -> CoreResult<Calendar> {
        if self.store.setting(CALENDAR_SEEDED_KEY).await?.is_none() {
            let mut tx = self.store.begin().await?;
            let year = now.year();
            for y in (year - 1)..=(year + 5) {
                for d in england_wales_bank_holidays(y) {
                    tx.add_holiday(&iso_date(d), "Bank holiday").await?;
                }
            }
            tx.set_setting(CALENDAR_SEEDED_KEY, "england-wales").await?;
            tx.commit().await?;
        }
        let mut days: Vec<Date> = self
            .store
            .bank_holidays()
            .await?
            .iter()
            .map(|(d, _)| parse_date(d))
            .collect();
        // Records older than the stored calendar (loaded or generated
        // history) are timed against England and Wales bank holidays.
        let first_stored = days.iter().map(|d| d.year()).min().unwrap_or(now.year());
        for y in CALENDAR_HISTORY_FROM..first_stored {
            days.extend(england_wales_bank_holidays(y));
        }
        Ok(Calendar::new(days))
    }

    fn clocks(&self, row: &ConcernRow, cal: &Calendar, t: Targets, today: Date) -> Clocks {
        let date_of = |ms| self.date_at(ms);
        let received = parse_date(&row.received_on);
        let acknowledge_due = cal.add_working_days(received, t.acknowledge_days);
        let decision_due = cal.add_working_days(received, t.decision_days);
        let decided = row.decided_at.map(date_of);
        Clocks {
            acknowledge: clock(acknowledge_due, row.acknowledged_at.map(date_of), today),
            acknowledge_due,
            decision: clock(decision_due, decided, today),
            decision_due,
            working_days: cal.working_days_between(received, decided.unwrap_or(today)),
        }
    }

    /// Starts a public concern form; returns the draft's secret token (for a cookie).
    pub async fn start_draft(&self, now: OffsetDateTime) -> CoreResult<String> {
        let token = crate::random_token()?;
        let (reference, receipt_code) = new_receipt()?;
        let mut tx = self.reserve.begin().await?;
        tx.purge_drafts(unix_ms(now) - 24 * 3600 * 1000).await?;
        tx.insert_draft(&safeguard_store::concerns::DraftRow {
            id_hash: token_hash(&token),
            data: serde_json::to_string(&RawConcern::default())
                .map_err(|e| CoreError::Internal(e.to_string()))?,
            concern_id: new_uuid(now)?.to_string(),
            reference,
            receipt_code,
            created_at: unix_ms(now),
            submitted_at: None,
        })
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// A draft's answers, when and whether it was submitted (with its receipt then).
    pub async fn draft(
        &self,
        token: &str,
    ) -> CoreResult<Option<(RawConcern, i64, Option<Receipt>)>> {
        let Some(d) = self.reserve.draft(&token_hash(token)).await? else {
            return Ok(None);
        };
        let raw: RawConcern =
            serde_json::from_str(&d.data).map_err(|e| CoreError::Internal(e.to_string()))?;
        let receipt = d.submitted_at.map(|_| Receipt {
            concern_id: d.concern_id,
            reference: d.reference,
            receipt_code: d.receipt_code,
        });
        Ok(Some((raw, d.created_at, receipt)))
    }

    /// Saves a draft's answers.
    pub async fn save_draft(&self, token: &str, raw: &RawConcern) -> CoreResult<bool> {
        let data = serde_json::to_string(raw).map_err(|e| CoreError::Internal(e.to_string()))?;
        let mut tx = self.reserve.begin().await?;
        let ok = tx.save_draft(&token_hash(token), &data).await?;
        tx.commit().await?;
        Ok(ok)
    }

    /// Submits a public draft. Submitting it again returns the same receipt
    /// and makes no second concern. The concern and its audit event commit
    /// before the receipt is returned. Nothing about the sender's connection
    /// is stored.
    pub async fn submit_draft(
        &self,
        token: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Receipt> {
        let hash = token_hash(token);
        let d = self
            .reserve
            .draft(&hash)
            .await?
            .ok_or(CoreError::NotFound)?;
        let receipt = Receipt {
            concern_id: d.concern_id.clone(),
            reference: d.reference.clone(),
            receipt_code: d.receipt_code.clone(),
        };
        if d.submitted_at.is_some() {
            return Ok(receipt);
        }
        let mut raw: RawConcern =
            serde_json::from_str(&d.data).map_err(|e| CoreError::Internal(e.to_string()))?;
        raw.channel = None;
        raw.received_on = None;
        raw.provider_id = None;
        for a in &mut raw.adults {
            a.person_id = None;
        }
        let details = raw
            .parse(self.today(now), Channel::Online)
            .map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_free_or(&self.reserve, true).await?;
        if tx.concern_exists(&d.concern_id).await? {
            return Ok(receipt);
        }
        let (row, adults) = concern_rows(
            &d.concern_id,
            &d.reference,
            &d.receipt_code,
            &details,
            None,
            now,
        );
        tx.insert_concern(&row, &adults).await?;
        tx.draft_submitted(&hash, unix_ms(now)).await?;
        tx.audit(public_event(
            ctx,
            now,
            "create",
            Some(d.concern_id.clone()),
            raiser_label(details.raiser_kind),
        )?)
        .await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// Raises a concern in one go, with no account (the public JSON API).
    pub async fn raise_public_concern(
        &self,
        raw: &RawConcern,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Receipt> {
        let mut raw = raw.clone();
        raw.channel = None;
        raw.received_on = None;
        raw.provider_id = None;
        for a in &mut raw.adults {
            a.person_id = None;
        }
        let details = raw
            .parse(self.today(now), Channel::Online)
            .map_err(CoreError::Invalid)?;
        let id = new_uuid(now)?.to_string();
        let (reference, receipt_code) = new_receipt()?;
        let (row, adults) = concern_rows(&id, &reference, &receipt_code, &details, None, now);
        let event = public_event(
            ctx,
            now,
            "create",
            Some(id.clone()),
            raiser_label(details.raiser_kind),
        )?;
        // Concerns sent at the same moment share one durable commit (SQLite).
        self.store
            .store_concern(&self.reserve, row, adults, event)
            .await?;
        Ok(Receipt {
            concern_id: id,
            reference,
            receipt_code,
        })
    }

    /// Raises or records a concern from an account: partner staff raise
    /// their own (their agency is recorded); practitioners and managers
    /// record concerns received by phone, email or letter, optionally
    /// already linked to a person record.
    ///
    /// `form_id`, when given, becomes the concern's id: submitting the same
    /// form again returns the existing concern's receipt with an empty
    /// receipt code (it was shown once) and makes nothing new.
    pub async fn raise_concern(
        &self,
        actor: &Actor,
        form_id: Option<uuid::Uuid>,
        raw: &RawConcern,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Receipt> {
        let recording = decide(actor, Action::RecordConcern) == Decision::Allow;
        self.require_as(
            actor,
            Action::RaiseConcern,
            ctx,
            now,
            ("create", "concern", None),
        )
        .await?;
        let mut raw = raw.clone();
        if !recording {
            // Partner staff: the raiser is the account holder, online, today.
            raw.raiser_kind = Some(RaiserKind::Staff.code().into());
            raw.raiser_name = Some(actor.display_name.clone());
            raw.channel = Some(Channel::Partner.code().into());
            raw.received_on = None;
            raw.provider_id = None;
            for a in &mut raw.adults {
                a.person_id = None;
            }
        }
        let default_channel = if recording {
            Channel::Phone
        } else {
            Channel::Partner
        };
        let details = raw
            .parse(self.today(now), default_channel)
            .map_err(CoreError::Invalid)?;
        let scope = person_scope(actor);
        for a in &details.adults {
            if let Some(pid) = a.person_id {
                if self.store.find_person(scope, pid).await?.is_none() {
                    let mut e = FieldErrors::new();
                    e.add("adults_0_person_id", "Choose a person record that exists");
                    return Err(CoreError::Invalid(e));
                }
                // Naming a record in a concern makes the recorder's team
                // hold it: that takes the access it would grant.
                self.require_person(
                    actor,
                    &pid.to_string(),
                    ctx,
                    now,
                    ("create", "concern", None),
                )
                .await?;
            }
        }
        if let Some(pid) = &details.provider_id
            && self.store.provider(pid).await?.is_none()
        {
            let mut e = FieldErrors::new();
            e.add("provider_id", "Choose a provider that exists");
            return Err(CoreError::Invalid(e));
        }
        let id = match form_id {
            Some(f) => f.to_string(),
            None => new_uuid(now)?.to_string(),
        };
        let (reference, receipt_code) = new_receipt()?;
        let (row, adults) =
            concern_rows(&id, &reference, &receipt_code, &details, Some(actor), now);
        let mut tx = self.store.begin_audited().await?;
        if tx.concern_exists(&id).await? {
            drop(tx);
            let existing = self
                .store
                .concern(&scope_of(actor, now), &id)
                .await?
                .ok_or(CoreError::NotFound)?;
            return Ok(Receipt {
                concern_id: id,
                reference: existing.reference,
                receipt_code: String::new(),
            });
        }
        tx.insert_concern(&row, &adults).await?;
        for a in &adults {
            if let Some(pid) = &a.person_id {
                self.chronicle(
                    &mut tx,
                    pid,
                    now,
                    "concern",
                    &format!(
                        "Concern received ({}) by {}",
                        reference,
                        details.channel.label().to_lowercase()
                    ),
                    actor,
                    Some(&id),
                )
                .await?;
            }
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "create",
                "concern",
                Some(id.clone()),
                "success",
            )?
            .with_detail(format!("channel {}", details.channel.code())),
        )
        .await?;
        for a in &adults {
            if let Some(pid) = &a.person_id {
                self.check_patterns(
                    &mut tx,
                    actor,
                    ctx,
                    now,
                    crate::patterns::Trigger::AdultLinked {
                        concern_id: &id,
                        person_id: pid,
                    },
                )
                .await?;
            }
        }
        if let Some(p) = &row.provider_id {
            self.check_patterns(
                &mut tx,
                actor,
                ctx,
                now,
                crate::patterns::Trigger::Provider {
                    concern_id: &id,
                    provider_id: p,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Receipt {
            concern_id: id,
            reference,
            receipt_code,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn chronicle(
        &self,
        tx: &mut Tx,
        person_id: &str,
        now: OffsetDateTime,
        kind: &str,
        summary: &str,
        actor: &Actor,
        concern_id: Option<&str>,
    ) -> CoreResult<()> {
        tx.add_chronology(&ChronologyRow {
            id: new_uuid(now)?.to_string(),
            person_id: person_id.into(),
            at: unix_ms(now),
            kind: kind.into(),
            summary: summary.into(),
            actor_name: actor.display_name.clone(),
            concern_id: concern_id.map(str::to_string),
        })
        .await?;
        Ok(())
    }

    /// The status of a concern for whoever holds its reference and receipt
    /// code: plain words and the team's messages, never the case content.
    /// A wrong pair is "not found", whichever half is wrong.
    pub async fn concern_status(
        &self,
        reference: &str,
        receipt_code: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<PublicStatus> {
        let norm = normalise_code(reference);
        if norm.len() != 10 || !norm.starts_with("SG") {
            return Err(CoreError::NotFound);
        }
        let reference = format!("SG-{}-{}", &norm[2..6], &norm[6..]);
        let row = self.reserve.concern_by_reference(&reference).await?;
        let expected = row
            .as_ref()
            .map(|r| r.receipt_hash.clone())
            .unwrap_or_default();
        let given = token_hash(&normalise_code(receipt_code));
        let matches = expected.len() == given.len()
            && expected
                .bytes()
                .zip(given.bytes())
                .fold(0, |acc, (a, b)| acc | (a ^ b))
                == 0;
        let Some(row) = row.filter(|_| matches) else {
            return Err(CoreError::NotFound);
        };
        let state = ConcernState::parse(&row.state)
            .ok_or_else(|| CoreError::Internal("bad state".into()))?;
        let (status, explanation) = state.public_status(row.acknowledged_at.is_some());
        let messages = self
            .reserve
            .messages(&row.id)
            .await?
            .into_iter()
            .map(|m| (iso_date(self.date_at(m.at)), m.body))
            .collect();
        self.reserve
            .record_audit(vec![public_event(
                ctx,
                now,
                "view",
                Some(row.id.clone()),
                "receipt holder",
            )?])
            .await?;
        Ok(PublicStatus {
            reference: row.reference,
            status,
            explanation,
            received_on: row.received_on,
            messages,
        })
    }

    /// Concerns the actor may see in a state (all states when `None`), oldest first, with clocks.
    pub async fn concern_list(
        &self,
        actor: &Actor,
        state: Option<ConcernState>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<ConcernItem>> {
        self.concerns_up_to(actor, state, 500, ctx, now).await
    }

    /// The `n` oldest concerns the actor may see in a state (the home page's
    /// short list: only those are read).
    pub async fn oldest_concerns(
        &self,
        actor: &Actor,
        state: Option<ConcernState>,
        n: i64,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<ConcernItem>> {
        self.concerns_up_to(actor, state, n, ctx, now).await
    }

    async fn concerns_up_to(
        &self,
        actor: &Actor,
        state: Option<ConcernState>,
        limit: i64,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<ConcernItem>> {
        let scope = scope_of(actor, now);
        if scope == ConcernScope::Nothing {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("view", "concern", None),
                    CoreError::Forbidden,
                )
                .await;
        }
        let rows = self
            .store
            .concerns(&scope, state.map(|s| s.code()), limit)
            .await?;
        let cal = self.calendar(now).await?;
        let targets = self.targets().await?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut adults = self.store.adults_of(&ids).await?;
        // An adult recorded from a person's record carries no name of its
        // own: show the record's, to those who may see that much of it.
        let linked: Vec<String> = adults
            .values()
            .flatten()
            .filter(|a| a.name.is_none())
            .filter_map(|a| a.person_id.clone())
            .collect();
        if !linked.is_empty() {
            let mut names = std::collections::HashMap::new();
            for (id, name) in self.store.person_names(&linked).await? {
                if self.person_access(actor, &id, now).await?
                    != safeguard_domain::policy::Access::Hidden
                {
                    names.insert(id, name);
                }
            }
            for a in adults.values_mut().flatten() {
                if a.name.is_none()
                    && let Some(n) = a.person_id.as_ref().and_then(|p| names.get(p))
                {
                    a.name = Some(n.clone());
                }
            }
        }
        let out: Vec<ConcernItem> = rows
            .into_iter()
            .map(|r| ConcernItem {
                clocks: self.clocks(&r, &cal, targets, self.today(now)),
                adults: adults.remove(&r.id).unwrap_or_default(),
                concern: r,
            })
            .collect();
        if !out.is_empty() {
            self.record(
                Self::event(actor, ctx, now, "view", "concern", None, "success")?
                    .with_detail(format!("list of {}", out.len())),
            )
            .await?;
        }
        Ok(out)
    }

    /// Counts for the manager's home page: waiting, overdue and due today.
    pub async fn triage_counts(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> CoreResult<Option<TriageCounts>> {
        if decide(actor, Action::ViewConcerns) == Decision::Deny {
            return Ok(None);
        }
        let rows = self
            .store
            .concerns(&ConcernScope::All, Some("new"), 10_000)
            .await?;
        let cal = self.calendar(now).await?;
        let targets = self.targets().await?;
        let mut c = TriageCounts {
            waiting: rows.len(),
            ..TriageCounts::default()
        };
        for r in &rows {
            let k = self.clocks(r, &cal, targets, self.today(now));
            match k.decision {
                Clock::Overdue(_) => c.decision_overdue += 1,
                Clock::DueToday => c.decision_due_today += 1,
                _ => {}
            }
            if matches!(k.acknowledge, Clock::Overdue(_)) {
                c.acknowledge_overdue += 1;
            }
        }
        Ok(Some(c))
    }

    /// A concern's page: details, adults with suggested matches, decision,
    /// messages, provider and clocks. The view is audited.
    pub async fn concern_view(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<ConcernView> {
        let concern = self
            .concern_in_scope_as(actor, id, ctx, now, "view")
            .await?;
        let sees_people = decide(actor, Action::ViewConcerns) == Decision::Allow;
        let mut adults = Vec::new();
        for a in self.store.concern_adults(id).await? {
            let (suggestions, linked_name) = match (&a.person_id, sees_people) {
                (Some(pid), true) => {
                    let name = match pid.parse::<PersonId>() {
                        Ok(p) => self
                            .store
                            .find_person(person_scope(actor), p)
                            .await?
                            .map(|p| p.details.full_name()),
                        Err(_) => None,
                    };
                    (Vec::new(), name)
                }
                (None, true) => (self.suggestions(actor, &a, now).await?, None),
                _ => (Vec::new(), None),
            };
            adults.push(AdultView {
                adult: a,
                suggestions,
                linked_name,
            });
        }
        let decision = self.store.decision(id).await?;
        let messages = self.store.messages(id).await?;
        let provider = match &concern.provider_id {
            Some(p) => self.store.provider(p).await?,
            None => None,
        };
        let raiser_agency = match &concern.raiser_agency_id {
            Some(a) => self
                .store
                .list_agencies()
                .await?
                .into_iter()
                .find(|x| &x.id == a)
                .map(|x| x.name),
            None => None,
        };
        let cal = self.calendar(now).await?;
        let clocks = self.clocks(&concern, &cal, self.targets().await?, self.today(now));
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "concern",
            Some(id.to_string()),
            "success",
        )?)
        .await?;
        Ok(ConcernView {
            concern,
            adults,
            decision,
            messages,
            provider,
            clocks,
            raiser_agency,
            enquiries_visible: decide(actor, Action::ViewEnquiries) == Decision::Allow,
            store: self.store.clone(),
        })
    }

    /// Records that may be the adult, each shown as search shows it to `actor`.
    async fn suggestions(
        &self,
        actor: &Actor,
        a: &AdultRow,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<SuggestedRecord>> {
        let adult = safeguard_domain::concern::Adult {
            name: a.name.clone(),
            age: a.age.clone(),
            address: a.address.clone(),
            description: a.description.clone(),
            nhs_number: a
                .nhs_number
                .as_deref()
                .and_then(|n| safeguard_domain::nhs::NhsNumber::parse(n).ok()),
            person_id: None,
        };
        // Any of the adult's name words as a whole name word (the search
        // index), or the same date of birth, NHS number or postcode.
        let words: Vec<String> =
            safeguard_domain::search::name_words(a.name.as_deref().unwrap_or(""))
                .into_iter()
                .filter(|w| w.len() > 1)
                .take(4)
                .map(|w| format!("n{w}"))
                .collect();
        let dob = a
            .age
            .as_deref()
            .and_then(safeguard_domain::matching::date_in)
            .map(iso_date);
        let postcode = a.address.as_deref().and_then(|addr| {
            let up = addr.to_uppercase();
            let toks: Vec<&str> = up
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|t| !t.is_empty())
                .collect();
            toks.windows(2)
                .find_map(|w| {
                    safeguard_domain::person::Postcode::parse(&format!("{}{}", w[0], w[1]))
                })
                .map(|p| p.as_str().to_string())
        });
        let mut ids = self
            .store
            .search_by_identifiers(
                dob.as_deref(),
                a.nhs_number.as_deref(),
                postcode.as_deref(),
                50,
            )
            .await?;
        ids.extend(self.store.search_by_keys(&[words], 50).await?);
        ids.sort();
        ids.dedup();
        let cands = self.candidates(&ids).await?;
        let mut out = Vec::new();
        for s in suggest(&adult, &cands, 5) {
            let person_id = s.candidate.id.to_string();
            let name = format!("{} {}", s.candidate.given_name, s.candidate.family_name);
            let full = matches!(
                self.person_access(actor, &person_id, now).await?,
                Access::Full(_)
            );
            let contact = if full {
                None
            } else {
                self.limited_record(&person_id).await?.map(|l| l.contact)
            };
            out.push(SuggestedRecord {
                person_id,
                name,
                detail: full.then_some(s),
                contact,
            });
        }
        Ok(out)
    }

    /// A concern the actor may see; otherwise "not found", with the refusal
    /// audited when the concern exists.
    async fn concern_in_scope(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<ConcernRow> {
        self.concern_in_scope_as(actor, id, ctx, now, "update")
            .await
    }

    pub(crate) async fn concern_in_scope_as(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
        verb: &str,
    ) -> CoreResult<ConcernRow> {
        if let Some(c) = self.store.concern(&scope_of(actor, now), id).await? {
            return Ok(c);
        }
        if self.store.concern(&ConcernScope::All, id).await?.is_some() {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    (verb, "concern", Some(id.to_string())),
                    CoreError::NotFound,
                )
                .await;
        }
        // No such concern: nothing to refuse, nothing to record.
        Err(CoreError::NotFound)
    }

    fn require_case(&self, actor: &Actor, action: Action) -> bool {
        decide(actor, action) == Decision::Allow
    }

    /// Links an adult named in a concern to an existing person record (a
    /// triager's choice; nothing is linked automatically).
    pub async fn link_adult(
        &self,
        actor: &Actor,
        concern_id: &str,
        position: i32,
        person_id: PersonId,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        if !self.require_case(actor, Action::RecordConcern) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("update", "concern", Some(concern_id.into())),
                    CoreError::NotFound,
                )
                .await;
        }
        let concern = self.concern_in_scope(actor, concern_id, ctx, now).await?;
        let person = self
            .store
            .find_person(person_scope(actor), person_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if let Some(kept) = self.store.merged_into(&person_id.to_string()).await? {
            // Link the record it was merged into instead.
            return Err(CoreError::Merged(
                kept.parse().map_err(|_| CoreError::NotFound)?,
            ));
        }
        // Linking a record to a concern lets whoever decides the concern hold
        // the case: it takes the access (or the emergency opening) it would grant.
        self.require_person(
            actor,
            &person_id.to_string(),
            ctx,
            now,
            ("update", "concern", Some(concern_id.into())),
        )
        .await?;
        let adults = self.store.concern_adults(concern_id).await?;
        let Some(adult) = adults.iter().find(|a| a.position == position) else {
            return Err(CoreError::NotFound);
        };
        let pid = person_id.to_string();
        let mut errors = FieldErrors::new();
        if adult.person_id.is_some() {
            // Re-linking would open a second enquiry and count the adult twice.
            errors.add(
                "person_id",
                "This adult is already linked to a person record",
            );
        } else if adults
            .iter()
            .any(|a| a.person_id.as_deref() == Some(pid.as_str()))
        {
            errors.add(
                "person_id",
                "This person is already named in the concern: name each adult at risk once",
            );
        }
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        let mut tx = self.store.begin_audited().await?;
        if !tx.link_adult(concern_id, position, &pid).await? {
            // Linked by someone else since it was read.
            return Err(CoreError::Conflict);
        }
        self.chronicle(
            &mut tx,
            &person_id.to_string(),
            now,
            "concern",
            &format!(
                "Concern received ({}) on {}, linked to this record",
                concern.reference, concern.received_on
            ),
            actor,
            Some(concern_id),
        )
        .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "concern",
                Some(concern_id.into()),
                "success",
            )?
            .with_detail(format!("adult {position} linked to person {}", person.id)),
        )
        .await?;
        // Linked after the decision: this adult gets their own enquiry, as the others did.
        let kind = match self.store.decision(concern_id).await?.map(|d| d.outcome) {
            Some(o) if o == TriageOutcome::Section42.code() => {
                Some(safeguard_domain::enquiry::EnquiryKind::Section42)
            }
            Some(o) if o == TriageOutcome::OtherEnquiry.code() => {
                Some(safeguard_domain::enquiry::EnquiryKind::Other)
            }
            _ => None,
        };
        if let Some(kind) = kind
            && !self
                .store
                .enquiries_for_concern(concern_id)
                .await?
                .iter()
                .any(|e| e.person_id == pid)
        {
            self.open_enquiry(&mut tx, actor, concern_id, &pid, kind, now)
                .await?;
        }
        self.check_patterns(
            &mut tx,
            actor,
            ctx,
            now,
            crate::patterns::Trigger::AdultLinked {
                concern_id,
                person_id: &pid,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a person record for an adult named in a concern and links it.
    pub async fn create_person_for_adult(
        &self,
        actor: &Actor,
        concern_id: &str,
        position: i32,
        raw: &RawPerson,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<PersonId> {
        if !self.require_case(actor, Action::RecordConcern) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("update", "concern", Some(concern_id.into())),
                    CoreError::NotFound,
                )
                .await;
        }
        self.concern_in_scope(actor, concern_id, ctx, now).await?;
        // The triage page showed the likely matches before this: the triager
        // chose to make a new record (any likely pairs go to review).
        let id = self
            .create_person(
                actor,
                None,
                raw,
                crate::search::DuplicateCheck::CreateAnyway,
                ctx,
                now,
            )
            .await?
            .id()
            .ok_or(CoreError::Conflict)?;
        self.link_adult(actor, concern_id, position, id, ctx, now)
            .await?;
        Ok(id)
    }

    /// Records the triage decision (managers only), tells the raiser, and
    /// notes it on each linked person's chronology.
    pub async fn decide_concern(
        &self,
        actor: &Actor,
        concern_id: &str,
        raw: &RawDecision,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        if !self.require_case(actor, Action::TriageConcern) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("decide", "concern", Some(concern_id.into())),
                    if self.require_case(actor, Action::ViewConcerns) {
                        CoreError::Forbidden
                    } else {
                        CoreError::NotFound
                    },
                )
                .await;
        }
        let concern = self.concern_in_scope(actor, concern_id, ctx, now).await?;
        let d = raw.parse().map_err(CoreError::Invalid)?;
        let new_state = match d.outcome {
            TriageOutcome::NoEnquiry => ConcernState::Closed,
            _ => ConcernState::Enquiry,
        };
        let row = DecisionRow {
            concern_id: concern_id.into(),
            decided_at: unix_ms(now),
            decided_by: actor.user_id.to_string(),
            needs: d.needs.code().into(),
            needs_evidence: d.needs_evidence.clone(),
            abuse: d.abuse.code().into(),
            abuse_evidence: d.abuse_evidence.clone(),
            unable: d.unable.code().into(),
            unable_evidence: d.unable_evidence.clone(),
            person_views: d.person_views.clone(),
            immediate_actions: d.immediate_actions.clone(),
            outcome: d.outcome.code().into(),
            instead: d.instead.map(|i| i.code().into()),
            reasons: d.reasons.clone(),
        };
        let kind = match d.outcome {
            TriageOutcome::Section42 => Some(safeguard_domain::enquiry::EnquiryKind::Section42),
            TriageOutcome::OtherEnquiry => Some(safeguard_domain::enquiry::EnquiryKind::Other),
            TriageOutcome::NoEnquiry => None,
        };
        let mut linked: Vec<String> = self
            .store
            .concern_adults(concern_id)
            .await?
            .into_iter()
            .filter_map(|a| a.person_id)
            .collect();
        // One enquiry per person, however often a (legacy) concern names them.
        linked.sort();
        linked.dedup();
        // Deciding makes the decider's team hold each linked person's case:
        // only within the access the decider already has (docs/decisions/0006).
        for pid in &linked {
            self.require_person(
                actor,
                pid,
                ctx,
                now,
                ("decide", "concern", Some(concern_id.into())),
            )
            .await?;
        }
        if kind.is_some() && linked.is_empty() {
            let mut e = FieldErrors::new();
            e.add("outcome", "Link each adult at risk to a person record, or create one, before opening an enquiry");
            return Err(CoreError::Invalid(e));
        }
        let mut tx = self.store.begin_audited().await?;
        if !tx.decide(&row, new_state.code()).await? {
            let mut e = FieldErrors::new();
            e.add("outcome", "This concern has already been decided");
            return Err(CoreError::Invalid(e));
        }
        let summary = match d.instead {
            Some(i) => format!(
                "Triage decision on concern {}: {} ({})",
                concern.reference,
                d.outcome.label(),
                i.label().to_lowercase()
            ),
            None => format!(
                "Triage decision on concern {}: {}",
                concern.reference,
                d.outcome.label()
            ),
        };
        for a in self.store.concern_adults(concern_id).await? {
            if let Some(pid) = &a.person_id {
                self.chronicle(
                    &mut tx,
                    pid,
                    now,
                    "decision",
                    &summary,
                    actor,
                    Some(concern_id),
                )
                .await?;
            }
        }
        if let Some(kind) = kind {
            // One enquiry per adult at risk: large-scale concerns count each adult.
            for pid in &linked {
                self.open_enquiry(&mut tx, actor, concern_id, pid, kind, now)
                    .await?;
            }
        }
        let message = d.message_to_raiser.clone().unwrap_or_else(|| match new_state {
            ConcernState::Closed => "Thank you for telling us. We have looked at your concern and decided what to do. We will not be contacting you again about it.".into(),
            _ => "Thank you for telling us. We have looked at your concern and the safeguarding team is now making enquiries.".into(),
        });
        self.add_message(&mut tx, actor, &concern, &message, now)
            .await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "decide",
                "concern",
                Some(concern_id.into()),
                "success",
            )?
            .with_detail(format!("outcome {}", d.outcome.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_message(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        concern: &ConcernRow,
        body: &str,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let email = concern
            .raiser_email
            .clone()
            .filter(|_| concern.raiser_kind != RaiserKind::Anonymous.code());
        tx.insert_message(&MessageRow {
            id: new_uuid(now)?.to_string(),
            concern_id: concern.id.clone(),
            at: unix_ms(now),
            by_user: Some(actor.user_id.to_string()),
            by_name: actor.display_name.clone(),
            body: body.into(),
            emailed: email.is_some(),
        })
        .await?;
        tx.acknowledge(&concern.id, unix_ms(now)).await?;
        if let Some(to) = email {
            tx.queue_email(&EmailRow {
                id: new_uuid(now)?.to_string(),
                created_at: unix_ms(now),
                to_address: to,
                subject: format!("Update on the concern you raised ({})", concern.reference),
                body: format!(
                    "There is a new message about the concern you raised with reference {reference}.\n\n\
                     To read it, go to {{PUBLIC_URL}}/concern-status and enter your reference and the receipt code you were given.\n\n\
                     For your privacy this email does not contain the message. Please do not reply to it.\n\
                     If you think someone is in immediate danger, call 999.\n",
                    reference = concern.reference
                ),
                sent_at: None,
                attempts: 0,
                last_error: None,
            })
            .await?;
        }
        Ok(())
    }

    /// Sends a message to the person who raised a concern (visible with their
    /// receipt code; announced by email if they gave an address).
    pub async fn message_raiser(
        &self,
        actor: &Actor,
        concern_id: &str,
        body: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        if !self.require_case(actor, Action::MessageRaiser) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("update", "concern", Some(concern_id.into())),
                    CoreError::NotFound,
                )
                .await;
        }
        let concern = self.concern_in_scope(actor, concern_id, ctx, now).await?;
        let body = match safeguard_domain::text::required(body, 2000, true) {
            Ok(b) => b,
            Err(_) => {
                let mut e = FieldErrors::new();
                e.add("message", "Enter a message of 2,000 characters or fewer");
                return Err(CoreError::Invalid(e));
            }
        };
        let mut tx = self.store.begin_audited().await?;
        self.add_message(&mut tx, actor, &concern, &body, now)
            .await?;
        for a in self.store.concern_adults(concern_id).await? {
            if let Some(pid) = &a.person_id {
                self.chronicle(
                    &mut tx,
                    pid,
                    now,
                    "message",
                    &format!(
                        "Message sent to the person who raised concern {}",
                        concern.reference
                    ),
                    actor,
                    Some(concern_id),
                )
                .await?;
            }
        }
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "message",
            "concern",
            Some(concern_id.into()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes a concern (after an enquiry ends, or with no enquiry), telling the raiser.
    pub async fn close_concern(
        &self,
        actor: &Actor,
        concern_id: &str,
        message: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        if !self.require_case(actor, Action::TriageConcern) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("close", "concern", Some(concern_id.into())),
                    CoreError::Forbidden,
                )
                .await;
        }
        let concern = self.concern_in_scope(actor, concern_id, ctx, now).await?;
        let mut tx = self.store.begin_audited().await?;
        if !tx.close_concern(concern_id, unix_ms(now)).await? {
            return Ok(());
        }
        let body = safeguard_domain::text::optional(message, 2000, true).ok().flatten().unwrap_or_else(|| {
            "The safeguarding team has finished looking into the concern you raised. Thank you for telling us.".into()
        });
        self.add_message(&mut tx, actor, &concern, &body, now)
            .await?;
        for a in self.store.concern_adults(concern_id).await? {
            if let Some(pid) = &a.person_id {
                self.chronicle(
                    &mut tx,
                    pid,
                    now,
                    "closed",
                    &format!("Concern {} closed", concern.reference),
                    actor,
                    Some(concern_id),
                )
                .await?;
            }
        }
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "close",
            "concern",
            Some(concern_id.into()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a provider record.
    pub async fn create_provider(
        &self,
        actor: &Actor,
        raw: &RawProvider,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        if !self.require_case(actor, Action::ManageProviders) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("create", "provider", None),
                    CoreError::Forbidden,
                )
                .await;
        }
        let p = raw.parse().map_err(CoreError::Invalid)?;
        let id = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_provider(&ProviderRow {
            id: id.clone(),
            name: p.name,
            kind: p.kind.code().into(),
            address: p.address,
            postcode: p.postcode,
            registration_id: p.registration_id,
            created_at: unix_ms(now),
            created_by: actor.user_id.to_string(),
        })
        .await?;
        tx.audit(Self::event(
            actor,
            ctx,
            now,
            "create",
            "provider",
            Some(id.clone()),
            "success",
        )?)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Providers by name.
    pub async fn providers(
        &self,
        actor: &Actor,
        q: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<ProviderRow>> {
        if !self.require_case(actor, Action::ManageProviders) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("view", "provider", None),
                    CoreError::Forbidden,
                )
                .await;
        }
        Ok(self
            .store
            .providers(&safeguard_domain::text::search_query(q), 200)
            .await?)
    }

    /// Provider records that may be the service a raiser named in their own
    /// words ("larchfield care home"): those whose name holds the most of
    /// its distinctive words, then by name; same-name providers are told
    /// apart by their addresses on the page.
    pub async fn provider_matches(
        &self,
        actor: &Actor,
        named: &str,
    ) -> CoreResult<Vec<ProviderRow>> {
        if !self.require_case(actor, Action::ManageProviders) {
            return Ok(Vec::new());
        }
        const COMMON: [&str; 12] = [
            "the",
            "and",
            "care",
            "home",
            "homes",
            "house",
            "ltd",
            "limited",
            "nursing",
            "residential",
            "centre",
            "services",
        ];
        let words: Vec<String> = named
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .filter(|w| w.chars().count() > 2 && !COMMON.contains(&w.as_str()))
            .take(6)
            .collect();
        let mut found: Vec<(usize, ProviderRow)> = Vec::new();
        for w in &words {
            for p in self.store.providers(w, 50).await? {
                match found.iter_mut().find(|(_, x)| x.id == p.id) {
                    Some((n, _)) => *n += 1,
                    None => found.push((1, p)),
                }
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
        Ok(found.into_iter().take(5).map(|(_, p)| p).collect())
    }

    /// A provider and the concerns about it the reader may see, newest
    /// first; its alerts, alleged staff and enquiries are read through the
    /// view.
    pub async fn provider_view(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<ProviderView> {
        if !self.require_case(actor, Action::ManageProviders) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("view", "provider", Some(id.into())),
                    CoreError::NotFound,
                )
                .await;
        }
        let p = self.store.provider(id).await?.ok_or(CoreError::NotFound)?;
        let scope = scope_of(actor, now);
        let concerns = self.store.concerns_for_provider(&scope, id).await?;
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "provider",
            Some(id.into()),
            "success",
        )?)
        .await?;
        Ok(ProviderView {
            provider: p,
            concerns,
            scope,
            store: self.store.clone(),
        })
    }

    /// Names (or clears) the provider a concern is about.
    pub async fn set_concern_provider(
        &self,
        actor: &Actor,
        concern_id: &str,
        provider_id: Option<&str>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        if !self.require_case(actor, Action::ManageProviders) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("update", "concern", Some(concern_id.into())),
                    CoreError::NotFound,
                )
                .await;
        }
        self.concern_in_scope(actor, concern_id, ctx, now).await?;
        if let Some(p) = provider_id {
            self.store.provider(p).await?.ok_or(CoreError::NotFound)?;
        }
        let mut tx = self.store.begin_audited().await?;
        tx.set_concern_provider(concern_id, provider_id).await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "update",
                "concern",
                Some(concern_id.into()),
                "success",
            )?
            .with_detail(format!("provider {}", provider_id.unwrap_or("cleared"))),
        )
        .await?;
        if let Some(p) = provider_id {
            self.check_patterns(
                &mut tx,
                actor,
                ctx,
                now,
                crate::patterns::Trigger::Provider {
                    concern_id,
                    provider_id: p,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A person's chronology, newest first (audited as a view of the person).
    pub async fn chronology(
        &self,
        actor: &Actor,
        person: PersonId,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<safeguard_store::concerns::ChronologyEntry>> {
        if decide(actor, Action::ViewPerson) == Decision::Deny {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("view", "person", Some(person.to_string())),
                    CoreError::NotFound,
                )
                .await;
        }
        let basis = self
            .require_person(
                actor,
                &person.to_string(),
                ctx,
                now,
                ("view", "person", Some(person.to_string())),
            )
            .await?;
        let rows = self.store.chronology(&person.to_string()).await?;
        self.record(
            Self::event(
                actor,
                ctx,
                now,
                "view",
                "person",
                Some(person.to_string()),
                "success",
            )?
            .with_reason(basis.code())
            .with_detail("chronology"),
        )
        .await?;
        Ok(rows)
    }

    /// The organisation's holidays and targets.
    pub async fn calendar_settings(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(Vec<(String, String)>, Targets)> {
        if !self.require_case(actor, Action::ManageCalendar) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("view", "settings", None),
                    CoreError::Forbidden,
                )
                .await;
        }
        self.calendar(now).await?;
        Ok((self.store.bank_holidays().await?, self.targets().await?))
    }

    /// Adds or removes a holiday (`remove` true), e.g. a one-off bank holiday.
    pub async fn edit_holiday(
        &self,
        actor: &Actor,
        day: &str,
        name: &str,
        remove: bool,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        if !self.require_case(actor, Action::ManageCalendar) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("update", "settings", None),
                    CoreError::Forbidden,
                )
                .await;
        }
        let mut e = FieldErrors::new();
        let Some(d) = safeguard_domain::person::parse_iso_date(day) else {
            e.add("day", "Enter a real date");
            return Err(CoreError::Invalid(e));
        };
        let name = safeguard_domain::text::optional(name, 100, false)
            .ok()
            .flatten()
            .unwrap_or_else(|| "Bank holiday".into());
        self.calendar(now).await?;
        let mut tx = self.store.begin_audited().await?;
        if remove {
            tx.remove_holiday(&iso_date(d)).await?;
        } else {
            tx.add_holiday(&iso_date(d), &name).await?;
        }
        tx.audit(
            Self::event(actor, ctx, now, "update", "settings", None, "success")?.with_detail(
                format!(
                    "{} holiday {}",
                    if remove { "removed" } else { "added" },
                    iso_date(d)
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the deadline targets (working days, 0 to 30).
    pub async fn set_targets(
        &self,
        actor: &Actor,
        acknowledge: &str,
        decision: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Targets> {
        if !self.require_case(actor, Action::ManageCalendar) {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("update", "settings", None),
                    CoreError::Forbidden,
                )
                .await;
        }
        let mut e = FieldErrors::new();
        let parse = |e: &mut FieldErrors, f: &str, v: &str| match v.trim().parse::<u32>() {
            Ok(n) if n <= 30 => n,
            _ => {
                e.add(f, "Enter a whole number of working days from 0 to 30");
                0
            }
        };
        let t = Targets {
            acknowledge_days: parse(&mut e, "acknowledge_days", acknowledge),
            decision_days: parse(&mut e, "decision_days", decision),
        };
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let mut tx = self.store.begin_audited().await?;
        tx.set_setting(ACK_KEY, &t.acknowledge_days.to_string())
            .await?;
        tx.set_setting(DECISION_KEY, &t.decision_days.to_string())
            .await?;
        tx.audit(
            Self::event(actor, ctx, now, "update", "settings", None, "success")?.with_detail(
                format!("targets {} / {}", t.acknowledge_days, t.decision_days),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(t)
    }
}

/// How a public raiser appears in the audit trail (never their name).
fn raiser_label(k: RaiserKind) -> &'static str {
    match k {
        RaiserKind::Anonymous => "anonymous raiser",
        _ => "public raiser",
    }
}
