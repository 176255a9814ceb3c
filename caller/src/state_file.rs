//! The small state file: the server, staff number and window used last time (never a password or
//! a token), so that a restart after a power cut is two key presses from work.

use std::path::{Path, PathBuf};

use crate::model::Remembered;

/// Where the state file lives when `--state-file` is not given: `$XDG_STATE_HOME/qcall/caller.json`,
/// else `~/.local/state/qcall/caller.json`, else `qcall-caller.json` in the working folder.
pub fn default_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("qcall").join("caller.json");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(home)
            .join(".local/state/qcall")
            .join("caller.json");
    }
    PathBuf::from("qcall-caller.json")
}

/// Reads the file; a missing or unreadable file is an empty memory, not an error (it is a
/// convenience, and the caller must start anyway).
pub fn load(path: &Path) -> Remembered {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Writes the file (through a temporary file and a rename, so a power cut never leaves half a file).
pub fn save(path: &Path, remembered: &Remembered) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(remembered).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
