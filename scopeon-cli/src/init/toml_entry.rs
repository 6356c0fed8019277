//! Our `[mcp_servers.scopeon]` table in a TOML configuration (Codex), edited with `toml_edit`,
//! which keeps every comment, the order of keys and tables, and their formatting.
//!
//! A new table goes after the other servers' tables (at the end when there are none); an existing `scopeon` entry that starts something
//! else is emptied and refilled in place (its header and the comments above it stay). Removing
//! our table removes `mcp_servers` too when nothing else is left in it and it had no header of
//! its own (`[mcp_servers]`), which is the case when registering created it.

use serde_json::Value as Json;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use super::agents::SERVER_NAME;
use super::edit::{Change, Edit, EditError, Found, line_column};

/// The key of the servers' table.
const SERVERS: &str = "mcp_servers";

/// What is found under our name in `text`; `None` when it is not there.
pub fn find(text: &str) -> Result<Option<Found>, EditError> {
    let doc = parse(text)?;
    Ok(servers(&doc)?.and_then(|s| s.get(SERVER_NAME)).map(found))
}

/// `text` (`None`: no file) with `entry` (an object of strings and arrays of strings) under
/// our name.
pub fn register(text: Option<&str>, entry: &Json, exe: &str) -> Result<Edit, EditError> {
    let original = text.unwrap_or("");
    let mut doc = parse(original)?;
    let before = find(original)?;
    if let Some(found) = &before
        && found.starts(exe)
    {
        return Ok(Edit {
            text: original.to_owned(),
            change: Change::Unchanged,
            before: Some(found.text.clone()),
            after: Some(found.text.clone()),
        });
    }
    servers(&doc)?;
    let servers = doc.entry(SERVERS).or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    match servers {
        Item::Table(servers) => match servers.get_mut(SERVER_NAME) {
            Some(Item::Table(ours)) => {
                ours.clear();
                fill(ours, entry);
            }
            Some(ours) => *ours = Item::Value(Value::InlineTable(inline(entry))),
            None => {
                let mut ours = Table::new();
                fill(&mut ours, entry);
                servers.insert(SERVER_NAME, Item::Table(ours));
            }
        },
        Item::Value(Value::InlineTable(servers)) => {
            servers.insert(SERVER_NAME, Value::InlineTable(inline(entry)));
        }
        _ => unreachable!("servers() refused anything else"),
    }
    let text = doc.to_string();
    let after = find(&text)?.map(|f| f.text);
    Ok(Edit {
        change: if before.is_some() {
            Change::Replaced
        } else {
            Change::Added
        },
        before: before.map(|f| f.text),
        after,
        text,
    })
}

/// `text` without our entry (see the module's documentation for `mcp_servers`).
pub fn unregister(text: Option<&str>) -> Result<Edit, EditError> {
    let original = text.unwrap_or("");
    let mut doc = parse(original)?;
    let Some(before) = find(original)? else {
        return Ok(Edit {
            text: original.to_owned(),
            change: Change::Absent,
            before: None,
            after: None,
        });
    };
    let now_empty = match doc.get_mut(SERVERS) {
        Some(Item::Table(servers)) => {
            servers.remove(SERVER_NAME);
            servers.is_empty() && servers.is_implicit()
        }
        Some(Item::Value(Value::InlineTable(servers))) => {
            servers.remove(SERVER_NAME);
            false
        }
        _ => false,
    };
    if now_empty {
        doc.remove(SERVERS);
    }
    Ok(Edit {
        text: doc.to_string(),
        change: Change::Removed,
        before: Some(before.text),
        after: None,
    })
}

fn parse(text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>().map_err(|e| {
        let (line, column) = line_column(text, e.span().map_or(0, |s| s.start));
        EditError::Syntax {
            line,
            column,
            message: e.message().trim_end().to_owned(),
        }
    })
}

/// The servers' table, when there; refuses an `mcp_servers` or a `scopeon` entry that is not
/// a table.
fn servers(doc: &DocumentMut) -> Result<Option<&dyn toml_edit::TableLike>, EditError> {
    let Some(item) = doc.get(SERVERS) else {
        return Ok(None);
    };
    let servers = item
        .as_table_like()
        .ok_or_else(|| EditError::Shape(format!("its `{SERVERS}` is not a table")))?;
    if let Some(ours) = servers.get(SERVER_NAME)
        && !ours.is_table_like()
    {
        return Err(EditError::Shape(format!(
            "its `{SERVERS}.{SERVER_NAME}` is not a table"
        )));
    }
    Ok(Some(servers))
}

