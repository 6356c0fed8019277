//! `scopeon pricing`: what a model costs and why, and which stored models have no price.

use std::io::Write;

use scopeon_core::Scopeon;
use scopeon_core::env::Env;
use scopeon_core::pricing::{PRICES_CHECKED, PriceSource, Rates};
use scopeon_core::store::COST_BASIS;
use scopeon_core::window::now;
use serde_json::Value;

use crate::args::{Global, PricingArgs};
use crate::render::print_json;
use crate::{Failure, open};

pub fn run(global: &Global, args: &PricingArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("pricing has no CSV output; use --json"));
    }
    let mut out = std::io::stdout().lock();
    // The prices a report uses are the database's: the built-in table with the overrides it
    // was last configured with.
    let scopeon = open(global, env)?;
    if args.unknown {
        return unknown(global, &scopeon, &mut out);
    }
    match &args.model {
        Some(model) => one(global, &scopeon, model, env, &mut out),
        None => all(global, &scopeon, &mut out),
    }
}

fn rates_line(r: &Rates) -> String {
    format!(
        "input {}  output {}  cache write 5m {}  cache write 1h {}  cache read {}",
        r.input, r.output, r.cache_write_5m, r.cache_write_1h, r.cache_read
    )
}

fn one(
    global: &Global,
    scopeon: &Scopeon,
    model: &str,
    env: &Env,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let unknown = || Failure {
        message: format!(
            "no price for model {model:?}: it is not in the built-in table (checked {PRICES_CHECKED}) \
             nor in your overrides, and Scopeon never prices a model as another; its usage is \
             reported as unpriced tokens (add it to ~/.scopeon/pricing.toml to price it)"
        ),
        code: 1,
    };
    if global.json {
        let doc = scopeon.price_document(model).map_err(|e| match e {
            scopeon_core::Error::UnknownModel { .. } => unknown(),
            other => other.into(),
        })?;
        return Ok(print_json(out, &doc)?);
    }
    let table = scopeon.price_table();
    let at = now(env)?;
    let resolved = table.resolve(model).ok_or_else(unknown)?;
    let at_ms = at.as_millisecond();
    writeln!(out, "{model}")?;
    writeln!(
        out,
        "  priced as {} ({}){}",
        resolved.canonical,
        match resolved.source {
            PriceSource::Builtin => format!("built-in table, checked {PRICES_CHECKED}"),
            other => format!("{other}; built-in table checked {PRICES_CHECKED}"),
        },
        if resolved.regional_uplift {
            "; regional endpoint: +10 % on every rate"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "  USD per million tokens: {}",
        rates_line(&resolved.rates_at(at_ms))
    )?;
    if let Some(t) = resolved.long_context_at(at_ms) {
        writeln!(
            out,
            "  requests over {} prompt tokens (input + cache), every token: {}",
            t.above_tokens,
            rates_line(&t.rates)
        )?;
    }
    writeln!(out, "{COST_BASIS}.")?;
    Ok(())
}

fn all(global: &Global, scopeon: &Scopeon, out: &mut impl Write) -> Result<(), Failure> {
    let doc = scopeon.price_table_document()?;
    if global.json {
        print_json(out, &doc)?;
        return Ok(());
    }
    let models = doc["models"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    };
    let width = models
        .iter()
        .map(|m| text(&m["model"]).len())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(
        out,
        "{:width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>10}",
        "Model", "Input", "Output", "Write 5m", "Write 1h", "Read", "Tier above"
    )?;
    for m in models {
        let r = &m["rates"];
        writeln!(
            out,
            "{:width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>10}",
            text(&m["model"]),
            text(&r["input"]),
            text(&r["output"]),
            text(&r["cache_write_5m"]),
            text(&r["cache_write_1h"]),
            text(&r["cache_read"]),
            text(&m["long_context_above"]),
        )?;
    }
    writeln!(
        out,
        "USD per million tokens; built-in table checked {PRICES_CHECKED}. {COST_BASIS}."
    )?;
    Ok(())
}

fn unknown(global: &Global, scopeon: &Scopeon, out: &mut impl Write) -> Result<(), Failure> {
    let models = scopeon.unpriced_models()?;
    if global.json {
        print_json(out, &scopeon.unpriced_document()?)?;
        return Ok(());
    }
    if models.is_empty() {
        writeln!(out, "Every stored request has a price.")?;
        return Ok(());
    }
    writeln!(out, "Models without a price (their tokens are in no cost):")?;
    for m in &models {
        writeln!(
            out,
            "  {:12}  {:40}  {:>8} requests  {:>14} tokens",
            m.provider,
            crate::sanitize::printable(m.model.as_deref().unwrap_or("(no model logged)")),
            m.requests,
            m.tokens
        )?;
    }
    Ok(())
}
