//! A deterministic whole-system simulation of Pennydrop (issue 16), after TigerBeetle's
//! simulator: one `u64` seed drives the clock, the product's randomness, a workload of holders
//! and platforms, the simulated banks' answers and crashes, and the invariants of
//! `DESIGN.md` are checked after every step. A failing seed replays with
//! `cargo run --release -p pennydrop-sim -- --replay SEED`, which prints the step log.
//!
//! What one step can be (weights in [`Sim::step`]): link a bank account through Moov, or
//! link it and start micro-deposits through Finicity or MX (numbers drawn from the simulated banks' magic numbers, so returns, NOCs, disputed debits
//! and instant rejections happen), start micro-deposits or an instant verification, answer
//! them right or wrong, retry a request with its idempotency key, read another tenant's bank
//! account (404), disconnect a bank account,
//! let time pass (cutoff windows, banking days, weekends, holidays and DST changes come with
//! it, and the ACH rail, the instant dispatch and the expiry sweep run), crash between steps
//! or in the middle of the ACH rail's work, and drop a garbage or a duplicate file into the
//! inbox as a misbehaving bank would.
//!
//! Determinism: the app is driven in-process on a current-thread runtime, the clock is a
//! [`pennydrop_core::ManualClock`] and the randomness seeded. A crash in the middle of work is
//! "stop polling after k polls", so where it lands depends on how many times the work
//! yielded; SQLite's worker threads answer each request once, so the same seed lands in the
//! same place on the same build.

mod dialects;
pub mod faults;
pub mod invariants;
pub mod receiver;
pub mod transport;
pub mod world;

use axum::http::Method;
use jiff::{SignedDuration, Timestamp};
use pennydrop_core::model::Mode;
use pennydrop_engine::access::CreatedKey;
use pennydrop_rails::simulator;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use world::{Reply, World};

/// A broken invariant, named by seed and step, with the steps that led to it.
#[derive(Debug)]
pub struct Failure {
    pub seed: u64,
    pub step: usize,
    pub message: String,
    pub log: Vec<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {}, step {}: {} (replay: cargo run --release -p pennydrop-sim -- --replay {})",
            self.seed, self.step, self.message, self.seed
        )
    }
}

/// What one seed did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub steps: usize,
    pub requests: usize,
    pub crashes: usize,
    pub files: usize,
    pub verified: usize,
    pub returns: usize,
    /// Events the webhook endpoint was owed, each checked to have arrived.
    pub events: usize,
    /// Store calls failed on purpose.
    pub faults: usize,
    /// File-transport calls failed on purpose, and those made slow.
    pub transport_faults: usize,
    pub slow_transfers: usize,
    pub log: Vec<String>,
}

/// Steps per seed unless told otherwise.
pub const DEFAULT_STEPS: usize = 150;

/// What a run draws from beyond the default workload.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    /// Store-fault storms ([`Sim::store_storm`]) join the steps. Off by default: seeds keep
    /// the workload they had before storms existed (their draws are unchanged).
    pub store_faults: bool,
    /// Files travel to the simulated bank, and its answers back, through a drop directory
    /// whose transport fails and runs slow at a rate the seed draws ([`transport`]).
    pub transport_faults: bool,
}

/// Runs `steps` steps of the world `seed` makes; the first broken invariant ends it.
pub async fn run(seed: u64, steps: usize) -> Result<Outcome, Failure> {
    run_with(seed, steps, Options::default()).await
}

/// [`run`] with [`Options`].
pub async fn run_with(seed: u64, steps: usize, options: Options) -> Result<Outcome, Failure> {
    let mut sim = match Sim::new(seed, options).await {
        Ok(sim) => sim,
        Err(e) => {
            return Err(Failure {
                seed,
                step: 0,
                message: format!("the world did not start: {e:#}"),
                log: Vec::new(),
            })
        }
    };
    for step in 1..=steps {
        sim.step_no = step;
        let result = match sim.step().await {
            Ok(()) => sim.check(step % CHECK_SLOW_EVERY == 0).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            return Err(sim.failure(format!("{e:#}")));
        }
    }
    if let Err(e) = sim.settle().await {
        return Err(sim.failure(format!("{e:#}")));
    }
    let files = invariants::file_count(&sim.world).await.unwrap_or(0);
    sim.outcome.files = files;
    sim.outcome.steps = steps;
    sim.outcome.log = std::mem::take(&mut sim.log);
    Ok(sim.outcome)
}

