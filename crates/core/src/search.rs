//! Finding people: the index lookups a search makes, the scoring that ranks
//! what they found, and keeping the index's keys current.
//!
//! A search looks up the records with the date of birth, NHS number or
//! postcode in the query, and the records whose names fit every name word:
//! first the name words near each query word (as written, a name it
//! begins, the formal name behind a nickname, by sound, or with a letter
//! wrong, missing, extra or swapped) in a small index of the words records
//! hold, kept if they fit as the ranking scores them; then the records
//! holding those exact words.
//! What the lookups found is scored in `safeguard_domain::search`, with the
//! reasons for each match. The store keeps the keys current.

use safeguard_domain::person::{Outside, PersonDetails, PersonSummary, iso_date, parse_iso_date};
use safeguard_domain::policy::{Access, Action, person_access};
use safeguard_domain::search::{Candidate, Query, Reason, rank, same_person, word_fit};
use safeguard_domain::{Actor, PersonId};
use time::OffsetDateTime;

use crate::access::{case_facts_of, contact_for};
use crate::{CoreError, CoreResult, Ctx, Safeguard, unix_ms};

/// The most records one lookup brings back to be scored.
const LOOKUP_LIMIT: i64 = 400;

/// The most name words one query word is compared with.
const NEAR_WORDS_LIMIT: i64 = 2_000;

/// The least fit of the name words each record lookup uses, closest first:
/// exact names, then also those one letter away or as close, then every
/// word that fits.
const FIT_FLOORS: [f64; 3] = [0.95, 0.88, 0.0];

/// A record a search found, with why.
#[derive(Clone, Debug)]
pub struct Found {
    /// The record's summary.
    pub summary: PersonSummary,
    /// Why it was found, in words (some resting on details outside
    /// need-to-know: see [`Reason::private`]).
    pub reasons: Vec<Reason>,
    /// How well it fits, out of 100.
    pub score: u32,
}

impl Safeguard {
    /// The records that fit `query`, best first, at most `limit`. No access
    /// check or audit here: callers do both.
    pub(crate) async fn find_people(&self, query: &str, limit: usize) -> CoreResult<Vec<Found>> {
        let q = Query::parse(query);
        if q.is_empty() {
            return Ok(Vec::new());
        }
        let dob = q.date_of_birth.map(iso_date);
        let mut ids = self
            .store
            .search_by_identifiers(
                dob.as_deref(),
                q.nhs_number.as_deref(),
                q.postcode.as_deref(),
                LOOKUP_LIMIT,
            )
            .await?;
        ids.extend(self.named(&q, limit).await?);
        ids.sort();
        ids.dedup();
        let candidates = self.candidates(&ids).await?;
        let hits = rank(&q, &candidates, limit);
        Ok(hits
            .into_iter()
            .filter_map(|h| {
                let c = candidates.iter().find(|c| c.id == h.id)?;
                Some(Found {
                    summary: summary_of(c, &h.reasons),
                    reasons: h.reasons,
                    score: h.score,
                })
            })
            .collect())
    }
}

/// What a create does when likely matches exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DuplicateCheck {
    /// Stop and show them (nothing is made).
    Check,
    /// The user has seen them and says this is someone else: make the
    /// record, and put each pair in the managers' review queue.
    CreateAnyway,
}

/// A pair in the review queue, as a manager sees it.
#[derive(Clone, Debug)]
pub struct DuplicatePair {
    /// The pair's id.
    pub id: String,
    /// The record made despite the likely match.
    pub made: PersonSummary,
    /// The record it may duplicate.
    pub existing: PersonSummary,
    /// Why they may be one person (only what the manager may see).
    pub reasons: Vec<String>,
    /// When the pair was found (unix ms).
    pub found_at: i64,
}

