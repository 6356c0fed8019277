//! What Claude Code writes on the status line command's standard input, read leniently
//! (docs/statusline.md, "Input").
//!
//! Every field may be missing, null or of the wrong type; garbage, an empty input or one over
//! [`MAX_INPUT_BYTES`] is read as an input with no fields. Only what the line needs is kept:
//! the session id (a cache key and a report filter, never printed), the transcript path (read
//! through the scanner's checks), the model's name (printed, sanitized) and the rate-limit
//! figures. Nothing else of the input (the working directory, the cost Claude Code reports) is
//! kept.

use serde_json::Value;

/// Largest input read: far above what Claude Code sends (a few KiB).
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// Longest session id or model name kept; longer ones are treated as absent.
const MAX_TEXT: usize = 256;

/// Longest transcript path kept (PATH_MAX on Linux).
const MAX_PATH: usize = 4096;

/// One of Claude Code's rate-limit windows as reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Percent of the window used, as reported (checked by scopeon-core when stored).
    pub used_percentage: f64,
    /// When the window resets, epoch seconds.
    pub resets_at: i64,
}

/// The fields of the input the status line uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusInput {
    pub session_id: Option<String>,
    pub transcript_path: Option<String>,
    pub model_id: Option<String>,
    pub model_name: Option<String>,
    pub five_hour: Option<RateLimit>,
    pub seven_day: Option<RateLimit>,
}

impl StatusInput {
    /// Reads the input; anything that is not a JSON object of the expected shape yields the
    /// fields that are there and well-formed, and nothing else.
    pub fn parse(bytes: &[u8]) -> StatusInput {
        if bytes.len() > MAX_INPUT_BYTES {
            return StatusInput::default();
        }
        let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
            return StatusInput::default();
        };
        let text = |pointer: &str, max: usize| -> Option<String> {
            value
                .pointer(pointer)?
                .as_str()
                .filter(|s| !s.trim().is_empty() && s.len() <= max)
                .map(str::to_owned)
        };
        let limit = |pointer: &str| -> Option<RateLimit> {
            let w = value.pointer(pointer)?;
            Some(RateLimit {
                used_percentage: w.get("used_percentage")?.as_f64()?,
                resets_at: epoch_seconds(w.get("resets_at")?)?,
            })
        };
        StatusInput {
            session_id: text("/session_id", MAX_TEXT),
            transcript_path: text("/transcript_path", MAX_PATH),
            model_id: text("/model/id", MAX_TEXT),
            model_name: text("/model/display_name", MAX_TEXT),
            five_hour: limit("/rate_limits/five_hour"),
            seven_day: limit("/rate_limits/seven_day"),
        }
    }

    /// The model as the line shows it: Claude Code's display name, else its id.
    pub fn model(&self) -> Option<&str> {
        self.model_name.as_deref().or(self.model_id.as_deref())
    }
}

/// Epoch seconds as a JSON integer (or a float without a fraction worth keeping).
fn epoch_seconds(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_it_needs() {
        let input = StatusInput::parse(
            br#"{"session_id":"abc","transcript_path":"/h/.claude/projects/p/abc.jsonl",
                 "model":{"id":"claude-opus-4-1","display_name":"Opus"},
                 "workspace":{"current_dir":"/h/p"},
                 "rate_limits":{"five_hour":{"used_percentage":42.5,"resets_at":1800000000},
                                "seven_day":{"used_percentage":"x","resets_at":1800000000}}}"#,
        );
        assert_eq!(input.session_id.as_deref(), Some("abc"));
        assert_eq!(input.model(), Some("Opus"));
        assert_eq!(
            input.five_hour,
            Some(RateLimit {
                used_percentage: 42.5,
                resets_at: 1_800_000_000
            })
        );
        assert_eq!(input.seven_day, None, "a percentage that is not a number");
    }

    #[test]
    fn anything_else_is_an_input_without_fields() {
        let huge = vec![b' '; MAX_INPUT_BYTES + 1];
        for bad in [
            &b""[..],
            b"\xff\xfe",
            b"[1,2]",
            b"null",
            b"{\"session_id\": 7, \"model\": \"Opus\"}",
            b"{\"model\":{\"display_name\":\"\"}}",
            &huge,
        ] {
            assert_eq!(StatusInput::parse(bad), StatusInput::default());
        }
        let long = format!(r#"{{"session_id":"{}"}}"#, "x".repeat(MAX_TEXT + 1));
        assert_eq!(StatusInput::parse(long.as_bytes()).session_id, None);
    }
}
