//! Documents, photos and recordings on a person's record, a concern or an
//! enquiry: the list and the form to add one (`/people/{id}/documents`,
//! `/concerns/{id}/documents`, `/enquiries/{id}/documents`), a download
//! (`/documents/{id}`) read through the record with its access, and the
//! same in the API (`/api/v1/{people,concerns,enquiries}/{id}/attachments`,
//! `/api/v1/attachments/{id}`).

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use safeguard_core::CoreError;
use safeguard_core::attachments::{AttachmentFile, Owner};
use safeguard_core::rows::AttachmentRow;
use safeguard_domain::attachment::{MAX_BYTES, RawUpload, kind_of, kinds_in_words};
use safeguard_domain::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{ApiUser, SignedIn};
use crate::display::when;
use crate::errors::{ApiError, PageError};
use crate::forms::{FormData, FormView};
use crate::pages::{Layout, render};

/// The largest multipart body taken: the largest file and room for the
/// form's other fields.
pub(crate) const UPLOAD_LIMIT: usize = MAX_BYTES + 64 * 1024;

/// The file types the form offers to choose.
const ACCEPT: &str = ".pdf,.docx,.jpg,.jpeg,.png,.mp3,.wav,.m4a,.mp4";

/// Whether a request's body is `multipart/form-data`.
pub(crate) fn is_multipart(headers: &HeaderMap) -> bool {
    content_type(headers)
        .map(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"))
        .unwrap_or(false)
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// A multipart form's fields: text fields by name, and the one file. The
/// session layer reads it once (its CSRF token is among the fields) and
/// hands it to the handler in the request's extensions.
#[derive(Clone, Default)]
pub(crate) struct Multipart {
    fields: FormData,
    file: Option<(Option<String>, Option<String>, Bytes)>,
}

/// Reads a multipart body already held in memory; `None` when it is not
/// one.
pub(crate) async fn read_multipart(headers: &HeaderMap, body: Bytes) -> Option<Multipart> {
    let boundary = multer::parse_boundary(content_type(headers)?).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut out = Multipart::default();
    while let Some(field) = parts.next_field().await.ok()? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let filename = field.file_name().map(str::to_string);
            let declared = field.content_type().map(|m| m.essence_str().to_string());
            let bytes = field.bytes().await.ok()?;
            // A form sent with no file chosen has an empty, nameless part.
            if !(bytes.is_empty() && filename.as_deref().unwrap_or_default().is_empty()) {
                out.file = Some((filename, declared, bytes));
            }
        } else {
            let text = field.text().await.ok()?;
            out.fields.set(&name, text);
        }
    }
    Some(out)
}

impl Multipart {
    /// The CSRF token sent with it (empty when none).
    pub(crate) fn csrf_token(&self) -> &str {
        self.fields.get("csrf_token")
    }
}

/// An attachment as a page shows it.
pub(crate) struct DocLine {
    pub(crate) id: String,
    pub(crate) filename: String,
    pub(crate) kind: &'static str,
    pub(crate) size: String,
    pub(crate) added: String,
    pub(crate) description: Option<String>,
    /// `released`, `quarantined` or `infected`.
    pub(crate) status: String,
}

/// A size in words: "18 KB", "2.4 MB".
fn size_words(bytes: i64) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{} KB", (bytes + 1023) / 1024)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

