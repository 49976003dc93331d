//! Demonstration data: a fictional council, its teams, partner agencies,
//! one account per role and a few synthetic people. Every name, date and
//! number here is made up; NHS numbers are in the 999 range, which the NHS
//! never issues to real patients.

use safeguard_domain::nhs::check_digit;
use safeguard_domain::person::{RawKeyPerson, RawPerson};
use safeguard_domain::{Actor, Role};
use time::OffsetDateTime;

use crate::accounts::NewUserInput;
use crate::{CoreError, CoreResult, Ctx, Safeguard};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "safeguard-demo";
/// The demo accounts' authenticator secret (base32), for the roles that
/// must sign in with a second factor. Published, like the password: never
/// use the demo data for anything real.
pub const DEMO_TOTP_SECRET: &str = "SAFEGUARDDEMOSECRETFORTRYING2345";
/// The demo council's name.
pub const DEMO_COUNCIL: &str = "Northbridge Council";

/// A demo account.
#[derive(Clone, Debug)]
pub struct DemoLogin {
    /// Username.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Signs in with a code from an authenticator app set up with
    /// [`DEMO_TOTP_SECRET`].
    pub second_factor: bool,
}

/// The `n`th synthetic NHS number: 999 followed by digits, with a valid check digit.
pub fn synthetic_nhs_number(n: u32) -> String {
    let mut k = n.wrapping_mul(7919) % 1_000_000;
    loop {
        let nine = format!("999{k:06}");
        let digits: Vec<u32> = nine.chars().filter_map(|c| c.to_digit(10)).collect();
        if let Some(c) = check_digit(&digits) {
            return format!("{nine}{c}");
        }
        k = (k + 1) % 1_000_000;
    }
}

struct DemoPerson {
    given: &'static str,
    family: &'static str,
    dob: &'static str,
    gender: &'static str,
    ethnicity: &'static str,
    psr: &'static str,
    town: &'static str,
    postcode: &'static str,
    language: &'static str,
    matters: &'static str,
}

const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        given: "Ada",
        family: "Brightwater",
        dob: "1938-05-14",
        gender: "female",
        ethnicity: "white_british",
        psr: "memory_cognition",
        town: "Northbridge",
        postcode: "NB1 4QT",
        language: "English",
        matters: "Staying in my own home with my cat, and seeing my grandson on Sundays.",
    },
    DemoPerson {
        given: "Tomasz",
        family: "Wieczorek",
        dob: "1961-11-02",
        gender: "male",
        ethnicity: "white_other",
        psr: "physical",
        town: "Northbridge",
        postcode: "NB2 7HL",
        language: "Polish",
        matters: "Getting back to the allotment. Being spoken to in Polish when it is important.",
    },
    DemoPerson {
        given: "Grace",
        family: "Adeyemi-Hollis",
        dob: "1994-02-28",
        gender: "female",
        ethnicity: "black_african",
        psr: "learning_disability",
        town: "Eastmere",
        postcode: "EM3 2BD",
        language: "English",
        matters: "Keeping my job at the café and choosing my own friends.",
    },
    DemoPerson {
        given: "Harjit",
        family: "Sandhu",
        dob: "1949-08-09",
        gender: "male",
        ethnicity: "asian_indian",
        psr: "sensory",
        town: "Eastmere",
        postcode: "EM1 9PX",
        language: "Punjabi",
        matters: "My wife and I want to stay together.",
    },
    DemoPerson {
        given: "Morgan",
        family: "Fairweather",
        dob: "1978-03-31",
        gender: "other",
        ethnicity: "mixed_white_asian",
        psr: "mental_health",
        town: "Northbridge",
        postcode: "NB5 1AA",
        language: "English",
        matters: "To be believed, and to decide who knows about my situation.",
    },
    DemoPerson {
        given: "Edith",
        family: "Brightwater",
        dob: "1931-12-25",
        gender: "female",
        ethnicity: "white_irish",
        psr: "physical",
        town: "Westholm",
        postcode: "WH2 6RS",
        language: "English",
        matters: "To feel safe in the care home at night.",
    },
    DemoPerson {
        given: "Yusuf",
        family: "Rahmani",
        dob: "2001-07-17",
        gender: "male",
        ethnicity: "other_arab",
        psr: "social",
        town: "Westholm",
        postcode: "WH1 3LE",
        language: "Arabic",
        matters: "To manage my own money and not be pressured by my cousin's friends.",
    },
    DemoPerson {
        given: "Bronwen",
        family: "Ellis-Carter",
        dob: "1956-04-01",
        gender: "female",
        ethnicity: "not_known",
        psr: "not_known",
        town: "Northbridge",
        postcode: "NB4 8DW",
        language: "Welsh",
        matters: "Being able to keep drinking my tea in the garden, whatever anyone says.",
    },
];

