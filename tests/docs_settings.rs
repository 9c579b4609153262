//! docs/CONFIGURATION.md's settings reference against the binary: every row's flag and
//! environment variable as `allydb --help` shows them, its default as `CONFIG GET` reports it
//! on a server started with no settings, and no flag of `--help` left out of the table.
mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

const CONFIGURATION: &str = include_str!("../docs/CONFIGURATION.md");

/// One row of the reference table.
#[derive(Debug)]
struct Row {
    /// Every flag the row names (`--version`, `-V`).
    flags: Vec<String>,
    env: Option<String>,
    config_name: Option<String>,
    /// The flag's default as `--help` shows it; None when it has none.
    default: Option<String>,
    /// What CONFIG GET shows on a server started with no settings.
    config_default: Option<String>,
}

/// The text of every `code span` in a cell.
fn code_spans(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// The cell's value: its code span, or None for "—".
fn code(cell: &str) -> Option<String> {
    code_spans(cell).into_iter().next()
}

/// `allydb --help`'s default for the row, and what CONFIG GET shows: `` `x` `` (both x),
/// `empty`, `none`, each optionally followed by `; CONFIG GET `y`` or `; CONFIG GET empty`.
fn defaults(cell: &str) -> (Option<String>, Option<String>) {
    let (flag_part, config_part) = match cell.split_once("; CONFIG GET ") {
        Some((flag, config)) => (flag, Some(config)),
        None => (cell, None),
    };
    let flag_default = match flag_part.trim() {
        "empty" => Some(String::new()),
        "none" | "—" => None,
        text => Some(code(text).unwrap_or_else(|| panic!("default cell {cell:?}"))),
    };
    let config_default = match config_part.map(str::trim) {
        Some("empty") => Some(String::new()),
        Some(text) => Some(code(text).unwrap_or_else(|| panic!("default cell {cell:?}"))),
        None => flag_default.clone(),
    };
    (flag_default, config_default)
}

fn reference_table() -> Vec<Row> {
    let section = CONFIGURATION
        .split("## Settings reference")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/CONFIGURATION.md has a Settings reference section");
    let mut lines = section.lines().skip_while(|line| !line.starts_with("| flag |"));
    let header = lines.next().expect("the table's header");
    assert_eq!(
        header, "| flag | environment variable | CONFIG name | default | meaning |",
        "columns"
    );
    lines
        .skip(1)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(cells.len(), 5, "a row of five cells: {line}");
            let (default, config_default) = defaults(cells[3]);
            Row {
                flags: code_spans(cells[0]),
                env: code(cells[1]),
                config_name: code(cells[2]),
                default,
                config_default,
            }
        })
        .collect()
}

/// One option of `--help`: its flags, environment variable and default.
#[derive(Debug, Default)]
struct HelpOption {
    flags: Vec<String>,
    env: Option<String>,
    default: Option<String>,
}

/// The text between `[name: ` and the next `]` (env: `ALLYDB_PORT=`, shown without value).
fn bracketed(text: &str, name: &str) -> Option<String> {
    let start = text.find(&format!("[{name}: "))? + name.len() + 3;
    let end = start + text[start..].find(']')?;
    Some(text[start..end].to_string())
}

/// Every option `allydb --help` lists, with its long description (clap's long help puts the
/// flags on one line and the description, ending in `[env: ...] [default: ...]`, below it).
fn help_options() -> Vec<HelpOption> {
    let output = Command::new(env!("CARGO_BIN_EXE_allydb"))
        .arg("--help")
        .env_clear()
        .output()
        .expect("run allydb --help");
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).expect("UTF-8 help");
    let mut options: Vec<(String, String)> = Vec::new();
    for line in help.lines().skip_while(|line| line.trim() != "Options:").skip(1) {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with('-') && indent < 8 {
            options.push((trimmed.to_string(), String::new()));
        } else if let Some((_, description)) = options.last_mut() {
            description.push_str(trimmed);
            description.push(' ');
        }
    }
    options
        .into_iter()
        .map(|(flags_line, description)| HelpOption {
            flags: flags_line
                .split([',', ' '])
                .filter(|word| word.starts_with('-'))
                .map(str::to_string)
                .collect(),
            env: bracketed(&description, "env").map(|env| env.trim_end_matches('=').to_string()),
            default: bracketed(&description, "default").map(|d| d.trim_matches('"').to_string()),
        })
        .collect()
}

#[test]
fn every_row_matches_help_and_every_flag_has_a_row() {
    let rows = reference_table();
    let options = help_options();
    assert!(rows.len() > 30, "{} rows", rows.len());
    for row in &rows {
        let option = options
            .iter()
            .find(|option| row.flags.iter().all(|flag| option.flags.contains(flag)))
            .unwrap_or_else(|| panic!("{:?} is not in allydb --help", row.flags));
        assert_eq!(row.flags.len(), option.flags.len(), "{:?} vs {:?}", row.flags, option.flags);
        assert_eq!(row.env, option.env, "environment variable of {:?}", row.flags);
        assert_eq!(row.default, option.default, "default of {:?}", row.flags);
    }
    for option in &options {
        let documented = rows.iter().any(|row| option.flags.iter().all(|f| row.flags.contains(f)));
        assert!(documented, "{:?} has no row in docs/CONFIGURATION.md", option.flags);
    }
}

/// The default CONFIG GET should show, with the row's placeholders resolved for this server.
fn expected_config(value: &str, working_directory: &std::path::Path) -> String {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1));
    value
        .replace("<working directory>", &working_directory.display().to_string())
        .replace("<CPUs - 1, at least 1>", &threads.max(1).to_string())
}

#[test]
fn config_get_shows_every_documented_default() {
    let rows = reference_table();
    // No setting but the port (the test's own free port): everything else is the default.
    let dir = tempfile::tempdir().expect("temp dir");
    let working_directory = dir.path().canonicalize().expect("canonical temp dir");
    let port = free_port();
    let log = dir.path().join("server.log");
    let file = std::fs::File::create(&log).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_allydb"))
        .env_clear()
        .env("ALLYDB_PORT", port.to_string())
        .current_dir(&working_directory)
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log clone"))
        .stderr(file)
        .spawn()
        .expect("spawn allydb");
    // Killed when the test ends, a failed assertion included.
    let _server = KillOnDrop(child);
    let ready = format!("Ready to accept connections tcp on 127.0.0.1:{port}");
    let started = eventually(Duration::from_secs(30), || {
        std::fs::read_to_string(&log).unwrap_or_default().contains(&ready)
    });
    let server_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(started, "allydb did not start: {server_log}");
    let mut c = RawClient::connect(port);
    let mut checked = BTreeMap::new();
    for row in &rows {
        let (Some(name), Some(value)) = (&row.config_name, &row.config_default) else { continue };
        if name == "port" {
            continue; // the one setting this test had to give
        }
        let expected = expected_config(value, &working_directory);
        assert_eq!(
            c.cmd(&["CONFIG", "GET", name]),
            bulk_array(&[name, &expected]),
            "CONFIG GET {name} (row {:?})",
            row.flags
        );
        checked.insert(name.clone(), expected);
    }
    assert_eq!(c.cmd(&["CONFIG", "GET", "port"]), bulk_array(&["port", &port.to_string()]));
    assert!(checked.len() > 25, "{checked:?}");
}

/// A server process stopped when the guard goes out of scope.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
