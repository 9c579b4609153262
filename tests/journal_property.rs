//! The journal's acceptance property: random sequences of every write command, applied live
//! and then replayed from the journal, give identical keyspaces (all 16 databases, values and
//! deadlines), whether the server stopped cleanly (SIGTERM) or was killed (SIGKILL) after every
//! reply arrived.
//!
//! The workload is `common::workload`'s generator (every write command over a small key pool,
//! deadlines past, a few ms ahead, or far). Soon deadlines expire before the dump, so lazy and
//! active expiry are journaled. Two connections send pipelined chunks at the same time, so the
//! journal's order must match the order the keyspace applied them in.
//!
//! A third run sends one connection's chunks as MULTI/EXEC transactions (one record each, many
//! databases and effect kinds mixed) beside the other connection's plain commands.
//!
//! `JOURNAL_PROPERTY_SEED=<n>` replays a run; `JOURNAL_PROPERTY_COMMANDS=<n>` lengthens it.
mod common;

use std::time::{Duration, Instant};

use common::workload::*;
use common::TestServer;

/// Commands per test run, unless `JOURNAL_PROPERTY_COMMANDS` says otherwise.
const DEFAULT_COMMANDS: usize = 10_000;
/// Rounds per run: write, stop, restart and compare, then write more on the recovered journal.
const ROUNDS: usize = 2;

/// Writes random commands, stops the server with `signal`, restarts it on the same directory
/// and compares; `ROUNDS` times on one journal, so later rounds append to a recovered one.
fn check_replay(signal: &str, default_seed_salt: u64) {
    check_replay_with(signal, default_seed_salt, apply);
}

type Apply = fn(&TestServer, &mut Generator, usize) -> usize;

fn check_replay_with(signal: &str, default_seed_salt: u64, apply: Apply) {
    let seed = env_number("JOURNAL_PROPERTY_SEED")
        .unwrap_or_else(|| fastrand::u64(..) ^ default_seed_salt);
    let total = env_number("JOURNAL_PROPERTY_COMMANDS")
        .map_or(DEFAULT_COMMANDS, |n| usize::try_from(n).unwrap());
    eprintln!("journal property (SIG{signal}): JOURNAL_PROPERTY_SEED={seed}, {total} commands");
    let started = Instant::now();
    let mut generator = Generator::new(seed);
    let mut server = TestServer::start();
    for round in 0..ROUNDS {
        let count = total / ROUNDS;
        generator.start_round(count);
        // "Soon" deadlines are only issued in the first tenth; the pause lets them pass so
        // the rest of the round meets expired keys (lazy expiry, writes over expired keys).
        let early = count.div_ceil(10);
        let mut errors = apply(&server, &mut generator, early);
        std::thread::sleep(Duration::from_millis(250));
        errors += apply(&server, &mut generator, count - early);
        // Any "soon" deadline left (at most 200 ms, issued in the first tenth) has passed.
        std::thread::sleep(Duration::from_millis(400));
        let live = dump(&server);
        server.signal(signal);
        let code = server.wait_exit(Duration::from_secs(20));
        if signal == "TERM" {
            assert_eq!(code, Some(0), "seed {seed}: SIGTERM exit\n{}", server.log());
        } else {
            assert!(code.is_some(), "seed {seed}: the server survived SIG{signal}");
        }
        server.restart();
        let replayed = dump(&server);
        let context = format!(
            "JOURNAL_PROPERTY_SEED={seed} JOURNAL_PROPERTY_COMMANDS={total}, round {round}, SIG{signal}"
        );
        assert_same(&live, &replayed, &context);
        eprintln!(
            "round {round}: {count} commands ({errors} error replies), {} keys survive SIG{signal}",
            live.len()
        );
    }
    eprintln!("done in {:?}", started.elapsed());
}

#[test]
fn random_writes_replay_identically_after_sigterm() {
    check_replay("TERM", 0);
}

#[test]
fn random_writes_replay_identically_after_sigkill() {
    check_replay("KILL", 0x5eed);
}

#[test]
fn random_transactions_replay_identically_after_sigkill() {
    check_replay_with("KILL", 0x7a5c, apply_in_transactions);
}
