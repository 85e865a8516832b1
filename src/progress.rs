//! Progress bars for long CLI operations (`ach cutoff`, `ach inspect` of big files): drawn on
//! stderr while stderr is a terminal, hidden otherwise, so pipes, logs and CI see only the
//! command's own output.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// One bar whose stages replace each other (a cutoff's: checking, claiming, opening, writing).
#[derive(Debug, Clone)]
pub struct TerminalProgress {
    bar: ProgressBar,
}

impl TerminalProgress {
    /// A bar on stderr, hidden when stderr is not a terminal.
    pub fn stderr() -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self {
            bar: ProgressBar::with_draw_target(None, target),
        }
    }

    /// A stage counted in bytes (reading a file of `total` bytes).
    pub fn bytes(&self, name: &str, total: u64) -> &ProgressBar {
        self.start(
            name,
            Some(total),
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
        );
        &self.bar
    }

    /// Clears the bar from the terminal (the command's output follows).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn start(&self, name: &str, total: Option<u64>, bar_template: &str) {
        self.bar.reset();
        match total {
            Some(n) => {
                self.bar.disable_steady_tick();
                self.bar.set_style(style(bar_template));
                self.bar.set_length(n);
            }
            None => {
                self.bar.set_style(style("{spinner} {msg} ({elapsed})"));
                self.bar.unset_length();
                self.bar.enable_steady_tick(Duration::from_millis(100));
            }
        }
        self.bar.set_message(name.to_string());
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl pennydrop_core::progress::Progress for TerminalProgress {
    fn stage(&self, name: &str, total: Option<u64>) {
        self.start(name, total, "{msg} [{bar:30}] {pos}/{len} ({eta})");
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}
