//! Which alerts are due now (docs/alerts.md, "Events"): figures of the current calendar
//! periods, the official windows and blocks that contain now, and the active sessions, each
//! read through the front door as `scopeon budget`, `blocks` and `context` show them.
//!
//! Only what contains now is looked at, so a backfill of old history never raises an alert
//! for a period that is over. Each alert is named by (event, subject, period): the store
//! remembers which fired.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::error::Result;
use crate::live::{BlocksRequest, ContextRequest};
use crate::store::DueAlert;
use crate::{BudgetRequest, Scopeon};

use super::config::EventKind;

/// The share of a budget, window or context that raises a warning, in percent.
const WARNING_PERCENT: u32 = 80;

/// The alerts due at `now` among the `wanted` events.
pub(crate) fn due(
    s: &Scopeon,
    wanted: &BTreeSet<EventKind>,
    now: Timestamp,
) -> Result<Vec<DueAlert>> {
    let at = now.to_string();
    let mut out = Vec::new();
    if wanted.contains(&EventKind::BudgetWarning) || wanted.contains(&EventKind::BudgetExceeded) {
        budgets(s, wanted, &at, &mut out)?;
    }
    if wanted.contains(&EventKind::LimitWarning)
        || wanted.contains(&EventKind::LimitReached)
        || wanted.contains(&EventKind::BlockProjection)
    {
        windows_and_blocks(s, now, &at, &mut out)?;
    }
    if wanted.contains(&EventKind::ContextWarning) {
        contexts(s, now, &at, &mut out)?;
    }
    out.retain(|d| EventKind::parse(d.event).is_some_and(|e| wanted.contains(&e)) || !d.send);
    Ok(out)
}

fn budgets(
    s: &Scopeon,
    wanted: &BTreeSet<EventKind>,
    at: &str,
    out: &mut Vec<DueAlert>,
) -> Result<()> {
    for b in s.budget(&BudgetRequest::new())?.budgets() {
        if !b.reached(WARNING_PERCENT) {
            continue;
        }
        let exceeded = b.reached(100);
        let mut data = b.to_json();
        if let Some(fields) = data.as_object_mut() {
            fields.remove("status");
            fields.insert("subject_kind".into(), json!("budget"));
            fields.insert("at".into(), json!(at));
        }
        let subject = format!("budget:{}", b.scope.key());
        let period = format!("{}:{}", b.bounds.period.as_str(), b.bounds.label);
        let mut push = |event: EventKind, send: bool| {
            let mut payload = data.clone();
            payload["event"] = json!(event.as_str());
            out.push(DueAlert {
                event: event.as_str(),
                subject: subject.clone(),
                period: period.clone(),
                payload,
                send,
            });
        };
        if exceeded {
            // A budget that jumps past 100% says so once; its warning is remembered as passed
            // over, unless the exceeded alert is not wanted and the warning is.
            push(
                EventKind::BudgetWarning,
                !wanted.contains(&EventKind::BudgetExceeded),
            );
            push(EventKind::BudgetExceeded, true);
        } else {
            push(EventKind::BudgetWarning, true);
        }
    }
    Ok(())
}

