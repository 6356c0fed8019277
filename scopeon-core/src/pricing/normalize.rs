//! Model-id normalization: strips routing decoration from a logged model id and reduces it to
//! a lookup key, so the many spellings of one Claude model meet at one table row.
//!
//! Forms understood (case-insensitive, surrounding whitespace ignored):
//! - any `provider/` path prefix: `anthropic/`, `openrouter/anthropic/`, `vertex_ai/`, …
//!   (only the last path segment names the model);
//! - Bedrock `anthropic.` with an optional `us.`/`eu.`/`jp.`/`au.`/`apac.` (regional) or
//!   `global.` prefix, and a trailing `-v1`/`-v2:0` version; other Bedrock prefixes
//!   (`us-gov.`, …) are billed differently and stay unknown;
//! - Vertex `@YYYYMMDD` and `@default` tags;
//! - dated snapshots `-YYYYMMDD`;
//! - dotted versions (`claude-sonnet-4.5`) and version-first names (`claude-4-opus`,
//!   `claude-3-5-sonnet`);
//! - Claude Code's `[1m]` context-window marker (same per-token prices).
//!
//! Anything else (`-fast`, `-thinking`, `<synthetic>`, other vendors) is left in the key, so
//! it matches no row and stays unpriced rather than borrowing a similar model's price.

/// A logged model id reduced to what decides its price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParsedId {
    /// Undated name in family-first form, e.g. `claude-sonnet-4-5` or `claude-haiku-3-5`.
    pub key: String,
    /// Snapshot date as the number `YYYYMMDD`, when the id carries one.
    pub date: Option<u32>,
    /// A Bedrock regional (non-global) endpoint prefix was present.
    pub regional: bool,
}

/// Bedrock inference-profile prefixes and whether they are regional (+10 % on newer models).
const BEDROCK_PREFIXES: &[(&str, bool)] = &[
    ("us.", true),
    ("eu.", true),
    ("jp.", true),
    ("au.", true),
    ("apac.", true),
    ("global.", false),
];

/// Parses a logged model id; `None` when it is not a recognisable Claude id.
pub(super) fn parse(model: &str) -> Option<ParsedId> {
    let lower = model.trim().to_ascii_lowercase();
    // Path prefixes only say who routed the request; the model is the last segment.
    let last = lower.rsplit('/').next().unwrap_or_default();
    let last = last.strip_suffix("[1m]").unwrap_or(last);
    let (name, regional) = strip_bedrock_prefix(last)?;
    let (name, vertex_date) = split_vertex_tag(name)?;
    let name = strip_bedrock_version(name).replace('.', "-");
    let (base, suffix_date) = split_date(&name);
    let date = match (vertex_date, suffix_date) {
        (Some(_), Some(_)) => return None, // two dates: malformed, do not guess
        (a, b) => a.or(b),
    };
    Some(ParsedId {
        key: family_first(base)?,
        date,
        regional,
    })
}

/// Removes `[region.]anthropic.`; `None` for a region prefix not followed by `anthropic.`.
fn strip_bedrock_prefix(s: &str) -> Option<(&str, bool)> {
    if let Some(rest) = s.strip_prefix("anthropic.") {
        return Some((rest, false));
    }
    for &(prefix, regional) in BEDROCK_PREFIXES {
        if let Some(rest) = s.strip_prefix(prefix) {
            return rest.strip_prefix("anthropic.").map(|r| (r, regional));
        }
    }
    Some((s, false))
}

/// Splits a Vertex `@tag`: a date, or `default` (no date). Other tags are not understood.
fn split_vertex_tag(s: &str) -> Option<(&str, Option<u32>)> {
    match s.split_once('@') {
        None => Some((s, None)),
        Some((base, "default")) => Some((base, None)),
        Some((base, tag)) => parse_date(tag).map(|d| (base, Some(d))),
    }
}

