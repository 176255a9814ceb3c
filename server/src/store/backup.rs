//! Copies of the database (issue 16): a consistent online copy while the server runs (`VACUUM INTO`
//! from a reader of its own: the engine is never blocked), the daily copies with the oldest pruned, and
//! the check a copy must pass before `restore` puts it in place.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::StoreError;
use super::migrations::MIGRATIONS;

/// What a checked copy holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyInfo {
    /// Tickets in the copy.
    pub tickets: i64,
    /// The last audit sequence number.
    pub last_seq: i64,
    /// Its schema version.
    pub schema: i64,
}

fn fail(message: String) -> StoreError {
    StoreError::Io(std::io::Error::other(message))
}

/// Writes a consistent copy of the database at `db` to `dest` (which must not exist) and checks it.
/// Safe while the server runs: the copy is one read transaction's snapshot; every change committed
/// before it began is in it.
pub(crate) fn backup(db: &Path, dest: &Path) -> Result<CopyInfo, StoreError> {
    if dest.exists() {
        return Err(fail(format!(
            "{} exists already; choose a new name",
            dest.display()
        )));
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let dest_text = dest
        .to_str()
        .ok_or_else(|| fail(format!("{} is not valid UTF-8", dest.display())))?;
    conn.execute("VACUUM INTO ?1", [dest_text])?;
    drop(conn);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o600))?;
    }
    check(dest)
}

/// Checks that `copy` is a whole qcall database this build can run: SQLite's integrity check, a
/// schema no newer than this build's, the hall's secret and the tables present.
pub(crate) fn check(copy: &Path) -> Result<CopyInfo, StoreError> {
    if !copy.is_file() {
        return Err(fail(format!("{} is not a file", copy.display())));
    }
    let conn = Connection::open_with_flags(copy, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| fail(format!("{} is not an SQLite database: {e}", copy.display())))?;
    if integrity != "ok" {
        return Err(fail(format!("{} is damaged: {integrity}", copy.display())));
    }
    let schema: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if schema < 1 || schema > MIGRATIONS.len() as i64 {
        return Err(fail(format!(
            "{} has schema {schema}; this build runs 1 to {}",
            copy.display(),
            MIGRATIONS.len()
        )));
    }
    let secret: i64 =
        conn.query_row("SELECT COUNT(*) FROM meta WHERE key = 'secret'", [], |r| {
            r.get(0)
        })?;
    if secret != 1 {
        return Err(fail(format!("{} has no hall secret", copy.display())));
    }
    Ok(CopyInfo {
        tickets: conn.query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))?,
        last_seq: conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit", [], |r| r.get(0))?,
        schema,
    })
}

/// Puts a checked copy in place of the database at `db` (the server must be stopped: the caller
/// holds the data folder's lock). The database it replaces is kept beside it as
/// `hall.db.before-restore-<n>`; its WAL files go, so nothing of it mixes with the copy.
pub(crate) fn restore(copy: &Path, db: &Path) -> Result<(CopyInfo, Option<PathBuf>), StoreError> {
    let info = check(copy)?;
    let staged = db.with_extension("db.restoring");
    std::fs::copy(copy, &staged)?;
    std::fs::File::open(&staged)?.sync_all()?;
    let mut kept = None;
    if db.exists() {
        // Fold the old WAL in first, so the kept file is whole on its own.
        if let Ok(conn) = Connection::open(db) {
            let _ = conn.pragma_update(None, "wal_checkpoint", "TRUNCATE");
        }
        let mut n = 1;
        let target = loop {
            let t = db.with_extension(format!("db.before-restore-{n}"));
            if !t.exists() {
                break t;
            }
            n += 1;
        };
        std::fs::rename(db, &target)?;
        kept = Some(target);
    }
    for extra in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(db.with_extension(extra));
    }
    std::fs::rename(&staged, db)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok((info, kept))
}

/// The daily copy into `folder` (`hall-<business day>.db`), keeping the newest `keep`.
pub(crate) fn daily(
    db: &Path,
    folder: &Path,
    day: &str,
    keep: u32,
) -> Result<CopyInfo, StoreError> {
    std::fs::create_dir_all(folder)?;
    let dest = folder.join(format!("hall-{day}.db"));
    let info = if dest.exists() {
        check(&dest)?
    } else {
        backup(db, &dest)?
    };
    let mut copies: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("hall-") && n.ends_with(".db"))
        })
        .collect();
    copies.sort();
    let excess = copies.len().saturating_sub(keep.max(1) as usize);
    for old in copies.into_iter().take(excess) {
        std::fs::remove_file(old)?;
    }
    Ok(info)
}
