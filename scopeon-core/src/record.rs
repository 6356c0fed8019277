//! The metadata-only usage record every provider normalizes to.
//!
//! A [`UsageRecord`] describes one billed model request: who made it (provider, session,
//! project), with what (model), when (UTC milliseconds), and how many tokens of each kind it
//! used (docs/tokens.md). It has no field that can hold prompt text, code or tool output, so
//! there is nothing to redact anywhere downstream.
//!
//! The string fields it does have are identifiers written by the agent. They are bounded in
//! length ([`MAX_ID_LEN`]) so a hostile log line cannot smuggle a large payload through them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest identifier (session, project, model, dedup key) a record keeps, in bytes.
///
/// Longer values are cut at a character boundary. Real ids are far shorter (a UUID is 36
/// bytes, a deep project path a few hundred); the cap only stops abuse.
pub const MAX_ID_LEN: usize = 1024;

/// The agents Scopeon reads, by their stable ids (docs/roots.md), and those a program adds
/// ([`ProviderId::Custom`]).
///
/// The id strings are part of the JSON contract and the database: never rename one. Ids
/// serialize as their string; deserializing reads the built-in ids only (a custom id is a
/// string the program defines, not one read from a file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProviderId {
    /// Anthropic's Claude Code CLI (`~/.claude/projects/**/*.jsonl`).
    ClaudeCode,
    /// OpenAI's Codex CLI (`~/.codex/sessions/**/*.jsonl`).
    Codex,
    /// Google's Gemini CLI (`~/.gemini/tmp/*/chats/**`).
    GeminiCli,
    /// GitHub Copilot CLI (`~/.copilot/session-state/**`, `session-store.db`).
    CopilotCli,
    /// Aider's analytics log (`~/.aider/analytics.jsonl` and configured paths).
    Aider,
    /// The Cursor editor's `state.vscdb` (estimated counts).
    Cursor,
    /// sst's OpenCode (`~/.local/share/opencode`).
    Opencode,
    /// Any OpenAI-style JSONL the user points at with `generic_paths`.
    GenericOpenai,
    /// A provider defined outside Scopeon, registered with
    /// [`Providers::register`](crate::provider::Providers::register). Made by
    /// [`ProviderId::custom`], which checks the id.
    Custom(CustomId),
}

/// The id of a provider defined outside Scopeon: 1 to [`CustomId::MAX_LEN`] bytes of
/// lowercase ASCII letters, digits and `_`, starting with a letter, and not a built-in id.
///
/// Only [`ProviderId::custom`] and [`ProviderId::try_custom`] make one, so every value is
/// valid. Its records merge by [`MergeRule::LastCopyWins`]: each copy of a request must carry
/// the request's whole usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomId(&'static str);

impl CustomId {
    /// The longest custom id, in bytes.
    pub const MAX_LEN: usize = 64;

    /// The id string.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

/// Why a string is not a valid custom provider id (see [`CustomId`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid provider id {id:?}: {reason}")]
pub struct InvalidProviderId {
    /// The id refused.
    pub id: &'static str,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// How copies of one request (records with the same dedup key) combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MergeRule {
    /// The largest value of each counter, the earliest timestamp (Claude Code, whose
    /// content-block lines each carry part of a response's final usage).
    MaxPerCounter,
    /// The copy read last replaces the stored one (Gemini CLI re-appends a message each time
    /// it changes; for the other providers copies are identical).
    LastCopyWins,
}

impl ProviderId {
    /// Every built-in provider id, in display order (custom ids are a program's own).
    pub const ALL: &'static [ProviderId] = &[
        ProviderId::ClaudeCode,
        ProviderId::Codex,
        ProviderId::GeminiCli,
        ProviderId::CopilotCli,
        ProviderId::Aider,
        ProviderId::Cursor,
        ProviderId::Opencode,
        ProviderId::GenericOpenai,
    ];

    /// The id of a provider defined outside Scopeon, e.g.
    /// `const ACME: ProviderId = ProviderId::custom("acme_agent");`.
    ///
    /// # Panics
    ///
    /// When `id` is not a valid custom id (see [`CustomId`]); in a `const` that is a compile
    /// error. [`try_custom`](ProviderId::try_custom) returns the reason instead.
    pub const fn custom(id: &'static str) -> ProviderId {
        match ProviderId::try_custom(id) {
            Ok(p) => p,
            Err(e) => panic!("{}", e.reason),
        }
    }