/// Drops a trailing Bedrock/Vertex model version (`-v1`, `-v2:0`): it never changes the price.
fn strip_bedrock_version(s: &str) -> &str {
    let Some(at) = s.rfind("-v") else {
        return s;
    };
    let tail = &s[at + 2..];
    let (major, minor) = match tail.split_once(':') {
        Some((major, minor)) => (major, Some(minor)),
        None => (tail, None),
    };
    if all_digits(major) && minor.is_none_or(all_digits) {
        &s[..at]
    } else {
        s
    }
}

/// Splits a trailing `-YYYYMMDD` snapshot date.
fn split_date(s: &str) -> (&str, Option<u32>) {
    if let Some((base, last)) = s.rsplit_once('-')
        && let Some(date) = parse_date(last)
    {
        return (base, Some(date));
    }
    (s, None)
}

/// Eight ASCII digits as a number (cannot overflow: at most 99,999,999).
fn parse_date(s: &str) -> Option<u32> {
    if s.len() == 8 && all_digits(s) {
        s.parse().ok()
    } else {
        None
    }
}

/// Non-empty and only ASCII digits.
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Rewrites `claude-<version>-<family>…` (the Claude 3 naming, also used by some gateways
/// for Claude 4: `claude-4-opus`) as `claude-<family>-<version>…`, so both orders meet.
/// `None` unless the name is `claude-` followed by non-empty `-`-separated tokens.
fn family_first(name: &str) -> Option<String> {
    let rest = name.strip_prefix("claude-")?;
    let tokens: Vec<&str> = rest.split('-').collect();
    if tokens.iter().any(|t| t.is_empty()) {
        return None;
    }
    let lead = tokens.iter().take_while(|t| all_digits(t)).count();
    let Some(family) = tokens.get(lead).filter(|_| lead > 0) else {
        return Some(name.to_owned());
    };
    let mut out = vec!["claude", family];
    out.extend_from_slice(&tokens[..lead]);
    out.extend_from_slice(&tokens[lead + 1..]);
    Some(out.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(key: &str, date: Option<u32>, regional: bool) -> Option<ParsedId> {
        Some(ParsedId {
            key: key.to_owned(),
            date,
            regional,
        })
    }

    #[test]
    fn strips_decoration() {
        let cases = [
            (
                "claude-sonnet-4-5",
                parsed("claude-sonnet-4-5", None, false),
            ),
            (
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                parsed("claude-sonnet-4-5", Some(20250929), true),
            ),
            (
                "global.anthropic.claude-opus-4-6-v1",
                parsed("claude-opus-4-6", None, false),
            ),
            (
                "vertex_ai/claude-3-5-sonnet-v2@20241022",
                parsed("claude-sonnet-3-5", Some(20241022), false),
            ),
            (
                "claude-opus-4-6@default",
                parsed("claude-opus-4-6", None, false),
            ),
            (
                "OpenRouter/Anthropic/Claude-Sonnet-4.5",
                parsed("claude-sonnet-4-5", None, false),
            ),
            (
                "claude-4-opus-20250514",
                parsed("claude-opus-4", Some(20250514), false),
            ),
            (
                " claude-opus-4-6[1m] ",
                parsed("claude-opus-4-6", None, false),
            ),
            (
                "claude-opus-4-6-fast",
                parsed("claude-opus-4-6-fast", None, false),
            ),
            ("us-gov.anthropic.claude-sonnet-4-5", None),
            ("us.claude-sonnet-4-5", None),
            ("claude-x@20250101-20250101", None),
            ("claude-x@latest", None),
            ("claude--x", None),
            ("claude-", None),
            ("<synthetic>", None),
            ("", None),
        ];
        for (id, want) in cases {
            assert_eq!(parse(id), want, "{id}");
        }
    }

    #[test]
    fn version_suffix_needs_digits() {
        assert_eq!(strip_bedrock_version("claude-x-v1:0"), "claude-x");
        assert_eq!(strip_bedrock_version("claude-x-v2"), "claude-x");
        assert_eq!(strip_bedrock_version("claude-x-v"), "claude-x-v");
        assert_eq!(strip_bedrock_version("claude-x-v1:"), "claude-x-v1:");
        assert_eq!(strip_bedrock_version("claude-x-vision"), "claude-x-vision");
    }
}
