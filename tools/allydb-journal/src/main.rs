//! allydb-journal: inspect, verify, repair and export AllyDB journal directories offline.
//! It reads the format only through the server's own code (`allydb::journal`). See
//! docs/TOOLS.md for every subcommand, with example output.
#![deny(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod dump;
mod inspect;
mod render;
mod repair;
mod stats;
mod verify;
mod walk;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Inspect, verify, repair and export AllyDB journals and snapshots offline. Every
/// subcommand but `repair` only reads, takes no lock, and may run beside the server.
#[derive(Parser)]
#[command(name = "allydb-journal", version = version_text())]
struct Cli {
    /// Machine-readable output: one JSON object per line (see docs/TOOLS.md).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// What `allydb-journal --version` prints after the name: its version and the server whose
/// journal and snapshot formats it reads (the same code, `allydb::journal`).
fn version_text() -> &'static str {
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{} (allydb {} formats)", env!("CARGO_PKG_VERSION"), allydb::ALLYDB_VERSION)
    });
    TEXT.as_str()
}

#[derive(Subcommand)]
enum Command {
    /// One line per journal record: seq, file, offset, size and its effects as commands.
    Inspect {
        /// The journal directory (the server's PERSISTENCE_LOCATION).
        dir: PathBuf,
        /// Only records with this sequence number or later.
        #[arg(long)]
        from: Option<u64>,
        /// Only records up to this sequence number.
        #[arg(long)]
        to: Option<u64>,
        /// Only records changing a key that matches this glob-style pattern (as KEYS), and
        /// those changing whole databases (FLUSHDB, FLUSHALL, SWAPDB).
        #[arg(long)]
        key: Option<String>,
    },
    /// Check the MANIFEST, every snapshot block, every segment header and record, and
    /// sequence continuity. Exit status 0 only when all is sound, 1 when something is not.
    Verify {
        /// The journal directory (the server's PERSISTENCE_LOCATION).
        dir: PathBuf,
    },
    /// Make a damaged directory loadable: cut the journal at the first bad record (removing
    /// later segments), drop damaged snapshot blocks, rebuild a lost MANIFEST; after backing
    /// up every file it changes. Prints exactly which records and keys are lost.
    Repair {
        /// The journal directory (the server's PERSISTENCE_LOCATION).
        dir: PathBuf,
        /// Print what would be done and lost, change nothing (exit status 1 if a repair is
        /// needed).
        #[arg(long)]
        dry_run: bool,
        /// Where the changed files are kept (default: DIR.repair-<unix seconds>, beside DIR).
        #[arg(long)]
        backup: Option<PathBuf>,
        /// Databases to replay into (the server's --databases).
        #[arg(long, default_value_t = 16)]
        databases: usize,
    },
    /// The state as of a sequence number (default: the end), as RESP commands for
    /// `redis-cli --pipe`, deadlines included (PEXPIREAT).
    Dump {
        /// The journal directory (the server's PERSISTENCE_LOCATION).
        dir: PathBuf,
        /// The sequence number whose state to print: the state right after that record.
        #[arg(long)]
        at: Option<u64>,
        /// Databases to replay into (the server's --databases).
        #[arg(long, default_value_t = 16)]
        databases: usize,
    },
    /// Records per command, bytes and keys per database, file sizes, time span.
    Stats {
        /// The journal directory (the server's PERSISTENCE_LOCATION).
        dir: PathBuf,
    },
}

/// 0: done and sound; 1: a problem was found (verify, dry-run repair, damage met);
/// 2: the command could not run.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let result = match cli.command {
        Command::Inspect { dir, from, to, key } => {
            inspect::run(&dir, from, to, key.as_deref(), json)
        }
        Command::Verify { dir } => verify::run(&dir, json),
        Command::Repair { dir, dry_run, backup, databases } => {
            repair::run(&dir, dry_run, backup, databases, json)
        }
        Command::Dump { dir, at, databases } => dump::run(&dir, at, databases, json),
        Command::Stats { dir } => stats::run(&dir, json),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("allydb-journal: {error}");
            ExitCode::from(2)
        }
    }
}
