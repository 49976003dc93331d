//! Subject access requests: everything held about a person, as one bundle
//! (JSON, or printable HTML made from it), with the third-party information
//! the data protection officer chooses to withhold redacted in the copy.
//! The records themselves are never changed; the export is audited.

use safeguard_domain::Actor;
use safeguard_domain::dates::long_date;
use safeguard_domain::policy::Action;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, unix_ms};

/// What replaces withheld third-party information in the copy.
pub const WITHHELD: &str = "[withheld: information about someone else]";

/// A piece of third-party information the DPO may withhold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThirdParty {
    /// The stable key naming it in the bundle.
    pub key: String,
    /// What it is, for the DPO choosing.
    pub label: String,
}

/// A subject access bundle.
#[derive(Clone, Debug)]
pub struct SubjectAccess {
    /// The person's name.
    pub person_name: String,
    /// The bundle.
    pub bundle: Value,
    /// How many items were withheld.
    pub withheld: usize,
    /// The documents to supply with the copy (released, not withheld):
    /// (attachment id, file name).
    pub files: Vec<(String, String)>,
}

/// Keeps a value, or the withheld marker when its key was chosen.
fn keep(withhold: &[String], key: &str, v: Value) -> Value {
    if withhold.iter().any(|k| k == key) {
        Value::String(WITHHELD.into())
    } else {
        v
    }
}

fn parse_json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::String(s.to_string()))
}