    /// The id of a provider defined outside Scopeon, or why `id` is not a valid one (see
    /// [`CustomId`]).
    pub const fn try_custom(id: &'static str) -> Result<ProviderId, InvalidProviderId> {
        const fn refuse(
            id: &'static str,
            reason: &'static str,
        ) -> Result<ProviderId, InvalidProviderId> {
            Err(InvalidProviderId { id, reason })
        }
        let bytes = id.as_bytes();
        if bytes.is_empty() || bytes.len() > CustomId::MAX_LEN {
            return refuse(id, "a provider id is 1 to 64 bytes long");
        }
        if !bytes[0].is_ascii_lowercase() {
            return refuse(id, "a provider id starts with a lowercase ASCII letter");
        }
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return refuse(
                    id,
                    "a provider id holds only lowercase ASCII letters, digits and _",
                );
            }
            i += 1;
        }
        let mut k = 0;
        while k < ProviderId::ALL.len() {
            if bytes_eq(ProviderId::ALL[k].as_str().as_bytes(), bytes) {
                return refuse(id, "a built-in provider has this id");
            }
            k += 1;
        }
        Ok(ProviderId::Custom(CustomId(id)))
    }

    /// The stable id string, e.g. `claude_code`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderId::ClaudeCode => "claude_code",
            ProviderId::Codex => "codex",
            ProviderId::GeminiCli => "gemini_cli",
            ProviderId::CopilotCli => "copilot_cli",
            ProviderId::Aider => "aider",
            ProviderId::Cursor => "cursor",
            ProviderId::Opencode => "opencode",
            ProviderId::GenericOpenai => "generic_openai",
            ProviderId::Custom(id) => id.as_str(),
        }
    }

    /// Whether this is the id of a provider defined outside Scopeon.
    pub const fn is_custom(self) -> bool {
        matches!(self, ProviderId::Custom(_))
    }

    /// How copies of one of this provider's requests combine (docs/identity.md).
    pub fn merge_rule(self) -> MergeRule {
        match self {
            ProviderId::ClaudeCode => MergeRule::MaxPerCounter,
            _ => MergeRule::LastCopyWins,
        }
    }

    /// Whether this provider's records keyed `db:<session>:…` supersede its records keyed
    /// `ev:<session>:…` (Copilot CLI: when `session-store.db` has a session, it replaces the
    /// session's events file, docs/identity.md). Superseded records are kept but not counted. The
    /// `<session>` part must not contain `:` (the provider encodes it).
    pub fn supersedes_by_session(self) -> bool {
        self == ProviderId::CopilotCli
    }

    /// Parses a built-in id string; `None` for any other (custom ids are found with
    /// [`Providers::parse`](crate::provider::Providers::parse)).
    pub fn parse(s: &str) -> Option<ProviderId> {
        ProviderId::ALL.iter().copied().find(|p| p.as_str() == s)
    }
}

/// Byte-wise equality usable in a `const fn`.
const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ProviderId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProviderId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ProviderId, D::Error> {
        struct IdVisitor;
        impl serde::de::Visitor<'_> for IdVisitor {
            type Value = ProviderId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a provider id")
            }

            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<ProviderId, E> {
                ProviderId::parse(s).ok_or_else(|| {
                    let known: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
                    E::custom(format!(
                        "unknown provider `{s}`, expected one of {}",
                        known.join(", ")
                    ))
                })
            }
        }
        d.deserialize_str(IdVisitor)
    }
}

/// Token counts of one request, in the normalized meanings of docs/tokens.md.
///
/// Every field is per request, never cumulative. `cache_creation` is the total of all cache
/// writes; `cache_creation_5m` and `cache_creation_1h` are the parts whose time-to-live the
/// agent reported. Whatever of `cache_creation` they do not cover is "unsplit" and priced at
/// the 5-minute rate (docs/pricing.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenCounts {
    /// Fresh input: excludes cache reads and cache writes.
    pub input: u64,
    /// All cache writes (5-minute + 1-hour + writes with no TTL split).
    pub cache_creation: u64,
    /// The part of `cache_creation` written with a 5-minute TTL.
    pub cache_creation_5m: u64,
    /// The part of `cache_creation` written with a 1-hour TTL.
    pub cache_creation_1h: u64,
    /// Cache hits.
    pub cache_read: u64,
    /// Everything billed at the output rate, reasoning included.
    pub output: u64,
    /// The reasoning part of `output` (informational; a subset of it).
    pub reasoning: u64,
}

