//! The `safeguard` binary as an operator uses it, on SQLite and PostgreSQL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use safeguard_store::on_both_backends;
use safeguard_store::testing::{Backend, TestDb, drop_audit_guards, execute_raw};

const BIN: &str = env!("CARGO_BIN_EXE_safeguard");

/// The database arguments that reach the test database.
fn db_args(db: &TestDb) -> Vec<String> {
    match db.backend {
        Backend::Sqlite => {
            let dir = db
                .url
                .trim_start_matches("sqlite://")
                .trim_end_matches("/safeguard.db")
                .to_string();
            vec!["--data-dir".into(), dir]
        }
        Backend::Postgres => vec!["--database-url".into(), db.url.clone()],
    }
}

fn run(args: &[String], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("SAFEGUARD_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run safeguard");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

type Lines = std::io::Lines<BufReader<std::process::ChildStdout>>;

/// Starts `safeguard` with `args` (a `serve`), and reads the address it
/// prints first.
fn start(args: &[String]) -> (std::process::Child, String, Lines) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("SAFEGUARD_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    (child, addr, lines)
}

/// One HTTP/1.0 request over a real socket; the whole response.
fn http(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(request.as_bytes()).expect("request");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("response");
    resp
}

/// A public status check from the client `forwarded` claims (if any).
fn status_check(addr: &str, forwarded: Option<&str>) -> String {
    let body = r#"{"reference":"SG-0000-0000","receipt_code":"nope"}"#;
    let xff = forwarded
        .map(|f| format!("X-Forwarded-For: {f}\r\n"))
        .unwrap_or_default();
    http(
        addr,
        &format!(
            "POST /api/v1/public/concerns/status HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{xff}\r\n{body}",
            body.len()
        ),
    )
}

fn status_line(resp: &str) -> &str {
    resp.lines().next().unwrap_or("")
}

/// The public rate limit is enforced through a real socket: past the
/// allowance a client gets 429 in plain words; a forwarded-for header is
/// believed only from a configured trusted proxy.
async fn rate_limit_story(db: TestDb) {
    let mut a = args(
        &["serve", "--bind", "127.0.0.1:0", "--public-rate-limit", "3"],
        &db,
    );
    a.push("--log-format=json".into());
    let (mut child, addr, _lines) = start(&a);
    let answers: Vec<String> = (0..3)
        .map(|i| status_check(&addr, Some(&format!("203.0.113.{i}"))))
        .collect();
    let over = status_check(&addr, Some("203.0.113.99"));
    let _ = child.kill();
    let _ = child.wait();
    for r in &answers {
        assert!(status_line(r).contains(" 404"), "{r}");
    }
    // The header is not believed from an untrusted peer: one bucket.
    assert!(status_line(&over).contains(" 429"), "{over}");
    assert!(
        over.contains("Too many requests from this address"),
        "{over}"
    );
    assert!(over.to_ascii_lowercase().contains("retry-after:"), "{over}");

    let mut a = args(
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--public-rate-limit",
            "2",
            "--trusted-proxies",
            "127.0.0.1,10.0.0.0/8",
        ],
        &db,
    );
    a.push("--log-format=json".into());
    let (mut child, addr, _lines) = start(&a);
    let first = status_check(&addr, Some("198.51.100.1"));
    let second = status_check(&addr, Some("198.51.100.1, 10.1.2.3"));
    let third = status_check(&addr, Some("198.51.100.1"));
    let other = status_check(&addr, Some("198.51.100.2"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(status_line(&first).contains(" 404"), "{first}");
    assert!(status_line(&second).contains(" 404"), "{second}");
    assert!(status_line(&third).contains(" 429"), "{third}");
    assert!(status_line(&other).contains(" 404"), "{other}");
    db.finish().await;
}

/// Graceful shutdown: concerns keep arriving from eight clients when the
/// server is told to stop (SIGTERM); it stops taking new connections,
/// finishes the requests in flight and exits cleanly. Every concern
/// acknowledged is stored and no other, and the audit chain verifies.
async fn graceful_shutdown_story(db: TestDb) {
    let a = args(
        &["serve", "--bind", "127.0.0.1:0", "--public-rate-limit", "0"],
        &db,
    );
    let (mut child, addr, _lines) = start(&a);
    let body = r#"{"raiser_kind":"staff","raiser_name":"Dr A. Example","raiser_role":"GP","what_happened":"Bruising on both arms.","adults":[{"name":"Ada Example","age":"about 80"}],"immediate_danger":"no","consent":"yes","suspected_types":["physical"]}"#;
    let request = format!(
        "POST /api/v1/public/concerns HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (addr, request) = (addr.clone(), request.clone());
            std::thread::spawn(move || {
                let mut acknowledged = 0u64;
                let mut other = Vec::new();
                for _ in 0..5000 {
                    let Ok(mut s) = TcpStream::connect(&addr) else {
                        break;
                    };
                    if s.write_all(request.as_bytes()).is_err() {
                        break;
                    }
                    let mut resp = String::new();
                    if s.read_to_string(&mut resp).is_err() || resp.is_empty() {
                        break;
                    }
                    if status_line(&resp).contains(" 201") {
                        acknowledged += 1;
                    } else {
                        other.push(status_line(&resp).to_string());
                    }
                }
                (acknowledged, other)
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut acknowledged = 0;
    for c in clients {
        let (n, other) = c.join().expect("client");
        assert!(
            other.is_empty(),
            "only acknowledgements: {:?}",
            &other[..other.len().min(3)]
        );
        acknowledged += n;
    }
    let status = child.wait().expect("exit");
    assert!(status.success(), "a clean exit: {status:?}");
    assert!(acknowledged > 0, "concerns were arriving");
    let stored = safeguard_store::testing::count_raw(&db.store, "SELECT COUNT(*) FROM concerns")
        .await
        .expect("count");
    assert_eq!(
        stored, acknowledged as i64,
        "every concern acknowledged is stored, and no other"
    );
    let (code, out, err) = run(&args(&["audit", "verify"], &db), "");
    assert_eq!(code, 0, "{out}{err}");
    db.finish().await;
}

/// Backup, wipe, restore, verify: the restored database is the one backed
/// up (a change made since is gone), checked for integrity and an intact
/// audit chain; a disposal noted in the ledger since the backup is made
/// again; the anchors start afresh, so the chain verifies against them.
async fn backup_restore_story(db: TestDb) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, out, err) = run(&args(&["demo"], &db), "");
    assert_eq!(code, 0, "{out}{err}");
    let ada = db.store.people_named("ada brightwater").await.expect("q")[0]
        .id
        .to_string();
    let count = |store: safeguard_store::Store, sql: &'static str| async move {
        safeguard_store::testing::count_raw(&store, sql)
            .await
            .expect("count")
    };
    let tomasz = db.store.people_named("tomasz").await.expect("q")[0]
        .id
        .to_string();
    // A document on each of two records; the files are in the attachment
    // store, outside the database.
    let (ada_doc, ada_file) = released_attachment(&db.store, &ada, "ada-letter").await;
    let (tomasz_doc, tomasz_file) = released_attachment(&db.store, &tomasz, "tomasz-letter").await;
    let people = count(db.store.clone(), "SELECT COUNT(*) FROM people").await;
    let concerns = count(db.store.clone(), "SELECT COUNT(*) FROM concerns").await;
    let backup = dir.path().join("safeguard.backup");
    let (code, out, err) = run(
        &args(&["backup", "--out", &backup.to_string_lossy()], &db),
        "",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audit chain intact"), "{out}");
    assert!(out.contains("sha256"), "{out}");
    // The backup lists the attachments by hash, and found each in the store.
    assert!(
        out.contains("2 attachments listed by SHA-256")
            && out.contains("every one is in the attachment store and matches"),
        "{out}"
    );
    let manifest = std::fs::read_to_string(format!("{}.attachments", backup.display()))
        .expect("the attachment list beside the backup");
    for doc in [&ada_doc, &tomasz_doc] {
        assert!(manifest.contains(&format!(" released {doc}")), "{manifest}");
    }
    let (code, _, err) = run(
        &args(&["backup", "--out", &backup.to_string_lossy()], &db),
        "",
    );
    assert_ne!(code, 0, "an existing backup is never overwritten");
    assert!(err.contains("exists already"), "{err}");

    // Since the backup: an account added, and Ada's case file disposed of
    // (as the ledger notes it).
    let (code, out, err) = run(
        &args(
            &[
                "user",
                "add",
                "--username",
                "late.starter",
                "--role",
                "admin",
                "--password-stdin",
            ],
            &db,
        ),
        "correct horse battery\n",
    );
    assert_eq!(code, 0, "{out}{err}");
    let ledger = dir.path().join("disposal-ledger");
    std::fs::write(&ledger, format!("v1 1 person {ada}\n")).expect("ledger");
    let anchors = dir.path().join("audit-anchors");
    std::fs::write(
        &anchors,
        "v1 999999 0000000000000000000000000000000000000000000000000000000000000000 1 -\n",
    )
    .expect("anchors");

    // Wiped.
    match db.backend {
        Backend::Sqlite => {
            let file = db.url.trim_start_matches("sqlite://").to_string();
            for f in [file.clone(), format!("{file}-wal"), format!("{file}-shm")] {
                let _ = std::fs::remove_file(f);
            }
        }
        Backend::Postgres => {
            execute_raw(
                &db.store,
                "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
            )
            .await
            .expect("wipe");
        }
    }
    let restore = |verify: bool| {
        let mut a = args(&["restore", "--from", &backup.to_string_lossy()], &db);
        if verify {
            a.push("--verify".into());
        }
        a.push(format!("--disposal-ledger-file={}", ledger.display()));
        a.push(format!("--audit-anchor-file={}", anchors.display()));
        a
    };
    let (code, out, err) = run(&restore(true), "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("restored and verified"), "{out}");
    assert!(
        out.contains(&format!(
            "disposed of again (noted in the ledger since the backup): person {ada}"
        )),
        "{out}"
    );
    assert!(
        out.contains("audit anchors before the restore kept in"),
        "{out}"
    );
    // Ada's document went with her case file, row and file; Tomasz's stays.
    assert!(!ada_file.exists(), "disposed of again, with its file");
    assert!(tomasz_file.exists());

    let fresh = safeguard_store::Store::connect(&db.url)
        .await
        .expect("open");
    assert_eq!(
        count(fresh.clone(), "SELECT COUNT(*) FROM people").await,
        people - 1
    );
    assert!(count(fresh.clone(), "SELECT COUNT(*) FROM concerns").await <= concerns);
    assert_eq!(
        count(
            fresh.clone(),
            "SELECT COUNT(*) FROM users WHERE username = 'late.starter'"
        )
        .await,
        0,
        "the account added after the backup is not in it"
    );
    assert_eq!(
        count(
            fresh.clone(),
            "SELECT COUNT(*) FROM audit_events WHERE actor_name = 'safeguard restore'"
        )
        .await,
        1
    );
    let (code, out, err) = run(
        &args(
            &[
                "audit",
                "verify",
                &format!("--audit-anchor-file={}", anchors.display()),
            ],
            &db,
        ),
        "",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("agree with the chain"), "{out}");
    assert_eq!(
        count(
            fresh.clone(),
            "SELECT COUNT(*) FROM attachments WHERE owner_kind = 'person'"
        )
        .await,
        1
    );
    // A file the records refer to that is missing or changed fails the
    // restore's verification.
    std::fs::write(&tomasz_file, b"%PDF-1.7 changed").expect("write");
    let (code, out, _) = run(&restore(true), "");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "attachment {tomasz_doc}: does not match its SHA-256"
        )) && out.contains("verification FAILED"),
        "{out}"
    );
    // Restoring the same backup again brings Ada's file back with it: the
    // ledger disposes of it again, every time.
    let (code, out, _) = run(&restore(false), "");
    assert_eq!(code, 0);
    assert!(out.contains("restored from"), "{out}");
    assert!(out.contains(&format!("person {ada}")), "{out}");
    fresh.close().await;
    db.finish().await;
}

fn args(prefix: &[&str], db: &TestDb) -> Vec<String> {
    let mut a: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
    a.extend(db_args(db));
    if prefix.first() == Some(&"serve") {
        // Keep the server's audit anchors out of the working directory.
        let file = std::env::temp_dir().join(format!(
            "sg-anchors-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        a.push(format!("--audit-anchor-file={}", file.display()));
    }
    if matches!(prefix.first(), Some(&"serve" | &"backup" | &"restore")) {
        // And its attachments.
        a.push(format!(
            "--attachment-store={}",
            attachment_store().display()
        ));
    }
    a
}

/// Where the commands run here keep attachments: one directory for the
/// test process, under the target directory.
fn attachment_store() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-attachments-{}", std::process::id()))
}

/// Puts a released attachment on a person's record, as a clean scan
/// leaves it: its row and its file. Returns its id and file.
async fn released_attachment(
    store: &safeguard_store::Store,
    person: &str,
    text: &str,
) -> (String, std::path::PathBuf) {
    use sha2::Digest;
    let bytes = format!("%PDF-1.7\n% {text}\n").into_bytes();
    let id = format!("01900000-0000-7000-8000-{:012x}", rand_suffix());
    let file = attachment_store().join(format!("released/{id}"));
    std::fs::create_dir_all(file.parent().expect("dir")).expect("dir");
    std::fs::write(&file, &bytes).expect("file");
    let user = store
        .user_by_username("practitioner")
        .await
        .expect("user")
        .expect("exists");
    let mut tx = store.begin_audited().await.expect("tx");
    tx.insert_attachment(&safeguard_store::attachments::AttachmentRow {
        id: id.clone(),
        owner_kind: "person".into(),
        owner_id: person.into(),
        person_id: Some(person.into()),
        filename: format!("{text}.pdf"),
        content_type: "application/pdf".into(),
        size_bytes: bytes.len() as i64,
        sha256: sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        description: None,
        status: "released".into(),
        scan_result: Some("clean".into()),
        scanned_at: Some(1),
        uploaded_by: user.id,
        uploaded_by_name: "Test".into(),
        uploaded_at: 1,
    })
    .await
    .expect("row");
    tx.commit().await.expect("commit");
    (id, file)
}

/// A number unlikely to repeat within a test process.
fn rand_suffix() -> u64 {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    (t ^ N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) & 0xffff_ffff_ffff
}

/// The audit chain anchored outside the database: someone who can write
/// the database and recomputes every hash and the head is caught by the
/// anchors, and a forged anchor by its signature.
async fn audit_anchor_story(db: TestDb) {
    let add = args(
        &[
            "user",
            "add",
            "--username",
            "sam.admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &db,
    );
    assert_eq!(run(&add, "correct horse battery\n").0, 0);
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("audit.key");
    std::fs::write(&key, "0123456789abcdef0123456789abcdef-test-key\n").expect("key");
    let anchors = dir.path().join("anchors");
    let with = |cmd: &str, file: &std::path::Path| {
        let mut a = args(&["audit", cmd], &db);
        a.push(format!("--audit-anchor-file={}", file.display()));
        a.push(format!("--audit-key-file={}", key.display()));
        a
    };
    let (code, out, err) = run(&with("anchor", &anchors), "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(signed)"), "{out}");
    let (code, out, _) = run(&with("verify", &anchors), "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 anchors in"), "{out}");
    assert!(out.contains("signatures checked"), "{out}");

    // Someone who can write the database edits an event and recomputes
    // every hash and the head: the chain alone cannot tell.
    execute_raw(&db.store, drop_audit_guards(db.backend))
        .await
        .expect("drop guards");
    execute_raw(
        &db.store,
        "UPDATE audit_events SET actor_name = 'someone else' WHERE seq = 1",
    )
    .await
    .expect("edit");
    db.store.rewrite_audit_chain().await.expect("rewrite");
    let none = dir.path().join("no-anchors");
    let (code, out, _) = run(&with("verify", &none), "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no audit anchors"), "{out}");
    let (code, out, _) = run(&with("verify", &anchors), "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN") && out.contains("rewritten"), "{out}");

    // A forged anchor of the rewritten head fails its signature.
    let (seq, hash) = db.store.audit_head().await.expect("head");
    let forged = dir.path().join("forged");
    std::fs::write(&forged, format!("v1 {seq} {hash} 1 {}\n", "0".repeat(64))).expect("write");
    let (code, out, _) = run(&with("verify", &forged), "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not signed with the audit key"), "{out}");
    db.finish().await;
}

