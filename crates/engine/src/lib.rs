//! The verification engine: pure rules ([`rules`]) and the use cases ([`Engine`]) that load a
//! bank account, ask the rules, and apply their decision through the [`Store`].
//!
//! [`Store`]: pennydrop_store::Store

pub mod payment_methods;
pub mod rail;
pub mod returns;
pub mod rules;
mod service;

pub use rules::Refusal;
pub use service::{Engine, EngineConfig, EngineError, Target};
