//! Configuration shared by the subcommands: where the data lives and which keys protect it.

use anyhow::{bail, Context};
use clap::Args;
use pennydrop_core::crypto::{SecretKey, Vault};
use pennydrop_core::RoutingNumber;
use pennydrop_rails::ach::files::group_dir;
use pennydrop_rails::ach::sftp::SftpConfig;
use pennydrop_rails::ach::{OdfiConfig, OutboxGroup};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory for the SQLite database, the generated encryption key and ACH files.
    #[arg(long, env = "PENNYDROP_DATA_DIR", default_value = "./pennydrop-data")]
    pub data_dir: PathBuf,

    /// `sqlite://PATH` or `postgres://...`; defaults to SQLite in the data directory.
    #[arg(long, env = "PENNYDROP_DATABASE_URL")]
    pub database_url: Option<String>,

    /// A group (name or GID) that may read the ACH outbox, e.g. a bank-transfer agent running
    /// as another user: the outbox becomes 0750 and its files 0640, owned by that group; the
    /// data directory 0710 (the group passes through, but cannot list it or read the
    /// database). Without it everything is the owner's only. This process must be root or a
    /// member of the group.
    #[arg(long, env = "PENNYDROP_OUTBOX_GROUP", value_name = "NAME_OR_GID")]
    pub outbox_group: Option<String>,
}

impl StorageArgs {
    /// Creates the data directory (0700, or 0710 and the outbox group's) and the embedded
    /// database file (0600, so its WAL and shared-memory files are created 0600 too),
    /// tightening them if they exist. Returns the outbox group, resolved; fails naming
    /// `--outbox-group` if it does not exist or this process cannot give files to it.
    pub fn ensure_data_dir(&self) -> anyhow::Result<Option<OutboxGroup>> {
        let group = self.outbox_group()?;
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}: create it for the user running pennydrop, \
                 or choose another with --data-dir (PENNYDROP_DATA_DIR)",
                self.data_dir.display()
            )
        })?;
        check_dir_writable(&self.data_dir)?;
        group_dir(&self.data_dir, group.as_ref().map(|g| g.gid), 0o710).with_context(|| {
            match &group {
                Some(g) => format!(
                    "--outbox-group: cannot give the data directory {} to group {g}; this \
                     process must own it and be a member of the group, or run as root",
                    self.data_dir.display()
                ),
                None => format!("protecting data directory {}", self.data_dir.display()),
            }
        })?;
        if self.database_url.is_none() {
            let db = self.data_dir.join("pennydrop.db");
            for path in [
                db.clone(),
                db.with_extension("db-wal"),
                db.with_extension("db-shm"),
            ] {
                make_private(&path, path == db)
                    .with_context(|| format!("protecting {}", path.display()))?;
            }
        }
        Ok(group)
    }

    /// The `--outbox-group`, looked up (None when not set).
    pub fn outbox_group(&self) -> anyhow::Result<Option<OutboxGroup>> {
        let Some(name) = self
            .outbox_group
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        else {
            return Ok(None);
        };
        OutboxGroup::resolve(name)
            .map(Some)
            .with_context(|| format!("--outbox-group {name}"))
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("pennydrop.db").display()),
        }
    }
}

/// Fails naming the directory and what to do when this process cannot create files in it
/// (modes, ownership, a read-only mount, an immutable directory).
fn check_dir_writable(dir: &Path) -> anyhow::Result<()> {
    let probe = dir.join(format!(".write-check-{}", std::process::id()));
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe);
    match created {
        Ok(_) => {
            std::fs::remove_file(&probe).with_context(|| format!("removing {}", probe.display()))
        }
        Err(e) => bail!(
            "the data directory {} is not writable ({e}): give the user running pennydrop \
             write access to it (chown/chmod, or remount read-write), or choose another with \
             --data-dir (PENNYDROP_DATA_DIR)",
            dir.display()
        ),
    }
}

pub const KEY_FILE: &str = "encryption.key";
pub const NODE_ID_FILE: &str = "node-id";

