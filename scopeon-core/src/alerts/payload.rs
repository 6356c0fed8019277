//! Request bodies per webhook kind (docs/alerts.md, "Payloads"), built from an alert's
//! figures alone: the figures were chosen when it fired and hold no prompt text, no session
//! id and no project path unless the budget names it.

use serde_json::{Value, json};

use super::config::WebhookKind;

/// One line saying what happened, for people (Slack's `text`, Discord's `content`).
pub(crate) fn summary(data: &Value) -> String {
    let f = |k: &str| data.get(k).and_then(Value::as_f64);
    let s = |k: &str| data.get(k).and_then(Value::as_str).unwrap_or("?");
    let pct = |k: &str| f(k).map_or_else(|| "?".to_owned(), |p| format!("{p:.0}%"));
    match s("event") {
        "budget_warning" | "budget_exceeded" => {
            let whose = match s("scope") {
                "provider" => format!("{} ", s("provider")),
                "project" => format!("project {} ", s("project")),
                _ => String::new(),
            };
            let verb = if s("event") == "budget_exceeded" {
                "exceeded"
            } else {
                "reached"
            };
            format!(
                "Scopeon: {whose}{} budget {verb}: ${:.2} of ${:.2} ({}) in {}, projected ${:.2}",
                s("period"),
                f("spend_usd").unwrap_or(0.0),
                f("limit_usd").unwrap_or(0.0),
                pct("percent"),
                s("period_label"),
                f("projected_usd").unwrap_or(0.0),
            )
        }
        "limit_warning" | "limit_reached" => format!(
            "Scopeon: {} {} window at {} (resets {})",
            s("provider"),
            s("window"),
            pct("used_percentage"),
            s("resets_at"),
        ),
        "block_projection" => format!(
            "Scopeon: {} block projected to {} tokens, past its limit of {} ({}; ends {})",
            s("provider"),
            f("projected_tokens").unwrap_or(0.0),
            f("token_limit").unwrap_or(0.0),
            pct("projected_percent"),
            s("block_end"),
        ),
        "context_warning" => format!(
            "Scopeon: a {} session's context is at {} of {} tokens ({})",
            s("provider"),
            pct("percent"),
            f("context_window").unwrap_or(0.0),
            s("model"),
        ),
        "test" => {
            "Scopeon: test alert (scopeon alerts test); no budget or limit was crossed".into()
        }
        other => format!("Scopeon: {other}"),
    }
}

/// Slack's mrkdwn escapes: a figure never becomes a link or a mention.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The request body for `kind`.
pub(crate) fn body(kind: WebhookKind, data: &Value, timestamp: &str) -> String {
    let text = summary(data);
    let event = data.get("event").and_then(Value::as_str).unwrap_or("alert");
    let doc = match kind {
        WebhookKind::Slack => {
            let text = slack_escape(&text);
            json!({
                "text": text,
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                    {"type": "context", "elements": [
                        {"type": "mrkdwn", "text": format!("{event} · {timestamp}")}
                    ]},
                ],
            })
        }
        WebhookKind::Discord => json!({
            "content": text,
            "embeds": [{
                "title": event,
                "description": text,
                "timestamp": timestamp,
            }],
            // No @everyone, role or user mention is ever pinged, whatever the text holds.
            "allowed_mentions": {"parse": []},
        }),
        WebhookKind::Generic => json!({
            "type": format!("scopeon.{event}"),
            "timestamp": timestamp,
            "data": data,
        }),
    };
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_shape() {
        let data = json!({"event": "budget_exceeded", "scope": "overall", "period": "daily",
            "period_label": "2026-11-20", "spend_usd": 1.35, "limit_usd": 1.0, "percent": 135.0,
            "projected_usd": 1.8});
        let t = "2026-11-20T18:00:00Z";
        let slack: Value = serde_json::from_str(&body(WebhookKind::Slack, &data, t)).unwrap();
        assert!(
            slack["text"]
                .as_str()
                .unwrap()
                .contains("$1.35 of $1.00 (135%)")
        );
        assert_eq!(slack["blocks"][0]["type"], "section");
        let discord: Value = serde_json::from_str(&body(WebhookKind::Discord, &data, t)).unwrap();
        assert_eq!(discord["allowed_mentions"]["parse"], json!([]));
        assert!(
            discord["content"].is_string() && discord["embeds"][0]["title"] == "budget_exceeded"
        );
        let generic: Value = serde_json::from_str(&body(WebhookKind::Generic, &data, t)).unwrap();
        assert_eq!(generic["type"], "scopeon.budget_exceeded");
        assert_eq!(generic["data"], data);
        assert_eq!(
            slack_escape("<@U1> & <!here>"),
            "&lt;@U1&gt; &amp; &lt;!here&gt;"
        );
    }
}
