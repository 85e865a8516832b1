//! The ACH directories and crash-safe file writes.

use std::io::Write;
use std::path::{Path, PathBuf};

/// `ach/outbox` (files for the bank), `ach/inbox` (returns and NOCs from the bank),
/// `ach/archive` (processed inbound files), `ach/quarantine` (inbound files that failed to parse).
#[derive(Debug, Clone)]
pub struct AchDirs {
    pub outbox: PathBuf,
    pub inbox: PathBuf,
    pub archive: PathBuf,
    pub quarantine: PathBuf,
}

impl AchDirs {
    pub fn under(data_dir: &Path) -> Self {
        let ach = data_dir.join("ach");
        Self {
            outbox: ach.join("outbox"),
            inbox: ach.join("inbox"),
            archive: ach.join("archive"),
            quarantine: ach.join("quarantine"),
        }
    }

    pub fn create(&self) -> std::io::Result<()> {
        for dir in [&self.outbox, &self.inbox, &self.archive, &self.quarantine] {
            private_dir(dir)?;
        }
        Ok(())
    }

    /// Removes half-written temporary files a crash left behind in the outbox and inbox, and
    /// puts inbound files this process had claimed back into the inbox.
    pub fn clean_temporaries(&self) -> std::io::Result<usize> {
        let mut cleaned = 0;
        for dir in [&self.outbox, &self.inbox] {
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') && name.ends_with(".tmp") {
                    std::fs::remove_file(entry.path())?;
                    cleaned += 1;
                } else if let Some(original) = claimed_name(&name) {
                    std::fs::rename(entry.path(), dir.join(original))?;
                    cleaned += 1;
                }
            }
        }
        Ok(cleaned)
    }
}

/// Creates `dir` (and its parents) if needed and makes it accessible to its owner only (0700):
/// NACHA files hold full account numbers.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Options that create (or truncate) a file readable and writable by its owner only (0600).
pub fn private_file() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Writes `content` to `dir/name` so that readers see either nothing or the whole file:
/// a hidden temporary file, fsync, rename, fsync of the directory. Rewriting identical content
/// (recovery after a crash) is harmless.
pub fn write_atomically(dir: &Path, name: &str, content: &[u8]) -> std::io::Result<PathBuf> {
    let target = dir.join(name);
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut file = private_file().open(&temp)?;
        file.write_all(content)?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, &target)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(target)
}

const CLAIM_MARK: &str = ".claimed-by-";

/// The original name of a file claimed for processing (`.claimed-by-PID.NAME`).
fn claimed_name(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(CLAIM_MARK)?;
    rest.split_once('.').map(|(_, original)| original)
}

/// Claims a file for processing by renaming it; only one claimant (thread or process) wins.
/// Returns the claimed path, or None if someone else took the file first.
pub fn claim(file: &Path) -> std::io::Result<Option<PathBuf>> {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
        return Ok(None);
    };
    let claimed = dir.join(format!(
        "{CLAIM_MARK}{}.{}",
        std::process::id(),
        name.to_string_lossy()
    ));
    match std::fs::rename(file, &claimed) {
        Ok(()) => Ok(Some(claimed)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Moves a claimed file into `dir` under its original name.
pub fn release_into(claimed: &Path, dir: &Path) -> std::io::Result<PathBuf> {
    let name = claimed
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let original = claimed_name(&name).unwrap_or(&name).to_string();
    let mut target = dir.join(&original);
    let mut n = 1;
    while target.exists() {
        target = dir.join(format!("{original}.{n}"));
        n += 1;
    }
    std::fs::rename(claimed, &target)?;
    Ok(target)
}

/// Visible (non-temporary) regular files in `dir`, sorted by name.
pub fn visible_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') || !entry.file_type()?.is_file() {
            continue;
        }
        files.push(entry.path());
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_leave_no_temporaries_and_replace_identically() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AchDirs::under(dir.path());
        dirs.create().unwrap();
        write_atomically(&dirs.outbox, "a.ach", b"one").unwrap();
        write_atomically(&dirs.outbox, "a.ach", b"one").unwrap();
        assert_eq!(std::fs::read(dirs.outbox.join("a.ach")).unwrap(), b"one");
        std::fs::write(dirs.outbox.join(".b.ach.1.tmp"), b"partial").unwrap();
        assert_eq!(
            visible_files(&dirs.outbox).unwrap(),
            vec![dirs.outbox.join("a.ach")]
        );
        assert_eq!(dirs.clean_temporaries().unwrap(), 1);
        std::fs::write(dirs.inbox.join("r.ach"), b"x").unwrap();
        std::fs::write(dirs.archive.join("r.ach"), b"old").unwrap();
        let claimed = claim(&dirs.inbox.join("r.ach")).unwrap().unwrap();
        assert!(
            claim(&dirs.inbox.join("r.ach")).unwrap().is_none(),
            "claimed once"
        );
        assert!(visible_files(&dirs.inbox).unwrap().is_empty());
        let moved = release_into(&claimed, &dirs.archive).unwrap();
        assert_eq!(moved, dirs.archive.join("r.ach.1"));
        // A crash while holding a claim puts the file back on the next start.
        std::fs::write(dirs.inbox.join("s.ach"), b"y").unwrap();
        claim(&dirs.inbox.join("s.ach")).unwrap().unwrap();
        dirs.clean_temporaries().unwrap();
        assert_eq!(
            visible_files(&dirs.inbox).unwrap(),
            vec![dirs.inbox.join("s.ach")]
        );
    }
}
