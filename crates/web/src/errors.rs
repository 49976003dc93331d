//! Errors, mapped once to HTML and once to JSON. The message a user sees is
//! separate from the cause, which is logged with the request id.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use safeguard_core::CoreError;
use safeguard_domain::validation::FieldErrors;
use serde::Serialize;

use crate::pages::Layout;

/// An error shown as a whole page.
#[derive(Clone, Debug)]
pub struct PageError {
    /// HTTP status.
    pub status: StatusCode,
    /// Page heading.
    pub heading: &'static str,
    /// What happened, in plain words.
    pub message: &'static str,
}

impl PageError {
    /// 404.
    pub fn not_found() -> Self {
        PageError {
            status: StatusCode::NOT_FOUND,
            heading: "Page not found",
            message: "If you typed the web address, check it is correct. If you followed a link, the record may not exist or you may not have access to it.",
        }
    }

    /// 403.
    pub fn forbidden() -> Self {
        PageError {
            status: StatusCode::FORBIDDEN,
            heading: "You do not have access to this page",
            message: "Your role does not include this. If you need it for your work, ask your manager.",
        }
    }

    /// 403 for a record outside the user's need-to-know (pages that show
    /// the record's name and contact handle this themselves).
    pub fn limited() -> Self {
        PageError {
            status: StatusCode::FORBIDDEN,
            heading: "This record is outside your team's work",
            message: "It is held by another team or restricted. Open the person's record from a search to see who to contact; in an emergency you can open it there, giving a reason.",
        }
    }

    /// 403 for a form whose CSRF token did not match.
    pub fn expired_form() -> Self {
        PageError {
            status: StatusCode::FORBIDDEN,
            heading: "This form has expired",
            message: "For your security, the form could not be accepted. Go back, reload the page and try again.",
        }
    }

    /// 500.
    pub fn internal() -> Self {
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            heading: "Sorry, there is a problem with the service",
            message: "Nothing was saved by the action that failed. Try again later.",
        }
    }

    /// 503: too many requests are waiting; nothing was done.
    pub fn busy() -> Self {
        PageError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            heading: "Sorry, the service is busy",
            message: "Too many people are signing in at once. Nothing was done: wait a few seconds and try again.",
        }
    }

    /// 400 for a request that could not be read.
    pub fn bad_request() -> Self {
        PageError {
            status: StatusCode::BAD_REQUEST,
            heading: "Sorry, that request could not be read",
            message: "Go back and try again.",
        }
    }

    /// 413: a form or file too large to take.
    pub fn too_large() -> Self {
        PageError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            heading: "That was too large to take",
            message: "Files must be 25 MB or smaller. Go back and choose a smaller file, or split the document.",
        }
    }
}

impl From<CoreError> for PageError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound => PageError::not_found(),
            CoreError::Forbidden => PageError::forbidden(),
            CoreError::Limited(_) => PageError::limited(),
            CoreError::Invalid(_)
            | CoreError::BadCredentials
            | CoreError::SecondFactor(_)
            | CoreError::Conflict => PageError::bad_request(),
            CoreError::Busy => PageError::busy(),
            CoreError::Merged(_) => PageError {
                status: StatusCode::GONE,
                heading: "This record was merged",
                message: "It was merged into another record of the same person: open that record instead.",
            },
            CoreError::Store(e) if e.is_timeout() => PageError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                heading: "Sorry, that took too long",
                message: "It was stopped so others are not kept waiting. Nothing was saved by it: try again, or narrow a search.",
            },
            CoreError::Store(_) | CoreError::Internal(_) => {
                tracing::error!(error = %e, "internal error");
                PageError::internal()
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = (self.status, crate::empty()).into_response();
        res.extensions_mut().insert(ErrorMarker::Page(self));
        res
    }
}

/// A JSON API error body.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// A stable code: `not_found`, `validation`, `unauthorized`…
    pub error: String,
    /// What went wrong, in plain words.
    pub message: String,
    /// Each field at fault, for `validation` and `bad_request`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<ApiFieldError>,
    /// The request id, to quote to an administrator.
    pub request_id: String,
}

/// One field at fault.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ApiFieldError {
    /// The field's name or path (for example `key_people[0].name`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error from the JSON API.
#[derive(Clone, Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Body, without the request id (added by the error layer).
    pub error: &'static str,
    /// Message.
    pub message: String,
    /// Fields at fault.
    pub fields: Vec<ApiFieldError>,
    /// When to try again (429 and 503).
    pub retry_after: Option<std::time::Duration>,
}

