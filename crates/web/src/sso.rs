//! Single sign-on with OpenID Connect (for councils, Microsoft Entra ID):
//! the authorisation code flow with PKCE and a nonce, the ID token's
//! signature, issuer, audience, expiry and nonce checked by the
//! `openidconnect` crate, and its HTTP client never following redirects.
//! `GET /login/sso` sends the user to the provider; the provider sends them
//! back to `GET /login/sso/callback`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use safeguard_core::sso::SsoIdentity;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Anyone, SESSION_COOKIE, set_cookie};
use crate::forms::FormView;

/// The organisation's identity provider, discovered at start.
pub struct SsoClient {
    metadata: CoreProviderMetadata,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    http: openidconnect::reqwest::Client,
    /// The sign-in button's words.
    pub label: String,
}

impl std::fmt::Debug for SsoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoClient")
            .field("issuer", &self.metadata.issuer().as_str())
            .field("client_id", &self.client_id.as_str())
            .finish_non_exhaustive()
    }
}

/// Whether an Entra ID issuer is one of the shared multi-tenant addresses,
/// which would let any organisation's accounts in.
pub fn is_shared_issuer(issuer: &str) -> bool {
    issuer
        .trim_end_matches('/')
        .split('/')
        .any(|seg| matches!(seg, "common" | "organizations" | "consumers"))
}

impl SsoClient {
    /// Discovers the provider at `issuer` (its `/.well-known/openid-configuration`).
    pub async fn discover(
        issuer: &str,
        client_id: &str,
        client_secret: Option<String>,
        redirect_url: &str,
        label: &str,
    ) -> Result<SsoClient, String> {
        if is_shared_issuer(issuer) {
            return Err(format!(
                "{issuer} is a shared multi-tenant address: use your organisation's own tenant issuer"
            ));
        }
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would open the client to request forgery.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let issuer_url =
            IssuerUrl::new(issuer.to_string()).map_err(|e| format!("issuer {issuer:?}: {e}"))?;
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &http)
            .await
            .map_err(|e| format!("discovery at {issuer}: {e}"))?;
        Ok(SsoClient {
            metadata,
            client_id: ClientId::new(client_id.to_string()),
            client_secret: client_secret.map(ClientSecret::new),
            redirect: RedirectUrl::new(redirect_url.to_string())
                .map_err(|e| format!("redirect {redirect_url:?}: {e}"))?,
            http,
            label: label.to_string(),
        })
    }

    /// The provider's issuer.
    pub fn issuer(&self) -> &str {
        self.metadata.issuer().as_str()
    }
}

#[derive(Deserialize)]
pub(crate) struct StartQuery {
    next: Option<String>,
}

/// `GET /login/sso`: off to the identity provider.
pub(crate) async fn start(
    State(state): State<AppState>,
    who: Anyone,
    Query(q): Query<StartQuery>,
) -> Response {
    let Some(sso) = state.sso.as_ref() else {
        return crate::errors::PageError::not_found().into_response();
    };
    let next = crate::auth::safe_next(q.next.as_deref().unwrap_or("/")).to_string();
    let client = CoreClient::from_provider_metadata(
        sso.metadata.clone(),
        sso.client_id.clone(),
        sso.client_secret.clone(),
    )
    .set_redirect_uri(sso.redirect.clone());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    if let Err(e) = state
        .core
        .start_sso(
            csrf.secret(),
            nonce.secret(),
            verifier.secret(),
            &next,
            who.now,
        )
        .await
    {
        return crate::errors::PageError::from(e).into_response();
    }
    Redirect::to(url.as_str()).into_response()
}

#[derive(Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The sign-in page again, saying why single sign-on did not sign them in.
fn refused(state: &AppState, headers: &HeaderMap, why: &str) -> Response {
    let mut f = FormView::default();
    f.errors.add("sso", why);
    crate::auth::sign_in_page(
        state,
        headers,
        f,
        "/".into(),
        false,
        StatusCode::UNAUTHORIZED,
    )
}