/// Makes the copy readable by the person it is about: a stored code
/// ("not_asked", "section_42") becomes words ("Not asked", "Section 42"),
/// a date ("2026-12-03", or a record's `[2026, 337]`) reads "3 December
/// 2026", and a time "3 December 2026 14:05". Free text is left alone: only
/// a value that is wholly a lower-case code with an underscore, or one of
/// the answers yes, no and unsure, is turned into words.
pub fn readable(v: &mut Value) {
    match v {
        Value::Array(items) => {
            if let [Value::Number(y), Value::Number(o)] = items.as_slice()
                && let (Some(y), Some(o)) = (y.as_i64(), o.as_u64())
                && (1900..=2200).contains(&y)
                && let Ok(d) = time::Date::from_ordinal_date(
                    i32::try_from(y).unwrap_or(0),
                    u16::try_from(o).unwrap_or(0),
                )
            {
                *v = Value::String(long_date(d));
                return;
            }
            for i in items {
                readable(i);
            }
        }
        Value::Object(map) => {
            for (_, x) in map.iter_mut() {
                readable(x);
            }
        }
        Value::String(s) => {
            if let Some(d) = safeguard_domain::person::parse_iso_date(s) {
                *s = long_date(d);
            } else if s.len() == 16
                && s.as_bytes().get(10) == Some(&b' ')
                && let Some(d) = safeguard_domain::person::parse_iso_date(&s[..10])
            {
                *s = format!("{} {}", long_date(d), &s[11..]);
            } else if matches!(s.as_str(), "yes" | "no" | "unsure")
                || (s.contains('_')
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            {
                let words = s.replace('_', " ");
                let mut c = words.chars();
                *s = match c.next() {
                    Some(f) => f.to_uppercase().chain(c).collect(),
                    None => words,
                };
            }
        }
        _ => {}
    }
}

impl Safeguard {
    /// The third-party information in a person's records that the DPO may
    /// choose to withhold: key people, who raised each concern and what they
    /// said, messages to them, representatives' names, meeting and other
    /// records naming others.
    pub async fn third_parties(
        &self,
        actor: &Actor,
        person_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<ThirdParty>> {
        self.require_as(
            actor,
            Action::ViewAudit,
            ctx,
            now,
            ("export", "person", Some(person_id.to_string())),
        )
        .await?;
        let pid = person_id.parse().map_err(|_| CoreError::NotFound)?;
        let Some(person) = self
            .store
            .find_person(safeguard_domain::PersonScope::All, pid)
            .await?
        else {
            return Err(CoreError::NotFound);
        };
        let mut out = Vec::new();
        for (i, k) in person.details.key_people.iter().enumerate() {
            out.push(ThirdParty {
                key: format!("key_person:{i}"),
                label: format!("Key person: {} ({})", k.name, k.relationship.label()),
            });
        }
        for cid in self.store.concern_ids_for_person(person_id).await? {
            let Some(c) = self
                .store
                .concern(&safeguard_store::concerns::ConcernScope::All, &cid)
                .await?
            else {
                continue;
            };
            out.push(ThirdParty {
                key: format!("concern:{cid}:raiser"),
                label: format!("Who raised concern {}", c.reference),
            });
            out.push(ThirdParty {
                key: format!("concern:{cid}:account"),
                label: format!("Their account of what happened in concern {}", c.reference),
            });
            if !self.store.messages(&cid).await?.is_empty() {
                out.push(ThirdParty {
                    key: format!("concern:{cid}:messages"),
                    label: format!("Messages to whoever raised concern {}", c.reference),
                });
            }
        }
        for e in self.store.enquiries_for_person(person_id).await? {
            for o in self.store.outcomes(&e.id).await? {
                if o.representative.is_some() {
                    out.push(ThirdParty {
                        key: format!("outcome:{}:representative", o.id),
                        label: format!("The representative who said \"{}\"", o.text),
                    });
                }
            }
            for r in self.store.enquiry_records(&e.id).await? {
                out.push(ThirdParty {
                    key: format!("record:{}", r.id),
                    label: format!("Enquiry record: {} ({})", r.kind, crate::audit_day(r.at)),
                });
            }
        }
        for a in self.store.attachments_of_case_file(person_id).await? {
            out.push(ThirdParty {
                key: format!("attachment:{}", a.id),
                label: format!(
                    "Document: {} ({})",
                    a.filename,
                    crate::audit_day(a.uploaded_at)
                ),
            });
        }
        Ok(out)
    }

    /// Everything held about a person, with the chosen third-party items
    /// withheld. The export is audited with how much was withheld.
    pub async fn subject_access(
        &self,
        actor: &Actor,
        person_id: &str,
        withhold: &[String],
        format: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<SubjectAccess> {
        self.require_as(
            actor,
            Action::ViewAudit,
            ctx,
            now,
            ("export", "person", Some(person_id.to_string())),
        )
        .await?;
        let pid = person_id.parse().map_err(|_| CoreError::NotFound)?;
        let Some(person) = self
            .store
            .find_person(safeguard_domain::PersonScope::All, pid)
            .await?
        else {
            return Err(CoreError::NotFound);
        };
        let d = &person.details;
        let key_people: Vec<Value> = d
            .key_people
            .iter()
            .enumerate()
            .map(|(i, k)| {
                keep(
                    withhold,
                    &format!("key_person:{i}"),
                    json!({"name": k.name, "relationship": k.relationship.label(), "contact": k.contact,
                           "could_be_appropriate_person": k.appropriate_person.label(), "notes": k.notes}),
                )
            })
            .collect();
        let address: Vec<String> = [&d.address_line_1, &d.address_line_2, &d.town]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let needs: Vec<&str> = d.communication_needs.iter().map(|c| c.label()).collect();
        let record = json!({
            "given_name": d.given_name, "family_name": d.family_name, "other_names": d.other_names,
            "date_of_birth": d.date_of_birth.map(safeguard_domain::person::iso_date),
            "nhs_number": d.nhs_number.as_ref().map(|n| n.formatted()),
            "address": address,
            "postcode": d.postcode.as_ref().map(|p| p.as_str()),
            "gender": d.gender.label(), "ethnicity": d.ethnicity.label(),
            "primary_support_reason": d.primary_support_reason.label(),
            "preferred_language": d.preferred_language, "interpreter_needed": d.interpreter_needed,
            "communication_needs": needs,
            "communication_notes": d.communication_notes, "what_matters_to_me": d.what_matters_to_me,
            "key_people": key_people,
        });
        let mut concerns = Vec::new();
        for cid in self.store.concern_ids_for_person(person_id).await? {
            let Some(c) = self
                .store
                .concern(&safeguard_store::concerns::ConcernScope::All, &cid)
                .await?
            else {
                continue;
            };
            let decision = self.store.decision(&cid).await?.map(|x| {
                json!({"decided_on": crate::audit_day(x.decided_at), "care_and_support_needs": x.needs,
                       "evidence_of_needs": x.needs_evidence, "experiencing_abuse_or_neglect": x.abuse,
                       "evidence_of_abuse": x.abuse_evidence, "unable_to_protect_themselves": x.unable,
                       "evidence_unable": x.unable_evidence, "your_views": x.person_views,
                       "immediate_actions": x.immediate_actions, "outcome": x.outcome, "reasons": x.reasons})
            });
            let messages: Vec<Value> = self
                .store
                .messages(&cid)
                .await?
                .into_iter()
                .map(
                    |m| json!({"at": crate::audit_day(m.at), "from": m.by_name, "message": m.body}),
                )
                .collect();
            concerns.push(json!({
                "reference": c.reference, "received_on": c.received_on, "state": c.state,
                "raised_by": keep(withhold, &format!("concern:{cid}:raiser"),
                    json!({"kind": c.raiser_kind, "name": c.raiser_name, "role": c.raiser_role,
                           "phone": c.raiser_phone, "email": c.raiser_email})),
                "what_happened": keep(withhold, &format!("concern:{cid}:account"), json!(c.what_happened)),
                "where": keep(withhold, &format!("concern:{cid}:account"), json!(c.where_happened)),
                "suspected_types": c.suspected_types, "consent": c.consent,
                "decision": decision,
                "messages_to_whoever_raised_it": keep(withhold, &format!("concern:{cid}:messages"), json!(messages)),
            }));
        }
        let mut enquiries = Vec::new();
        for e in self.store.enquiries_for_person(person_id).await? {
            let outcomes: Vec<Value> = self
                .store
                .outcomes(&e.id)
                .await?
                .into_iter()
                .map(|o| {
                    json!({"in_your_words": o.text, "said_by": o.expressed_by,
                           "representative": keep(withhold, &format!("outcome:{}:representative", o.id), json!(o.representative)),
                           "on": o.expressed_on, "still_wanted": o.active, "achieved": o.achievement, "comment": o.comment})
                })
                .collect();
            let records: Vec<Value> = self
                .store
                .enquiry_records(&e.id)
                .await?
                .into_iter()
                .map(|r| {
                    json!({"kind": r.kind, "on": crate::audit_day(r.at), "by": r.by_name,
                           "record": keep(withhold, &format!("record:{}", r.id), parse_json(&r.data))})
                })
                .collect();
            let actions: Vec<Value> = self
                .store
                .plan_actions(&e.id)
                .await?
                .into_iter()
                .map(|a| {
                    json!({"action": a.description, "owner": a.owner, "due_on": a.due_on, "status": a.status,
                           "less_restrictive_options_considered": a.less_restrictive})
                })
                .collect();
            let conclusion = self.store.conclusion(&e.id).await?.map(|c| {
                json!({"concluded_on": c.concluded_on, "risk_types": c.risk_types, "locations": c.locations,
                       "sources": c.sources, "action_and_result": c.action_result, "risk_outcome": c.risk_outcome})
            });
            let feedback: Vec<Value> = self
                .store
                .feedback(&e.id)
                .await?
                .into_iter()
                .map(|f| json!({"from": f.respondent, "answers": parse_json(&f.answers), "comment": f.comment,
                                "on": crate::audit_day(f.at)}))
                .collect();
            enquiries.push(json!({
                "kind": e.kind, "state": e.state, "started_on": e.started_on, "asked_what_you_want": e.asked,
                "what_you_want_to_happen": outcomes, "records": records, "safeguarding_plan": actions,
                "conclusion": conclusion, "your_feedback": feedback,
            }));
        }
        let chronology: Vec<Value> = self
            .store
            .chronology(person_id)
            .await?
            .into_iter()
            .rev()
            .map(|c| {
                let mut e =
                    json!({"on": crate::audit_day(c.at), "what": c.summary, "by": c.actor_name});
                if let Some(a) = c.analysis.filter(|_| c.significant) {
                    e["why_it_was_significant"] = a.into();
                }
                e
            })
            .collect();
        let contacts: Vec<Value> = self
            .store
            .contacts(person_id)
            .await?
            .into_iter()
            .map(|c| {
                json!({"on": c.held_on,
                       "kind": safeguard_domain::contact::ContactKind::parse(&c.kind).map(|k| k.label()).unwrap_or(""),
                       "you_took_part": c.with_person, "others": c.others,
                       "in_your_words": c.person_words, "what_happened": c.note, "recorded_by": c.recorded_by_name})
            })
            .collect();
        let shares: Vec<Value> = self
            .store
            .shares_for_person(person_id)
            .await?
            .into_iter()
            .map(|x| {
                json!({"on": x.shared_on, "with": x.agency_name.or(x.recipient), "what": x.what,
                       "why": x.purpose, "lawful_basis": x.article6, "special_category_condition": x.article9,
                       "consent": x.consent, "reason_without_consent": x.override_reason})
            })
            .collect();
        let accesses: Vec<Value> = self
            .store
            .audit_about_person(person_id, 100_000)
            .await?
            .into_iter()
            .map(|r| {
                json!({"at": crate::audit_day(r.at), "who": r.display_name.unwrap_or(r.actor_name),
                       "organisation": r.agency_name,
                       "what": safeguard_domain::access_report::describe(&safeguard_domain::access_report::EventFacts {
                           action: &r.action, subject_type: &r.subject_type, outcome: &r.outcome, reason: r.reason.as_deref() })})
            })
            .collect();
        let attachments = self.store.attachments_of_case_file(person_id).await?;
        let files: Vec<(String, String)> = attachments
            .iter()
            .filter(|a| a.status == "released")
            .filter(|a| {
                !withhold
                    .iter()
                    .any(|k| *k == format!("attachment:{}", a.id))
            })
            .map(|a| (a.id.clone(), a.filename.clone()))
            .collect();
        let documents: Vec<Value> = attachments
            .into_iter()
            .map(|a| {
                let key = format!("attachment:{}", a.id);
                let kind = safeguard_domain::attachment::kind_of(&a.content_type)
                    .map_or(a.content_type.as_str(), |k| k.label);
                let held = match a.status.as_str() {
                    "released" => "supplied with this copy",
                    "infected" => "held back: a virus was found in it",
                    _ => "waiting for its virus check",
                };
                keep(withhold, &key, json!({"added_on": crate::audit_day(a.uploaded_at),
                    "added_by": a.uploaded_by_name, "file": a.filename, "kind": kind,
                    "size_bytes": a.size_bytes, "description": a.description, "kept_with": a.owner_kind,
                    "sha256": a.sha256, "copy": held}))
            })
            .collect();
        let withheld = withhold.len();
        let mut bundle = json!({
            "about": format!("Everything Safeguard holds about {}, produced {} for a subject access request.",
                d.full_name(), crate::audit_day(unix_ms(now))),
            "withheld_items": withheld,
            "your_record": record,
            "concerns_about_you": concerns,
            "enquiries": enquiries,
            "chronology": chronology,
            "contacts_and_case_notes": contacts,
            "information_shared_about_you": shares,
            "documents_photos_and_recordings": documents,
            "who_looked_at_your_record": accesses,
        });
        readable(&mut bundle);
        self.record(
            Self::event(
                actor,
                ctx,
                now,
                "export",
                "person",
                Some(person_id.to_string()),
                "success",
            )?
            .with_detail(format!(
                "subject access ({format}); {withheld} items withheld"
            )),
        )
        .await?;
        Ok(SubjectAccess {
            person_name: d.full_name(),
            bundle,
            withheld,
            files,
        })
    }

    /// A document of a person's case file, for the subject access copy
    /// (the data protection officer's, as the export is): released files
    /// only, checked against their SHA-256, photos without their metadata;
    /// audited as part of the export.
    pub async fn subject_access_file(
        &self,
        actor: &Actor,
        person_id: &str,
        attachment_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<crate::attachments::AttachmentFile> {
        self.require_as(
            actor,
            Action::ViewAudit,
            ctx,
            now,
            ("export", "attachment", Some(attachment_id.to_string())),
        )
        .await?;
        let rows = self.store.attachments_of_case_file(person_id).await?;
        let readable = crate::attachments::readable_among(rows, attachment_id)?;
        let file = self.attachment_file(&readable).await?;
        self.record(
            Self::event(
                actor,
                ctx,
                now,
                "export",
                "attachment",
                Some(attachment_id.to_string()),
                "success",
            )?
            .with_detail(format!(
                "subject access for person {person_id}; sha256 {}",
                file.row.sha256
            )),
        )
        .await?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_reads_as_words_and_dates() {
        let mut v = json!({
            "asked": "not_asked", "outcome": "section_42", "needs": "yes",
            "on": "2026-12-03", "at": "2026-12-03 14:05", "date": [2026, 337],
            "said": "I want to stay_home", "name": "Ada", "id": "01a2-b3",
            "kinds": ["care_home_nursing", "own_home"], "count": 2
        });
        readable(&mut v);
        assert_eq!(v["asked"], "Not asked");
        assert_eq!(v["outcome"], "Section 42");
        assert_eq!(v["needs"], "Yes");
        assert_eq!(v["on"], "3 December 2026");
        assert_eq!(v["at"], "3 December 2026 14:05");
        assert_eq!(v["date"], "3 December 2026");
        assert_eq!(v["said"], "I want to stay_home", "free text is left alone");
        assert_eq!(v["name"], "Ada");
        assert_eq!(v["id"], "01a2-b3");
        assert_eq!(v["kinds"][0], "Care home nursing");
        assert_eq!(v["count"], 2);
    }
}
