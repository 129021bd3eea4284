//! A folder whose config's grid changed: the shared settings are the same,
//! the cells are not. Its jobs are renumbered to the new plan's positions,
//! in the transaction that records the new config, so that the database
//! then reads as if the new config had made it: finished cells are found
//! and skipped, and the exports of the grown sweep are those of one run of
//! its config. The jobs of cells the new grid no longer has stay stored,
//! after its cells ([`Store::elsewhere`]).

use super::{Store, StoreError};
use crate::config::Key;
use crate::grid::{JobParams, Plan};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};

/// A stored job's move: its position now, and in the new plan.
pub type Move = (u64, u64);

/// The cell of a `jobs` row whose axis columns start at column `first`.
pub fn cell(row: &Row, first: usize) -> rusqlite::Result<JobParams> {
    let mut failure = None;
    let p = JobParams::parse(|key| {
        match row.get_ref(first + key as usize) {
            Ok(ValueRef::Integer(i)) => i.to_string(),
            // Rust prints the shortest text that reads back as the same f64.
            Ok(ValueRef::Real(r)) => r.to_string(),
            Ok(ValueRef::Text(t)) => String::from_utf8_lossy(t).into_owned(),
            Ok(_) => String::new(),
            Err(e) => {
                failure = Some(e);
                String::new()
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    p.map_err(|why| {
        let why = format!("a job's cell that is none of sweep's: {why}");
        rusqlite::Error::FromSqlConversionFailure(first, rusqlite::types::Type::Text, why.into())
    })
}

/// The axis columns of `jobs`, in the order [`cell`] reads them.
pub fn cell_columns() -> String {
    Key::NAMES.join(", ")
}

/// Each job of the database `schema` (`main`, or an attached shard) with
/// its cell's position in `plan`, `None` when `plan` does not have the cell
/// or excludes it; in order of the jobs' present positions.
pub fn placements(
    conn: &Connection,
    schema: &str,
    plan: &Plan,
) -> rusqlite::Result<Vec<(u64, Option<u64>)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT position, {} FROM {schema}.jobs ORDER BY position",
        cell_columns()
    ))?;
    let mut rows = stmt.query([])?;
    let mut placed = Vec::new();
    while let Some(row) = rows.next()? {
        let p = cell(row, 1)?;
        let new = plan.position(&p).filter(|_| !plan.is_excluded(&p));
        placed.push((row.get::<_, i64>(0)? as u64, new));
    }
    Ok(placed)
}

/// Where each stored job goes in `plan`: its cell's position, or, for a
/// cell `plan` does not have (or excludes), a position after `plan`'s
/// cross product, in the jobs' present order.
pub fn moves(conn: &Connection, plan: &Plan) -> rusqlite::Result<Vec<Move>> {
    let mut after = plan.cross_len()..;
    Ok(placements(conn, "main", plan)?
        .into_iter()
        .map(|(old, new)| (old, new.unwrap_or_else(|| after.next().expect("unbounded"))))
        .collect())
}

/// Moves every job's rows as `moves` says, in the caller's transaction;
/// nothing is written when every job stays where it is. Each table is
/// written anew in the order of the new positions, not updated in place:
/// appending to a B-tree in key order is several times faster than moving
/// its rows one by one (docs/performance.md).
pub fn renumber(conn: &Connection, moves: &[Move]) -> rusqlite::Result<()> {
    if moves.iter().all(|(old, new)| old == new) {
        return Ok(());
    }
    conn.execute_batch(
        "CREATE TEMP TABLE renumber (old INTEGER PRIMARY KEY, new INTEGER NOT NULL UNIQUE)",
    )?;
    {
        let mut insert = conn.prepare("INSERT INTO temp.renumber VALUES (?1, ?2)")?;
        for &(old, new) in moves {
            insert.execute([old as i64, new as i64])?;
        }
    }
    for table in super::schema::JOB_TABLES {
        let sql: String = conn.query_row(
            "SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        let fresh = format!("{table}_regrid");
        let rest = columns_after_position(conn, table)?;
        // The table's columns and keys as created, under the new name (a
        // renamed table's name is quoted in its recorded statement).
        let columns = &sql[sql.find('(').unwrap_or(sql.len())..];
        conn.execute_batch(&format!(
            "CREATE TABLE main.{fresh} {columns};
             INSERT INTO main.{fresh} (position, {rest}) \
               SELECT r.new, {rest} FROM temp.renumber r JOIN main.{table} t ON t.position = r.old \
               ORDER BY r.new;
             DROP TABLE main.{table};
             ALTER TABLE main.{fresh} RENAME TO {table};"
        ))?;
    }
    conn.execute_batch("DROP TABLE temp.renumber")
}

/// The columns of `table` but `position`, comma-separated.
pub fn columns_after_position(conn: &Connection, table: &str) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names: Vec<String> = stmt
        .query_map([table], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(names
        .into_iter()
        .filter(|name| name != "position")
        .collect::<Vec<_>>()
        .join(", "))
}

impl Store {
    /// Finished jobs of cells the recorded grid no longer has: kept, after
    /// its cells, for `sweep report --all`.
    pub fn elsewhere(&self) -> Result<u64, StoreError> {
        let cross = Plan::new(&self.recording.config.grid)
            .map_or(0, |plan| plan.cross_len())
            .min(i64::MAX as u64) as i64;
        self.conn
            .query_row(
                "SELECT count(*) FROM jobs WHERE position >= ?1",
                [cross],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.not_ours(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn plan(grid: &str) -> Plan {
        Plan::new(&Config::parse(grid, "t.toml", "t").unwrap().grid).unwrap()
    }

    /// A database with a `jobs` table holding `plan`'s jobs at their positions.
    fn stored(plan: &Plan) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(&super::super::schema::create_tables())
            .unwrap();
        for (k, p) in plan.positioned_jobs() {
            let mut values: Vec<rusqlite::types::Value> = vec![(k as i64).into(), p.id().into()];
            values.extend(Key::ALL.map(|key| p.value(key).into()));
            values.extend(["completed".to_string().into(), String::new().into()]);
            values.push(0i64.into());
            values.extend(std::iter::repeat_n(rusqlite::types::Value::Null, 10));
            let marks = vec!["?"; values.len()].join(", ");
            conn.execute(
                &format!("INSERT INTO jobs VALUES ({marks})"),
                rusqlite::params_from_iter(values),
            )
            .unwrap();
        }
        conn
    }

    fn positions(conn: &Connection) -> Vec<(u64, String)> {
        let mut stmt = conn
            .prepare("SELECT position, job_id FROM jobs ORDER BY position")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn a_grown_grid_puts_every_stored_job_at_its_new_cell() {
        let small =
            plan("[grid]\nrule = [\"matmul\"]\nlearning_rate = [0.1, 1e-300]\nseed = [1, 2]");
        let big = plan(
            "[grid]\nrule = [\"kronecker\", \"matmul\"]\nlearning_rate = [0.5, 1e-300, 0.1]\n\
             seed = { from = 1, count = 3 }",
        );
        let conn = stored(&small);
        renumber(&conn, &moves(&conn, &big).unwrap()).unwrap();
        let expected: Vec<(u64, String)> = big
            .positioned_jobs()
            .filter(|(_, p)| small.position(p).is_some())
            .map(|(k, p)| (k, p.id()))
            .collect();
        assert_eq!(positions(&conn), expected);
        let again = moves(&conn, &big).unwrap();
        assert!(again.iter().all(|(old, new)| old == new), "moved once only");
        // And back: a table renumbered before is renumbered again.
        renumber(&conn, &moves(&conn, &small).unwrap()).unwrap();
        let back: Vec<(u64, String)> = small.positioned_jobs().map(|(k, p)| (k, p.id())).collect();
        assert_eq!(positions(&conn), back);
    }

    #[test]
    fn cells_a_grid_drops_or_excludes_go_after_it_in_order() {
        let before = plan("[grid]\nrule = [\"matmul\", \"kronecker\"]\nseed = [1, 2, 3]");
        let after =
            plan("[grid]\nrule = [\"kronecker\"]\nseed = [3, 2, 1]\nexclude = [{ seed = 2 }]");
        let conn = stored(&before);
        renumber(&conn, &moves(&conn, &after).unwrap()).unwrap();
        let ids: Vec<(u64, String)> = positions(&conn);
        let id = |rule: &str, seed: u64| format!("{rule}-sigmoid-lr0.1-b1-random-r0.5-s{seed}");
        assert_eq!(
            ids,
            [
                (0, id("kronecker", 3)),
                (2, id("kronecker", 1)),
                (3, id("matmul", 1)),
                (4, id("matmul", 2)),
                (5, id("matmul", 3)),
                (6, id("kronecker", 2)),
            ]
        );
    }
}
