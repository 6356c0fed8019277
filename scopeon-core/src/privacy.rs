//! How project paths are kept: in full, by their last component, or as a pseudonymous hash
//! (`[privacy] project_paths` in the configuration). The store applies the form where records
//! enter it and remembers it in the database.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The prefix of a hashed project.
const HASH_PREFIX: &str = "hash:";

/// How a record's project (the agent's working directory) is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectPaths {
    /// The path as the agent logged it (`/home/dev/acme`).
    #[default]
    Full,
    /// Its last component only (`acme`): readable, but projects with the same directory name
    /// in different places become one.
    Basename,
    /// `hash:` and 16 hex digits of the 64-bit FNV-1a hash of the full path. Pseudonymous, not
    /// secret: each project keeps its own stable name, but anyone who can guess a path can
    /// compute its hash and recognise it.
    Hash,
}

impl ProjectPaths {
    /// Every form, in documentation order.
    pub const ALL: &'static [ProjectPaths] = &[
        ProjectPaths::Full,
        ProjectPaths::Basename,
        ProjectPaths::Hash,
    ];

    /// The form's name in the configuration and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectPaths::Full => "full",
            ProjectPaths::Basename => "basename",
            ProjectPaths::Hash => "hash",
        }
    }

    /// Parses a form's name.
    pub fn parse(s: &str) -> Option<ProjectPaths> {
        ProjectPaths::ALL.iter().copied().find(|m| m.as_str() == s)
    }

    /// A project as this form stores it.
    ///
    /// Applying a form twice changes nothing, and a value already reduced by another form is
    /// never expanded: a basename has no separator left to cut, and a hash is never hashed
    /// again. That is what lets stored projects be converted whatever form wrote them.
    pub fn apply(self, project: &str) -> Cow<'_, str> {
        match self {
            ProjectPaths::Full => Cow::Borrowed(project),
            ProjectPaths::Basename => Cow::Borrowed(basename(project)),
            ProjectPaths::Hash if project.starts_with(HASH_PREFIX) => Cow::Borrowed(project),
            ProjectPaths::Hash => Cow::Owned(format!(
                "{HASH_PREFIX}{:016x}",
                crate::hash::fnv1a64(project.as_bytes())
            )),
        }
    }
}

impl std::fmt::Display for ProjectPaths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The last component of a path, with `/` or `\` as separators (agents on Windows log
/// `C:\Users\…`); the path itself when it has no component (`/`).
fn basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches(['/', '\\']);
    match trimmed.rsplit(['/', '\\']).next() {
        Some(last) if !last.is_empty() => last,
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_idempotent_and_never_expand() {
        let b = ProjectPaths::Basename;
        let h = ProjectPaths::Hash;
        assert_eq!(b.apply("/home/dev/acme"), "acme");
        assert_eq!(b.apply("/home/dev/acme/"), "acme");
        assert_eq!(b.apply(r"C:\Users\sam\widget"), "widget");
        assert_eq!(b.apply("/"), "/");
        assert_eq!(b.apply("acme"), "acme");
        let hashed = h.apply("/home/dev/acme").into_owned();
        assert_eq!(
            hashed,
            format!("hash:{:016x}", crate::hash::fnv1a64(b"/home/dev/acme"))
        );
        assert_eq!(hashed.len(), "hash:".len() + 16);
        assert_eq!(h.apply(&hashed), hashed);
        assert_eq!(b.apply(&hashed), hashed);
        assert_ne!(h.apply("/home/dev/acme"), h.apply("/home/dev/acme2"));
        assert_eq!(ProjectPaths::Full.apply("/x/y"), "/x/y");
        for m in ProjectPaths::ALL {
            assert_eq!(ProjectPaths::parse(m.as_str()), Some(*m));
        }
    }
}
