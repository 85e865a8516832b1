//! Pennydrop's storage: one [`Store`] trait with a SQLite implementation (embedded, the default)
//! and a PostgreSQL implementation (for several server processes), both checked by the same
//! [`conformance`] suite.
//!
//! Both implementations share their SQL text (written with `$1` placeholders, which SQLite also
//! understands) and their migrations (one source, see [`migrations`]); they differ only in
//! connection setup.

pub mod conformance;
pub mod migrations;
mod sql;
pub mod testing;

use std::sync::Arc;

pub use pennydrop_engine::ports::store::*;
pub use sql::{PostgresStore, SqliteStore};

/// Where `url` points, for error messages: `host H, port P` for PostgreSQL (the defaults
/// filled in), the file for SQLite; None when the URL does not parse.
pub fn target(url: &str) -> Option<String> {
    use std::str::FromStr;
    if url.starts_with("sqlite:") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
        return Some(format!("file {}", options.get_filename().display()));
    }
    let options = sqlx::postgres::PgConnectOptions::from_str(url).ok()?;
    Some(format!(
        "host {}, port {}",
        options.get_host(),
        options.get_port()
    ))
}

/// Opens the store named by `url` (`sqlite://PATH` or `postgres://...`), creating a SQLite file
/// if needed. Does not migrate.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}
