//! Model-id normalization: strips routing decoration from a logged model id and reduces it to
//! a lookup key, so the many spellings of one model meet at one table row.
//!
//! Forms understood (case-insensitive, surrounding whitespace ignored):
//! - path prefixes (`provider/…`): for the first-party models of Anthropic (`claude-…`), OpenAI
//!   (`gpt-…`, `o3…`, `codex-…`) and Google (`gemini-…`) the prefix only says who routed the
//!   request (`anthropic/`, `openai/`, `azure/`, `google/`, `gemini/`, `vertex_ai/`,
//!   `openrouter/<vendor>/`, `github_copilot/`, …) and is dropped: those gateways bill the
//!   vendor's list price. For every other model the host sets the price (open-weight models
//!   cost differently on OpenRouter, Groq, Fireworks, Vercel; xAI models on Azure), so the
//!   prefix stays in the key unless it is the vendor's own API ([`FIRST_PARTY_ROUTES`]);
//!   `openrouter/z-ai/glm-4.6` therefore matches only a row named for OpenRouter;
//! - Bedrock `anthropic.` with an optional `us.`/`eu.`/`jp.`/`au.`/`apac.` (regional) or
//!   `global.` prefix (Claude models only), and a trailing `-v1`/`-v2:0` version (any
//!   `-vN:M` on other vendors' Bedrock ids, e.g. `qwen.…-v1:0`); other Bedrock prefixes
//!   (`us-gov.`, …) are billed differently and stay unknown;
//! - Vertex `@YYYYMMDD` and `@default` tags;
//! - dated snapshots `-YYYYMMDD` (Anthropic) and `-YYYY-MM-DD` (OpenAI);
//! - dotted versions (`claude-sonnet-4.5`, `gpt-5.1`, `gemini-2.5-pro`; dots and dashes are
//!   one separator) and Claude version-first names (`claude-4-opus`, `claude-3-5-sonnet`);
//! - Claude Code's `[1m]` context-window marker (same per-token prices).
//!
//! Anything else (`-fast`, `-thinking`, `<synthetic>`, unknown hosts) is left in the key, so
//! it matches no row and stays unpriced rather than borrowing a similar model's price.

/// A logged model id reduced to what decides its price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParsedId {
    /// Undated name in family-first form, e.g. `claude-sonnet-4-5`, `gpt-5-1`, or
    /// `openrouter/z-ai/glm-4-6` for a host-priced model.
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

/// Name prefixes of models sold only by their vendor (Anthropic, OpenAI, Google): any routing
/// prefix bills the vendor's list price, so it is dropped.
const VENDOR_PRICED: &[&str] = &["claude-", "gpt-", "chatgpt-", "codex-", "gemini-"];

/// Routes that are a vendor's own API for its model names (route, model-name prefix): the
/// route is dropped. Every other route of a non-[`VENDOR_PRICED`] model stays in the key.
const FIRST_PARTY_ROUTES: &[(&str, &str)] = &[
    ("deepseek", "deepseek-"),
    ("xai", "grok-"),
    ("openrouter/x-ai", "grok-"),
    ("moonshot", "kimi-"),
    ("zai", "glm-"),
    ("minimax", "minimax-"),
];

/// Parses a logged model id; `None` when it is not a well-formed model id.
pub(super) fn parse(model: &str) -> Option<ParsedId> {
    let lower = model.trim().to_ascii_lowercase();
    let (route, last) = match lower.rsplit_once('/') {
        Some((route, last)) => (route, last),
        None => ("", lower.as_str()),
    };
    if !route.is_empty() && route.split('/').any(|seg| !plain(seg, b"-_.")) {
        return None;
    }
    let last = last.strip_suffix("[1m]").unwrap_or(last);
    let (name, regional) = strip_bedrock_prefix(last)?;
    if name.contains("anthropic.") {
        return None; // a Bedrock prefix not understood (`us-gov.`): billed differently
    }
    let (name, vertex_date) = split_vertex_tag(name)?;
    let name = if name.starts_with("claude-") || name.contains(':') {
        strip_bedrock_version(name)
    } else {
        name
    };
    let name = name.replace('.', "-");
    let (base, suffix_date) = split_date(&name);
    let date = match (vertex_date, suffix_date) {
        (Some(_), Some(_)) => return None, // two dates: malformed, do not guess
        (a, b) => a.or(b),
    };
    if !plain(base, b"-_") || base.split('-').any(str::is_empty) {
        return None;
    }
    let key = if base.starts_with("claude-") {
        family_first(base)?
    } else if route.is_empty() || vendor_priced(base) || first_party(route, base) {
        base.to_owned()
    } else {
        format!("{route}/{base}")
    };
    Some(ParsedId {
        key,
        date,
        regional,
    })
}

