//! The dialects. Each owns its routes, its wire structs, its error shape and its mapping from
//! the engine's typed errors; none imports another (shared wire helpers live at the crate
//! root: `json`, `basic`, `amounts`).

pub mod finicity;
pub mod moov;
pub mod mx;
