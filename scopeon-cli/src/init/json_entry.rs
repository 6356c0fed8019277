//! Our entry in the `mcpServers` object of a JSON configuration (Claude Code, Gemini CLI,
//! Copilot CLI), edited in the text itself.
//!
//! The file is parsed first (so a broken file is refused with its line and column), then only
//! the bytes of our entry change: it is inserted after the last server (or as a new
//! `mcpServers` member after the last top-level key), or its value replaced, or it is cut out
//! with the comma before it. Every other byte stays as it was, whatever the file's indentation
//! or key order, so that `--remove` after registering gives back the very same file. The new
//! entry follows the file's indentation (that of the line above it) or, in a file written on
//! one line, stays on one line. Removing the last server removes `mcpServers` too.

use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

use super::agents::SERVER_NAME;
use super::edit::{Change, Edit, EditError, Found};

/// The key of the servers' object.
const SERVERS: &str = "mcpServers";

/// One member of a JSON object, by byte offsets in the text.
#[derive(Debug, Clone)]
struct Member {
    key: String,
    /// From the key's opening quote.
    start: usize,
    value: Range<usize>,
}

/// What is found under our name in `text`; `None` when it is not there.
pub fn find(text: &str) -> Result<Option<Found>, EditError> {
    let Some(root) = parse(text)? else {
        return Ok(None);
    };
    Ok(locate(text, &root).1.map(|s| found(text, &s)))
}

/// `text` (`None`: no file) with `entry` under our name.
pub fn register(text: Option<&str>, entry: &Value, exe: &str) -> Result<Edit, EditError> {
    let root = match text {
        Some(t) => parse(t)?,
        None => None,
    };
    let (Some(text), Some(root)) = (text, root) else {
        return Ok(fresh(entry));
    };
    let (servers, ours) = locate(text, &root);
    if let Some(ours) = &ours {
        let found = found(text, ours);
        if found.starts(exe) {
            return Ok(Edit {
                text: text.to_owned(),
                change: Change::Unchanged,
                before: Some(found.text.clone()),
                after: Some(found.text),
            });
        }
    }
    let unit = indent_unit(text, &root);
    let (range, insert, change) = match (servers, ours) {
        (Some(_), Some(ours)) => {
            let indent = line_indent(text, ours.start);
            let value = render(entry, indent, unit);
            (ours.value.clone(), value, Change::Replaced)
        }
        (Some(servers), None) => {
            let members = members(text, servers.value.start);
            let member = |indent: Option<&str>| {
                format!(
                    "\"{SERVER_NAME}\":{}{}",
                    if indent.is_some() { " " } else { "" },
                    render(entry, indent, unit)
                )
            };
            match members.last() {
                Some(last) => {
                    let indent = line_indent(text, last.start);
                    let at = last.value.end;
                    (
                        at..at,
                        format!(",{}{}", newline(indent), member(indent)),
                        Change::Added,
                    )
                }
                None => {
                    let outer = line_indent(text, servers.start);
                    let inner = outer.map(|o| format!("{o}{}", unit.unwrap_or("  ")));
                    let inside = servers.value.start + 1..servers.value.end - 1;
                    let body = match (&inner, outer) {
                        (Some(inner), Some(outer)) => {
                            format!("\n{inner}{}\n{outer}", member(Some(inner)))
                        }
                        _ => member(None),
                    };
                    (inside, body, Change::Added)
                }
            }
        }
        (None, _) => {
            let members = members(text, root.value.start);
            let wrapped = serde_json::json!({ SERVER_NAME: entry });
            match members.last() {
                Some(last) => {
                    let indent = line_indent(text, last.start);
                    let at = last.value.end;
                    let value = render(&wrapped, indent, unit);
                    let sep = if indent.is_some() { " " } else { "" };
                    (
                        at..at,
                        format!(",{}\"{SERVERS}\":{sep}{value}", newline(indent)),
                        Change::Added,
                    )
                }
                // `{}` (perhaps with whitespace): written anew.
                None => return Ok(fresh(entry)),
            }
        }
    };
    let mut new = text.to_owned();
    new.replace_range(range, &insert);
    let before = ours_text(text)?;
    let after = ours_text(&new)?;
    Ok(Edit {
        text: new,
        change,
        before,
        after,
    })
}

