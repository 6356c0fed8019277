//! The checks every request passes before a handler sees it, in this order (docs/serve.md,
//! "Security"): the client's request rate (429), the method (GET and HEAD only, 405), the
//! `Host` header (403: defeats DNS rebinding), the path (404), the token for tier 1 and 2
//! paths (401, before any tier check, so that the tier is not revealed to a client without
//! the secret), the path's tier (403), and for WebSocket upgrades the `Origin` (403: a page
//! of another site cannot open the live stream). Refusals never repeat what the request
//! said. Every answer gets the same protective headers; none of them is CORS.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::config::Tier;
use super::error::refusal;
use super::state::AppState;

/// The WebSocket subprotocol that carries the token from a browser, which cannot set headers
/// on a WebSocket: `scopeon.token.` followed by the secret's UTF-8 bytes in lowercase hex.
pub const TOKEN_PROTOCOL_PREFIX: &str = "scopeon.token.";

/// The two ends of a connection, put in every request's extensions by the listener.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    pub client: SocketAddr,
    /// The address the client connected to: an IP literal `Host` naming it is allowed.
    pub local: SocketAddr,
}

/// The middleware: a refusal, or the handler's answer; either with the common headers.
pub async fn check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = match refuse(&state, &request) {
        Some(refused) => refused,
        None => next.run(request).await,
    };
    protect(response.headers_mut());
    response
}

fn refuse(state: &AppState, request: &Request) -> Option<Response> {
    // The listener attaches the peer to every request; without it no check could be made.
    let Some(peer) = request.extensions().get::<Peer>().copied() else {
        return Some(refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server could not tell who is asking",
        ));
    };
    if !state.limiter.allow(peer.client.ip()) {
        return Some(refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests from this address; slow down",
        ));
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut r = refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            "this server is read-only: GET and HEAD only",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Some(r);
    }
    let headers = request.headers();
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return Some(refusal(StatusCode::FORBIDDEN, "a Host header is required"));
    };
    if !host_allowed(host, peer.local.ip(), &state.settings.allowed_hosts) {
        return Some(refusal(
            StatusCode::FORBIDDEN,
            "this Host is not allowed: use localhost, 127.0.0.1 or [::1], the server's address, or a name given with --allow-host",
        ));
    }
    let Some(tier) = state.routes.tier_of(request.uri().path()) else {
        return Some(refusal(
            StatusCode::NOT_FOUND,
            "no such endpoint; see /openapi.json",
        ));
    };
    if tier > Tier::Health
        && let Some(secret) = &state.settings.secret
        && !presented_tokens(headers).any(|t| secret.matches(&t))
    {
        let mut r = refusal(
            StatusCode::UNAUTHORIZED,
            "a token is required: send the secret as x-scopeon-token or Authorization: Bearer",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"scopeon\""),
        );
        return Some(r);
    }
    if tier > state.settings.tier {
        return Some(refusal(
            StatusCode::FORBIDDEN,
            "this endpoint needs a higher tier than the server runs at (scopeon serve --tier)",
        ));
    }
    if headers.contains_key(header::UPGRADE) && !origin_allowed(headers, host) {
        return Some(refusal(
            StatusCode::FORBIDDEN,
            "WebSocket connections are accepted from this server's own pages only",
        ));
    }
    None
}

/// Whether `host` (a Host header: a name or address and an optional port) is one the server
/// answers to. IP literals other than the connection's own address and names not given are
/// refused, so a DNS name an attacker controls cannot reach the server from a browser.
pub fn host_allowed(host: &str, local: IpAddr, allowed: &[String]) -> bool {
    let host = host.to_ascii_lowercase();
    let name = match host.rsplit_once(':') {
        // `[::1]:7771` or `name:7771`; a bare `[::1]` has its last colon inside the brackets.
        Some((name, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (!name.starts_with('[') || name.ends_with(']')) =>
        {
            name
        }
        _ => host.as_str(),
    };
    if matches!(name, "localhost" | "127.0.0.1" | "[::1]") {
        return true;
    }
    let literal = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    if let Ok(ip) = literal.parse::<IpAddr>() {
        // `[::ffff:192.0.2.1]` is how an IPv4 client of a dual-stack socket is seen.
        let local = match local {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(local, IpAddr::V4),
            v4 => v4,
        };
        return ip == local && !ip.is_unspecified() && name.contains(':') == name.starts_with('[');
    }
    allowed.iter().any(|a| a == name)
}

/// The tokens a request presents: `x-scopeon-token`, `Authorization: Bearer`, and the
/// WebSocket subprotocol of [`TOKEN_PROTOCOL_PREFIX`].
fn presented_tokens(headers: &HeaderMap) -> impl Iterator<Item = Vec<u8>> + '_ {
    let direct = headers
        .get_all("x-scopeon-token")
        .iter()
        .map(|v| v.as_bytes().to_vec());
    let bearer = headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|v| {
            let v = v.as_bytes();
            let scheme = v.get(..7)?;
            scheme
                .eq_ignore_ascii_case(b"bearer ")
                .then(|| v[7..].trim_ascii().to_vec())
        });
    let protocol = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.trim().strip_prefix(TOKEN_PROTOCOL_PREFIX))
        .filter_map(from_hex);
    direct.chain(bearer).chain(protocol)
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A WebSocket's `Origin` must be this server as the browser reached it (`http://` and the
/// Host header, already checked); a client that sends none is not a browser page.
fn origin_allowed(headers: &HeaderMap, host: &str) -> bool {
    match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|o| o.eq_ignore_ascii_case(host)),
    }
}

/// Headers on every answer: no caching, no sniffing, no framing, no referrer, and a content
/// policy that lets the dashboard talk to this server only.
fn protect(headers: &mut HeaderMap) {
    let set = |h: &mut HeaderMap, name, value| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
}

#[cfg(test)]
mod tests {
    use super::{from_hex, host_allowed};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn loopback_names_are_allowed_with_any_port() {
        for host in [
            "localhost",
            "localhost:7771",
            "127.0.0.1:1",
            "[::1]",
            "[::1]:7771",
            "LOCALHOST",
        ] {
            assert!(host_allowed(host, LOOPBACK, &[]), "{host}");
        }
    }

    #[test]
    fn rebinding_names_and_foreign_addresses_are_refused() {
        for host in [
            "evil.example:7771",
            "127.0.0.1.evil.example",
            "localhost.evil.example:7771",
            "localhost.",
            "192.0.2.7:7771",
            "0.0.0.0:7771",
            "[::]:7771",
            "",
            ":7771",
            "[::1",
        ] {
            assert!(!host_allowed(host, LOOPBACK, &[]), "{host}");
        }
    }

    #[test]
    fn the_connections_own_address_and_allowed_names_are_accepted() {
        let lan = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
        assert!(host_allowed("192.0.2.7:7771", lan, &[]));
        assert!(!host_allowed("192.0.2.8:7771", lan, &[]));
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped());
        assert!(host_allowed("192.0.2.7", mapped, &[]));
        let v6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
        assert!(host_allowed("[2001:db8::1]:7771", v6, &[]));
        let names = ["mybox.local".to_owned()];
        assert!(host_allowed("MyBox.local:7771", lan, &names));
        assert!(!host_allowed("mybox.local.evil.example", lan, &names));
    }

    #[test]
    fn hex_tokens_decode_and_bad_ones_do_not() {
        assert_eq!(from_hex("736563726574"), Some(b"secret".to_vec()));
        assert_eq!(from_hex("7"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
