//! FHIR R4 export of a person's safeguarding record for integrated care,
//! made only from a recorded share with its lawful basis, and holding only
//! what that share names (minimum necessary).
//!
//! The bundle (`type: collection`) holds the Patient (UK Core profile, NHS
//! number), the people the person named as family, carers and friends
//! (RelatedPerson: name and relationship only), a safeguarding Flag, the
//! enquiry as an EpisodeOfCare from concern to conclusion, the desired
//! outcomes as Goals in the person's own words (when the share names them),
//! the plan as a CarePlan with a Task per action (when the share names it),
//! the share's lawful basis and the person's consent as a Consent, and an
//! AuditEvent and a Provenance for the export itself. The export is audited.

use safeguard_domain::Actor;
use safeguard_domain::PersonId;
use safeguard_domain::sharing::{Article6, Article9, ShareConsent, SharedPart};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid};

/// The NHS number's identifier system (NHS England).
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// The UK Core Patient profile.
pub const UK_CORE_PATIENT: &str = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient";
/// The UK Core extension for how far the NHS number was verified.
const NHS_VERIFICATION_EXTENSION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus";
/// Its code system.
const NHS_VERIFICATION_SYSTEM: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland";

fn iso(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn ms_iso(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(iso)
        .unwrap_or_default()
}

fn full_url(kind: &str, id: &str) -> String {
    format!("urn:uuid:{}", uuid_for(kind, id))
}

/// A stable UUID for a record of ours under a FHIR resource type (so that
/// two exports of the same record give the same resource id), from the
/// record's own UUID where it is one.
fn uuid_for(kind: &str, id: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("{kind}/{id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}

fn reference(kind: &str, id: &str) -> Value {
    json!({ "reference": full_url(kind, id) })
}

fn entry(kind: &str, id: &str, mut resource: Value) -> Value {
    resource["resourceType"] = json!(kind);
    resource["id"] = json!(uuid_for(kind, id));
    json!({ "fullUrl": full_url(kind, id), "resource": resource })
}

fn text(s: &str) -> Value {
    json!({ "text": s })
}

impl Safeguard {
    /// The FHIR R4 bundle of `person`'s record as shared by `share_id`: the
    /// person is opened (checked and audited as any view), the share must be
    /// one of theirs, and the export is audited with the share it rests on.
    pub async fn fhir_export(
        &self,
        actor: &Actor,
        person: PersonId,
        share_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Value> {
        let opened = self.view_person(actor, person, ctx, now).await?;
        if opened.basis() == safeguard_domain::policy::Basis::BreakGlass {
            // An emergency opening is for reading what is needed now, not
            // for passing the record on.
            return self
                .refuse(
                    actor,
                    ctx,
                    now,
                    ("export", "person", Some(person.to_string())),
                    CoreError::Forbidden,
                )
                .await;
        }
        let share_id = share_id.trim();
        if share_id.is_empty() {
            return Err(invalid(
                "share",
                "Name the recorded share this export is made under (its lawful basis and what it covers)",
            ));
        }
        let Some(share) = self
            .store
            .share(share_id)
            .await?
            .filter(|s| s.person_id == person.to_string())
        else {
            return Err(invalid(
                "share",
                "No share of this person's information has that id: record the share, with its lawful basis, first",
            ));
        };
        let parts: Vec<SharedPart> = share
            .parts
            .split(',')
            .filter_map(|p| SharedPart::parse(p.trim()))
            .collect();
        let pid = person.to_string();
        let d = &opened.details;
        let mut entries = Vec::new();

        // The person.
        let mut patient = json!({
            "meta": { "profile": [UK_CORE_PATIENT] },
            "name": [{ "use": "official", "family": d.family_name, "given": [d.given_name] }],
            "gender": match d.gender.code() {
                "female" => "female",
                "male" => "male",
                "other" => "other",
                _ => "unknown",
            },
        });
        if let Some(nhs) = &d.nhs_number {
            patient["identifier"] = json!([{
                "extension": [{
                    "url": NHS_VERIFICATION_EXTENSION,
                    "valueCodeableConcept": { "coding": [{
                        "system": NHS_VERIFICATION_SYSTEM,
                        "code": "01",
                        "display": "Number present and verified",
                    }]},
                }],
                "system": NHS_NUMBER_SYSTEM,
                "value": nhs.as_str(),
            }]);
        }
        for other in &d.other_names {
            if let Some(names) = patient["name"].as_array_mut() {
                names.push(json!({ "use": "usual", "text": other }));
            }
        }
        if let Some(dob) = d.date_of_birth {
            patient["birthDate"] = json!(dob.to_string());
        }
        let lines: Vec<&String> = [&d.address_line_1, &d.address_line_2]
            .into_iter()
            .flatten()
            .collect();
        if !lines.is_empty() || d.town.is_some() || d.postcode.is_some() {
            let mut address = json!({ "use": "home" });
            if !lines.is_empty() {
                address["line"] = json!(lines);
            }
            if let Some(t) = &d.town {
                address["city"] = json!(t);
            }
            if let Some(p) = &d.postcode {
                address["postalCode"] = json!(p.as_str());
            }
            patient["address"] = json!([address]);
        }
        if let Some(lang) = &d.preferred_language {
            patient["communication"] = json!([{
                "language": text(lang),
                "preferred": true,
            }]);
        }
        entries.push(entry("Patient", &pid, patient));
        let patient_ref = reference("Patient", &pid);

        // The people they named (name and relationship only).
        for (i, k) in d.key_people.iter().enumerate() {
            entries.push(entry(
                "RelatedPerson",
                &format!("{pid}/{i}"),
                json!({
                    "patient": patient_ref,
                    "relationship": [text(k.relationship.label())],
                    "name": [{ "text": k.name }],
                }),
            ));
        }

        // The enquiry the share was made from.
        let enquiry = match share.enquiry_id.as_deref() {
            Some(eid) => Some(self.enquiry_view(actor, eid, ctx, now).await?),
            None => None,
        };
        let open = enquiry
            .as_ref()
            .is_some_and(|e| e.state != safeguard_domain::enquiry::EnquiryState::Concluded);
        entries.push(entry(
            "Flag",
            &format!("{pid}/safeguarding"),
            json!({
                "status": if open { "active" } else { "inactive" },
                "category": [{ "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                    "code": "safety",
                    "display": "Safety",
                }]}],
                "code": text(if open {
                    "Adult safeguarding enquiry in progress (Care Act 2014 s42): contact the council's safeguarding team before acting"
                } else {
                    "Adult safeguarding enquiry on record (Care Act 2014 s42)"
                }),
                "subject": patient_ref,
            }),
        ));
        let mut goal_refs = Vec::new();
        if let Some(e) = &enquiry {
            let row = &e.enquiry;
            let concluded_on = e.conclusion.as_ref().map(|c| c.concluded_on.clone());
            let mut period = json!({ "start": row.started_on });
            if parts.contains(&SharedPart::Conclusion)
                && let Some(end) = &concluded_on
            {
                period["end"] = json!(end);
            }
            let mut episode = json!({
                "status": if open { "active" } else { "finished" },
                "type": [text(if row.kind == "section_42" {
                    "Care Act 2014 section 42 safeguarding enquiry"
                } else {
                    "Safeguarding enquiry (other, not under section 42)"
                })],
                "patient": patient_ref,
                "period": period,
                "managingOrganization": { "display": actor.agency_name },
            });
            if let Some(lead) = &e.lead_name {
                episode["careManager"] = json!({ "display": lead });
            }
            entries.push(entry("EpisodeOfCare", &row.id, episode));

            if parts.contains(&SharedPart::Outcomes) {
                for o in &e.outcomes {
                    let rated = o
                        .achievement
                        .as_deref()
                        .and_then(safeguard_domain::enquiry::Achievement::parse);
                    // FHIR's goal-achievement codes have none for "partly":
                    // that rating goes as words only.
                    let coded = o.achievement.as_deref().and_then(|a| match a {
                        "fully" => Some(("achieved", "Achieved")),
                        "not" => Some(("not-achieved", "Not Achieved")),
                        _ => None,
                    });
                    let mut goal = json!({
                        "lifecycleStatus": if !o.active {
                            "cancelled"
                        } else if rated.is_some() {
                            "completed"
                        } else {
                            "active"
                        },
                        "description": text(&o.text),
                        "subject": patient_ref,
                        "startDate": o.expressed_on,
                    });
                    if o.expressed_by == "person" {
                        goal["expressedBy"] = patient_ref.clone();
                    } else if let Some(rep) = &o.representative {
                        goal["expressedBy"] = json!({ "display": rep });
                    }
                    if let Some(r) = rated {
                        let mut status = json!({ "text": r.label() });
                        if let Some((code, display)) = coded {
                            status["coding"] = json!([{
                                "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                                "code": code,
                                "display": display,
                            }]);
                        }
                        goal["achievementStatus"] = status;
                    }
                    if let Some(c) = &o.comment {
                        goal["note"] = json!([{ "text": c }]);
                    }
                    goal_refs.push(reference("Goal", &o.id));
                    entries.push(entry("Goal", &o.id, goal));
                }
            }

            if parts.contains(&SharedPart::Plan) {
                let actions = e.actions().await?;
                let plan_id = format!("{}/plan", row.id);
                let activities: Vec<Value> = actions
                    .iter()
                    .map(|a| json!({ "reference": reference("Task", &a.id) }))
                    .collect();
                let mut plan = json!({
                    "status": if open { "active" } else { "completed" },
                    "intent": "plan",
                    "title": "Safeguarding plan",
                    "subject": patient_ref,
                    "author": { "display": actor.agency_name },
                });
                if !goal_refs.is_empty() {
                    plan["goal"] = json!(goal_refs);
                }
                if !activities.is_empty() {
                    plan["activity"] = json!(activities);
                }
                entries.push(entry("CarePlan", &plan_id, plan));
                for a in &actions {
                    let status = match a.status.as_str() {
                        "in_progress" => "in-progress",
                        "done" => "completed",
                        "cancelled" => "cancelled",
                        _ => "requested",
                    };
                    let mut task = json!({
                        "basedOn": [reference("CarePlan", &plan_id)],
                        "status": status,
                        "intent": "plan",
                        "description": a.description,
                        "for": patient_ref,
                        "owner": { "display": a.owner },
                        "restriction": { "period": { "end": a.due_on } },
                        "authoredOn": ms_iso(a.created_at),
                        "lastModified": ms_iso(a.updated_at),
                    });
                    if !a.less_restrictive.trim().is_empty() {
                        task["note"] = json!([{
                            "text": format!("Least restrictive option: {}", a.less_restrictive),
                        }]);
                    }
                    entries.push(entry("Task", &a.id, task));
                }
            }
        }

        // The share's lawful basis, and what the person said.
        let consent = ShareConsent::parse(&share.consent);
        let six = Article6::parse(&share.article6)
            .map(|a| a.label())
            .unwrap_or_default();
        let nine = Article9::parse(&share.article9)
            .map(|a| a.label())
            .unwrap_or_default();
        let mut basis = format!("UK GDPR Article 6: {six}. Article 9: {nine}.");
        if let Some(r) = share
            .override_reason
            .as_deref()
            .and_then(safeguard_domain::safeguards::OverrideReason::parse)
        {
            basis.push_str(&format!(" Shared without consent: {}", r.label()));
            if let Some(d) = &share.override_detail {
                basis.push_str(&format!(" ({d})"));
            }
            basis.push('.');
        }
        entries.push(entry(
            "Consent",
            &share.id,
            json!({
                "status": "active",
                "scope": { "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                    "display": "Privacy Consent",
                }]},
                "category": [{ "coding": [{
                    "system": "http://loinc.org",
                    "code": "59284-0",
                    "display": "Patient Consent",
                }]}],
                "patient": patient_ref,
                "dateTime": share.shared_on,
                "organization": [{ "display": actor.agency_name }],
                "policyRule": text(&basis),
                "provision": {
                    "type": if consent == Some(ShareConsent::Given) { "permit" } else { "deny" },
                    "purpose": [{
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                        "code": "HOPERAT",
                        "display": "healthcare operations",
                    }],
                },
                "sourceReference": { "display": format!(
                    "{}. Purpose: {}. {}",
                    share.what,
                    share.purpose,
                    consent.map(|c| c.label()).unwrap_or_default()
                ) },
            }),
        ));

        // The export itself.
        let export_id = new_uuid(now)?.to_string();
        let targets: Vec<Value> = entries
            .iter()
            .filter_map(|e| e["fullUrl"].as_str())
            .map(|u| json!({ "reference": u }))
            .collect();
        entries.push(entry(
            "AuditEvent",
            &export_id,
            json!({
                "type": {
                    "system": "http://dicom.nema.org/resources/ontology/DCM",
                    "code": "110106",
                    "display": "Export",
                },
                "action": "R",
                "recorded": iso(now),
                "outcome": "0",
                "purposeOfEvent": [text(&share.purpose)],
                "agent": [{
                    "who": { "display": format!("{} ({})", actor.display_name, actor.username) },
                    "requestor": true,
                }],
                "source": { "observer": { "display": format!("Safeguard, {}", actor.agency_name) } },
                "entity": [{ "what": patient_ref }],
            }),
        ));
        entries.push(entry(
            "Provenance",
            &export_id,
            json!({
                "target": targets,
                "recorded": iso(now),
                "agent": [{ "who": { "display": actor.agency_name } }],
                "policy": [format!("urn:uuid:{}", uuid_for("Consent", &share.id))],
            }),
        ));

        let count = entries.len();
        self.record(
            Self::event(
                actor,
                ctx,
                now,
                "export",
                "person",
                Some(pid.clone()),
                "success",
            )?
            .with_detail(format!(
                "FHIR R4 bundle of {count} resources under share {}",
                share.id
            )),
        )
        .await?;
        Ok(json!({
            "resourceType": "Bundle",
            "id": export_id,
            "meta": { "lastUpdated": iso(now) },
            "identifier": { "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{export_id}") },
            "type": "collection",
            "timestamp": iso(now),
            "entry": entries,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::uuid_for;

    #[test]
    fn resource_ids_are_stable_uuids() {
        let a = uuid_for("Goal", "0192-abc");
        assert_eq!(a, uuid_for("Goal", "0192-abc"));
        assert_ne!(a, uuid_for("Task", "0192-abc"));
        let u = uuid::Uuid::parse_str(&a).expect("a uuid");
        assert_eq!(u.get_version_num(), 5);
    }
}
