//! WAL checkpoints on their own thread and connection, so the engine thread never pays for copying
//! pages back into the database file.

use rusqlite::Connection;

use super::Store;

/// Checkpoints the WAL into the database file from its own thread and connection, so the engine
/// thread never pays for it; a last full checkpoint runs when it is dropped.
pub(crate) struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Store {
    /// Moves WAL checkpoints off this connection onto a thread of their own.
    pub(crate) fn checkpointer(&self) -> Option<Checkpointer> {
        let conn = Connection::open(&self.path).ok()?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("qcall-checkpoint".into())
            .spawn(move || {
                use std::sync::mpsc::RecvTimeoutError;
                loop {
                    match stopped.recv_timeout(std::time::Duration::from_millis(500)) {
                        Err(RecvTimeoutError::Timeout) => {
                            if let Err(err) =
                                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                            {
                                tracing::warn!(cause = %err, "checkpoint failed; retrying");
                            }
                        }
                        _ => {
                            let _ =
                                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
                            return;
                        }
                    }
                }
            })
            .ok()?;
        // Only now that someone else checkpoints may this connection stop doing it.
        self.conn
            .pragma_update(None, "wal_autocheckpoint", 0)
            .ok()?;
        Some(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}
