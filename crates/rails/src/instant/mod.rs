//! The instant rail over ISO 20022: the bank connector (an `InstantRail`), the participant
//! directories that choose RTP or FedNow per receiving bank, and the simulated network's
//! endpoint that speaks the same wire contract.

pub mod connector;
pub mod directory;
pub mod endpoint;

pub use connector::{BankConnector, ConnectorConfig, ConnectorError, ConnectorTls};
pub use directory::{DirectoryError, InstantRouting, ParticipantDirectory};
pub use endpoint::Endpoint;
