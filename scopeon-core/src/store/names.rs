//! The dictionary tables: each provider, session, project and model name is stored once, and
//! records hold its integer id (docs/storage.md, "Schema and migrations").
//!
//! A history has a few providers and models, tens of projects and thousands of sessions for
//! hundreds of thousands of requests, so an id of one or two bytes replaces a name of twenty
//! to forty in every row and every index that holds it. Queries group and filter by id and
//! turn the ids of their few result rows back into names.
//!
//! Names are never renamed in place except by the project-path form (`privacy`), and unused
//! names are deleted only by `forget`; both drop the cache of the connection that does it
//! (`Store::names`), and other connections see `data_version` move.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};

/// One dictionary table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dictionary {
    Provider,
    Session,
    Project,
    Model,
}

impl Dictionary {
    pub(crate) const ALL: [Dictionary; 4] = [
        Dictionary::Provider,
        Dictionary::Session,
        Dictionary::Project,
        Dictionary::Model,
    ];

    /// The table's name; the `records` column holding its ids has the singular name.
    pub(crate) const fn table(self) -> &'static str {
        match self {
            Dictionary::Provider => "providers",
            Dictionary::Session => "sessions",
            Dictionary::Project => "projects",
            Dictionary::Model => "models",
        }
    }

    /// The `records` column that holds this dictionary's ids.
    pub(crate) const fn column(self) -> &'static str {
        match self {
            Dictionary::Provider => "provider",
            Dictionary::Session => "session",
            Dictionary::Project => "project",
            Dictionary::Model => "model",
        }
    }

    /// SQL for the name of the id `expr` (NULL for a NULL id).
    pub(crate) fn name_sql(self, expr: &str) -> String {
        format!("(SELECT name FROM {} WHERE id = {expr})", self.table())
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// The ids of names already looked up by one connection, valid while no other connection
/// commits (`data_version`). Kept across batches only once a batch commits: a rolled-back
/// batch's new names do not exist.
#[derive(Debug, Default)]
pub(crate) struct Names {
    data_version: i64,
    ids: [HashMap<String, i64>; 4],
}

impl Names {
    /// The cache, emptied first when another connection committed since it was filled.
    pub(crate) fn current<'a>(
        conn: &Connection,
        cached: &'a mut Option<Names>,
    ) -> rusqlite::Result<&'a mut Names> {
        let version: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if cached.as_ref().is_none_or(|c| c.data_version != version) {
            *cached = Some(Names {
                data_version: version,
                ids: Default::default(),
            });
        }
        Ok(cached.get_or_insert_with(Names::default))
    }

    /// The id of `name` in `dict`, stored first if it is new. Must run inside the write
    /// transaction that uses the id.
    pub(crate) fn id(
        &mut self,
        conn: &Connection,
        dict: Dictionary,
        name: &str,
    ) -> rusqlite::Result<i64> {
        if let Some(&id) = self.ids[dict.index()].get(name) {
            return Ok(id);
        }
        let id = intern(conn, dict, name)?;
        self.ids[dict.index()].insert(name.to_owned(), id);
        Ok(id)
    }

    /// [`Names::id`] of an optional name.
    pub(crate) fn optional_id(
        &mut self,
        conn: &Connection,
        dict: Dictionary,
        name: Option<&str>,
    ) -> rusqlite::Result<Option<i64>> {
        name.map(|n| self.id(conn, dict, n)).transpose()
    }
}

/// The id of `name`, inserted if new.
pub(crate) fn intern(conn: &Connection, dict: Dictionary, name: &str) -> rusqlite::Result<i64> {
    let table = dict.table();
    let found: Option<i64> = conn
        .prepare_cached(&format!("SELECT id FROM {table} WHERE name = ?1"))?
        .query_row([name], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    conn.prepare_cached(&format!("INSERT INTO {table} (name) VALUES (?1)"))?
        .execute([name])?;
    Ok(conn.last_insert_rowid())
}

/// Deletes the names no record uses any more (after `forget`): a forgotten project's path
/// must not stay behind in its dictionary.
pub(crate) fn delete_unused(conn: &Connection) -> rusqlite::Result<()> {
    for dict in Dictionary::ALL {
        let (table, column) = (dict.table(), dict.column());
        conn.execute(
            &format!(
                "DELETE FROM {table} WHERE id NOT IN
                 (SELECT {column} FROM records WHERE {column} IS NOT NULL)"
            ),
            [],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn, camino::Utf8Path::new(":memory:")).unwrap();
        conn
    }

    #[test]
    fn a_name_is_stored_once_and_keeps_its_id() {
        let conn = conn();
        let mut names = None;
        let n = Names::current(&conn, &mut names).unwrap();
        let a = n.id(&conn, Dictionary::Model, "m1").unwrap();
        let b = n.id(&conn, Dictionary::Model, "m2").unwrap();
        assert_ne!(a, b);
        assert_eq!(intern(&conn, Dictionary::Model, "m1").unwrap(), a);
        let count: i64 = conn
            .query_row("SELECT count(*) FROM models", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2);
        let name: String = conn
            .query_row(
                &format!("SELECT {}", Dictionary::Model.name_sql(&b.to_string())),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(name, "m2");
    }
}
