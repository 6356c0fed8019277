//! The providers a scan knows: every built-in one, and those a program defines for its own
//! agents' logs and registers.
//!
//! A registered provider is scanned, checkpointed, deduplicated and reported exactly like a
//! built-in one: the scanner and the store know providers only through the [`Provider`] trait
//! and the id string. Its id is a [`ProviderId::Custom`], so it can never take over a built-in
//! provider's records or checkpoints.

use std::fmt;
use std::sync::Arc;

use super::{
    Provider, aider, claude_code, codex, copilot_cli, cursor, gemini_cli, generic_openai, opencode,
};
use crate::record::ProviderId;

/// Why [`Providers::register`] refused a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The provider says it has a built-in provider's id.
    #[error(
        "{0} is a built-in provider's id; give the provider its own id with ProviderId::custom"
    )]
    Builtin(ProviderId),
    /// Another registered provider has the same id.
    #[error("a provider with id {0} is already registered; each provider needs its own id")]
    Duplicate(ProviderId),
}

/// The providers a scan can read: every built-in one (in [`ProviderId::ALL`] order), then
/// those registered, in the order they were registered.
///
/// Cloning is cheap: providers are shared, not copied.
#[derive(Clone)]
pub struct Providers {
    list: Vec<Arc<dyn Provider>>,
}

impl Providers {
    /// Every built-in provider.
    pub fn builtin() -> Providers {
        let list: Vec<Arc<dyn Provider>> = vec![
            Arc::new(claude_code::ClaudeCode),
            Arc::new(codex::Codex),
            Arc::new(gemini_cli::GeminiCli),
            Arc::new(copilot_cli::CopilotCli),
            Arc::new(aider::Aider),
            Arc::new(cursor::Cursor),
            Arc::new(opencode::Opencode),
            Arc::new(generic_openai::GenericOpenai),
        ];
        debug_assert!(
            list.iter()
                .map(|p| p.id())
                .eq(ProviderId::ALL.iter().copied())
        );
        Providers { list }
    }

    /// Adds a provider defined outside Scopeon. Its [`id`](Provider::id) must be a
    /// [`ProviderId::Custom`] no registered provider has.
    pub fn register(&mut self, provider: impl Provider + 'static) -> Result<(), RegisterError> {
        let id = provider.id();
        if !id.is_custom() {
            return Err(RegisterError::Builtin(id));
        }
        if self.get(id).is_some() {
            return Err(RegisterError::Duplicate(id));
        }
        self.list.push(Arc::new(provider));
        Ok(())
    }

    /// The provider with this id, if registered.
    pub fn get(&self, id: ProviderId) -> Option<&dyn Provider> {
        self.iter().find(|p| p.id() == id)
    }

    /// The registered provider whose id string is `id` (a built-in or a custom one).
    pub fn parse(&self, id: &str) -> Option<ProviderId> {
        self.ids().find(|p| p.as_str() == id)
    }

    /// Every provider, built-in ones first.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Provider> + '_ {
        self.list.iter().map(|p| p.as_ref())
    }

    /// Every provider's id, built-in ones first.
    pub fn ids(&self) -> impl Iterator<Item = ProviderId> + '_ {
        self.iter().map(|p| p.id())
    }
}

impl Default for Providers {
    /// Every built-in provider.
    fn default() -> Providers {
        Providers::builtin()
    }
}

impl fmt::Debug for Providers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.ids().map(ProviderId::as_str))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use camino::Utf8PathBuf;

    use super::*;
    use crate::env::Env;
    use crate::provider::{LineParser, NoLines, SourceContext, StateError};

    #[derive(Debug)]
    struct Named(ProviderId);

    impl Provider for Named {
        fn id(&self) -> ProviderId {
            self.0
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
            Ok(Box::new(NoLines))
        }
    }

    #[test]
    fn builtins_come_first_in_display_order() {
        let p = Providers::builtin();
        assert!(p.ids().eq(ProviderId::ALL.iter().copied()));
        assert_eq!(p.parse("codex"), Some(ProviderId::Codex));
        assert_eq!(p.parse("acme"), None);
    }

    #[test]
    fn register_refuses_builtin_and_duplicate_ids() {
        let mut p = Providers::builtin();
        let acme = ProviderId::custom("acme");
        p.register(Named(acme)).unwrap();
        assert_eq!(p.parse("acme"), Some(acme));
        assert_eq!(p.get(acme).map(|x| x.id()), Some(acme));
        assert_eq!(p.ids().last(), Some(acme));
        assert_eq!(p.register(Named(acme)), Err(RegisterError::Duplicate(acme)));
        assert_eq!(
            p.register(Named(ProviderId::Codex)),
            Err(RegisterError::Builtin(ProviderId::Codex))
        );
        let e = p.register(Named(ProviderId::Codex)).unwrap_err();
        assert!(e.to_string().contains("ProviderId::custom"), "{e}");
        assert_eq!(p.ids().count(), ProviderId::ALL.len() + 1);
        assert!(
            format!("{p:?}").ends_with(r#""generic_openai", "acme"]"#),
            "{p:?}"
        );
    }
}
