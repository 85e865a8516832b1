//! Idempotency keys: a mutating request sent again with the same key is answered from the
//! first one's record instead of being carried out twice.
//!
//! How one keyed request goes, on every way in (each dialect authenticates through
//! [`Engine::authenticate_from`] or [`Engine::open_session`], and both call
//! [`Engine::claim_idempotency`] once the caller is known):
//!
//! 1. The HTTP edge fingerprints the request (method, path, body digest) and runs the handler
//!    inside [`within`] a [`Scope`].
//! 2. When the caller authenticates, the engine reserves `(tenant, mode, key)` with a lease
//!    ([`LEASE`]); [`decide`] says what an existing record means: replay, mismatch (422),
//!    in flight (409 + `Retry-After`), or an answer lost to a crash (409).
//! 3. Every store transaction that changes something during the request also moves the
//!    record from `in_flight` to `committed`, fenced by the reservation's owner
//!    ([`current_claim`]); so a change and its key commit together or not at all, and a
//!    reservation taken over after its lease ran out can no longer commit anything.
//! 4. The edge stores the answer (sealed with the vault: an answer may carry a token) and the
//!    record becomes `done`; a 5xx, 401, 403 or 429 answer is not kept (the reservation is
//!    released, unless a change was already committed under it).
//!
//! A crash between steps 3 and 4 leaves a `committed` record without an answer: a retry
//! within the lease is told to wait (409 + `Retry-After`, as for any request in flight), and
//! after it that the answer was lost (409, [`IdempotencyProblem::AnswerLost`]); nothing is
//! done twice.

use jiff::{SignedDuration, Timestamp};
use pennydrop_core::crypto::{random_token, Sealed};
use pennydrop_core::model::Mode;
use std::future::Future;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

use crate::access::Caller;
use crate::ports::StoreError;
use crate::service::{Engine, EngineError};

/// How long a key and its answer are kept.
pub const KEEP: SignedDuration = SignedDuration::from_hours(24);
/// How long a reservation holds before another request may take it over (its holder is then
/// presumed dead; fencing keeps a late holder from committing).
pub const LEASE: SignedDuration = SignedDuration::from_secs(60);
/// The longest accepted key (Stripe's limit).
pub const MAX_KEY_LEN: usize = 255;

/// What the HTTP edge knows of a keyed request before anyone authenticated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPrint {
    pub key: String,
    pub method: String,
    pub path: String,
    /// Hex SHA-256 of the body.
    pub body_sha256: String,
    /// Both `X-Idempotency-Key` and `Idempotency-Key` were sent, with different values.
    pub conflicting_headers: bool,
}

/// An answer as it went out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl StoredResponse {
    /// Answers that are not kept: server faults (a retry may succeed) and refusals that came
    /// before the endpoint ran (authentication, scope, rate limit).
    pub fn is_kept(&self) -> bool {
        !(self.status >= 500 || matches!(self.status, 401 | 403 | 429))
    }
}

/// Where a keyed request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordState {
    /// Reserved; nothing changed yet.
    InFlight,
    /// A change was committed under the key; its answer is not stored yet.
    Committed,
    /// The answer is stored.
    Done,
}

impl RecordState {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::InFlight => "in_flight",
            RecordState::Committed => "committed",
            RecordState::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "in_flight" => Some(RecordState::InFlight),
            "committed" => Some(RecordState::Committed),
            "done" => Some(RecordState::Done),
            _ => None,
        }
    }
}

/// Which key of which tenant (and mode: sandbox keys never see production records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyId {
    pub tenant_id: Uuid,
    pub mode: Mode,
    pub key: String,
}

/// A stored record. `response` is the sealed answer (vault text), once `Done`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub id: KeyId,
    pub method: String,
    pub path: String,
    pub body_sha256: String,
    pub state: RecordState,
    /// The reservation holding it; only it may commit a change or store the answer.
    pub owner: String,
    pub locked_until: Timestamp,
    pub expires_on: Timestamp,
    pub response: Option<String>,
}

/// A reservation this process holds: the store fences every change by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub id: KeyId,
    pub owner: String,
}

