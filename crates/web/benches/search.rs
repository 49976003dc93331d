//! Benchmark: finding a person among `SEARCH_PEOPLE` (default 1,000,000)
//! synthetic people, on SQLite and (when `SAFEGUARD_TEST_POSTGRES_URL` is
//! set) PostgreSQL, through `GET /api/v1/people?q=` as a practitioner (so
//! every search is also audited, durably, as it is for users).
//!
//! For `SEARCH_QUERIES` (default 200) people picked at random it makes one
//! query of each kind — the name as written, prefixes, a letter wrong, two
//! letters swapped, family name first, a nickname, a sound-alike spelling,
//! and a misspelt name with the date of birth — and reports p50 and p99
//! latency and recall: how often the intended person is in the top 10
//! ("person"), and how often they or a record with exactly their names is
//! ("name": a name-only query cannot tell apart people with the same names,
//! nor — for a nickname — the people whose names it is short for).
//! In the same run, over the same rows, the search it replaced (a `LIKE`
//! scan per word) is timed on the exact queries as the baseline.
//!
//! Run: `cargo bench -p safeguard-web --bench search` (figures in
//! docs/performance.md); `BENCH_BACKENDS=sqlite` or `=postgres` runs one
//! backend; `SEARCH_DB=dir` keeps the SQLite database in `dir` between runs.

mod common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode, header};
use common::{call, env, p50_p99, router, token};
use safeguard_core::generate::Profile;
use safeguard_core::{CoreConfig, Safeguard};
use safeguard_domain::sac::Year;
use safeguard_domain::search::formal_names;
use safeguard_store::Store;
use safeguard_store::testing::{Backend, TestDb, fetch_rows_raw};

/// SplitMix64, for picking people and letters the same way every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// One person picked for queries.
struct Target {
    id: String,
    given: String,
    family: String,
    dob: Option<String>,
}

const NICKNAMES: &[&str] = &[
    "alf", "andy", "bill", "bob", "cathy", "chris", "dan", "dave", "di", "dick", "dot", "fred",
    "gerry", "harry", "jack", "jim", "jo", "joe", "kate", "kath", "ken", "len", "liz", "maggie",
    "mike", "mo", "nell", "nick", "pat", "peggy", "phil", "reg", "ron", "sam", "sid", "steve",
    "sue", "syl", "ted", "terry", "tom", "tony", "val", "vi", "walt",
];

/// Respellings that sound the same (or nearly), tried in order.
const SOUNDS: &[(&str, &str)] = &[
    ("ph", "f"),
    ("ck", "k"),
    ("ley", "lee"),
    ("field", "feild"),
    ("worth", "wurth"),
    ("wood", "wud"),
    ("by", "bee"),
    ("ham", "hamm"),
    ("hurst", "herst"),
    ("stead", "sted"),
    ("bridge", "bridj"),
    ("combe", "coom"),
    ("gate", "gait"),
    ("holme", "hoam"),
    ("shaw", "shor"),
    ("wick", "wik"),
    ("den", "don"),
    ("ton", "tun"),
    ("ford", "forde"),
    ("well", "wel"),
    ("more", "moor"),
    ("land", "lund"),
    ("ee", "ea"),
    ("ou", "ow"),
    ("y", "i"),
    ("ll", "l"),
    ("tt", "t"),
    ("ss", "s"),
    ("c", "k"),
    ("i", "y"),
    ("o", "a"),
];

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn typo(word: &str) -> String {
    let mut b: Vec<char> = word.to_lowercase().chars().collect();
    let i = b.len() / 2;
    if let Some(c) = b.get_mut(i)
        && c.is_ascii_lowercase()
    {
        *c = if *c == 'z' {
            'a'
        } else {
            (*c as u8 + 1) as char
        };
    }
    capital(&b.into_iter().collect::<String>())
}

fn transpose(word: &str) -> String {
    let mut b: Vec<char> = word.to_lowercase().chars().collect();
    let i = (b.len() / 2).max(1);
    if i < b.len() {
        b.swap(i - 1, i);
    }
    capital(&b.into_iter().collect::<String>())
}

fn sound_alike(word: &str) -> String {
    let w = word.to_lowercase();
    for (from, to) in SOUNDS {
        if let Some(pos) = w[1..].find(from) {
            let pos = pos + 1;
            return capital(&format!("{}{}{}", &w[..pos], to, &w[pos + from.len()..]));
        }
    }
    capital(&w)
}

fn prefix(word: &str, n: usize) -> String {
    word.chars().take(n.max(3)).collect()
}

