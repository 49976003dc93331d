//! Attachments: documents, photos and recordings on a person's record, a
//! concern or an enquiry, read with exactly that record's access.
//!
//! A file is checked by its first bytes, kept in the object store under
//! `quarantine/`, recorded (its SHA-256 in the audit chain) and scanned by
//! ClamAV's clamd; only a clean scan moves it to `released/`, the only place
//! files are read from. Files are read through the record they belong to,
//! opened as any other view of it (need-to-know, restriction, emergency
//! opening, partner shares), and checked against their hash on every read;
//! photos are shown without their hidden metadata.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use safeguard_domain::Actor;
use safeguard_domain::attachment::{RawUpload, kind_of, without_location};
use safeguard_domain::policy::{Action, Decision, decide};
use safeguard_store::attachments::AttachmentRow;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::{CoreError, CoreResult, Ctx, Safeguard, new_uuid, unix_ms};

/// Where clamd listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scanner {
    /// A Unix socket (`LocalSocket` in clamd.conf).
    Unix(PathBuf),
    /// A TCP address, `host:port` (`TCPSocket`).
    Tcp(String),
}

impl Scanner {
    /// From `unix:/path`, `tcp:host:port`, a path (starting `/`) or `host:port`.
    pub fn parse(s: &str) -> Result<Scanner, String> {
        let s = s.trim();
        if let Some(p) = s.strip_prefix("unix:") {
            return Ok(Scanner::Unix(PathBuf::from(p)));
        }
        if s.starts_with('/') {
            return Ok(Scanner::Unix(PathBuf::from(s)));
        }
        let addr = s.strip_prefix("tcp:").unwrap_or(s);
        match addr.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Ok(Scanner::Tcp(addr.to_string()))
            }
            _ => Err(format!(
                "{s:?} is not a clamd address: give unix:/path/to/clamd.ctl or tcp:host:3310"
            )),
        }
    }

    /// Scans `bytes` with clamd's INSTREAM command: `Ok(None)` when clean,
    /// `Ok(Some(signature))` when infected, an error when the scan could not
    /// be made (the file then stays in quarantine).
    pub async fn scan(&self, bytes: &[u8]) -> Result<Option<String>, String> {
        let run = async {
            match self {
                Scanner::Unix(p) => {
                    let s = tokio::net::UnixStream::connect(p)
                        .await
                        .map_err(|e| format!("clamd at {}: {e}", p.display()))?;
                    instream(s, bytes).await
                }
                Scanner::Tcp(a) => {
                    let s = tokio::net::TcpStream::connect(a)
                        .await
                        .map_err(|e| format!("clamd at {a}: {e}"))?;
                    instream(s, bytes).await
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(120), run)
            .await
            .map_err(|_| "clamd did not answer within two minutes".to_string())?
    }
}

/// clamd's INSTREAM exchange: the file in chunks, each after its length.
async fn instream<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    bytes: &[u8],
) -> Result<Option<String>, String> {
    let io = |e: std::io::Error| format!("clamd: {e}");
    s.write_all(b"zINSTREAM\0").await.map_err(io)?;
    for chunk in bytes.chunks(64 * 1024) {
        s.write_all(&(chunk.len() as u32).to_be_bytes())
            .await
            .map_err(io)?;
        s.write_all(chunk).await.map_err(io)?;
    }
    s.write_all(&0u32.to_be_bytes()).await.map_err(io)?;
    s.flush().await.map_err(io)?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).await.map_err(io)?;
    verdict(&String::from_utf8_lossy(&reply))
}

/// Reads clamd's answer: `stream: OK`, `stream: NAME FOUND`, or an error.
fn verdict(reply: &str) -> Result<Option<String>, String> {
    let reply = reply.trim_end_matches(['\0', '\n', ' ']);
    let body = reply.strip_prefix("stream:").unwrap_or(reply).trim();
    if body == "OK" {
        Ok(None)
    } else if let Some(name) = body.strip_suffix(" FOUND") {
        Ok(Some(name.trim().to_string()))
    } else {
        Err(format!("clamd could not scan the file: {reply}"))
    }
}

/// Where attachments are kept and how they are scanned.
#[derive(Clone, Debug)]
pub struct AttachmentSettings {
    /// The object store (a local directory, or S3-compatible storage).
    pub store: Arc<dyn ObjectStore>,
    /// clamd; without it files stay in quarantine until one is configured.
    pub scanner: Option<Scanner>,
}

