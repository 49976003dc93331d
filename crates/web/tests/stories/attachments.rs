//! Attachments: a document, a photo and a recording kept with a person's
//! record, a concern and an enquiry; checked by their first bytes, their
//! SHA-256 in the audit chain, scanned by a real clamd (a made-up
//! signature) before anyone can open them, photos served without their
//! location, and read only with the access of their record (need-to-know,
//! restriction and emergency opening, partner shares, subject access,
//! disposal).

use axum::http::{Method, StatusCode, header};
use safeguard_store::testing::{TestDb, count_raw};
use sha2::{Digest, Sha256};

use crate::enquiries::{concern_about, enquiry_for};
use crate::support::{Api, Clamd, TEST_SIGNATURE_TEXT, TestApp, attachment_dir};

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% {text}\n%%EOF\n").into_bytes()
}

/// A JPEG whose Exif says where it was taken.
fn photo_with_location() -> Vec<u8> {
    let seg = |m: u8, payload: &[u8]| {
        let mut s = vec![0xFF, m];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    };
    let mut b = vec![0xFF, 0xD8];
    b.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    b.extend(seg(
        0xE1,
        b"Exif\0\0MM\0*GPSLatitude 53.4808 N GPSLongitude 2.2426 W",
    ));
    b.extend(seg(0xDB, &[0u8; 65]));
    b.extend(seg(0xDA, &[1, 1, 0, 0, 63, 0]));
    b.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]);
    b
}

/// The audit events about one subject.
async fn trail(app: &TestApp, subject: &str) -> Vec<safeguard_store::audit::AuditEvent> {
    app.db
        .store
        .list_audit(
            &safeguard_store::audit::AuditFilter {
                subject_id: Some(subject.to_string()),
                ..Default::default()
            },
            100,
        )
        .await
        .expect("audit")
}

/// Whether the trail has an event of `action` with `outcome` whose detail
/// holds `detail`.
async fn audited(app: &TestApp, subject: &str, action: &str, outcome: &str, detail: &str) -> bool {
    trail(app, subject).await.iter().any(|e| {
        e.action == action
            && e.outcome == outcome
            && e.detail.as_deref().unwrap_or_default().contains(detail)
    })
}