/// The checks that read every file and the whole database run every this many steps (and at
/// the end); the others after every step.
const CHECK_SLOW_EVERY: usize = 10;

struct Tenant {
    key: CreatedKey,
}

struct Bank {
    tenant: usize,
    account: String,
    /// The account's foreignID: its Finicity customerId.
    customer: String,
    bank: String,
    routing: &'static str,
    number: String,
    disabled: bool,
}

struct Sim {
    seed: u64,
    /// Tenant 0's webhook endpoint, subscribed to every event type.
    receiver: receiver::Receiver,
    step_no: usize,
    rng: StdRng,
    world: World,
    tenants: Vec<Tenant>,
    banks: Vec<Bank>,
    /// Every account number the holders typed, to look for in clear where none may be.
    numbers: Vec<String>,
    log: Vec<String>,
    outcome: Outcome,
    /// The store's faults are armed (a [`Sim::store_storm`] is under way).
    storm: bool,
    /// Bank accounts whose disconnect failed during the storm.
    unsure: Vec<usize>,
    options: Options,
    /// Accounts opened (or tried), numbering their foreign IDs.
    opened: usize,
}

/// Routing numbers of the simulated network: the first reaches the instant networks.
const ROUTINGS: [&str; 2] = ["021000021", "231380104"];

impl Sim {
    async fn new(seed: u64, options: Options) -> anyhow::Result<Self> {
        let mut rng = StdRng::seed_from_u64(seed);
        // Any day in two years, at any minute: weekends, holidays and both DST changes fall
        // inside some seeds' runs.
        let start = Timestamp::from_second(1_767_225_600 + rng.gen_range(0..730 * 86_400))?;
        let world = World::start(seed, start, options.transport_faults).await?;
        if options.transport_faults {
            // From 10 to 60 % of calls fail, and one in ten is slow, for the whole run.
            let rate = [0.1, 0.3, 0.6][rng.gen_range(0..3)];
            world.transport_faults.arm(rate, 0.1, rng.gen());
        }
        let engine = world.app()?.state.engine.clone();
        let mut tenants = Vec::new();
        for mode in [Mode::Production, Mode::Production, Mode::Sandbox] {
            tenants.push(Tenant {
                key: engine.create_tenant("sim", mode).await?,
            });
        }
        let receiver = receiver::Receiver::start().await?;
        let body = serde_json::json!({"url": receiver.url, "status": "enabled",
            "eventTypes": ["*"], "description": "sim"});
        let r = world
            .request(
                Method::POST,
                "/webhooks",
                Some(&tenants[0].key),
                &[],
                &body.to_string(),
            )
            .await?;
        anyhow::ensure!(r.status == 201, "registering the webhook: {r:?}");
        Ok(Self {
            seed,
            receiver,
            step_no: 0,
            rng,
            world,
            tenants,
            banks: Vec::new(),
            numbers: Vec::new(),
            log: Vec::new(),
            outcome: Outcome::default(),
            storm: false,
            unsure: Vec::new(),
            options,
            opened: 0,
        })
    }

    fn failure(&mut self, message: String) -> Failure {
        Failure {
            seed: self.seed,
            step: self.step_no,
            message,
            log: std::mem::take(&mut self.log),
        }
    }

    fn note(&mut self, line: String) {
        let now = self.world.clock.now_text();
        self.log
            .push(format!("step {} @ {now}: {line}", self.step_no));
    }

    /// One step, drawn by weight.
    async fn step(&mut self) -> anyhow::Result<()> {
        let kinds = if self.options.store_faults { 104 } else { 100 };
        match self.rng.gen_range(0..kinds) {
            100.. => self.store_storm().await,
            kind => self.step_of_kind(kind).await,
        }
    }