impl AttachmentSettings {
    /// Files kept in a local directory (made if missing).
    pub fn local(dir: &std::path::Path, scanner: Option<Scanner>) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .with_automatic_cleanup(true);
        Ok(AttachmentSettings {
            store: Arc::new(fs),
            scanner,
        })
    }

    /// Files kept in S3-compatible storage at `s3://bucket/prefix`, with
    /// credentials, region and endpoint from the usual `AWS_*` variables
    /// (`AWS_ENDPOINT` and `AWS_ALLOW_HTTP` for other S3-compatible stores).
    pub fn s3(url: &str, scanner: Option<Scanner>) -> Result<Self, String> {
        Self::s3_with(url, scanner, &[])
    }

    /// As [`AttachmentSettings::s3`], with settings given here as well
    /// (`object_store`'s keys, such as `aws_endpoint` or
    /// `aws_access_key_id`), which win over the variables.
    pub fn s3_with(
        url: &str,
        scanner: Option<Scanner>,
        options: &[(&str, &str)],
    ) -> Result<Self, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{url:?} is not an s3:// address"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{url:?} names no bucket"));
        }
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (key, value) in options {
            let key: object_store::aws::AmazonS3ConfigKey =
                key.parse().map_err(|e| format!("{key}: {e}"))?;
            builder = builder.with_config(key, *value);
        }
        let s3 = builder.build().map_err(|e| format!("{url}: {e}"))?;
        let store: Arc<dyn ObjectStore> = if prefix.trim_matches('/').is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(
                s3,
                prefix.trim_matches('/'),
            ))
        };
        Ok(AttachmentSettings { store, scanner })
    }
}

/// Whose record an attachment is kept with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A person's record (by id).
    Person(String),
    /// A concern (by id).
    Concern(String),
    /// An enquiry (by id).
    Enquiry(String),
}

impl Owner {
    fn kind(&self) -> &'static str {
        match self {
            Owner::Person(_) => "person",
            Owner::Concern(_) => "concern",
            Owner::Enquiry(_) => "enquiry",
        }
    }

    fn id(&self) -> &str {
        match self {
            Owner::Person(i) | Owner::Concern(i) | Owner::Enquiry(i) => i,
        }
    }
}

/// A released attachment of a record its reader opened: only the opened
/// record's `attachment` methods make one, so a file is read only through
/// a record opened with its access check and audit.
#[derive(Clone, Debug)]
pub struct Readable(AttachmentRow);

impl Readable {
    /// Its row.
    pub fn row(&self) -> &AttachmentRow {
        &self.0
    }
}

/// An attachment's file, ready to send.
#[derive(Clone, Debug)]
pub struct AttachmentFile {
    /// What it is.
    pub row: AttachmentRow,
    /// The bytes to send (a photo's without its metadata).
    pub bytes: Vec<u8>,
}

/// A record's attachments, as its reader may see them.
#[derive(Clone, Debug)]
pub struct AttachmentList {
    /// What the record is, in words ("Ada Lovelace", "Concern SG-…").
    pub title: String,
    /// Where the record's own page is.
    pub back: String,
    /// Its attachments, oldest first.
    pub rows: Vec<AttachmentRow>,
    /// Whether the reader may add to them.
    pub may_add: bool,
}

/// `row` as readable, if its record (`owned`: it belongs to the opened
/// record, and that record's reader may see its files) lets it be read and
/// it was released.
pub(crate) fn readable_if(row: AttachmentRow, owned: bool) -> CoreResult<Readable> {
    if owned && row.status == "released" {
        Ok(Readable(row))
    } else {
        Err(CoreError::NotFound)
    }
}

/// The released attachment `id` among `rows`, if there is one.
pub(crate) fn readable_among(rows: Vec<AttachmentRow>, id: &str) -> CoreResult<Readable> {
    rows.into_iter()
        .find(|a| a.id == id && a.status == "released")
        .map(Readable)
        .ok_or(CoreError::NotFound)
}

fn quarantine_path(id: &str) -> ObjectPath {
    ObjectPath::from(format!("quarantine/{id}"))
}

