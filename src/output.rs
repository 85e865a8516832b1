//! Writing to stdout without panicking when the reader has gone (`pennydrop ach inspect
//! big.ach | head`): `println!` panics on a closed pipe, these return the error instead, and
//! `main` ends quietly when the cause of an error is a broken pipe.

use std::io::Write;

/// Writes `text` and a newline to stdout.
pub fn line(text: impl std::fmt::Display) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}

/// Writes `text` to stdout as it is.
pub fn text(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes `text` and a newline to stderr (which may be a closed pipe too: `2>&1 | head`).
pub fn note(text: impl std::fmt::Display) -> std::io::Result<()> {
    writeln!(std::io::stderr().lock(), "{text}")
}

/// Whether `err` was caused by writing to a pipe whose reader has gone.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