/// Why a keyed request is not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdempotencyProblem {
    #[error("the idempotency key is not usable: {0}")]
    InvalidKey(String),
    #[error(
        "idempotency key {key:?} was first used for {first}; this request differs in its {what}; \
         use a new key for a new request"
    )]
    Reused {
        key: String,
        first: String,
        what: &'static str,
    },
    #[error(
        "a request with idempotency key {key:?} is still in progress; retry in {retry_after} s"
    )]
    InFlight { key: String, retry_after: u64 },
    #[error(
        "the request with idempotency key {key:?} was carried out, but the server stopped before \
         answering it; its change is durable: read the resource for its state"
    )]
    AnswerLost { key: String },
    /// Not an error to show: the edge answers with the stored answer instead.
    #[error("replayed")]
    Replayed,
}

impl IdempotencyProblem {
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            IdempotencyProblem::InFlight { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

/// What an existing record (or none) means for a new request with its key. Pure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No live record: reserve the key.
    Reserve,
    /// A record whose lease ran out with nothing committed: take it over from its owner.
    TakeOver {
        from: String,
    },
    /// Answer with the stored (sealed) answer.
    Replay(String),
    Refuse(IdempotencyProblem),
}

pub fn decide(
    existing: Option<&IdempotencyRecord>,
    print: &RequestPrint,
    now: Timestamp,
) -> Decision {
    let Some(r) = existing.filter(|r| r.expires_on > now) else {
        return Decision::Reserve;
    };
    if let Some(what) = difference(r, print) {
        return Decision::Refuse(IdempotencyProblem::Reused {
            key: print.key.clone(),
            first: format!("{} {}", r.method, r.path),
            what,
        });
    }
    match (r.state, &r.response) {
        (RecordState::Done, Some(sealed)) => Decision::Replay(sealed.clone()),
        (RecordState::InFlight, _) if r.locked_until <= now => Decision::TakeOver {
            from: r.owner.clone(),
        },
        // Still within its lease, the first request may yet answer (committed or not).
        (RecordState::InFlight | RecordState::Committed, _) if r.locked_until > now => {
            Decision::Refuse(IdempotencyProblem::InFlight {
                key: print.key.clone(),
                retry_after: seconds_until(r.locked_until, now),
            })
        }
        (RecordState::InFlight | RecordState::Committed, _) | (RecordState::Done, None) => {
            Decision::Refuse(IdempotencyProblem::AnswerLost {
                key: print.key.clone(),
            })
        }
    }
}

fn difference(r: &IdempotencyRecord, print: &RequestPrint) -> Option<&'static str> {
    if r.method != print.method {
        Some("method")
    } else if r.path != print.path {
        Some("path")
    } else if r.body_sha256 != print.body_sha256 {
        Some("body")
    } else {
        None
    }
}

fn seconds_until(later: Timestamp, now: Timestamp) -> u64 {
    let secs = later.duration_since(now).as_secs();
    u64::try_from(secs).unwrap_or(0).max(1)
}

/// A key as a client sent it: 1 to [`MAX_KEY_LEN`] visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), IdempotencyProblem> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(IdempotencyProblem::InvalidKey(format!(
            "it must be 1 to {MAX_KEY_LEN} characters long"
        )));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(IdempotencyProblem::InvalidKey(
            "it may hold only visible ASCII characters (no spaces)".into(),
        ));
    }
    Ok(())
}

/// One keyed request's progress, shared between the HTTP edge and the engine.
#[derive(Debug)]
pub struct Scope {
    print: RequestPrint,
    state: Mutex<ScopeState>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeState {
    /// Nobody authenticated yet.
    Waiting,
    /// The key is ours for this request.
    Reserved(Claim),
    /// The first answer is to be sent again.
    Replay(StoredResponse),
    /// The key was refused (the dialect answers the problem).
    Refused,
}

impl Scope {
    pub fn new(print: RequestPrint) -> Arc<Self> {
        Arc::new(Self {
            print,
            state: Mutex::new(ScopeState::Waiting),
        })
    }

    pub fn print(&self) -> &RequestPrint {
        &self.print
    }

    pub fn state(&self) -> ScopeState {
        self.lock().clone()
    }