impl Safeguard {
    /// Existing records likely to be the same person as `details`, most
    /// likely first. No access check or audit here: callers do both.
    pub(crate) async fn likely_duplicates(
        &self,
        details: &PersonDetails,
        except: Option<PersonId>,
    ) -> CoreResult<Vec<Found>> {
        let new = Candidate {
            id: PersonId(uuid::Uuid::nil()),
            given_name: details.given_name.clone(),
            family_name: details.family_name.clone(),
            other_names: details.other_names.clone(),
            date_of_birth: details.date_of_birth,
            nhs_number: details.nhs_number.as_ref().map(|n| n.as_str().to_string()),
            postcode: details.postcode.as_ref().map(|p| p.as_str().to_string()),
        };
        let dob = new.date_of_birth.map(iso_date);
        let mut ids = self
            .store
            .search_by_identifiers(
                dob.as_deref(),
                new.nhs_number.as_deref(),
                new.postcode.as_deref(),
                LOOKUP_LIMIT,
            )
            .await?;
        let q = Query::parse(&format!("{} {}", new.given_name, new.family_name));
        ids.extend(self.named(&q, LOOKUP_LIMIT as usize).await?);
        ids.sort();
        ids.dedup();
        let mut out: Vec<Found> = self
            .candidates(&ids)
            .await?
            .into_iter()
            .filter(|c| Some(c.id) != except)
            .filter_map(|c| {
                let hit = same_person(&new, &c)?;
                Some(Found {
                    summary: summary_of(&c, &hit.reasons),
                    reasons: hit.reasons,
                    score: hit.score,
                })
            })
            .collect();
        out.sort_by_key(|f| std::cmp::Reverse(f.score));
        out.truncate(10);
        Ok(out)
    }

    /// Ids of records whose names fit every name word of `q`, in two
    /// steps: the name words near each query word (from the small index of
    /// words, by the same keys records are saved under) that fit it as the
    /// ranking will score them; then the records holding one of those words
    /// for each query word — the exact words first, then also those one
    /// letter away or as close, then all that fit, until `enough` are found
    /// (a record of a closer tier outranks one found only by a wider one).
    async fn named(&self, q: &Query, enough: usize) -> CoreResult<Vec<String>> {
        let mut near: Vec<Vec<(String, f64)>> = Vec::with_capacity(q.words.len());
        for (w, keys) in q.words.iter().zip(q.word_keys()) {
            let fits: Vec<(String, f64)> = self
                .store
                .near_words(&keys, NEAR_WORDS_LIMIT)
                .await?
                .into_iter()
                .filter_map(|n| word_fit(w, &n).map(|f| (n, f)))
                .collect();
            if fits.is_empty() {
                // No record can fit every word.
                return Ok(Vec::new());
            }
            near.push(fits);
        }
        let mut ids: Vec<String> = Vec::new();
        let mut tried: Option<Vec<Vec<String>>> = None;
        for floor in FIT_FLOORS {
            let groups: Vec<Vec<String>> = near
                .iter()
                .map(|fits| {
                    fits.iter()
                        .filter(|(_, f)| *f >= floor)
                        .map(|(n, _)| format!("n{n}"))
                        .collect()
                })
                .collect();
            if groups.iter().any(Vec::is_empty) || tried.as_ref() == Some(&groups) {
                continue;
            }
            ids.extend(self.store.search_by_keys(&groups, LOOKUP_LIMIT).await?);
            ids.sort();
            ids.dedup();
            if ids.len() >= enough {
                break;
            }
            tried = Some(groups);
        }
        Ok(ids)
    }

    /// Records as search scores them.
    pub(crate) async fn candidates(&self, ids: &[String]) -> CoreResult<Vec<Candidate>> {
        self.store
            .search_records(ids)
            .await?
            .into_iter()
            .map(|(r, other_names)| {
                Ok(Candidate {
                    id: r.id.parse().map_err(|_| CoreError::NotFound)?,
                    given_name: r.given_name,
                    family_name: r.family_name,
                    other_names,
                    date_of_birth: r.date_of_birth.as_deref().and_then(parse_iso_date),
                    nhs_number: r.nhs_number,
                    postcode: r.postcode,
                })
            })
            .collect()
    }