/// `text` without our entry (and without `mcpServers` when ours was its only server).
pub fn unregister(text: Option<&str>) -> Result<Edit, EditError> {
    let absent = |text: &str| Edit {
        text: text.to_owned(),
        change: Change::Absent,
        before: None,
        after: None,
    };
    let Some(text) = text else {
        return Ok(absent(""));
    };
    let Some(root) = parse(text)? else {
        return Ok(absent(text));
    };
    let (servers, ours) = locate(text, &root);
    let (Some(servers), Some(ours)) = (servers, ours) else {
        return Ok(absent(text));
    };
    let siblings = members(text, servers.value.start);
    let range = if siblings.len() == 1 {
        cut(
            &members(text, root.value.start),
            &servers,
            root.value.clone(),
        )
    } else {
        cut(&siblings, &ours, servers.value.clone())
    };
    let mut new = text.to_owned();
    new.replace_range(range, "");
    Ok(Edit {
        text: new,
        change: Change::Removed,
        before: Some(found(text, &ours).text),
        after: None,
    })
}

/// The bytes to delete to remove `member` from an object's `members` (the object spans
/// `object`): with the comma before it, or for the first one with the comma after it; the
/// object's whole inside for its only member.
fn cut(members: &[Member], member: &Member, object: Range<usize>) -> Range<usize> {
    let i = members
        .iter()
        .position(|m| m.start == member.start)
        .unwrap_or(0);
    match (i.checked_sub(1).map(|p| &members[p]), members.get(i + 1)) {
        (Some(previous), _) => previous.value.end..member.value.end,
        (None, Some(next)) => member.start..next.start,
        (None, None) => object.start + 1..object.end - 1,
    }
}

/// A new file holding only our entry, as the agents write theirs (two-space indentation).
fn fresh(entry: &Value) -> Edit {
    let doc = serde_json::json!({ SERVERS: { SERVER_NAME: entry } });
    let mut text = render(&doc, Some(""), Some("  "));
    text.push('\n');
    Edit {
        after: ours_text(&text).ok().flatten(),
        text,
        change: Change::Added,
        before: None,
    }
}

/// Our entry as `text` writes it.
fn ours_text(text: &str) -> Result<Option<String>, EditError> {
    Ok(find(text)?.map(|f| f.text))
}

/// The top-level object's span; `None` for a file that is empty or only whitespace. Refuses
/// what is not JSON, not an object, or whose `mcpServers` is not an object.
fn parse(text: &str) -> Result<Option<Member>, EditError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let value: Value = serde_json::from_str(text).map_err(|e| EditError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let Value::Object(map) = &value else {
        return Err(EditError::Shape("it is not a JSON object".into()));
    };
    if let Some(servers) = map.get(SERVERS)
        && !servers.is_object()
    {
        return Err(EditError::Shape(format!(
            "its `{SERVERS}` is not an object"
        )));
    }
    if let Some(Value::Object(servers)) = map.get(SERVERS)
        && let Some(ours) = servers.get(SERVER_NAME)
        && !ours.is_object()
    {
        return Err(EditError::Shape(format!(
            "its `{SERVERS}.{SERVER_NAME}` is not an object"
        )));
    }
    let start = skip_ws(text.as_bytes(), 0);
    Ok(Some(Member {
        key: String::new(),
        start,
        value: start..value_end(text.as_bytes(), start),
    }))
}

/// serde_json's message without its " at line L column C" (the caller says where).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// `mcpServers` and our entry in it, when there. With a key given twice, the last one counts,
/// as for JSON parsers.
fn locate(text: &str, root: &Member) -> (Option<Member>, Option<Member>) {
    let servers = members(text, root.value.start)
        .into_iter()
        .rfind(|m| m.key == SERVERS);
    let ours = servers.as_ref().and_then(|s| {
        members(text, s.value.start)
            .into_iter()
            .rfind(|m| m.key == SERVER_NAME)
    });
    (servers, ours)
}

