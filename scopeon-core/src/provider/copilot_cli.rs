//! PLACEHOLDER: replaced by the copilot_cli provider. Reads nothing yet.

use camino::Utf8PathBuf;

use super::{LineOutcome, LineParser, Provider, SourceContext, StateError};
use crate::config::Env;
use crate::record::{ProviderId, UsageRecord};

/// The CopilotCli provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopilotCli;

impl Provider for CopilotCli {
    fn id(&self) -> ProviderId {
        ProviderId::CopilotCli
    }

    fn parser_version(&self) -> u32 {
        1
    }

    fn default_roots(&self, _env: &Env) -> Vec<Utf8PathBuf> {
        Vec::new()
    }

    fn file_patterns(&self) -> &'static [&'static str] {
        &[]
    }

    fn parser(
        &self,
        _ctx: &SourceContext,
        _state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        Ok(Box::new(Nothing))
    }
}

struct Nothing;

impl LineParser for Nothing {
    fn parse_line(&mut self, _line: &[u8], _out: &mut Vec<UsageRecord>) -> LineOutcome {
        LineOutcome::Ignored
    }

    fn state(&self) -> Vec<u8> {
        Vec::new()
    }
}
