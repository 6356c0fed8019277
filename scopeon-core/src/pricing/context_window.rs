//! Context windows of the built-in models, in tokens (docs/pricing.md, "Context windows").
//!
//! From the same reference as the prices: Claude models 200,000 unless they are 1M-context
//! models (Opus 4.6 and later, Sonnet 4.6 and later, Haiku 5.5, Fable), or logged with Claude
//! Code's `[1m]` marker; the GPT-5 family up to 5.3 400,000 (272,000 input plus 128,000
//! output); later OpenAI and other vendors' models as the reference lists them. A model the
//! table does not know has no window: `None`, never a guess.

/// Claude's standard window.
const CLAUDE_STANDARD: u64 = 200_000;
/// A 1M-context window.
const ONE_MILLION: u64 = 1_000_000;

/// The window of a model by its canonical id ([`super::Resolved::canonical`]), and whether the
/// id as logged carried Claude Code's `[1m]` marker.
pub(super) fn of(canonical: &str, marked_1m: bool) -> Option<u64> {
    if canonical.starts_with("claude-") {
        return Some(if marked_1m || claude_1m(canonical) {
            ONE_MILLION
        } else {
            CLAUDE_STANDARD
        });
    }
    let tokens = match canonical {
        "gpt-5" | "gpt-5-codex" | "gpt-5-mini" | "gpt-5-nano" | "gpt-5-pro" | "gpt-5.1"
        | "gpt-5.1-codex" | "gpt-5.1-codex-mini" | "gpt-5.1-codex-max" | "gpt-5.2"
        | "gpt-5.2-codex" | "gpt-5.3-codex" | "gpt-5.2-pro" | "gpt-5.4-mini" | "gpt-5.4-nano" => {
            400_000
        }
        "gpt-5.4" | "gpt-5.4-pro" | "gpt-5.5" | "gpt-5.5-pro" => 1_050_000,
        "gpt-5.6" | "gpt-5.6-terra" | "gpt-5.6-luna" | "gpt-6-sol" | "gpt-6-luna"
        | "gpt-6.1-sol" | "gpt-6.1-terra" => 922_000,
        "gpt-4.1" | "gpt-4.1-mini" | "gpt-4.1-nano" => 1_047_576,
        "gpt-4o" | "gpt-4o-mini" => 128_000,
        "o3" | "o3-mini" | "o3-pro" | "o4-mini" | "codex-mini-latest" => 200_000,
        "gemini-2.5-pro"
        | "gemini-2.5-flash"
        | "gemini-2.5-flash-lite"
        | "gemini-3-pro-preview"
        | "gemini-3.1-pro-preview"
        | "gemini-3-flash-preview"
        | "gemini-3.1-flash-lite"
        | "gemini-3.5-flash"
        | "gemini-3.5-flash-lite"
        | "gemini-3.6-flash"
        | "gemini-3.7-flash"
        | "gemini-3.8-flash"
        | "gemini-4-argon"
        | "gemini-4-hydrogen" => 1_048_576,
        "deepseek-chat" | "deepseek-reasoner" => 131_072,
        "deepseek-v3.2" => 163_840,
        "deepseek-v4-flash" | "deepseek-v4-pro" => ONE_MILLION,
        "grok-code-fast-1" | "grok-build-0.1" | "grok-4" => 256_000,
        "grok-4.3" => ONE_MILLION,
        "grok-4.5" | "grok-4.7" => 500_000,
        "kimi-k2-0711-preview" => 131_072,
        "kimi-k2-thinking" | "kimi-k2-instruct-0905" | "kimi-k2.5" | "kimi-k2.6" => 262_144,
        "kimi-k3" => 1_048_576,
        "glm-4.5" => 128_000,
        "glm-4.6" | "glm-4.7" | "glm-5" | "glm-5.1" | "minimax-m2" => 200_000,
        "glm-5.2" | "glm-5.3" => ONE_MILLION,
        "qwen3-coder-480b-a35b" | "vercel_ai_gateway/alibaba/qwen3-coder" => 262_144,
        "openrouter/qwen/qwen3-coder" => 262_100,
        "groq/moonshotai/kimi-k2-instruct-0905" => 262_144,
        "vercel_ai_gateway/zai/glm-4.6" | "openrouter/z-ai/glm-4.6" => 200_000,
        "openrouter/minimax/minimax-m2" => 200_000,
        _ => return None,
    };
    Some(tokens)
}

/// Claude models whose standard window is 1M tokens.
fn claude_1m(canonical: &str) -> bool {
    matches!(
        canonical,
        "claude-opus-4-6"
            | "claude-opus-4-7"
            | "claude-opus-4-8"
            | "claude-opus-5"
            | "claude-opus-5-5"
            | "claude-sonnet-4-6"
            | "claude-sonnet-5"
            | "claude-sonnet-5-5"
            | "claude-haiku-5-5"
            | "claude-fable-5"
            | "claude-fable-5-1"
    )
}

#[cfg(test)]
mod tests {
    use super::super::PriceTable;

    #[test]
    fn windows_follow_the_reference_and_unknown_models_have_none() {
        let t = PriceTable::builtin();
        let w = |m: &str| t.context_window(m);
        assert_eq!(w("claude-sonnet-4-5-20250929"), Some(200_000));
        assert_eq!(w("claude-sonnet-4-5[1m]"), Some(1_000_000));
        assert_eq!(w("us.anthropic.claude-opus-4-6-v1"), Some(1_000_000));
        assert_eq!(w("claude-haiku-4-5"), Some(200_000));
        assert_eq!(w("gpt-5-codex"), Some(400_000));
        assert_eq!(w("gpt-5.1-codex-max"), Some(400_000));
        assert_eq!(w("gpt-5.4"), Some(1_050_000));
        assert_eq!(w("gemini-2.5-pro"), Some(1_048_576));
        assert_eq!(w("o3"), Some(200_000));
        assert_eq!(w("my-local-llama"), None);
        assert_eq!(w(""), None);
        // Every built-in model has a window.
        for id in t.canonical_ids() {
            assert!(w(id).is_some(), "{id} has no context window");
        }
    }
}
