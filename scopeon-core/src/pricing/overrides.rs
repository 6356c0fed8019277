//! User price overrides: `~/.scopeon/pricing.toml`, or the `[pricing]` table of config.toml.
//!
//! ```toml
//! ["claude-sonnet-4-5"]          # an exact model id (any spelling the table understands)
//! input = 2.5
//! output = 12
//! ["my-local-*"]                 # a glob: `*` any run of characters, `?` one character
//! input = 0
//! output = 0
//! ["gpt-5.4"]
//! long_context_threshold = 272000
//! long_context_input = 5
//! ```
//!
//! Rates are USD per million tokens: a TOML integer, float or decimal string, from 0 to
//! 10,000, with at most six decimals; they are converted exactly (through their decimal text)
//! to [`PerMillion`]. Keys: `input`, `output`, `cache_write_5m`, `cache_write_1h`,
//! `cache_read`, `long_context_threshold` (prompt tokens, an integer), and the tier rates
//! `long_context_input`, `long_context_output`, `long_context_cache_write_5m`,
//! `long_context_cache_write_1h`, `long_context_cache_read`. Any other key is an error.
//!
//! Matching (see [`PriceTable::with_overrides`]):
//! - an exact id is normalized like the table's ids (`anthropic/claude-sonnet-4.5` and
//!   `claude-sonnet-4-5` are one key); an exact override of a built-in model applies to every
//!   spelling, alias and snapshot of that model. An id the table cannot parse (`qwen3:8b`)
//!   matches case-insensitively as written;
//! - a glob matches, case-insensitively, the id as logged or its normalized key (the pattern
//!   is also tried with dots as dashes, so `gpt-5.4*` matches `openai/gpt-5.4-mini`);
//! - an exact override beats every glob; among globs the longest pattern wins, ties going to
//!   the alphabetically first pattern (the `toml` crate does not keep file order). Exactly
//!   one override applies to a model: they do not stack.
//!
//! Effect:
//! - on a built-in model, only the named fields change, in every price period of the model
//!   (dated changes keep their other fields); a Bedrock regional id still adds its 10 % on
//!   top of the overridden rates;
//! - on a model the table does not know, the override prices it: every rate it does not name
//!   is 0 (what a user means by pricing a local or free model), and it has no long-context
//!   tier unless it names a threshold and at least one tier rate (tier rates it leaves out
//!   then equal the standard rate of the same category);
//! - `long_context_threshold` alone re-thresholds a built-in tier; tier rates alone re-price
//!   it. For an exact id these are errors when the model has no built-in tier in any period;
//!   a glob's targets are not known in advance, so there they are accepted and change only
//!   the matched models that have a tier.

use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;

use globset::{Glob, GlobBuilder, GlobMatcher};
use serde::{Deserialize, Deserializer};

use super::normalize::{self, ParsedId};
use super::table::{ModelRow, Prices, Vendor};
use super::{LongContext, PRICING_VERSION, PerMillion, PriceTable, Rates};

/// Largest accepted rate: 10,000 USD per million tokens, in micro-USD.
const MAX_MICROS: u64 = 10_000 * 1_000_000;

/// What a rate value may be, for error messages.
const RATE_HELP: &str = "expected USD per million tokens: a number or decimal string from 0 to 10000 with at most 6 decimals, e.g. 3.75";

/// Every accepted key, in canonical order.
const KEYS: [&str; 11] = [
    "input",
    "output",
    "cache_write_5m",
    "cache_write_1h",
    "cache_read",
    "long_context_threshold",
    "long_context_input",
    "long_context_output",
    "long_context_cache_write_5m",
    "long_context_cache_write_1h",
    "long_context_cache_read",
];

/// Base of a model priced only by an override: every rate 0, no tier.
static UNPRICED_BASE: ModelRow = ModelRow {
    id: "",
    vendor: Vendor::Host,
    aliases: &[],
    snapshots: &[],
    regional_uplift: false,
    prices: Prices {
        standard: Rates {
            input: PerMillion(0),
            output: PerMillion(0),
            cache_write_5m: PerMillion(0),
            cache_write_1h: PerMillion(0),
            cache_read: PerMillion(0),
        },
        long_context: None,
    },
    changes: &[],
};

/// Validated user price overrides, ready for [`PriceTable::with_overrides`].
///
/// Parse them with [`PriceOverrides::parse`] (a `pricing.toml` file), or deserialize them as a
/// field of a serde-parsed TOML document (config.toml's `[pricing]`).
/// The module documentation above describes the format and the matching rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceOverrides {
    /// Sorted by pattern text (the order is irrelevant to matching).
    entries: Vec<Override>,
}

/// One `[pattern]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Override {
    /// The table key as written (trimmed).
    pattern: String,
    target: Target,
    fields: Fields,
}

/// What an override's key matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// The normalized key (or the lowercase id, when the table cannot parse it).
    Exact(String),
    /// Lowercase pattern, its matcher on the raw id, and (when it has dots) the dashed
    /// variant matched on the normalized key.
    Glob(String, Glob, Glob),
}

/// The fields one override names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(super) struct Fields {
    standard: RatesPatch,
    threshold: Option<u64>,
    long: RatesPatch,
}

/// Rates an override names; `None` keeps the base rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
struct RatesPatch {
    input: Option<PerMillion>,
    output: Option<PerMillion>,
    cache_write_5m: Option<PerMillion>,
    cache_write_1h: Option<PerMillion>,
    cache_read: Option<PerMillion>,
}

