//! Synthetic records at council or national scale, for trying the product,
//! the SAC return and the dashboards on realistic volumes, and for the
//! benchmarks. Every person is invented (NHS numbers in the 999 range that is
//! never issued); the same seed and profile give the same records.
//!
//! The shapes follow DOMAIN.md §8: about a third of concerns lead to an
//! enquiry, nearly all of them Section 42; neglect and own home are the most
//! common type and location; some people have repeat concerns; a few
//! concerns are about many residents of one care home (a large-scale
//! enquiry, one per adult); and fields go missing at realistic rates.
//!
//! Rows are written in bulk, not one use case at a time: one audit event
//! records the load, not each generated row.

use safeguard_domain::sac::Year;
use safeguard_store::bulk::Value;
use time::{Date, Duration, OffsetDateTime};

use crate::demo::synthetic_nhs_number;
use crate::{CoreError, CoreResult, Ctx, Safeguard, unix_ms};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Adults at risk with a record.
    pub people: u32,
    /// Financial years of activity, ending with `end_year`.
    pub years: u32,
    /// The last financial year generated.
    pub end_year: Year,
    /// Same seed, same records.
    pub seed: u64,
    /// Concerns a year per person on record (a council of 200,000 records
    /// sees about 50,000 concerns a year at the default 0.25).
    pub concerns_per_person: f64,
    /// Share of concerns leading to a Section 42 enquiry.
    pub s42_rate: f64,
    /// Share leading to an other enquiry.
    pub other_rate: f64,
}

impl Profile {
    /// The default shape for `people` records over `years` years to `end_year`.
    pub fn new(people: u32, years: u32, end_year: Year, seed: u64) -> Profile {
        Profile {
            people,
            years,
            end_year,
            seed,
            concerns_per_person: 0.25,
            s42_rate: 0.29,
            other_rate: 0.03,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Generated {
    /// People.
    pub people: u64,
    /// Concerns.
    pub concerns: u64,
    /// Enquiries opened.
    pub enquiries: u64,
    /// Enquiries concluded and signed off.
    pub concluded: u64,
}

/// SplitMix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `choices`, by weight.
    fn pick<'a>(&mut self, choices: &[(&'a str, u32)]) -> &'a str {
        let total: u32 = choices.iter().map(|c| c.1).sum();
        let mut r = self.below(u64::from(total)) as u32;
        for (v, w) in choices {
            if r < *w {
                return v;
            }
            r -= w;
        }
        choices[0].0
    }

    /// A time-ordered (version 7 layout) id for something made at `ms`.
    fn id(&mut self, ms: i64) -> String {
        let r = self.next().to_be_bytes();
        let s = self.next().to_be_bytes();
        let t = (ms.max(0) as u64).to_be_bytes();
        let mut b = [0u8; 16];
        b[..6].copy_from_slice(&t[2..]);
        b[6] = 0x70 | (r[0] & 0x0f);
        b[7] = r[1];
        b[8] = 0x80 | (r[2] & 0x3f);
        b[9..16].copy_from_slice(&s[..7]);
        uuid::Uuid::from_bytes(b).to_string()
    }
}

