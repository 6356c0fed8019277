//! Pages of a document's long list, so that no tool result nears an agent's tool-output limit
//! (docs/mcp.md, "Pages"). The document is the front door's, unchanged but for the list cut
//! to the page and a `page` object saying where the page is; totals stay those of the whole
//! list.

use serde_json::{Value, json};

use super::args::Paging;

/// Cuts `doc[list]` to the page and adds `page`: `offset`, `limit`, `total` (entries in the
/// whole list) and `next_offset` (null on the last page).
pub fn cut(doc: &mut Value, list: &str, paging: Paging) {
    let Some(entries) = doc.get_mut(list).and_then(Value::as_array_mut) else {
        return;
    };
    let total = entries.len();
    let start = paging.offset.min(total);
    let end = start.saturating_add(paging.limit).min(total);
    entries.truncate(end);
    entries.drain(..start);
    let next = (end < total).then_some(end);
    doc["page"] = json!({
        "list": list,
        "offset": paging.offset,
        "limit": paging.limit,
        "total": total,
        "next_offset": next,
    });
}

/// The JSON schema of the `page` object.
pub fn schema() -> Value {
    json!({
        "type": "object",
        "description": "Which part of the list this result holds; ask again with offset = next_offset for the next part.",
        "required": ["list", "offset", "limit", "total", "next_offset"],
        "properties": {
            "list": { "type": "string", "description": "The property holding the paged list." },
            "offset": { "type": "integer", "minimum": 0 },
            "limit": { "type": "integer", "minimum": 1 },
            "total": { "type": "integer", "minimum": 0, "description": "Entries in the whole list." },
            "next_offset": { "type": ["integer", "null"], "minimum": 0, "description": "The offset of the next page, null on the last." }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(n: usize) -> Value {
        json!({ "rows": (0..n).collect::<Vec<_>>(), "totals": 1 })
    }

    #[test]
    fn a_middle_page_says_where_the_next_starts() {
        let mut d = doc(10);
        cut(
            &mut d,
            "rows",
            Paging {
                offset: 3,
                limit: 4,
            },
        );
        assert_eq!(d["rows"], json!([3, 4, 5, 6]));
        assert_eq!(d["page"]["total"], 10);
        assert_eq!(d["page"]["next_offset"], 7);
        assert_eq!(d["totals"], 1);
    }

    #[test]
    fn the_last_page_and_past_the_end_have_no_next() {
        let mut d = doc(5);
        cut(
            &mut d,
            "rows",
            Paging {
                offset: 3,
                limit: 4,
            },
        );
        assert_eq!(d["rows"], json!([3, 4]));
        assert_eq!(d["page"]["next_offset"], Value::Null);
        let mut d = doc(5);
        cut(
            &mut d,
            "rows",
            Paging {
                offset: 9,
                limit: 4,
            },
        );
        assert_eq!(d["rows"], json!([]));
        assert_eq!(d["page"]["next_offset"], Value::Null);
    }
}