impl Safeguard {
    /// Loads the demo data into an empty database. Returns `None` (and
    /// changes nothing) when the database already has accounts.
    pub async fn load_demo(&self, now: OffsetDateTime) -> CoreResult<Option<Vec<DemoLogin>>> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let council = self.ensure_owner_agency(DEMO_COUNCIL, now).await?;
        self.add_teams(
            &council,
            &[
                "Adult Safeguarding Hub",
                "North Locality Team",
                "South Locality Team",
            ],
            now,
        )
        .await?;
        self.add_agency("Northbridge Police", &["Public Protection Unit"], now)
            .await?;
        self.add_agency(
            "Northbridge Hospitals NHS Trust",
            &["Safeguarding Team"],
            now,
        )
        .await?;
        self.add_agency("Meadowview Care Ltd", &[], now).await?;
        let ctx = Ctx::default();
        let accounts = [
            (
                "practitioner",
                "Priya Okafor",
                Role::Practitioner,
                "",
                "Adult Safeguarding Hub",
            ),
            (
                "manager",
                "Martin Lowe",
                Role::Manager,
                "",
                "Adult Safeguarding Hub",
            ),
            (
                "partner",
                "Pat Kimura",
                Role::Partner,
                "Northbridge Police",
                "Public Protection Unit",
            ),
            (
                "lead",
                "Lena Adeyemi",
                Role::Manager,
                "",
                "Adult Safeguarding Hub",
            ),
            ("analyst", "Anya Russo", Role::Analyst, "", ""),
            ("dpo", "Dev Patel-Moore", Role::Dpo, "", ""),
            ("admin", "Alex Morgan", Role::Admin, "", ""),
        ];
        let mut logins = Vec::new();
        for (username, name, role, agency, team) in accounts {
            self.add_user(
                None,
                &NewUserInput {
                    username: username.into(),
                    display_name: name.into(),
                    role: role.code().into(),
                    agency: agency.into(),
                    team: team.into(),
                    password: DEMO_PASSWORD.into(),
                    email: String::new(),
                },
                &ctx,
                now,
            )
            .await?;
            logins.push(DemoLogin {
                username: username.into(),
                role,
                second_factor: self.second_factor_required(role),
            });
        }
        let user = self
            .store
            .user_by_username("practitioner")
            .await?
            .ok_or(CoreError::NotFound)?;
        let practitioner = crate::accounts::actor_of(&user)?;
        for (i, p) in PEOPLE.iter().enumerate() {
            let key_people = if i % 2 == 0 {
                vec![RawKeyPerson {
                    name: Some(format!("Sam {}", p.family)),
                    relationship: Some(if i % 4 == 0 { "family" } else { "friend" }.into()),
                    contact: Some(format!("07700 900{:03}", 100 + i)),
                    appropriate_person: Some(
                        if i % 4 == 0 { "yes" } else { "not_considered" }.into(),
                    ),
                    notes: None,
                }]
            } else {
                Vec::new()
            };
            let raw = RawPerson {
                given_name: Some(p.given.into()),
                family_name: Some(p.family.into()),
                date_of_birth: Some(p.dob.into()),
                nhs_number: (i != 7).then(|| synthetic_nhs_number(i as u32 + 1)),
                address_line_1: Some(format!("{} Example Road", 10 + i * 3)),
                town: Some(p.town.into()),
                postcode: Some(p.postcode.into()),
                gender: Some(p.gender.into()),
                ethnicity: Some(p.ethnicity.into()),
                primary_support_reason: Some(p.psr.into()),
                learning_disability: p.psr == "learning_disability",
                preferred_language: Some(p.language.into()),
                interpreter_needed: matches!(p.language, "Polish" | "Punjabi" | "Arabic"),
                communication_needs: match p.psr {
                    "sensory" => vec!["large_print".into(), "hearing_loop".into()],
                    "learning_disability" => vec!["easy_read".into(), "time".into()],
                    _ => Vec::new(),
                },
                what_matters_to_me: Some(p.matters.into()),
                key_people,
                ..RawPerson::default()
            };
            self.create_person(
                &practitioner,
                None,
                &raw,
                crate::search::DuplicateCheck::CreateAnyway,
                &ctx,
                now,
            )
            .await?;
        }
        let manager = self
            .store
            .user_by_username("manager")
            .await?
            .ok_or(CoreError::NotFound)?;
        let manager = crate::accounts::actor_of(&manager)?;
        self.save_summary_translation(&manager, "cy", &welsh_summary(), &ctx, now)
            .await?;
        self.load_demo_training(now).await?;
        self.enrol_demo_second_factors(now).await?;
        Ok(Some(logins))
    }
}

