//! Reflective practice: a worker's reflective log and their year's CPD
//! record. A reflection is private to the worker and their supervisor; the
//! worker may share it with whoever oversees them (their team's manager, the
//! workforce lead). A case it is about is shown only to those who may open
//! it. Every view and change is audited.

use safeguard_domain::Actor;
use safeguard_domain::person::{iso_date, parse_iso_date};
use safeguard_domain::policy::{Action, Decision, decide};
use safeguard_domain::reflection::{Principle, RawReflection, cpd_met, registration_year};
use safeguard_domain::validation::FieldErrors;
use safeguard_domain::workforce::LearningKind;
use safeguard_store::accounts::UserRow;
use safeguard_store::reflections::ReflectionRow;
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Ctx, Safeguard, invalid, new_uuid, unix_ms};

/// A reflection as the viewer may see it.
#[derive(Clone, Debug)]
pub struct ReflectionView {
    /// As stored (its `enquiry_id` cleared when the viewer may not open it).
    pub row: ReflectionRow,
    /// The principle it concerns.
    pub principle: Option<Principle>,
    /// The peer's name.
    pub peer: Option<String>,
}

/// A worker's reflective log as the viewer may see it.
#[derive(Clone, Debug)]
pub struct ReflectiveLog {
    /// The worker's account id.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// Whether the viewer is the worker.
    pub own: bool,
    /// Reflections, newest first (for those who oversee the worker, only
    /// those shared with them).
    pub reflections: Vec<ReflectionView>,
    /// For the worker's form: open enquiries they may open, (id, person).
    pub cases: Vec<(String, String)>,
    /// For the worker's form: colleagues to name as a peer, (username, name).
    pub colleagues: Vec<(String, String)>,
}

/// One piece of CPD.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CpdPiece {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `learning` or `reflection`.
    pub kind: String,
    /// What it was.
    pub title: String,
    /// What was done or learned.
    pub learned: String,
    /// How it changes practice.
    pub impact: String,
    /// The colleague it was reflected on with.
    pub peer: Option<String>,
    /// Hours.
    pub hours: f64,
}

/// A registration year's CPD record.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CpdYear {
    /// The year it ends in.
    pub year: i32,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Every piece, oldest first.
    pub pieces: Vec<CpdPiece>,
    /// At least two pieces.
    pub enough: bool,
    /// At least one with peer reflection.
    pub with_peer: bool,
}

/// How the viewer stands to the worker whose log it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reader {
    Own,
    Supervisor,
    Overseer,
}