impl RatesPatch {
    fn is_empty(&self) -> bool {
        *self == RatesPatch::default()
    }

    fn apply(&self, base: Rates) -> Rates {
        Rates {
            input: self.input.unwrap_or(base.input),
            output: self.output.unwrap_or(base.output),
            cache_write_5m: self.cache_write_5m.unwrap_or(base.cache_write_5m),
            cache_write_1h: self.cache_write_1h.unwrap_or(base.cache_write_1h),
            cache_read: self.cache_read.unwrap_or(base.cache_read),
        }
    }

    fn slot(&mut self, name: &str) -> Option<&mut Option<PerMillion>> {
        Some(match name {
            "input" => &mut self.input,
            "output" => &mut self.output,
            "cache_write_5m" => &mut self.cache_write_5m,
            "cache_write_1h" => &mut self.cache_write_1h,
            "cache_read" => &mut self.cache_read,
            _ => return None,
        })
    }

    fn values(&self) -> [Option<PerMillion>; 5] {
        [
            self.input,
            self.output,
            self.cache_write_5m,
            self.cache_write_1h,
            self.cache_read,
        ]
    }
}

impl Fields {
    /// The prices of one period with this override applied.
    pub(super) fn apply(&self, base: Prices) -> Prices {
        let standard = self.standard.apply(base.standard);
        let long_context = match base.long_context {
            Some(tier) => Some(LongContext {
                above_tokens: self.threshold.unwrap_or(tier.above_tokens),
                rates: self.long.apply(tier.rates),
            }),
            None => match self.threshold {
                Some(above_tokens) if !self.long.is_empty() => Some(LongContext {
                    above_tokens,
                    rates: self.long.apply(standard),
                }),
                _ => None,
            },
        };
        Prices {
            standard,
            long_context,
        }
    }

    /// `name=micros` for every named field, in [`KEYS`] order.
    fn canonical(&self) -> String {
        let mut out = String::new();
        let (standard, long) = (self.standard.values(), self.long.values());
        let rates = standard.iter().chain(long.iter());
        let names = KEYS.iter().filter(|k| **k != "long_context_threshold");
        for (name, value) in names.zip(rates) {
            if let Some(v) = value {
                let _ = write!(out, " {name}={}", v.micros());
            }
        }
        if let Some(t) = self.threshold {
            let _ = write!(out, " long_context_threshold={t}");
        }
        out
    }
}

/// Where a resolved price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PriceSource<'a> {
    /// The built-in table, under the model's canonical id or one of its snapshots/spellings.
    Builtin,
    /// The built-in table, through one of the model's aliases (e.g. `claude-sonnet-latest`).
    Alias {
        /// The canonical id the alias stands for.
        of: &'a str,
    },
    /// A user override.
    Override {
        /// The override's key as written in the file (an id or a glob).
        pattern: &'a str,
        /// The override patches a built-in model (fields it does not name keep their
        /// built-in values); `false`: the model is unknown to the table and is priced by the
        /// override alone (fields it does not name are 0).
        patches_builtin: bool,
    },
}

impl fmt::Display for PriceSource<'_> {
    /// `built-in`, `alias of X`, `override "P" of built-in`, `override "P"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PriceSource::Builtin => f.write_str("built-in"),
            PriceSource::Alias { of } => write!(f, "alias of {of}"),
            PriceSource::Override {
                pattern,
                patches_builtin: true,
            } => write!(f, "override {pattern:?} of built-in"),
            PriceSource::Override { pattern, .. } => write!(f, "override {pattern:?}"),
        }
    }
}

/// Why price overrides were refused: the message names the model key and field and says what
/// is accepted (or where the TOML is malformed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OverridesError(String);

impl PriceOverrides {
    /// Parses the text of a `pricing.toml` file: top-level tables keyed by model id or glob.
    pub fn parse(text: &str) -> Result<PriceOverrides, OverridesError> {
        let table: toml::Table = toml::from_str(text)
            .map_err(|e| OverridesError(e.to_string().trim_end().to_owned()))?;
        PriceOverrides::from_table(&table).map_err(OverridesError)
    }

    /// Overrides from a parsed TOML value, which must be a table (e.g. config.toml's
    /// `[pricing]`).
    #[cfg(test)]
    fn from_toml_value(value: &toml::Value) -> Result<PriceOverrides, String> {
        match value {
            toml::Value::Table(table) => PriceOverrides::from_table(table),
            other => Err(format!(
                "pricing overrides must be a table of model tables, not a {}",
                other.type_str()
            )),
        }
    }

    /// Overrides from a parsed TOML table whose keys are model ids or globs. Exact ids are
    /// validated against the built-in table (two spellings of one model, or long-context
    /// fields for a model without a tier, are errors).
    pub(crate) fn from_table(table: &toml::Table) -> Result<PriceOverrides, String> {
        let builtin = PriceTable::builtin();
        let mut entries: Vec<Override> = Vec::with_capacity(table.len());
        for (key, value) in table {
            let entry = parse_entry(key, value)?;
            if let Target::Exact(exact) = &entry.target {
                check_exact(builtin, &entry, exact)?;
            }
            if let Some(dup) = entries
                .iter()
                .find(|e| same_target(builtin, &e.target, &entry.target))
            {
                return Err(format!(
                    "pricing overrides {:?} and {:?} name the same model; keep one",
                    dup.pattern, entry.pattern
                ));
            }
            entries.push(entry);
        }
        entries.sort_by(|a, b| a.pattern.cmp(&b.pattern));
        Ok(PriceOverrides { entries })
    }

