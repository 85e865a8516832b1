//! The ACH directories and crash-safe file writes.
//!
//! Everything here is its owner's only (directories 0700, files 0600): NACHA files hold full
//! account numbers. One exception, when the operator names an outbox group
//! (`--outbox-group`): the outbox and the files written into it belong to that group and it
//! may read them (0750 and 0640), and `ach/` lets it pass through to the outbox (0710), so a
//! bank-transfer agent running as another user can pick the files up.

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
    /// The group that may read the outbox, if the operator named one.
    pub outbox_group: Option<OutboxGroup>,
    /// `ach/`, the parent of the others.
    root: PathBuf,
}

impl AchDirs {
    pub fn under(data_dir: &Path) -> Self {
        let ach = data_dir.join("ach");
        Self {
            outbox: ach.join("outbox"),
            inbox: ach.join("inbox"),
            archive: ach.join("archive"),
            quarantine: ach.join("quarantine"),
            outbox_group: None,
            root: ach,
        }
    }

    /// The same directories, with the outbox readable by `group` (None: by the owner only).
    pub fn with_outbox_group(mut self, group: Option<OutboxGroup>) -> Self {
        self.outbox_group = group;
        self
    }

    /// The outbox group's ID, if any: what [`write_atomically_for`] takes.
    pub fn outbox_gid(&self) -> Option<u32> {
        self.outbox_group.as_ref().map(|g| g.gid)
    }

    /// Creates the directories (or brings existing ones to the modes they should have): `ach/`
    /// 0700 (0710 with an outbox group), the outbox 0700 (0750 with the group), the others
    /// 0700; files already in the outbox get the outbox's file mode too (0600, or the group
    /// and 0640), so naming a group takes effect for files written before it was named.
    pub fn create(&self) -> std::io::Result<()> {
        let gid = self.outbox_gid();
        std::fs::create_dir_all(&self.root)?;
        group_dir(&self.root, gid, 0o710)?;
        std::fs::create_dir_all(&self.outbox)?;
        group_dir(&self.outbox, gid, 0o750)?;
        for dir in [&self.inbox, &self.archive, &self.quarantine] {
            private_dir(dir)?;
        }
        for file in visible_files(&self.outbox)? {
            let file = std::fs::File::open(&file)?;
            set_file_access(&file, gid)?;
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

/// The group that may read the outbox (`--outbox-group`), resolved once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxGroup {
    pub name: String,
    pub gid: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("no group named or numbered {0:?} exists")]
    NotFound(String),
    #[error("looking up group {name:?}: {source}")]
    Lookup {
        name: String,
        source: std::io::Error,
    },
    #[error("groups are not supported on this platform")]
    Unsupported,
}

impl OutboxGroup {
    /// Looks a group up by name, or by number when `name_or_gid` is all digits; either way the
    /// group must exist.
    #[cfg(unix)]
    pub fn resolve(name_or_gid: &str) -> Result<Self, GroupError> {
        use nix::unistd::{Gid, Group};
        let lookup = |source: nix::Error| GroupError::Lookup {
            name: name_or_gid.to_string(),
            source: source.into(),
        };
        let found = match name_or_gid.parse::<u32>() {
            Ok(gid) => Group::from_gid(Gid::from_raw(gid)).map_err(lookup)?,
            Err(_) => Group::from_name(name_or_gid).map_err(lookup)?,
        };
        let group = found.ok_or_else(|| GroupError::NotFound(name_or_gid.to_string()))?;
        Ok(Self {
            name: group.name,
            gid: group.gid.as_raw(),
        })
    }

    #[cfg(not(unix))]
    pub fn resolve(_name_or_gid: &str) -> Result<Self, GroupError> {
        Err(GroupError::Unsupported)
    }
}

impl std::fmt::Display for OutboxGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (gid {})", self.name, self.gid)
    }
}

/// Creates `dir` (and its parents) if needed and makes it accessible to its owner only (0700):
/// NACHA files hold full account numbers.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    group_dir(dir, None, 0o700)
}

