//! Test support shared by the conformance suite and the integration tests: throwaway SQLite
//! files and throwaway PostgreSQL databases, following the conventions in DESIGN.md.

use sqlx::Connection;
use uuid::Uuid;

pub const DEFAULT_TEST_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A SQLite database in a temporary directory that disappears with this value.
pub struct TempSqlite {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl TempSqlite {
    pub fn new() -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("pennydrop.db").display());
        Ok(Self { dir, url })
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("pennydrop.db")
    }
}

/// A PostgreSQL database created for one test. Call [`TestPostgres::drop_database`] at the end.
pub struct TestPostgres {
    pub url: String,
    pub name: String,
    admin_url: String,
}

fn require_postgres() -> bool {
    std::env::var("PENNYDROP_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

fn admin_url() -> String {
    std::env::var("PENNYDROP_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| DEFAULT_TEST_POSTGRES_URL.into())
}

fn with_database(url: &str, db: &str) -> String {
    // Replace the path component (the database name), keeping any query string.
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{db}?{q}"),
        None => format!("{prefix}/{db}"),
    }
}

impl TestPostgres {
    /// Creates a fresh database, or returns `None` after printing a loud SKIPPED line when the
    /// server is unreachable. With `PENNYDROP_REQUIRE_POSTGRES=1` an unreachable server panics.
    pub async fn create(test_name: &str) -> Option<Self> {
        let admin_url = admin_url();
        let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) => {
                if require_postgres() {
                    panic!("PENNYDROP_REQUIRE_POSTGRES=1 but PostgreSQL at {admin_url} is unreachable: {e}");
                }
                eprintln!(
                    "\n*** SKIPPED {test_name} on PostgreSQL: {admin_url} unreachable ({e}). \
                     Set PENNYDROP_TEST_POSTGRES_URL or start PostgreSQL. ***\n"
                );
                return None;
            }
        };
        let name = format!("pennydrop_test_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let _ = conn.close().await;
        Some(Self {
            url: with_database(&admin_url, &name),
            name,
            admin_url,
        })
    }

    pub async fn drop_database(self) {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin_url).await {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn)
            .await;
            let _ = conn.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
