//! Attachments: documents, photos and recordings kept with a record. What
//! kinds of file are taken (known by their first bytes, never by the name
//! or the type the sender claims), what a file's name may be, and a photo's
//! hidden metadata (its location among it) taken out before it is shown.

use crate::validation::FieldErrors;

/// The largest file taken, in bytes (25 MiB).
pub const MAX_BYTES: usize = 25 * 1024 * 1024;

/// The longest description kept.
const MAX_DESCRIPTION: usize = 500;

/// The longest file name kept (in characters).
const MAX_NAME: usize = 120;

/// A kind of file Safeguard takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileKind {
    /// Its media type, as served.
    pub mime: &'static str,
    /// The endings a file of this kind may have (the first is its own).
    pub extensions: &'static [&'static str],
    /// What it is, in words.
    pub label: &'static str,
    /// Other names senders use for the media type.
    aliases: &'static [&'static str],
}

impl FileKind {
    /// Whether it is a photo or picture (shown with its metadata removed).
    pub fn is_image(&self) -> bool {
        self.mime.starts_with("image/")
    }
}

/// Every kind of file taken: documents, photos, sound and video recordings.
pub const KINDS: &[FileKind] = &[
    FileKind {
        mime: "application/pdf",
        extensions: &["pdf"],
        label: "PDF document",
        aliases: &[],
    },
    FileKind {
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extensions: &["docx"],
        label: "Word document",
        aliases: &[],
    },
    FileKind {
        mime: "image/jpeg",
        extensions: &["jpg", "jpeg"],
        label: "JPEG photo",
        aliases: &["image/jpg", "image/pjpeg"],
    },
    FileKind {
        mime: "image/png",
        extensions: &["png"],
        label: "PNG picture",
        aliases: &[],
    },
    FileKind {
        mime: "audio/mpeg",
        extensions: &["mp3"],
        label: "MP3 sound recording",
        aliases: &["audio/mp3"],
    },
    FileKind {
        mime: "audio/x-wav",
        extensions: &["wav"],
        label: "WAV sound recording",
        aliases: &["audio/wav", "audio/wave", "audio/vnd.wave"],
    },
    FileKind {
        mime: "audio/m4a",
        extensions: &["m4a"],
        label: "M4A sound recording",
        aliases: &["audio/x-m4a", "audio/mp4", "audio/aac"],
    },
    FileKind {
        mime: "video/mp4",
        extensions: &["mp4"],
        label: "MP4 video recording",
        aliases: &[],
    },
];

/// The kind whose media type is `mime` (as served), if it is one taken.
pub fn kind_of(mime: &str) -> Option<&'static FileKind> {
    KINDS.iter().find(|k| k.mime == mime)
}

/// The types taken, in words, for forms and error messages.
pub fn kinds_in_words() -> &'static str {
    "PDF or Word documents, JPEG or PNG photos, MP3, WAV or M4A sound recordings, MP4 video"
}

/// A file as sent, before it is checked.
#[derive(Clone, Debug, Default)]
pub struct RawUpload {
    /// The name it was sent with.
    pub filename: Option<String>,
    /// The media type the sender claimed, if any.
    pub declared_type: Option<String>,
    /// What it shows or is, in a few words.
    pub description: Option<String>,
}

/// A file that passed the checks: its kind from its contents, a safe name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// A name safe to show and to offer on download.
    pub filename: String,
    /// What it is, from its first bytes.
    pub kind: &'static FileKind,
    /// The description, if given.
    pub description: Option<String>,
}

/// A file name fit to keep: the last part of a path, without control
/// characters or quotes, at most `MAX_NAME` characters, keeping its ending.
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.chars().count() <= MAX_NAME {
        return cleaned;
    }
    // Keep the ending: shorten the part before it.
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if e.chars().count() <= 10 => (s.to_string(), format!(".{e}")),
        _ => (cleaned.clone(), String::new()),
    };
    let keep = MAX_NAME.saturating_sub(ext.chars().count());
    format!("{}{ext}", stem.chars().take(keep).collect::<String>())
}

