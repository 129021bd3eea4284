//! `sweep collect`: each shard's database merged into the main one. A
//! merge replaces the main database's rows of the shard's jobs, so merging
//! twice, or again after a shard was rerun, gives the same database.
//!
//! Jobs are merged by cell, not by position: a shard run with an earlier
//! grid of the same sweep (another shard count, before seeds were added)
//! gives the jobs the main database's grid names, each at its position
//! there, and keeps the others in its own file.

use super::schema::JOB_TABLES;
use super::{Store, StoreError, recorded, regrid};
use std::path::Path;

impl Store {
    /// Copies every job of the shard database at `shard` whose cell this
    /// database's grid has into this one, replacing rows of the same jobs;
    /// refuses a shard whose shared settings differ. Returns how many jobs
    /// it gave.
    pub fn merge(&mut self, shard: &Path) -> Result<u64, StoreError> {
        let theirs = Store::open_existing(shard)?;
        let not_ours = |e: anyhow::Error| StoreError::NotOurs {
            path: shard.to_path_buf(),
            reason: format!("{e:#}"),
        };
        let (theirs_recorded, ours) = (
            recorded::parse(&theirs.config_text()?).map_err(not_ours)?,
            recorded::parse(&self.config_text()?).map_err(not_ours)?,
        );
        let changes = recorded::changes(&theirs_recorded, &ours).map_err(not_ours)?;
        if !changes.is_empty() {
            return Err(StoreError::NotNewest {
                db: shard.to_path_buf(),
                changes: changes.join("\n"),
            });
        }
        drop(theirs);
        let plan = self.plan()?;
        let fail = |e: rusqlite::Error| StoreError::Unwritable {
            dir: shard.parent().unwrap_or(Path::new(".")).to_path_buf(),
            reason: format!("merging `{}`: {e}", shard.display()),
        };
        self.conn
            .execute("ATTACH DATABASE ?1 AS shard", [shard.to_string_lossy()])
            .map_err(fail)?;
        let merged = (|| -> rusqlite::Result<u64> {
            let tx = self.conn.transaction()?;
            let placed = regrid::placements(&tx, "shard", &plan)?;
            tx.execute_batch(
                "CREATE TEMP TABLE place (old INTEGER PRIMARY KEY, new INTEGER NOT NULL)",
            )?;
            let mut jobs = 0;
            {
                let mut insert = tx.prepare("INSERT INTO temp.place VALUES (?1, ?2)")?;
                for (old, new) in placed {
                    if let Some(new) = new {
                        insert.execute([old as i64, new as i64])?;
                        jobs += 1;
                    }
                }
            }
            for table in JOB_TABLES {
                let rest = regrid::columns_after_position(&tx, table)?;
                tx.execute_batch(&format!(
                    "DELETE FROM main.{table} WHERE position IN (SELECT new FROM temp.place);
                     INSERT INTO main.{table} (position, {rest}) \
                       SELECT p.new, {rest} FROM shard.{table} s \
                       JOIN temp.place p ON p.old = s.position;"
                ))?;
            }
            tx.execute_batch("DROP TABLE temp.place")?;
            tx.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'changes'",
                [],
            )?;
            tx.commit()?;
            Ok(jobs)
        })();
        let detached = self.conn.execute("DETACH DATABASE shard", []);
        let jobs = merged.map_err(fail)?;
        detached.map_err(fail)?;
        Ok(jobs)
    }
}