/// A demo learning record: who, title, kind, provider, days ago, hours, level.
type DemoLearning = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    Option<&'static str>,
);

impl Safeguard {
    /// Training that shows a realistic picture: the practitioner's enquiry
    /// level runs out within two months, the managers' are current, one
    /// colleague in the Hub has none recorded and one in the North team let
    /// theirs run out. The `lead` account holds the workforce lead's
    /// permission (organisation-wide figures).
    async fn load_demo_training(&self, now: OffsetDateTime) -> CoreResult<()> {
        let ctx = Ctx::default();
        let colleagues = [
            ("jo.bright", "Jo Bright", "Adult Safeguarding Hub"),
            ("sam.reid", "Sam Reid", "North Locality Team"),
        ];
        for (username, name, team) in colleagues {
            self.add_user(
                None,
                &NewUserInput {
                    username: username.into(),
                    display_name: name.into(),
                    role: Role::Practitioner.code().into(),
                    agency: String::new(),
                    team: team.into(),
                    password: DEMO_PASSWORD.into(),
                    email: String::new(),
                },
                &ctx,
                now,
            )
            .await?;
        }
        let today = self.today(now);
        let ago =
            |days: i64| safeguard_domain::person::iso_date(today - time::Duration::days(days));
        let records: [DemoLearning; 7] = [
            (
                "practitioner",
                "Leading section 42 enquiries",
                "course",
                "Northbridge Safeguarding Adults Board",
                685,
                "6",
                Some("level-bnc-c"),
            ),
            (
                "practitioner",
                "Mental Capacity Act in practice",
                "e-learning",
                "Northbridge Council",
                200,
                "2.5",
                None,
            ),
            (
                "practitioner",
                "Making Safeguarding Personal: outcomes in the person's words",
                "workshop",
                "Northbridge Safeguarding Adults Board",
                60,
                "3",
                None,
            ),
            (
                "manager",
                "Managing safeguarding practice and allocation",
                "course",
                "Northbridge Safeguarding Adults Board",
                180,
                "12",
                Some("level-bnc-d"),
            ),
            (
                "lead",
                "Safeguarding adults: strategic leadership",
                "course",
                "Regional Safeguarding Network",
                90,
                "18",
                Some("level-bnc-d"),
            ),
            (
                "sam.reid",
                "Leading section 42 enquiries",
                "course",
                "Northbridge Safeguarding Adults Board",
                790,
                "6",
                Some("level-bnc-c"),
            ),
            (
                "jo.bright",
                "Adult safeguarding awareness",
                "e-learning",
                "Northbridge Council",
                30,
                "1",
                None,
            ),
        ];
        for (who, title, kind, provider, days, hours, level) in records {
            let u = self
                .store
                .user_by_username(who)
                .await?
                .ok_or(CoreError::NotFound)?;
            let actor = crate::accounts::actor_of(&u)?;
            let raw = safeguard_domain::workforce::RawLearning {
                title: Some(title.into()),
                kind: Some(kind.into()),
                provider: Some(provider.into()),
                completed_on: Some(ago(days)),
                hours: Some(hours.into()),
                level: level.map(str::to_string),
                expires_on: None,
                evidence: Some("Certificate on the learning record".into()),
            };
            self.record_learning(&actor, None, &raw, &ctx, now).await?;
        }
        let admin = self
            .store
            .user_by_username("admin")
            .await?
            .ok_or(CoreError::NotFound)?;
        let admin = crate::accounts::actor_of(&admin)?;
        let lead = self
            .store
            .user_by_username("lead")
            .await?
            .ok_or(CoreError::NotFound)?;
        self.set_workforce_lead(&admin, &lead.id, true, &ctx, now)
            .await?;
        self.load_demo_supervision(today, now).await
    }