fn found(text: &str, member: &Member) -> Found {
    let value: Value = serde_json::from_str(&text[member.value.clone()]).unwrap_or(Value::Null);
    Found {
        command: value["command"].as_str().map(str::to_owned),
        args: value["args"].as_array().and_then(|a| {
            a.iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        }),
        text: dedent(
            &text[member.start..member.value.end],
            line_indent(text, member.start),
        ),
    }
}

/// An entry's text with the indentation of its key's line taken off its later lines, as
/// messages show it.
fn dedent(entry: &str, indent: Option<&str>) -> String {
    match indent {
        Some(indent) if !indent.is_empty() => entry.replace(&format!("\n{indent}"), "\n"),
        _ => entry.to_owned(),
    }
}

/// The members of the (valid) object whose `{` is at `open`.
fn members(text: &str, open: usize) -> Vec<Member> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = skip_ws(b, open + 1);
    while i < b.len() && b[i] == b'"' {
        let key_end = string_end(b, i);
        let key = serde_json::from_str(&text[i..key_end]).unwrap_or_default();
        let colon = skip_ws(b, key_end);
        let value_start = skip_ws(b, colon + 1);
        let end = value_end(b, value_start);
        out.push(Member {
            key,
            start: i,
            value: value_start..end,
        });
        i = skip_ws(b, end);
        if i < b.len() && b[i] == b',' {
            i = skip_ws(b, i + 1);
        }
    }
    out
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// Past the closing quote of the string whose opening quote is at `i`.
fn string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Past the end of the (valid) value starting at `i`.
fn value_end(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => string_end(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                j += 1;
            }
            j
        }
    }
}

/// The whitespace before `pos` on its line, when nothing else precedes it there: the member's
/// indentation in a file written one member a line; `None` in a file written on one line.
fn line_indent(text: &str, pos: usize) -> Option<&str> {
    let line_start = text[..pos].rfind('\n')? + 1;
    let indent = &text[line_start..pos];
    indent
        .bytes()
        .all(|c| c == b' ' || c == b'\t')
        .then_some(indent)
}

/// One level of the file's indentation: that of its first top-level key.
fn indent_unit<'t>(text: &'t str, root: &Member) -> Option<&'t str> {
    members(text, root.value.start)
        .first()
        .and_then(|m| line_indent(text, m.start))
        .filter(|u| !u.is_empty())
}

/// A line break and `indent`, or nothing for a one-line file.
fn newline(indent: Option<&str>) -> String {
    indent.map_or_else(String::new, |i| format!("\n{i}"))
}

