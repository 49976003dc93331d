//! Anchors for the audit chain, kept outside the database.
//!
//! The chain itself catches anyone who edits, removes or reorders events
//! without recomputing the hashes; someone who can write the database could
//! recompute every hash and the head. An anchor is the head's sequence
//! number and hash at a moment, appended to a file outside the database
//! (and written to the log), signed with an HMAC-SHA256 key that is not in
//! the database either. `audit verify` checks every anchor against the
//! chain: a rewritten chain no longer has the anchored hash at the anchored
//! event, and a forged anchor has no valid signature.
//!
//! One line per anchor: `v1 SEQ HASH AT_MS MAC`, where `MAC` is the hex
//! HMAC-SHA256 of `safeguard-audit-anchor:v1:SEQ:HASH:AT_MS` under the key,
//! or `-` when no key is configured (still a copy outside the database,
//! but one that someone who can write the file could forge).

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

use crate::{CoreError, CoreResult, Safeguard, unix_ms};

/// The secret that signs anchors (from a file or an environment variable,
/// never the database). Its `Debug` never shows it.
#[derive(Clone)]
pub struct AnchorKey(Vec<u8>);

impl std::fmt::Debug for AnchorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnchorKey(…)")
    }
}

/// The shortest key accepted.
pub const MIN_KEY_BYTES: usize = 32;

impl AnchorKey {
    /// A key from its text (surrounding whitespace ignored): at least
    /// [`MIN_KEY_BYTES`] bytes.
    pub fn new(text: &str) -> Result<AnchorKey, String> {
        let t = text.trim();
        if t.len() < MIN_KEY_BYTES {
            return Err(format!(
                "the audit key must be at least {MIN_KEY_BYTES} characters (for example 64 hex digits from `openssl rand -hex 32`)"
            ));
        }
        Ok(AnchorKey(t.as_bytes().to_vec()))
    }

    fn mac(&self, line: &str) -> String {
        // HMAC takes a key of any length.
        let mut m = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        m.update(line.as_bytes());
        safeguard_store::hex(&m.finalize().into_bytes())
    }
}

/// One anchor read back from the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The event anchored (0 before the first).
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// When the anchor was written (Unix ms).
    pub at: i64,
    /// The signature, if signed.
    pub mac: Option<String>,
}

fn signed_text(seq: i64, hash: &str, at: i64) -> String {
    format!("safeguard-audit-anchor:v1:{seq}:{hash}:{at}")
}

/// What checking the anchors found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorCheck {
    /// No anchor file (or an empty one): nothing outside the database to check against.
    NoAnchors,
    /// Every anchor agrees with the chain.
    Agree {
        /// How many anchors were checked.
        anchors: usize,
        /// Whether their signatures were checked with the key.
        signed: bool,
        /// The latest anchored event.
        latest: i64,
    },
    /// An anchor disagrees with the chain, or its signature is wrong.
    Disagree {
        /// The line of the anchor file (from 1).
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

impl Safeguard {
    /// The sequence number of the chain's last event.
    pub async fn audit_head_seq(&self) -> CoreResult<i64> {
        Ok(self.store.audit_head().await?.0)
    }

    /// Appends an anchor of the chain's head now to `path` (made if
    /// missing), signed with `key` when given, fsync'd; also written to the
    /// log. Returns the anchored event's sequence number.
    pub async fn write_audit_anchor(
        &self,
        path: &Path,
        key: Option<&AnchorKey>,
        now: OffsetDateTime,
    ) -> CoreResult<i64> {
        let (seq, hash) = self.store.audit_head().await?;
        let at = unix_ms(now);
        let mac = key
            .map(|k| k.mac(&signed_text(seq, &hash, at)))
            .unwrap_or_else(|| "-".into());
        let line = format!("v1 {seq} {hash} {at} {mac}\n");
        let io = |e: std::io::Error| {
            CoreError::Internal(format!("audit anchor {}: {e}", path.display()))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        f.write_all(line.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        tracing::info!(seq, hash, signed = key.is_some(), "audit anchor");
        Ok(seq)
    }

    /// Checks every anchor in `path` against the chain (and, with `key`,
    /// its signature). Run after the chain itself verifies.
    pub async fn check_audit_anchors(
        &self,
        path: &Path,
        key: Option<&AnchorKey>,
    ) -> CoreResult<AnchorCheck> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(AnchorCheck::NoAnchors);
            }
            Err(e) => {
                return Err(CoreError::Internal(format!(
                    "audit anchors {}: {e}",
                    path.display()
                )));
            }
        };
        let mut anchors = 0;
        let mut latest = 0;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let Some(a) = parse_line(raw) else {
                return Ok(AnchorCheck::Disagree {
                    line,
                    reason: "the anchor line cannot be read".into(),
                });
            };
            if let Some(k) = key {
                let good = a
                    .mac
                    .as_deref()
                    .is_some_and(|m| m == k.mac(&signed_text(a.seq, &a.hash, a.at)));
                if !good {
                    return Ok(AnchorCheck::Disagree {
                        line,
                        reason: format!(
                            "the anchor of event {} is not signed with the audit key: it was forged or the key is wrong",
                            a.seq
                        ),
                    });
                }
            }
            match self.store.audit_hash_at(a.seq).await? {
                None => {
                    return Ok(AnchorCheck::Disagree {
                        line,
                        reason: format!(
                            "event {} was anchored but is no longer in the chain: events were removed",
                            a.seq
                        ),
                    });
                }
                Some(h) if h != a.hash => {
                    return Ok(AnchorCheck::Disagree {
                        line,
                        reason: format!(
                            "event {} differs from its anchor: the chain was rewritten after the anchor was written",
                            a.seq
                        ),
                    });
                }
                Some(_) => {}
            }
            anchors += 1;
            latest = latest.max(a.seq);
        }
        if anchors == 0 {
            return Ok(AnchorCheck::NoAnchors);
        }
        Ok(AnchorCheck::Agree {
            anchors,
            signed: key.is_some(),
            latest,
        })
    }
}

fn parse_line(raw: &str) -> Option<Anchor> {
    let mut parts = raw.split_whitespace();
    if parts.next()? != "v1" {
        return None;
    }
    let seq = parts.next()?.parse().ok()?;
    let hash = parts.next()?.to_string();
    let at = parts.next()?.parse().ok()?;
    let mac = match parts.next()? {
        "-" => None,
        m => Some(m.to_string()),
    };
    (hash.len() == 64).then_some(Anchor { seq, hash, at, mac })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_and_never_printed() {
        assert!(AnchorKey::new("short").is_err());
        let k = AnchorKey::new(&"k".repeat(40)).expect("key");
        assert_eq!(format!("{k:?}"), "AnchorKey(…)");
        let other = AnchorKey::new(&"j".repeat(40)).expect("key");
        assert_ne!(k.mac("x"), other.mac("x"));
        assert_eq!(k.mac("x").len(), 64);
    }

    #[test]
    fn anchor_lines_round_trip() {
        let h = "a".repeat(64);
        let a = parse_line(&format!("v1 7 {h} 1000 -")).expect("line");
        assert_eq!((a.seq, a.at, a.mac), (7, 1000, None));
        assert!(parse_line("v2 7 x 1 -").is_none());
        assert!(parse_line("v1 7 short 1 -").is_none());
    }
}
