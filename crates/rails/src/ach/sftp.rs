//! Delivery to the bank over SFTP: key authentication, the server's host key pinned, uploads
//! written under a temporary name and renamed, so a retry after a failure never leaves a
//! partial file and never sends one twice.

use async_trait::async_trait;
use russh::client;
use russh::keys::{PrivateKeyWithHashAlg, PublicKey};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

use super::transport::{check_name, FileTransport, TransportError};

#[derive(Debug, Clone)]
pub struct SftpConfig {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// Private key file (OpenSSH format) for key authentication.
    pub private_key: PathBuf,
    /// The server's host key as in `known_hosts` / `*.pub` (`ssh-ed25519 AAAA...`). Connections
    /// to a server presenting any other key are refused.
    pub host_key: String,
    /// Remote directory files are delivered to.
    pub outbound_dir: String,
    /// Remote directory the bank leaves returns and NOCs in, if any.
    pub inbound_dir: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    #[error("SSH: {0}")]
    Ssh(#[from] russh::Error),
    #[error("SSH key: {0}")]
    Key(#[from] russh::keys::Error),
    #[error("SFTP: {0}")]
    Sftp(#[from] russh_sftp::client::error::Error),
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    #[error("host key {0} is not the pinned one; refusing to deliver")]
    HostKeyMismatch(String),
    #[error("the server refused key authentication for user {0}")]
    AuthRejected(String),
    #[error("configured host key is not valid: {0}")]
    BadPin(String),
}

struct Pinned {
    expected: PublicKey,
    seen: Option<String>,
}

impl client::Handler for Pinned {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKey) -> Result<bool, Self::Error> {
        let ok = key.key_data() == self.expected.key_data();
        if !ok {
            self.seen = Some(key.fingerprint(Default::default()).to_string());
        }
        Ok(ok)
    }
}

fn pinned_key(config: &SftpConfig) -> Result<PublicKey, SftpError> {
    // Accept `type base64 [comment]` or a bare base64 key.
    let parts: Vec<&str> = config.host_key.split_whitespace().collect();
    let b64 = match parts.as_slice() {
        [_, b64, ..] => *b64,
        [b64] => *b64,
        [] => return Err(SftpError::BadPin("empty".into())),
    };
    russh::keys::parse_public_key_base64(b64).map_err(|e| SftpError::BadPin(e.to_string()))
}

async fn session(
    config: &SftpConfig,
) -> Result<(client::Handle<Pinned>, russh_sftp::client::SftpSession), SftpError> {
    let expected = pinned_key(config)?;
    let ssh_config = Arc::new(client::Config::default());
    let handler = Pinned {
        expected,
        seen: None,
    };
    let mut handle =
        match client::connect(ssh_config, (config.host.as_str(), config.port), handler).await {
            Ok(h) => h,
            Err(russh::Error::UnknownKey) => {
                return Err(SftpError::HostKeyMismatch(format!(
                    "presented by {}:{}",
                    config.host, config.port
                )))
            }
            Err(e) => return Err(e.into()),
        };
    let key = russh::keys::load_secret_key(&config.private_key, None)?;
    let hash = handle.best_supported_rsa_hash().await?.flatten();
    let auth = handle
        .authenticate_publickey(
            config.user.clone(),
            PrivateKeyWithHashAlg::new(Arc::new(key), hash),
        )
        .await?;
    if !auth.success() {
        return Err(SftpError::AuthRejected(config.user.clone()));
    }
    let channel = handle.channel_open_session().await?;
    channel.request_subsystem(true, "sftp").await?;
    let sftp = russh_sftp::client::SftpSession::new(channel.into_stream()).await?;
    Ok((handle, sftp))
}

fn remote(dir: &str, name: &str) -> String {
    format!("{}/{name}", dir.trim_end_matches('/'))
}

/// The bank's SFTP server as a [`FileTransport`]: one SSH session per call, the host key
/// pinned, uploads under a temporary name then renamed.
#[derive(Debug, Clone)]
pub struct SftpTransport {
    config: SftpConfig,
}

impl SftpTransport {
    pub fn new(config: SftpConfig) -> Self {
        Self { config }
    }

    fn inbound_dir(&self) -> Option<&str> {
        self.config.inbound_dir.as_deref()
    }
}

#[async_trait]
impl FileTransport for SftpTransport {
    fn describe(&self) -> String {
        format!(
            "sftp://{}@{}:{}/{}",
            self.config.user, self.config.host, self.config.port, self.config.outbound_dir
        )
    }

    /// If a file of that name and size is already there (an earlier attempt succeeded but
    /// was not recorded), nothing is sent again.
    async fn deliver(&self, name: &str, content: &[u8]) -> Result<(), TransportError> {
        check_name(name)?;
        let (_handle, sftp) = session(&self.config).await?;
        let target = remote(&self.config.outbound_dir, name);
        if let Ok(meta) = sftp.metadata(target.clone()).await {
            if meta.size == Some(content.len() as u64) {
                return Ok(());
            }
        }
        let temp = remote(&self.config.outbound_dir, &format!(".{name}.part"));
        let mut file = sftp.create(temp.clone()).await.map_err(SftpError::from)?;
        file.write_all(content).await.map_err(SftpError::from)?;
        file.flush().await.map_err(SftpError::from)?;
        file.shutdown().await.map_err(SftpError::from)?;
        drop(file);
        if sftp
            .try_exists(target.clone())
            .await
            .map_err(SftpError::from)?
        {
            sftp.remove_file(target.clone())
                .await
                .map_err(SftpError::from)?;
        }
        sftp.rename(temp, target).await.map_err(SftpError::from)?;
        sftp.close().await.map_err(SftpError::from)?;
        Ok(())
    }

    async fn inbound(&self) -> Result<Vec<String>, TransportError> {
        let Some(dir) = self.inbound_dir() else {
            return Ok(Vec::new());
        };
        let (_handle, sftp) = session(&self.config).await?;
        let mut names: Vec<String> = sftp
            .read_dir(dir.to_string())
            .await
            .map_err(SftpError::from)?
            .filter(|e| e.file_type().is_file())
            .map(|e| e.file_name())
            .filter(|n| !n.starts_with('.'))
            .collect();
        sftp.close().await.map_err(SftpError::from)?;
        names.sort();
        Ok(names)
    }

    async fn fetch(&self, name: &str) -> Result<Vec<u8>, TransportError> {
        check_name(name)?;
        let dir = self.inbound_dir().ok_or(TransportError::NoInbound)?;
        let (_handle, sftp) = session(&self.config).await?;
        let bytes = sftp
            .read(remote(dir, name))
            .await
            .map_err(SftpError::from)?;
        sftp.close().await.map_err(SftpError::from)?;
        Ok(bytes)
    }

    async fn acknowledge(&self, name: &str) -> Result<(), TransportError> {
        check_name(name)?;
        let dir = self.inbound_dir().ok_or(TransportError::NoInbound)?;
        let (_handle, sftp) = session(&self.config).await?;
        let path = remote(dir, name);
        if sftp
            .try_exists(path.clone())
            .await
            .map_err(SftpError::from)?
        {
            sftp.remove_file(path).await.map_err(SftpError::from)?;
        }
        sftp.close().await.map_err(SftpError::from)?;
        Ok(())
    }
}