fn windows_and_blocks(
    s: &Scopeon,
    now: Timestamp,
    at: &str,
    out: &mut Vec<DueAlert>,
) -> Result<()> {
    let doc = s
        .blocks(
            &BlocksRequest::new()
                .active(true)
                .token_limit("max")
                .now(now),
        )?
        .to_document();
    let mut limit = |provider: &str, window: &str, minutes: Value, used: f64, resets_at: &Value| {
        let event = if used >= 100.0 {
            EventKind::LimitReached
        } else if used >= f64::from(WARNING_PERCENT) {
            EventKind::LimitWarning
        } else {
            return;
        };
        out.push(DueAlert {
            event: event.as_str(),
            subject: format!("window:{provider}:{window}"),
            period: stable_period(resets_at),
            payload: json!({
                "event": event.as_str(),
                "subject_kind": "window",
                "provider": provider,
                "window": window,
                "window_minutes": minutes,
                "used_percentage": used,
                "resets_at": resets_at,
                "at": at,
            }),
            send: true,
        });
    };
    let blocks = doc["blocks"].as_array().cloned().unwrap_or_default();
    for b in blocks.iter().filter(|b| b["is_active"] == true) {
        let provider = b["provider"].as_str().unwrap_or_default();
        if let (Some("official"), Some(used)) =
            (b["source"].as_str(), b["used_percentage"].as_f64())
        {
            limit(provider, "five_hour", json!(300), used, &b["end"]);
        }
    }
    for w in doc["windows"].as_array().into_iter().flatten() {
        if let Some(used) = w["used_percentage"].as_f64() {
            let provider = w["provider"].as_str().unwrap_or_default();
            let kind = w["kind"].as_str().unwrap_or_default();
            limit(
                provider,
                kind,
                w["window_minutes"].clone(),
                used,
                &w["resets_at"],
            );
        }
    }
    for b in blocks.iter().filter(|b| b["is_active"] == true) {
        let t = &b["token_limit"];
        if t["status"] != "exceeds" {
            continue;
        }
        let provider = b["provider"].as_str().unwrap_or_default();
        out.push(DueAlert {
            event: EventKind::BlockProjection.as_str(),
            subject: format!("block:{provider}"),
            period: stable_period(&b["start"]),
            payload: json!({
                "event": EventKind::BlockProjection.as_str(),
                "subject_kind": "block",
                "provider": provider,
                "source": b["source"],
                "block_start": b["start"],
                "block_end": b["end"],
                "projected_tokens": b["projection"]["total_tokens"],
                "token_limit": t["limit"],
                "projected_percent": t["projected_percent"],
                "at": at,
            }),
            send: true,
        });
    }
    Ok(())
}

fn contexts(s: &Scopeon, now: Timestamp, at: &str, out: &mut Vec<DueAlert>) -> Result<()> {
    for c in s.context(&ContextRequest::new().now(now))?.sessions() {
        let Some(ratio) = c.used_ratio else { continue };
        if ratio * 100.0 < f64::from(WARNING_PERCENT) {
            continue;
        }
        // The session is named by a hash: no session id leaves the store in an alert.
        let digest = Sha256::digest(format!("{}\u{0}{}", c.provider, c.session).as_bytes());
        let session: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        out.push(DueAlert {
            event: EventKind::ContextWarning.as_str(),
            subject: format!("context:{}:{session}", c.provider),
            period: "session".into(),
            payload: json!({
                "event": EventKind::ContextWarning.as_str(),
                "subject_kind": "context",
                "provider": c.provider,
                "model": c.model,
                "context_tokens": c.context_tokens,
                "context_window": c.context_window,
                "percent": ratio * 100.0,
                "at": at,
            }),
            send: true,
        });
    }
    Ok(())
}

/// A window's or block's period key: its reset (or start) time to the nearest quarter hour.
/// Agents that report a window as "resets in N seconds" give a reset time that moves by a
/// second or so with every report; keyed exactly, the same window would fire again after each
/// one (docs/alerts.md, "Events"). Windows reset on the hour or at an instant that stays
/// put, so the nearest quarter hour is the same key for every report of one window.
fn stable_period(time: &Value) -> String {
    const QUARTER_MS: i64 = 15 * 60 * 1000;
    let Some(text) = time.as_str() else {
        return String::new();
    };
    match text.parse::<Timestamp>() {
        Ok(t) => {
            let ms = t.as_millisecond();
            let rounded = (ms + QUARTER_MS / 2).div_euclid(QUARTER_MS) * QUARTER_MS;
            Timestamp::from_millisecond(rounded).map_or_else(|_| text.to_owned(), |t| t.to_string())
        }
        Err(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod stable_period_tests {
    use super::*;

    #[test]
    fn a_window_keeps_its_period_when_its_reset_time_jitters() {
        let a = stable_period(&json!("2026-12-07T15:00:00.450Z"));
        let b = stable_period(&json!("2026-12-07T14:59:58.900Z"));
        assert_eq!(a, b);
        assert_ne!(a, stable_period(&json!("2026-12-07T20:00:00Z")));
    }
}