impl TokenCounts {
    /// input + cache creation + cache read + output (docs/tokens.md), saturating.
    pub fn total(&self) -> u64 {
        self.input
            .saturating_add(self.cache_creation)
            .saturating_add(self.cache_read)
            .saturating_add(self.output)
    }

    /// Input as the vendors count it for long-context tiers: fresh input plus cache reads and
    /// cache writes (docs/pricing.md).
    pub fn prompt_size(&self) -> u64 {
        self.input
            .saturating_add(self.cache_creation)
            .saturating_add(self.cache_read)
    }

    /// Cache writes with no 5m/1h split: `cache_creation − 5m − 1h`, saturating.
    pub fn cache_creation_unsplit(&self) -> u64 {
        self.cache_creation
            .saturating_sub(self.cache_creation_5m)
            .saturating_sub(self.cache_creation_1h)
    }

    /// True when every counter is zero (such a record carries no usage).
    pub fn is_zero(&self) -> bool {
        *self == TokenCounts::default()
    }

    /// The per-field maximum of two copies of one request (the Claude Code merge rule).
    pub fn max_merge(&self, other: &TokenCounts) -> TokenCounts {
        TokenCounts {
            input: self.input.max(other.input),
            cache_creation: self.cache_creation.max(other.cache_creation),
            cache_creation_5m: self.cache_creation_5m.max(other.cache_creation_5m),
            cache_creation_1h: self.cache_creation_1h.max(other.cache_creation_1h),
            cache_read: self.cache_read.max(other.cache_read),
            output: self.output.max(other.output),
            reasoning: self.reasoning.max(other.reasoning),
        }
    }
}

/// Flags qualifying a record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordFlags {
    /// Made by a subagent (a Claude Code sidechain or `subagents/` transcript).
    pub subagent: bool,
    /// A Claude Code sidechain line (`isSidechain: true`). A sidechain copy of a message that
    /// also exists outside the sidechain is a replay and does not count (docs/identity.md).
    pub sidechain: bool,
    /// Counts are the agent's estimate, not the vendor's bill (Cursor).
    pub estimated: bool,
    /// A session-level rollup rather than one request (Copilot shutdown segments).
    pub aggregate: bool,
    /// Served in the vendor's fast (priority speed) mode, billed at its fast-mode multiple
    /// (Claude Code logs `usage.speed: "fast"`).
    pub fast: bool,
}

/// One billed model request, normalized and metadata-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// The agent that wrote the log.
    pub provider: ProviderId,
    /// The agent's session id (for Claude Code subagents, the parent session).
    pub session: String,
    /// The agent's working directory, when the log names it.
    pub project: Option<String>,
    /// The model id exactly as logged; `None` when the log does not say (never guessed).
    pub model: Option<String>,
    /// When the request was made, UTC milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The request's identity within its provider (docs/identity.md); copies with the same key are
    /// one request.
    pub dedup_key: String,
    /// The vendor's message id, where the provider needs it to recognise replays. When set,
    /// `dedup_key` is [`message_key`]`(message_id, …)`, so the store finds every copy of a
    /// message through the key's prefix.
    pub message_id: Option<String>,
    /// Qualifying flags.
    pub flags: RecordFlags,
    /// Token counts.
    pub tokens: TokenCounts,
    /// Cost the agent itself reported, in picodollars (10⁻¹² USD), when it did.
    pub reported_cost_pusd: Option<i64>,
    /// Requests this record stands for: 1, or 0 for a rollup whose requests are already
    /// counted by per-request records (a Copilot shutdown segment with per-message records).
    pub requests: u32,
    /// GitHub Copilot premium requests billed for it, in thousandths (Copilot bills
    /// fractional multiples such as 0.33 per request); 0 where the agent logs none.
    pub premium_requests_milli: u64,
}

