//! Which instant network reaches a receiving bank: one participant directory per network and
//! a preference order between them.
//!
//! A directory is a CSV file, one participant per line: `routing_number,name`. Blank lines and
//! lines starting with `#` are ignored, and so is a header line starting with
//! `routing_number`. Every routing number must pass the ABA checksum; a bad line is refused
//! with its line number, so a corrupt download never silently narrows the network.

use crate::model::InstantNetwork;
use crate::RoutingNumber;
use std::collections::BTreeSet;

/// The sample RTP directory bundled for the simulated network.
pub const SAMPLE_RTP: &str = include_str!("../participants/rtp.csv");
/// The sample FedNow directory bundled for the simulated network.
pub const SAMPLE_FEDNOW: &str = include_str!("../participants/fednow.csv");

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DirectoryError {
    #[error("line {line}: {problem} (expected `routing_number,name`, e.g. `021000021,JPMORGAN CHASE BANK`)")]
    Line { line: usize, problem: String },
    #[error("the directory lists no participant")]
    Empty,
}

/// The routing numbers one network reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParticipantDirectory {
    members: BTreeSet<String>,
}

impl ParticipantDirectory {
    pub fn parse(text: &str) -> Result<Self, DirectoryError> {
        let mut members = BTreeSet::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("routing_number") {
                continue;
            }
            let routing = line.split(',').next().unwrap_or_default().trim();
            let parsed = RoutingNumber::parse(routing).map_err(|e| DirectoryError::Line {
                line: index + 1,
                problem: e.to_string(),
            })?;
            members.insert(parsed.to_string());
        }
        if members.is_empty() {
            return Err(DirectoryError::Empty);
        }
        Ok(Self { members })
    }

    pub fn contains(&self, routing_number: &str) -> bool {
        self.members.contains(routing_number)
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// The networks in use, each with its directory, in order of preference: a bank in both goes
/// by the first.
#[derive(Debug, Clone, Default)]
pub struct InstantRouting {
    networks: Vec<(InstantNetwork, ParticipantDirectory)>,
}

impl InstantRouting {
    /// `networks` in order of preference; a network listed twice keeps its first place.
    pub fn new(networks: Vec<(InstantNetwork, ParticipantDirectory)>) -> Self {
        let mut seen = Vec::new();
        let networks = networks
            .into_iter()
            .filter(|(n, _)| {
                let first = !seen.contains(n);
                seen.push(*n);
                first
            })
            .collect();
        Self { networks }
    }

    /// The bundled sample directories, RTP preferred (what the simulated network reaches).
    pub fn sample() -> Result<Self, DirectoryError> {
        Ok(Self::new(vec![
            (
                InstantNetwork::Rtp,
                ParticipantDirectory::parse(SAMPLE_RTP)?,
            ),
            (
                InstantNetwork::FedNow,
                ParticipantDirectory::parse(SAMPLE_FEDNOW)?,
            ),
        ]))
    }

    /// The preferred network that reaches `routing_number`; `None`: same-day ACH.
    pub fn route(&self, routing_number: &str) -> Option<InstantNetwork> {
        self.networks
            .iter()
            .find(|(_, d)| d.contains(routing_number))
            .map(|(n, _)| *n)
    }

    /// Whether `network` is in use and its directory lists `routing_number`.
    pub fn route_on(&self, network: InstantNetwork, routing_number: &str) -> bool {
        self.networks
            .iter()
            .any(|(n, d)| *n == network && d.contains(routing_number))
    }

    /// Only the networks in `keep`, preference kept (`--instant-network`).
    pub fn only(mut self, keep: &[InstantNetwork]) -> Self {
        self.networks.retain(|(n, _)| keep.contains(n));
        self
    }

    /// The networks in preference order with their directory sizes (for the start-up log).
    pub fn summary(&self) -> Vec<(InstantNetwork, usize)> {
        self.networks.iter().map(|(n, d)| (*n, d.len())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory(text: &str) -> ParticipantDirectory {
        ParticipantDirectory::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_bundled_samples_parse() {
        let routing = InstantRouting::sample().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(routing.route("110000000"), Some(InstantNetwork::Rtp));
        assert_eq!(routing.route("110000013"), Some(InstantNetwork::Rtp));
        assert_eq!(routing.route("110000026"), Some(InstantNetwork::FedNow));
        assert_eq!(routing.route("231380104"), None);
    }

    #[test]
    fn comments_headers_names_and_blank_lines_are_skipped() {
        let d = directory("# list\nrouting_number,name\n\n021000021,JPMORGAN CHASE\n091000019\n");
        assert_eq!(d.len(), 2);
        assert!(d.contains("021000021") && d.contains("091000019"));
    }

    #[test]
    fn a_bad_routing_number_is_refused_with_its_line() {
        let err = ParticipantDirectory::parse("021000021,A\n021000022,B\n");
        assert!(
            matches!(err, Err(DirectoryError::Line { line: 2, .. })),
            "{err:?}"
        );
        assert_eq!(
            ParticipantDirectory::parse("# nothing\n"),
            Err(DirectoryError::Empty)
        );
    }

    #[test]
    fn the_preferred_network_wins_where_both_reach() {
        let rtp = directory("021000021\n026009593\n");
        let fednow = directory("021000021\n110000026\n");
        let rtp_first = InstantRouting::new(vec![
            (InstantNetwork::Rtp, rtp.clone()),
            (InstantNetwork::FedNow, fednow.clone()),
        ]);
        assert_eq!(rtp_first.route("021000021"), Some(InstantNetwork::Rtp));
        assert_eq!(rtp_first.route("110000026"), Some(InstantNetwork::FedNow));
        let fednow_first = InstantRouting::new(vec![
            (InstantNetwork::FedNow, fednow),
            (InstantNetwork::Rtp, rtp),
        ]);
        assert_eq!(
            fednow_first.route("021000021"),
            Some(InstantNetwork::FedNow)
        );
        assert_eq!(fednow_first.route("026009593"), Some(InstantNetwork::Rtp));
    }
}
