//! The verification engine: every use case the dialects, the CLI and the rails call, the pure
//! rules ([`rules`]) they ask, and the ports ([`ports`]) through which they reach the outside.
//!
//! Data flows one way: a dialect decodes a request into a call here; the use case reads a
//! snapshot through a port, lets a pure rule decide, applies the decision through the port,
//! and returns domain values that the dialect encodes.

pub mod access;
pub mod account_updates;
pub mod accounts;
pub mod console;
pub mod idempotency;
pub mod input;
pub mod limits;
pub mod link;
pub mod links;
pub mod metrics;
mod operations;
pub mod payment_methods;
pub mod ports;
pub mod rail;
pub mod recovery;
pub mod returns;
pub mod risk;
pub mod rules;
mod service;
pub mod unlock;
pub mod webhooks;

pub use account_updates::AccountUpdate;
pub use accounts::{Enrolled, Holder, NewAccount, Tenant};
pub use link::{LinkError, LinkField, LinkProblem, LinkReason, LinkRequest};
pub use rules::Refusal;
pub use service::{Engine, EngineConfig, EngineError, ErrorClass, InboundAction, Target};