#[rustfmt::skip]
const GIVEN: &[&str] = &[
    "Ada", "Arthur", "Beryl", "Cyril", "Doreen", "Edwin", "Florence", "Gordon", "Hilda", "Ivor",
    "Joan", "Kenneth", "Lilian", "Maurice", "Nora", "Oswald", "Phyllis", "Reginald", "Sylvia",
    "Trevor", "Una", "Vera", "Walter", "Yvonne", "Amrit", "Bilal", "Chiara", "Dariusz", "Efua",
    "Farida", "Gurpreet", "Hamza", "Iwona", "Jin", "Kwame", "Leila", "Mei", "Nkechi", "Oksana",
    "Priya", "Rhys", "Siobhan", "Tomasz", "Uzma", "Wiremu", "Xin", "Yusuf", "Zofia", "Margaret",
    "Patricia", "Barbara", "Elizabeth", "Catherine", "Kathleen", "Dorothy", "Jean", "Irene",
    "Eileen", "Maureen", "Brenda", "Sheila", "Valerie", "Pauline", "Christine", "Susan", "Janet",
    "Ann", "Mary", "Joyce", "Edna", "Gladys", "Winifred", "Ethel", "Mavis", "Evelyn", "Violet",
    "Rita", "Gwendolyn", "Marjorie", "Helen", "Eleanor", "Josephine", "Teresa", "Rosemary",
    "Diane", "Carol", "Linda", "Shirley", "Sandra", "Deborah", "Samantha", "Nicola", "Michelle",
    "John", "William", "Robert", "James", "Thomas", "David", "Michael", "Richard", "Peter",
    "George", "Albert", "Alfred", "Frederick", "Harold", "Henry", "Charles", "Edward", "Joseph",
    "Leonard", "Ronald", "Donald", "Stanley", "Sidney", "Frank", "Ernest", "Bernard", "Dennis",
    "Raymond", "Anthony", "Terence", "Philip", "Stephen", "Christopher", "Andrew", "Daniel",
    "Samuel", "Nicholas", "Patrick", "Gerald", "Douglas", "Malcolm", "Keith", "Colin", "Graham",
    "Norman", "Clifford", "Leslie", "Derek", "Brian", "Geoffrey", "Alan", "Roy", "Eric",
    "Mohammed", "Abdul", "Ahmed", "Tariq", "Imran", "Sunita", "Rajesh", "Anil", "Parveen",
    "Nasreen", "Grace", "Blessing", "Chinedu", "Olumide", "Marek", "Krzysztof", "Agnieszka",
];
/// Family names are often made of these two parts (and otherwise from
/// [`FAMILY`]), so a million people have names about as varied as a real
/// council's.
#[rustfmt::skip]
const FAMILY_START: &[&str] = &[
    "Ash", "Birch", "Black", "Brad", "Brook", "Church", "Clay", "Cold", "Cran", "Dal", "Dun",
    "East", "Fair", "Gold", "Green", "Hall", "Hart", "Hay", "Hol", "King", "Lang", "Mar", "Mid",
    "Mill", "Moor", "New", "North", "Oak", "Pem", "Red", "Rose", "Rud", "Salt", "Shel", "South",
    "Stan", "Stock", "Thorn", "Wad", "West", "Whit", "Wood",
];
#[rustfmt::skip]
const FAMILY_END: &[&str] = &[
    "ley", "ton", "field", "ford", "well", "wood", "by", "ham", "hurst", "more", "stead", "worth",
    "bridge", "combe", "gate", "holme", "land", "shaw", "wick", "den",
];
const FAMILY: &[&str] = &[
    "Ashdown",
    "Birchfield",
    "Copperleaf",
    "Dunmore",
    "Elmstead",
    "Fairweather",
    "Glenholme",
    "Hartwell",
    "Ivybridge",
    "Juniper",
    "Kestrel",
    "Larkspur",
    "Merriweather",
    "Northcote",
    "Oakhaven",
    "Pennyworth",
    "Quarrington",
    "Rosedale",
    "Stillwater",
    "Thornbury",
    "Underhill",
    "Valemont",
    "Whitlock",
    "Yardley",
    "Akhtar-Vale",
    "Brennan-Holt",
    "Chowdhury-Lane",
    "Danek",
    "Eze-Moor",
    "Fenwick",
    "Gallagher-Rowe",
    "Hussain-Ford",
    "Ilunga",
    "Jankowska",
    "Kaur-Bell",
];
const OUTCOMES: &[&str] = &[
    "To feel safe in my own home",
    "To keep seeing my grandchildren",
    "To manage my own money again",
    "To stay living where I am",
    "For it not to happen to anyone else",
    "To be able to say no to him",
    "To get an apology",
    "To know where to get help if it happens again",
    "To keep my dog",
    "To go back to my day centre",
];