/// An operator adds accounts from the command line (password on standard
/// input), verifies the audit chain, and the verification catches tampering.
async fn operator_story(db: TestDb) {
    let add = args(
        &[
            "user",
            "add",
            "--username",
            "sam.admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &db,
    );
    let (code, out, err) = run(&add, "correct horse battery\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Added user sam.admin"));
    let (code, _, err) = run(&add, "correct horse battery\n");
    assert_eq!(code, 1);
    assert!(err.contains("already taken"), "{err}");
    // The operator disables, enables, ends sessions and sets passwords.
    let user = |cmd: &str| args(&["user", cmd, "--username", "sam.admin"], &db);
    let (code, out, err) = run(&user("disable"), "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Disabled sam.admin"), "{out}");
    let (code, out, _) = run(&user("sessions"), "");
    assert_eq!(code, 0);
    assert!(out.contains("sam.admin: Disabled"), "{out}");
    assert_eq!(run(&user("enable"), "").0, 0);
    assert_eq!(run(&user("end-sessions"), "").0, 0);
    // A lost phone: the operator clears the second factor (audited).
    let id = db
        .store
        .user_by_username("sam.admin")
        .await
        .expect("q")
        .expect("sam.admin")
        .id;
    let mut tx = db.store.begin().await.expect("tx");
    tx.put_confirmed_second_factor(&id, safeguard_core::demo::DEMO_TOTP_SECRET, 1)
        .await
        .expect("factor");
    tx.commit().await.expect("commit");
    let (code, out, err) = run(&user("reset-two-factor"), "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Reset the two-factor sign-in of sam.admin"),
        "{out}"
    );
    assert!(db.store.second_factor(&id).await.expect("q").is_none());
    let mut set = user("set-password");
    set.push("--password-stdin".into());
    let (code, _, err) = run(&set, "short\n");
    assert_eq!(code, 1);
    assert!(err.contains("password"), "{err}");
    let (code, out, err) = run(&set, "a new operator passphrase\n");
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(
        &args(&["user", "disable", "--username", "nobody.here"], &db),
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("No account"), "{err}");
    let weak = args(
        &[
            "user",
            "add",
            "--username",
            "kim",
            "--role",
            "practitioner",
            "--password-stdin",
        ],
        &db,
    );
    let (code, _, err) = run(&weak, "short\n");
    assert_eq!(code, 1);
    assert!(err.contains("password"), "{err}");
    let bad_role = args(
        &[
            "user",
            "add",
            "--username",
            "kim",
            "--role",
            "wizard",
            "--password-stdin",
        ],
        &db,
    );
    assert_eq!(run(&bad_role, "long enough password\n").0, 1);
    // A partner agency and team named for the first time are set up.
    let partner = args(
        &[
            "user",
            "add",
            "--username",
            "pc.lee",
            "--role",
            "partner",
            "--agency",
            "Example Constabulary",
            "--team",
            "Public Protection",
            "--password-stdin",
        ],
        &db,
    );
    let (code, out, err) = run(&partner, "another long password\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Created partner agency Example Constabulary"),
        "{out}"
    );
    let pc = db
        .store
        .user_by_username("pc.lee")
        .await
        .expect("q")
        .expect("added");
    assert_eq!(
        (
            pc.agency_name.as_str(),
            pc.agency_is_owner,
            pc.team_name.as_deref()
        ),
        ("Example Constabulary", false, Some("Public Protection"))
    );
    let user = db
        .store
        .user_by_username("sam.admin")
        .await
        .expect("q")
        .expect("added");
    assert!(
        user.password_hash.starts_with("$argon2id$"),
        "argon2id hashes"
    );

    let verify = args(&["audit", "verify"], &db);
    let (code, out, _) = run(&verify, "");
    assert_eq!(code, 0, "{out}");
    // Five accounts and agencies made, and the operator's six account
    // actions above (disable, view, enable, end sessions, two-factor
    // reset, set password).
    assert!(
        out.contains("audit chain intact: 11 events verified"),
        "{out}"
    );

    execute_raw(&db.store, drop_audit_guards(db.backend))
        .await
        .expect("drop guards");
    execute_raw(
        &db.store,
        "UPDATE audit_events SET detail = 'role practitioner' WHERE seq = 2",
    )
    .await
    .expect("tamper");
    let (code, out, _) = run(&verify, "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at event 2"), "{out}");
    db.finish().await;
}

