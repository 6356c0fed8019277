//! What an edit of an agent's configuration produced, shared by the JSON and TOML editors.

use std::fmt;

/// What registering or removing did to our entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// There was no entry; ours was added.
    Added,
    /// Our entry was there already; nothing changes.
    Unchanged,
    /// An entry of that name started something else; ours replaced it.
    Replaced,
    /// Our entry was removed.
    Removed,
    /// There was no entry to remove; nothing changes.
    Absent,
}

/// The file's new text, what changed, and our entry before and after (as the file writes it),
/// for `--dry-run` and the messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub text: String,
    pub change: Change,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Edit {
    /// True when the file must be written.
    pub fn writes(&self) -> bool {
        !matches!(self.change, Change::Unchanged | Change::Absent)
    }
}

/// What a configuration holds under our name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its `command`, when that is a string.
    pub command: Option<String>,
    /// Its `args`, when they are all strings.
    pub args: Option<Vec<String>>,
    /// The entry as the file writes it.
    pub text: String,
}

impl Found {
    /// Whether it starts `exe mcp`.
    pub fn starts(&self, exe: &str) -> bool {
        super::agents::starts(
            self.command.as_deref(),
            self.args
                .as_ref()
                .map(|a| a.iter().map(String::as_str).collect()),
            exe,
        )
    }
}

/// Why a configuration cannot be edited; the file is left untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// It does not parse: where (1-based) and why.
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// It parses, but its servers are not where or what they should be.
    Shape(String),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Syntax {
                line,
                column,
                message,
            } => write!(f, "line {line}, column {column}: {message}"),
            EditError::Shape(message) => f.write_str(message),
        }
    }
}

/// The 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