impl Safeguard {
    async fn log_reader(
        &self,
        actor: &Actor,
        user_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<(UserRow, Reader)> {
        let attempted = ("view", "reflection", Some(user_id.to_string()));
        self.require_as(actor, Action::OwnLearning, ctx, now, attempted.clone())
            .await?;
        let me = actor.user_id.to_string();
        let u = self.store.user_by_id(user_id).await?;
        let supervisor = self
            .store
            .supervision_agreement(user_id)
            .await?
            .is_some_and(|a| a.supervisor_id == me);
        let reader = match &u {
            Some(u) if u.id == me => Some(Reader::Own),
            Some(_) if supervisor => Some(Reader::Supervisor),
            Some(u) if Self::in_workforce_scope(actor, u) => Some(Reader::Overseer),
            _ => None,
        };
        match (u, reader) {
            (Some(u), Some(r)) => Ok((u, r)),
            _ => {
                self.refuse(actor, ctx, now, attempted, CoreError::NotFound)
                    .await
            }
        }
    }

    /// A worker's reflective log as `actor` may see it; audited.
    pub async fn reflective_log(
        &self,
        actor: &Actor,
        user_id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<ReflectiveLog> {
        let (u, reader) = self.log_reader(actor, user_id, ctx, now).await?;
        let users = self.store.list_users().await?;
        let name_of = |id: &str| {
            users
                .iter()
                .find(|x| x.id == id)
                .map(|x| x.display_name.clone())
        };
        let mut reflections = Vec::new();
        for mut r in self.store.reflections(user_id).await? {
            if reader == Reader::Overseer && !r.shared {
                continue;
            }
            if let Some(e) = r.enquiry_id.clone()
                && !self.may_open_enquiry(actor, &e, now).await?
            {
                r.enquiry_id = None;
            }
            reflections.push(ReflectionView {
                principle: r.principle.as_deref().and_then(Principle::parse),
                peer: r.peer_id.as_deref().and_then(name_of),
                row: r,
            });
        }
        let own = reader == Reader::Own;
        let cases = if own && decide(actor, Action::ViewEnquiries) == Decision::Allow {
            self.enquiry_list(
                actor,
                Some(safeguard_domain::enquiry::EnquiryState::Open),
                ctx,
                now,
            )
            .await?
            .into_iter()
            .map(|(e, name)| (e.id, name))
            .collect()
        } else {
            Vec::new()
        };
        let colleagues = if own {
            users
                .iter()
                .filter(|x| x.agency_is_owner && !x.disabled && x.id != u.id && x.role != "admin")
                .map(|x| (x.username.clone(), x.display_name.clone()))
                .collect()
        } else {
            Vec::new()
        };
        self.record(Self::event(
            actor,
            ctx,
            now,
            "view",
            "reflection",
            Some(user_id.into()),
            "success",
        )?)
        .await?;
        Ok(ReflectiveLog {
            user_id: u.id.clone(),
            name: u.display_name.clone(),
            own,
            reflections,
            cases,
            colleagues,
        })
    }

    /// Adds a reflection to the actor's own log; audited.
    pub async fn add_reflection(
        &self,
        actor: &Actor,
        raw: &RawReflection,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<String> {
        let me = actor.user_id.to_string();
        self.require_as(
            actor,
            Action::OwnLearning,
            ctx,
            now,
            ("create", "reflection", Some(me.clone())),
        )
        .await?;
        let r = raw.validate(self.today(now)).map_err(CoreError::Invalid)?;
        let mut e = FieldErrors::new();
        if let Some(id) = &r.enquiry_id
            && !self.may_open_enquiry(actor, id, now).await?
        {
            e.add("enquiry_id", "Choose a case you may open, or none");
        }
        let peer_id = match &r.peer {
            None => None,
            Some(name) => match self.store.user_by_username(name).await? {
                Some(p) if p.agency_is_owner && !p.disabled && p.id != me => Some(p.id),
                _ => {
                    e.add("peer", "Choose a council colleague, or none");
                    None
                }
            },
        };
        if !e.is_empty() {
            return Err(CoreError::Invalid(e));
        }
        let id = new_uuid(now)?.to_string();
        let mut tx = self.store.begin_audited().await?;
        tx.insert_reflection(&ReflectionRow {
            id: id.clone(),
            user_id: me.clone(),
            written_on: iso_date(r.written_on),
            title: r.title,
            what_happened: r.what_happened,
            learned: r.learned,
            will_change: r.will_change,
            principle: r.principle.map(|p| p.code().to_string()),
            enquiry_id: r.enquiry_id,
            peer_id,
            hours_tenths: r.hours_tenths,
            shared: r.shared,
            created_at: unix_ms(now),
        })
        .await?;
        tx.audit(
            Self::event(actor, ctx, now, "create", "reflection", Some(me), "success")?
                .with_detail(format!("reflection {id}")),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The actor's CPD record for the registration year ending 30 November
    /// of `year`: their learning and reflections, and whether it meets the
    /// registration's ask; audited.
    pub async fn cpd_year(
        &self,
        actor: &Actor,
        year: i32,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<CpdYear> {
        let me = actor.user_id.to_string();
        self.require_as(
            actor,
            Action::OwnLearning,
            ctx,
            now,
            ("view", "reflection", Some(me.clone())),
        )
        .await?;
        let range = (2000..=2100)
            .contains(&year)
            .then(|| registration_year(year));
        let Some((from, to)) = range.flatten() else {
            return Err(invalid("year", "Enter a year from 2000 to 2100"));
        };
        let users = self.store.list_users().await?;
        let within = |d: &str| parse_iso_date(d).is_some_and(|d| d >= from && d <= to);
        let mut pieces: Vec<CpdPiece> = self
            .store
            .learning_of(std::slice::from_ref(&me))
            .await?
            .into_iter()
            .filter(|l| within(&l.completed_on))
            .map(|l| CpdPiece {
                date: l.completed_on,
                kind: "learning".into(),
                learned: format!(
                    "{}{}",
                    LearningKind::parse(&l.kind).map_or("Learning", |k| k.label()),
                    l.provider.map(|p| format!(", {p}")).unwrap_or_default()
                ),
                title: l.title,
                impact: String::new(),
                peer: None,
                hours: l.hours_tenths as f64 / 10.0,
            })
            .collect();
        pieces.extend(
            self.store
                .reflections(&me)
                .await?
                .into_iter()
                .filter(|r| within(&r.written_on))
                .map(|r| CpdPiece {
                    date: r.written_on,
                    kind: "reflection".into(),
                    title: r.title,
                    learned: r.learned,
                    impact: r.will_change,
                    peer: r.peer_id.as_deref().and_then(|p| {
                        users
                            .iter()
                            .find(|u| u.id == p)
                            .map(|u| u.display_name.clone())
                    }),
                    hours: r.hours_tenths as f64 / 10.0,
                }),
        );
        pieces.sort_by(|a, b| a.date.cmp(&b.date));
        let (enough, with_peer) = cpd_met(
            pieces.len(),
            pieces.iter().filter(|p| p.peer.is_some()).count(),
        );
        self.record(
            Self::event(actor, ctx, now, "view", "reflection", Some(me), "success")?
                .with_detail(format!("CPD {year}")),
        )
        .await?;
        Ok(CpdYear {
            year,
            from: iso_date(from),
            to: iso_date(to),
            pieces,
            enough,
            with_peer,
        })
    }
}
