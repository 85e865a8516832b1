//! Feeds arbitrary text to the configuration file reader (`--config pennydrop.toml`): it must
//! not panic; the keys it reads become the options' defaults exactly when each names an option,
//! and then the command line parses with the file's value as the default.
#![no_main]

use clap::{Arg, Command};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

// The binary's own module, compiled here as it is (it needs only anyhow, clap and toml).
#[path = "../../src/settings_file.rs"]
mod settings_file;

/// The shape of the real command line: options with environment variables (settable), one
/// without (not settable), a list option, and a subcommand.
fn command() -> Command {
    let listen = Arg::new("listen")
        .long("listen")
        .env("PENNYDROP_FUZZ_LISTEN")
        .default_value("127.0.0.1:8080");
    let networks = Arg::new("instant-network")
        .long("instant-network")
        .env("PENNYDROP_FUZZ_NETWORKS")
        .value_delimiter(',');
    let name = Arg::new("name").long("name");
    Command::new("pennydrop")
        .subcommand(Command::new("serve").arg(listen).arg(networks))
        .subcommand(Command::new("api-keys").arg(name))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(values) = settings_file::parse(text) else {
        return;
    };
    let known = ["listen", "instant-network"];
    let applied = settings_file::apply(command(), &values, Path::new("fuzz.toml"));
    let all_known = values.keys().all(|k| known.contains(&k.as_str()));
    assert_eq!(applied.is_ok(), all_known, "keys {:?}", values.keys());
    let Ok(cmd) = applied else {
        return;
    };
    let Some(listen) = values.get("listen") else {
        return;
    };
    let matches = cmd.try_get_matches_from(["pennydrop", "serve"]);
    if let Ok(matches) = matches {
        let serve = matches.subcommand_matches("serve");
        let got = serve.and_then(|s| s.get_one::<String>("listen"));
        assert_eq!(got, Some(listen), "the file's listen is the default");
    }
});
