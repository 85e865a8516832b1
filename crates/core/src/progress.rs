//! Progress of long operations (a cutoff over a million entries), reported to whoever watches:
//! a progress bar on the CLI's terminal, nobody in the server. Reporting never fails and never
//! changes what the operation does.

/// Receives an operation's stages and steps.
pub trait Progress: Send + Sync + std::fmt::Debug {
    /// A new stage of `total` steps, or of an unknown number.
    fn stage(&self, name: &str, total: Option<u64>);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
}

/// Progress that nobody watches (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _name: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
}