/// The moments generated ids are stamped with: one millisecond apart, in
/// the order the records are made, so ids grow as they do in use (a
/// record's id is stamped when it is saved) and each table's key index is
/// written in order rather than all over.
struct Clock(i64);

impl Clock {
    fn tick(&mut self) -> i64 {
        self.0 += 1;
        self.0
    }
}

/// Dates in ISO form.
fn iso(d: Date) -> String {
    safeguard_domain::person::iso_date(d)
}

fn ms_of(d: Date, minute: i64) -> i64 {
    unix_ms(d.midnight().assume_utc() + Duration::minutes(minute))
}

/// A person's facts that cases need.
struct GenPerson {
    id: String,
    support_reason: &'static str,
}

impl Safeguard {
    /// Generates synthetic records as `profile` says. Loads the demo
    /// accounts first if the database has none. `progress` hears (what,
    /// done, of) as the work goes on.
    pub async fn generate(
        &self,
        profile: &Profile,
        now: OffsetDateTime,
        mut progress: impl FnMut(&str, u64, u64),
    ) -> CoreResult<Generated> {
        if self.store.count_users().await? == 0 {
            self.load_demo(now).await?;
        }
        let user = |name: &'static str| async move {
            self.store
                .user_by_username(name)
                .await?
                .map(|u| u.id)
                .ok_or(CoreError::NotFound)
        };
        let practitioner = user("practitioner").await?;
        let manager = user("manager").await?;
        let workers = self.generated_workers(&practitioner, now).await?;
        let today = self.today(now);
        let mut rng = Rng(profile.seed);
        let mut out = Generated::default();
        let first_year =
            profile.end_year.start_year() - i32::try_from(profile.years).unwrap_or(1) + 1;
        let created = ms_of(Year::starting(first_year).first_day(), 0) - 86_400_000;
        let mut clock = Clock(created);