fn hex_sha(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// The id of the newest attachment the page lists, from its `?added=` link.
fn added_id(location: &str) -> String {
    location
        .split("added=")
        .nth(1)
        .expect("the page names the file added")
        .to_string()
}

pub async fn attachments_story(db: TestDb) {
    let Some(clamd) = Clamd::start().await else {
        db.finish().await;
        return;
    };
    let app = TestApp::with_config(db, clamd.config()).await;
    let (ada, eid, manager) = enquiry_for(&app, "ada brightwater").await;

    // A practitioner adds a letter to Ada's record through the page.
    let mut b = app.browser();
    b.login_ok("practitioner").await;
    let page = b.get(&format!("/people/{ada}")).await;
    assert!(page.contains(&format!("/people/{ada}/documents")));
    let page = b.get(&format!("/people/{ada}/documents")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("None added yet") && page.contains("enctype=\"multipart/form-data\""));
    let letter = pdf("Letter from the GP about Ada's medication");
    let added = b
        .post_file(
            &format!("/people/{ada}/documents"),
            &[("description", "GP's letter, 2 December")],
            ("GP letter.pdf", "application/pdf", &letter),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let letter_id = added_id(added.location());
    // Not signed in: sent to sign in, the file not read; a form token that
    // is not the session's: refused. Neither keeps anything.
    let mut anon = app.browser();
    let away = anon
        .post_file(
            &format!("/people/{ada}/documents"),
            &[],
            ("x.pdf", "application/pdf", &letter),
        )
        .await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    assert!(away.location().starts_with("/login"), "{}", away.location());
    let mut forged = app.browser();
    forged.login_ok("practitioner").await;
    forged.csrf = Some("not-the-session-token".into());
    let refused = forged
        .post_file(
            &format!("/people/{ada}/documents"),
            &[],
            ("x.pdf", "application/pdf", &letter),
        )
        .await;
    assert!(
        refused.contains("This form has expired"),
        "{}",
        refused.status
    );
    let page = b.get(added.location()).await;
    assert!(page.contains("GP letter.pdf was added") && page.contains("checked for viruses"));
    assert!(page.contains("letter, 2 December"), "the description");
    assert!(page.contains(&format!("/documents/{letter_id}")));

    // The SHA-256 of the original is in the audit chain; the scan too.
    let sha = hex_sha(&letter);
    let store = &app.db.store;
    assert!(
        audited(
            &app,
            &letter_id,
            "attach",
            "success",
            &format!("sha256 {sha}")
        )
        .await
    );
    assert!(audited(&app, &letter_id, "scan", "success", "clean").await);
    assert!(
        attachment_dir()
            .join(format!("released/{letter_id}"))
            .exists(),
        "a clean file is released"
    );
    assert!(
        !attachment_dir()
            .join(format!("quarantine/{letter_id}"))
            .exists()
    );

    // Downloaded as it was, never sniffed, sandboxed; the download audited.
    let (status, headers, body) = b.get_bytes(&format!("/documents/{letter_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, letter);
    assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii")
            .starts_with("attachment; filename=\"GP letter.pdf\"")
    );
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii")
            .contains("sandbox")
    );
    assert!(audited(&app, &letter_id, "view", "success", &sha).await);

    // The kind comes from the contents: a PNG named .pdf, a program and
    // plain text are refused, with nothing kept.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\0\0\0\0\0\0\0\0\0\0\0\0IEND\0\0\0\0".to_vec();
    let form = b.get(&format!("/people/{ada}/documents")).await;
    assert_eq!(form.status, StatusCode::OK);
    let refused = b
        .post_file(
            &format!("/people/{ada}/documents"),
            &[],
            ("report.pdf", "application/pdf", &png),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.contains("PNG picture, but its name ends .pdf"),
        "{}",
        refused.body
    );
    let p = app.api_as("practitioner").await;
    let files = format!("/api/v1/people/{ada}/attachments");
    for (name, bytes) in [
        (
            "setup.pdf",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff".to_vec(),
        ),
        ("notes.pdf", b"just some words".to_vec()),
    ] {
        let (status, _, body) = p
            .call_bytes(
                Method::POST,
                &format!("{files}?filename={name}"),
                Some(("application/octet-stream", bytes)),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(String::from_utf8_lossy(&body).contains("cannot be added"));
    }
    // Larger than any other form, up to 25 MB; over it, refused.
    let big = pdf(&"x".repeat(600 * 1024));
    b.get(&format!("/people/{ada}/documents")).await;
    let taken = b
        .post_file(
            &format!("/people/{ada}/documents"),
            &[],
            ("scan.pdf", "application/pdf", &big),
        )
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    let too_big = pdf(&"x".repeat(26 * 1024 * 1024));
    b.get(&format!("/people/{ada}/documents")).await;
    let refused = b
        .post_file(
            &format!("/people/{ada}/documents"),
            &[],
            ("huge.pdf", "application/pdf", &too_big),
        )
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, _) = p
        .call_bytes(
            Method::POST,
            &format!("{files}?filename=huge.pdf"),
            Some(("application/pdf", too_big)),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let rows = format!("SELECT COUNT(*) FROM attachments WHERE owner_id = '{ada}'");
    assert_eq!(count_raw(store, &rows).await.expect("count"), 2);

    // A photo is served without where it was taken; its hash is the
    // original's.
    let photo = photo_with_location();
    let made = p
        .upload(
            &format!("{files}?filename=arm.jpg&description=Bruise%2C%20with%20her%20agreement"),
            "image/jpeg",
            photo.clone(),
        )
        .await;
    assert_eq!(made["status"], "released");
    assert_eq!(made["content_type"], "image/jpeg");
    assert_eq!(made["sha256"], hex_sha(&photo));
    let photo_id = made["id"].as_str().expect("id").to_string();
    let (status, headers, shown) = p
        .call_bytes(
            Method::GET,
            &format!("/api/v1/attachments/{photo_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    assert!(
        !String::from_utf8_lossy(&shown).contains("GPS"),
        "location removed"
    );
    assert!(shown.starts_with(&[0xFF, 0xD8]) && shown.ends_with(&[0xFF, 0xD9]));
    assert_ne!(shown, photo);

    // An infected file is held in quarantine and never served.
    let bad = p
        .upload(
            &format!("{files}?filename=invoice.pdf"),
            "application/pdf",
            pdf(TEST_SIGNATURE_TEXT),
        )
        .await;
    assert_eq!(bad["status"], "infected");
    let bad_id = bad["id"].as_str().expect("id").to_string();
    let (status, _, _) = p
        .call_bytes(Method::GET, &format!("/api/v1/attachments/{bad_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        attachment_dir()
            .join(format!("quarantine/{bad_id}"))
            .exists()
    );
    assert!(!attachment_dir().join(format!("released/{bad_id}")).exists());
    assert!(audited(&app, &bad_id, "scan", "denied", "Safeguard.Test.Signature").await);
    let page = b.get(&format!("/people/{ada}/documents")).await;
    assert!(page.contains("Virus found: withheld"));
    assert!(!page.contains(&format!("/documents/{bad_id}")));
    let listed = p.call(Method::GET, &files, None).await.json();
    assert_eq!(listed.as_array().expect("list").len(), 4);

    // Only those who may open the record: not a partner, an analyst or an
    // administrator, nor another team's practitioner.
    app.add_user("north.worker", "practitioner", "", "North Locality Team")
        .await;
    for who in ["partner", "analyst", "admin", "north.worker"] {
        let api = app.api_as(who).await;
        let (status, _, _) = api
            .call_bytes(
                Method::GET,
                &format!("/api/v1/attachments/{letter_id}"),
                None,
            )
            .await;
        assert!(
            matches!(status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{who}: {status}"
        );
        let (status, _, _) = api
            .call_bytes(
                Method::POST,
                &format!("{files}?filename=x.pdf"),
                Some(("application/pdf", pdf("x"))),
            )
            .await;
        assert!(
            matches!(status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{who} adds: {status}"
        );
    }

    // Restricted: the file goes with the record; an emergency opening opens
    // both, and both are audited.
    let r = manager
        .call(
            Method::PUT,
            &format!("/api/v1/people/{ada}/restriction"),
            Some(r#"{"reason":"Her son works in the Hub","contact":"Martin Lowe, 01632 960000"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let (status, _, _) = p
        .call_bytes(
            Method::GET,
            &format!("/api/v1/attachments/{letter_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "restricted");
    let mut nb = app.browser();
    nb.login_ok("north.worker").await;
    nb.get(&format!("/people/{ada}")).await;
    let opened = nb
        .post(
            &format!("/people/{ada}/break-glass"),
            &[(
                "reason",
                "Police at the door out of hours; need the GP letter now",
            )],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let (status, _, body) = nb.get_bytes(&format!("/documents/{letter_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, letter);
    let r = manager
        .call(
            Method::DELETE,
            &format!("/api/v1/people/{ada}/restriction"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // The enquiry's documents reach a partner agency only when a share
    // names them.
    let eq_files = format!("/api/v1/enquiries/{eid}/attachments");
    let minutes = pdf("Minutes of the strategy meeting");
    let m = p
        .upload(
            &format!("{eq_files}?filename=minutes.pdf"),
            "application/pdf",
            minutes.clone(),
        )
        .await;
    let minutes_id = m["id"].as_str().expect("id").to_string();
    app.add_user(
        "nhs.nurse",
        "partner",
        "Northbridge Hospitals NHS Trust",
        "Safeguarding Team",
    )
    .await;
    let nurse = app.api_as("nhs.nurse").await;
    let share = |parts: &str| {
        format!(
            r#"{{"what":"The plan","agency":"Northbridge Hospitals NHS Trust","purpose":"Discharge planning",
            "article6":"public_task","article9":"health_social_care","consent":"given","parts":[{parts}]}}"#
        )
    };
    let shared = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/shares"),
            Some(&share(r#""plan""#)),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.body);
    let seen = nurse.call(Method::GET, &eq_files, None).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.json(), serde_json::json!([]), "not shared: not listed");
    let (status, _, _) = nurse
        .call_bytes(
            Method::GET,
            &format!("/api/v1/attachments/{minutes_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let shared = p
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/shares"),
            Some(&share(r#""documents""#)),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.body);
    let seen = nurse.call(Method::GET, &eq_files, None).await.json();
    assert_eq!(seen[0]["filename"], "minutes.pdf");
    let (status, _, body) = nurse
        .call_bytes(
            Method::GET,
            &format!("/api/v1/attachments/{minutes_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, minutes);
    // Read-only: a partner adds nothing.
    let (status, _, _) = nurse
        .call_bytes(
            Method::POST,
            &format!("{eq_files}?filename=y.pdf"),
            Some(("application/pdf", pdf("y"))),
        )
        .await;
    assert!(matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));

    // A concern's documents: council case workers.
    let (cid, _) = concern_about(&app, "tomasz").await;
    let c = p
        .upload(
            &format!("/api/v1/concerns/{cid}/attachments?filename=call-note.pdf"),
            "application/pdf",
            pdf("Note of the call"),
        )
        .await;
    assert_eq!(c["kept_with"], "concern");
    let page = b.get(&format!("/concerns/{cid}/documents")).await;
    assert!(page.contains("call-note.pdf"));

    // Subject access: the DPO's copy lists the documents and supplies the
    // released ones, unless withheld.
    let mut d = app.browser();
    d.login_ok("dpo").await;
    let form = d.get(&format!("/audit/people/{ada}/sar")).await;
    assert!(
        form.contains(&format!("attachment:{letter_id}")),
        "the DPO may withhold it"
    );
    let copy = d
        .post(
            &format!("/audit/people/{ada}/sar"),
            &[("withhold", &format!("attachment:{photo_id}"))],
        )
        .await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.body);
    assert!(copy.contains("GP letter.pdf") && copy.contains("minutes.pdf"));
    let letter_link = format!("/audit/people/{ada}/sar/documents/{letter_id}");
    assert!(copy.contains(&letter_link));
    assert!(
        !copy.contains(&format!("/sar/documents/{photo_id}")),
        "withheld"
    );
    assert!(
        !copy.contains(&format!("/sar/documents/{bad_id}")),
        "infected"
    );
    let (status, _, body) = d.get_bytes(&letter_link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, letter);
    let (status, _, _) = b.get_bytes(&letter_link).await;
    assert_ne!(
        status,
        StatusCode::OK,
        "the practitioner makes no subject access copy"
    );

    // The audit chain holds.
    assert!(matches!(
        app.db.store.verify_audit().await.expect("verify"),
        safeguard_store::audit::Verification::Intact { .. }
    ));
    drop(clamd);
    app.finish().await;
}

/// Without a scanner a file waits in quarantine, unopenable, and is
/// scanned once one answers.
pub async fn quarantine_story(db: TestDb) {
    let app = TestApp::new(db).await;
    let ada = app.person_id("ada brightwater").await;
    let p = app.api_as("practitioner").await;
    let letter = pdf("Waiting for its scan");
    let made = p
        .upload(
            &format!("/api/v1/people/{ada}/attachments?filename=waiting.pdf"),
            "application/pdf",
            letter.clone(),
        )
        .await;
    assert_eq!(made["status"], "quarantined");
    let id = made["id"].as_str().expect("id").to_string();
    let (status, _, _) = p
        .call_bytes(Method::GET, &format!("/api/v1/attachments/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.core
            .scan_quarantined(time::OffsetDateTime::now_utc())
            .await
            .expect("no scanner, nothing scanned"),
        0
    );
    let Some(clamd) = Clamd::start().await else {
        app.finish().await;
        return;
    };
    let (core, router) = crate::support::router_with(app.db.store.clone(), clamd.config());
    assert!(
        core.scan_quarantined(time::OffsetDateTime::now_utc())
            .await
            .expect("scanned")
            >= 1
    );
    let mut api = Api {
        router,
        token: None,
    };
    api.sign_in("practitioner").await;
    let (status, _, body) = api
        .call_bytes(Method::GET, &format!("/api/v1/attachments/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, letter);
    // A file changed in the store behind Safeguard's back is refused.
    std::fs::write(
        attachment_dir().join(format!("released/{id}")),
        b"%PDF-1.7 tampered",
    )
    .expect("write");
    let (status, _, _) = api
        .call_bytes(Method::GET, &format!("/api/v1/attachments/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let bad = core.check_attachment_files().await.expect("check");
    assert!(
        bad.iter()
            .any(|(i, why)| i == &id && why.contains("SHA-256")),
        "{bad:?}"
    );
    drop(clamd);
    app.finish().await;
}

/// An S3-compatible server on loopback (moto's, installed by
/// `scripts/s3-server`), stopped when dropped.
struct S3Server {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_s3() -> Option<S3Server> {
    let command = std::env::var_os("SAFEGUARD_TEST_S3_SERVER")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/s3-venv/bin/moto_server");
            p.exists().then_some(p)
        });
    let Some(command) = command else {
        assert!(
            std::env::var_os("SAFEGUARD_REQUIRE_S3").is_none(),
            "an S3-compatible server is required (SAFEGUARD_REQUIRE_S3 is set): run scripts/s3-server"
        );
        eprintln!(
            "\n==== WARNING: S3-compatible attachment storage SKIPPED: no server (run scripts/s3-server; scripts/test does) ====\n"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port();
    let server = S3Server {
        child: std::process::Command::new(&command)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", command.display())),
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let http = openidconnect::reqwest::Client::new();
    for _ in 0..300 {
        if http.get(&server.endpoint).send().await.is_ok() {
            return Some(server);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the S3-compatible server did not answer at {}",
        server.endpoint
    );
}

/// Attachments kept in S3-compatible storage (configured as `s3://bucket/prefix`)
/// work as in a directory: stored, scanned when clamd is there, read back
/// checked against their hash, deleted with their record's disposal.
pub async fn s3_story(db: TestDb) {
    let Some(s3) = start_s3().await else {
        db.finish().await;
        return;
    };
    let http = openidconnect::reqwest::Client::new();
    let bucket = "safeguard-test";
    let made = http
        .put(format!("{}/{bucket}", s3.endpoint))
        .send()
        .await
        .expect("make the bucket");
    assert!(made.status().is_success(), "{}", made.status());
    let clamd = Clamd::start().await;
    let scanner = clamd
        .as_ref()
        .map(|c| safeguard_core::attachments::Scanner::Unix(c.socket.clone()));
    let settings = safeguard_core::attachments::AttachmentSettings::s3_with(
        &format!("s3://{bucket}/council"),
        scanner,
        &[
            ("aws_endpoint", s3.endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_access_key_id", "test"),
            ("aws_secret_access_key", "test"),
            ("aws_region", "eu-west-2"),
            ("aws_virtual_hosted_style_request", "false"),
        ],
    )
    .expect("S3 settings");
    let app = TestApp::with_config(
        db,
        safeguard_core::CoreConfig {
            attachments: Some(settings),
            ..crate::support::config()
        },
    )
    .await;
    let ada = app.person_id("ada brightwater").await;
    let p = app.api_as("practitioner").await;
    let letter = pdf("Kept in the council's bucket");
    let made = p
        .upload(
            &format!("/api/v1/people/{ada}/attachments?filename=bucket.pdf"),
            "application/pdf",
            letter.clone(),
        )
        .await;
    let id = made["id"].as_str().expect("id").to_string();
    // The object is in the bucket, under the prefix: released when clamd
    // scanned it, else waiting in quarantine.
    let place = if clamd.is_some() {
        assert_eq!(made["status"], "released");
        "released"
    } else {
        assert_eq!(made["status"], "quarantined");
        "quarantine"
    };
    let listed = http
        .get(format!("{}/{bucket}?prefix=council/", s3.endpoint))
        .send()
        .await
        .expect("list the bucket");
    assert!(listed.status().is_success(), "{}", listed.status());
    let keys = listed.text().await.expect("text");
    assert!(
        keys.contains(&format!("<Key>council/{place}/{id}</Key>")),
        "{keys}"
    );
    // Read back through the store and checked against its SHA-256.
    assert!(
        app.core
            .check_attachment_files()
            .await
            .expect("check")
            .is_empty()
    );
    if clamd.is_some() {
        let (status, _, body) = p
            .call_bytes(Method::GET, &format!("/api/v1/attachments/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, letter);
    }
    drop(clamd);
    app.finish().await;
}