    /// No override at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of overrides (model ids and globs).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The overrides' keys as written, sorted.
    pub fn patterns(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.iter().map(|e| e.pattern.as_str())
    }

    /// The overrides as `pricing.toml` text that [`PriceOverrides::parse`] reads back to equal
    /// overrides: how a database remembers the overrides its costs were computed with, so a
    /// front-end that opens it without a configuration prices as the one that configured it.
    /// Rates are written as exact decimal strings; keys are TOML basic strings.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            // A JSON string is a valid TOML basic string (same escapes, `\uXXXX` included).
            let key = serde_json::Value::String(e.pattern.clone()).to_string();
            let _ = writeln!(out, "[{key}]");
            let (standard, long) = (e.fields.standard.values(), e.fields.long.values());
            let names = KEYS.iter().filter(|k| **k != "long_context_threshold");
            for (name, value) in names.zip(standard.iter().chain(long.iter())) {
                if let Some(v) = value {
                    let _ = writeln!(out, "{name} = \"{v}\"");
                }
            }
            if let Some(t) = e.fields.threshold {
                let _ = writeln!(out, "long_context_threshold = {t}");
            }
        }
        out
    }

    /// A stable text of the overrides' meaning (normalized keys, rates in micro-USD), the
    /// input of [`PriceTable::fingerprint`].
    fn canonical(&self) -> String {
        let mut lines: Vec<String> = self
            .entries
            .iter()
            .map(|e| match &e.target {
                Target::Exact(key) => format!("exact {key}:{}", e.fields.canonical()),
                Target::Glob(pattern, ..) => format!("glob {pattern}:{}", e.fields.canonical()),
            })
            .collect();
        lines.sort();
        lines.join("\n")
    }
}

impl<'de> Deserialize<'de> for PriceOverrides {
    /// Deserializes from a TOML table (so config.toml can hold a `pricing` field).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PriceOverrides, D::Error> {
        let table = toml::Table::deserialize(deserializer)?;
        PriceOverrides::from_table(&table).map_err(serde::de::Error::custom)
    }
}

/// `a` and `b` name the same model: equal exact keys, keys of one built-in row, or equal
/// glob patterns (case-insensitively).
fn same_target(builtin: &PriceTable, a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Exact(x), Target::Exact(y)) => {
            x == y
                || matches!((builtin.by_key.get(x), builtin.by_key.get(y)), (Some(i), Some(j)) if i.0 == j.0)
        }
        (Target::Glob(x, ..), Target::Glob(y, ..)) => x == y,
        _ => false,
    }
}

/// Long-context fields of an exact override need a built-in tier to complete them.
fn check_exact(builtin: &PriceTable, entry: &Override, key: &str) -> Result<(), String> {
    let fields = &entry.fields;
    let has_tier = builtin
        .by_key
        .get(key)
        .and_then(|&(index, _)| builtin.rows.get(index))
        .is_some_and(|row| {
            row.prices.long_context.is_some()
                || row.changes.iter().any(|c| c.prices.long_context.is_some())
        });
    if has_tier {
        return Ok(());
    }
    let what = if builtin.by_key.contains_key(key) {
        "has no built-in long-context tier"
    } else {
        "is not in the built-in table"
    };
    match (fields.threshold.is_some(), fields.long.is_empty()) {
        (true, true) => Err(format!(
            "pricing override {:?}: long_context_threshold without any long_context_* rate, and the model {what}; \
             add the tier rates (e.g. long_context_input) or remove the threshold",
            entry.pattern
        )),
        (false, false) => Err(format!(
            "pricing override {:?}: long_context_* rates without long_context_threshold, and the model {what}; \
             add long_context_threshold (prompt tokens above which the tier applies)",
            entry.pattern
        )),
        _ => Ok(()),
    }
}

/// Parses one `[pattern]` table.
fn parse_entry(key: &str, value: &toml::Value) -> Result<Override, String> {
    let pattern = key.trim();
    if pattern.is_empty() {
        return Err("pricing override with an empty model id; use a model id or a glob".into());
    }
    let toml::Value::Table(table) = value else {
        return Err(format!(
            "pricing override {pattern:?} must be a table of rates, e.g. [{pattern:?}] input = 3, not a {}",
            value.type_str()
        ));
    };
    let lower = pattern.to_ascii_lowercase();
    let target = if lower.contains(['*', '?']) {
        let raw = glob(&lower).map_err(|e| format!("pricing override {pattern:?}: {e}"))?;
        let dashed = glob(&lower.replace('.', "-"))
            .map_err(|e| format!("pricing override {pattern:?}: {e}"))?;
        Target::Glob(lower, raw, dashed)
    } else {
        Target::Exact(normalize::parse(&lower).map_or(lower, |p| p.key))
    };
    let mut fields = Fields::default();
    for (name, v) in table {
        if name == "long_context_threshold" {
            fields.threshold = Some(threshold_value(pattern, v)?);
            continue;
        }
        let slot = match name.strip_prefix("long_context_") {
            Some(rest) => fields.long.slot(rest),
            None => fields.standard.slot(name),
        };
        let Some(slot) = slot else {
            return Err(format!(
                "pricing override {pattern:?}: unknown key {name:?}; expected one of {}",
                KEYS.join(", ")
            ));
        };
        *slot = Some(rate_value(pattern, name, v)?);
    }
    Ok(Override {
        pattern: pattern.to_owned(),
        target,
        fields,
    })
}

