//! The system under simulation: the real app, wired exactly as `pennydrop serve` wires it, on a
//! data directory that outlives crashes, driven in-process through its router. Nothing runs in
//! the background: the simulation calls the work the server's loops would do (the ACH rail's
//! tick, instant-credit dispatch, the expiry sweep) when its seed says so.

use crate::faults::{FaultLayer, StoreFaults};
use crate::transport::{TransportFaultLayer, TransportFaults};
use anyhow::Context;
use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine as _;
use jiff::Timestamp;
use pennydrop::app::{App, AppConfig};
use pennydrop::config::StorageArgs;
use pennydrop_core::{ManualClock, SeededRandom};
use pennydrop_engine::access::CreatedKey;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

/// A response reduced to what the simulation checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

pub struct World {
    pub data_dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    seed: u64,
    /// How many times the process has started; each start draws from its own stream, as a
    /// restarted process would (the same stream twice would hand out the same IDs).
    incarnation: u64,
    app: Option<App>,
    /// The app's router, built once per start as `serve` builds it (building it per request
    /// was a fifth of the simulation's time).
    router: Option<axum::Router>,
    /// The invariant checker's read-only connection (crates/sim/src/invariants.rs).
    pub(crate) checker: tokio::sync::Mutex<Option<sqlx::SqliteConnection>>,
    /// The store's faults, armed by the simulation for a step at a time.
    pub faults: Arc<StoreFaults>,
    /// The file transport's faults, when files travel through one ([`World::drop_dir`]).
    pub transport_faults: Arc<TransportFaults>,
    /// The drop directory files are delivered into, with the simulated bank behind it; None
    /// lets the bank read the outbox directly (no transport).
    pub drop_dir: Option<PathBuf>,
}

impl World {
    /// A world whose files go to the bank through a drop directory when `transport`, else
    /// straight from the outbox.
    pub async fn start(seed: u64, start: Timestamp, transport: bool) -> anyhow::Result<Self> {
        let data_dir = tempfile::tempdir().context("data directory")?;
        let clock = Arc::new(ManualClock::new(start));
        let mut world = Self {
            drop_dir: transport.then(|| data_dir.path().join("bank")),
            data_dir,
            transport_faults: Arc::new(TransportFaults::new(clock.clone())),
            clock,
            seed,
            incarnation: 0,
            app: None,
            router: None,
            checker: tokio::sync::Mutex::new(None),
            faults: Arc::new(StoreFaults::default()),
        };
        let app = world.build().await?;
        world.router = Some(pennydrop_api::router(app.state.clone()));
        world.app = Some(app);
        Ok(world)
    }

    pub fn app(&self) -> anyhow::Result<&App> {
        self.app.as_ref().context("the app is down")
    }

    /// The process dies (whatever it was doing is dropped where it stood) and starts again on
    /// the same data directory, then does what `pennydrop serve` does first: clean up the ACH
    /// directories, finish files a crash left behind and ask about instant credits left
    /// unanswered.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.app = None;
        self.router = None;
        self.incarnation += 1;
        let app = self.build().await?;
        app.ach.recover().await.context("recovering the ACH rail")?;
        app.state
            .engine
            .recover_instant_credits()
            .await
            .context("recovering instant credits")?;
        self.router = Some(pennydrop_api::router(app.state.clone()));
        self.app = Some(app);
        Ok(())
    }

    /// The app as `pennydrop serve` wires it, on this world's data directory, clock and faults.
    async fn build(&self) -> anyhow::Result<App> {
        let storage = StorageArgs {
            data_dir: self.data_dir.path().to_path_buf(),
            database_url: None,
            outbox_group: None,
        };
        let mut config = AppConfig::new(storage);
        config.clock = self.clock.clone();
        let stream = self.seed ^ self.incarnation.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        config.random = Arc::new(SeededRandom::new(stream));
        config.store_layer = Some(Arc::new(FaultLayer(self.faults.clone())));
        if let Some(dir) = &self.drop_dir {
            // A drop directory is a real bank's signal; the simulated one is forced behind it.
            config.drop_dir = Some(dir.clone());
            config.force_simulator = true;
            config.transport_layer =
                Some(Arc::new(TransportFaultLayer(self.transport_faults.clone())));
        }
        // The clock stands still between steps, so the per-second rate limits would only
        // measure the workload's density; they have tests of their own.
        config.engine.rate_limits.production_per_second = u32::MAX;
        config.engine.rate_limits.sandbox_per_second = u32::MAX;
        config.webhook_worker = false;
        // The platform's webhook endpoint is on loopback, like everything the simulation runs.
        config.engine.webhook_networks = pennydrop_engine::webhooks::NetworkPolicy {
            allow: pennydrop_engine::webhooks::NetworkPolicy::parse_list("127.0.0.0/8")
                .map_err(anyhow::Error::msg)?,
            deny: Vec::new(),
        };
        App::build(config).await
    }

    /// Where the bank leaves its files for the app: the drop directory's `inbound/`, else the
    /// app's inbox.
    pub fn bank_inbound(&self) -> anyhow::Result<PathBuf> {
        Ok(match &self.drop_dir {
            Some(dir) => pennydrop_rails::ach::transport::DirectoryTransport::paths_under(dir).1,
            None => self.app()?.ach.dirs().inbox.clone(),
        })
    }

    /// One HTTP request through the app's router, authenticated with `key` (HTTP Basic).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        key: Option<&CreatedKey>,
        headers: &[(&str, &str)],
        body: &str,
    ) -> anyhow::Result<Reply> {
        let router = self.router.clone().context("the app is down")?;
        let mut req = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            let pair = format!("{}:{}", key.public_key, key.secret_key);
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            req = req.header("authorization", format!("Basic {encoded}"));
        }
        if !body.is_empty() {
            req = req.header("content-type", "application/json");
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let mut req = req.body(Body::from(body.to_string()))?;
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                40000,
            ))));
        let response = router.oneshot(req).await?;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 16 << 20).await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok(Reply { status, body })
    }
}