    /// Supervision: the practitioner every four weeks, last seen six weeks
    /// ago (so overdue, on the manager's home page), with an action still
    /// open; a Hub colleague seen last week.
    async fn load_demo_supervision(
        &self,
        today: time::Date,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        use safeguard_domain::supervision::{RawAgreement, RawSession, RawSupervisionAction};
        let ctx = Ctx::default();
        let day = |n: i64| safeguard_domain::person::iso_date(today - time::Duration::days(n));
        let manager = self
            .store
            .user_by_username("manager")
            .await?
            .ok_or(CoreError::NotFound)?;
        let manager = crate::accounts::actor_of(&manager)?;
        for (who, started, held, wellbeing, notes, action) in [
            (
                "practitioner",
                140,
                42,
                "managing",
                "Caseload is heavy; two complex enquiries. Agreed to protect time for recording.",
                "Book the Mental Capacity Act refresher",
            ),
            (
                "jo.bright",
                42,
                7,
                "good",
                "Settling in well; shadowing Priya on strategy discussions.",
                "Complete the Staff group C course",
            ),
        ] {
            let u = self
                .store
                .user_by_username(who)
                .await?
                .ok_or(CoreError::NotFound)?;
            self.set_supervision_agreement(
                &manager,
                &u.id,
                &RawAgreement {
                    supervisor: Some("manager".into()),
                    frequency_weeks: Some("4".into()),
                    started_on: Some(day(started)),
                },
                &ctx,
                now,
            )
            .await?;
            self.record_supervision(
                &manager,
                &u.id,
                &RawSession {
                    held_on: Some(day(held)),
                    wellbeing: Some(wellbeing.into()),
                    notes: Some(notes.into()),
                    cases: Vec::new(),
                    actions: vec![RawSupervisionAction {
                        action: Some(action.into()),
                        owner: Some(who.into()),
                        due_on: Some(day(held - 28)),
                    }],
                },
                &ctx,
                now,
            )
            .await?;
        }
        // A reflection the practitioner wrote after talking it over with a colleague.
        let prac = self
            .store
            .user_by_username("practitioner")
            .await?
            .ok_or(CoreError::NotFound)?;
        self.add_reflection(
            &crate::accounts::actor_of(&prac)?,
            &safeguard_domain::reflection::RawReflection {
                written_on: Some(day(20)),
                title: Some("Asking first".into()),
                what_happened: Some("I arranged a strategy discussion before asking the person what she wanted to happen.".into()),
                learned: Some("What she wanted was different from what we had planned: to keep her routine, not to move.".into()),
                will_change: Some("Ask for desired outcomes at the first contact, and record them in the person's own words.".into()),
                principle: Some("empowerment".into()),
                peer: Some("jo.bright".into()),
                hours: Some("1".into()),
                ..Default::default()
            },
            &ctx,
            now,
        )
        .await?;
        Ok(())
    }
}

/// The grades of the demo's audits, one a default question.
const DEMO_GRADES: [[&str; 8]; 6] = [
    [
        "good",
        "requires_improvement",
        "good",
        "requires_improvement",
        "good",
        "inadequate",
        "requires_improvement",
        "requires_improvement",
    ],
    [
        "requires_improvement",
        "inadequate",
        "good",
        "requires_improvement",
        "good",
        "requires_improvement",
        "inadequate",
        "requires_improvement",
    ],
    [
        "good",
        "requires_improvement",
        "outstanding",
        "good",
        "good",
        "requires_improvement",
        "requires_improvement",
        "inadequate",
    ],
    [
        "good",
        "good",
        "requires_improvement",
        "requires_improvement",
        "good",
        "good",
        "requires_improvement",
        "requires_improvement",
    ],
    [
        "outstanding",
        "good",
        "good",
        "good",
        "good",
        "requires_improvement",
        "good",
        "requires_improvement",
    ],
    [
        "good",
        "requires_improvement",
        "good",
        "inadequate",
        "good",
        "good",
        "good",
        "requires_improvement",
    ],
];

