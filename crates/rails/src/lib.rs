//! Rails that move money for Pennydrop. This crate holds the simulated bank network, which
//! stands in for every receiving bank so the whole system runs on one machine.

pub mod ach;
pub mod simulator;
pub mod webhooks;

pub use simulator::SimulatedBank;