impl ApiError {
    /// 404.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such resource, or you may not see it",
        )
    }

    /// 401.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Send a valid bearer token: POST /api/v1/auth/token",
        )
    }

    /// Any status, code and message.
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            error,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    /// 429 with when to try again.
    pub fn rate_limited(wait: std::time::Duration) -> Self {
        ApiError {
            retry_after: Some(wait),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests from this address; try again later",
            )
        }
    }

    /// 400 with each query parameter at fault (the request itself is malformed).
    pub fn bad_query(errors: FieldErrors) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error: "bad_request",
            message: "Some query parameters are not valid".into(),
            ..ApiError::validation(errors)
        }
    }

    /// 422 with each field at fault.
    pub fn validation(errors: FieldErrors) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "validation",
            message: "Some fields are not valid".into(),
            fields: errors
                .0
                .into_iter()
                .map(|e| ApiFieldError {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
            retry_after: None,
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound => ApiError::not_found(),
            CoreError::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Your role may not do this",
            ),
            CoreError::Limited(l) => ApiError::new(
                StatusCode::FORBIDDEN,
                "outside_need_to_know",
                format!(
                    "This record is {}; contact {}. In an emergency, POST /api/v1/people/{{id}}/break-glass with a reason.",
                    if l.restricted {
                        "restricted"
                    } else {
                        "held by another team"
                    },
                    l.contact
                ),
            ),
            CoreError::Invalid(errs) => ApiError::validation(errs),
            CoreError::Merged(kept) => ApiError::new(
                StatusCode::GONE,
                "merged",
                format!("This record was merged into person {kept}: use that record"),
            ),
            CoreError::Conflict => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "The record was changed since the version you sent: fetch it again and reapply your change",
            ),
            CoreError::BadCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "Wrong username or password, or the account is locked",
            ),
            CoreError::SecondFactor(what) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "second_factor_required", what)
            }
            CoreError::Store(e) if e.is_timeout() => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_slow",
                "The request ran past its time limit and was stopped; nothing was saved by it. Try again, or narrow a search.",
            ),
            CoreError::Busy => ApiError {
                retry_after: Some(std::time::Duration::from_secs(5)),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "Too many sign-ins are waiting; nothing was done. Try again in a few seconds.",
                )
            },
            CoreError::Store(_) | CoreError::Internal(_) => {
                tracing::error!(error = %e, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on our side; nothing was saved",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, crate::empty()).into_response();
        res.extensions_mut().insert(ErrorMarker::Api(self));
        res
    }
}

/// Left on a response by an error; the outer layer renders the body with the request id.
#[derive(Clone, Debug)]
enum ErrorMarker {
    Page(PageError),
    Api(ApiError),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    l: Layout,
    heading: &'a str,
    message: &'a str,
    request_id: &'a str,
}

/// An API error response that is not JSON (axum's own rejections) made
/// into the API's JSON error, with the same status.
pub(crate) fn api_json(res: Response, request_id: &str) -> Response {
    let status = res.status();
    let json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (error, message) = match status {
        StatusCode::BAD_REQUEST => (
            "bad_request",
            "The request could not be read: check the path, query and body",
        ),
        StatusCode::NOT_FOUND => ("not_found", "Not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "This method is not allowed here"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "The body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Send the body as JSON with Content-Type: application/json",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => ("validation", "The body could not be read"),
        s if s.is_server_error() => (
            "internal",
            "Something went wrong on our side; nothing was saved",
        ),
        _ => ("error", "The request was refused"),
    };
    render_error(
        ApiError::new(status, error, message).into_response(),
        request_id,
        None,
    )
}

/// Whether `res` is an error page whose body is still to be filled in
/// (by [`render_error`], with the user's header when signed in).
pub(crate) fn is_error_page(res: &Response) -> bool {
    matches!(
        res.extensions().get::<ErrorMarker>(),
        Some(ErrorMarker::Page(_))
    )
}

/// Fills in the body of an error response. A signed-in user's error page
/// keeps their header and navigation.
pub(crate) fn render_error(
    mut res: Response,
    request_id: &str,
    session: Option<&crate::auth::SessionCtx>,
) -> Response {
    let Some(marker) = res.extensions_mut().remove::<ErrorMarker>() else {
        return res;
    };
    match marker {
        ErrorMarker::Page(e) => {
            let t = ErrorTemplate {
                l: match session {
                    Some(s) => Layout::for_actor(e.heading, &s.info.actor, &s.info.csrf_token),
                    None => Layout::anonymous(e.heading),
                },
                heading: e.heading,
                message: e.message,
                request_id,
            };
            let html = t
                .render()
                .unwrap_or_else(|_| format!("{} (reference {request_id})", e.heading));
            (e.status, axum::response::Html(html)).into_response()
        }
        ErrorMarker::Api(e) => {
            let body = ApiErrorBody {
                error: e.error.into(),
                message: e.message,
                fields: e.fields,
                request_id: request_id.into(),
            };
            let mut res = (e.status, axum::Json(body)).into_response();
            if let Some(wait) = e.retry_after {
                crate::limits::retry_after(&mut res, wait);
            }
            res
        }
    }
}
