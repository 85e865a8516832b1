//! Wiring: open and migrate the store, load keys and the bank directory, build the router, and
//! serve until shutdown.

use anyhow::Context;
use pennydrop_api::keys::{create_tenant_key, CreatedKey};
use pennydrop_api::{AppState, Settings};
use pennydrop_core::directory::Directory;
use pennydrop_core::model::Mode;
use pennydrop_core::{Clock, SystemClock};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

use crate::config::{load_vault, StorageArgs};

#[derive(Debug, Clone)]
pub struct AppConfig {
    pub storage: StorageArgs,
    pub fedach_directory: Option<PathBuf>,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
}

impl AppConfig {
    pub fn new(storage: StorageArgs) -> Self {
        Self {
            storage,
            fedach_directory: None,
            clock: Arc::new(SystemClock),
            settings: Settings::default(),
        }
    }
}

pub struct App {
    pub state: AppState,
    /// The sandbox key created on the very first start, if this was it.
    pub bootstrap_key: Option<CreatedKey>,
}

impl App {
    pub async fn build(config: AppConfig) -> anyhow::Result<Self> {
        config.storage.ensure_data_dir()?;
        let url = config.storage.database_url();
        let store = pennydrop_store::connect(&url)
            .await
            .with_context(|| format!("opening database {}", redact_url(&url)))?;
        store.migrate().await.context("applying migrations")?;
        let vault = load_vault(&config.storage.data_dir)?;
        let directory = match &config.fedach_directory {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading FedACH directory {}", path.display()))?;
                Directory::parse(&text)
                    .with_context(|| format!("parsing FedACH directory {}", path.display()))?
            }
            None => Directory::bundled(),
        };
        let bootstrap_key = if store.count_api_keys().await? == 0 {
            Some(
                create_tenant_key(
                    store.as_ref(),
                    config.clock.as_ref(),
                    "sandbox",
                    Mode::Sandbox,
                )
                .await?,
            )
        } else {
            None
        };
        let state = AppState {
            store,
            vault: Arc::new(vault),
            directory: Arc::new(directory),
            clock: config.clock,
            settings: Arc::new(config.settings),
        };
        Ok(Self {
            state,
            bootstrap_key,
        })
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = pennydrop_api::router(self.state);
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
            .context("HTTP server")
    }
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }
}
