//! The arguments of each `scopeon mcp` tool: what a client may send, parsed strictly (an
//! unknown or mistyped field is a readable tool error, docs/mcp.md, "Errors"). The tools'
//! input schemas are derived from these types, so the schema a client sees and the parser
//! cannot disagree.

use schemars::JsonSchema;
use serde::Deserialize;

/// The most rows (or blocks, or sessions) one result holds unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 30;
/// The most one result may hold: about 100 tokens a row, so a page stays far below an
/// agent's tool-output limit (Claude Code's is 25,000 tokens) even with its text copy.
pub const MAX_LIMIT: usize = 100;

/// Which page of a long list: `offset` rows skipped, at most `limit` (checked) returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Rows skipped.
    pub offset: usize,
    /// Rows returned at most.
    pub limit: usize,
}

impl Paging {
    /// The page asked for; a limit out of range is an error that says the range.
    pub fn new(offset: usize, limit: Option<usize>) -> Result<Paging, String> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(n) => return Err(format!("limit {n} is out of range; use 1 to {MAX_LIMIT}")),
        };
        Ok(Paging { offset, limit })
    }
}

/// How costs are computed, as `scopeon report --cost`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CostMode {
    /// From tokens with the price table (default).
    Calculated,
    /// As the agent reported it, where it did.
    Reported,
    /// Reported where present, else calculated.
    Auto,
}

impl CostMode {
    /// The front door's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            CostMode::Calculated => "calculated",
            CostMode::Reported => "reported",
            CostMode::Auto => "auto",
        }
    }
}

/// `usage_report`: `scopeon report`'s parameters.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageReportArgs {
    /// First day or instant included: YYYY-MM-DD, YYYYMMDD, Nd, Nw, Nh (e.g. "7d") or RFC 3339.
    pub since: Option<String>,
    /// Last day included (or instant excluded), in the same forms.
    pub until: Option<String>,
    /// Group keys in order: day, week, month, model, project, session, provider. Default
    /// ["day"]; [] for totals only.
    pub by: Option<Vec<String>>,
    /// Only these providers (ids such as claude_code, codex).
    #[serde(default)]
    pub provider: Vec<String>,
    /// Only these projects, exactly as reports show them.
    #[serde(default)]
    pub project: Vec<String>,
    /// Only these model ids, exactly.
    #[serde(default)]
    pub model: Vec<String>,
    /// IANA zone of calendar days (e.g. "Europe/Berlin"). Default: the system's.
    pub tz: Option<String>,
    /// Which cost: calculated (default), reported or auto.
    pub cost: Option<CostMode>,
    /// Entries to skip: the next_offset of the previous page. Default 0.
    #[serde(default)]
    pub offset: usize,
    /// Entries to return, 1 to 100. Default 30.
    pub limit: Option<usize>,
}

/// `blocks`: `scopeon blocks`'s parameters.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlocksArgs {
    /// Only these providers. Default: claude_code and codex.
    #[serde(default)]
    pub provider: Vec<String>,
    /// Only the blocks (and windows) that contain now.
    #[serde(default)]
    pub active: bool,
    /// Blocks that end after this day or instant (forms as usage_report's since). Without
    /// since, until or active: the last three days.
    pub since: Option<String>,
    /// Blocks that start before this day (included) or instant.
    pub until: Option<String>,
    /// A token limit per block: a number of tokens, or "max" (the largest completed block).
    pub token_limit: Option<String>,
    /// IANA zone that since and until dates are read in.
    pub tz: Option<String>,
    /// Entries to skip: the next_offset of the previous page. Default 0.
    #[serde(default)]
    pub offset: usize,
    /// Entries to return, 1 to 100. Default 30.
    pub limit: Option<usize>,
}

/// `context`: `scopeon context`'s parameters.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextArgs {
    /// Only these providers.
    #[serde(default)]
    pub provider: Vec<String>,
    /// Only this session id.
    pub session_id: Option<String>,
    /// Sessions with a request in the last this many minutes. Default 30.
    pub active_minutes: Option<u32>,
    /// Entries to skip: the next_offset of the previous page. Default 0.
    #[serde(default)]
    pub offset: usize,
    /// Entries to return, 1 to 100. Default 30.
    pub limit: Option<usize>,
}

/// `list_sessions`: sessions with their usage, a page at a time.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSessionsArgs {
    /// Only usage from this day or instant on (forms as usage_report's since).
    pub since: Option<String>,
    /// Only these providers.
    #[serde(default)]
    pub provider: Vec<String>,
    /// Only these projects, exactly as reports show them.
    #[serde(default)]
    pub project: Vec<String>,
    /// Entries to skip: the next_offset of the previous page. Default 0.
    #[serde(default)]
    pub offset: usize,
    /// Entries to return, 1 to 100. Default 30.
    pub limit: Option<usize>,
}

/// `session_usage`: one session's usage by model.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionUsageArgs {
    /// The session id as logged (list_sessions shows them).
    pub session_id: String,
}

/// `price`: how a model id resolves in the price table.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceArgs {
    /// The model id as an agent logs it (e.g. "claude-sonnet-4-5").
    pub model: String,
}

/// `providers`: no arguments.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvidersArgs {}