/// The claims of a JWT's payload (its signature checked by the caller).
fn payload(jwt: &str) -> serde_json::Value {
    jwt.split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// `GET /login/sso/callback`: back from the provider with a code.
pub(crate) async fn callback(
    State(state): State<AppState>,
    who: Anyone,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let Some(sso) = state.sso.as_ref() else {
        return crate::errors::PageError::not_found().into_response();
    };
    if q.error.is_some() {
        return refused(
            &state,
            &headers,
            "The sign-in was cancelled or refused at your organisation's sign-in page",
        );
    }
    let (Some(code), Some(csrf)) = (q.code, q.state) else {
        return refused(
            &state,
            &headers,
            "That sign-in link is incomplete: sign in again",
        );
    };
    let request = match state.core.take_sso(&csrf, who.now).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            return refused(
                &state,
                &headers,
                "That sign-in has ended or was used already: sign in again",
            );
        }
        Err(e) => return crate::errors::PageError::from(e).into_response(),
    };
    let client = CoreClient::from_provider_metadata(
        sso.metadata.clone(),
        sso.client_id.clone(),
        sso.client_secret.clone(),
    )
    .set_redirect_uri(sso.redirect.clone());
    let exchange = match client.exchange_code(AuthorizationCode::new(code)) {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on: the provider has no token endpoint");
            return refused(
                &state,
                &headers,
                "Single sign-on is not set up correctly: tell your administrator",
            );
        }
    };
    let tokens = match exchange
        .set_pkce_verifier(PkceCodeVerifier::new(request.pkce_verifier.clone()))
        .request_async(&sso.http)
        .await
    {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on: the code exchange failed");
            return refused(
                &state,
                &headers,
                "Your organisation's sign-in did not complete: sign in again",
            );
        }
    };
    let Some(id_token) = tokens.id_token() else {
        return refused(
            &state,
            &headers,
            "Your organisation's sign-in sent no identity: sign in again",
        );
    };
    let verifier = client.id_token_verifier();
    let claims = match id_token.claims(&verifier, &Nonce::new(request.nonce.clone())) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on: the ID token was refused");
            return refused(
                &state,
                &headers,
                "Your organisation's sign-in could not be checked: sign in again",
            );
        }
    };
    // The token's signature is checked: its other claims (Entra's object
    // and tenant ids, app roles) are read from the same token.
    let extra = payload(&id_token.to_string());
    let text = |k: &str| extra[k].as_str().map(str::to_string);
    let identity = SsoIdentity {
        issuer: claims.issuer().as_str().to_string(),
        tenant: text("tid").unwrap_or_default(),
        subject: text("oid").unwrap_or_else(|| claims.subject().as_str().to_string()),
        name: text("name").unwrap_or_default(),
        email: text("preferred_username").or_else(|| text("email")),
        app_roles: extra["roles"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    };
    match state.core.sso_sign_in(&identity, &who.ctx, who.now).await {
        Ok(out) => {
            let mut res = Redirect::to(&request.next).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    state.config.cookie_secure,
                    SESSION_COOKIE,
                    &out.session_token,
                    "/",
                    "Lax",
                    None,
                ),
            );
            res
        }
        Err(safeguard_core::CoreError::BadCredentials) => refused(
            &state,
            &headers,
            "You signed in at your organisation, but you have no Safeguard access: ask your administrator",
        ),
        Err(e) => crate::errors::PageError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::{is_shared_issuer, payload};

    #[test]
    fn shared_entra_addresses_are_refused() {
        for bad in [
            "https://login.microsoftonline.com/common/v2.0",
            "https://login.microsoftonline.com/organizations/v2.0/",
            "https://login.microsoftonline.com/consumers/v2.0",
        ] {
            assert!(is_shared_issuer(bad), "{bad}");
        }
        assert!(!is_shared_issuer(
            "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
        ));
    }

    #[test]
    fn a_payload_is_read_from_the_middle_segment() {
        // {"oid":"x","roles":["a"]}
        let jwt = "e30.eyJvaWQiOiJ4Iiwicm9sZXMiOlsiYSJdfQ.sig";
        assert_eq!(payload(jwt)["oid"], "x");
        assert_eq!(payload(jwt)["roles"][0], "a");
        assert!(payload("nonsense").is_null());
    }
}