impl Safeguard {
    /// Casework for the demo server (not the test fixture): four Section 42
    /// enquiries led in the Hub and the North team, and case-file audits of
    /// them — last quarter's graded and moderated with mixed grades, this
    /// quarter's sample at each stage (one with the practitioner to grade,
    /// one awaiting moderation, one moderated with the worker's response).
    /// An independent manager in the South team audits and moderates.
    pub async fn load_demo_casework(&self, now: OffsetDateTime) -> CoreResult<()> {
        use safeguard_domain::case_audit::{
            Quarter, RawAnswer, RawGrading, RawImprovement, RawModeration, RawSample,
        };
        use safeguard_domain::concern::{RawAdult, RawConcern, RawDecision};
        let ctx = Ctx::default();
        self.add_user(
            None,
            &NewUserInput {
                username: "ola.ferris".into(),
                display_name: "Ola Ferris".into(),
                role: Role::Manager.code().into(),
                agency: String::new(),
                team: "South Locality Team".into(),
                password: DEMO_PASSWORD.into(),
                email: String::new(),
            },
            &ctx,
            now,
        )
        .await?;
        self.enrol_demo_second_factors(now).await?;
        let actor = |username: &'static str| async move {
            let u = self
                .store
                .user_by_username(username)
                .await?
                .ok_or(CoreError::NotFound)?;
            crate::accounts::actor_of(&u)
        };
        let practitioner = actor("practitioner").await?;
        let manager = actor("manager").await?;
        let cases = [
            (
                "Tomasz",
                "Wieczorek",
                "practitioner",
                "He says a lodger is taking his money.",
            ),
            (
                "Morgan",
                "Fairweather",
                "jo.bright",
                "Bruises seen on their arms at the day centre.",
            ),
            (
                "Yusuf",
                "Rahmani",
                "sam.reid",
                "His daughter says carers leave him unwashed.",
            ),
            (
                "Bronwen",
                "Ellis-Carter",
                "practitioner",
                "A neighbour has been borrowing her bank card.",
            ),
        ];
        let mut enquiries = Vec::new();
        for (given, family, lead, what) in cases {
            let Some(pid) = self.store.person_id_named(given, family).await? else {
                return Err(CoreError::NotFound);
            };
            let receipt = self
                .raise_concern(
                    &practitioner,
                    None,
                    &RawConcern {
                        raiser_kind: Some("family_friend".into()),
                        raiser_name: Some("A relative".into()),
                        channel: Some("phone".into()),
                        what_happened: Some(what.into()),
                        adults: vec![RawAdult {
                            person_id: Some(pid.clone()),
                            ..RawAdult::default()
                        }],
                        immediate_danger: Some("no".into()),
                        consent: Some("yes".into()),
                        ..RawConcern::default()
                    },
                    &ctx,
                    now,
                )
                .await?;
            self.decide_concern(
                &manager,
                &receipt.concern_id,
                &RawDecision {
                    needs_care_and_support: Some("yes".into()),
                    needs_evidence: Some("Known to adult social care".into()),
                    experiencing_abuse: Some("yes".into()),
                    abuse_evidence: Some(what.into()),
                    unable_to_protect: Some("yes".into()),
                    unable_evidence: Some("Relies on the people involved".into()),
                    outcome: Some("section_42".into()),
                    reasons: Some("All three conditions met".into()),
                    ..RawDecision::default()
                },
                &ctx,
                now,
            )
            .await?;
            let Some(e) = self
                .store
                .enquiries_for_person(&pid)
                .await?
                .into_iter()
                .next()
            else {
                return Err(CoreError::NotFound);
            };
            let reason = if lead == "practitioner" {
                ""
            } else {
                "Covering while the team is short; training booked"
            };
            self.allocate_enquiry(
                &manager,
                &e.id,
                crate::enquiries::Allocation {
                    lead,
                    agency: "",
                    competence_reason: reason,
                },
                &ctx,
                now,
            )
            .await?;
            enquiries.push(e.id);
        }

        // Tomasz's plan: one action for the police (their officer sees it on
        // their home page), one that is his own.
        let today = self.today(now);
        for (what, owner, days, instead) in [
            (
                "Speak to the lodger about the money taken",
                "Northbridge Police",
                5,
                "Tomasz asked that the lodger be spoken to before anything else",
            ),
            (
                "Tell the bank he wants a new card and PIN",
                crate::actions::PERSON,
                10,
                "Tomasz will do this himself, with his worker if he wants",
            ),
        ] {
            self.add_plan_action(
                &practitioner,
                &enquiries[0],
                &safeguard_domain::plan::RawAction {
                    description: Some(what.into()),
                    owner: Some(owner.into()),
                    due_on: Some(safeguard_domain::person::iso_date(
                        today + time::Duration::days(days),
                    )),
                    outcome_id: None,
                    less_restrictive: Some(instead.into()),
                },
                &ctx,
                now,
            )
            .await?;
        }

