//! Static assets, embedded in the binary: the stylesheet compiled from
//! GOV.UK Frontend (npm) with our own header and system fonts, GOV.UK
//! Frontend's JavaScript, and our own small files.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::errors::PageError;

static CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/safeguard.css"));
static GOVUK_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/govuk-frontend.min.js"));
static INIT_JS: &[u8] = include_bytes!("../assets/init.js");
static FAVICON: &[u8] = include_bytes!("../assets/favicon.svg");

/// `GET /assets/{path}`.
pub(crate) async fn serve(Path(path): Path<String>) -> Response {
    let (body, kind): (&'static [u8], &str) = match path.as_str() {
        "safeguard.css" => (CSS, "text/css; charset=utf-8"),
        "govuk-frontend.min.js" => (GOVUK_JS, "text/javascript; charset=utf-8"),
        "init.js" => (INIT_JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return PageError::not_found().into_response(),
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