impl From<&AttachmentRow> for DocLine {
    fn from(a: &AttachmentRow) -> Self {
        DocLine {
            id: a.id.clone(),
            filename: a.filename.clone(),
            kind: kind_of(&a.content_type).map_or("File", |k| k.label),
            size: size_words(a.size_bytes),
            added: format!("{} by {}", when(a.uploaded_at), a.uploaded_by_name),
            description: a.description.clone(),
            status: a.status.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsPage {
    l: Layout,
    title: String,
    back: String,
    action: String,
    docs: Vec<DocLine>,
    may_add: bool,
    accept: &'static str,
    kinds: &'static str,
    f: FormView,
    errors: FieldErrors,
    saved: Option<String>,
}

fn owner_of(kind: &str, id: &str) -> Result<Owner, PageError> {
    let id = id.trim().to_string();
    if id.is_empty() || id.len() > 64 {
        return Err(PageError::not_found());
    }
    Ok(match kind {
        "people" => Owner::Person(id),
        "concerns" => Owner::Concern(id),
        _ => Owner::Enquiry(id),
    })
}

async fn documents_page(
    state: &AppState,
    user: &SignedIn,
    kind: &str,
    id: &str,
    f: FormData,
    errors: FieldErrors,
    saved: Option<String>,
) -> Result<Response, PageError> {
    let owner = owner_of(kind, id)?;
    let list = state
        .core
        .list_attachments(&user.actor, &owner, &user.ctx, user.now)
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let t = DocumentsPage {
        l: Layout::new(format!("Documents: {}", list.title), user),
        title: list.title,
        back: list.back,
        action: format!("/{kind}/{id}/documents"),
        docs: list.rows.iter().map(DocLine::from).collect(),
        may_add: list.may_add,
        accept: ACCEPT,
        kinds: kinds_in_words(),
        f: FormView {
            data: f,
            errors: errors.clone(),
        },
        errors,
        saved,
    };
    Ok(render(status, &t))
}

/// `?added=ID` after a file was added.
#[derive(Deserialize)]
pub(crate) struct AddedQuery {
    added: Option<String>,
}

macro_rules! documents_routes {
    ($($kind:literal => $get:ident, $post:ident;)+) => {$(
        /// The record's documents, photos and recordings, and the form to add one.
        pub(crate) async fn $get(
            State(state): State<AppState>,
            user: SignedIn,
            Path(id): Path<String>,
            Query(q): Query<AddedQuery>,
        ) -> Result<Response, PageError> {
            documents_page(&state, &user, $kind, &id, FormData::default(), FieldErrors::new(), q.added).await
        }

        /// Adds a file to the record (the multipart form the session layer read).
        pub(crate) async fn $post(
            State(state): State<AppState>,
            user: SignedIn,
            Path(id): Path<String>,
            form: Option<axum::Extension<Multipart>>,
        ) -> Result<Response, PageError> {
            add_from_form(&state, &user, $kind, &id, form.map(|f| f.0).unwrap_or_default()).await
        }
    )+};
}

documents_routes! {
    "people" => person_documents, add_person_document;
    "concerns" => concern_documents, add_concern_document;
    "enquiries" => enquiry_documents, add_enquiry_document;
}

async fn add_from_form(
    state: &AppState,
    user: &SignedIn,
    kind: &str,
    id: &str,
    form: Multipart,
) -> Result<Response, PageError> {
    let owner = owner_of(kind, id)?;
    // A form that was not multipart holds no file: who is asking is still
    // checked first, then they are told to choose one.
    let (filename, declared, file) = form.file.unwrap_or_default();
    let raw = RawUpload {
        filename,
        declared_type: declared,
        description: form.fields.opt("description"),
    };
    let mut kept = FormData::default();
    kept.set("description", form.fields.get("description"));
    match state
        .core
        .add_attachment(
            &user.actor,
            &owner,
            &raw,
            file.to_vec(),
            &user.ctx,
            user.now,
        )
        .await
    {
        Ok(row) => {
            Ok(Redirect::to(&format!("/{kind}/{id}/documents?added={}", row.id)).into_response())
        }
        Err(CoreError::Invalid(errors)) => {
            documents_page(state, user, kind, id, kept, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The headers a file is sent with: its type (never sniffed), a safe
/// name, no caching, and a sandbox so nothing in it can run.
fn file_response(file: AttachmentFile) -> Response {
    let inline = kind_of(&file.row.content_type).is_some_and(|k| k.is_image());
    let ascii: String = file
        .row
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| !matches!(c, '"' | '\\' | ';'))
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(file.row.filename.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    );
    let mut res = (StatusCode::OK, file.bytes).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&file.row.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256={}", file.row.sha256)) {
        h.insert("x-original-sha256", v);
    }
    res
}

/// `GET /documents/{id}`: a file, read through its record (the access of
/// the record, checked and audited, and the download audited).
pub(crate) async fn download(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let file = state
        .core
        .open_attachment(&user.actor, id.trim(), &user.ctx, user.now)
        .await?;
    Ok(file_response(file))
}

/// `GET /audit/people/{id}/sar/documents/{doc}`: a document of the case
/// file for a subject access copy (the data protection officer's).
pub(crate) async fn sar_download(
    State(state): State<AppState>,
    user: SignedIn,
    Path((person, doc)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let file = state
        .core
        .subject_access_file(&user.actor, person.trim(), doc.trim(), &user.ctx, user.now)
        .await?;
    Ok(file_response(file))
}

/// An attachment in the API.
#[derive(Serialize, ToSchema)]
pub(crate) struct AttachmentJson {
    id: String,
    /// `person`, `concern` or `enquiry`.
    kept_with: String,
    /// The record's id.
    record_id: String,
    filename: String,
    /// From the file's first bytes, not the name or the type it was sent as.
    content_type: String,
    size_bytes: i64,
    /// SHA-256 of the original file (hex); also in the audit chain.
    sha256: String,
    description: Option<String>,
    /// `quarantined` (waiting for its virus scan), `released` (readable
    /// at `/api/v1/attachments/{id}`) or `infected` (never served).
    status: String,
    /// When added (Unix ms).
    added_at: i64,
    added_by: String,
}

impl From<AttachmentRow> for AttachmentJson {
    fn from(a: AttachmentRow) -> Self {
        AttachmentJson {
            id: a.id,
            kept_with: a.owner_kind,
            record_id: a.owner_id,
            filename: a.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            description: a.description,
            status: a.status,
            added_at: a.uploaded_at,
            added_by: a.uploaded_by_name,
        }
    }
}

/// The parameters of an upload: the query string's `filename` and
/// `description`.
fn upload_params(raw: Option<String>) -> (Option<String>, Option<String>) {
    let mut filename = None;
    let mut description = None;
    for (k, v) in form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "filename" => filename = Some(v.chars().take(1000).collect()),
            "description" => description = Some(v.chars().take(2000).collect()),
            _ => {}
        }
    }
    (filename, description)
}

async fn api_list(state: &AppState, user: &ApiUser, owner: Owner) -> Result<Response, ApiError> {
    let list = state
        .core
        .list_attachments(&user.actor, &owner, &user.ctx, user.now)
        .await?;
    let out: Vec<AttachmentJson> = list.rows.into_iter().map(AttachmentJson::from).collect();
    Ok(axum::Json(out).into_response())
}

async fn api_add(
    state: &AppState,
    user: &ApiUser,
    owner: Owner,
    headers: &HeaderMap,
    raw_query: Option<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = axum::body::to_bytes(body, UPLOAD_LIMIT)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "Files must be 25 MB or smaller",
            )
        })?;
    let (filename, description) = upload_params(raw_query);
    let raw = RawUpload {
        filename,
        declared_type: content_type(headers).map(str::to_string),
        description,
    };
    let row = state
        .core
        .add_attachment(
            &user.actor,
            &owner,
            &raw,
            bytes.to_vec(),
            &user.ctx,
            user.now,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(AttachmentJson::from(row))).into_response())
}