fn nickname(given: &str) -> Option<&'static str> {
    let g = given.to_lowercase();
    NICKNAMES
        .iter()
        .find(|n| formal_names(n).contains(&g.as_str()))
        .copied()
}

fn dob_words(iso: &str) -> String {
    let p: Vec<&str> = iso.split('-').collect();
    format!(
        "{}/{}/{}",
        p[2].trim_start_matches('0'),
        p[1].trim_start_matches('0'),
        p[0]
    )
}

/// The queries of each kind for a target.
fn queries(t: &Target) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("exact", format!("{} {}", t.given, t.family)),
        (
            "prefix",
            format!("{} {}", prefix(&t.given, 3), prefix(&t.family, 4)),
        ),
        ("letter wrong", format!("{} {}", t.given, typo(&t.family))),
        (
            "letters swapped",
            format!("{} {}", transpose(&t.given), transpose(&t.family)),
        ),
        ("family name first", format!("{} {}", t.family, t.given)),
        (
            "sound-alike",
            format!("{} {}", t.given, sound_alike(&t.family)),
        ),
    ];
    if let Some(n) = nickname(&t.given) {
        out.push(("nickname", format!("{} {}", capital(n), t.family)));
    }
    if let Some(d) = &t.dob {
        out.push((
            "misspelt + date of birth",
            format!("{} {} {}", t.given, typo(&t.family), dob_words(d)),
        ));
    }
    out
}

#[derive(Default)]
struct Kind {
    times: Vec<Duration>,
    person: u32,
    name: u32,
    n: u32,
}

async fn pick(store: &Store, n: usize, rng: &mut Rng) -> Vec<Target> {
    // Generated ids are stamped one millisecond apart in the order they were
    // made (the first 48 bits): start at a random moment among them.
    let first = store.names_after("", 1).await.expect("names");
    let Some((first, ..)) = first.into_iter().next() else {
        return Vec::new();
    };
    let total = store.count_people().await.expect("count").max(1) as u64;
    let ms0 = u64::from_str_radix(&first.replace('-', "")[..12], 16).unwrap_or(0);
    let mut out = Vec::new();
    let mut tries = 0;
    while out.len() < n && tries < n * 20 {
        tries += 1;
        let ms = ms0 + rng.next() % total;
        let start = format!("{:08x}-{:04x}", ms >> 16, ms & 0xffff);
        let Some((id, given, family, _)) = store
            .names_after(&start, 1)
            .await
            .expect("names")
            .into_iter()
            .next()
        else {
            continue;
        };
        if out.iter().any(|t: &Target| t.id == id) {
            continue;
        }
        let dob = store
            .search_records(std::slice::from_ref(&id))
            .await
            .expect("record")
            .into_iter()
            .next()
            .and_then(|(r, _)| r.date_of_birth);
        out.push(Target {
            id,
            given,
            family,
            dob,
        });
    }
    out
}

