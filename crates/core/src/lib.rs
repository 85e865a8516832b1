//! Pennydrop's domain: the types a bank-account verification service reasons about, the
//! rules that validate them, the encryption that protects account numbers, and the clock.
//!
//! Nothing in this crate does IO or reads the wall clock directly.

pub mod change;
pub mod clock;
pub mod crypto;
pub mod directory;
pub mod events;
pub mod model;
pub mod money;
pub mod numbers;
pub mod participants;
pub mod progress;
pub mod random;
pub mod risk;
pub mod scope;
pub mod text;
pub mod webhooks;

pub use clock::{Clock, ManualClock, SystemClock};
pub use numbers::{AccountNumber, RoutingNumber};
pub use random::{OsRandom, Random, SeededRandom};
