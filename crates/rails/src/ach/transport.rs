//! How NACHA files reach the bank and returns come back: one [`FileTransport`] trait, with a
//! directory implementation (a folder the bank's connectivity agent watches) and an SFTP one
//! (`sftp::SftpTransport`). Both pass the same [`conformance`] suite.
//!
//! Delivery is idempotent by name: delivering a file the bank already has is a success that
//! leaves one copy. Inbound files are listed, fetched, and acknowledged (removed on the bank's
//! side) only after the caller has them safely, so a crash in between fetches them again
//! (and the inbox's SHA-256 check applies each once).

use async_trait::async_trait;
use std::path::{Path, PathBuf};

use super::files::{visible_files, write_atomically, write_atomically_for};
use super::sftp::SftpError;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(transparent)]
    Sftp(#[from] SftpError),
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    #[error("no inbound directory is configured")]
    NoInbound,
    #[error("{0:?} is not a plain file name")]
    BadName(String),
}

#[async_trait]
pub trait FileTransport: Send + Sync + std::fmt::Debug {
    /// Where files go, for logs and the operator (never contains a secret).
    fn describe(&self) -> String;

    /// Hands `content` to the bank as `name`; readers on the bank's side never see a partial
    /// file. Delivering the same name again is a success and leaves one file.
    async fn deliver(&self, name: &str, content: &[u8]) -> Result<(), TransportError>;

    /// Names of the files the bank has left for us (returns, NOCs), sorted; temporary
    /// (dot) files are not listed.
    async fn inbound(&self) -> Result<Vec<String>, TransportError>;

    /// One inbound file's bytes.
    async fn fetch(&self, name: &str) -> Result<Vec<u8>, TransportError>;

    /// Tells the bank an inbound file is safely received (removes it). Acknowledging a file
    /// that is already gone is a success.
    async fn acknowledge(&self, name: &str) -> Result<(), TransportError>;
}

/// A plain file name: no directories, nothing hidden.
pub(super) fn check_name(name: &str) -> Result<(), TransportError> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control);
    if plain {
        Ok(())
    } else {
        Err(TransportError::BadName(name.to_string()))
    }
}

/// Two local directories: `outbound` (files for the bank) and `inbound` (files from it).
#[derive(Debug, Clone)]
pub struct DirectoryTransport {
    outbound: PathBuf,
    inbound: PathBuf,
    /// The group that may read delivered files (the outbox group), if any.
    gid: Option<u32>,
}

impl DirectoryTransport {
    /// Uses `outbound/` and `inbound/` under `root`, creating them.
    pub fn under(root: &Path) -> std::io::Result<Self> {
        let (outbound, inbound) = Self::paths_under(root);
        let t = Self {
            outbound,
            inbound,
            gid: None,
        };
        std::fs::create_dir_all(&t.outbound)?;
        std::fs::create_dir_all(&t.inbound)?;
        Ok(t)
    }

    /// (`outbound`, `inbound`) under `root`: where the bank's side finds delivered files and
    /// leaves its own.
    pub fn paths_under(root: &Path) -> (PathBuf, PathBuf) {
        (root.join("outbound"), root.join("inbound"))
    }

    /// Delivered files belong to group `gid` and it may read them (0640), like the outbox's;
    /// None keeps them the owner's only (0600). The directories are the operator's: their
    /// modes are left as they are.
    pub fn with_group(mut self, gid: Option<u32>) -> Self {
        self.gid = gid;
        self
    }
}

#[async_trait]
impl FileTransport for DirectoryTransport {
    fn describe(&self) -> String {
        format!("directory {}", self.outbound.display())
    }

    async fn deliver(&self, name: &str, content: &[u8]) -> Result<(), TransportError> {
        check_name(name)?;
        let target = self.outbound.join(name);
        if std::fs::read(&target).is_ok_and(|existing| existing == content) {
            return Ok(());
        }
        write_atomically_for(&self.outbound, name, content, self.gid)?;
        Ok(())
    }

    async fn inbound(&self) -> Result<Vec<String>, TransportError> {
        let mut names: Vec<String> = visible_files(&self.inbound)?
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        names.sort();
        Ok(names)
    }

    async fn fetch(&self, name: &str) -> Result<Vec<u8>, TransportError> {
        check_name(name)?;
        Ok(std::fs::read(self.inbound.join(name))?)
    }

