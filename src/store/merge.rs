//! `sweep collect`: each shard's database merged into the main one. A
//! merge replaces the main database's rows of the shard's jobs, so merging
//! twice, or again after a shard was rerun, gives the same database.

use super::schema::JOB_TABLES;
use super::{Store, StoreError, recorded};
use std::path::Path;

impl Store {
    /// Copies every job of the shard database at `shard` into this one,
    /// replacing rows of the same jobs; refuses a shard of another config.
    /// Returns how many jobs it held.
    pub fn merge(&mut self, shard: &Path) -> Result<u64, StoreError> {
        let theirs = Store::open_existing(shard)?;
        let changes =
            recorded::changes(&theirs.config_text()?, &self.config_text()?).map_err(|e| {
                StoreError::NotOurs {
                    path: shard.to_path_buf(),
                    reason: format!("{e:#}"),
                }
            })?;
        if !changes.is_empty() {
            return Err(StoreError::Changed {
                dir: shard.to_path_buf(),
                changes: changes.join("\n"),
            });
        }
        drop(theirs);
        let fail = |e: rusqlite::Error| StoreError::Unwritable {
            dir: shard.parent().unwrap_or(Path::new(".")).to_path_buf(),
            reason: format!("merging `{}`: {e}", shard.display()),
        };
        self.conn
            .execute("ATTACH DATABASE ?1 AS shard", [shard.to_string_lossy()])
            .map_err(fail)?;
        let merged = (|| -> rusqlite::Result<u64> {
            let tx = self.conn.transaction()?;
            for table in JOB_TABLES {
                tx.execute(
                    &format!(
                        "DELETE FROM main.{table} WHERE position IN (SELECT position FROM shard.jobs)"
                    ),
                    [],
                )?;
                tx.execute(
                    &format!(
                        "INSERT INTO main.{table} SELECT * FROM shard.{table} \
                         WHERE position IN (SELECT position FROM shard.jobs)"
                    ),
                    [],
                )?;
            }
            let jobs: i64 = tx.query_row("SELECT count(*) FROM shard.jobs", [], |r| r.get(0))?;
            tx.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'changes'",
                [],
            )?;
            tx.commit()?;
            Ok(jobs as u64)
        })();
        let detached = self.conn.execute("DETACH DATABASE shard", []);
        let jobs = merged.map_err(fail)?;
        detached.map_err(fail)?;
        Ok(jobs)
    }
}
