//! Sending queued alerts (docs/alerts.md, "Delivery"): claim, send through curl, record the
//! answer and schedule a retry. Nothing here fails the command that called it: every outcome
//! is recorded in the store and shown by `scopeon alerts list` and `scopeon doctor`.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::error::Result;
use crate::store::{Claimed, Store};

use super::config::WebhookKind;
use super::webhooks::{Webhook, Webhooks};
use super::{payload, sign};
use crate::curl::{Answer, Body, post};

/// How long one request may take (curl's `max-time`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is left to the process that claimed it (more than a request
/// can take): if that process dies, another one sends it after this.
const LEASE_MS: i64 = 60_000;
/// Attempts before a delivery is given up (backoff 30 s, 1, 2, 4 ... minutes: about two hours).
const MAX_ATTEMPTS: u32 = 8;
/// The first retry's delay; each later one doubles, up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: i64 = 30_000;
const MAX_BACKOFF_MS: i64 = 6 * 3_600_000;

/// What one request did, as recorded.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub state: &'static str,
    pub status: String,
    pub next_attempt_ms: i64,
}

/// How an answer is recorded after `attempts` attempts.
fn judge(answer: &Answer, attempts: u32, now_ms: i64) -> Sent {
    let retry = |retry_after: Option<u64>| {
        let backoff = FIRST_BACKOFF_MS
            .saturating_mul(1 << attempts.saturating_sub(1).min(20))
            .min(MAX_BACKOFF_MS);
        let asked = retry_after.map_or(0, |s| (s.min(86_400) as i64) * 1000);
        if attempts >= MAX_ATTEMPTS {
            ("failed", now_ms)
        } else {
            ("queued", now_ms + backoff.max(asked))
        }
    };
    let (state, next_attempt_ms) = match answer {
        Answer::Status { code, .. } if (200..300).contains(code) => ("delivered", now_ms),
        Answer::Status {
            code: 404 | 410, ..
        } => ("disabled", now_ms),
        Answer::Status {
            code: 429,
            retry_after,
        } => retry(*retry_after),
        Answer::Status { code, retry_after } if *code >= 500 => retry(*retry_after),
        // Another 4xx (or a 3xx: redirects are not followed) will not change by retrying.
        Answer::Status { .. } => ("failed", now_ms),
        Answer::Failed(_) => retry(None),
    };
    Sent {
        state,
        status: answer.describe(),
        next_attempt_ms,
    }
}

/// Sends one message to one webhook.
fn send(
    hook: &Webhook,
    message_id: &str,
    data: &Value,
    now: Timestamp,
    deadline: Instant,
) -> Answer {
    let Some(url) = &hook.url else {
        return Answer::Failed("URL not set".into());
    };
    let timestamp = now.to_string();
    let body = payload::body(hook.kind, data, &timestamp);
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        (
            "User-Agent".to_owned(),
            format!("scopeon/{}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    if hook.kind == WebhookKind::Generic {
        let Some(key) = &hook.secret else {
            return Answer::Failed("secret not set".into());
        };
        let seconds = now.as_second();
        headers.push(("webhook-id".into(), message_id.to_owned()));
        headers.push(("webhook-timestamp".into(), seconds.to_string()));
        headers.push((
            "webhook-signature".into(),
            sign::signature(key, message_id, seconds, &body),
        ));
    }
    post(
        url.full(),
        &headers,
        Body::Json(&body),
        REQUEST_TIMEOUT,
        deadline,
    )
}

/// The webhooks that may be sent to now: URL known, and not disabled under this
/// configuration.
fn usable<'a>(store: &Store, hooks: &'a Webhooks) -> Result<Vec<&'a Webhook>> {
    let mut out = Vec::new();
    for hook in &hooks.hooks {
        if hook.problem.is_some() || hook.url.is_none() {
            continue;
        }
        let state = store.endpoint_state(&hook.endpoint)?;
        if state.disabled_config.as_deref() != Some(hooks.fingerprint.as_str()) {
            out.push(hook);
        }
    }
    Ok(out)
}

/// Delivers what is queued and due, one request at a time, until the queue is empty or
/// `deadline` passes. Returns how many were delivered.
pub(crate) fn deliver_due(
    store: &mut Store,
    hooks: &Webhooks,
    now: Timestamp,
    deadline: Instant,
) -> Result<usize> {
    let now_ms = now.as_millisecond();
    if hooks.hooks.is_empty() || !store.deliveries_due(now_ms)? {
        return Ok(0);
    }
    let mut delivered = 0;
    let started = Instant::now();
    while Instant::now() < deadline {
        let open = usable(store, hooks)?;
        let endpoints: Vec<String> = open.iter().map(|h| h.endpoint.clone()).collect();
        // The lease runs from when the claim is made, not from when the loop started: after
        // a slow delivery, a lease from then could already have run out.
        let claim_ms = now_ms + started.elapsed().as_millis() as i64;
        let Some(claimed) = store.claim_delivery(&endpoints, claim_ms, LEASE_MS)? else {
            break;
        };
        // Claimed among the usable endpoints, so found; should another process's row ever
        // say otherwise, this command stops delivering rather than guess.
        let Some(hook) = open.iter().find(|h| h.endpoint == claimed.endpoint) else {
            break;
        };
        let sent = deliver_one(store, hooks, hook, &claimed, now, deadline)?;
        delivered += usize::from(sent.state == "delivered");
    }
    Ok(delivered)
}