/// A case-insensitive glob where only `*` and `?` are special.
fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    let mut escaped = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        match c {
            '*' | '?' => escaped.push(c),
            _ => escaped.push_str(&globset::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    GlobBuilder::new(&escaped)
        .case_insensitive(true)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
}

/// A rate value, converted exactly through its decimal text.
fn rate_value(pattern: &str, name: &str, value: &toml::Value) -> Result<PerMillion, String> {
    let err = |what: &str| {
        format!(
            "pricing override {pattern:?}: {name} = {} {what}; {RATE_HELP}",
            show(value)
        )
    };
    let text = match value {
        toml::Value::Integer(i) if *i < 0 => return Err(err("is negative")),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) if !f.is_finite() => return Err(err("is not a finite number")),
        toml::Value::Float(f) if *f < 0.0 => return Err(err("is negative")),
        toml::Value::Float(f) if *f > 10_000.0 => return Err(err("is above 10000")),
        // `Display` of an f64 is the shortest decimal that reads back as the same float (never
        // an exponent), i.e. what the user wrote; `-0.0` is 0.
        toml::Value::Float(f) => format!("{}", f.abs()),
        toml::Value::String(s) if s.trim().starts_with('-') => return Err(err("is negative")),
        toml::Value::String(s) => s.trim().to_owned(),
        _ => return Err(err("is not a number")),
    };
    match PerMillion::parse_usd(&text) {
        Some(p) if p.micros() > MAX_MICROS => Err(err("is above 10000")),
        Some(p) => Ok(p),
        None => match text.split_once('.') {
            Some((_, frac)) if frac.len() > 6 && frac.bytes().all(|b| b.is_ascii_digit()) => {
                Err(err("has more than 6 decimals"))
            }
            _ => Err(err("is not a decimal amount")),
        },
    }
}

/// `long_context_threshold`: a non-negative integer number of prompt tokens.
fn threshold_value(pattern: &str, value: &toml::Value) -> Result<u64, String> {
    match value {
        toml::Value::Integer(i) if *i >= 0 => Ok(i.unsigned_abs()),
        _ => Err(format!(
            "pricing override {pattern:?}: long_context_threshold = {} is not accepted; \
             expected a whole number of prompt tokens (0 or more), e.g. 200000",
            show(value)
        )),
    }
}

/// A TOML value as the user wrote it, roughly (for error messages).
fn show(value: &toml::Value) -> String {
    match value {
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("<{}>", other.type_str()),
    }
}

/// Overrides compiled against one table: what [`PriceTable::resolve`] consults.
#[derive(Debug, Default)]
pub(super) struct Overlay {
    overrides: PriceOverrides,
    /// Built-in row index → entry, for exact overrides of a built-in model.
    by_row: HashMap<usize, usize>,
    /// Exact key → entry, for models not in the table.
    by_key: HashMap<String, usize>,
    /// (entry, raw matcher, dashed matcher), highest priority first.
    globs: Vec<(usize, GlobMatcher, GlobMatcher)>,
    fingerprint: Option<String>,
}

/// The override that applies to one model.
pub(super) struct Hit<'a> {
    /// The key as written.
    pub pattern: &'a str,
    /// Canonical id for a model unknown to the table: the exact key, or the glob as written.
    pub canonical: &'a str,
    /// The fields to apply.
    pub fields: &'a Fields,
}

/// Base row of a model priced only by an override.
pub(super) fn unpriced_base() -> &'static ModelRow {
    &UNPRICED_BASE
}

impl Overlay {
    fn new(table: &PriceTable, overrides: PriceOverrides) -> Overlay {
        let mut by_row = HashMap::new();
        let mut by_key = HashMap::new();
        let mut globs = Vec::new();
        for (index, entry) in overrides.entries.iter().enumerate() {
            match &entry.target {
                Target::Exact(key) => match table.by_key.get(key) {
                    Some(&(row, _)) => {
                        by_row.entry(row).or_insert(index);
                    }
                    None => {
                        by_key.entry(key.clone()).or_insert(index);
                    }
                },
                Target::Glob(_, raw, dashed) => {
                    globs.push((index, raw.compile_matcher(), dashed.compile_matcher()));
                }
            }
        }
        // Longest pattern first; entries are sorted by pattern, so a stable sort breaks ties
        // alphabetically.
        globs.sort_by_key(|(index, ..)| std::cmp::Reverse(overrides.entries[*index].pattern.len()));
        let fingerprint = (!overrides.is_empty()).then(|| {
            format!(
                "{PRICING_VERSION}+overrides:{:016x}",
                crate::hash::fnv1a64(overrides.canonical().as_bytes())
            )
        });
        Overlay {
            overrides,
            by_row,
            by_key,
            globs,
            fingerprint,
        }
    }