    async fn step_of_kind(&mut self, kind: u32) -> anyhow::Result<()> {
        match kind {
            0..=13 => self.link().await,
            14..=27 => self.start_micro_deposits().await,
            28..=37 => self.start_instant().await,
            38..=51 => self.answer_micro_deposits().await,
            52..=59 => self.answer_instant().await,
            60..=63 => self.retry_with_idempotency_key().await,
            64..=65 => self.look_across_tenants().await,
            66..=67 => self.disconnect().await,
            68..=88 => self.let_time_pass().await,
            89..=92 => self.crash().await,
            93..=96 => self.crash_during_bank_work().await,
            97..=98 => self.garbage_inbound_file().await,
            _ => self.duplicate_inbound_file().await,
        }
    }

    /// The database fails while one step of work runs (a request or time passing with the
    /// server's loops): each store call fails, before it reached the database or after it
    /// committed, with the chance drawn here. Requests may answer 5xx then and the loops' work
    /// may fail; once the database answers again the loops run, and every invariant must hold.
    async fn store_storm(&mut self) -> anyhow::Result<()> {
        let rate = [0.05, 0.2, 0.6][self.rng.gen_range(0..3)];
        let kind = self.rng.gen_range(0..89);
        self.world.faults.arm(rate, self.rng.gen());
        self.storm = true;
        let result = self.step_of_kind(kind).await;
        self.storm = false;
        let injected = self.world.faults.disarm();
        self.note(format!(
            "the database fails {:.0} % of calls during that step: {} faults ({})",
            rate * 100.0,
            injected.len(),
            injected.join(", ")
        ));
        match result {
            Err(e) if caused_by_fault(&e) => self.note(format!("the step failed: {e:#}")),
            other => other?,
        }
        self.outcome.faults += injected.len();
        for i in std::mem::take(&mut self.unsure) {
            self.disconnect_again(i).await?;
        }
        self.background_work().await
    }