    pub(crate) fn set(&self, state: ScopeState) {
        *self.lock() = state;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ScopeState> {
        // A panic while holding this lock leaves a plain value behind; keep using it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

/// Runs `f` (a request's handler) with `scope` as its keyed request.
pub async fn within<F: Future>(scope: Arc<Scope>, f: F) -> F::Output {
    SCOPE.scope(scope, f).await
}

/// The keyed request this task is handling, if any.
pub(crate) fn current() -> Option<Arc<Scope>> {
    SCOPE.try_with(Arc::clone).ok()
}

/// The reservation every change of the current request must commit with (for the store).
pub fn current_claim() -> Option<Claim> {
    match current()?.state() {
        ScopeState::Reserved(claim) => Some(claim),
        _ => None,
    }
}

impl Engine {
    /// Reserves the current request's idempotency key for `caller`'s tenant, once the caller
    /// is known (called by every way in after authentication). Without a keyed request, or
    /// once reserved, it does nothing. A refusal is an error the dialect answers; a replay is
    /// an error too, and the edge answers with the stored answer instead.
    pub(crate) async fn claim_idempotency(&self, caller: &Caller) -> Result<(), EngineError> {
        let Some(scope) = current() else {
            return Ok(());
        };
        if scope.state() != ScopeState::Waiting {
            return Ok(());
        }
        let tenant = caller.tenant();
        let print = scope.print().clone();
        let checked = match print.conflicting_headers {
            true => Err(IdempotencyProblem::InvalidKey(
                "X-Idempotency-Key and Idempotency-Key differ; send one of them".into(),
            )),
            false => check_key(&print.key),
        };
        if let Err(problem) = checked {
            scope.set(ScopeState::Refused);
            return Err(problem.into());
        }
        let id = KeyId {
            tenant_id: tenant.id,
            mode: tenant.mode,
            key: print.key.clone(),
        };
        match self.reserve(&id, &print).await {
            Ok(claim) => {
                scope.set(ScopeState::Reserved(claim));
                Ok(())
            }
            Err(Reservation::Replay(response)) => {
                scope.set(ScopeState::Replay(response));
                Err(IdempotencyProblem::Replayed.into())
            }
            Err(Reservation::Refused(e)) => {
                scope.set(ScopeState::Refused);
                Err(e)
            }
        }
    }

    /// One reservation attempt per race lost: a concurrent insert or take-over makes the next
    /// read see the winner's record.
    async fn reserve(&self, id: &KeyId, print: &RequestPrint) -> Result<Claim, Reservation> {
        for _ in 0..3 {
            let now = self.clock().now();
            let existing = self.store().idempotency_record(id).await.map_err(stored)?;
            let record = IdempotencyRecord {
                id: id.clone(),
                method: print.method.clone(),
                path: print.path.clone(),
                body_sha256: print.body_sha256.clone(),
                state: RecordState::InFlight,
                owner: random_token(12),
                locked_until: now.saturating_add(LEASE).unwrap_or(now),
                expires_on: now.saturating_add(KEEP).unwrap_or(now),
                response: None,
            };
            let won = match decide(existing.as_ref(), print, now) {
                Decision::Reserve => self.store().reserve_idempotency(&record, now).await,
                Decision::TakeOver { from } => {
                    self.store().take_over_idempotency(&record, &from).await
                }
                Decision::Replay(sealed) => {
                    return Err(Reservation::Replay(self.open(id, &sealed)?))
                }
                Decision::Refuse(problem) => return Err(Reservation::Refused(problem.into())),
            };
            if won.map_err(stored)? {
                return Ok(Claim {
                    id: id.clone(),
                    owner: record.owner,
                });
            }
        }
        Err(Reservation::Refused(
            IdempotencyProblem::InFlight {
                key: id.key.clone(),
                retry_after: 1,
            }
            .into(),
        ))
    }

    /// Keeps the answer of the request that holds `claim` (sealed: it may carry a token), or
    /// releases the reservation when the answer is not kept ([`StoredResponse::is_kept`]).
    pub async fn finish_idempotent(
        &self,
        claim: &Claim,
        response: &StoredResponse,
    ) -> Result<(), EngineError> {
        if !response.is_kept() {
            // Under a committed change the record stays, so a retry cannot do it again.
            self.store().release_idempotency(claim).await?;
            return Ok(());
        }
        let plain = serde_json::to_vec(response)
            .map_err(|e| EngineError::Store(StoreError::Corrupt(e.to_string())))?;
        let sealed = self.vault().seal_bytes(&plain, &aad(&claim.id));
        let text = sealed.to_text();
        if !self.store().finish_idempotency(claim, &text).await? {
            tracing::warn!(key = %claim.id.key, "idempotency reservation was taken over before its answer was stored");
        }
        Ok(())
    }

    /// Forgets expired keys (background work).
    pub async fn purge_idempotency(&self) -> Result<u64, EngineError> {
        Ok(self.store().purge_idempotency(self.clock().now()).await?)
    }

    fn open(&self, id: &KeyId, sealed: &str) -> Result<StoredResponse, Reservation> {
        let corrupt = |what: &str| {
            Reservation::Refused(EngineError::Store(StoreError::Corrupt(format!(
                "idempotency answer: {what}"
            ))))
        };
        let sealed = Sealed::from_text(sealed).ok_or_else(|| corrupt("not sealed text"))?;
        let plain = self
            .vault()
            .open_bytes(&sealed, &aad(id))
            .map_err(|e| Reservation::Refused(e.into()))?;
        serde_json::from_slice(&plain).map_err(|_| corrupt("not an answer"))
    }
}

/// Binds a sealed answer to its key: copied to another key, it does not open.
fn aad(id: &KeyId) -> Vec<u8> {
    format!(
        "idempotency:{}:{}:{}",
        id.tenant_id,
        id.mode.as_str(),
        id.key
    )
    .into_bytes()
}

fn stored(e: StoreError) -> Reservation {
    Reservation::Refused(e.into())
}

/// Why a reservation was not made.
enum Reservation {
    Replay(StoredResponse),
    Refused(EngineError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(body: &str) -> RequestPrint {
        RequestPrint {
            key: "k1".into(),
            method: "POST".into(),
            path: "/accounts".into(),
            body_sha256: body.into(),
            conflicting_headers: false,
        }
    }

    fn record(state: RecordState, locked_until: i64, response: Option<&str>) -> IdempotencyRecord {
        IdempotencyRecord {
            id: KeyId {
                tenant_id: Uuid::nil(),
                mode: Mode::Sandbox,
                key: "k1".into(),
            },
            method: "POST".into(),
            path: "/accounts".into(),
            body_sha256: "b".into(),
            state,
            owner: "o1".into(),
            locked_until: Timestamp::from_second(locked_until).unwrap(),
            expires_on: Timestamp::from_second(10_000).unwrap(),
            response: response.map(str::to_string),
        }
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn no_record_or_an_expired_one_reserves() {
        assert_eq!(decide(None, &print("b"), at(0)), Decision::Reserve);
        let r = record(RecordState::Done, 0, Some("x"));
        assert_eq!(decide(Some(&r), &print("b"), at(10_000)), Decision::Reserve);
    }

    #[test]
    fn a_done_record_replays_the_same_request_and_refuses_another() {
        let r = record(RecordState::Done, 0, Some("sealed"));
        assert_eq!(
            decide(Some(&r), &print("b"), at(5)),
            Decision::Replay("sealed".into())
        );
        match decide(Some(&r), &print("other"), at(5)) {
            Decision::Refuse(IdempotencyProblem::Reused { what, first, .. }) => {
                assert_eq!(what, "body");
                assert_eq!(first, "POST /accounts");
            }
            other => panic!("{other:?}"),
        }
        let mut p = print("b");
        p.path = "/accounts/x".into();
        assert!(matches!(
            decide(Some(&r), &p, at(5)),
            Decision::Refuse(IdempotencyProblem::Reused { what: "path", .. })
        ));
    }

    #[test]
    fn in_flight_waits_for_its_lease_then_is_taken_over() {
        let r = record(RecordState::InFlight, 100, None);
        assert_eq!(
            decide(Some(&r), &print("b"), at(70)),
            Decision::Refuse(IdempotencyProblem::InFlight {
                key: "k1".into(),
                retry_after: 30
            })
        );
        assert_eq!(
            decide(Some(&r), &print("b"), at(100)),
            Decision::TakeOver { from: "o1".into() }
        );
    }

    #[test]
    fn a_committed_change_is_never_done_again() {
        let r = record(RecordState::Committed, 100, None);
        assert!(matches!(
            decide(Some(&r), &print("b"), at(50)),
            Decision::Refuse(IdempotencyProblem::InFlight {
                retry_after: 50,
                ..
            })
        ));
        assert!(matches!(
            decide(Some(&r), &print("b"), at(5_000)),
            Decision::Refuse(IdempotencyProblem::AnswerLost { .. })
        ));
    }

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(check_key("order-42_a.b:c").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("has space").is_err());
        assert!(check_key("caf\u{e9}").is_err());
        assert!(check_key(&"k".repeat(256)).is_err());
    }

    #[test]
    fn server_faults_and_pre_endpoint_refusals_are_not_kept() {
        let r = |status| StoredResponse {
            status,
            content_type: None,
            body: vec![],
        };
        assert!(r(201).is_kept());
        assert!(r(422).is_kept());
        assert!(r(404).is_kept());
        for status in [401, 403, 429, 500, 503] {
            assert!(!r(status).is_kept(), "{status}");
        }
    }
}