        // Enquiries at every stage: Morgan's waits for sign-off, Bronwen's
        // is concluded (so the dashboard and the SAC return have figures);
        // Tomasz's and Yusuf's stay open.
        for (i, (eid, lead_name, sign_off)) in [
            (&enquiries[1], "jo.bright", false),
            (&enquiries[3], "practitioner", true),
        ]
        .into_iter()
        .enumerate()
        {
            let lead = actor(lead_name).await?;
            let oid = self
                .add_outcome(
                    &lead,
                    eid,
                    &safeguard_domain::enquiry::RawOutcome {
                        text: Some(
                            ["To feel safe at the day centre", "To keep my own bank card"][i]
                                .into(),
                        ),
                        expressed_by: Some("person".into()),
                        ..Default::default()
                    },
                    &ctx,
                    now,
                )
                .await?;
            self.propose_conclusion(
                &lead,
                eid,
                &safeguard_domain::enquiry::RawConclusion {
                    risk_types: vec![["physical", "financial"][i].into()],
                    locations: vec![["community_service", "own_home"][i].into()],
                    sources: vec!["known".into()],
                    action_result: Some("risk_action".into()),
                    risk_outcome: Some(["reduced", "removed"][i].into()),
                    capacity: Some("did_not_lack".into()),
                    asked: Some("yes_expressed".into()),
                    achievements: vec![safeguard_domain::enquiry::RawAchievement {
                        outcome_id: oid,
                        achievement: Some(["partially", "fully"][i].into()),
                        comment: Some(
                            [
                                "Better, but I still worry on Fridays",
                                "I have my card back and a new PIN",
                            ][i]
                                .into(),
                        ),
                    }],
                    ..Default::default()
                },
                &ctx,
                now,
            )
            .await?;
            if sign_off {
                self.sign_off_enquiry(&manager, eid, true, &None, &ctx, now)
                    .await?;
            }
        }
        // Two concerns waiting for a decision: one from the police about a
        // man not yet known, one the practitioner recorded about Grace.
        let partner = actor("partner").await?;
        self.raise_concern(
            &partner,
            None,
            &RawConcern {
                raiser_kind: Some("staff".into()),
                channel: Some("partner".into()),
                what_happened: Some("An older man found confused at a bus stop at night, with bruises on his wrists.".into()),
                adults: vec![RawAdult {
                    description: Some("Man in his eighties, grey coat".into()),
                    ..RawAdult::default()
                }],
                immediate_danger: Some("no".into()),
                consent: Some("yes".into()),
                ..RawConcern::default()
            },
            &ctx,
            now,
        )
        .await?;
        if let Some(grace) = self
            .store
            .person_id_named("Grace", "Adeyemi-Hollis")
            .await?
        {
            self.raise_concern(
                &practitioner,
                None,
                &RawConcern {
                    raiser_kind: Some("family_friend".into()),
                    raiser_name: Some("A neighbour".into()),
                    channel: Some("phone".into()),
                    what_happened: Some(
                        "Her new carer has not been seen to give her meals.".into(),
                    ),
                    adults: vec![RawAdult {
                        person_id: Some(grace),
                        ..RawAdult::default()
                    }],
                    immediate_danger: Some("no".into()),
                    consent: Some("yes".into()),
                    ..RawConcern::default()
                },
                &ctx,
                now,
            )
            .await?;
        }

        self.plant_demo_patterns(&practitioner, &manager, now)
            .await?;

        let lead = actor("lead").await?;
        let today = self.today(now);
        let this = Quarter::of(today);
        let last = this.previous();
        // Last quarter's audits: each case, drawn then (history for the themes).
        let template = self
            .store
            .audit_templates()
            .await?
            .into_iter()
            .find(|t| t.active)
            .ok_or(CoreError::NotFound)?;
        let users = self.store.list_users().await?;
        let mut drawn = Vec::new();
        for eid in &enquiries {
            let e = self.store.enquiry(eid).await?.ok_or(CoreError::NotFound)?;
            let worker = e.lead_user_id.clone().ok_or(CoreError::NotFound)?;
            let team_id = users
                .iter()
                .find(|u| u.id == worker)
                .and_then(|u| u.team_id.clone())
                .ok_or(CoreError::NotFound)?;
            drawn.push(safeguard_store::case_audits::CaseAuditRow {
                id: crate::new_uuid(now)?.to_string(),
                quarter: last.code(),
                team_id,
                team: String::new(),
                enquiry_id: eid.clone(),
                template_id: template.id.clone(),
                worker_id: worker,
                auditor_id: None,
                moderator_id: None,
                drawn_by: lead.user_id.to_string(),
                drawn_at: crate::unix_ms(now),
                findings: None,
                graded_at: None,
                moderation_note: None,
                moderated_at: None,
                response: None,
                responded_at: None,
            });
        }
        self.insert_drawn(&lead, &drawn, &ctx, now).await?;
        let mut audits: Vec<(String, bool)> = drawn.iter().map(|a| (a.id.clone(), true)).collect();
        let this_quarter = self
            .draw_audit_sample(
                &lead,
                &RawSample {
                    quarter: Some(this.code()),
                    per_team: Some("2".into()),
                },
                &ctx,
                now,
            )
            .await?;
        audits.extend(this_quarter.into_iter().map(|id| (id, false)));