/// `value` written for a place indented by `indent` (its first line is not indented: it
/// follows a key), one level being `unit`; on one line when `indent` is `None`.
fn render(value: &Value, indent: Option<&str>, unit: Option<&str>) -> String {
    let Some(indent) = indent else {
        return value.to_string();
    };
    let unit = unit.unwrap_or("  ");
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(unit.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value
        .serialize(&mut ser)
        .expect("a JSON value always serializes");
    String::from_utf8_lossy(&out).replace('\n', &format!("\n{indent}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EXE: &str = "/opt/bin/scopeon";

    fn entry() -> Value {
        json!({"command": EXE, "args": ["mcp"]})
    }

    /// Registers, checks the result parses with the entry in place and a second run changes
    /// nothing, then removes it and checks the original comes back byte for byte.
    fn round_trip(original: &str) -> String {
        let added = register(Some(original), &entry(), EXE).unwrap();
        assert_eq!(added.change, Change::Added, "{original}");
        let v: Value = serde_json::from_str(&added.text).unwrap();
        assert_eq!(v[SERVERS][SERVER_NAME], entry(), "{}", added.text);
        let again = register(Some(&added.text), &entry(), EXE).unwrap();
        assert_eq!(again.change, Change::Unchanged);
        assert_eq!(again.text, added.text);
        let removed = unregister(Some(&added.text)).unwrap();
        assert_eq!(removed.change, Change::Removed);
        assert_eq!(removed.text, original, "{}", added.text);
        added.text
    }

    #[test]
    fn registering_and_removing_touch_only_our_entry() {
        let with_servers = "{\n    \"z\": 1,\n    \"mcpServers\": {\n        \"other\": {\"command\": \"x\"}\n    },\n    \"a\": [1, 2]\n}";
        let text = round_trip(with_servers);
        assert!(
            text.contains("\"other\": {\"command\": \"x\"},\n        \"scopeon\": {\n            \"command\": \"/opt/bin/scopeon\",\n            \"args\": [\n                \"mcp\"\n            ]\n        }\n    },"),
            "{text}"
        );
        let without = "{\n  \"theme\": \"dark\",\n  \"n\": 1.50\n}\n";
        let text = round_trip(without);
        assert!(
            text.starts_with("{\n  \"theme\": \"dark\",\n  \"n\": 1.50,\n  \"mcpServers\": {\n    \"scopeon\": {\n      \"command\""),
            "{text}"
        );
        round_trip("{\"a\":{\"b\":\"}\\\"{\"},\"mcpServers\":{\"first\":{}}}");
        round_trip("{\"a\":1}");
        round_trip("\t{ \"mcpServers\" : { \"x\" : [ ] } , \"y\" : null }\r\n");
        // Ours first among others: removed with the comma after it.
        let first = "{\"mcpServers\":{\"scopeon\":{\"command\":\"/old\"},\"b\":{}}}";
        let replaced = register(Some(first), &entry(), EXE).unwrap();
        assert_eq!(replaced.change, Change::Replaced);
        assert_eq!(
            replaced.before.as_deref(),
            Some("\"scopeon\":{\"command\":\"/old\"}")
        );
        assert_eq!(
            unregister(Some(&replaced.text)).unwrap().text,
            "{\"mcpServers\":{\"b\":{}}}"
        );
    }

    #[test]
    fn empty_and_missing_files_get_a_fresh_object() {
        for text in [None, Some(""), Some(" \n"), Some("{}")] {
            let added = register(text, &entry(), EXE).unwrap();
            assert_eq!(added.change, Change::Added);
            assert_eq!(
                added.text,
                "{\n  \"mcpServers\": {\n    \"scopeon\": {\n      \"command\": \"/opt/bin/scopeon\",\n      \"args\": [\n        \"mcp\"\n      ]\n    }\n  }\n}\n"
            );
        }
        let empty_servers = "{\n  \"mcpServers\": {}\n}";
        let added = register(Some(empty_servers), &entry(), EXE).unwrap();
        assert!(
            added
                .text
                .starts_with("{\n  \"mcpServers\": {\n    \"scopeon\": {\n      \"command\""),
            "{}",
            added.text
        );
        assert_eq!(unregister(Some(&added.text)).unwrap().text, "{}");
        assert_eq!(unregister(None).unwrap().change, Change::Absent);
        assert_eq!(
            unregister(Some("{\"a\":1}")).unwrap().change,
            Change::Absent
        );
    }

    #[test]
    fn broken_files_are_refused_with_their_position() {
        let err = register(Some("{\n  \"a\": 1,\n}"), &entry(), EXE).unwrap_err();
        assert!(
            matches!(
                err,
                EditError::Syntax {
                    line: 3,
                    column: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        for bad in [
            "[1]",
            "{\"mcpServers\": []}",
            "{\"mcpServers\": {\"scopeon\": 1}}",
        ] {
            assert!(
                matches!(register(Some(bad), &entry(), EXE), Err(EditError::Shape(_))),
                "{bad}"
            );
            assert!(unregister(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_last_of_duplicate_keys_counts() {
        let text = "{\"mcpServers\":{\"scopeon\":{\"command\":\"/old\"},\"scopeon\":{\"command\":\"/opt/bin/scopeon\",\"args\":[\"mcp\"]}}}";
        assert!(find(text).unwrap().unwrap().starts(EXE));
        assert_eq!(
            register(Some(text), &entry(), EXE).unwrap().change,
            Change::Unchanged
        );
    }
}
