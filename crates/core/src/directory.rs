//! The FedACH participant directory: fixed-width 155-character lines that name the bank behind
//! each routing number. Production copies come from the operator's bank; a small sample ships
//! with Pennydrop so it works out of the box.

use std::collections::HashMap;
use thiserror::Error;

/// The bundled sample directory (a handful of well-known banks and the simulated bank).
pub const BUNDLED_SAMPLE: &str = include_str!("../data/fedach-sample.txt");

const LINE_LEN: usize = 155;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DirectoryError {
    #[error("line {line}: expected {LINE_LEN} characters, found {found}")]
    Length { line: usize, found: usize },
    #[error("line {line}: routing number {routing:?} is not 9 digits")]
    Routing { line: usize, routing: String },
    #[error("line {line}: characters outside ASCII")]
    NotAscii { line: usize },
    /// An empty file would make the directory authoritative and refuse every routing number.
    #[error("the directory lists no participant (an empty or truncated download?)")]
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub routing_number: String,
    pub customer_name: String,
    pub city: String,
    pub state: String,
    /// Set when the record type is 2: the institution asks originators to use this number.
    pub new_routing_number: Option<String>,
}

/// A routing-number → participant lookup built from a directory file.
#[derive(Debug, Clone)]
pub struct Directory {
    entries: HashMap<String, Participant>,
    /// True when the operator supplied this directory (then it is authoritative and unknown
    /// routing numbers are refused); false for the bundled sample.
    authoritative: bool,
}

impl Directory {
    pub fn bundled() -> Self {
        // The bundled file is tested below; a parse failure here is a build defect.
        let mut d =
            Self::parse(BUNDLED_SAMPLE).unwrap_or_else(|e| panic!("bundled FedACH sample: {e}"));
        d.authoritative = false;
        d
    }

    /// Parses a directory file. Blank lines are skipped; trailing `\r` is tolerated.
    pub fn parse(text: &str) -> Result<Self, DirectoryError> {
        let mut entries = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            if !line.is_ascii() {
                return Err(DirectoryError::NotAscii { line: line_no });
            }
            if line.len() != LINE_LEN {
                return Err(DirectoryError::Length {
                    line: line_no,
                    found: line.len(),
                });
            }
            let field = |from: usize, to: usize| line[from - 1..to].trim().to_string();
            let routing = field(1, 9);
            if routing.len() != 9 || !routing.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DirectoryError::Routing {
                    line: line_no,
                    routing,
                });
            }
            let new_routing = field(27, 35);
            let participant = Participant {
                routing_number: routing.clone(),
                customer_name: field(36, 71),
                city: field(108, 127),
                state: field(128, 129),
                new_routing_number: (field(20, 20) == "2" && new_routing != "000000000")
                    .then_some(new_routing),
            };
            entries.insert(routing, participant);
        }
        if entries.is_empty() {
            return Err(DirectoryError::Empty);
        }
        Ok(Self {
            entries,
            authoritative: true,
        })
    }

    pub fn lookup(&self, routing: &str) -> Option<&Participant> {
        self.entries.get(routing)
    }

    pub fn is_authoritative(&self) -> bool {
        self.authoritative
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numbers::RoutingNumber;

    #[test]
    fn bundled_sample_parses_and_every_routing_number_is_valid() {
        let d = Directory::bundled();
        assert!(d.len() >= 10);
        assert!(!d.is_authoritative());
        for p in d.entries.values() {
            assert!(
                RoutingNumber::parse(&p.routing_number).is_ok(),
                "{}",
                p.routing_number
            );
        }
        assert_eq!(
            d.lookup("021000021").unwrap().customer_name,
            "JPMORGAN CHASE BANK, NA"
        );
        assert!(d.lookup("999999999").is_none());
    }

    #[test]
    fn wrong_length_names_the_line() {
        let text = format!("{}\nshort\n", BUNDLED_SAMPLE.lines().next().unwrap());
        assert_eq!(
            Directory::parse(&text).unwrap_err(),
            DirectoryError::Length { line: 2, found: 5 }
        );
    }

    /// Found while writing the fuzz target: an empty file read as an authoritative directory
    /// that knows no bank, so every link would be refused as an unknown routing number.
    #[test]
    fn an_empty_directory_is_refused() {
        assert_eq!(Directory::parse("").unwrap_err(), DirectoryError::Empty);
        assert_eq!(
            Directory::parse("\n  \r\n").unwrap_err(),
            DirectoryError::Empty
        );
    }

    #[test]
    fn record_type_2_carries_the_new_routing_number() {
        let first = BUNDLED_SAMPLE.lines().next().unwrap();
        let mut line = first.to_string();
        line.replace_range(19..20, "2");
        line.replace_range(26..35, "021000021");
        let d = Directory::parse(&line).unwrap();
        assert_eq!(
            d.lookup("011000015").unwrap().new_routing_number.as_deref(),
            Some("021000021")
        );
        assert!(d.is_authoritative());
    }
}