/// Non-empty and made of ASCII letters, digits and the given punctuation.
fn plain(s: &str, punct: &[u8]) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || punct.contains(&b))
}

/// A model only its vendor sells: `claude-…`, `gpt-…`, `gemini-…`, OpenAI `o<digit>…`.
fn vendor_priced(name: &str) -> bool {
    VENDOR_PRICED.iter().any(|p| name.starts_with(p))
        || (name.starts_with('o') && name[1..].starts_with(|c: char| c.is_ascii_digit()))
}

/// `route` is the vendor's own API for `name`.
fn first_party(route: &str, name: &str) -> bool {
    FIRST_PARTY_ROUTES
        .iter()
        .any(|&(r, prefix)| r == route && name.starts_with(prefix))
}

/// Removes `[region.]anthropic.`; `None` for a region prefix not followed by `anthropic.`,
/// and for `anthropic.` not followed by a Claude name.
fn strip_bedrock_prefix(s: &str) -> Option<(&str, bool)> {
    if let Some(rest) = s.strip_prefix("anthropic.") {
        return rest.starts_with("claude-").then_some((rest, false));
    }
    for &(prefix, regional) in BEDROCK_PREFIXES {
        if let Some(rest) = s.strip_prefix(prefix) {
            return rest
                .strip_prefix("anthropic.")
                .filter(|r| r.starts_with("claude-"))
                .map(|r| (r, regional));
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

/// Splits a trailing `-YYYYMMDD` or `-YYYY-MM-DD` snapshot date.
fn split_date(s: &str) -> (&str, Option<u32>) {
    if let Some((base, last)) = s.rsplit_once('-')
        && let Some(date) = parse_date(last)
    {
        return (base, Some(date));
    }
    let mut parts = s.rsplitn(4, '-');
    if let (Some(day), Some(month), Some(year), Some(base)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
        && (year.len(), month.len(), day.len()) == (4, 2, 2)
        && let Some(date) = parse_date(&format!("{year}{month}{day}"))
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
            ("openai/gpt-5.1", parsed("gpt-5-1", None, false)),
            (
                "openrouter/openai/gpt-4o-2024-08-06",
                parsed("gpt-4o", Some(20240806), false),
            ),
            (
                "azure/gpt-4.1-mini-2025-04-14",
                parsed("gpt-4-1-mini", Some(20250414), false),
            ),
            (
                "o3-mini-2025-01-31",
                parsed("o3-mini", Some(20250131), false),
            ),
            (
                "google/gemini-2.5-pro",
                parsed("gemini-2-5-pro", None, false),
            ),
            (
                "vertex_ai/gemini-3-pro-preview",
                parsed("gemini-3-pro-preview", None, false),
            ),
            (
                "deepseek/deepseek-chat",
                parsed("deepseek-chat", None, false),
            ),
            ("xai/grok-4.3", parsed("grok-4-3", None, false)),
            ("minimax/MiniMax-M2", parsed("minimax-m2", None, false)),
            // A host that sets its own price stays in the key.
            (
                "openrouter/z-ai/glm-4.6",
                parsed("openrouter/z-ai/glm-4-6", None, false),
            ),
            (
                "openrouter/deepseek/deepseek-chat",
                parsed("openrouter/deepseek/deepseek-chat", None, false),
            ),
            ("xai/glm-4.6", parsed("xai/glm-4-6", None, false)),
            (
                "qwen.qwen3-coder-480b-a35b-v1:0",
                parsed("qwen-qwen3-coder-480b-a35b", None, false),
            ),
            // Not a Bedrock `-vN`: a version inside a name is kept.
            ("deepseek-v3.2", parsed("deepseek-v3-2", None, false)),
            ("anthropic.gpt-5", None),
            ("us.anthropic.gpt-5", None),
            ("openrouter//gpt-5", None),
            ("gpt-5:latest", None),
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