        let mut grades = DEMO_GRADES.iter();
        let mut hub_this_quarter = 0;
        let due = safeguard_domain::person::iso_date(today + time::Duration::days(30));
        for (id, history) in audits {
            let a = self
                .store
                .case_audit(&id)
                .await?
                .ok_or(CoreError::NotFound)?;
            let north = a.team == "North Locality Team";
            let auditor = if north {
                practitioner.clone()
            } else {
                actor("sam.reid").await?
            };
            self.assign_case_audit(&lead, &id, &auditor.username, "ola.ferris", &ctx, now)
                .await?;
            // This quarter: the North case waits for the practitioner to grade
            // it; of the Hub's, one awaits moderation and one is finished.
            if !history && north {
                continue;
            }
            let stage = if history {
                2
            } else {
                hub_this_quarter += 1;
                hub_this_quarter
            };
            let Some(g) = grades.next() else { break };
            let worker = users
                .iter()
                .find(|u| u.id == a.worker_id)
                .ok_or(CoreError::NotFound)?;
            let weak: Vec<usize> = (0..8)
                .filter(|i| g[*i] != "good" && g[*i] != "outstanding")
                .collect();
            self.grade_case_audit(
                &auditor,
                &id,
                &RawGrading {
                    answers: g
                        .iter()
                        .enumerate()
                        .map(|(i, grade)| RawAnswer {
                            grade: Some((*grade).into()),
                            evidence: Some(demo_evidence(i, grade)),
                        })
                        .collect(),
                    findings: Some(format!(
                        "{} of 8 questions good or better. {}",
                        8 - weak.len(),
                        if weak.contains(&1) {
                            "Desired outcomes were asked at the start but not revisited at review."
                        } else {
                            "The person's own words run through the file."
                        }
                    )),
                    actions: vec![RawImprovement {
                        action: Some("Revisit the person's desired outcomes at each review and record their words".into()),
                        owner: Some(worker.username.clone()),
                        due_on: Some(due.clone()),
                    }],
                },
                &ctx,
                now,
            )
            .await?;
            if stage == 1 {
                continue;
            }
            let ola = actor("ola.ferris").await?;
            let changed = weak.first().copied();
            self.moderate_case_audit(
                &ola,
                &id,
                &RawModeration {
                    grades: (0..8)
                        .map(|i| (Some(i) == changed && history).then(|| "inadequate".to_string()))
                        .collect(),
                    note: Some(if history && changed.is_some() {
                        "Agreed, except one: nothing in the file shows it was done, so inadequate."
                            .into()
                    } else {
                        "Agreed with every grade.".into()
                    }),
                },
                &ctx,
                now,
            )
            .await?;
            if !history {
                let w = crate::accounts::actor_of(worker)?;
                self.respond_to_case_audit(
                    &w,
                    &id,
                    &Some("Fair. I now ask about outcomes again at every review and write down the person's words.".into()),
                    &ctx,
                    now,
                )
                .await?;
            }
        }
        Ok(())
    }
}

fn demo_evidence(question: usize, grade: &str) -> String {
    let what = [
        "the record of the first visit",
        "the outcomes page and review notes",
        "the consent record and capacity assessment",
        "the advocacy check",
        "the protection plan",
        "the risk assessment",
        "the conclusion",
        "the feedback record",
    ][question.min(7)];
    match grade {
        "outstanding" | "good" => format!("Clear in {what}, in the person's own words."),
        "requires_improvement" => format!("Partly shown in {what}; the reasons are not recorded."),
        _ => format!("Nothing in {what} shows this was done."),
    }
}

/// A Welsh translation of the plan summary's fixed text, so the demo shows
/// a summary in a person's own language.
fn welsh_summary() -> safeguard_domain::summary::RawTranslation {
    let texts = [
        ("title", "Eich cynllun diogelu, {name}"),
        (
            "intro",
            "Dyma beth wnaethon ni ei gytuno gyda chi. Eich cynllun chi yw hwn: dywedwch wrthym os oes unrhyw beth yn anghywir neu os hoffech i rywbeth newid.",
        ),
        ("wants", "Beth ddywedoch chi wrthym yr hoffech chi"),
        (
            "wants_for_you",
            "Beth ddywedodd {representative} wrthym yr hoffech chi, gan siarad ar eich rhan",
        ),
        ("wants_none", "Nid ydym wedi ysgrifennu hyn eto."),
        (
            "own_words",
            "Mae'r hyn a ddywedoch chi wedi'i gadw yn eich geiriau eich hun.",
        ),
        ("happen", "Beth fydd yn digwydd"),
        ("happen_none", "Nid oes dim wedi'i gynllunio eto."),
        ("what", "Beth"),
        ("who", "Pwy"),
        ("when", "Erbyn pryd"),
        ("risks", "Risgiau rydych chi wedi dewis byw gyda nhw"),
        ("risk_review", "byddwn yn edrych ar hyn eto ar {date}"),
        ("involved", "Pwy rydych chi eisiau eu cynnwys"),
        ("review", "Pryd byddwn yn edrych ar y cynllun eto"),
        ("contact", "Gyda phwy i gysylltu"),
        (
            "worker",
            "Eich gweithiwr yw {worker}, yn nhîm diogelu oedolion y cyngor",
        ),
        ("team", "Tîm diogelu oedolion y cyngor"),
        ("phone", "Gallwch ein ffonio ar {phone}."),
        ("danger", "Os ydych chi mewn perygl, ffoniwch 999."),
    ];
    safeguard_domain::summary::RawTranslation {
        language: Some("Welsh".into()),
        approved_by: Some("Northbridge Council Welsh Language Service (demo)".into()),
        texts: texts
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
    }
}