fn deliver_one(
    store: &mut Store,
    hooks: &Webhooks,
    hook: &Webhook,
    claimed: &Claimed,
    now: Timestamp,
    deadline: Instant,
) -> Result<Sent> {
    let answer = send(hook, &claimed.message_id, &claimed.payload, now, deadline);
    let now_ms = now.as_millisecond();
    let sent = judge(&answer, claimed.attempts, now_ms);
    store.finish_delivery(
        claimed,
        sent.state,
        &sent.status,
        sent.next_attempt_ms,
        now_ms,
    )?;
    store.record_endpoint(
        &hook.endpoint,
        &sent.status,
        sent.state == "delivered",
        (sent.state == "disabled").then_some(hooks.fingerprint.as_str()),
        now_ms,
    )?;
    Ok(sent)
}

/// Sends a labelled test event to each webhook (or the one at `only`) now, whatever their
/// state, and records how each answered.
pub(crate) fn send_test(
    store: &mut Store,
    hooks: &Webhooks,
    only: Option<usize>,
    now: Timestamp,
    deadline: Instant,
) -> Result<Vec<Value>> {
    let data = json!({"event": "test", "subject_kind": "test", "at": now.to_string()});
    let message_id = format!("msg_test_{}", now.as_millisecond());
    let mut out = Vec::new();
    for hook in hooks
        .hooks
        .iter()
        .filter(|h| only.is_none_or(|n| h.index == n))
    {
        let (status, state) = match &hook.problem {
            Some(p) => (p.clone(), "unavailable"),
            None => {
                let answer = send(hook, &message_id, &data, now, deadline);
                let sent = judge(&answer, MAX_ATTEMPTS, now.as_millisecond());
                store.record_endpoint(
                    &hook.endpoint,
                    &sent.status,
                    sent.state == "delivered",
                    (sent.state == "disabled").then_some(hooks.fingerprint.as_str()),
                    now.as_millisecond(),
                )?;
                (sent.status, sent.state)
            }
        };
        out.push(json!({
            "webhook": hook.index,
            "kind": hook.kind.as_str(),
            "url": hook.shown(),
            "status": status,
            "result": state,
        }));
    }
    Ok(out)
}

/// Each webhook with its state and last outcome, as `alerts list` and `doctor` show them.
pub(crate) fn webhook_states(store: &Store, hooks: &Webhooks) -> Result<Vec<Value>> {
    let at = |ms: Option<i64>| ms.map(crate::live::blocks::instant);
    hooks
        .hooks
        .iter()
        .map(|hook| {
            let s = store.endpoint_state(&hook.endpoint)?;
            let state = if hook.problem.is_some() {
                "unavailable"
            } else if s.disabled_config.as_deref() == Some(hooks.fingerprint.as_str()) {
                "disabled"
            } else {
                "active"
            };
            Ok(json!({
                "webhook": hook.index,
                "kind": hook.kind.as_str(),
                "url": hook.shown(),
                "events": hook.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
                "state": state,
                "problem": hook.problem,
                "last_attempt": at(s.last_attempt_ms),
                "last_status": s.last_status,
                "last_delivered": at(s.last_delivered_ms),
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_judged() {
        let st = |code| Answer::Status {
            code,
            retry_after: None,
        };
        assert_eq!(judge(&st(204), 1, 0).state, "delivered");
        assert_eq!(judge(&st(404), 1, 0).state, "disabled");
        assert_eq!(judge(&st(410), 1, 0).state, "disabled");
        assert_eq!(judge(&st(400), 1, 0).state, "failed");
        let s = judge(&st(503), 1, 1000);
        assert_eq!((s.state, s.next_attempt_ms), ("queued", 31_000));
        assert_eq!(judge(&st(503), 3, 0).next_attempt_ms, 120_000);
        let s = judge(
            &Answer::Status {
                code: 429,
                retry_after: Some(600),
            },
            1,
            0,
        );
        assert_eq!(
            s.next_attempt_ms, 600_000,
            "Retry-After longer than the backoff"
        );
        assert_eq!(
            judge(&Answer::Failed("x".into()), MAX_ATTEMPTS, 0).state,
            "failed"
        );
        assert_eq!(judge(&Answer::Failed("x".into()), 1, 0).state, "queued");
    }
}
