//! Configuration shared by the subcommands: where the data lives and which keys protect it.

use anyhow::{bail, Context};
use clap::Args;
use pennydrop_core::crypto::{SecretKey, Vault};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory for the SQLite database, the generated encryption key and ACH files.
    #[arg(long, env = "PENNYDROP_DATA_DIR", default_value = "./pennydrop-data")]
    pub data_dir: PathBuf,

    /// `sqlite://PATH` or `postgres://...`; defaults to SQLite in the data directory.
    #[arg(long, env = "PENNYDROP_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StorageArgs {
    pub fn ensure_data_dir(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating data directory {}", self.data_dir.display()))
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("pennydrop.db").display()),
        }
    }
}

pub const KEY_FILE: &str = "encryption.key";

/// Builds the vault from `PENNYDROP_ENCRYPTION_KEY` (and optional previous keys), or from the
/// data directory's key file, generating that file (mode 0600) on first start.
pub fn load_vault(data_dir: &Path) -> anyhow::Result<Vault> {
    let current = match std::env::var("PENNYDROP_ENCRYPTION_KEY") {
        Ok(b64) if !b64.trim().is_empty() => {
            SecretKey::from_base64(&b64).context("PENNYDROP_ENCRYPTION_KEY")?
        }
        _ => key_from_file(&data_dir.join(KEY_FILE))?,
    };
    let mut previous = Vec::new();
    if let Ok(list) = std::env::var("PENNYDROP_PREVIOUS_ENCRYPTION_KEYS") {
        for (i, b64) in list.split(',').filter(|s| !s.trim().is_empty()).enumerate() {
            previous.push(
                SecretKey::from_base64(b64).with_context(|| {
                    format!("PENNYDROP_PREVIOUS_ENCRYPTION_KEYS entry {}", i + 1)
                })?,
            );
        }
    }
    let fingerprint = match std::env::var("PENNYDROP_FINGERPRINT_KEY") {
        Ok(b64) if !b64.trim().is_empty() => {
            Some(SecretKey::from_base64(&b64).context("PENNYDROP_FINGERPRINT_KEY")?)
        }
        _ => None,
    };
    Ok(Vault::new(current, previous, fingerprint))
}

fn key_from_file(path: &Path) -> anyhow::Result<SecretKey> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading encryption key {}", path.display()))?;
        return SecretKey::from_base64(&text)
            .with_context(|| format!("encryption key file {}", path.display()));
    }
    let key = SecretKey::generate();
    write_private(path, key.to_base64().as_bytes())?;
    tracing::info!(path = %path.display(), key_id = %key.id(), "generated a new encryption key");
    Ok(key)
}

/// Writes a file readable only by its owner, refusing to overwrite.
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!(
                "{} appeared while generating it; start again",
                path.display()
            )
        }
        Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
    };
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let first = key_from_file(&path).unwrap();
        let second = key_from_file(&path).unwrap();
        assert_eq!(first.id(), second.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