/// This node's identity: a UUID kept in the data directory, so a restart is the same node.
pub fn node_id(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(NODE_ID_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let id = text.trim();
        if !id.is_empty() {
            return Ok(id.to_string());
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    std::fs::write(&path, &id).with_context(|| format!("writing {}", path.display()))?;
    Ok(id)
}

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

/// Makes `path` readable by its owner only (0600), creating it (empty) when `create`.
fn make_private(path: &Path, create: bool) -> std::io::Result<()> {
    if create {
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(path)?;
    } else if !path.exists() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
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

/// The originating bank, the file delivery and the simulated bank's settlement delay.
#[derive(Debug, Clone, Args)]
pub struct AchArgs {
    /// The ODFI's routing number; every trace number starts with its first 8 digits.
    /// Without it, files go to the simulated ODFI (110000000).
    #[arg(long, env = "PENNYDROP_ODFI_ROUTING")]
    pub odfi_routing: Option<String>,
    /// The ODFI's name (immediate destination name in the file header).
    #[arg(long, env = "PENNYDROP_ODFI_NAME", default_value = "ODFI")]
    pub odfi_name: String,
    /// Immediate destination routing number (defaults to the ODFI's).
    #[arg(long, env = "PENNYDROP_IMMEDIATE_DESTINATION")]
    pub immediate_destination: Option<String>,
    /// Immediate origin (10 characters, e.g. `1` + EIN or a routing number).
    #[arg(long, env = "PENNYDROP_IMMEDIATE_ORIGIN", default_value = "1234567890")]
    pub immediate_origin: String,
    /// Company identification in batch headers (10 characters, usually `1` + EIN).
    #[arg(long, env = "PENNYDROP_COMPANY_ID", default_value = "1234567890")]
    pub company_id: String,
    /// Send entries for individuals as WEB instead of PPD.
    #[arg(long, env = "PENNYDROP_SEC_WEB", default_value_t = false)]
    pub web: bool,
    /// Seconds the simulated bank waits before reading an outbox file.
    #[arg(long, env = "PENNYDROP_SETTLEMENT_DELAY_SECONDS", default_value_t = 0)]
    pub settlement_delay_seconds: i64,
    /// SFTP server for delivery: HOST:PORT. Needs the user, key and pinned host key too.
    #[arg(long, env = "PENNYDROP_SFTP_ADDRESS")]
    pub sftp_address: Option<String>,
    /// User name on the SFTP server.
    #[arg(long, env = "PENNYDROP_SFTP_USER")]
    pub sftp_user: Option<String>,
    /// Private key file for SFTP key authentication.
    #[arg(long, env = "PENNYDROP_SFTP_KEY")]
    pub sftp_key: Option<PathBuf>,
    /// The server's host key (`ssh-ed25519 AAAA...`); any other key is refused.
    #[arg(long, env = "PENNYDROP_SFTP_HOST_KEY")]
    pub sftp_host_key: Option<String>,
    /// Remote directory for outgoing files.
    #[arg(long, env = "PENNYDROP_SFTP_OUTBOUND_DIR", default_value = "outbound")]
    pub sftp_outbound_dir: String,
    /// Remote directory the bank leaves returns and NOCs in.
    #[arg(long, env = "PENNYDROP_SFTP_INBOUND_DIR")]
    pub sftp_inbound_dir: Option<String>,
    /// Deliver through a local directory instead of SFTP: files for the bank go to
    /// `DIR/outbound`, returns and NOCs are read from `DIR/inbound` (for a connectivity agent
    /// or a mounted share).
    #[arg(long, env = "PENNYDROP_ACH_DROP_DIR", conflicts_with = "sftp_address")]
    pub ach_drop_dir: Option<PathBuf>,
}

impl AchArgs {
    pub fn odfi(&self, company_name: &str) -> anyhow::Result<Option<OdfiConfig>> {
        let Some(routing) = &self.odfi_routing else {
            return Ok(None);
        };
        RoutingNumber::parse(routing).context("--odfi-routing")?;
        let destination = self
            .immediate_destination
            .clone()
            .unwrap_or_else(|| routing.clone());
        RoutingNumber::parse(&destination).context("--immediate-destination")?;
        Ok(Some(OdfiConfig {
            routing_number: routing.clone(),
            immediate_destination: destination,
            immediate_destination_name: self.odfi_name.clone(),
            immediate_origin: self.immediate_origin.clone(),
            immediate_origin_name: company_name.to_string(),
            company_name: company_name.to_string(),
            company_identification: self.company_id.clone(),
            web_for_individuals: self.web,
        }))
    }

    pub fn sftp(&self) -> anyhow::Result<Option<SftpConfig>> {
        let Some(address) = &self.sftp_address else {
            return Ok(None);
        };
        let (host, port) = address
            .rsplit_once(':')
            .context("--sftp-address must be HOST:PORT")?;
        let port: u16 = port.parse().context("--sftp-address port")?;
        Ok(Some(SftpConfig {
            host: host.to_string(),
            port,
            user: self
                .sftp_user
                .clone()
                .context("--sftp-user is required with --sftp-address")?,
            private_key: self
                .sftp_key
                .clone()
                .context("--sftp-key is required with --sftp-address")?,
            host_key: self.sftp_host_key.clone().context(
                "--sftp-host-key is required with --sftp-address (the server's key is pinned)",
            )?,
            outbound_dir: self.sftp_outbound_dir.clone(),
            inbound_dir: self.sftp_inbound_dir.clone(),
        }))
    }
}
