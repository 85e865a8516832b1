//! The `pennydrop` binary's library half: configuration and wiring of the service, so that
//! integration tests start exactly what `pennydrop serve` starts.

pub mod app;
pub mod config;
pub mod http;
pub mod instant;
pub mod output;
pub mod progress;
pub mod settings_file;