async fn run(backend: Backend, people: u64, per_kind: usize) {
    let kept = std::env::var("SEARCH_DB")
        .ok()
        .filter(|_| backend == Backend::Sqlite);
    let (db, store) = match &kept {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("SEARCH_DB");
            let store = Store::open_data_dir(std::path::Path::new(dir))
                .await
                .expect("open SEARCH_DB");
            (None, store)
        }
        None => {
            let Some(db) = TestDb::new(backend).await else {
                return;
            };
            let store = db.store.clone();
            (Some(db), store)
        }
    };
    let core = Safeguard::new(store.clone(), CoreConfig::default());
    let today = time::OffsetDateTime::now_utc();
    let have = store.count_people().await.expect("count") as u64;
    let mut generated = Duration::ZERO;
    if have < people {
        let mut profile = Profile::new(
            u32::try_from(people).unwrap_or(u32::MAX),
            1,
            Year::containing(today.date()).previous(),
            11,
        );
        profile.concerns_per_person = 0.0;
        let t = Instant::now();
        core.generate(&profile, today, |_, _, _| {})
            .await
            .expect("generate");
        generated = t.elapsed();
    }
    let total = store.count_people().await.expect("count");
    let r = router(&core);
    let auth = (
        header::AUTHORIZATION,
        format!("Bearer {}", token(&r, "practitioner").await),
    );
    let mut rng = Rng(42);
    let targets = pick(&store, per_kind, &mut rng).await;
    let mut kinds: Vec<(&'static str, Kind)> = Vec::new();
    // Warm the caches as a day's use would.
    for t in targets.iter().take(20) {
        let q = format!("{} {}", t.given, t.family);
        let url = format!("/api/v1/people?q={}", urlencode(&q));
        call(
            &r,
            Method::GET,
            &url,
            std::slice::from_ref(&auth),
            String::new(),
        )
        .await;
    }
    for t in &targets {
        for (kind, q) in queries(t) {
            let url = format!("/api/v1/people?q={}", urlencode(&q));
            let started = Instant::now();
            let (status, _, body) = call(
                &r,
                Method::GET,
                &url,
                std::slice::from_ref(&auth),
                String::new(),
            )
            .await;
            let took = started.elapsed();
            assert_eq!(status, StatusCode::OK, "{q}: {body}");
            let v: serde_json::Value = serde_json::from_str(&body).expect("json");
            let top: Vec<&serde_json::Value> = v["people"]
                .as_array()
                .expect("people")
                .iter()
                .take(10)
                .collect();
            let person = top.iter().any(|p| p["id"] == t.id.as_str());
            // Records the query cannot tell from the intended person: the
            // same names, or — for a nickname — any name it is short for.
            let nick = (kind == "nickname").then(|| nickname(&t.given)).flatten();
            let name = person
                || top.iter().any(|p| {
                    let given = p["given_name"].as_str().unwrap_or("");
                    p["family_name"] == t.family.as_str()
                        && (given == t.given
                            || nick.is_some_and(|n| {
                                formal_names(n).contains(&given.to_lowercase().as_str())
                            }))
                });
            let k = match kinds.iter_mut().find(|(n, _)| *n == kind) {
                Some((_, k)) => k,
                None => {
                    kinds.push((kind, Kind::default()));
                    &mut kinds.last_mut().expect("pushed").1
                }
            };
            k.times.push(took);
            k.n += 1;
            k.person += u32::from(person);
            k.name += u32::from(name);
            if !name && std::env::var_os("SEARCH_SHOW_MISSES").is_some() {
                eprintln!("miss ({kind}): {q:?} for {} {}", t.given, t.family);
            }
        }
    }
    // The search this replaced: a LIKE scan per word, on the exact queries.
    let mut baseline = Vec::new();
    for t in targets.iter().take(20) {
        let a = format!("%{}%", t.given.to_lowercase());
        let b = format!("%{}%", t.family.to_lowercase());
        let started = Instant::now();
        fetch_rows_raw(
            &store,
            "SELECT id, given_name, family_name, date_of_birth, postcode FROM people \
             WHERE search_text LIKE $1 AND search_text LIKE $2 ORDER BY family_name, given_name, id LIMIT 50",
            &[&a, &b],
        )
        .await
        .expect("baseline");
        baseline.push(started.elapsed());
    }
    let name = format!("{backend:?}").to_lowercase();
    println!(
        "\n{name}: {total} people{}",
        if generated.is_zero() {
            String::new()
        } else {
            format!(" (generated in {:.0} s)", generated.as_secs_f64())
        }
    );
    println!("| query | n | p50 ms | p99 ms | person in top 10 | name in top 10 |");
    println!("|---|---|---|---|---|---|");
    let (mut miss_n, mut miss_name) = (0, 0);
    for (kind, k) in &mut kinds {
        let (p50, p99) = p50_p99(&mut k.times);
        if !matches!(*kind, "exact" | "prefix") {
            miss_n += k.n;
            miss_name += k.name;
        }
        println!(
            "| {kind} | {} | {p50:.1} | {p99:.1} | {:.1} % | {:.1} % |",
            k.n,
            100.0 * f64::from(k.person) / f64::from(k.n.max(1)),
            100.0 * f64::from(k.name) / f64::from(k.n.max(1)),
        );
    }
    let (b50, b99) = p50_p99(&mut baseline);
    println!(
        "misspelling set recall (name in top 10): {:.1} % of {miss_n}",
        100.0 * f64::from(miss_name) / f64::from(miss_n.max(1))
    );
    println!("baseline LIKE scan (exact queries, 20): p50 {b50:.1} ms, p99 {b99:.1} ms");
    drop(db);
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let people = env("SEARCH_PEOPLE", 1_000_000);
    let per_kind = env("SEARCH_QUERIES", 200) as usize;
    let only = std::env::var("BENCH_BACKENDS").unwrap_or_default();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = format!("{backend:?}").to_lowercase();
        if !only.is_empty() && !only.split(',').any(|b| b.trim() == name) {
            continue;
        }
        run(backend, people, per_kind).await;
    }
}