    /// Found records as `actor` may see them: outside their need-to-know,
    /// the name and who to contact only, and no reason resting on anything
    /// else.
    pub(crate) async fn shown_to(
        &self,
        actor: &Actor,
        found: Vec<Found>,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<PersonSummary>> {
        // Every result's facts in one read, not a few queries per result.
        let ids: Vec<String> = found.iter().map(|f| f.summary.id.to_string()).collect();
        let mut facts = self
            .store
            .case_facts_many(&ids, &actor.user_id.to_string(), unix_ms(now))
            .await?;
        let mut out = Vec::with_capacity(found.len());
        for f in found {
            let mut p = f.summary;
            // A record gone since it was found is not shown.
            let Some(row) = facts.remove(&p.id.to_string()) else {
                continue;
            };
            if person_access(actor, &case_facts_of(&row.facts)) == Access::Limited {
                p.date_of_birth = None;
                p.postcode = None;
                p.reasons = f
                    .reasons
                    .iter()
                    .filter(|r| !r.private)
                    .map(|r| r.text.clone())
                    .collect();
                p.outside = Some(Outside {
                    restricted: row.facts.restricted,
                    contact: contact_for(row.restriction_contact, &row.holding_team_names),
                });
            }
            out.push(p);
        }
        Ok(out)
    }

    /// The pairs of records suspected to be one person, for a manager to
    /// review (oldest first). Listing them is audited.
    pub async fn duplicate_queue(
        &self,
        actor: &Actor,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<DuplicatePair>> {
        self.require_as(
            actor,
            Action::ReviewDuplicates,
            ctx,
            now,
            ("list", "duplicate", None),
        )
        .await?;
        let rows = self.store.open_duplicates(200).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.pair_for(actor, r, now).await?);
        }
        let ids: Vec<&str> = out.iter().map(|p| p.id.as_str()).collect();
        self.record(
            Self::event(actor, ctx, now, "list", "duplicate", None, "success")?
                .with_detail(format!("{} pairs: {}", ids.len(), ids.join(","))),
        )
        .await?;
        Ok(out)
    }

    async fn pair_for(
        &self,
        actor: &Actor,
        r: safeguard_store::duplicates::DuplicateRow,
        now: OffsetDateTime,
    ) -> CoreResult<DuplicatePair> {
        let cands = self
            .candidates(&[r.person_id.clone(), r.other_id.clone()])
            .await?;
        let find = |id: &str| {
            cands
                .iter()
                .find(|c| c.id.to_string() == id)
                .cloned()
                .ok_or(CoreError::NotFound)
        };
        let (made, existing) = (find(&r.person_id)?, find(&r.other_id)?);
        // The reasons are worked out again from the records as they are now.
        let hit = same_person(&made, &existing);
        let reasons: Vec<Reason> = match &hit {
            Some(h) => h.reasons.clone(),
            None => vec![Reason {
                text: r.reasons.clone(),
                private: true,
            }],
        };
        let wrap = |c: &Candidate| Found {
            summary: summary_of(c, &reasons),
            reasons: reasons.clone(),
            score: hit.as_ref().map_or(0, |h| h.score),
        };
        let shown = self
            .shown_to(actor, vec![wrap(&made), wrap(&existing)], now)
            .await?;
        let mut shown = shown.into_iter();
        let (Some(made), Some(existing)) = (shown.next(), shown.next()) else {
            return Err(CoreError::NotFound);
        };
        // What both sides may show.
        let reasons = if made.outside.is_some() || existing.outside.is_some() {
            reasons
                .iter()
                .filter(|r| !r.private)
                .map(|r| r.text.clone())
                .collect()
        } else {
            reasons.iter().map(|r| r.text.clone()).collect()
        };
        Ok(DuplicatePair {
            id: r.id,
            made,
            existing,
            reasons,
            found_at: r.found_at,
        })
    }

    /// A manager says the two records of a pair are two people: the pair
    /// leaves the queue (audited).
    pub async fn mark_distinct(
        &self,
        actor: &Actor,
        pair_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        let attempted = ("decide", "duplicate", Some(pair_id.to_string()));
        self.require_as(actor, Action::ReviewDuplicates, ctx, now, attempted)
            .await?;
        if self.store.duplicate(pair_id).await?.is_none() {
            // No such pair: nothing refused, nothing to do.
            return Err(CoreError::NotFound);
        }
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .decide_duplicate(
                pair_id,
                "distinct",
                &actor.user_id.to_string(),
                unix_ms(now),
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
                "duplicate",
                Some(pair_id.to_string()),
                "success",
            )?
            .with_detail("two people".to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn summary_of(c: &Candidate, reasons: &[Reason]) -> PersonSummary {
    PersonSummary {
        id: c.id,
        given_name: c.given_name.clone(),
        family_name: c.family_name.clone(),
        date_of_birth: c.date_of_birth,
        postcode: c.postcode.clone(),
        outside: None,
        reasons: reasons.iter().map(|r| r.text.clone()).collect(),
    }
}