    /// The override for `model` (already parsed, and resolved to built-in `row` when known).
    pub(super) fn find(
        &self,
        model: &str,
        parsed: Option<&ParsedId>,
        row: Option<usize>,
    ) -> Option<Hit<'_>> {
        if self.overrides.is_empty() {
            return None;
        }
        let raw = model.trim().to_ascii_lowercase();
        let exact = match row {
            Some(row) => self.by_row.get(&row),
            None => parsed
                .and_then(|p| self.by_key.get(&p.key))
                .or_else(|| self.by_key.get(&raw)),
        };
        let index = exact.copied().or_else(|| {
            self.globs.iter().find_map(|(index, raw_glob, dashed)| {
                let hit = raw_glob.is_match(&raw)
                    || parsed.is_some_and(|p| raw_glob.is_match(&p.key) || dashed.is_match(&p.key));
                hit.then_some(*index)
            })
        })?;
        let entry = self.overrides.entries.get(index)?;
        Some(Hit {
            pattern: &entry.pattern,
            canonical: match &entry.target {
                Target::Exact(key) => key,
                Target::Glob(..) => &entry.pattern,
            },
            fields: &entry.fields,
        })
    }
}

impl PriceTable {
    /// This table with `overrides` applied, as an owned table (the built-in rows are shared,
    /// not copied). Its [`resolve`](PriceTable::resolve) reports each entry's
    /// [`PriceSource`]; its [`fingerprint`](PriceTable::fingerprint) changes with the
    /// overrides. Overrides already applied to `self` are replaced, not stacked.
    pub fn with_overrides(&self, overrides: PriceOverrides) -> PriceTable {
        PriceTable {
            rows: self.rows,
            by_key: self.by_key.clone(),
            overlay: Overlay::new(self, overrides),
        }
    }

    /// The overrides this table applies (empty for [`PriceTable::builtin`]).
    pub fn overrides(&self) -> &PriceOverrides {
        &self.overlay.overrides
    }

    /// Identifies every price this table can give: [`PRICING_VERSION`] alone without
    /// overrides, else `PRICING_VERSION+overrides:<FNV-1a 64 hex of the overrides' canonical
    /// form>`. Equal overrides (whatever their order, spelling of ids or of numbers) give
    /// equal fingerprints; stored costs are re-priced when it changes.
    pub fn fingerprint(&self) -> String {
        self.overlay
            .fingerprint
            .clone()
            .unwrap_or_else(|| PRICING_VERSION.to_owned())
    }
}

#[cfg(test)]
mod tests {
    //! Every expected cost is written out by hand from USD/Mtok rates as micro-USD literals
    //! (= picodollars per token).

    use super::*;
    use crate::record::TokenCounts;

    /// 2026-11-27T00:00:00Z.
    const NOW: i64 = 1_795_737_600_000;
    /// 2026-03-12T12:00:00Z, while the 4.6 models still had a long-context premium.
    const MAR_12_NOON: i64 = 1_773_316_800_000;

    /// Input, cache read and output tokens; no cache writes.
    fn tok(input: u64, read: u64, output: u64) -> TokenCounts {
        TokenCounts {
            input,
            cache_read: read,
            output,
            ..TokenCounts::default()
        }
    }

    fn table(text: &str) -> PriceTable {
        let overrides = PriceOverrides::parse(text).unwrap();
        PriceTable::builtin().with_overrides(overrides)
    }

