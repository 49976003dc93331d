//! The public rate limit: public concern submissions, the public form and
//! status checks, counted per client address with the `governor` crate
//! (GCRA: the hour's allowance at once, then refilled evenly). Addresses
//! live in memory only, never stored or logged.
//!
//! The client's address is the connection's peer, unless that peer is one
//! of the configured trusted proxies: then the `X-Forwarded-For` header is
//! read from the right, and the first address that is not a trusted proxy
//! is the client's. Without a trusted proxy the header is ignored, so
//! nobody can pick their own bucket. A request whose address is unknown
//! shares one bucket with every other such request: the limit never fails
//! open.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::extract::connect_info::ConnectInfo;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use ipnet::IpNet;

use crate::AppState;

/// Addresses kept before forgotten buckets are swept (a bucket that has
/// refilled holds nothing worth keeping).
const SWEEP_AT: usize = 10_000;

/// Public requests allowed per client address per hour.
#[derive(Debug)]
pub struct RateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl RateLimiter {
    /// A limiter allowing `per_hour` requests per address (0: no limit).
    pub fn new(per_hour: u32) -> Self {
        RateLimiter {
            limiter: NonZeroU32::new(per_hour)
                .map(|n| governor::RateLimiter::keyed(Quota::per_hour(n))),
        }
    }

    /// Counts a request from `ip`: `Err` with how long to wait when it is
    /// over the limit.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > SWEEP_AT {
            limiter.retain_recent();
        }
        limiter
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Says when to try again (whole seconds, at least one).
pub(crate) fn retry_after(res: &mut axum::response::Response, wait: Duration) {
    let secs = wait.as_secs().max(1);
    if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
}

/// The client's address as the rate limit sees it (see the module docs).
pub(crate) struct ClientIp(pub(crate) IpAddr);

/// The client's address from the peer and the forwarded-for header, given
/// the trusted proxies.
pub(crate) fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> IpAddr {
    let Some(peer) = peer else {
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for
        .unwrap_or("")
        .rsplit(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return ip,
            // Garbage in the header: stop believing it at this hop.
            Err(_) => return client,
        }
    }
    client
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let forwarded = forwarded.join(",");
        Ok(ClientIp(client_ip(
            peer,
            Some(&forwarded),
            &state.config.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        // A client that claims to be someone else is not believed.
        assert_eq!(
            client_ip(Some(ip("198.51.100.7")), Some("203.0.113.1"), &proxies),
            ip("198.51.100.7")
        );
        // Through the proxy: the nearest address that is not a proxy.
        assert_eq!(
            client_ip(
                Some(ip("10.0.0.2")),
                Some("1.2.3.4, 203.0.113.1, 10.0.0.9"),
                &proxies
            ),
            ip("203.0.113.1")
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), None, &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.2")), Some("nonsense"), &proxies),
            ip("10.0.0.2")
        );
        // Unknown: one shared bucket, never unlimited.
        assert_eq!(client_ip(None, None, &proxies), ip("0.0.0.0"));
    }

    #[test]
    fn the_limit_refuses_past_the_allowance_per_address() {
        let l = RateLimiter::new(2);
        assert!(l.check(ip("192.0.2.1")).is_ok());
        assert!(l.check(ip("192.0.2.1")).is_ok());
        let wait = l.check(ip("192.0.2.1")).expect_err("third refused");
        assert!(wait > Duration::from_secs(60) && wait <= Duration::from_secs(1800));
        assert!(
            l.check(ip("192.0.2.2")).is_ok(),
            "another address has its own"
        );
        let off = RateLimiter::new(0);
        assert!((0..100).all(|_| off.check(ip("192.0.2.1")).is_ok()));
    }
}
