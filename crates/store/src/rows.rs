//! Multi-row statements built straight from their values.
//!
//! Through sea-query's builder each value of a thousand-row insert was put in an
//! expression tree, cloned into the statement's parameters and the tree dropped: a
//! sixth of the desk's time in event ingest went there. Here the values move into
//! the statement once and the SQL is the column names and placeholders.

use std::fmt::Write as _;

use sea_orm::sea_query::{Value, Values};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::StoreError;

/// Rows of values, all of the same width, with their placeholders.
pub(crate) struct Rows {
    backend: DbBackend,
    width: usize,
    tuples: String,
    values: Vec<Value>,
}

impl Rows {
    /// Rows of `width` values each, room for `rows` of them.
    pub(crate) fn new(backend: DbBackend, width: usize, rows: usize) -> Self {
        Self {
            backend,
            width,
            tuples: String::with_capacity(rows * width * 4),
            values: Vec::with_capacity(rows * width),
        }
    }

    /// Appends one row of `width` values.
    pub(crate) fn push(&mut self, row: impl IntoIterator<Item = Value>) -> Result<(), StoreError> {
        let start = self.values.len();
        self.values.extend(row);
        let given = self.values.len() - start;
        if given != self.width {
            self.values.truncate(start);
            return Err(StoreError::Internal(format!("a row of {given} values where {} are expected", self.width)));
        }
        self.tuples.push_str(if start == 0 { "(" } else { ", (" });
        for k in 0..self.width {
            if k > 0 {
                self.tuples.push_str(", ");
            }
            // Without the formatting machinery where it is not needed: it was a
            // twentieth of the desk's time in a thousand-event batch.
            if self.backend == DbBackend::Postgres {
                write!(self.tuples, "${}", start + k + 1).map_err(|e| StoreError::Internal(e.to_string()))?;
            } else {
                self.tuples.push('?');
            }
        }
        self.tuples.push(')');
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `INSERT INTO table (columns) VALUES …` followed by `tail` (a `RETURNING`, say).
    pub(crate) fn insert(self, table: &str, columns: &[&str], tail: &str) -> Statement {
        let sql = format!("INSERT INTO {table} ({}) VALUES {}{tail}", columns.join(", "), self.tuples);
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }

    /// `UPDATE table SET … FROM (VALUES …) AS v WHERE table.id = v.column1`: each
    /// row is an id followed by the new values of `columns`. Alike on both backends
    /// (SQLite ≥ 3.33), which name the columns of `VALUES` `column1`, `column2`, ….
    pub(crate) fn update_by_id(self, table: &str, columns: &[&str]) -> Statement {
        let set: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{c} = v.column{}", i + 2)).collect();
        let sql = format!(
            "UPDATE {table} SET {} FROM (VALUES {}) AS v WHERE {table}.id = v.column1",
            set.join(", "),
            self.tuples
        );
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

/// Runs `statements` in order, as few round trips as the backend allows. On SQLite
/// they go as one multi-statement text: the connection's thread runs them one after
/// the other and binds the `?` placeholders in order across them, so one hand-off
/// to that thread and back serves them all (each hand-off woke two threads, and in
/// the online hall's groups these cost more than the statements). PostgreSQL's
/// extended protocol takes one statement a message: there they run one by one.
///
/// Every statement's placeholders must be anonymous `?` on SQLite (as [`Rows`] and
/// sea-query write them).
pub(crate) async fn execute_together(
    conn: &impl ConnectionTrait,
    statements: Vec<Statement>,
) -> Result<(), StoreError> {
    if conn.get_database_backend() != DbBackend::Sqlite || statements.len() < 2 {
        for statement in statements {
            conn.execute_raw(statement).await?;
        }
        return Ok(());
    }
    conn.execute_raw(joined(statements)).await?;
    Ok(())
}

/// One SQLite text of `statements`, their values in order.
fn joined(statements: Vec<Statement>) -> Statement {
    let mut sql = String::with_capacity(statements.iter().map(|s| s.sql.len() + 2).sum());
    let mut values = Vec::with_capacity(statements.iter().map(|s| s.values.as_ref().map_or(0, |v| v.0.len())).sum());
    for statement in statements {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&statement.sql);
        values.extend(statement.values.map(|v| v.0).unwrap_or_default());
    }
    Statement { sql, values: Some(Values(values)), db_backend: DbBackend::Sqlite }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_rows(backend: DbBackend) -> Rows {
        let mut rows = Rows::new(backend, 2, 2);
        rows.push([Value::from(1_i64), Value::from("a")]).ok();
        rows.push([Value::from(2_i64), Value::from(None::<String>)]).ok();
        rows
    }

    #[test]
    fn an_insert_numbers_its_placeholders_on_postgres_only() {
        let insert = two_rows(DbBackend::Sqlite).insert("t", &["id", "name"], " RETURNING id");
        assert_eq!(insert.sql, "INSERT INTO t (id, name) VALUES (?, ?), (?, ?) RETURNING id");
        assert_eq!(insert.values.map(|v| v.0.len()), Some(4));
        let insert = two_rows(DbBackend::Postgres).insert("t", &["id", "name"], "");
        assert_eq!(insert.sql, "INSERT INTO t (id, name) VALUES ($1, $2), ($3, $4)");
    }

    #[test]
    fn an_update_sets_each_column_from_its_place_in_the_row() {
        let update = two_rows(DbBackend::Postgres).update_by_id("t", &["name"]);
        assert_eq!(
            update.sql,
            "UPDATE t SET name = v.column2 FROM (VALUES ($1, $2), ($3, $4)) AS v WHERE t.id = v.column1"
        );
    }

    #[test]
    fn statements_joined_keep_their_values_in_order() {
        let first = two_rows(DbBackend::Sqlite).insert("t", &["id", "name"], "");
        let second =
            Statement::from_sql_and_values(DbBackend::Sqlite, "UPDATE h SET seq = ? WHERE id = 1", [7_i64.into()]);
        let together = joined(vec![first, second]);
        assert_eq!(together.sql, "INSERT INTO t (id, name) VALUES (?, ?), (?, ?);\nUPDATE h SET seq = ? WHERE id = 1");
        let values = together.values.map(|v| v.0).unwrap_or_default();
        assert_eq!(values.len(), 5);
        assert_eq!(values[0], Value::from(1_i64));
        assert_eq!(values[4], Value::from(7_i64));
    }

    #[test]
    fn a_row_of_the_wrong_width_is_refused() {
        let mut rows = Rows::new(DbBackend::Sqlite, 2, 1);
        assert!(rows.push([Value::from(1_i64)]).is_err());
        assert!(rows.push([Value::from(1_i64), Value::from(2_i64)]).is_ok());
        let insert = rows.insert("t", &["a", "b"], "");
        assert_eq!(insert.sql, "INSERT INTO t (a, b) VALUES (?, ?)");
        assert_eq!(insert.values.map(|v| v.0.len()), Some(2));
    }
}