fn api_id(id: &str) -> Result<String, ApiError> {
    let id = id.trim();
    if id.is_empty() || id.len() > 64 {
        return Err(ApiError::not_found());
    }
    Ok(id.to_string())
}

/// A person's documents, photos and recordings (the record is opened, with
/// its access checked and audited).
#[utoipa::path(get, path = "/api/v1/people/{id}/attachments", tag = "attachments",
    params(("id" = String, Path, description = "Person id")),
    security(("bearer" = [])),
    responses((status = 200, body = [AttachmentJson]),
              (status = 404, body = crate::errors::ApiErrorBody), (status = 403, body = crate::errors::ApiErrorBody),
              (status = 401, body = crate::errors::ApiErrorBody)))]
pub(crate) async fn api_person_list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    api_list(&state, &user, Owner::Person(api_id(&id)?)).await
}

/// Adds a file to a person's record: the body is the file itself, its
/// `Content-Type` the type it claims (checked against its first bytes).
/// It is kept in quarantine until the virus scan releases it.
#[utoipa::path(post, path = "/api/v1/people/{id}/attachments", tag = "attachments",
    params(("id" = String, Path, description = "Person id"),
           ("filename" = String, Query, description = "The file's name, with its ending (letter.pdf)"),
           ("description" = Option<String>, Query, description = "What it shows or is")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file: PDF, Word, JPEG, PNG, MP3, WAV, M4A or MP4, at most 25 MB"),
    security(("bearer" = [])),
    responses((status = 201, body = AttachmentJson),
              (status = 422, body = crate::errors::ApiErrorBody), (status = 413, body = crate::errors::ApiErrorBody),
              (status = 404, body = crate::errors::ApiErrorBody), (status = 403, body = crate::errors::ApiErrorBody),
              (status = 401, body = crate::errors::ApiErrorBody)))]
pub(crate) async fn api_person_add(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    api_add(
        &state,
        &user,
        Owner::Person(api_id(&id)?),
        &headers,
        q,
        body,
    )
    .await
}