fn released_path(id: &str) -> ObjectPath {
    ObjectPath::from(format!("released/{id}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    safeguard_store::hex(&Sha256::digest(bytes))
}

impl Safeguard {
    fn attachment_settings(&self) -> CoreResult<&AttachmentSettings> {
        self.config
            .attachments
            .as_ref()
            .ok_or_else(|| crate::invalid("file", "Attachments are not set up on this server"))
    }

    /// Checks `actor` may add to the record, and returns the person it is
    /// about (if known).
    async fn may_attach(
        &self,
        actor: &Actor,
        owner: &Owner,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<Option<String>> {
        match owner {
            Owner::Person(id) => {
                let pid = id.parse().map_err(|_| CoreError::NotFound)?;
                self.may_change_case(actor, pid, ("attach", "person"), ctx, now)
                    .await?;
                Ok(Some(id.clone()))
            }
            Owner::Concern(id) => {
                let concern = self
                    .concern_in_scope_as(actor, id, ctx, now, "attach")
                    .await?;
                if decide(actor, Action::RecordConcern) != Decision::Allow
                    || decide(actor, Action::ViewConcerns) != Decision::Allow
                {
                    return self
                        .refuse(
                            actor,
                            ctx,
                            now,
                            ("attach", "concern", Some(concern.id)),
                            CoreError::NotFound,
                        )
                        .await;
                }
                Ok(None)
            }
            Owner::Enquiry(id) => {
                let e = self
                    .enquiry_for(actor, id, Action::WorkOnEnquiry, ctx, now)
                    .await?;
                Ok(Some(e.person_id))
            }
        }
    }

    /// A record's attachments: the record is opened as any view of it is
    /// (access checked and audited).
    pub async fn list_attachments(
        &self,
        actor: &Actor,
        owner: &Owner,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AttachmentList> {
        let allowed = |a: Action| decide(actor, a) == Decision::Allow;
        match owner {
            Owner::Person(id) => {
                let pid = id.parse().map_err(|_| CoreError::NotFound)?;
                let p = self.view_person(actor, pid, ctx, now).await?;
                Ok(AttachmentList {
                    title: p.details.full_name(),
                    back: format!("/people/{id}"),
                    rows: p.attachments().await?,
                    may_add: allowed(Action::UpdatePerson),
                })
            }
            Owner::Concern(id) => {
                let c = self.concern_view(actor, id, ctx, now).await?;
                Ok(AttachmentList {
                    title: format!("Concern {}", c.concern.reference),
                    back: format!("/concerns/{id}"),
                    rows: c.attachments().await?,
                    may_add: allowed(Action::RecordConcern) && allowed(Action::ViewConcerns),
                })
            }
            Owner::Enquiry(id) => {
                let e = self.enquiry_view(actor, id, ctx, now).await?;
                Ok(AttachmentList {
                    title: format!("Enquiry for {}", e.person_name),
                    back: format!("/enquiries/{id}"),
                    rows: e.attachments().await?,
                    may_add: e.parts.is_none() && allowed(Action::WorkOnEnquiry),
                })
            }
        }
    }

    /// Adds a file to a record: checked by its contents, kept in
    /// quarantine, recorded with its SHA-256 in the audit chain, then
    /// scanned. Returns its row (released, infected, or still in quarantine
    /// when no scanner answered).
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        owner: &Owner,
        raw: &RawUpload,
        bytes: Vec<u8>,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AttachmentRow> {
        let person_id = self.may_attach(actor, owner, ctx, now).await?;
        let settings = self.attachment_settings()?;
        let upload = raw.parse(&bytes).map_err(CoreError::Invalid)?;
        let id = new_uuid(now)?.to_string();
        let row = AttachmentRow {
            id: id.clone(),
            owner_kind: owner.kind().into(),
            owner_id: owner.id().into(),
            person_id,
            filename: upload.filename,
            content_type: upload.kind.mime.into(),
            size_bytes: bytes.len() as i64,
            sha256: sha256_hex(&bytes),
            description: upload.description,
            status: "quarantined".into(),
            scan_result: None,
            scanned_at: None,
            uploaded_by: actor.user_id.to_string(),
            uploaded_by_name: actor.display_name.clone(),
            uploaded_at: unix_ms(now),
        };
        let path = quarantine_path(&id);
        settings
            .store
            .put(&path, PutPayload::from(bytes.clone()))
            .await
            .map_err(|e| CoreError::Internal(format!("storing attachment: {e}")))?;
        let stored = async {
            let mut tx = self.store.begin_audited().await?;
            tx.insert_attachment(&row).await?;
            tx.audit(
                Self::event(
                    actor,
                    ctx,
                    now,
                    "attach",
                    "attachment",
                    Some(id.clone()),
                    "success",
                )?
                .with_detail(format!(
                    "{} {}; sha256 {}; {} bytes; {}",
                    row.owner_kind, row.owner_id, row.sha256, row.size_bytes, row.content_type
                )),
            )
            .await?;
            tx.commit().await?;
            CoreResult::Ok(())
        }
        .await;
        if let Err(e) = stored {
            // Nothing refers to the file: it goes.
            let _ = settings.store.delete(&path).await;
            return Err(e);
        }
        self.scan_one(settings, row, &bytes, now).await
    }

    /// Scans one quarantined attachment and records the result: a clean
    /// file moves to `released/`; an infected one stays in quarantine,
    /// never served. When the scan cannot be made the row is returned as it
    /// was, still in quarantine.
    async fn scan_one(
        &self,
        settings: &AttachmentSettings,
        row: AttachmentRow,
        bytes: &[u8],
        now: OffsetDateTime,
    ) -> CoreResult<AttachmentRow> {
        let Some(scanner) = &settings.scanner else {
            return Ok(row);
        };
        let found = match scanner.scan(bytes).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(attachment = %row.id, "virus scan not made: {e}");
                return Ok(row);
            }
        };
        let (status, result) = match &found {
            None => ("released", "clean".to_string()),
            Some(sig) => ("infected", sig.clone()),
        };
        if found.is_none() {
            settings
                .store
                .copy(&quarantine_path(&row.id), &released_path(&row.id))
                .await
                .map_err(|e| CoreError::Internal(format!("releasing attachment: {e}")))?;
        }
        let mut tx = self.store.begin_audited().await?;
        if !tx
            .set_attachment_scan(&row.id, status, &result, unix_ms(now))
            .await?
        {
            // Scanned meanwhile by another worker: theirs stands.
            return Ok(self.store.attachment(&row.id).await?.unwrap_or(row));
        }
        tx.audit(safeguard_store::audit::NewAuditEvent {
            id: new_uuid(now)?.to_string(),
            at: unix_ms(now),
            actor_id: None,
            actor_name: "virus scanner".into(),
            actor_role: "system".into(),
            action: "scan".into(),
            subject_type: "attachment".into(),
            subject_id: Some(row.id.clone()),
            outcome: if found.is_none() { "success" } else { "denied" }.into(),
            reason: None,
            request_id: None,
            detail: Some(format!("sha256 {}; {result}", row.sha256)),
        })
        .await?;
        tx.commit().await?;
        if found.is_none() {
            let _ = settings.store.delete(&quarantine_path(&row.id)).await;
        }
        Ok(AttachmentRow {
            status: status.into(),
            scan_result: Some(result),
            scanned_at: Some(unix_ms(now)),
            ..row
        })
    }

    /// Scans the attachments still in quarantine (a scanner was down, or
    /// none was configured when they came): run at start and every minute.
    /// Returns how many were scanned.
    pub async fn scan_quarantined(&self, now: OffsetDateTime) -> CoreResult<usize> {
        let Some(settings) = self.config.attachments.as_ref() else {
            return Ok(0);
        };
        if settings.scanner.is_none() {
            return Ok(0);
        }
        let mut done = 0;
        for row in self.store.quarantined_attachments(100).await? {
            let bytes = match settings.store.get(&quarantine_path(&row.id)).await {
                Ok(r) => r.bytes().await,
                Err(e) => Err(e),
            };
            let Ok(bytes) = bytes else {
                tracing::warn!(attachment = %row.id, "quarantined file missing from the object store");
                continue;
            };
            let after = self.scan_one(settings, row, &bytes, now).await?;
            if after.status != "quarantined" {
                done += 1;
            }
        }
        Ok(done)
    }

    /// An attachment's file, for a reader of its record: the record is
    /// opened as any view of it is (access checked and audited), the file
    /// read from released storage, checked against its recorded SHA-256, a
    /// photo's metadata removed, and the download audited.
    pub async fn open_attachment(
        &self,
        actor: &Actor,
        id: &str,
        ctx: &Ctx,
        now: OffsetDateTime,
    ) -> CoreResult<AttachmentFile> {
        let attempted = ("view", "attachment", Some(id.to_string()));
        let Some(row) = self.store.attachment(id).await? else {
            return Err(CoreError::NotFound);
        };
        let readable = match row.owner_kind.as_str() {
            "person" => {
                let pid = row.owner_id.parse().map_err(|_| CoreError::NotFound)?;
                self.view_person(actor, pid, ctx, now)
                    .await?
                    .attachment(row)
            }
            "concern" => self
                .concern_view(actor, &row.owner_id, ctx, now)
                .await?
                .attachment(row),
            "enquiry" => self
                .enquiry_view(actor, &row.owner_id, ctx, now)
                .await?
                .attachment(row),
            _ => Err(CoreError::NotFound),
        };
        let readable = match readable {
            Ok(r) => r,
            Err(CoreError::NotFound) => {
                return self
                    .refuse(actor, ctx, now, attempted, CoreError::NotFound)
                    .await;
            }
            Err(e) => return Err(e),
        };
        let file = self.attachment_file(&readable).await?;
        self.record(
            Self::event(
                actor,
                ctx,
                now,
                "view",
                "attachment",
                Some(id.into()),
                "success",
            )?
            .with_detail(format!("sha256 {}", readable.0.sha256)),
        )
        .await?;
        Ok(file)
    }

    /// Reads a released file and checks it is the one recorded.
    pub(crate) async fn attachment_file(&self, r: &Readable) -> CoreResult<AttachmentFile> {
        let settings = self.attachment_settings()?;
        let row = &r.0;
        let got = settings
            .store
            .get(&released_path(&row.id))
            .await
            .map_err(|e| CoreError::Internal(format!("reading attachment {}: {e}", row.id)))?
            .bytes()
            .await
            .map_err(|e| CoreError::Internal(format!("reading attachment {}: {e}", row.id)))?;
        if sha256_hex(&got) != row.sha256 {
            tracing::error!(attachment = %row.id, "stored file does not match its recorded SHA-256");
            return Err(CoreError::Internal(format!(
                "attachment {} does not match its recorded SHA-256",
                row.id
            )));
        }
        let bytes = match kind_of(&row.content_type) {
            Some(k) if k.is_image() => without_location(k.mime, &got).ok_or_else(|| {
                CoreError::Internal(format!("attachment {} is not a readable image", row.id))
            })?,
            _ => got.to_vec(),
        };
        Ok(AttachmentFile {
            row: row.clone(),
            bytes,
        })
    }

    /// Deletes the files of attachments whose rows a disposal deleted
    /// (after it committed; a file left by a crash between the two is never
    /// read, as nothing refers to it).
    pub(crate) async fn delete_attachment_files(&self, ids: &[String]) {
        let Some(settings) = self.config.attachments.as_ref() else {
            return;
        };
        for id in ids {
            for path in [released_path(id), quarantine_path(id)] {
                match settings.store.delete(&path).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => tracing::warn!(attachment = %id, "file not deleted: {e}"),
                }
            }
        }
    }

    /// Checks every attachment the database lists against the object
    /// store: (id, what is wrong) for each file missing or not matching
    /// its SHA-256 (after a restore, or in a backup check).
    pub async fn check_attachment_files(&self) -> CoreResult<Vec<(String, String)>> {
        self.check_listed_files(&self.store.attachment_manifest().await?)
            .await
    }

    /// As [`Safeguard::check_attachment_files`], for attachments listed
    /// elsewhere (id, status, size, SHA-256): a backup's, read from its
    /// snapshot.
    pub async fn check_listed_files(
        &self,
        listed: &[(String, String, i64, String)],
    ) -> CoreResult<Vec<(String, String)>> {
        let settings = self.attachment_settings()?;
        let mut bad = Vec::new();
        for (id, status, _size, sha) in listed {
            let path = if status == "released" {
                released_path(id)
            } else {
                quarantine_path(id)
            };
            let got = match settings.store.get(&path).await {
                Ok(r) => r.bytes().await,
                Err(e) => Err(e),
            };
            match got {
                Ok(b) if sha256_hex(&b) == *sha => {}
                Ok(_) => bad.push((id.clone(), "does not match its SHA-256".to_string())),
                Err(object_store::Error::NotFound { .. }) => {
                    bad.push((id.clone(), format!("missing from {path}")))
                }
                Err(e) => bad.push((id.clone(), e.to_string())),
            }
        }
        Ok(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamd_answers_are_read() {
        assert_eq!(verdict("stream: OK\0"), Ok(None));
        assert_eq!(
            verdict("stream: Safeguard.Test.Signature.UNOFFICIAL FOUND\0"),
            Ok(Some("Safeguard.Test.Signature.UNOFFICIAL".into()))
        );
        assert!(verdict("INSTREAM size limit exceeded. ERROR\0").is_err());
        assert!(verdict("").is_err());
    }

    #[test]
    fn scanner_addresses() {
        assert_eq!(
            Scanner::parse("unix:/run/clamav/clamd.ctl"),
            Ok(Scanner::Unix("/run/clamav/clamd.ctl".into()))
        );
        assert_eq!(
            Scanner::parse("/tmp/c.sock"),
            Ok(Scanner::Unix("/tmp/c.sock".into()))
        );
        assert_eq!(
            Scanner::parse("tcp:127.0.0.1:3310"),
            Ok(Scanner::Tcp("127.0.0.1:3310".into()))
        );
        assert!(Scanner::parse("clamd").is_err());
        assert!(Scanner::parse("host:notaport").is_err());
    }
}