impl RawUpload {
    /// Checks a file against what it claims to be. Its kind is read from
    /// its first bytes and must be one taken; a name's ending and a claimed
    /// media type (other than the generic `application/octet-stream`) must
    /// agree with it.
    pub fn parse(&self, bytes: &[u8]) -> Result<Upload, FieldErrors> {
        let mut e = FieldErrors::new();
        let filename = clean_filename(self.filename.as_deref().unwrap_or_default());
        let description = self
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        if description
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
        {
            e.add(
                "description",
                format!("Describe the file in {MAX_DESCRIPTION} characters or fewer"),
            );
        }
        if bytes.is_empty() {
            e.add("file", "Select a file to add");
            return Err(e);
        }
        if bytes.len() > MAX_BYTES {
            e.add(
                "file",
                format!(
                    "The file must be {} MB or smaller",
                    MAX_BYTES / (1024 * 1024)
                ),
            );
            return Err(e);
        }
        if filename.is_empty() {
            e.add("filename", "Give the file a name");
        }
        let kind = infer::get(bytes).and_then(|t| kind_of(t.mime_type()));
        let Some(kind) = kind else {
            e.add(
                "file",
                format!(
                    "This kind of file cannot be added. Add {}",
                    kinds_in_words()
                ),
            );
            return Err(e);
        };
        if let Some((_, ext)) = filename.rsplit_once('.') {
            let ext = ext.to_ascii_lowercase();
            if !kind.extensions.contains(&ext.as_str()) {
                e.add(
                    "file",
                    format!(
                        "The file's contents are a {}, but its name ends .{ext}: rename it .{} or choose the right file",
                        kind.label, kind.extensions[0]
                    ),
                );
            }
        }
        if let Some(claimed) = self
            .declared_type
            .as_deref()
            .map(|t| {
                t.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|t| !t.is_empty() && t != "application/octet-stream")
            && claimed != kind.mime
            && !kind.aliases.contains(&claimed.as_str())
        {
            e.add(
                "file",
                format!(
                    "The file was sent as {claimed}, but its contents are a {}",
                    kind.label
                ),
            );
        }
        // A photo is shown only without its metadata: one that cannot be
        // read to remove it would never be shown, so it is not taken.
        if kind.is_image() && without_location(kind.mime, bytes).is_none() {
            e.add(
                "file",
                format!(
                    "The {} could not be read: it may be damaged. Save it again and add the copy",
                    kind.label
                ),
            );
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(Upload {
            filename,
            kind,
            description,
        })
    }
}

/// A copy of an image with the metadata that can say where and when it was
/// taken (Exif, XMP, IPTC, comments, text chunks) removed; anything not a
/// JPEG or PNG, or not readable as one, is returned unchanged only if it is
/// not an image (an unreadable image gives `None`: it is not shown).
pub fn without_location(mime: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    match mime {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        m if m.starts_with("image/") => None,
        _ => Some(bytes.to_vec()),
    }
}

/// Whether a JPEG marker segment is kept: the JFIF header, an ICC colour
/// profile and Adobe's colour transform, and every non-application segment
/// but comments. Exif and XMP (APP1), multi-picture data, IPTC and the rest
/// go.
fn keep_jpeg_segment(marker: u8, payload: &[u8]) -> bool {
    match marker {
        0xE0 | 0xEE => true,
        0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
        0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
        _ => true,
    }
}

/// Walks a JPEG's segments, keeping the picture and dropping metadata;
/// stops at the end-of-image marker (anything after it, such as a second
/// picture with its own Exif, is dropped).
fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let mut in_scan = false;
    while i < b.len() {
        if in_scan {
            // Entropy-coded data: copy until a marker that is not a stuffed
            // byte or a restart.
            if b[i] != 0xFF {
                out.push(b[i]);
                i += 1;
                continue;
            }
            match b.get(i + 1).copied()? {
                0x00 | 0xD0..=0xD7 => {
                    out.extend_from_slice(&b[i..i + 2]);
                    i += 2;
                    continue;
                }
                0xFF => {
                    i += 1;
                    continue;
                }
                _ => in_scan = false,
            }
        }
        if b[i] != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        match marker {
            0xFF => {
                i += 1;
            }
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
            }
            _ => {
                let len = u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]) as usize;
                if len < 2 {
                    return None;
                }
                let end = i.checked_add(2 + len)?;
                let segment = b.get(i..end)?;
                if keep_jpeg_segment(marker, &segment[4..]) {
                    out.extend_from_slice(segment);
                }
                i = end;
                if marker == 0xDA {
                    in_scan = true;
                }
            }
        }
    }
    // No end-of-image marker: a truncated picture is not shown.
    None
}