/// Gives an existing `dir` to group `gid` with `group_mode` (the group first, then the mode,
/// so it never has the wider mode with the old group); without a group, makes it 0700. Giving
/// a directory to a group fails (permission denied) unless this process owns it and belongs to
/// the group, or is root.
pub fn group_dir(dir: &Path, gid: Option<u32>, group_mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match gid {
            Some(gid) => {
                std::os::unix::fs::chown(dir, None, Some(gid))?;
                group_mode
            }
            None => 0o700,
        };
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (dir, gid, group_mode);
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

/// Sets an open file's group and mode: with a group, that group and 0640 (the group first,
/// while the file is still 0600); without one, 0600. Through the open file, so the mode does
/// not depend on the umask or on a leftover file of the same name.
fn set_file_access(file: &std::fs::File, gid: Option<u32>) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match gid {
            Some(gid) => {
                std::os::unix::fs::fchown(file, None, Some(gid))?;
                0o640
            }
            None => 0o600,
        };
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (file, gid);
    Ok(())
}

/// Writes `content` to `dir/name` so that readers see either nothing or the whole file:
/// a hidden temporary file, fsync, rename, fsync of the directory. Rewriting identical content
/// (recovery after a crash) is harmless. The file is its owner's only (0600).
pub fn write_atomically(dir: &Path, name: &str, content: &[u8]) -> std::io::Result<PathBuf> {
    write_atomically_for(dir, name, content, None)
}

/// [`write_atomically`], the file readable by group `gid` when one is given (0640): the
/// temporary file is created 0600 and given to the group before anything is written into it,
/// so the file never has a wider mode than 0600 with another group, and appears under its
/// name with its final group and mode.
pub fn write_atomically_for(
    dir: &Path,
    name: &str,
    content: &[u8],
    gid: Option<u32>,
) -> std::io::Result<PathBuf> {
    let target = dir.join(name);
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut file = private_file().open(&temp)?;
        set_file_access(&file, gid)?;
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

    /// A group this process may give files to, other than its own when it can (root may use
    /// any existing group; anyone else, its own).
    #[cfg(unix)]
    fn usable_group() -> OutboxGroup {
        if nix::unistd::geteuid().is_root() {
            for name in ["nogroup", "daemon", "nobody", "bin"] {
                if let Ok(group) = OutboxGroup::resolve(name) {
                    return group;
                }
            }
        }
        let gid = nix::unistd::getegid().as_raw();
        OutboxGroup::resolve(&gid.to_string()).expect("the process's own group exists")
    }

    #[cfg(unix)]
    fn access(path: &Path) -> (u32, u32) {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        (m.mode() & 0o777, m.gid())
    }

    #[cfg(unix)]
    #[test]
    fn an_outbox_group_may_read_the_outbox_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let group = usable_group();
        let private = AchDirs::under(dir.path());
        private.create().unwrap();
        // A file written before the group was named gets the group at the next start.
        write_atomically(&private.outbox, "old.ach", b"old").unwrap();
        let dirs = AchDirs::under(dir.path()).with_outbox_group(Some(group.clone()));
        dirs.create().unwrap();
        let written =
            write_atomically_for(&dirs.outbox, "a.ach", b"one", dirs.outbox_gid()).unwrap();
        assert_eq!(access(&written), (0o640, group.gid), "outbox file");
        assert_eq!(
            access(&dirs.outbox.join("old.ach")),
            (0o640, group.gid),
            "older file"
        );
        assert_eq!(access(&dirs.outbox), (0o750, group.gid), "outbox");
        assert_eq!(access(&dir.path().join("ach")), (0o710, group.gid), "ach/");
        for d in [&dirs.inbox, &dirs.archive, &dirs.quarantine] {
            assert_eq!(access(d).0, 0o700, "{}", d.display());
        }
        assert_eq!(
            visible_files(&dirs.outbox).unwrap().len(),
            2,
            "no temporary file left"
        );
        // Without the group again, everything is the owner's only.
        private.create().unwrap();
        assert_eq!(access(&dirs.outbox.join("a.ach")).0, 0o600);
        assert_eq!(access(&dirs.outbox).0, 0o700);
        assert_eq!(access(&dir.path().join("ach")).0, 0o700);
        let again = write_atomically(&dirs.outbox, "b.ach", b"two").unwrap();
        assert_eq!(access(&again).0, 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn groups_resolve_by_name_or_number_and_must_exist() {
        let group = usable_group();
        assert_eq!(OutboxGroup::resolve(&group.name).unwrap(), group);
        assert_eq!(
            OutboxGroup::resolve(&group.gid.to_string()).unwrap().gid,
            group.gid
        );
        let missing = OutboxGroup::resolve("pennydrop-no-such-group").unwrap_err();
        assert!(matches!(missing, GroupError::NotFound(_)), "{missing}");
        assert!(matches!(
            OutboxGroup::resolve("4294967000"),
            Err(GroupError::NotFound(_))
        ));
    }
}