/// A concern's documents, photos and recordings (council case workers).
#[utoipa::path(get, path = "/api/v1/concerns/{id}/attachments", tag = "attachments",
    params(("id" = String, Path, description = "Concern id")),
    security(("bearer" = [])),
    responses((status = 200, body = [AttachmentJson]),
              (status = 404, body = crate::errors::ApiErrorBody), (status = 403, body = crate::errors::ApiErrorBody),
              (status = 401, body = crate::errors::ApiErrorBody)))]
pub(crate) async fn api_concern_list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    api_list(&state, &user, Owner::Concern(api_id(&id)?)).await
}

/// Adds a file to a concern (as for a person's record).
#[utoipa::path(post, path = "/api/v1/concerns/{id}/attachments", tag = "attachments",
    params(("id" = String, Path, description = "Concern id"),
           ("filename" = String, Query, description = "The file's name, with its ending"),
           ("description" = Option<String>, Query, description = "What it shows or is")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file, at most 25 MB"),
    security(("bearer" = [])),
    responses((status = 201, body = AttachmentJson),
              (status = 422, body = crate::errors::ApiErrorBody), (status = 413, body = crate::errors::ApiErrorBody),
              (status = 404, body = crate::errors::ApiErrorBody), (status = 403, body = crate::errors::ApiErrorBody),
              (status = 401, body = crate::errors::ApiErrorBody)))]
pub(crate) async fn api_concern_add(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    api_add(
        &state,
        &user,
        Owner::Concern(api_id(&id)?),
        &headers,
        q,
        body,
    )
    .await
}

/// An enquiry's documents, photos and recordings: council staff, and
/// partner agencies it was shared with when the share names documents.
#[utoipa::path(get, path = "/api/v1/enquiries/{id}/attachments", tag = "attachments",
    params(("id" = String, Path, description = "Enquiry id")),
    security(("bearer" = [])),
    responses((status = 200, body = [AttachmentJson]),
              (status = 404, body = crate::errors::ApiErrorBody), (status = 403, body = crate::errors::ApiErrorBody),
              (status = 401, body = crate::errors::ApiErrorBody)))]
pub(crate) async fn api_enquiry_list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    api_list(&state, &user, Owner::Enquiry(api_id(&id)?)).await
}

/// Adds a file to an enquiry (as for a person's record).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/attachments", tag = "attachments",
    params(("id" = String, Path, description = "Enquiry id"),
           ("filename" = String, Query, description = "The file's name, with its ending"),
           ("description" = Option<String>, Query, description = "What it shows or is")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file, at most 25 MB"),
    security(("bearer" = [])),
    responses((status = 201, body = AttachmentJson),
              (status = 422, body = crate::errors::ApiErrorBody), (status = 413, body = crate::errors::ApiErrorBody),
              (status = 404, body = crate::errors::ApiErrorBody), (status = 403, body = crate::errors::ApiErrorBody),
              (status = 401, body = crate::errors::ApiErrorBody)))]
pub(crate) async fn api_enquiry_add(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    api_add(
        &state,
        &user,
        Owner::Enquiry(api_id(&id)?),
        &headers,
        q,
        body,
    )
    .await
}

/// A released file, read through its record (its access checked and
/// audited, the download audited, the file checked against its SHA-256;
/// photos without their location and other metadata).
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "attachments",
    params(("id" = String, Path, description = "Attachment id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The file, with its own Content-Type", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, body = crate::errors::ApiErrorBody), (status = 403, body = crate::errors::ApiErrorBody),
              (status = 401, body = crate::errors::ApiErrorBody)))]
pub(crate) async fn api_download(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let file = state
        .core
        .open_attachment(&user.actor, &api_id(&id)?, &user.ctx, user.now)
        .await?;
    Ok(file_response(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_words(900), "900 bytes");
        assert_eq!(size_words(18_000), "18 KB");
        assert_eq!(size_words(2_500_000), "2.4 MB");
    }

    #[tokio::test]
    async fn a_multipart_form_is_read() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\
            Content-Type: application/pdf\r\n\r\n%PDF-1.4 x\r\n--XyZ--\r\n";
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XyZ"),
        );
        assert!(is_multipart(&h));
        let b = Bytes::from(body);
        let m = read_multipart(&h, b).await.expect("read");
        assert_eq!(m.csrf_token(), "tok");
        let (name, declared, bytes) = m.file.expect("a file");
        assert_eq!(name.as_deref(), Some("a.pdf"));
        assert_eq!(declared.as_deref(), Some("application/pdf"));
        assert_eq!(&bytes[..], b"%PDF-1.4 x");
        assert!(
            read_multipart(&HeaderMap::new(), Bytes::new())
                .await
                .is_none()
        );
    }
}
