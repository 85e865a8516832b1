//! One migration source for both databases. Each file in `migrations/` is written once, in the
//! SQL both engines share, with a placeholder where their spellings differ:
//!
//! | placeholder      | SQLite                              | PostgreSQL              |
//! |------------------|-------------------------------------|-------------------------|
//! | `{{bytes}}`      | `BLOB`                              | `BYTEA`                 |
//! | `{{serial_key}}` | `INTEGER PRIMARY KEY AUTOINCREMENT` | `BIGSERIAL PRIMARY KEY` |
//!
//! The rendered text is what sqlx checksums, so a released migration must never change (add a
//! new file instead); `tests/migrations.rs` pins the checksums of the released ones.

use futures_util::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use std::borrow::Cow;

use crate::Backend;

/// (version, description, template), in order. A new migration is a new file and a new line.
pub const SOURCES: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (
        2,
        "verification",
        include_str!("../migrations/0002_verification.sql"),
    ),
    (3, "ach", include_str!("../migrations/0003_ach.sql")),
    (
        4,
        "idempotency",
        include_str!("../migrations/0004_idempotency.sql"),
    ),
    (
        5,
        "held_entries",
        include_str!("../migrations/0005_held_entries.sql"),
    ),
    (
        6,
        "sealed_amounts",
        include_str!("../migrations/0006_sealed_amounts.sql"),
    ),
    (
        7,
        "disconnected_accounts",
        include_str!("../migrations/0007_disconnected_accounts.sql"),
    ),
    (
        8,
        "webhooks",
        include_str!("../migrations/0008_webhooks.sql"),
    ),
    (9, "risk", include_str!("../migrations/0009_risk.sql")),
    (
        10,
        "verification_links",
        include_str!("../migrations/0010_verification_links.sql"),
    ),
    (
        11,
        "instant_networks",
        include_str!("../migrations/0011_instant_networks.sql"),
    ),
];

fn spellings(backend: Backend) -> [(&'static str, &'static str); 2] {
    match backend {
        Backend::Sqlite => [
            ("{{bytes}}", "BLOB"),
            ("{{serial_key}}", "INTEGER PRIMARY KEY AUTOINCREMENT"),
        ],
        Backend::Postgres => [
            ("{{bytes}}", "BYTEA"),
            ("{{serial_key}}", "BIGSERIAL PRIMARY KEY"),
        ],
    }
}

/// A template in one backend's SQL.
pub fn render(template: &str, backend: Backend) -> String {
    spellings(backend)
        .iter()
        .fold(template.to_string(), |sql, (placeholder, spelling)| {
            sql.replace(placeholder, spelling)
        })
}

/// Every migration, rendered for `backend`.
pub fn rendered(backend: Backend) -> Vec<(i64, &'static str, String)> {
    SOURCES
        .iter()
        .map(|(version, description, template)| (*version, *description, render(template, backend)))
        .collect()
}

/// The rendered migrations as an sqlx migration source.
#[derive(Debug)]
struct Rendered(Backend);

impl<'s> MigrationSource<'s> for Rendered {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(rendered(self.0)
                .into_iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Owned(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The migrator for `backend`.
pub async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Rendered(backend)).await
}
