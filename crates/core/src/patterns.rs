//! People alleged to have caused harm, and pattern alerts: the rules run in
//! the transaction of the write that could make them fire (a concern raised,
//! an adult linked, a provider named, an alleged person recorded), so an
//! alert exists as soon as the record that raised it does.

use safeguard_domain::Actor;
use safeguard_domain::patterns::{
    AlertDecision, RawAlertDecision, RawAlleged, RawAllegedOutcome, RawRuleSettings, Rule,
    RuleSettings,
};
use safeguard_domain::policy::{Action, Decision, decide, person_scope};
use safeguard_store::Tx;
use safeguard_store::concerns::{ConcernRow, ConcernScope};
use safeguard_store::patterns::RuleRow;
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid, unix_ms};

pub use safeguard_store::patterns::{AlertRow, AllegedRow};

/// Where an alleged person is recorded from: a concern's page or one of
/// its enquiries (the record belongs to the concern either way).
#[derive(Clone, Copy, Debug)]
pub enum On<'a> {
    /// A concern, by id.
    Concern(&'a str),
    /// An enquiry, by id.
    Enquiry(&'a str),
}

/// A write that may make a rule fire.
#[derive(Clone, Debug)]
pub(crate) enum Trigger<'a> {
    /// A concern now names a person record.
    AdultLinked {
        concern_id: &'a str,
        person_id: &'a str,
    },
    /// A concern is now about a provider.
    Provider {
        concern_id: &'a str,
        provider_id: &'a str,
    },
    /// A concern now names an alleged person.
    Alleged {
        concern_id: &'a str,
        alleged: &'a AllegedRow,
    },
}

/// An alert opened for a manager: the concerns behind it are only those the
/// reader may see.
#[derive(Clone, Debug)]
pub struct AlertView {
    /// The alert.
    pub alert: AlertRow,
    /// Its rule.
    pub rule: Rule,
    /// The concerns behind it the reader may see, oldest first.
    pub concerns: Vec<ConcernRow>,
}

const DAY_MS: i64 = 86_400_000;

/// A rule that fired: (rule, subject kind, subject id, subject label, the
/// concerns behind it, the concern that fired it).
type Fired<'a> = (Rule, &'static str, String, String, Vec<String>, &'a str);

/// Every rule with the council's settings (or the defaults).
pub(crate) fn settings_of(rows: &[RuleRow]) -> Vec<(Rule, RuleSettings)> {
    Rule::ALL
        .iter()
        .map(|r| {
            let s = rows
                .iter()
                .find(|x| x.rule == r.code())
                .map(|x| RuleSettings {
                    enabled: x.enabled,
                    threshold: x.threshold,
                    days: x.days,
                })
                .unwrap_or_else(|| r.default_settings());
            (*r, s)
        })
        .collect()
}

impl Safeguard {
    /// The concern an alleged person is recorded on, checked: from a concern,
    /// the recorder's need-to-know of it; from an enquiry, working on it.
    async fn concern_of(
        &self,
        actor: &Actor,
        on: On<'_>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<ConcernRow> {
        match on {
            On::Concern(id) => {
                if decide(actor, Action::RecordConcern) == Decision::Deny {
                    return self
                        .refuse(
                            actor,
                            ctx,
                            now,
                            ("update", "concern", Some(id.into())),
                            CoreError::NotFound,
                        )
                        .await;
                }
                self.concern_in_scope_as(actor, id, ctx, now, "update")
                    .await
            }
            On::Enquiry(id) => {
                let e = self
                    .enquiry_for(actor, id, Action::WorkOnEnquiry, ctx, now)
                    .await?;
                self.store
                    .concern(&ConcernScope::All, &e.concern_id)
                    .await?
                    .ok_or(CoreError::NotFound)
            }
        }
    }