    async fn acknowledge(&self, name: &str) -> Result<(), TransportError> {
        check_name(name)?;
        match std::fs::remove_file(self.inbound.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Moves every inbound file into the local `inbox` (atomically), acknowledging each only once
/// it is there. Returns how many were moved.
pub async fn pull_inbound(
    transport: &dyn FileTransport,
    inbox: &Path,
) -> Result<usize, TransportError> {
    let mut pulled = 0;
    for name in transport.inbound().await? {
        let bytes = transport.fetch(&name).await?;
        write_atomically(inbox, &name, &bytes)?;
        transport.acknowledge(&name).await?;
        pulled += 1;
    }
    Ok(pulled)
}

/// The behaviour every [`FileTransport`] must have, checked from the bank's side: `bank`
/// names the local directories where the bank (for SFTP: the test server's root) sees
/// delivered files and leaves inbound ones.
pub mod conformance {
    use super::*;

    /// The bank's view of a transport under test.
    pub struct BankSide {
        /// Where delivered files appear.
        pub outbound: PathBuf,
        /// Where the bank leaves files for us.
        pub inbound: PathBuf,
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| {
                e.unwrap_or_else(|e| panic!("entry: {e}"))
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// Runs every check; panics (naming the check) on the first that fails.
    pub async fn run(transport: &dyn FileTransport, bank: &BankSide) {
        delivers_whole_files_once(transport, bank).await;
        lists_fetches_and_acknowledges_inbound(transport, bank).await;
        refuses_names_that_are_not_plain(transport).await;
    }

    async fn delivers_whole_files_once(t: &dyn FileTransport, bank: &BankSide) {
        let before = listing(&bank.outbound);
        let content: Vec<u8> = (0..200_000u32)
            .map(|i| b"0123456789ABCDEF\n"[(i % 17) as usize])
            .collect();
        t.deliver("PENNYDROP-CONFORMANCE-A.ach", &content)
            .await
            .unwrap_or_else(|e| panic!("deliver: {e}"));
        let delivered = std::fs::read(bank.outbound.join("PENNYDROP-CONFORMANCE-A.ach"))
            .unwrap_or_else(|e| panic!("the bank sees the delivered file: {e}"));
        assert!(delivered == content, "delivered bytes are intact");
        t.deliver("PENNYDROP-CONFORMANCE-A.ach", &content)
            .await
            .unwrap_or_else(|e| panic!("delivering again succeeds: {e}"));
        let mut expected = before.clone();
        expected.push("PENNYDROP-CONFORMANCE-A.ach".into());
        expected.sort();
        assert_eq!(
            listing(&bank.outbound),
            expected,
            "one copy, and no temporary file left on the bank's side"
        );
        t.deliver("PENNYDROP-CONFORMANCE-B.ach", b"101 second\n")
            .await
            .unwrap_or_else(|e| panic!("deliver a second file: {e}"));
        assert_eq!(
            std::fs::read(bank.outbound.join("PENNYDROP-CONFORMANCE-B.ach")).ok(),
            Some(b"101 second\n".to_vec())
        );
    }

    async fn lists_fetches_and_acknowledges_inbound(t: &dyn FileTransport, bank: &BankSide) {
        assert_eq!(
            t.inbound().await.unwrap_or_else(|e| panic!("inbound: {e}")),
            Vec::<String>::new(),
            "nothing inbound yet"
        );
        std::fs::write(bank.inbound.join("RETURNS-2.ach"), b"second").expect("write");
        std::fs::write(bank.inbound.join("RETURNS-1.ach"), b"first").expect("write");
        std::fs::write(bank.inbound.join(".RETURNS-3.ach.part"), b"partial").expect("write");
        let names = t.inbound().await.unwrap_or_else(|e| panic!("inbound: {e}"));
        assert_eq!(
            names,
            ["RETURNS-1.ach", "RETURNS-2.ach"],
            "sorted, hidden files left out"
        );
        let bytes = t
            .fetch("RETURNS-1.ach")
            .await
            .unwrap_or_else(|e| panic!("fetch: {e}"));
        assert_eq!(bytes, b"first");
        t.acknowledge("RETURNS-1.ach")
            .await
            .unwrap_or_else(|e| panic!("acknowledge: {e}"));
        t.acknowledge("RETURNS-1.ach")
            .await
            .unwrap_or_else(|e| panic!("acknowledging again succeeds: {e}"));
        assert_eq!(
            t.inbound().await.unwrap_or_else(|e| panic!("inbound: {e}")),
            ["RETURNS-2.ach"]
        );
        let inbox = tempfile_dir(bank);
        let pulled = pull_inbound(t, &inbox)
            .await
            .unwrap_or_else(|e| panic!("pull: {e}"));
        assert_eq!(pulled, 1);
        assert_eq!(
            std::fs::read(inbox.join("RETURNS-2.ach")).ok(),
            Some(b"second".to_vec())
        );
        assert_eq!(
            listing(&bank.inbound),
            [".RETURNS-3.ach.part"],
            "pulled files are acknowledged on the bank's side"
        );
        std::fs::remove_file(bank.inbound.join(".RETURNS-3.ach.part")).expect("clean up");
    }

    /// A scratch inbox beside the bank's directories.
    fn tempfile_dir(bank: &BankSide) -> PathBuf {
        let dir = bank
            .inbound
            .parent()
            .unwrap_or(&bank.inbound)
            .join("conformance-inbox");
        std::fs::create_dir_all(&dir).expect("scratch inbox");
        dir
    }

    async fn refuses_names_that_are_not_plain(t: &dyn FileTransport) {
        for name in ["../escape.ach", "sub/dir.ach", ".hidden.ach", ""] {
            assert!(t.deliver(name, b"x").await.is_err(), "{name:?} is refused");
        }
    }
}