    fn err(text: &str) -> String {
        PriceOverrides::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn overrides_round_trip_through_their_toml_text() {
        for text in [
            "",
            "[\"claude-sonnet-4-5\"]\ninput = 2.5\noutput = 12\ncache_read = \"0.000001\"\n",
            "[\"my-local-*\"]\ninput = 0\n[\"odd \\\"key\\\\ é\"]\noutput = 10000\n",
            "[\"gpt-5.4\"]\nlong_context_threshold = 272000\nlong_context_input = 5\n",
        ] {
            let o = PriceOverrides::parse(text).unwrap();
            let again = PriceOverrides::parse(&o.to_toml()).unwrap();
            assert_eq!(again, o, "{text}");
            assert_eq!(
                PriceTable::builtin().with_overrides(again).fingerprint(),
                PriceTable::builtin().with_overrides(o).fingerprint()
            );
        }
    }

    #[test]
    fn exact_override_replaces_only_named_fields() {
        let t = table("[\"claude-sonnet-4-5\"]\ninput = 2.5\noutput = 12\n");
        // input 2.5 and output 12 overridden; cache read keeps the built-in 0.3.
        let want = 1_000 * 2_500_000 + 2_000 * 300_000 + 3_000 * 12_000_000;
        assert_eq!(want, 39_100_000_000);
        for id in [
            "claude-sonnet-4-5",
            "anthropic/claude-sonnet-4.5",
            "claude-sonnet-4-5-20250929",
            "CLAUDE-SONNET-4.5",
        ] {
            assert_eq!(
                t.cost_pusd(id, NOW, &tok(1_000, 2_000, 3_000)),
                Some(want),
                "{id}"
            );
        }
        let r = t.resolve("anthropic/claude-sonnet-4.5").unwrap();
        assert_eq!(r.canonical, "claude-sonnet-4-5");
        assert_eq!(
            r.source,
            PriceSource::Override {
                pattern: "claude-sonnet-4-5",
                patches_builtin: true
            }
        );
        let rates = r.rates_at(NOW);
        assert_eq!(rates.cache_write_5m.micros(), 3_750_000);
        assert_eq!(rates.cache_write_1h.micros(), 6_000_000);
        // The built-in tier (200k, 6 / 22.5 / … / 0.6) is untouched.
        let tier = r.long_context_at(NOW).unwrap();
        assert_eq!(tier.above_tokens, 200_000);
        assert_eq!(tier.rates.input.micros(), 6_000_000);
        assert_eq!(tier.rates.output.micros(), 22_500_000);
        // Other models keep the built-in table; the built-in table itself is unchanged.
        assert_eq!(
            t.resolve("claude-opus-4-5").unwrap().source,
            PriceSource::Builtin
        );
        assert_eq!(
            PriceTable::builtin().cost_pusd("claude-sonnet-4-5", NOW, &tok(1_000, 0, 0)),
            Some(3_000_000_000)
        );
    }

    #[test]
    fn override_applies_to_every_price_period_and_keeps_regional_uplift() {
        let t = table("[\"claude-opus-4-6\"]\ninput = 4\n");
        let r = t.resolve("claude-opus-4-6").unwrap();
        assert_eq!(r.rates_at(NOW).input.micros(), 4_000_000);
        assert_eq!(r.rates_at(MAR_12_NOON).input.micros(), 4_000_000);
        // Before 2026-03-13 the built-in premium tier (10 / 37.5) still applies.
        let tier = r.long_context_at(MAR_12_NOON).unwrap();
        assert_eq!(tier.rates.input.micros(), 10_000_000);
        assert!(r.long_context_at(NOW).is_none());
        // Bedrock regional: 4 + 10 % = 4.4.
        let r = t.resolve("us.anthropic.claude-opus-4-6-v1").unwrap();
        assert!(r.regional_uplift);
        assert_eq!(r.rates_at(NOW).input.micros(), 4_400_000);
        assert_eq!(r.rates_at(NOW).output.micros(), 27_500_000);
    }

    #[test]
    fn glob_override_prices_unknown_models_at_zero_elsewhere() {
        let t = table(
            "[\"my-local-*\"]\ninput = 0\noutput = 0\n[\"ollama/*\"]\ninput = 1\n[\"qwen3:8b\"]\noutput = \"0.5\"\n",
        );
        assert_eq!(
            t.cost_pusd("my-local-llama-3.1", NOW, &tok(1_000, 0, 1_000)),
            Some(0)
        );
        assert_eq!(
            t.cost_pusd("MY-LOCAL-X", NOW, &tok(1_000, 0, 1_000)),
            Some(0)
        );
        // `ollama/qwen3:8b` does not parse as a table id; the glob matches it as logged.
        // input 1 USD/M; cache read and output unnamed, so 0.
        assert_eq!(
            t.cost_pusd("ollama/qwen3:8b", NOW, &tok(1_000, 500, 2_000)),
            Some(1_000 * 1_000_000)
        );
        let r = t.resolve("ollama/qwen3:8b").unwrap();
        assert_eq!(r.canonical, "ollama/*");
        assert!(!r.regional_uplift);
        assert_eq!(
            r.source,
            PriceSource::Override {
                pattern: "ollama/*",
                patches_builtin: false
            }
        );
        assert!(r.long_context_at(NOW).is_none());
        // An exact id the table cannot parse matches as written: output 0.5, input 0.
        assert_eq!(
            t.cost_pusd("qwen3:8b", NOW, &tok(1_000, 0, 2_000)),
            Some(2_000 * 500_000)
        );
        assert_eq!(t.resolve("qwen3:8b").unwrap().canonical, "qwen3:8b");
        // Still unknown without a matching override.
        assert!(t.resolve("other-model").is_none());
        assert!(t.resolve("my-locals").is_none());
    }

    #[test]
    fn unknown_model_tier_needs_threshold_and_a_rate() {
        let t = table(
            "[\"my-*\"]\ninput = 1\noutput = 2\nlong_context_threshold = 1000\nlong_context_input = 3\n",
        );
        let r = t.resolve("my-model").unwrap();
        let tier = r.long_context_at(NOW).unwrap();
        assert_eq!(tier.above_tokens, 1_000);
        // Unnamed tier rates equal the standard ones: output 2, cache 0.
        assert_eq!(tier.rates.output.micros(), 2_000_000);
        assert_eq!(tier.rates.cache_read.micros(), 0);
        // Prompt 2000 > 1000: every token at the tier: 2000 × 3 + 100 × 2.
        assert_eq!(
            t.cost_pusd("my-model", NOW, &tok(2_000, 0, 100)),
            Some(2_000 * 3_000_000 + 100 * 2_000_000)
        );
        // Prompt 1000, not strictly above: 1000 × 1 + 100 × 2.
        assert_eq!(
            t.cost_pusd("my-model", NOW, &tok(1_000, 0, 100)),
            Some(1_000 * 1_000_000 + 100 * 2_000_000)
        );
    }

    #[test]
    fn exact_beats_glob_and_longest_glob_wins() {
        let t = table(
            "[\"claude-*\"]\ninput = 1\n[\"claude-opus-4-5\"]\ninput = 2\n\
             [\"gpt-*\"]\ninput = 1\n[\"gpt-5.4*\"]\ninput = 2\n\
             [\"ab?*\"]\ninput = 7\n[\"a?c*\"]\ninput = 8\n",
        );
        // Exact: opus 4.5 input 2, output keeps 25.
        assert_eq!(
            t.cost_pusd("claude-opus-4-5", NOW, &tok(1_000, 0, 1_000)),
            Some(1_000 * 2_000_000 + 1_000 * 25_000_000)
        );
        // Glob on a built-in model: sonnet 4.5 input 1, output keeps 15.
        assert_eq!(
            t.cost_pusd("claude-sonnet-4-5", NOW, &tok(1_000, 0, 1_000)),
            Some(1_000 * 1_000_000 + 1_000 * 15_000_000)
        );
        assert_eq!(
            t.resolve("claude-sonnet-4-5").unwrap().source,
            PriceSource::Override {
                pattern: "claude-*",
                patches_builtin: true
            }
        );
        // `gpt-5.4*` (8 chars) beats `gpt-*` (5), also on a routed id (matched with dots as
        // dashes on the normalized key `gpt-5-4-mini`).
        for id in ["gpt-5.4-mini", "openai/gpt-5.4-mini", "gpt-5-4"] {
            let r = t.resolve(id).unwrap();
            assert_eq!(r.rates_at(NOW).input.micros(), 2_000_000, "{id}");
        }
        assert_eq!(
            t.resolve("gpt-4o").unwrap().rates_at(NOW).input.micros(),
            1_000_000
        );
        // Equal length: the alphabetically first pattern (`a?c*` < `ab?*`) wins.
        assert_eq!(
            t.resolve("abcd").unwrap().rates_at(NOW).input.micros(),
            8_000_000
        );
        assert_eq!(
            t.resolve("abd").unwrap().rates_at(NOW).input.micros(),
            7_000_000
        );
    }

    #[test]
    fn long_context_override_keeps_built_in_tier_rates() {
        let t = table("[\"gpt-5.4\"]\nlong_context_threshold = 100000\nlong_context_input = 6\n");
        let r = t.resolve("gpt-5.4").unwrap();
        let tier = r.long_context_at(NOW).unwrap();
        assert_eq!(tier.above_tokens, 100_000);
        assert_eq!(tier.rates.input.micros(), 6_000_000);
        assert_eq!(tier.rates.output.micros(), 22_500_000);
        assert_eq!(tier.rates.cache_read.micros(), 500_000);
        assert_eq!(r.rates_at(NOW).input.micros(), 2_500_000);
        // 150k > 100k: 150000 × 6 + 1000 × 22.5.
        assert_eq!(
            t.cost_pusd("gpt-5.4", NOW, &tok(150_000, 0, 1_000)),
            Some(900_000_000_000 + 22_500_000_000)
        );
        // 50k: standard 50000 × 2.5 + 1000 × 15.
        assert_eq!(
            t.cost_pusd("gpt-5.4", NOW, &tok(50_000, 0, 1_000)),
            Some(125_000_000_000 + 15_000_000_000)
        );
        // A threshold alone re-thresholds the built-in tier.
        let t = table("[\"claude-sonnet-4-5\"]\nlong_context_threshold = 300000\n");
        let tier = t
            .resolve("claude-sonnet-4-5")
            .unwrap()
            .long_context_at(NOW)
            .unwrap();
        assert_eq!(
            (tier.above_tokens, tier.rates.input.micros()),
            (300_000, 6_000_000)
        );
    }

    #[test]
    fn ids_are_normalized_and_aliases_reported() {
        // An override written in another spelling applies to every spelling.
        let t = table("[\"anthropic/claude-sonnet-4.5\"]\ninput = 2\n");
        assert_eq!(
            t.resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
                .unwrap()
                .rates_at(NOW)
                .input
                .micros(),
            2_200_000
        );
        // An override of the canonical id applies through an alias, and vice versa.
        let t = table("[\"claude-sonnet-5-5\"]\ninput = 1\n");
        assert_eq!(
            t.resolve("claude-sonnet-latest")
                .unwrap()
                .rates_at(NOW)
                .input
                .micros(),
            1_000_000
        );
        let t = table("[\"claude-sonnet-latest\"]\ninput = 1\n");
        assert_eq!(
            t.resolve("claude-sonnet-5-5")
                .unwrap()
                .rates_at(NOW)
                .input
                .micros(),
            1_000_000
        );
        let builtin = PriceTable::builtin();
        assert_eq!(
            builtin.resolve("claude-sonnet-latest").unwrap().source,
            PriceSource::Alias {
                of: "claude-sonnet-5-5"
            }
        );
        assert_eq!(
            builtin.resolve("claude-sonnet-5-5").unwrap().source,
            PriceSource::Builtin
        );
        // A contradictory snapshot stays unresolved even with an override.
        assert!(t.resolve("claude-sonnet-4-20250929").is_none());
        let t = table("[\"claude-sonnet-4\"]\ninput = 1\n");
        assert!(t.resolve("claude-sonnet-4-20250929").is_none());
    }

    #[test]
    fn accepted_value_forms_are_exact() {
        let o = PriceOverrides::parse(
            "[a]\ninput = 3\noutput = 0.1\ncache_read = \"0.000001\"\ncache_write_5m = 10000\ncache_write_1h = 2.675\n",
        )
        .unwrap();
        let t = PriceTable::builtin().with_overrides(o);
        let rates = t.resolve("a").unwrap().rates_at(NOW);
        assert_eq!(rates.input.micros(), 3_000_000);
        assert_eq!(rates.output.micros(), 100_000);
        assert_eq!(rates.cache_read.micros(), 1);
        assert_eq!(rates.cache_write_5m.micros(), 10_000_000_000);
        assert_eq!(rates.cache_write_1h.micros(), 2_675_000);
        assert!(PriceOverrides::parse("[a]\ninput = -0.0\n").is_ok());
    }

    #[test]
    fn validation_errors_name_model_field_and_what_is_accepted() {
        let e = err("[\"claude-sonnet-4-5\"]\ninptu = 3\n");
        assert!(
            e.contains("claude-sonnet-4-5") && e.contains("inptu"),
            "{e}"
        );
        assert!(e.contains("cache_write_5m"), "{e}");
        let e = err("[m]\nlong_context_inptu = 3\n");
        assert!(e.contains("long_context_inptu"), "{e}");
        for (value, what) in [
            ("-1", "negative"),
            ("-0.5", "negative"),
            ("\"-1\"", "negative"),
            ("0.0000001", "more than 6 decimals"),
            ("\"1.1234567\"", "more than 6 decimals"),
            ("nan", "not a finite number"),
            ("inf", "not a finite number"),
            ("-inf", "not a finite number"),
            ("10000.5", "above 10000"),
            ("\"20000\"", "above 10000"),
            ("1e300", "above 10000"),
            ("\"abc\"", "not a decimal amount"),
            ("\"1e3\"", "not a decimal amount"),
            ("true", "not a number"),
            ("[1]", "not a number"),
        ] {
            let e = err(&format!("[\"my-model\"]\ncache_read = {value}\n"));
            assert!(
                e.contains("\"my-model\"") && e.contains("cache_read") && e.contains(what),
                "{value}: {e}"
            );
            assert!(e.contains("USD per million tokens"), "{e}");
        }
        for value in ["-1", "1.5", "\"200000\""] {
            let e = err(&format!("[m]\nlong_context_threshold = {value}\n"));
            assert!(
                e.contains("long_context_threshold") && e.contains("whole number"),
                "{e}"
            );
        }
        // A threshold with no tier to re-threshold, and tier rates with no threshold.
        let e = err("[\"claude-opus-4-5\"]\nlong_context_threshold = 100000\n");
        assert!(
            e.contains("claude-opus-4-5") && e.contains("no built-in long-context tier"),
            "{e}"
        );
        let e = err("[\"unknown-model\"]\nlong_context_threshold = 100000\n");
        assert!(e.contains("not in the built-in table"), "{e}");
        let e = err("[\"claude-opus-4-5\"]\nlong_context_input = 10\n");
        assert!(e.contains("without long_context_threshold"), "{e}");
        // Two spellings of one model; a value that is not a table; an empty key; bad TOML.
        let e = err(
            "[\"claude-sonnet-4-5\"]\ninput = 1\n[\"anthropic/claude-sonnet-4.5\"]\ninput = 2\n",
        );
        assert!(e.contains("same model"), "{e}");
        let e = err("[\"GPT-*\"]\ninput = 1\n[\"gpt-*\"]\ninput = 2\n");
        assert!(e.contains("same model"), "{e}");
        let e = err("\"claude-sonnet-4-5\" = 3\n");
        assert!(e.contains("must be a table"), "{e}");
        assert!(err("[\" \"]\ninput = 1\n").contains("empty model id"));
        assert!(err("[m\ninput = 1\n").contains("line 1"));
    }

    #[test]
    fn config_pricing_table_parses_the_same() {
        let doc: toml::Table =
            toml::from_str("[pricing.\"claude-sonnet-4-5\"]\ninput = 2.5\n").unwrap();
        let from_config = PriceOverrides::from_toml_value(&doc["pricing"]).unwrap();
        let from_file =
            PriceOverrides::parse("[\"claude-sonnet-4-5\"]\ninput = \"2.50\"\n").unwrap();
        assert_eq!(from_config, from_file);
        assert_eq!(from_config.len(), 1);
        assert_eq!(
            from_config.patterns().collect::<Vec<_>>(),
            ["claude-sonnet-4-5"]
        );
        assert!(PriceOverrides::from_toml_value(&toml::Value::Integer(1)).is_err());

        // As a serde field of a `deny_unknown_fields` document, like config.toml's `Config`.
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Doc {
            #[serde(default)]
            pricing: PriceOverrides,
        }
        let d: Doc = toml::from_str("[pricing.\"claude-sonnet-4-5\"]\ninput = 2.5\n").unwrap();
        assert_eq!(d.pricing, from_file);
        let d: Doc = toml::from_str("").unwrap();
        assert!(d.pricing.is_empty());
        let e = toml::from_str::<Doc>("[pricing.m]\ninptu = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("inptu") && e.contains("\"m\""), "{e}");
    }

