//! The instant rail over ISO 20022: the bank connector (an `InstantRail`) and the simulated
//! network's endpoint that speaks the same wire contract. The participant directories that
//! choose RTP or FedNow per receiving bank are pure parsing and live in
//! `pennydrop_core::participants`.

pub mod connector;
pub mod endpoint;

pub use connector::{BankConnector, ConnectorConfig, ConnectorError, ConnectorTls};
pub use endpoint::Endpoint;
pub use pennydrop_core::participants::{DirectoryError, InstantRouting, ParticipantDirectory};