    /// Records a person alleged to have caused harm on a concern (from the
    /// concern or one of its enquiries); the pattern rules run with it.
    pub async fn add_alleged(
        &self,
        actor: &Actor,
        on: On<'_>,
        raw: &RawAlleged,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let concern = self.concern_of(actor, on, ctx, now).await?;
        let a = raw.parse().map_err(CoreError::Invalid)?;
        let mut name = a.name.clone();
        let mut person_id = None;
        if let Some(p) = a.person_id {
            let Some(found) = self.store.find_person(person_scope(actor), p).await? else {
                return Err(invalid("person_id", "Choose a person record that exists"));
            };
            // A record merged into another stands for the one kept.
            let id = match self.store.merged_into(&p.to_string()).await? {
                Some(kept) => kept,
                None => p.to_string(),
            };
            name = Some(found.details.full_name());
            person_id = Some(id);
        }
        if let Some(p) = &a.provider_id
            && self.store.provider(p).await?.is_none()
        {
            return Err(invalid("provider_id", "Choose a provider that exists"));
        }
        let row = AllegedRow {
            id: new_uuid(now)?.to_string(),
            concern_id: concern.id.clone(),
            kind: a.kind.code().into(),
            person_id,
            provider_id: a.provider_id.clone(),
            name,
            description: a.description.clone(),
            relationship: a.relationship.code().into(),
            match_key: a.match_key(),
            outcome: safeguard_domain::patterns::AllegedOutcome::Pending
                .code()
                .into(),
            outcome_detail: None,
            outcome_at: None,
            outcome_by: None,
            created_at: unix_ms(now),
            created_by: actor.user_id.to_string(),
        };
        let mut tx = self.store.begin_audited().await?;
        tx.insert_alleged(&row).await?;
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "create",
                "alleged_person",
                Some(row.id.clone()),
                "success",
            )?
            .with_detail(format!("concern {}", concern.id)),
        )
        .await?;
        self.check_patterns(
            &mut tx,
            actor,
            ctx,
            now,
            Trigger::Alleged {
                concern_id: &concern.id,
                alleged: &row,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(row.id)
    }

    /// The people alleged to have caused harm on a concern (council case
    /// workers who may see it; never its raiser). Audited as a view.
    pub async fn alleged_on_concern(
        &self,
        actor: &Actor,
        concern_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<AllegedRow>> {
        if decide(actor, Action::ViewConcerns) == Decision::Deny {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("view", "concern", Some(concern_id.into())),
                    CoreError::NotFound,
                )
                .await;
        }
        let c = self
            .concern_in_scope_as(actor, concern_id, ctx, now, "view")
            .await?;
        let rows = self.store.alleged_for_concern(&c.id).await?;
        self.record(
            Self::event(
                actor,
                ctx,
                now,
                "view",
                "concern",
                Some(c.id.clone()),
                "success",
            )?
            .with_detail("alleged persons"),
        )
        .await?;
        Ok(rows)
    }

    /// Records what happened for an alleged person.
    pub async fn set_alleged_outcome(
        &self,
        actor: &Actor,
        on: On<'_>,
        alleged_id: &str,
        raw: &RawAllegedOutcome,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let concern = self.concern_of(actor, on, ctx, now).await?;
        let (outcome, detail) = raw.parse().map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .set_alleged_outcome(
                &concern.id,
                alleged_id,
                outcome.code(),
                detail.as_deref(),
                unix_ms(now),
                &actor.user_id.to_string(),
            )
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
                "alleged_person",
                Some(alleged_id.into()),
                "success",
            )?
            .with_detail(format!("outcome {}", outcome.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every rule with the council's settings.
    pub async fn pattern_rules(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<(Rule, RuleSettings)>> {
        if decide(actor, Action::SetPatternRules) == Decision::Deny
            && decide(actor, Action::DecidePatternAlerts) == Decision::Deny
        {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("view", "pattern_rules", None),
                    CoreError::Forbidden,
                )
                .await;
        }
        Ok(settings_of(&self.store.pattern_rules().await?))
    }

    /// Sets every rule's settings at once (all are checked before any is
    /// saved).
    pub async fn set_pattern_rules(
        &self,
        actor: &Actor,
        raw: &[(Rule, RawRuleSettings)],
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        self.require_as(
            actor,
            Action::SetPatternRules,
            ctx,
            now,
            ("update", "pattern_rules", None),
        )
        .await?;
        let mut errors = safeguard_domain::FieldErrors::new();
        let mut parsed = Vec::new();
        for (rule, r) in raw {
            match r.parse(*rule) {
                Ok(s) => parsed.push((*rule, s)),
                Err(e) => errors.0.extend(e.0),
            }
        }
        if !errors.is_empty() {
            return Err(CoreError::Invalid(errors));
        }
        let mut tx = self.store.begin_audited().await?;
        let mut detail = Vec::new();
        for (rule, s) in &parsed {
            tx.set_pattern_rule(
                &RuleRow {
                    rule: rule.code().into(),
                    enabled: s.enabled,
                    threshold: s.threshold,
                    days: s.days,
                },
                unix_ms(now),
                &actor.user_id.to_string(),
            )
            .await?;
            detail.push(format!(
                "{} {} {}/{}",
                rule.code(),
                if s.enabled { "on" } else { "off" },
                s.threshold,
                s.days
            ));
        }
        tx.audit(
            Self::event(actor, ctx, now, "update", "pattern_rules", None, "success")?
                .with_detail(detail.join("; ")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Alerts a manager may see (any of whose concerns they may see),
    /// undecided first, each with how many of its concerns they may see.
    /// The list is audited (it names people).
    pub async fn alerts(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<(AlertRow, i64)>> {
        self.require_as(
            actor,
            Action::DecidePatternAlerts,
            ctx,
            now,
            ("view", "pattern_alert", None),
        )
        .await?;
        let rows = self
            .store
            .alerts(&crate::concerns::scope_of(actor, now), 200)
            .await?;
        let ids: Vec<&str> = rows.iter().map(|(a, _)| a.id.as_str()).collect();
        self.record(
            Self::event(actor, ctx, now, "view", "pattern_alert", None, "success")?
                .with_detail(format!("{} alerts: {}", ids.len(), ids.join(","))),
        )
        .await?;
        Ok(rows)
    }

    /// How many undecided alerts a manager may see (for their home page).
    pub async fn undecided_alerts(&self, actor: &Actor, now: OffsetDateTime) -> CoreResult<usize> {
        if decide(actor, Action::DecidePatternAlerts) == Decision::Deny {
            return Ok(0);
        }
        Ok(self
            .store
            .undecided_alerts(&crate::concerns::scope_of(actor, now))
            .await?
            .try_into()
            .unwrap_or(0))
    }

    /// An alert a manager may act on, with the concerns behind it they may
    /// see; one they may see none of is "not found", the refusal audited as
    /// `verb`.
    async fn visible_alert(
        &self,
        actor: &Actor,
        id: &str,
        verb: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(AlertRow, Vec<ConcernRow>)> {
        self.require_as(
            actor,
            Action::DecidePatternAlerts,
            ctx,
            now,
            (verb, "pattern_alert", Some(id.into())),
        )
        .await?;
        let Some(alert) = self.store.alert(id).await? else {
            return Err(CoreError::NotFound);
        };
        let concerns = self
            .store
            .alert_concerns(&crate::concerns::scope_of(actor, now), id)
            .await?;
        if concerns.is_empty() {
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    (verb, "pattern_alert", Some(id.into())),
                    CoreError::NotFound,
                )
                .await;
        }
        Ok((alert, concerns))
    }

    /// One alert with the concerns behind it the reader may see; an alert
    /// they may see none of is "not found". Audited.
    pub async fn alert_view(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AlertView> {
        let (alert, concerns) = self.visible_alert(actor, id, "view", ctx, now).await?;
        let rule = Rule::parse(&alert.rule)
            .ok_or_else(|| CoreError::Internal("unknown pattern rule".into()))?;
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "pattern_alert",
            Some(id.into()),
            "success",
        )?)
        .await?;
        Ok(AlertView {
            alert,
            rule,
            concerns,
        })
    }

    /// A manager's decision on an alert, with reasons; audited. An alert
    /// already decided is a conflict.
    pub async fn decide_alert(
        &self,
        actor: &Actor,
        id: &str,
        raw: &RawAlertDecision,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AlertDecision> {
        self.visible_alert(actor, id, "update", ctx, now).await?;
        let (decision, reasons) = raw.parse().map_err(CoreError::Invalid)?;
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .decide_alert(
                id,
                decision.code(),
                &reasons,
                unix_ms(now),
                &actor.user_id.to_string(),
                &actor.display_name,
            )
            .await?
        {
            return Err(CoreError::Conflict);
        }
        tx.audit(
            Self::event(
                actor,
                ctx,
                now,
                "decide",
                "pattern_alert",
                Some(id.into()),
                "success",
            )?
            .with_detail(format!("decision {}", decision.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(decision)
    }

    /// Runs the rules a write may have made fire, in its transaction: an
    /// undecided alert of the same rule about the same subject gathers the
    /// new concerns; otherwise a new alert is raised, unless the concern
    /// that fired it is already behind one (re-saving a provider raises
    /// nothing new).
    pub(crate) async fn check_patterns(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
        trigger: Trigger<'_>,
    ) -> CoreResult<()> {
        let settings = settings_of(&tx.pattern_rules().await?);
        let get = |r: Rule| {
            settings
                .iter()
                .find(|(x, _)| *x == r)
                .map(|(_, s)| *s)
                .unwrap_or_else(|| r.default_settings())
        };
        let now_ms = unix_ms(now);
        let since = |s: &RuleSettings| now_ms - s.days * DAY_MS;
        let mut fired: Vec<Fired<'_>> = Vec::new();
        match &trigger {
            Trigger::AdultLinked {
                concern_id,
                person_id,
            } => {
                let s = get(Rule::RepeatAdult);
                if s.enabled {
                    let ids = tx.concerns_about_person_since(person_id, since(&s)).await?;
                    if s.fires(ids.len()) {
                        fired.push((
                            Rule::RepeatAdult,
                            "person",
                            person_id.to_string(),
                            String::new(),
                            ids,
                            concern_id,
                        ));
                    }
                }
                let s = get(Rule::AfterEnquiry);
                if s.enabled {
                    let mut ids = tx
                        .enquiries_closed_since(person_id, since(&s), concern_id)
                        .await?;
                    if !ids.is_empty() {
                        // The enquiries' concerns never include this one.
                        ids.push(concern_id.to_string());
                        fired.push((
                            Rule::AfterEnquiry,
                            "person",
                            person_id.to_string(),
                            String::new(),
                            ids,
                            concern_id,
                        ));
                    }
                }
                // The person's name, read only once a rule has fired.
                if !fired.is_empty() {
                    let label = self.person_label(person_id).await?;
                    for f in &mut fired {
                        f.3 = label.clone();
                    }
                }
            }
            Trigger::Provider {
                concern_id,
                provider_id,
            } => {
                let Some((name, postcode, registered)) = tx.provider_facts(provider_id).await?
                else {
                    return Ok(());
                };
                let label = match postcode {
                    Some(p) => format!("{name} ({p})"),
                    None => name,
                };
                let s = get(Rule::Provider);
                if s.enabled {
                    let ids = tx
                        .concerns_about_provider_since(provider_id, since(&s))
                        .await?;
                    if s.fires(ids.len()) {
                        fired.push((
                            Rule::Provider,
                            "provider",
                            provider_id.to_string(),
                            label.clone(),
                            ids,
                            concern_id,
                        ));
                    }
                }
                let s = get(Rule::CqcPrompt);
                if s.enabled && registered.is_some_and(|r| !r.trim().is_empty()) {
                    fired.push((
                        Rule::CqcPrompt,
                        "provider",
                        provider_id.to_string(),
                        label,
                        vec![concern_id.to_string()],
                        concern_id,
                    ));
                }
            }
            Trigger::Alleged {
                concern_id,
                alleged,
            } => {
                let s = get(Rule::AllegedPerson);
                let subject = alleged
                    .person_id
                    .clone()
                    .or_else(|| alleged.match_key.clone());
                if s.enabled
                    && let Some(subject) = subject
                {
                    let rows = tx
                        .adults_with_alleged_since(
                            alleged.person_id.as_deref(),
                            alleged.match_key.as_deref(),
                            since(&s),
                        )
                        .await?;
                    let mut adults: Vec<&str> = rows.iter().map(|r| r.adult.as_str()).collect();
                    adults.sort();
                    adults.dedup();
                    if s.fires(adults.len()) {
                        let mut ids: Vec<String> =
                            rows.iter().map(|r| r.concern_id.clone()).collect();
                        ids.sort();
                        ids.dedup();
                        let label = alleged
                            .name
                            .clone()
                            .unwrap_or_else(|| "A person alleged to have caused harm".into());
                        fired.push((
                            Rule::AllegedPerson,
                            "alleged",
                            subject,
                            label,
                            ids,
                            concern_id,
                        ));
                    }
                }
            }
        }
        for (rule, kind, subject, label, ids, trigger_concern) in fired {
            let s = get(rule);
            if let Some(open) = tx.open_alert(rule.code(), kind, &subject).await? {
                if tx.add_alert_concerns(&open, &ids).await? > 0 {
                    tx.audit(
                        Self::event(
                            actor,
                            ctx,
                            now,
                            "update",
                            "pattern_alert",
                            Some(open.clone()),
                            "success",
                        )?
                        .with_detail(format!("concern {trigger_concern} added")),
                    )
                    .await?;
                }
                continue;
            }
            if tx
                .concern_already_decided(rule.code(), kind, &subject, trigger_concern)
                .await?
            {
                continue;
            }
            let id = new_uuid(now)?.to_string();
            tx.insert_alert(&AlertRow {
                id: id.clone(),
                rule: rule.code().into(),
                subject_kind: kind.into(),
                subject_id: subject,
                subject_label: label,
                threshold: s.threshold,
                days: s.days,
                raised_at: now_ms,
                decision: None,
                reasons: None,
                decided_at: None,
                decided_by: None,
                decided_by_name: None,
            })
            .await?;
            tx.add_alert_concerns(&id, &ids).await?;
            // Managers are told at once, in words that name no one.
            for (name, to) in tx.alert_recipients().await? {
                tx.queue_email(&safeguard_store::concerns::EmailRow {
                    id: new_uuid(now)?.to_string(),
                    created_at: now_ms,
                    to_address: to,
                    subject: "A pattern alert to decide".into(),
                    body: format!(
                        "Hello {name},\n\nSafeguard raised a pattern alert ({}). \
                         See it and decide what to do at {{PUBLIC_URL}}/alerts/{id}\n",
                        rule.label().to_lowercase()
                    ),
                    sent_at: None,
                    attempts: 0,
                    last_error: None,
                })
                .await?;
            }
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "create",
                    "pattern_alert",
                    Some(id.clone()),
                    "success",
                )?
                .with_detail(format!(
                    "rule {} fired by concern {trigger_concern}",
                    rule.code()
                )),
            )
            .await?;
        }
        Ok(())
    }

    async fn person_label(&self, person_id: &str) -> CoreResult<String> {
        Ok(self
            .store
            .person_name(person_id)
            .await?
            .map(|n| format!("{} {}", n.given_name, n.family_name))
            .unwrap_or_else(|| "A person".into()))
    }
}