    #[test]
    fn fingerprint_tracks_override_content() {
        let builtin = PriceTable::builtin();
        assert_eq!(builtin.fingerprint(), PRICING_VERSION);
        assert_eq!(
            builtin
                .with_overrides(PriceOverrides::default())
                .fingerprint(),
            PRICING_VERSION
        );
        let a = table("[\"claude-sonnet-4-5\"]\ninput = 2.5\n[\"my-*\"]\noutput = 1\n");
        // Same meaning: other order, spelling of the id and of the numbers.
        let b = table(
            "[\"My-*\"]\noutput = \"1.0\"\n[\"anthropic/claude-sonnet-4.5\"]\ninput = \"2.500\"\n",
        );
        let c = table("[\"claude-sonnet-4-5\"]\ninput = 2.6\n[\"my-*\"]\noutput = 1\n");
        let d =
            table("[\"claude-sonnet-4-5\"]\ninput = 2.5\n[\"my-*\"]\noutput = 1\ncache_read = 0\n");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), a.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_ne!(a.fingerprint(), d.fingerprint());
        assert_ne!(a.fingerprint(), PRICING_VERSION);
        let f = a.fingerprint();
        let hex = f
            .strip_prefix(&format!("{PRICING_VERSION}+overrides:"))
            .unwrap();
        assert_eq!(hex.len(), 16);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
