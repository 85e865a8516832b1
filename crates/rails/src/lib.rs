//! Rails that move money for Pennydrop: the ACH rail, the instant rail's ISO 20022 bank
//! connector, and the simulated bank network, which stands in for every receiving bank (with
//! an ISO 20022 endpoint of its own) so the whole system runs on one machine.

pub mod ach;
pub mod instant;
pub mod simulator;
pub mod webhooks;

pub use simulator::SimulatedBank;