    /// A request; any 5xx is a bug, unless the database is failing ([`Faulted`]).
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        tenant: usize,
        headers: &[(&str, &str)],
        body: &str,
    ) -> anyhow::Result<Reply> {
        self.outcome.requests += 1;
        let key = &self.tenants[tenant].key;
        let reply = self
            .world
            .request(method.clone(), path, Some(key), headers, body)
            .await?;
        self.no_server_error(&method, path, &reply)?;
        Ok(reply)
    }

    /// A 5xx is a bug, except while the store fails on purpose: then it is [`Faulted`].
    fn no_server_error(&self, method: &Method, path: &str, reply: &Reply) -> anyhow::Result<()> {
        if reply.status < 500 {
            return Ok(());
        }
        let failure = format!("{method} {path} answered {}: {}", reply.status, reply.body);
        if self.storm {
            return Err(Faulted(failure).into());
        }
        Err(anyhow::anyhow!(failure))
    }

    fn account_number(&mut self) -> String {
        let magic: Vec<&str> = simulator::ACH_RETURNS
            .iter()
            .chain(simulator::ACH_DEBIT_RETURNS)
            .chain(simulator::INSTANT_REJECTIONS)
            .chain(simulator::FEDNOW_REJECTIONS)
            .map(|(n, _)| *n)
            .chain(simulator::ACH_NOCS.iter().map(|(n, _, _)| *n))
            .chain([simulator::INSTANT_NO_ANSWER])
            .collect();
        if self.rng.gen_bool(0.35) {
            return magic[self.rng.gen_range(0..magic.len())].to_string();
        }
        let len = self.rng.gen_range(invariants::LONG_NUMBER..=17);
        let first = self.rng.gen_range(5..=9u8);
        let rest: String = (1..len)
            .map(|_| char::from(b'0' + self.rng.gen_range(0..10u8)))
            .collect();
        format!("{first}{rest}")
    }

    /// A holder links a bank account: through Moov (open an account, link), or through
    /// Finicity or MX, which link and start micro-deposits in one go.
    async fn link(&mut self) -> anyhow::Result<()> {
        let tenant = self.rng.gen_range(0..self.tenants.len());
        // Unique per attempt: an account whose answer was lost still holds its foreign ID, and
        // Finicity's customerId names the first account with it (docs/finicity.md).
        self.opened += 1;
        let customer = format!("u-{}", self.opened);
        let routing = ROUTINGS[self.rng.gen_range(0..ROUTINGS.len())];
        let number = self.account_number();
        let checking = self.rng.gen_bool(0.8);
        // Remembered first: a request whose answer is lost may still have stored it.
        self.numbers.push(number.clone());
        let dialect = self.pick_dialect();
        let holder = dialects::Holder {
            tenant,
            customer: &customer,
            routing,
            number: &number,
            checking,
        };
        let (status, linked) = match dialect {
            dialects::Dialect::Moov => self.link_in_moov(&holder).await?,
            other => self.link_and_start_in(other, &holder).await?,
        };
        self.note(format!(
            "tenant {tenant} links {} ****{} at {routing} through {dialect:?} -> {status}",
            if checking { "checking" } else { "savings" },
            last4(&number),
        ));
        if let Some((account, bank)) = linked {
            self.banks.push(Bank {
                tenant,
                account,
                customer,
                bank,
                routing,
                number,
                disabled: false,
            });
        }
        Ok(())
    }

    /// `POST /accounts`, then `POST /accounts/{id}/bank-accounts`: the status of the link and,
    /// when it succeeded, the (account, bank account) IDs.
    async fn link_in_moov(
        &mut self,
        h: &dialects::Holder<'_>,
    ) -> anyhow::Result<(u16, Option<(String, String)>)> {
        let body = serde_json::json!({"accountType": "individual", "foreignID": h.customer,
            "profile": {"individual": {"name": {"firstName": "Jane",
                "lastName": format!("Doe{}", self.banks.len() % 7)},
            "email": "jane@example.com"}}});
        let r = self
            .call(Method::POST, "/accounts", h.tenant, &[], &body.to_string())
            .await?;
        anyhow::ensure!(r.status == 200, "opening an account: {r:?}");
        let account = text(&r.body["accountID"])?;
        let kind = if h.checking { "checking" } else { "savings" };
        let body = serde_json::json!({"account": {"holderName": "Jane Doe", "holderType": "individual",
            "accountNumber": h.number, "bankAccountType": kind, "routingNumber": h.routing}});
        let path = format!("/accounts/{account}/bank-accounts");
        let r = self
            .call(Method::POST, &path, h.tenant, &[], &body.to_string())
            .await?;
        let linked = match r.status {
            200 => Some((account, text(&r.body["bankAccountID"])?)),
            _ => None,
        };
        Ok((r.status, linked))
    }

    fn pick_bank(&mut self) -> Option<usize> {
        let live: Vec<usize> = (0..self.banks.len())
            .filter(|&i| !self.banks[i].disabled)
            .collect();
        (!live.is_empty()).then(|| live[self.rng.gen_range(0..live.len())])
    }

    fn base(&self, i: usize) -> String {
        let b = &self.banks[i];
        format!("/accounts/{}/bank-accounts/{}", b.account, b.bank)
    }

    async fn start_micro_deposits(&mut self) -> anyhow::Result<()> {
        let Some(i) = self.pick_bank() else {
            return self.link().await;
        };
        let path = format!("{}/micro-deposits", self.base(i));
        let r = self
            .call(Method::POST, &path, self.banks[i].tenant, &[], "")
            .await?;
        self.note(format!("bank {i}: start micro-deposits -> {}", r.status));
        Ok(())
    }

    async fn start_instant(&mut self) -> anyhow::Result<()> {
        let Some(i) = self.pick_bank() else {
            return self.link().await;
        };
        let path = format!("{}/verify", self.base(i));
        let wait = self.rng.gen_bool(0.5);
        let headers: &[(&str, &str)] = if wait {
            &[("x-wait-for", "rail-response")]
        } else {
            &[]
        };
        let r = self
            .call(Method::POST, &path, self.banks[i].tenant, headers, "")
            .await?;
        self.note(format!(
            "bank {i}: start instant (wait {wait}) -> {} {}",
            r.status,
            r.body.get("status").unwrap_or(&serde_json::Value::Null)
        ));
        Ok(())
    }

    /// The holder's statement at the simulated bank, newest line last.
    async fn statement(&mut self, i: usize) -> anyhow::Result<Vec<serde_json::Value>> {
        let b = &self.banks[i];
        let path = format!(
            "/simulator/accounts/{}/{}/transactions",
            b.routing, b.number
        );
        let tenant = b.tenant;
        let r = self.call(Method::GET, &path, tenant, &[], "").await?;
        Ok(r.body["transactions"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    async fn answer_micro_deposits(&mut self) -> anyhow::Result<()> {
        let Some(i) = self.pick_bank() else {
            return self.link().await;
        };
        let lines = self.statement(i).await?;
        let credits: Vec<i64> = lines
            .iter()
            .filter(|l| l["direction"] == "credit")
            .filter_map(|l| l["amountCents"].as_i64())
            .filter(|&c| c > 1 && c < 100)
            .collect();
        let mut amounts = match credits.as_slice() {
            [.., a, b] => vec![*a, *b],
            _ => vec![0, 0],
        };
        let right = self.rng.gen_bool(0.7);
        if !right {
            amounts[0] = (amounts[0] + self.rng.gen_range(1..10)) % 50;
        }
        let dialect = self.pick_dialect();
        if dialect == dialects::Dialect::Moov {
            let body = serde_json::json!({ "amounts": amounts });
            return self
                .put_answer(i, "micro-deposits", body, "verified", right)
                .await;
        }
        let (status, verified) = self.answer_in(dialect, i, [amounts[0], amounts[1]]).await?;
        if verified {
            self.outcome.verified += 1;
        }
        let how = if right { "as read" } else { "wrong" };
        self.note(format!(
            "bank {i}: answer micro-deposits through {dialect:?} ({how}) -> {status}"
        ));
        Ok(())
    }

    /// A holder's answer to `{bank account}/{route}`; a 200 must say `success`.
    async fn put_answer(
        &mut self,
        i: usize,
        route: &str,
        body: serde_json::Value,
        success: &str,
        right: bool,
    ) -> anyhow::Result<()> {
        let path = format!("{}/{route}", self.base(i));
        let r = self
            .call(
                Method::PUT,
                &path,
                self.banks[i].tenant,
                &[],
                &body.to_string(),
            )
            .await?;
        if r.status == 200 {
            anyhow::ensure!(
                r.body["status"] == success,
                "a 200 to {route} {body} says {}",
                r.body
            );
            self.outcome.verified += 1;
        }
        self.note(format!(
            "bank {i}: answer {route} ({}) -> {}",
            if right { "as read" } else { "wrong" },
            r.status
        ));
        Ok(())
    }

    async fn answer_instant(&mut self) -> anyhow::Result<()> {
        let Some(i) = self.pick_bank() else {
            return self.link().await;
        };
        let lines = self.statement(i).await?;
        let code = lines
            .iter()
            .rev()
            .filter_map(|l| l["statementText"].as_str())
            .find_map(|t| t.find("MV").and_then(|at| t.get(at + 2..at + 6)))
            .unwrap_or("0001")
            .to_string();
        let right = self.rng.gen_bool(0.7);
        let code = if right {
            code
        } else {
            format!("{:04}", (code.parse::<u32>().unwrap_or(0) + 1) % 10_000)
        };
        let body = serde_json::json!({ "code": format!("MV{code}") });
        self.put_answer(i, "verify", body, "successful", right)
            .await
    }

    /// The same request twice with one idempotency key: the same answer, and the second
    /// changes nothing.
    async fn retry_with_idempotency_key(&mut self) -> anyhow::Result<()> {
        let Some(i) = self.pick_bank() else {
            return self.link().await;
        };
        let key = format!("sim-{}-{}", self.seed, self.step_no);
        let path = format!("{}/micro-deposits", self.base(i));
        let tenant = self.banks[i].tenant;
        let headers = [("idempotency-key", key.as_str())];
        let first = self.call(Method::POST, &path, tenant, &headers, "").await?;
        let before = invariants::fingerprint(&self.world).await?;
        let second = self.call(Method::POST, &path, tenant, &headers, "").await?;
        let after = invariants::fingerprint(&self.world).await?;
        self.note(format!(
            "bank {i}: start micro-deposits twice with one idempotency key -> {} then {}",
            first.status, second.status
        ));
        // When recording the first answer failed, the key stays reserved until it expires: the
        // retry is told to come back later (docs/simulation.md), and still changes nothing.
        let unrecorded = self.storm
            && second.status == 409
            && first != second
            && self.world.faults.struck("finish_idempotency");
        anyhow::ensure!(
            first == second || unrecorded,
            "an idempotent retry answered differently: {first:?} then {second:?}"
        );
        anyhow::ensure!(before == after, "an idempotent retry changed the database");
        Ok(())
    }

    /// Another tenant asks for a bank account by its IDs: 404, as if it did not exist.
    async fn look_across_tenants(&mut self) -> anyhow::Result<()> {
        let Some(i) = self.pick_bank() else {
            return self.link().await;
        };
        let other =
            (self.banks[i].tenant + self.rng.gen_range(1..self.tenants.len())) % self.tenants.len();
        let path = self.base(i);
        let r = self.call(Method::GET, &path, other, &[], "").await?;
        self.note(format!(
            "tenant {other} reads bank {i} of another tenant -> {}",
            r.status
        ));
        anyhow::ensure!(
            r.status == 404,
            "tenant {other} read another tenant's bank account: {r:?}"
        );
        Ok(())
    }

    async fn disconnect(&mut self) -> anyhow::Result<()> {
        let Some(i) = self.pick_bank() else {
            return self.link().await;
        };
        let path = self.base(i);
        let r = match self
            .call(Method::DELETE, &path, self.banks[i].tenant, &[], "")
            .await
        {
            Err(e) if caused_by_fault(&e) => {
                self.unsure.push(i);
                return Err(e);
            }
            r => r?,
        };
        if r.status == 204 {
            self.banks[i].disabled = true;
        }
        self.note(format!("bank {i}: disconnect -> {}", r.status));
        Ok(())
    }

    /// A disconnect that failed during a storm may have happened (its answer was lost): the
    /// platform sends it again once the database answers, and it is gone either way.
    async fn disconnect_again(&mut self, i: usize) -> anyhow::Result<()> {
        let path = self.base(i);
        let r = self
            .call(Method::DELETE, &path, self.banks[i].tenant, &[], "")
            .await?;
        self.note(format!("bank {i}: disconnect again -> {}", r.status));
        anyhow::ensure!(
            r.status == 204 || r.status == 404,
            "disconnecting bank {i} again: {r:?}"
        );
        self.banks[i].disabled = true;
        Ok(())
    }

    /// Minutes to three days pass; then the work the server's loops do.
    async fn let_time_pass(&mut self) -> anyhow::Result<()> {
        let minutes = if self.rng.gen_bool(0.7) {
            self.rng.gen_range(1..=240)
        } else {
            self.rng.gen_range(240..=4_320)
        };
        self.world.clock.advance(SignedDuration::from_mins(minutes));
        self.note(format!("{minutes} minutes pass"));
        self.background_work().await
    }

    async fn background_work(&mut self) -> anyhow::Result<()> {
        let app = self.world.app()?;
        let engine = app.state.engine.clone();
        app.ach.tick().await?;
        engine.dispatch_open_credits().await?;
        engine.expire_due().await?;
        // Passes until nothing is due now (a failed delivery is due again after its back-off).
        for _ in 0..20 {
            if engine.deliver_due_webhooks("sim").await? == 0 {
                break;
            }
        }
        Ok(())
    }

    async fn crash(&mut self) -> anyhow::Result<()> {
        self.note("crash and restart".into());
        self.outcome.crashes += 1;
        self.world.restart().await
    }

    /// Time passes, the ACH rail starts its round (cutoff, file, the bank's reading, the
    /// inbox) and the process dies after `polls` polls of it.
    async fn crash_during_bank_work(&mut self) -> anyhow::Result<()> {
        let minutes = self.rng.gen_range(30..=1_440);
        self.world.clock.advance(SignedDuration::from_mins(minutes));
        let polls = self.rng.gen_range(1..=60);
        let ach = self.world.app()?.ach.clone();
        let finished = StopAfter::new(ach.tick(), polls).await;
        drop(ach);
        self.note(format!(
            "{minutes} minutes pass; the ACH round {} after {polls} polls; restart",
            match &finished {
                Some(Ok(())) => "finished",
                Some(Err(_)) => "failed",
                None => "is cut",
            }
        ));
        if let Some(Err(e)) = finished {
            return Err(e.into());
        }
        self.outcome.crashes += 1;
        self.world.restart().await?;
        self.background_work().await
    }

    async fn garbage_inbound_file(&mut self) -> anyhow::Result<()> {
        let len = self.rng.gen_range(0..400);
        let junk: String = (0..len)
            .map(|_| {
                let c = self.rng.gen_range(0..40u8);
                match c {
                    0..=25 => char::from(b'A' + c),
                    26..=35 => char::from(b'0' + c - 26),
                    36 => '\n',
                    _ => ' ',
                }
            })
            .collect();
        let inbox = self.world.bank_inbound()?;
        std::fs::write(inbox.join(format!("garbage-{}.ach", self.step_no)), junk)?;
        self.note(format!(
            "the bank drops {len} bytes of garbage into the inbox"
        ));
        self.background_work().await
    }

    /// The bank sends a file it already sent, under a new name.
    async fn duplicate_inbound_file(&mut self) -> anyhow::Result<()> {
        let dirs = self.world.app()?.ach.dirs().clone();
        let mut sent: Vec<_> = std::fs::read_dir(&dirs.archive)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        sent.sort();
        if sent.is_empty() {
            return self.let_time_pass().await;
        }
        let from = sent[self.rng.gen_range(0..sent.len())].clone();
        std::fs::copy(
            &from,
            self.world
                .bank_inbound()?
                .join(format!("again-{}.ach", self.step_no)),
        )?;
        self.note(format!("the bank sends {} again", from.display()));
        self.background_work().await
    }

    /// After the last step: time for every file and answer to come back, then a last check.
    async fn settle(&mut self) -> anyhow::Result<()> {
        self.step_no += 1;
        // The link to the bank is repaired: every file must get there, every answer back.
        self.world.transport_faults.disarm();
        for _ in 0..4 {
            self.world.clock.advance(SignedDuration::from_hours(26));
            self.background_work().await?;
        }
        // Events the last round wrote are owed their retries too.
        for _ in 0..3 {
            self.world.clock.advance(SignedDuration::from_hours(1));
            self.background_work().await?;
        }
        // The checks read every bank account now: a read applies a due expiry (with its event),
        // and the last round's sweep ran at this very instant, so nothing new is written.
        self.note("settled: four banking days and three hours pass".into());
        self.check(true).await?;
        invariants::all_delivered(&self.world).await?;
        invariants::every_return_applied(&self.world).await?;
        // Then deliveries only, so what the last round wrote gets its retry too.
        let engine = self.world.app()?.state.engine.clone();
        for _ in 0..3 {
            self.world.clock.advance(SignedDuration::from_mins(10));
            for _ in 0..20 {
                if engine.deliver_due_webhooks("sim").await? == 0 {
                    break;
                }
            }
        }
        self.every_event_delivered().await
    }

    /// Every event of the tenant with the webhook reached its endpoint at least once, across
    /// crashes and the endpoint's failures.
    async fn every_event_delivered(&mut self) -> anyhow::Result<()> {
        let tenant = self.tenants[0].key.account_id;
        for e in invariants::events(&self.world, tenant).await? {
            self.outcome.events += 1;
            let id = e.event_id.to_string();
            if !self.receiver.accepted(&id) {
                let delivery = invariants::delivery_of(&self.world, &id).await?;
                anyhow::bail!(
                    "event {id} ({}, created {}) never reached the webhook endpoint; its delivery: {delivery}",
                    e.event_type,
                    e.created_on
                );
            }
        }
        Ok(())
    }

    async fn check(&mut self, slow: bool) -> anyhow::Result<()> {
        let report = invariants::check(&self.world, slow, &self.numbers).await?;
        self.outcome.returns = report.returns;
        (self.outcome.transport_faults, self.outcome.slow_transfers) =
            self.world.transport_faults.counts();
        if slow {
            invariants::delivered_as_written(&self.world).await?;
            for tenant in 0..self.tenants.len() {
                self.same_truth_in_events(tenant).await?;
                self.same_truth_in_dialects(tenant).await?;
            }
        }
        Ok(())
    }

    /// Each of `tenant`'s bank accounts: its status as the API shows it is the status of its
    /// latest event. The reads come first: a read applies a due expiry, with its event.
    async fn same_truth_in_events(&mut self, tenant: usize) -> anyhow::Result<()> {
        let mut shown = Vec::new();
        for i in 0..self.banks.len() {
            if self.banks[i].disabled || self.banks[i].tenant != tenant {
                continue;
            }
            let path = self.base(i);
            let r = self.call(Method::GET, &path, tenant, &[], "").await?;
            anyhow::ensure!(r.status == 200, "reading bank {i}: {r:?}");
            shown.push((i, r.body["status"].as_str().map(str::to_string)));
        }
        let events = invariants::events(&self.world, self.tenants[tenant].key.account_id).await?;
        invariants::transitions_follow_the_tables(&events)?;
        let latest = invariants::latest_statuses(&events);
        for (i, status) in shown {
            let bank = self.banks[i].bank.as_str();
            let last = latest.get(bank).copied();
            if last != status.as_deref() {
                let history: Vec<String> = events
                    .iter()
                    .filter(|e| e.data["bankAccountID"].as_str() == Some(bank))
                    .map(|e| format!("{} {} {}", e.created_on, e.event_type, e.data["status"]))
                    .collect();
                anyhow::bail!(
                    "bank {i} is {status:?} but its latest event says {last:?}; its events: {}",
                    history.join("; ")
                );
            }
        }
        Ok(())
    }
}

/// A request answered 5xx while the store was failing on purpose.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Faulted(String);

/// Whether `e` is a request that failed during a storm or work that failed on an injected
/// store fault, rather than a broken invariant.
fn caused_by_fault(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| c.is::<Faulted>() || c.is::<faults::InjectedFault>())
}

fn text(v: &serde_json::Value) -> anyhow::Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("expected text, got {v}"))
}

fn last4(number: &str) -> &str {
    number.get(number.len().saturating_sub(4)..).unwrap_or("")
}

/// Polls `inner` at most `polls` times; `None` if it had not finished by then (the process
/// died there).
struct StopAfter<F> {
    inner: Pin<Box<F>>,
    polls: u32,
}

impl<F: Future> StopAfter<F> {
    fn new(inner: F, polls: u32) -> Self {
        Self {
            inner: Box::pin(inner),
            polls,
        }
    }
}

impl<F: Future> Future for StopAfter<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls == 0 {
            return Poll::Ready(None);
        }
        self.polls -= 1;
        self.inner.as_mut().poll(cx).map(Some)
    }
}

trait NowText {
    fn now_text(&self) -> String;
}

impl NowText for pennydrop_core::ManualClock {
    fn now_text(&self) -> String {
        use pennydrop_core::Clock;
        self.now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%a %Y-%m-%d %H:%M")
            .to_string()
    }
}
