//! Text from logs made safe for every output the CLI writes.
//!
//! A model name, project path or session id comes from a log an agent (or whoever could write
//! to its directory) controls. Printed raw, `"\u{1b}]52;c;…\u{7}"` writes the terminal's
//! clipboard, `U+202E` reverses what follows, a zero-width space makes two different ids look
//! equal, and a CSV cell starting with `=` is a formula to a spreadsheet. The database keeps the
//! strings as logged; they are neutralized here, at output:
//!
//! - tables and CSV: control characters (C0, DEL, C1) become `?`; bidirectional controls and
//!   invisible characters are shown by name, `<U+202E>`;
//! - CSV: a cell starting with `=`, `+`, `-` or `@` gets a leading `'` (OWASP's rule against
//!   CSV injection; a leading tab or carriage return is already a `?`), unless `--csv-raw`;
//! - JSON: DEL, C1 controls, bidirectional controls and invisible characters are written as
//!   `\uXXXX` escapes (serde_json already escapes C0): the document decodes to the same
//!   strings, but never carries them raw to a terminal.

use std::borrow::Cow;
use std::io;

/// Characters that change how the text around them is displayed without being seen:
/// bidirectional embeddings, overrides, isolates and marks, zero-width spaces and joiners,
/// the word joiner and the byte-order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Log text for a terminal table or a CSV cell: control characters as `?`, invisible
/// formatting characters as `<U+XXXX>`.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() || is_invisible_format(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push('?');
        } else if is_invisible_format(c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A text cell of CSV output: [`printable`], and, unless `raw`, a leading `'` when a
/// spreadsheet would read the cell as a formula.
pub fn csv_text(s: &str, raw: bool) -> Cow<'_, str> {
    let text = printable(s);
    if raw {
        return text;
    }
    match text.chars().next() {
        Some('=' | '+' | '-' | '@') => Cow::Owned(format!("'{text}")),
        _ => text,
    }
}

/// serde_json's pretty formatter, writing DEL, C1 controls and invisible formatting characters
/// inside strings as `\uXXXX` escapes.
pub struct SafeJson(serde_json::ser::PrettyFormatter<'static>);

impl SafeJson {
    /// Pretty output with two-space indentation, as `serde_json::to_writer_pretty`.
    pub fn new() -> SafeJson {
        SafeJson(serde_json::ser::PrettyFormatter::new())
    }
}

/// Whether JSON output escapes `c` beyond what serde_json escapes.
fn escaped_in_json(c: char) -> bool {
    ('\u{7F}'..='\u{9F}').contains(&c) || is_invisible_format(c)
}

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| escaped_in_json(*c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OSC52: &str = "m\u{1b}]52;c;cHduZWQ=\u{7}x";

    #[test]
    fn tables_and_csv_show_controls_and_invisible_characters() {
        assert_eq!(printable("claude-sonnet-4-5"), "claude-sonnet-4-5");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(printable(OSC52), "m?]52;c;cHduZWQ=?x");
        assert_eq!(printable("a\u{7f}b\u{9b}c"), "a?b?c");
        assert_eq!(printable("evil\u{202E}txt.exe"), "evil<U+202E>txt.exe");
        assert_eq!(printable("id\u{200B}1"), "id<U+200B>1");
        assert_eq!(printable("日本語 é"), "日本語 é");
    }

    #[test]
    fn csv_cells_are_not_formulas_unless_raw() {
        for (cell, safe) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-home-dev-app", "'-home-dev-app"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "?x"),
            ("gpt-5", "gpt-5"),
        ] {
            assert_eq!(csv_text(cell, false), safe, "{cell:?}");
        }
        assert_eq!(csv_text("=1+1", true), "=1+1");
        assert_eq!(csv_text(OSC52, true), "m?]52;c;cHduZWQ=?x");
    }

    #[test]
    fn json_escapes_del_c1_and_invisible_characters_losslessly() {
        let value = serde_json::json!({ "model": "a\u{7f}b\u{9b}c\u{202E}d\u{1b}e", "n": [1] });
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, SafeJson::new());
        serde::Serialize::serialize(&value, &mut ser).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(r#""a\u007fb\u009bc\u202ed\u001be""#),
            "{text}"
        );
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        // The same layout as serde_json's pretty printer.
        assert_eq!(
            text.replace(r"\u007f", "\u{7f}")
                .replace(r"\u009b", "\u{9b}")
                .replace(r"\u202e", "\u{202E}")
                .replace(r"\u001b", "\u{1b}"),
            serde_json::to_string_pretty(&value)
                .unwrap()
                .replace(r"\u001b", "\u{1b}")
        );
    }
}
