//! File-transport faults: [`FaultyTransport`] wraps the ACH rail's delivery transport (through
//! `AppConfig::transport_layer`) and, while [`TransportFaults`] is armed, fails calls the seed
//! picks: before the call reaches the bank's side (the connection was refused; nothing moved)
//! or after it returned (the file arrived, or the inbound file was removed, but the answer was
//! lost). Some calls are slow: the clock moves on while they run, as an upload over a slow
//! link or a full disk would make it. Disarmed, it only passes calls through.

use async_trait::async_trait;
use jiff::SignedDuration;
use pennydrop_core::ManualClock;
use pennydrop_rails::ach::transport::{FileTransport, TransportError};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::{Arc, Mutex};

/// The error an injected fault returns, inside `TransportError::Io` as a network's would be.
#[derive(Debug, thiserror::Error)]
#[error("injected transport fault ({when} {op})")]
pub struct InjectedTransportFault {
    pub op: &'static str,
    pub when: &'static str,
}

/// Whether, and how often, transport calls fail or run slow; shared by the world and every
/// transport it wraps, so it outlives the process's crashes.
#[derive(Debug)]
pub struct TransportFaults {
    clock: Arc<ManualClock>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The chance that one call fails (half before, half after the call); 0 is disarmed.
    rate: f64,
    /// The chance that one call is slow.
    slow: f64,
    rng: StdRng,
    /// Calls failed on purpose, and calls made slow, since the world started.
    failed: usize,
    slowed: usize,
}

impl TransportFaults {
    pub fn new(clock: Arc<ManualClock>) -> Self {
        Self {
            clock,
            state: Mutex::new(State {
                rate: 0.0,
                slow: 0.0,
                rng: StdRng::seed_from_u64(0),
                failed: 0,
                slowed: 0,
            }),
        }
    }

    /// From now on each call fails with probability `rate` and is slow with probability
    /// `slow`, as `seed` draws it.
    pub fn arm(&self, rate: f64, slow: f64, seed: u64) {
        let mut s = self.lock();
        s.rate = rate;
        s.slow = slow;
        s.rng = StdRng::seed_from_u64(seed);
    }

    /// Calls pass through from now on (counts are kept).
    pub fn disarm(&self) {
        let mut s = self.lock();
        s.rate = 0.0;
        s.slow = 0.0;
    }

    /// (calls failed, calls made slow) so far.
    pub fn counts(&self) -> (usize, usize) {
        let s = self.lock();
        (s.failed, s.slowed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Every change to the state is one assignment: a panic cannot leave it half-changed.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether this call fails at `when`, drawn only while armed (a disarmed run draws
    /// nothing).
    fn strikes(&self, op: &'static str, when: &'static str) -> Result<(), TransportError> {
        let mut s = self.lock();
        if s.rate <= 0.0 {
            return Ok(());
        }
        let half = s.rate / 2.0;
        if !s.rng.gen_bool(half) {
            return Ok(());
        }
        s.failed += 1;
        Err(TransportError::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            InjectedTransportFault { op, when },
        )))
    }

    /// A slow call: 1 to 30 minutes pass on the clock while it runs.
    fn maybe_slow(&self) {
        let minutes = {
            let mut s = self.lock();
            let slow = s.slow;
            if slow <= 0.0 || !s.rng.gen_bool(slow) {
                return;
            }
            s.slowed += 1;
            s.rng.gen_range(1..=30)
        };
        self.clock.advance(SignedDuration::from_mins(minutes));
    }
}

/// The rail's transport with [`TransportFaults`] around every call.
#[derive(Debug)]
pub struct FaultyTransport {
    inner: Arc<dyn FileTransport>,
    faults: Arc<TransportFaults>,
}

impl FaultyTransport {
    /// Runs `call` (not started until the fault before it was drawn) between the two chances
    /// to fail, slow or not.
    async fn guard<T>(
        &self,
        op: &'static str,
        call: impl std::future::Future<Output = Result<T, TransportError>>,
    ) -> Result<T, TransportError> {
        self.faults.strikes(op, "before")?;
        self.faults.maybe_slow();
        let done = call.await?;
        self.faults.strikes(op, "after")?;
        Ok(done)
    }
}

#[async_trait]
impl FileTransport for FaultyTransport {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn deliver(&self, name: &str, content: &[u8]) -> Result<(), TransportError> {
        self.guard("deliver", self.inner.deliver(name, content))
            .await
    }

    async fn inbound(&self) -> Result<Vec<String>, TransportError> {
        self.guard("inbound", self.inner.inbound()).await
    }

    async fn fetch(&self, name: &str) -> Result<Vec<u8>, TransportError> {
        self.guard("fetch", self.inner.fetch(name)).await
    }

    async fn acknowledge(&self, name: &str) -> Result<(), TransportError> {
        self.guard("acknowledge", self.inner.acknowledge(name))
            .await
    }
}

/// Puts a [`FaultyTransport`] in front of the rail's transport at every start of the process.
#[derive(Debug)]
pub struct TransportFaultLayer(pub Arc<TransportFaults>);

impl pennydrop::app::TransportLayer for TransportFaultLayer {
    fn wrap(&self, transport: Arc<dyn FileTransport>) -> Arc<dyn FileTransport> {
        Arc::new(FaultyTransport {
            inner: transport,
            faults: self.0.clone(),
        })
    }
}