/// Copies a PNG's chunks but its text, time and Exif ones, up to the end
/// chunk.
fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !b.starts_with(SIGNATURE) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(SIGNATURE);
    let mut i = SIGNATURE.len();
    while i < b.len() {
        let len = u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize;
        let end = i.checked_add(12)?.checked_add(len)?;
        let chunk = b.get(i..end)?;
        let kind = &chunk[4..8];
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            out.extend_from_slice(chunk);
        }
        i = end;
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small JPEG: JFIF header, Exif with a GPS tag's bytes, a comment,
    /// a quantisation table, a scan with stuffed and restart bytes, the end,
    /// and a trailing second picture.
    fn jpeg_with_location() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        let seg = |m: u8, payload: &[u8]| {
            let mut s = vec![0xFF, m];
            s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
            s.extend_from_slice(payload);
            s
        };
        b.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        b.extend(seg(0xE1, b"Exif\0\0GPSLatitude 51.5074 N"));
        b.extend(seg(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<exif:GPSLongitude>",
        ));
        b.extend(seg(0xFE, b"taken at 12 Elm Road"));
        b.extend(seg(0xDB, &[0u8; 65]));
        b.extend(seg(0xDA, &[1, 1, 0, 0, 63, 0]));
        b.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        b.extend_from_slice(&[0xFF, 0xD9]);
        b.extend_from_slice(&[
            0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, b'E', b'x', b'i', b'f', 0, 0,
        ]);
        b
    }

    #[test]
    fn a_jpeg_loses_its_location_and_keeps_its_picture() {
        let original = jpeg_with_location();
        let shown = without_location("image/jpeg", &original).expect("readable");
        let text = String::from_utf8_lossy(&shown);
        assert!(!text.contains("GPS"), "{text}");
        assert!(!text.contains("Elm Road"));
        assert!(!text.contains("Exif"));
        assert!(text.contains("JFIF"));
        // The scan's data, stuffed and restart bytes included, is intact,
        // and the picture ends at its end marker.
        let scan = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9];
        assert!(shown.ends_with(&scan));
        assert!(shown.len() < original.len());
        // Removing again changes nothing.
        assert_eq!(without_location("image/jpeg", &shown), Some(shown.clone()));
    }

    #[test]
    fn a_truncated_or_false_jpeg_is_not_shown() {
        let mut b = jpeg_with_location();
        b.truncate(30);
        assert_eq!(without_location("image/jpeg", &b), None);
        assert_eq!(without_location("image/jpeg", b"not a jpeg"), None);
        assert_eq!(without_location("image/gif", b"GIF89a"), None);
    }

    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        b.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        b.extend(chunk(b"eXIf", b"MM\0*GPSLatitude"));
        b.extend(chunk(b"tEXt", b"Location\x0012 Elm Road"));
        b.extend(chunk(b"IDAT", b"pixels"));
        b.extend(chunk(b"IEND", b""));
        b.extend_from_slice(b"trailing GPS");
        let shown = without_location("image/png", &b).expect("readable");
        let text = String::from_utf8_lossy(&shown);
        assert!(
            !text.contains("GPS") && !text.contains("Elm Road"),
            "{text}"
        );
        assert!(text.contains("IHDR") && text.contains("IDAT") && text.ends_with("IEND\0\0\0\0"));
    }

    #[test]
    fn documents_are_served_as_they_are() {
        let pdf = b"%PDF-1.7 whatever";
        assert_eq!(without_location("application/pdf", pdf), Some(pdf.to_vec()));
    }

    fn raw(name: &str, declared: Option<&str>) -> RawUpload {
        RawUpload {
            filename: Some(name.into()),
            declared_type: declared.map(str::to_string),
            description: None,
        }
    }

    #[test]
    fn the_kind_comes_from_the_contents() {
        let pdf = b"%PDF-1.7\n1 0 obj\n";
        let ok = raw("letter.pdf", Some("application/pdf"))
            .parse(pdf)
            .expect("a pdf");
        assert_eq!(ok.kind.mime, "application/pdf");
        assert_eq!(ok.filename, "letter.pdf");
        // A PDF named as a photo, or claimed to be one, is refused.
        let e = raw("photo.jpg", None).parse(pdf).expect_err("mismatch");
        assert!(e.get("file").is_some_and(|m| m.contains(".jpg")));
        let e = raw("letter.pdf", Some("image/png"))
            .parse(pdf)
            .expect_err("mismatch");
        assert!(e.get("file").is_some_and(|m| m.contains("image/png")));
        // An executable, or plain text, is not a kind taken.
        let e = raw("setup.pdf", None)
            .parse(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff")
            .expect_err("exe");
        assert!(e.get("file").is_some_and(|m| m.contains("cannot be added")));
        assert!(raw("notes.pdf", None).parse(b"plain words").is_err());
        assert!(raw("empty.pdf", None).parse(b"").is_err());
        // The generic type and a known alias are accepted.
        let jpeg = jpeg_with_location();
        assert!(
            raw("p.JPEG", Some("application/octet-stream"))
                .parse(&jpeg)
                .is_ok()
        );
        assert!(raw("p.jpg", Some("image/jpg")).parse(&jpeg).is_ok());
        // A photo that cannot be read (so its metadata cannot be removed).
        let e = raw("p.jpg", None)
            .parse(b"\xFF\xD8\xFF\xE0 broken")
            .expect_err("damaged");
        assert!(
            e.get("file")
                .is_some_and(|m| m.contains("could not be read"))
        );
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(
            clean_filename("C:\\Users\\x\\My \"note\".pdf"),
            "My note.pdf"
        );
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\u{0}b\nc.pdf"), "abc.pdf");
        assert_eq!(clean_filename("..."), "");
        let long = format!("{}.pdf", "x".repeat(300));
        let c = clean_filename(&long);
        assert_eq!(c.chars().count(), 120);
        assert!(c.ends_with(".pdf"));
    }
}