        // People.
        let mut people: Vec<GenPerson> = Vec::with_capacity(profile.people as usize);
        let mut rows = Vec::new();
        let mut search_keys = Vec::new();
        let total_people = u64::from(profile.people);
        for i in 0..profile.people {
            let id = rng.id(clock.tick());
            let given = GIVEN[rng.below(GIVEN.len() as u64) as usize];
            let family = if rng.chance(0.2) {
                FAMILY[rng.below(FAMILY.len() as u64) as usize].to_string()
            } else {
                let start = FAMILY_START[rng.below(FAMILY_START.len() as u64) as usize];
                let end = FAMILY_END[rng.below(FAMILY_END.len() as u64) as usize];
                format!("{start}{end}")
            };
            let family = family.as_str();
            let older = rng.chance(0.63);
            let age = if older {
                65 + rng.below(35)
            } else {
                18 + rng.below(47)
            } as i32;
            // Born a year before `age` years ahead of the first year's
            // 31 March: an adult (18 or over) on every 31 March generated.
            let dob = Date::from_ordinal_date(
                Year::starting(first_year).last_day().year() - age - 1,
                1 + rng.below(365) as u16,
            )
            .ok()
            .filter(|_| !rng.chance(0.02));
            let support_reason = rng.pick(&[
                ("physical", 40),
                ("memory_cognition", 15),
                ("mental_health", 15),
                ("learning_disability", 10),
                ("sensory", 3),
                ("social", 5),
                ("none", 4),
                ("not_known", 8),
            ]);
            let ld = support_reason == "learning_disability";
            rows.push(vec![
                Value::from(id.clone()),
                Value::from(1i64),
                Value::from(given),
                Value::from(family),
                Value::from(format!("{given} {family}").to_lowercase()),
                Value::from(dob.map(iso)),
                Value::from((!rng.chance(0.05)).then(|| synthetic_nhs_number(i + 100))),
                Value::from(format!("{} Example Street", 1 + rng.below(200))),
                Value::from("Northbridge"),
                Value::from(format!(
                    "NB{} {}{}{}",
                    1 + rng.below(9),
                    rng.below(10),
                    (b'A' + rng.below(26) as u8) as char,
                    (b'A' + rng.below(26) as u8) as char
                )),
                Value::from(rng.pick(&[("female", 59), ("male", 40), ("not_known", 1)])),
                Value::from(rng.pick(&[
                    ("white_british", 78),
                    ("white_other", 5),
                    ("asian_indian", 3),
                    ("asian_pakistani", 2),
                    ("black_african", 2),
                    ("black_caribbean", 1),
                    ("mixed_other", 1),
                    ("other_any", 1),
                    ("refused", 1),
                    ("not_known", 6),
                ])),
                Value::from(support_reason),
                Value::from(ld),
                Value::from(ld && rng.chance(0.2)),
                Value::from(ld && rng.chance(0.05)),
                Value::from("English"),
                Value::from(false),
                Value::from(""),
                Value::from(created),
                Value::from(practitioner.clone()),
                Value::from(created),
            ]);
            search_keys.push((
                id.clone(),
                safeguard_domain::search::key_text(&safeguard_domain::search::person_keys(
                    given,
                    family,
                    &[],
                )),
            ));
            people.push(GenPerson { id, support_reason });
            if rows.len() == 50_000 || i + 1 == profile.people {
                let mut tx = self.store.begin().await?;
                tx.bulk_insert(
                    "people",
                    &[
                        "id",
                        "version",
                        "given_name",
                        "family_name",
                        "search_text",
                        "date_of_birth",
                        "nhs_number",
                        "address_line_1",
                        "town",
                        "postcode",
                        "gender",
                        "ethnicity",
                        "primary_support_reason",
                        "learning_disability",
                        "autism",
                        "asperger",
                        "preferred_language",
                        "interpreter_needed",
                        "communication_needs",
                        "created_at",
                        "created_by",
                        "updated_at",
                    ],
                    &rows,
                )
                .await?;
                tx.insert_search_keys(&search_keys).await?;
                tx.commit().await?;
                rows.clear();
                search_keys.clear();
                progress("people", u64::from(i) + 1, total_people);
            }
        }
        out.people = total_people;
        if people.is_empty() {
            return Ok(out);
        }

        // A few providers, named for the places they run.
        let mut providers = Vec::new();
        let mut care_homes = Vec::new();
        let mut rows = Vec::new();
        for i in 0..60 {
            let id = rng.id(clock.tick());
            let kind = rng.pick(&[
                ("care_home_residential", 3),
                ("care_home_nursing", 2),
                ("home_care", 3),
                ("day_service", 1),
            ]);
            rows.push(vec![
                Value::from(id.clone()),
                Value::from(format!(
                    "{} {}",
                    FAMILY[i % FAMILY.len()],
                    if kind.starts_with("care_home") {
                        "House"
                    } else {
                        "Care"
                    }
                )),
                Value::from(kind),
                Value::from(created),
                Value::from(practitioner.clone()),
            ]);
            if kind.starts_with("care_home") {
                care_homes.push(id.clone());
            }
            providers.push(id);
        }
        let mut tx = self.store.begin().await?;
        tx.bulk_insert(
            "providers",
            &["id", "name", "kind", "created_at", "created_by"],
            &rows,
        )
        .await?;
        tx.commit().await?;

