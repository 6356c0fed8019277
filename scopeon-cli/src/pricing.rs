//! `scopeon pricing`: what a model costs and why, and which stored models have no price.

use std::io::Write;

use scopeon_core::config::Config;
use scopeon_core::env::Env;
use scopeon_core::pricing::{PRICES_CHECKED, PriceSource, PriceTable, Rates, price_document};
use scopeon_core::store::COST_BASIS;
use scopeon_core::window::now;
use serde_json::{Value, json};

use crate::args::{Global, PricingArgs};
use crate::render::print_json;
use crate::{Failure, load_config, open_store};

pub fn run(global: &Global, args: &PricingArgs, env: &Env) -> Result<(), Failure> {
    if global.csv {
        return Err(Failure::usage("pricing has no CSV output; use --json"));
    }
    let mut out = std::io::stdout().lock();
    let config = load_config(global, env)?;
    if args.unknown {
        return unknown(global, env, &config, &mut out);
    }
    let at = now(env)?;
    let table = config.price_table();
    match &args.model {
        Some(model) => one(global, &table, model, at, &mut out),
        None => all(global, &table, at, &mut out),
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
    table: &PriceTable,
    model: &str,
    at: jiff::Timestamp,
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
        let doc = price_document(table, model, at).ok_or_else(unknown)?;
        return Ok(print_json(out, &doc)?);
    }
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

fn all(
    global: &Global,
    table: &PriceTable,
    at: jiff::Timestamp,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let at = at.as_millisecond();
    let rows: Vec<(String, Rates, Option<u64>)> = table
        .canonical_ids()
        .filter_map(|id| {
            let r = table.resolve(id)?;
            Some((
                id.to_owned(),
                r.rates_at(at),
                r.long_context_at(at).map(|t| t.above_tokens),
            ))
        })
        .collect();
    if global.json {
        let models: Vec<Value> = rows
            .iter()
            .map(|(id, r, tier)| {
                json!({ "model": id, "rates": r.to_json(), "long_context_above": tier })
            })
            .collect();
        let doc = json!({
            "schema": "scopeon.price_table.v1",
            "unit": "USD per million tokens",
            "pricing_version": table.fingerprint(),
            "prices_checked": PRICES_CHECKED,
            "models": models,
        });
        print_json(out, &doc)?;
        return Ok(());
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(5).max(5);
    writeln!(
        out,
        "{:width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>10}",
        "Model", "Input", "Output", "Write 5m", "Write 1h", "Read", "Tier above"
    )?;
    for (id, r, tier) in &rows {
        writeln!(
            out,
            "{id:width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>10}",
            r.input.to_string(),
            r.output.to_string(),
            r.cache_write_5m.to_string(),
            r.cache_write_1h.to_string(),
            r.cache_read.to_string(),
            tier.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
        )?;
    }
    writeln!(
        out,
        "USD per million tokens; built-in table checked {PRICES_CHECKED}. {COST_BASIS}."
    )?;
    Ok(())
}

fn unknown(
    global: &Global,
    env: &Env,
    config: &Config,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let store = open_store(global, env, config)?;
    let models = store.unpriced_models()?;
    if global.json {
        let doc = json!({ "schema": "scopeon.unpriced.v1", "models": models });
        print_json(out, &doc)?;
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
            crate::render::printable(m.model.as_deref().unwrap_or("(no model logged)")),
            m.requests,
            m.tokens
        )?;
    }
    Ok(())
}