impl Safeguard {
    /// Patterns for the managers' alerts, raised as the concerns arrive:
    /// two concerns about adults at the same CQC-registered care home
    /// naming the same carer (a provider alert, a CQC prompt, and the same
    /// alleged person across adults), a second concern about Tomasz (repeat
    /// concerns about one adult), and a home-care agency of the same name
    /// elsewhere, told apart by its address. All three wait for triage.
    async fn plant_demo_patterns(
        &self,
        practitioner: &Actor,
        manager: &Actor,
        now: OffsetDateTime,
    ) -> CoreResult<()> {
        use safeguard_domain::concern::{RawAdult, RawConcern, RawProvider};
        use safeguard_domain::patterns::RawAlleged;
        let ctx = Ctx::default();
        let home = self
            .create_provider(
                manager,
                &RawProvider {
                    name: Some("Larchfield House".into()),
                    kind: Some("care_home_residential".into()),
                    address: Some("14 Orchard Rise, Northbridge".into()),
                    postcode: Some("NB2 4LH".into()),
                    registration_id: Some("1-1012345678".into()),
                },
                &ctx,
                now,
            )
            .await?;
        self.create_provider(
            manager,
            &RawProvider {
                name: Some("Larchfield House".into()),
                kind: Some("home_care".into()),
                address: Some("Unit 3, Mill Lane, Eastwick".into()),
                postcode: Some("EW1 2AB".into()),
                registration_id: None,
            },
            &ctx,
            now,
        )
        .await?;
        let planted = [
            (
                "Yusuf",
                "Rahmani",
                Some(&home),
                "Bruising on his forearms after a hoist transfer at Larchfield House; staff did not report it.",
            ),
            (
                "Grace",
                "Adeyemi-Hollis",
                Some(&home),
                "On respite at Larchfield House she says a night carer shouted at her and left her wet until morning.",
            ),
            (
                "Tomasz",
                "Wieczorek",
                None,
                "The lodger has moved his partner in and Tomasz's pension has gone again.",
            ),
        ];
        for (given, family, provider, what) in planted {
            let Some(pid) = self.store.person_id_named(given, family).await? else {
                continue;
            };
            let receipt = self
                .raise_concern(
                    practitioner,
                    None,
                    &RawConcern {
                        raiser_kind: Some("staff".into()),
                        raiser_name: Some("A district nurse".into()),
                        channel: Some("phone".into()),
                        what_happened: Some(what.into()),
                        adults: vec![RawAdult {
                            person_id: Some(pid),
                            ..RawAdult::default()
                        }],
                        provider_id: provider.cloned(),
                        location_type: provider.map(|_| "care_home_residential".into()),
                        immediate_danger: Some("no".into()),
                        consent: Some("yes".into()),
                        ..RawConcern::default()
                    },
                    &ctx,
                    now,
                )
                .await?;
            if provider.is_some() {
                self.add_alleged(
                    practitioner,
                    crate::patterns::On::Concern(&receipt.concern_id),
                    &RawAlleged {
                        kind: Some("staff".into()),
                        provider_id: Some(home.clone()),
                        name: Some("Dale Morton".into()),
                        description: Some("Night care assistant".into()),
                        relationship: Some("paid_staff".into()),
                        ..RawAlleged::default()
                    },
                    &ctx,
                    now,
                )
                .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use safeguard_domain::nhs::NhsNumber;

    #[test]
    fn the_welsh_demo_translation_is_complete() {
        assert!(
            safeguard_domain::summary::parse_translation("cy", &welsh_summary(), "2026-01-01")
                .is_ok()
        );
    }

    #[test]
    fn synthetic_numbers_are_valid_and_in_the_999_range() {
        for n in 0..50 {
            let s = synthetic_nhs_number(n);
            assert!(s.starts_with("999"), "{s}");
            assert!(NhsNumber::parse(&s).is_ok(), "{s}");
        }
    }
}