        // Concerns, year by year.
        let per_year = (f64::from(profile.people) * profile.concerns_per_person).round() as u64;
        let total = per_year * u64::from(profile.years);
        let mut reference = 0x80_0000_0000u64 + rng.below(1 << 30);
        let mut batch = Batch::default();
        let mut done = 0u64;
        for y in 0..profile.years {
            let first = Year::starting(first_year + i32::try_from(y).unwrap_or(0)).first_day();
            for _ in 0..per_year {
                done += 1;
                let received = first + Duration::days(rng.below(365) as i64);
                if received > today {
                    continue;
                }
                let received_at = ms_of(received, 480 + rng.below(600) as i64);
                let cid = rng.id(clock.tick());
                reference += 1;
                let large = rng.chance(0.004);
                let adults = if large { 3 + rng.below(6) } else { 1 };
                let risk = rng.pick(&[
                    ("neglect", 32),
                    ("physical", 20),
                    ("psychological", 13),
                    ("financial", 15),
                    ("self_neglect", 8),
                    ("domestic", 6),
                    ("sexual", 2),
                    ("organisational", 2),
                    ("discriminatory", 1),
                    ("sexual_exploitation", 1),
                    ("modern_slavery", 1),
                ]);
                let location = if large {
                    rng.pick(&[("care_home_residential", 3), ("care_home_nursing", 2)])
                } else {
                    rng.pick(&[
                        ("own_home", 45),
                        ("care_home_residential", 18),
                        ("care_home_nursing", 12),
                        ("community", 7),
                        ("community_service", 4),
                        ("hospital_acute", 5),
                        ("hospital_mental_health", 3),
                        ("hospital_community", 1),
                        ("other", 5),
                    ])
                };
                let decision = {
                    let r = rng.unit();
                    if r < profile.s42_rate {
                        "section_42"
                    } else if r < profile.s42_rate + profile.other_rate {
                        "other_enquiry"
                    } else {
                        "no_enquiry"
                    }
                };
                let decided = received + Duration::days(rng.below(6) as i64);
                let decided = (decided <= today).then_some(decided);
                let state = match (decided, decision) {
                    (None, _) => "new",
                    (Some(_), "no_enquiry") => "closed",
                    _ => "enquiry",
                };
                batch.concerns.push(vec![
                    Value::from(cid.clone()),
                    Value::from(safeguard_domain::concern::reference_from(
                        reference.to_be_bytes()[3..8].try_into().unwrap_or([0; 5]),
                    )),
                    Value::from("generated"),
                    Value::from(state),
                    Value::from(rng.pick(&[
                        ("staff", 55),
                        ("family_friend", 20),
                        ("person", 8),
                        ("public", 10),
                        ("anonymous", 7),
                    ])),
                    Value::from(rng.pick(&[
                        ("phone", 50),
                        ("email", 20),
                        ("online", 20),
                        ("partner", 10),
                    ])),
                    Value::from(received_at),
                    Value::from(iso(received)),
                    Value::from("Synthetic concern generated for testing."),
                    Value::from(location),
                    // Most concerns in a care home name it; a few homes have many.
                    Value::from(
                        (location.starts_with("care_home")
                            && !care_homes.is_empty()
                            && (large || rng.chance(0.7)))
                        .then(|| {
                            let u = rng.unit();
                            care_homes
                                [(u * u * care_homes.len() as f64) as usize % care_homes.len()]
                            .clone()
                        }),
                    ),
                    Value::from("no"),
                    Value::from(rng.pick(&[
                        ("yes", 60),
                        ("dont_know", 25),
                        ("not_asked", 10),
                        ("no", 5),
                    ])),
                    Value::from(risk),
                    Value::Int(decided.map(|d| ms_of(d, 600))),
                ]);
                if let Some(d) = decided {
                    batch.decisions.push(vec![
                        Value::from(cid.clone()),
                        Value::from(ms_of(d, 600)),
                        Value::from(manager.clone()),
                        Value::from(if decision == "no_enquiry" {
                            "no"
                        } else {
                            "yes"
                        }),
                        Value::from("Synthetic."),
                        Value::from(if decision == "no_enquiry" {
                            "no"
                        } else {
                            "yes"
                        }),
                        Value::from("Synthetic."),
                        Value::from(if decision == "section_42" {
                            "yes"
                        } else {
                            "no"
                        }),
                        Value::from("Synthetic."),
                        Value::from(decision),
                        Value::from("Synthetic decision."),
                    ]);
                }
                let mut about: Vec<usize> = Vec::new();
                for pos in 0..adults.min(people.len() as u64) {
                    // Repeat concerns: some people come up again and again
                    // (but each adult only once in one concern).
                    let u = rng.unit();
                    let mut which = ((u * u) * people.len() as f64) as usize % people.len();
                    while about.contains(&which) {
                        which = (which + 1) % people.len();
                    }
                    about.push(which);
                    let p = &people[which];
                    let linked = !rng.chance(0.03);
                    batch.adults.push(vec![
                        Value::from(cid.clone()),
                        Value::from(pos as i64),
                        Value::from(if linked {
                            None
                        } else {
                            Some("An adult, name not known".to_string())
                        }),
                        Value::from(linked.then(|| p.id.clone())),
                        Value::from(linked.then(|| p.support_reason.to_string())),
                    ]);
                    if let (Some(d), true, true) = (decided, linked, decision != "no_enquiry") {
                        out.enquiries += 1;
                        let kind = if decision == "section_42" {
                            "section_42"
                        } else {
                            "other"
                        };
                        let eid = rng.id(clock.tick());
                        let concluded_on = d + Duration::days(10 + rng.below(140) as i64);
                        let enquiry_state = if concluded_on + Duration::days(14) <= today {
                            "concluded"
                        } else if concluded_on <= today {
                            "awaiting_sign_off"
                        } else {
                            "open"
                        };
                        let asked = rng.pick(&[
                            ("yes_expressed", 72),
                            ("yes_not_expressed", 10),
                            ("no", 9),
                            ("dont_know", 4),
                            ("not_recorded", 5),
                        ]);
                        batch.enquiries.push(vec![
                            Value::from(eid.clone()),
                            Value::from(cid.clone()),
                            Value::from(p.id.clone()),
                            Value::from(kind),
                            Value::from(enquiry_state),
                            Value::from(Some(
                                workers[rng.below(workers.len() as u64) as usize].clone(),
                            )),
                            Value::from(iso(d)),
                            Value::from((enquiry_state != "open").then(|| asked.to_string())),
                            Value::from(ms_of(d, 601)),
                            Value::from(p.support_reason),
                        ]);
                        let mut achievements = Vec::new();
                        if asked == "yes_expressed" {
                            for o in 0..(1 + rng.below(2)) {
                                let a = rng.pick(&[("fully", 64), ("partially", 29), ("not", 7)]);
                                achievements.push(a);
                                batch.outcomes.push(vec![
                                    Value::from(rng.id(clock.tick())),
                                    Value::from(eid.clone()),
                                    Value::from(o as i64),
                                    Value::from(
                                        OUTCOMES[rng.below(OUTCOMES.len() as u64) as usize],
                                    ),
                                    Value::from("person"),
                                    Value::from(iso(d)),
                                    Value::from(true),
                                    Value::from((enquiry_state != "open").then(|| a.to_string())),
                                ]);
                            }
                        }
                        if enquiry_state != "open" {
                            if enquiry_state == "concluded" {
                                out.concluded += 1;
                            }
                            let action = rng.pick(&[
                                ("risk_action", 66),
                                ("risk_no_action", 4),
                                ("inconclusive_action", 8),
                                ("inconclusive_no_action", 3),
                                ("no_risk_action", 6),
                                ("no_risk_no_action", 9),
                                ("ceased", 4),
                            ]);
                            let capacity = rng.pick(&[
                                ("did_not_lack", 55),
                                ("lacked", 30),
                                ("dont_know", 10),
                                ("not_recorded", 5),
                            ]);
                            let mut sources = vec![rng.pick(&[
                                ("service_provider", 35),
                                ("known", 50),
                                ("unknown", 15),
                            ])];
                            if rng.chance(0.08) {
                                sources.push(rng.pick(&[
                                    ("service_provider", 1),
                                    ("known", 1),
                                    ("unknown", 1),
                                ]));
                            }
                            sources.sort_unstable();
                            sources.dedup();
                            let mut types = vec![risk];
                            if rng.chance(0.15) {
                                let extra = rng.pick(&[
                                    ("psychological", 3),
                                    ("financial", 2),
                                    ("neglect", 2),
                                    ("physical", 1),
                                ]);
                                if extra != risk {
                                    types.push(extra);
                                }
                            }
                            let signed = enquiry_state == "concluded";
                            let achievement = {
                                let all: Vec<safeguard_domain::enquiry::Achievement> = achievements
                                    .iter()
                                    .filter_map(|a| {
                                        safeguard_domain::enquiry::Achievement::parse(a)
                                    })
                                    .collect();
                                safeguard_domain::sac::enquiry_achievement(&all)
                                    .map(|a| a.code().to_string())
                            };
                            batch.conclusions.push(vec![
                                Value::from(eid.clone()),
                                Value::from(types.join(",")),
                                Value::from(location),
                                Value::from(sources.join(",")),
                                Value::from(sources.contains(&"service_provider").then(|| {
                                    providers[rng.below(providers.len() as u64) as usize].clone()
                                })),
                                Value::from(action),
                                Value::from((action == "risk_action").then(|| {
                                    rng.pick(&[("reduced", 65), ("removed", 25), ("remained", 10)])
                                        .to_string()
                                })),
                                Value::from(capacity),
                                Value::Bool(capacity == "lacked" && rng.chance(0.8)),
                                Value::from(asked),
                                Value::from(iso(concluded_on)),
                                Value::from(practitioner.clone()),
                                Value::from(ms_of(concluded_on, 700)),
                                Value::from(signed.then(|| manager.clone())),
                                Value::Int(
                                    signed.then(|| ms_of(concluded_on + Duration::days(3), 700)),
                                ),
                                Value::from(achievement),
                            ]);
                        }
                    }
                }
                if batch.concerns.len() >= 20_000 {
                    self.flush(&mut batch).await?;
                    progress("concerns", done, total);
                }
            }
        }
        self.flush(&mut batch).await?;
        progress("concerns", total, total);
        out.concerns = done;
        self.store.analyze().await?;
        let ctx = Ctx::default();
        let mut tx = self.store.begin_audited().await?;
        let mut e = crate::accounts::system_event(&ctx, now, "generate", "demo", None)?;
        e.detail = Some(format!(
            "synthetic records generated: {} people, {} concerns, {} enquiries (seed {})",
            out.people, out.concerns, out.enquiries, profile.seed
        ));
        tx.audit(e).await?;
        tx.commit().await?;
        self.store.checkpoint().await?;
        Ok(out)
    }

    /// The practitioners generated enquiries are shared between: the demo
    /// practitioner and, in each other team of the council, a synthetic
    /// colleague whose account cannot sign in (made once, reused after).
    async fn generated_workers(
        &self,
        practitioner: &str,
        now: OffsetDateTime,
    ) -> CoreResult<Vec<String>> {
        let Some(owner) = self.store.user_by_id(practitioner).await? else {
            return Ok(vec![practitioner.to_string()]);
        };
        let mut workers = vec![practitioner.to_string()];
        let mut rows = Vec::new();
        for team in self.store.list_teams().await? {
            if team.agency_id != owner.agency_id || owner.team_id.as_deref() == Some(&team.id) {
                continue;
            }
            let username = format!("synthetic.{}", team.name.to_lowercase().replace(' ', "-"));
            if let Some(u) = self.store.user_by_username(&username).await? {
                workers.push(u.id);
                continue;
            }
            let id = crate::new_uuid(now)?.to_string();
            rows.push(vec![
                Value::from(id.clone()),
                Value::from(username),
                Value::from(format!("{} worker (synthetic)", team.name)),
                Value::from("practitioner"),
                Value::from(owner.agency_id.clone()),
                Value::from(Some(team.id.clone())),
                // Not a password hash of anything: the account cannot sign in.
                Value::from("!"),
                Value::Bool(true),
                Value::from(unix_ms(now)),
            ]);
            workers.push(id);
        }
        if !rows.is_empty() {
            let mut tx = self.store.begin().await?;
            tx.bulk_insert(
                "users",
                &[
                    "id",
                    "username",
                    "display_name",
                    "role",
                    "agency_id",
                    "team_id",
                    "password_hash",
                    "disabled",
                    "created_at",
                ],
                &rows,
            )
            .await?;
            tx.commit().await?;
        }
        Ok(workers)
    }

    async fn flush(&self, b: &mut Batch) -> CoreResult<()> {
        let mut tx = self.store.begin().await?;
        tx.bulk_insert(
            "concerns",
            &[
                "id",
                "reference",
                "receipt_hash",
                "state",
                "raiser_kind",
                "channel",
                "received_at",
                "received_on",
                "what_happened",
                "location_type",
                "provider_id",
                "immediate_danger",
                "consent",
                "suspected_types",
                "decided_at",
            ],
            &b.concerns,
        )
        .await?;
        tx.bulk_insert(
            "concern_adults",
            &[
                "concern_id",
                "position",
                "description",
                "person_id",
                "support_reason",
            ],
            &b.adults,
        )
        .await?;
        tx.bulk_insert(
            "triage_decisions",
            &[
                "concern_id",
                "decided_at",
                "decided_by",
                "needs",
                "needs_evidence",
                "abuse",
                "abuse_evidence",
                "unable",
                "unable_evidence",
                "outcome",
                "reasons",
            ],
            &b.decisions,
        )
        .await?;
        tx.bulk_insert(
            "enquiries",
            &[
                "id",
                "concern_id",
                "person_id",
                "kind",
                "state",
                "lead_user_id",
                "started_on",
                "asked",
                "created_at",
                "support_reason",
            ],
            &b.enquiries,
        )
        .await?;
        tx.bulk_insert(
            "desired_outcomes",
            &[
                "id",
                "enquiry_id",
                "position",
                "text",
                "expressed_by",
                "expressed_on",
                "active",
                "achievement",
            ],
            &b.outcomes,
        )
        .await?;
        tx.bulk_insert(
            "enquiry_conclusions",
            &[
                "enquiry_id",
                "risk_types",
                "locations",
                "sources",
                "provider_id",
                "action_result",
                "risk_outcome",
                "capacity",
                "capacity_support",
                "asked",
                "concluded_on",
                "proposed_by",
                "proposed_at",
                "signed_off_by",
                "signed_off_at",
                "achievement",
            ],
            &b.conclusions,
        )
        .await?;
        tx.commit().await?;
        *b = Batch::default();
        Ok(())
    }
}

#[derive(Default)]
struct Batch {
    concerns: Vec<Vec<Value>>,
    adults: Vec<Vec<Value>>,
    decisions: Vec<Vec<Value>>,
    enquiries: Vec<Vec<Value>>,
    outcomes: Vec<Vec<Value>>,
    conclusions: Vec<Vec<Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers_and_ids() {
        let mut a = Rng(7);
        let mut b = Rng(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng(8).next(), xs[0]);
        let id = Rng(1).id(1_700_000_000_000);
        assert_eq!(id, Rng(1).id(1_700_000_000_000));
        assert_eq!(
            uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()).ok(),
            Some(7)
        );
    }

    #[test]
    fn picks_follow_their_weights() {
        let mut r = Rng(42);
        let n = 20_000;
        let hits = (0..n)
            .filter(|_| r.pick(&[("a", 3), ("b", 1)]) == "a")
            .count();
        let share = hits as f64 / f64::from(n);
        assert!((0.72..0.78).contains(&share), "{share}");
    }
}
