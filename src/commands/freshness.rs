//! Whether a folder's exports are still those of its database: written
//! from the same contents (the database counts its changes) and untouched
//! since (same size and modification time). Then a rerun of a finished
//! sweep need not rewrite them; an export edited or deleted is rewritten.

use crate::store::{ResultsDir, Store};
use std::time::UNIX_EPOCH;

/// A file's size and modification time, as recorded after writing it.
fn stamp(dir: &ResultsDir, name: &str) -> Option<String> {
    let meta = std::fs::symlink_metadata(dir.file(name)).ok()?;
    if !meta.is_file() {
        return None;
    }
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(format!("{}:{}", meta.len(), modified.as_nanos()))
}

/// Whether every export in `names` is as the last rebuild left it, from
/// the database as it is now.
pub fn is_fresh(dir: &ResultsDir, store: &Store, names: &[&str]) -> anyhow::Result<bool> {
    if store.meta("exported_changes")? != store.meta("changes")? {
        return Ok(false);
    }
    for name in names {
        let recorded = store.meta(&format!("export:{name}"))?;
        if recorded.is_none() || recorded != stamp(dir, name) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Records that the exports `names` were just written from the database.
pub fn record(dir: &ResultsDir, store: &Store, names: &[&str]) -> anyhow::Result<()> {
    for name in names {
        if let Some(stamp) = stamp(dir, name) {
            store.set_meta(&format!("export:{name}"), &stamp)?;
        }
    }
    let changes = store.meta("changes")?.unwrap_or_default();
    store.set_meta("exported_changes", &changes)?;
    Ok(())
}