impl UsageRecord {
    /// Merges another copy of the same request into this one, by the rule of docs/identity.md:
    /// the largest value of each counter, the earliest timestamp, and the session, project,
    /// model and subagent flag of the preferred copy (a non-sidechain copy before a sidechain
    /// one, then the earliest, then the smallest session id).
    ///
    /// The preferred copy is compared with what was merged so far, whose timestamp is the
    /// earliest of any copy. So the result can depend on the order (and grouping) of copies
    /// when a sidechain copy is earlier than a main copy of the same request, or when the
    /// preferred copy has no project or model and two others have different ones.
    ///
    /// Providers whose rule is [`MergeRule::LastCopyWins`] take `other` whole instead.
    ///
    /// The store's UPSERT applies the same rules in SQL; both must stay in step (the store's
    /// test `the_stored_merge_is_the_rust_merge_whatever_the_batches` checks they do).
    pub fn merge_copy(&mut self, other: &UsageRecord) {
        if self.provider.merge_rule() == MergeRule::LastCopyWins {
            *self = other.clone();
            return;
        }
        // The session breaks ties, so the result never depends on the order copies are read.
        let other_preferred = (other.flags.sidechain, other.timestamp_ms, &other.session)
            < (self.flags.sidechain, self.timestamp_ms, &self.session);
        if other_preferred {
            self.session = other.session.clone();
            self.project = other.project.clone().or_else(|| self.project.take());
            self.model = other.model.clone().or_else(|| self.model.take());
            self.flags.subagent = other.flags.subagent;
        } else {
            self.project = self.project.take().or_else(|| other.project.clone());
            self.model = self.model.take().or_else(|| other.model.clone());
        }
        if self.message_id.is_none() {
            self.message_id = other.message_id.clone();
        }
        self.timestamp_ms = self.timestamp_ms.min(other.timestamp_ms);
        self.flags.sidechain &= other.flags.sidechain;
        // Copies of one request share its speed; a copy that says fast is believed.
        self.flags.fast |= other.flags.fast;
        self.tokens = self.tokens.max_merge(&other.tokens);
        self.requests = self.requests.max(other.requests);
        self.premium_requests_milli = self
            .premium_requests_milli
            .max(other.premium_requests_milli);
        self.reported_cost_pusd = match (self.reported_cost_pusd, other.reported_cost_pusd) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// The dedup key of a request known by its vendor message id: `<message_id>:<request_id>`,
/// with an empty request part when the agent logged none.
///
/// Every key of a record with a message id has this form; the store relies on the
/// `<message_id>:` prefix to find a message's copies without a second index.
/// Each part is cut to half of [`MAX_ID_LEN`] so the key stays within it; pass a message id
/// already cut with [`bounded_message_id`] so the record's `message_id` is the key's prefix.
pub fn message_key(message_id: &str, request_id: Option<&str>) -> String {
    let request = bounded(request_id.unwrap_or(""), MAX_ID_LEN / 2 - 1);
    format!("{}:{request}", bounded(message_id, MAX_ID_LEN / 2))
}

/// A message id cut to the length [`message_key`] keeps of it.
pub fn bounded_message_id(s: &str) -> String {
    bounded(s, MAX_ID_LEN / 2)
}

fn bounded(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Cuts an identifier to [`MAX_ID_LEN`] bytes at a character boundary.
pub fn bounded_id(s: &str) -> String {
    bounded(s, MAX_ID_LEN)
}

/// Converts a dollar amount reported by an agent to picodollars, rejecting values that are
/// not finite, negative, or absurdly large (over one million dollars for one request).
pub fn usd_to_pusd(usd: f64) -> Option<i64> {
    if !usd.is_finite() || !(0.0..=1.0e6).contains(&usd) {
        return None;
    }
    Some((usd * 1.0e12).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_and_unsplit_saturate() {
        let t = TokenCounts {
            input: 6,
            cache_creation: 100,
            cache_creation_5m: 30,
            cache_creation_1h: 50,
            cache_read: 7,
            output: 9,
            reasoning: 0,
        };
        assert_eq!(t.total(), 122);
        assert_eq!(t.prompt_size(), 113);
        assert_eq!(t.cache_creation_unsplit(), 20);
        let odd = TokenCounts {
            cache_creation: 10,
            cache_creation_5m: 30,
            ..TokenCounts::default()
        };
        assert_eq!(odd.cache_creation_unsplit(), 0);
        let max = TokenCounts {
            input: u64::MAX,
            output: 5,
            ..TokenCounts::default()
        };
        assert_eq!(max.total(), u64::MAX);
    }

    #[test]
    fn max_merge_takes_each_field() {
        let a = TokenCounts {
            input: 6,
            output: 2,
            cache_read: 100,
            ..TokenCounts::default()
        };
        let b = TokenCounts {
            input: 5,
            output: 311,
            cache_read: 90,
            ..TokenCounts::default()
        };
        let m = a.max_merge(&b);
        assert_eq!((m.input, m.output, m.cache_read), (6, 311, 100));
    }

    fn copy(sidechain: bool, ts: i64, session: &str, output: u64) -> UsageRecord {
        UsageRecord {
            provider: ProviderId::ClaudeCode,
            session: session.into(),
            project: None,
            model: Some("m".into()),
            timestamp_ms: ts,
            dedup_key: "k".into(),
            message_id: None,
            flags: RecordFlags {
                sidechain,
                subagent: sidechain,
                ..RecordFlags::default()
            },
            tokens: TokenCounts {
                output,
                ..TokenCounts::default()
            },
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        }
    }

    #[test]
    fn merge_prefers_non_sidechain_then_earliest() {
        let mut a = copy(true, 10, "side", 5);
        a.merge_copy(&copy(false, 20, "main", 3));
        assert_eq!(
            (a.session.as_str(), a.timestamp_ms, a.tokens.output),
            ("main", 10, 5)
        );
        assert!(!a.flags.sidechain && !a.flags.subagent);
        let mut b = copy(false, 20, "later", 1);
        b.merge_copy(&copy(false, 10, "earlier", 9));
        assert_eq!(
            (b.session.as_str(), b.timestamp_ms, b.tokens.output),
            ("earlier", 10, 9)
        );
        let mut c = copy(false, 10, "resumed", 1);
        c.merge_copy(&copy(false, 10, "original", 1));
        let mut d = copy(false, 10, "original", 1);
        d.merge_copy(&copy(false, 10, "resumed", 1));
        assert_eq!(
            (c.session.as_str(), d.session.as_str()),
            ("original", "original")
        );
    }

    #[test]
    fn provider_ids_round_trip() {
        for p in ProviderId::ALL {
            assert_eq!(ProviderId::parse(p.as_str()), Some(*p));
        }
        assert_eq!(ProviderId::parse("nope"), None);
        // Ids serialize as their strings, as the derived form did.
        assert_eq!(
            serde_json::to_string(&ProviderId::GeminiCli).unwrap(),
            r#""gemini_cli""#
        );
        let acme = ProviderId::custom("acme_agent2");
        assert_eq!(serde_json::to_string(&acme).unwrap(), r#""acme_agent2""#);
        assert_eq!(
            serde_json::from_str::<ProviderId>(r#""codex""#).unwrap(),
            ProviderId::Codex
        );
        let e = serde_json::from_str::<ProviderId>(r#""acme_agent2""#).unwrap_err();
        assert!(
            e.to_string().contains("unknown provider `acme_agent2`"),
            "{e}"
        );
    }

    #[test]
    fn custom_ids_are_checked() {
        let acme = ProviderId::try_custom("acme_agent2").unwrap();
        assert_eq!((acme.as_str(), acme.is_custom()), ("acme_agent2", true));
        assert_eq!(acme.merge_rule(), MergeRule::LastCopyWins);
        assert!(!acme.supersedes_by_session());
        assert!(!ProviderId::Codex.is_custom());
        // Built-ins sort first, then custom ids by string.
        assert!(ProviderId::GenericOpenai < acme);
        assert!(ProviderId::custom("a") < ProviderId::custom("b"));
        let long: &'static str = Box::leak("a".repeat(CustomId::MAX_LEN + 1).into_boxed_str());
        for bad in [
            "",
            "Acme",
            "1acme",
            "_acme",
            "acme-agent",
            "acme agent",
            "acmé",
            long,
        ] {
            assert!(ProviderId::try_custom(bad).is_err(), "{bad:?}");
        }
        for builtin in ProviderId::ALL {
            let e = ProviderId::try_custom(builtin.as_str()).unwrap_err();
            assert!(e.to_string().contains("built-in"), "{e}");
        }
        assert!(ProviderId::try_custom(&long[..CustomId::MAX_LEN]).is_ok());
    }

    #[test]
    #[should_panic(expected = "lowercase")]
    fn custom_panics_on_an_invalid_id() {
        let _ = ProviderId::custom("Acme");
    }

    #[test]
    fn bounded_id_cuts_at_char_boundary() {
        let long = "é".repeat(MAX_ID_LEN);
        let cut = bounded_id(&long);
        assert!(cut.len() <= MAX_ID_LEN);
        assert!(cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn reported_cost_conversion() {
        assert_eq!(usd_to_pusd(0.0913), Some(91_300_000_000));
        assert_eq!(usd_to_pusd(-1.0), None);
        assert_eq!(usd_to_pusd(f64::NAN), None);
        assert_eq!(usd_to_pusd(1.0e9), None);
    }
}
