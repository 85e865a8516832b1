//! Test harness: the real app on an ephemeral port, with a manual clock and a throwaway
//! database (SQLite by default, PostgreSQL on request).

#![allow(dead_code)]

use jiff::Timestamp;
use pennydrop::app::{App, AppConfig};
use pennydrop::config::StorageArgs;
use pennydrop_api::AppState;
use pennydrop_core::crypto::Vault;
use pennydrop_core::model::Mode;
use pennydrop_core::ManualClock;
use pennydrop_engine::access::CreatedKey;
use pennydrop_engine::ports::Store;
use pennydrop_rails::ach::AchRail;
use pennydrop_store::testing::TestPostgres;
use serde_json::Value;
use std::sync::Arc;

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    /// What is behind the engine, for tests that look underneath it.
    pub store: Arc<dyn Store>,
    pub ach: Arc<AchRail>,
    pub vault: Arc<Vault>,
    pub clock: Arc<ManualClock>,
    pub data_dir: tempfile::TempDir,
    pub client: reqwest::Client,
    postgres: Option<TestPostgres>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

pub fn start_time() -> Timestamp {
    "2026-11-23T15:00:00Z".parse().expect("timestamp")
}

impl TestApp {
    pub async fn sqlite() -> Self {
        Self::start(None, |_| {}).await
    }

    /// SQLite, with the configuration adjusted before start.
    pub async fn sqlite_with(adjust: impl FnOnce(&mut AppConfig)) -> Self {
        Self::start(None, adjust).await
    }

    /// None (after a loud SKIPPED line) when PostgreSQL is unreachable and not required.
    pub async fn postgres(test_name: &str) -> Option<Self> {
        let db = TestPostgres::create(test_name).await?;
        Some(Self::start(Some(db), |_| {}).await)
    }

    async fn start(postgres: Option<TestPostgres>, adjust: impl FnOnce(&mut AppConfig)) -> Self {
        // Server logs appear with a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn,pennydrop=info")
            .with_test_writer()
            .try_init();
        let data_dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(ManualClock::new(start_time()));
        let storage = StorageArgs {
            data_dir: data_dir.path().to_path_buf(),
            database_url: postgres.as_ref().map(|p| p.url.clone()),
            outbox_group: None,
        };
        let mut config = AppConfig::new(storage);
        config.clock = clock.clone();
        // The manual clock stands still, so every request of a test falls in one second: the
        // rate limit is the subject of its own tests only.
        config.engine.rate_limits.production_per_second = u32::MAX;
        config.engine.rate_limits.sandbox_per_second = u32::MAX;
        adjust(&mut config);
        let app = App::build(config).await.expect("app builds");
        let state = app.state.clone();
        let (store, ach, vault) = (app.store.clone(), app.ach.clone(), app.vault.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.serve(listener, async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        Self {
            base,
            state,
            store,
            ach,
            vault,
            clock,
            data_dir,
            client: reqwest::Client::new(),
            postgres,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    pub async fn tenant(&self, mode: Mode) -> CreatedKey {
        self.state
            .engine
            .create_tenant("tenant", mode)
            .await
            .expect("tenant")
    }

    /// An operator key (admin API).
    pub async fn operator(&self) -> CreatedKey {
        let key = self.tenant(Mode::Production).await;
        self.store
            .set_operator(&key.public_key, true)
            .await
            .expect("set operator");
        key
    }

    pub fn postgres_url(&self) -> Option<String> {
        self.postgres.as_ref().map(|p| p.url.clone())
    }

    /// The app's own database (`sqlite://…` in its data directory, or its PostgreSQL URL).
    pub fn database_url(&self) -> String {
        self.postgres_url().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.data_dir.path().join("pennydrop.db").display()
            )
        })
    }

    /// Runs one statement on the app's own database, underneath it (to plant rows an older
    /// release or a bug could have left).
    pub async fn sql(&self, statement: &str) {
        use sqlx::Connection;
        let url = self.database_url();
        if url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .expect(statement);
        } else {
            let mut conn = sqlx::PgConnection::connect(&url).await.expect("postgres");
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .expect(statement);
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        if let Some(db) = self.postgres.take() {
            db.drop_database().await;
        }
    }
}

/// A response reduced to what tests assert on.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Value,
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        request_id,
        body,
    }
}

/// Basic-auth helpers around one key pair.
pub struct Caller<'a> {
    pub app: &'a TestApp,
    pub key: &'a CreatedKey,
}

