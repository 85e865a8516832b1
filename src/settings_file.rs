//! `pennydrop.toml`: every option that has a `PENNYDROP_*` environment variable can be set in a
//! TOML file too, under its long flag name (`listen = "0.0.0.0:8080"`, `data-dir =
//! "/var/lib/pennydrop"`, lists as arrays). The file is read only when named, by `--config PATH`
//! or `PENNYDROP_CONFIG`.
//!
//! Precedence is flags > environment > file > defaults: the file's values become the options'
//! defaults before the command line is parsed, and clap already lets an environment variable
//! override a default and a flag override both. A key that names no such option is an error.

use anyhow::{bail, Context};
use clap::Command;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment variable that names the file.
pub const ENV: &str = "PENNYDROP_CONFIG";

/// The file named by `--config PATH` / `--config=PATH` in `args` (program name first), else by
/// `PENNYDROP_CONFIG`.
pub fn path_from(args: &[OsString]) -> Option<PathBuf> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let Some(arg) = arg.to_str() else { continue };
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return rest.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os(ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Reads the file: each key with its value as command-line text (lists joined with commas).
pub fn load(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the configuration file {}", path.display()))?;
    parse(&text).with_context(|| path.display().to_string())
}

/// The file's text as keys with their values as command-line text (what [`load`] reads; the
/// fuzz target `config_file` feeds it arbitrary text).
pub fn parse(text: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let table: toml::Table = text.parse().context("not valid TOML")?;
    let mut values = BTreeMap::new();
    for (key, value) in table {
        let text = value_text(&value).with_context(|| format!("key `{key}`"))?;
        values.insert(key, text);
    }
    Ok(values)
}

fn value_text(value: &toml::Value) -> anyhow::Result<String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Array(items) => Ok(items
            .iter()
            .map(value_text)
            .collect::<anyhow::Result<Vec<_>>>()?
            .join(",")),
        other => bail!(
            "expected a string, number, boolean or list, found a {}",
            other.type_str()
        ),
    }
}

/// Whether a file may set `arg`: a visible option with an environment variable (per-command
/// inputs such as `--name` have none), other than `--config` itself.
fn settable(arg: &clap::Arg) -> Option<&str> {
    let long = arg.get_long()?;
    let env = arg.get_env()?;
    (env != ENV && !arg.is_hide_set()).then_some(long)
}

/// The keys a file may set, from `cmd` and all its subcommands.
pub fn keys(cmd: &Command) -> BTreeSet<String> {
    let mut found: BTreeSet<String> = cmd
        .get_arguments()
        .filter_map(settable)
        .map(str::to_string)
        .collect();
    for sub in cmd.get_subcommands() {
        found.extend(keys(sub));
    }
    found
}

/// Makes the file's `values` the defaults of the options they name, wherever in the command
/// tree those appear; fails naming the first key that names no option.
pub fn apply(
    cmd: Command,
    values: &BTreeMap<String, String>,
    path: &Path,
) -> anyhow::Result<Command> {
    let known = keys(&cmd);
    if let Some(unknown) = values.keys().find(|k| !known.contains(*k)) {
        let dashed = unknown.replace('_', "-");
        let hint = if known.contains(&dashed) {
            format!(" (did you mean `{dashed}`?)")
        } else {
            String::new()
        };
        bail!(
            "{}: unknown key `{unknown}`{hint}; keys are long option names such as `listen` or \
             `data-dir` (see pennydrop serve --help)",
            path.display()
        );
    }
    Ok(with_defaults(cmd, values))
}

fn with_defaults(mut cmd: Command, values: &BTreeMap<String, String>) -> Command {
    let defaults: Vec<(String, String)> = cmd
        .get_arguments()
        .filter_map(|arg| {
            let value = values.get(settable(arg)?)?;
            Some((arg.get_id().to_string(), value.clone()))
        })
        .collect();
    for (id, value) in defaults {
        cmd = cmd.mut_arg(id, |arg| arg.default_value(value));
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |sub| with_defaults(sub, values));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Arg;

    fn command() -> Command {
        Command::new("t").subcommand(
            Command::new("serve")
                .arg(
                    Arg::new("listen")
                        .long("listen")
                        .env("PENNYDROP_SETTINGS_TEST_LISTEN")
                        .default_value("default"),
                )
                .arg(
                    Arg::new("list")
                        .long("list")
                        .env("PENNYDROP_SETTINGS_TEST_LIST")
                        .value_delimiter(','),
                )
                .arg(Arg::new("name").long("name")),
        )
    }

    fn listen(values: &[(&str, &str)], args: &[&str]) -> String {
        let values = values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let cmd = apply(command(), &values, Path::new("p.toml")).unwrap();
        let matches = cmd.try_get_matches_from(args).unwrap();
        let serve = matches.subcommand_matches("serve").unwrap();
        serve.get_one::<String>("listen").unwrap().clone()
    }

    #[test]
    fn flags_beat_the_environment_which_beats_the_file_which_beats_defaults() {
        assert_eq!(listen(&[], &["t", "serve"]), "default");
        assert_eq!(listen(&[("listen", "file")], &["t", "serve"]), "file");
        std::env::set_var("PENNYDROP_SETTINGS_TEST_LISTEN", "env");
        assert_eq!(listen(&[("listen", "file")], &["t", "serve"]), "env");
        let flag = ["t", "serve", "--listen", "flag"];
        assert_eq!(listen(&[("listen", "file")], &flag), "flag");
        std::env::remove_var("PENNYDROP_SETTINGS_TEST_LISTEN");
    }

    #[test]
    fn unknown_keys_and_per_command_inputs_are_refused_by_name() {
        let values = BTreeMap::from([("name".to_string(), "x".to_string())]);
        let err = apply(command(), &values, Path::new("p.toml")).unwrap_err();
        assert!(err.to_string().contains("unknown key `name`"), "{err}");
        let values = BTreeMap::from([("lis_ten".to_string(), "x".to_string())]);
        let err = apply(command(), &values, Path::new("p.toml")).unwrap_err();
        assert!(
            err.to_string().contains("p.toml: unknown key `lis_ten`"),
            "{err}"
        );
    }

    #[test]
    fn toml_values_become_command_line_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pennydrop.toml");
        std::fs::write(
            &path,
            "listen = \"a\"\nlist = [\"1\", \"2\"]\nn = 5\nb = true\n",
        )
        .unwrap();
        let values = load(&path).unwrap();
        assert_eq!(values["list"], "1,2");
        assert_eq!(values["n"], "5");
        assert_eq!(values["b"], "true");
        std::fs::write(&path, "[serve]\nlisten = \"a\"\n").unwrap();
        assert!(load(&path).is_err(), "tables are refused");
        let values = BTreeMap::from([("list".to_string(), "1,2".to_string())]);
        let cmd = apply(command(), &values, &path).unwrap();
        let matches = cmd.try_get_matches_from(["t", "serve"]).unwrap();
        let serve = matches.subcommand_matches("serve").unwrap();
        let list: Vec<&String> = serve.get_many::<String>("list").unwrap().collect();
        assert_eq!(list, ["1", "2"], "lists split like the flag's values");
    }
}
