//! What reading a row costs through sqlx on SQLite, by way of fetching: streamed one row at a
//! time, all at once, in keyset pages, or packed a page at a time into one JSON row.
//!
//!     cargo run --release -p pennydrop-store --example sqlx_rows -- 1000000
//!
//! A table shaped like `ach_entries` joined to its bank account (eight columns, one a 48-byte
//! blob) is filled with N rows in a fresh file; each way reads all of them. BENCHMARKS.md §0.
use futures_util::TryStreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::Row;
use std::str::FromStr;
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

/// One row as `json_array` packs it (the blob as hex).
type PackedRow = (String, i64, i64, String, String, String, i64, String);

const SELECT: &str = "SELECT id, a, b, c, d, e, f, g FROM t";

// Long on purpose: the four ways of fetching read top to bottom, side by side.
#[tokio::main]
async fn main() -> Result<(), Error> {
    let n: i64 = std::env::args().nth(1).map_or(Ok(100_000), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/rows.db", dir.path().display());
    let options = SqliteConnectOptions::from_str(&url)?.create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    sqlx::query(
        "CREATE TABLE t (id TEXT PRIMARY KEY, a INTEGER UNIQUE, b INTEGER, c TEXT, d BLOB, \
         e TEXT, f INTEGER, g TEXT)",
    )
    .execute(&pool)
    .await?;
    sqlx::query(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1) \
         INSERT INTO t SELECT printf('%036d', i), i, i * 2, 'purpose-credit', randomblob(48), \
         'Jane Holder', 1, '2026-01-01' FROM s",
    )
    .bind(n)
    .execute(&pool)
    .await?;
    println!("| way of fetching | {n} rows | per row |");
    println!("|---|---:|---:|");
    let report = |way: &str, started: Instant, rows: usize| {
        let s = started.elapsed().as_secs_f64();
        println!(
            "| {way} | {s:.2} s | {:.1} µs |",
            s * 1e6 / rows.max(1) as f64
        );
    };

    let started = Instant::now();
    let sql = format!("{SELECT} ORDER BY a");
    let mut rows = sqlx::query(&sql).fetch(&pool);
    let mut seen = 0;
    while let Some(row) = rows.try_next().await? {
        let _: (String, Vec<u8>) = (row.try_get(0)?, row.try_get(4)?);
        seen += 1;
    }
    drop(rows);
    report("streamed (`fetch`)", started, seen);

    let started = Instant::now();
    let all = sqlx::query(&format!("{SELECT} ORDER BY a"))
        .fetch_all(&pool)
        .await?;
    report("all at once (`fetch_all`)", started, all.len());
    drop(all);

    let started = Instant::now();
    let (mut last, mut seen) = (0i64, 0);
    loop {
        let page = sqlx::query(&format!("{SELECT} WHERE a > $1 ORDER BY a LIMIT 2000"))
            .bind(last)
            .fetch_all(&pool)
            .await?;
        let Some(end) = page.last() else { break };
        last = end.try_get(1)?;
        seen += page.len();
    }
    report("pages of 2,000 (`fetch_all`)", started, seen);

    let started = Instant::now();
    let (mut last, mut seen) = (0i64, 0);
    loop {
        let page = sqlx::query(
            "SELECT json_group_array(json_array(id, a, b, c, hex(d), e, f, g)) AS j, max(a) AS m \
             FROM (SELECT * FROM t WHERE a > $1 ORDER BY a LIMIT 2000)",
        )
        .bind(last)
        .fetch_one(&pool)
        .await?;
        let Some(end) = page.try_get::<Option<i64>, _>(1)? else {
            break;
        };
        let rows: Vec<PackedRow> = serde_json::from_str(page.try_get(0)?)?;
        last = end;
        seen += rows.len();
    }
    report("pages of 2,000 packed into one JSON row", started, seen);
    Ok(())
}