fn found(item: &Item) -> Found {
    let command = item
        .get("command")
        .and_then(Item::as_str)
        .map(str::to_owned);
    let args = item.get("args").and_then(Item::as_array).and_then(|a| {
        a.iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
    });
    // The entry as a table of its own, whatever form the file gives it.
    let mut shown = Table::new();
    if let Some(t) = item.as_table_like() {
        for (k, v) in t.iter() {
            shown.insert(k, v.clone());
        }
    }
    let mut doc = DocumentMut::new();
    let mut servers = Table::new();
    servers.set_implicit(true);
    servers.insert(SERVER_NAME, Item::Table(shown));
    doc.insert(SERVERS, Item::Table(servers));
    Found {
        command,
        args,
        text: doc.to_string().trim().to_owned(),
    }
}

/// Our entry's keys into `table`.
fn fill(table: &mut Table, entry: &Json) {
    for (k, v) in entry.as_object().into_iter().flatten() {
        table.insert(k, Item::Value(value(v)));
    }
}

fn inline(entry: &Json) -> InlineTable {
    let mut table = InlineTable::new();
    for (k, v) in entry.as_object().into_iter().flatten() {
        table.insert(k, value(v));
    }
    table
}

/// A string or an array of strings (all our entries hold).
fn value(v: &Json) -> Value {
    match v {
        Json::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| i.as_str().unwrap_or_default())
                .collect::<Array>(),
        ),
        other => Value::from(other.as_str().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EXE: &str = "/opt/bin/scopeon";

    fn entry() -> Json {
        json!({"command": EXE, "args": ["mcp"]})
    }

    fn round_trip(original: &str) -> String {
        let added = register(Some(original), &entry(), EXE).unwrap();
        assert_eq!(added.change, Change::Added, "{original}");
        let again = register(Some(&added.text), &entry(), EXE).unwrap();
        assert_eq!(again.change, Change::Unchanged);
        let removed = unregister(Some(&added.text)).unwrap();
        assert_eq!(removed.change, Change::Removed);
        assert_eq!(removed.text, original, "{}", added.text);
        added.text
    }

    #[test]
    fn comments_and_order_are_kept() {
        let original = "# my settings\nmodel = \"o3\" # inline\n\n[mcp_servers.docs]\n# the docs server\ncommand = \"docs\"\nargs = [ \"serve\" ]\n\n[profiles.x]\nmodel = \"y\"\n";
        let text = round_trip(original);
        // After the other servers, before the next table.
        assert_eq!(
            text,
            original.replace(
                "\n[profiles.x]",
                "\n[mcp_servers.scopeon]\ncommand = \"/opt/bin/scopeon\"\nargs = [\"mcp\"]\n\n[profiles.x]"
            )
        );
        round_trip("");
        round_trip("model = \"o3\"\n");
        // A table header starts a line: a last line without its line break gets one.
        let added = register(Some("model = \"o3\""), &entry(), EXE).unwrap();
        assert_eq!(
            unregister(Some(&added.text)).unwrap().text,
            "model = \"o3\"\n"
        );
        round_trip("mcp_servers = { a = { command = \"a\" } }\n");
    }

    #[test]
    fn another_scopeon_is_refilled_in_place() {
        let original = "[mcp_servers.scopeon] # ours\ncommand = \"/old/scopeon\"\nargs = [\"mcp\"]\n\n[other]\nx = 1\n";
        let replaced = register(Some(original), &entry(), EXE).unwrap();
        assert_eq!(replaced.change, Change::Replaced);
        assert_eq!(
            replaced.text,
            "[mcp_servers.scopeon] # ours\ncommand = \"/opt/bin/scopeon\"\nargs = [\"mcp\"]\n\n[other]\nx = 1\n"
        );
        assert_eq!(
            replaced.before.as_deref(),
            Some("[mcp_servers.scopeon]\ncommand = \"/old/scopeon\"\nargs = [\"mcp\"]")
        );
        // An explicit `[mcp_servers]` header stays when ours was its only server.
        let explicit = "[mcp_servers]\n\n[mcp_servers.scopeon]\ncommand = \"x\"\n";
        assert_eq!(unregister(Some(explicit)).unwrap().text, "[mcp_servers]\n");
    }

    #[test]
    fn broken_files_are_refused_with_their_position() {
        let err = register(Some("a = 1\nb = = 2\n"), &entry(), EXE).unwrap_err();
        assert!(matches!(err, EditError::Syntax { line: 2, .. }), "{err:?}");
        for bad in ["mcp_servers = 3", "mcp_servers.scopeon = \"x\""] {
            assert!(
                matches!(register(Some(bad), &entry(), EXE), Err(EditError::Shape(_))),
                "{bad}"
            );
        }
    }
}
