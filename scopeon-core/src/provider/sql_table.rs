//! Which tables of an agent's database a provider may read: only ordinary tables.
//!
//! An agent's database may have been planted or altered (SECURITY.md, "How files are read"). A
//! view can be a recursive query that never ends, and a virtual table runs its module's code on
//! whatever the file holds, so a provider looks every table it reads up here first: a view or a
//! virtual (or shadow) table under a name it reads is an error naming it, and the file is not
//! read. The scan's connection also refuses views outright (see `scan/agent_db.rs`).
//!
//! Shared by the providers that read agents' databases (Copilot CLI, Cursor, OpenCode).

use rusqlite::{Connection, OptionalExtension};

use super::DatabaseError;

/// The column names of the ordinary table `name` of the main database (names are matched
/// without regard to case, as SQLite does), or `None` when there is nothing of that name; an
/// error naming it when it is a view, a virtual table or a virtual table's shadow table.
pub(crate) fn table_columns(
    db: &Connection,
    name: &str,
) -> Result<Option<Vec<String>>, DatabaseError> {
    // `pragma_table_list` says what SQLite made of the schema, which a crafted
    // `sqlite_schema.type` cannot change.
    let kind: Option<String> = db
        .query_row(
            "SELECT type FROM pragma_table_list(?1) WHERE schema = 'main'",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    match kind.as_deref() {
        None => Ok(None),
        Some("table") => {
            let mut stmt = db.prepare("SELECT name FROM pragma_table_info(?1, 'main')")?;
            let names = stmt
                .query_map([name], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(names))
        }
        Some(other) => Err(DatabaseError(format!(
            "{name} is a {} here, not a table: Scopeon reads only an agent's own tables, so \
             the database was not read (it was made or altered by something else)",
            match other {
                "view" => "view",
                "virtual" => "virtual table",
                "shadow" => "virtual table's shadow table",
                _ => "schema object of another kind",
            }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ordinary_tables_are_readable() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE t (a, b);
             CREATE VIEW v AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
             SELECT n FROM r;
             CREATE VIRTUAL TABLE f USING fts5(x);",
        )
        .unwrap();
        assert_eq!(
            table_columns(&db, "t").unwrap(),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(table_columns(&db, "T").unwrap().map(|c| c.len()), Some(2));
        assert_eq!(table_columns(&db, "missing").unwrap(), None);
        for (name, what) in [
            ("v", "v is a view"),
            ("V", "V is a view"),
            ("f", "f is a virtual table here"),
            ("f_data", "f_data is a virtual table's shadow table"),
        ] {
            let e = table_columns(&db, name).unwrap_err().0;
            assert!(e.starts_with(what), "{e}");
        }
    }
}