/// `serve --demo` also generates a volume over the last two financial
/// years, so the last complete year has concluded enquiries to count.
async fn demo_volume_story(db: TestDb) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut a = args(
        &[
            "serve",
            "--demo",
            "--demo-people",
            "300",
            "--bind",
            "127.0.0.1:0",
        ],
        &db,
    );
    a.retain(|x| !x.starts_with("--audit-anchor-file"));
    a.push(format!(
        "--audit-anchor-file={}",
        dir.path().join("anchors").display()
    ));
    let (mut child, _addr, mut lines) = start(&a);
    let mut printed = String::new();
    for _ in 0..11 {
        printed.push_str(&lines.next().expect("line").expect("utf-8"));
        printed.push('\n');
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        printed.contains("Demo volume: 300 synthetic people"),
        "{printed}"
    );
    let today = time::OffsetDateTime::now_utc().date();
    let last = safeguard_domain::sac::Year::containing(today).previous();
    let concluded = safeguard_store::testing::count_raw(
        &db.store,
        &format!(
            "SELECT COUNT(*) FROM enquiry_conclusions WHERE signed_off_at IS NOT NULL \
             AND concluded_on >= '{}' AND concluded_on <= '{}'",
            safeguard_domain::person::iso_date(last.first_day()),
            safeguard_domain::person::iso_date(last.last_day())
        ),
    )
    .await
    .expect("count");
    assert!(
        concluded > 0,
        "the last complete year has concluded enquiries"
    );
    db.finish().await;
}

