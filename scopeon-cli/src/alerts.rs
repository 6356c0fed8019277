//! `scopeon alerts list` and `scopeon alerts test` (docs/alerts.md).

use std::io::Write;

use scopeon_core::env::Env;
use serde_json::Value;

use crate::args::{AlertsAction, AlertsArgs, Global};
use crate::render::print_json;
use crate::sanitize::printable;
use crate::{Failure, open};

pub fn run(global: &Global, args: &AlertsArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("alerts has no CSV output; use --json"));
    }
    let mut scopeon = open(global, env)?;
    let mut out = std::io::stdout().lock();
    match &args.action {
        AlertsAction::List => {
            let doc = scopeon.alerts_document()?;
            if global.json {
                return Ok(print_json(&mut out, &doc)?);
            }
            list(&mut out, &doc)?;
        }
        AlertsAction::Test(test) => {
            let doc = scopeon.test_alerts(test.webhook)?;
            if global.json {
                print_json(&mut out, &doc)?;
            } else {
                for r in doc["results"].as_array().into_iter().flatten() {
                    writeln!(
                        out,
                        "webhook {} ({} {}): {} ({})",
                        r["webhook"],
                        text(&r["kind"]),
                        text(&r["url"]),
                        text(&r["result"]),
                        text(&r["status"])
                    )?;
                }
            }
            let results = doc["results"].as_array().cloned().unwrap_or_default();
            if results.is_empty() {
                eprintln!(
                    "note: no webhook is configured; add [[alerts.webhooks]] to config.toml (docs/alerts.md)"
                );
            }
            // A test is a question: it exits 1 when a webhook did not take the event.
            if results.iter().any(|r| r["result"] != "delivered") {
                return Err(Failure {
                    message: String::new(),
                    code: 1,
                });
            }
        }
    }
    Ok(())
}

fn text(v: &Value) -> String {
    printable(v.as_str().unwrap_or("-")).into_owned()
}

fn list(out: &mut impl Write, doc: &Value) -> std::io::Result<()> {
    let hooks = doc["webhooks"].as_array().cloned().unwrap_or_default();
    if hooks.is_empty() {
        writeln!(
            out,
            "No webhook is configured: add [[alerts.webhooks]] to ~/.scopeon/config.toml (docs/alerts.md)."
        )?;
    }
    for h in &hooks {
        writeln!(
            out,
            "webhook {}: {} {} — {}; last attempt {} ({}), last delivered {}",
            h["webhook"],
            text(&h["kind"]),
            text(&h["url"]),
            text(&h["state"]),
            text(&h["last_attempt"]),
            text(&h["last_status"]),
            text(&h["last_delivered"]),
        )?;
    }
    let alerts = doc["alerts"].as_array().cloned().unwrap_or_default();
    if alerts.is_empty() {
        writeln!(out, "No alert has fired.")?;
        return Ok(());
    }
    writeln!(out)?;
    for a in &alerts {
        let deliveries: Vec<String> = a["deliveries"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                format!(
                    "webhook {} {} after {} attempt(s) ({})",
                    d["webhook"],
                    text(&d["state"]),
                    d["attempts"],
                    text(&d["last_status"])
                )
            })
            .collect();
        writeln!(
            out,
            "{}  {}  {}  {}  {}",
            text(&a["fired_at"]),
            text(&a["event"]),
            text(&a["subject"]),
            text(&a["period"]),
            if deliveries.is_empty() {
                "not sent".to_owned()
            } else {
                deliveries.join("; ")
            }
        )?;
    }
    Ok(())
}