impl Caller<'_> {
    pub async fn get(&self, path: &str) -> Reply {
        reply(
            self.app
                .client
                .get(self.app.url(path))
                .basic_auth(&self.key.public_key, Some(&self.key.secret_key))
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        reply(
            self.app
                .client
                .post(self.app.url(path))
                .basic_auth(&self.key.public_key, Some(&self.key.secret_key))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: &str) -> Reply {
        reply(
            self.app
                .client
                .put(self.app.url(path))
                .basic_auth(&self.key.public_key, Some(&self.key.secret_key))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn post_with(&self, path: &str, header: (&str, &str)) -> Reply {
        reply(
            self.app
                .client
                .post(self.app.url(path))
                .basic_auth(&self.key.public_key, Some(&self.key.secret_key))
                .header(header.0, header.1)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    /// Creates an account and links `account_number` at `routing`; returns (accountID, bankAccountID).
    pub async fn account_with_bank(&self, routing: &str, account_number: &str) -> (String, String) {
        let account = self.create_account().await;
        let r = self
            .link_as(&account, routing, account_number, "checking")
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let bank = r.body["bankAccountID"]
            .as_str()
            .expect("bankAccountID")
            .to_string();
        (account, bank)
    }

    /// Links `account_number` at `routing` as a `kind` account (`checking`, `savings`, ...).
    pub async fn link_as(
        &self,
        account: &str,
        routing: &str,
        account_number: &str,
        kind: &str,
    ) -> Reply {
        let body = serde_json::json!({"account": {
            "holderName": "Jane Doe", "holderType": "individual", "accountNumber": account_number,
            "bankAccountType": kind, "routingNumber": routing}});
        self.post(
            &format!("/accounts/{account}/bank-accounts"),
            &body.to_string(),
        )
        .await
    }

    /// Starts micro-deposits on a bank account (204 expected).
    pub async fn initiate_micro_deposits(&self, account: &str, bank: &str) {
        let r = self
            .post(
                &format!("/accounts/{account}/bank-accounts/{bank}/micro-deposits"),
                "",
            )
            .await;
        assert_eq!(r.status, 204, "{:?}", r.body);
    }

    pub async fn delete(&self, path: &str) -> Reply {
        reply(
            self.app
                .client
                .delete(self.app.url(path))
                .basic_auth(&self.key.public_key, Some(&self.key.secret_key))
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn create_account(&self) -> String {
        let r = self
            .post(
                "/accounts",
                r#"{"accountType":"individual","profile":{"individual":{"name":{"firstName":"Jane","lastName":"Doe"},"email":"jane@example.com"}},"foreignID":"u-1"}"#,
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["accountID"].as_str().expect("accountID").to_string()
    }

    pub async fn link(&self, account_id: &str, account_number: &str) -> Reply {
        let body = serde_json::json!({"account": {
            "holderName": "Jane Doe", "holderType": "individual", "accountNumber": account_number,
            "bankAccountType": "checking", "routingNumber": "021000021"}});
        self.post(
            &format!("/accounts/{account_id}/bank-accounts"),
            &body.to_string(),
        )
        .await
    }
}

/// A Finicity partner token for the key (Finicity-App-Key = the public key).
pub async fn finicity_token(app: &TestApp, key: &CreatedKey) -> String {
    let r = reply(
        app.client
            .post(app.url("/aggregation/v2/partners/authentication"))
            .header("Finicity-App-Key", &key.public_key)
            .json(
                &serde_json::json!({"partnerId": key.public_key, "partnerSecret": key.secret_key}),
            )
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["token"].as_str().expect("token").to_string()
}

/// An MX Nexus session token for the key.
pub async fn nexus_session(app: &TestApp, key: &CreatedKey) -> String {
    let r = reply(
        app.client
            .post(app.url("/sessions"))
            .basic_auth(&key.public_key, Some(&key.secret_key))
            .header("accept", "application/vnd.mx.nexus.v1+json")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["session"]["token"]
        .as_str()
        .expect("token")
        .to_string()
}

/// A group this test process may give files to (`--outbox-group`), as the flag's value and its
/// GID. Not the process's own group when that can be helped, so a missing chown shows: root may
/// use any existing group (`nogroup` or `daemon`, when `/etc/group` has one); anyone else uses
/// their own group, by number.
#[cfg(unix)]
pub fn outbox_test_group() -> (String, u32) {
    use std::os::unix::fs::MetadataExt;
    let me = tempfile::tempfile()
        .and_then(|f| f.metadata())
        .expect("a probe file");
    if me.uid() == 0 {
        let groups = std::fs::read_to_string("/etc/group").unwrap_or_default();
        for wanted in ["nogroup", "daemon"] {
            let gid = groups.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                let gid: u32 = fields.nth(1)?.parse().ok()?;
                (name == wanted && gid != me.gid()).then_some(gid)
            });
            if let Some(gid) = gid {
                return (wanted.to_string(), gid);
            }
        }
    }
    (me.gid().to_string(), me.gid())
}

/// A path's permission bits and group.
#[cfg(unix)]
pub fn mode_and_group(path: &std::path::Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (m.mode() & 0o777, m.gid())
}

/// Waits for a spawned `pennydrop serve` (stdout piped) to print the address it bound; its
/// base URL. The rest of its stdout is read and dropped in the background.
pub fn bound_address(child: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let stdout = child.stdout.take().expect("serve's stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next()
            .expect("serve printed its address")
            .expect("line");
        if let Some(url) = line.strip_prefix("listening on ") {
            // Keep reading what else it prints, so its stdout never fills up or closes.
            std::thread::spawn(move || lines.for_each(drop));
            return url.to_string();
        }
    }
}

/// One integer (a count, a sum) from a database, read underneath the app.
pub async fn scalar(url: &str, sql: &str) -> i64 {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect(sql)
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect(sql)
    }
}

pub mod browser;