/// `serve --demo` starts on the database, loads the demo data, prints where
/// to sign in and the demo accounts, and answers /health.
async fn serve_story(db: TestDb) {
    let dir = tempfile::tempdir().expect("temp dir");
    let anchors = dir.path().join("anchors");
    // The worked demo alone (the generated volume is checked on its own).
    let mut a = args(
        &[
            "serve",
            "--demo",
            "--demo-people",
            "0",
            "--bind",
            "127.0.0.1:0",
        ],
        &db,
    );
    a.push("--log-format=json".into());
    a.retain(|x| !x.starts_with("--audit-anchor-file"));
    a.push(format!("--audit-anchor-file={}", anchors.display()));
    let (mut child, addr, mut lines) = start(&a);
    let mut printed = String::new();
    for _ in 0..10 {
        printed.push_str(&lines.next().expect("line").expect("utf-8"));
        printed.push('\n');
    }
    assert!(printed.contains("safeguard-demo"), "{printed}");
    assert!(
        printed.contains(safeguard_core::demo::DEMO_TOTP_SECRET),
        "the demo's authenticator key is printed: {printed}"
    );
    for role in [
        "practitioner",
        "manager",
        "partner",
        "lead",
        "analyst",
        "dpo",
        "admin",
    ] {
        assert!(printed.contains(role), "{role} not listed: {printed}");
    }
    let resp = http(&addr, "GET /health HTTP/1.0\r\nHost: x\r\n\r\n");
    // The binary carries its styles, however it was built (the compiled
    // assets are committed).
    let css = http(
        &addr,
        "GET /assets/safeguard.css HTTP/1.0\r\nHost: x\r\n\r\n",
    );
    assert!(css.contains(".govuk-button"), "styled");
    let anchored =
        std::fs::read_to_string(&anchors).expect("the server anchors the chain at start");
    assert!(anchored.starts_with("v1 "), "{anchored}");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        resp.starts_with("HTTP/1.0 200") || resp.starts_with("HTTP/1.1 200"),
        "{resp}"
    );
    let backend = if db.backend == Backend::Sqlite {
        "sqlite"
    } else {
        "postgres"
    };
    assert!(
        resp.contains(&format!("\"backend\":\"{backend}\"")),
        "{resp}"
    );
    // The seven sign-in accounts, two colleagues in the training figures and
    // an independent auditor from another team.
    assert_eq!(db.store.count_users().await.expect("count"), 10);
    assert_eq!(db.store.count_people().await.expect("count"), 8);
    // Casework: four enquiries, and case-file audits last quarter (all
    // moderated) and this (one at each stage), with mixed grades.
    assert_eq!(
        safeguard_store::testing::count_raw(&db.store, "SELECT COUNT(*) FROM enquiries")
            .await
            .expect("count"),
        4
    );
    for (state, n) in [("open", 2), ("awaiting_sign_off", 1), ("concluded", 1)] {
        assert_eq!(
            safeguard_store::testing::count_raw(
                &db.store,
                &format!("SELECT COUNT(*) FROM enquiries WHERE state = '{state}'")
            )
            .await
            .expect("count"),
            n,
            "enquiries at every stage: {state}"
        );
    }
    assert_eq!(
        safeguard_store::testing::count_raw(
            &db.store,
            "SELECT COUNT(*) FROM concerns c WHERE NOT EXISTS \
             (SELECT 1 FROM triage_decisions d WHERE d.concern_id = c.id)"
        )
        .await
        .expect("count"),
        5,
        "five concerns waiting for a decision (three planted as patterns)"
    );
    // The planted patterns raised their alerts as the concerns arrived.
    // (Grace and Tomasz each had a concern before; other demo people too.)
    assert!(
        safeguard_store::testing::count_raw(
            &db.store,
            "SELECT COUNT(*) FROM pattern_alerts WHERE rule = 'repeat_adult'"
        )
        .await
        .expect("count")
            >= 2,
        "repeat concerns about Grace and Tomasz"
    );
    for (rule, n) in [("provider", 1), ("cqc_prompt", 1), ("alleged_person", 1)] {
        assert_eq!(
            safeguard_store::testing::count_raw(
                &db.store,
                &format!("SELECT COUNT(*) FROM pattern_alerts WHERE rule = '{rule}'")
            )
            .await
            .expect("count"),
            n,
            "demo alert: {rule}"
        );
    }
    assert_eq!(
        safeguard_store::testing::count_raw(
            &db.store,
            "SELECT COUNT(*) FROM providers WHERE name = 'Larchfield House'"
        )
        .await
        .expect("count"),
        2,
        "two providers of the same name, told apart by address"
    );
    let audits = db.store.case_audits().await.expect("audits");
    assert_eq!(audits.len(), 7, "four last quarter, a sample of three this");
    assert_eq!(
        audits.iter().filter(|a| a.moderated_at.is_some()).count(),
        5
    );
    assert_eq!(
        audits
            .iter()
            .filter(|a| a.graded_at.is_none() && a.auditor_id.is_some())
            .count(),
        1
    );
    assert_eq!(audits.iter().filter(|a| a.response.is_some()).count(), 1);
    let facts = db.store.case_audit_facts().await.expect("facts");
    for grade in ["outstanding", "good", "requires_improvement", "inadequate"] {
        assert!(
            facts.iter().any(|f| f.grade == grade),
            "mixed grades: {grade}"
        );
    }
    db.finish().await;
}

/// `demo --people` generates synthetic records; `report sac` writes the
/// return as one CSV per table, with totals that match the records.
async fn sac_report_story(db: TestDb) {
    let generate = args(
        &[
            "demo",
            "--people",
            "300",
            "--years",
            "2",
            "--end-year",
            "2025-26",
            "--seed",
            "5",
        ],
        &db,
    );
    let (code, out, err) = run(&generate, "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Generated 300 people"), "{out}");
    // Every generated person is an adult on 31 March of the first year (2024-25).
    let minors = safeguard_store::testing::count_raw(
        &db.store,
        "SELECT COUNT(*) FROM people WHERE date_of_birth > '2007-03-31'",
    )
    .await
    .expect("count");
    assert_eq!(minors, 0, "no one generated is under 18 in any year");
    let dir = std::env::temp_dir().join(format!("sac-{}-{:?}", std::process::id(), db.backend));
    let mut report = args(&["report", "sac", "--year", "2025-26", "--out"], &db);
    report.insert(5, dir.display().to_string());
    let (code, out, err) = run(&report, "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("16 tables written"), "{out}");
    let sg1f = std::fs::read_to_string(dir.join("SG1f.csv")).expect("SG1f.csv");
    let total = |label: &str| -> i64 {
        sg1f.lines()
            .find_map(|l| l.strip_prefix(&format!("{label},")))
            .and_then(|n| n.parse().ok())
            .unwrap_or(-1)
    };
    let concerns = safeguard_store::testing::count_raw(
        &db.store,
        "SELECT COUNT(*) FROM concern_adults ca JOIN concerns c ON c.id = ca.concern_id \
             WHERE c.received_on >= '2025-04-01' AND c.received_on <= '2026-03-31'",
    )
    .await
    .expect("count");
    assert!(concerns > 0);
    assert_eq!(total("Total Number of Safeguarding Concerns"), concerns);
    let s42 = safeguard_store::testing::count_raw(
        &db.store,
        "SELECT COUNT(*) FROM enquiries WHERE kind = 'section_42' \
             AND started_on >= '2025-04-01' AND started_on <= '2026-03-31'",
    )
    .await
    .expect("count");
    assert_eq!(
        total("Total Number of Section 42 Safeguarding Enquiries"),
        s42
    );
    let sg2c = std::fs::read_to_string(dir.join("SG2c.csv")).expect("SG2c.csv");
    assert!(sg2c.starts_with("Action taken and result,Number of enquiries\r\n"));
    let (code, _, err) = run(
        &args(&["report", "sac", "--year", "2025", "--out", "/tmp/x"], &db),
        "",
    );
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    db.finish().await;
}

on_both_backends! {
    sac_report_from_generated_records => super::sac_report_story;
    operator_adds_users_and_verifies_audit => super::operator_story;
    serve_with_demo_data => super::serve_story;
    graceful_shutdown_keeps_every_acknowledged_write => super::graceful_shutdown_story;
    backup_wipe_restore_verify => super::backup_restore_story;
    serve_demo_has_a_concluded_year => super::demo_volume_story;
    public_rate_limit_through_a_real_socket => super::rate_limit_story;
    audit_chain_anchored_outside_the_database => super::audit_anchor_story;
}
