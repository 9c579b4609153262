//! Compaction's acceptance property: random write sequences of every type, with compactions
//! at random points, then a restart, give a keyspace identical to the live one (all 16
//! databases: type, value, deadline).
//!
//! Between random stretches of `common::workload` commands (two pipelining connections) a
//! seeded schedule picks: BGREWRITEAOF or BGSAVE [SCHEDULE] not waited for (the next stretch of
//! writes runs during it), SAVE (waited for), several compactions in a row with no write
//! between, or a restart in the middle. Large sorted sets in database 0 make each snapshot's
//! walk over the shards long enough for those writes to reach shards it has not saved yet.
//! Every restart first dumps the live keyspace, sometimes starts a compaction it does not wait
//! for, then stops the server (SHUTDOWN or SIGTERM; SIGKILL only with `--appendfsync always`,
//! where every acknowledged write is on disk), restarts it on the same directory and compares.
//! The snapshot in force never moves back, and a restart leaves exactly the snapshot the
//! server loaded and no temporary file.
//!
//! `COMPACTION_PROPERTY_SEED=<n>` replays a case's commands and schedule (not the timing of
//! compactions against writes); `COMPACTION_PROPERTY_COMMANDS=<n>` lengthens it.
mod common;

use std::time::{Duration, Instant};

use common::workload::*;
use common::{RawClient, TestServer, OK};

/// Commands per case, unless `COMPACTION_PROPERTY_COMMANDS` says otherwise.
const DEFAULT_COMMANDS: usize = 6_000;
/// Rounds per case; each ends with a restart.
const ROUNDS: usize = 3;
/// Cases per test, each with its own seed and server.
const CASES: usize = 2;

/// Sorted sets of ballast (see `Case::ballast`) and their members.
const BALLAST_KEYS: usize = 8;
const BALLAST_MEMBERS: usize = 20_000;

/// How a restart stops the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Shutdown,
    Term,
    Kill,
}

/// The value of `field` in INFO persistence.
fn info_field(c: &mut RawClient, field: &str) -> String {
    let info = c.cmd(&["INFO", "persistence"]);
    let prefix = format!("{field}:");
    info.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("INFO persistence has no {field}: {info}"))
        .trim()
        .to_string()
}

fn info_number(c: &mut RawClient, field: &str) -> u64 {
    info_field(c, field).parse().expect("a number")
}

/// Waits until no compaction runs or is queued.
fn wait_idle(c: &mut RawClient) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while info_field(c, "aof_rewrite_in_progress") != "0"
        || info_field(c, "aof_rewrite_scheduled") != "0"
    {
        assert!(Instant::now() < deadline, "a compaction ran for 30 s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

const REWRITE_REPLIES: [&str; 3] = [
    "+Background append only file rewriting started\r\n",
    "+Background append only file rewriting scheduled\r\n",
    "-ERR Background append only file rewriting already in progress\r\n",
];

const BGSAVE_REPLIES: [&str; 4] = [
    "+Background saving started\r\n",
    "+Background saving scheduled\r\n",
    "-ERR Background save already in progress\r\n",
    "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE \
     in order to schedule a BGSAVE whenever possible.\r\n",
];

/// One case: a server, its start flags, the schedule's random source and what it counted.
struct Case {
    server: TestServer,
    flags: Vec<&'static str>,
    stops: &'static [Stop],
    rng: fastrand::Rng,
    control: RawClient,
    context: String,
    /// Compactions the servers reported done (INFO aof_rewrites + rdb_saves before each stop).
    compactions: u64,
    /// Compactions requested by the schedule (accepted or refused as busy).
    requested: u64,
    restarts: usize,
    /// Restarts whose server loaded a snapshot.
    from_snapshot: usize,
}

impl Case {
    fn new(seed: u64, flags: &[&'static str], stops: &'static [Stop], context: String) -> Self {
        let server = TestServer::start_with(flags);
        let control = server.raw();
        Case {
            server,
            flags: flags.to_vec(),
            stops,
            rng: fastrand::Rng::with_seed(seed ^ 0xc0_4ac7),
            control,
            context,
            compactions: 0,
            requested: 0,
            restarts: 0,
            from_snapshot: 0,
        }
    }

    /// Large sorted sets in database 0, outside the generator's key pool: shards that take a
    /// while to save, so writes reach shards the snapshot has not saved yet.
    fn ballast(&mut self) {
        let mut bytes = Vec::new();
        for key in 0..BALLAST_KEYS {
            for chunk in 0..BALLAST_MEMBERS / 500 {
                let mut command = vec![b"ZADD".to_vec(), format!("ballast:{key}").into_bytes()];
                for member in chunk * 500..(chunk + 1) * 500 {
                    command.push(member.to_string().into_bytes());
                    command.push(format!("m{member}").into_bytes());
                }
                let parts: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
                bytes.extend_from_slice(&common::encode(&parts));
            }
        }
        self.control.send(&bytes);
        for _ in 0..BALLAST_KEYS * (BALLAST_MEMBERS / 500) {
            let reply = self.control.read_reply();
            assert!(reply.starts_with(':'), "{}: {reply}", self.context);
        }
    }

    /// BGREWRITEAOF or BGSAVE [SCHEDULE], not waited for.
    fn background(&mut self) {
        self.requested += 1;
        if self.rng.u8(..3) > 0 {
            let reply = self.control.cmd(&["BGREWRITEAOF"]);
            assert!(REWRITE_REPLIES.contains(&reply.as_str()), "{}: {reply}", self.context);
        } else {
            let reply = if self.rng.bool() {
                self.control.cmd(&["BGSAVE", "SCHEDULE"])
            } else {
                self.control.cmd(&["BGSAVE"])
            };
            assert!(BGSAVE_REPLIES.contains(&reply.as_str()), "{}: {reply}", self.context);
        }
    }

    /// SAVE, retried while another compaction runs; it must succeed.
    fn save(&mut self) {
        self.requested += 1;
        loop {
            let reply = self.control.cmd(&["SAVE"]);
            if reply == OK {
                return;
            }
            assert_eq!(reply, "-ERR Background save already in progress\r\n", "{}", self.context);
            wait_idle(&mut self.control);
        }
    }

    /// Two to four compactions one after the other, each finished before the next, with no
    /// write between them (the later ones snapshot the same sequence number).
    fn burst(&mut self) {
        for _ in 0..self.rng.usize(2..=4) {
            if self.rng.bool() {
                self.save();
            } else {
                self.background();
                wait_idle(&mut self.control);
            }
        }
    }

    /// Dumps the live keyspace, maybe starts a compaction without waiting, stops the server
    /// one of the case's ways, restarts it on the same directory and compares.
    fn restart(&mut self, round: usize) {
        let live = dump(&self.server);
        let c = &mut self.control;
        assert_eq!(info_field(c, "aof_last_bgrewrite_status"), "ok", "{}", self.context);
        let snapshot_before = info_number(c, "snapshot_seq");
        let last_seq_before = info_number(c, "journal_last_seq");
        self.compactions += info_number(c, "aof_rewrites") + info_number(c, "rdb_saves");
        let interrupted = self.rng.bool();
        if interrupted {
            // Stopped (or killed) while this compaction runs, or just after.
            self.background();
            std::thread::sleep(Duration::from_millis(self.rng.u64(..20)));
        }
        let stop = self.stops[self.rng.usize(..self.stops.len())];
        match stop {
            Stop::Shutdown => {
                self.control.send_command(&[b"SHUTDOWN"]);
                assert!(self.control.is_closed(), "{}: SHUTDOWN replied", self.context);
            }
            Stop::Term => self.server.signal("TERM"),
            Stop::Kill => self.server.signal("KILL"),
        }
        let code = self.server.wait_exit(Duration::from_secs(30));
        if stop == Stop::Kill {
            assert!(code.is_some(), "{}: the server survived SIGKILL", self.context);
        } else {
            let log = self.server.log();
            assert_eq!(code, Some(0), "{}: {stop:?} exit\n{log}", self.context);
        }
        self.server.restart_with(&self.flags);
        self.control = self.server.raw();
        self.restarts += 1;
        let context = format!(
            "{}, round {round}, restart {} ({stop:?}{})",
            self.context,
            self.restarts,
            if interrupted { " during a compaction" } else { "" }
        );
        let restarted = dump(&self.server);
        assert_same(&live, &restarted, &context);
        let c = &mut self.control;
        let snapshot_after = info_number(c, "snapshot_seq");
        assert!(
            snapshot_after >= snapshot_before,
            "{context}: the snapshot in force went back from seq {snapshot_before} to \
             {snapshot_after}"
        );
        if stop != Stop::Kill {
            let last_seq_after = info_number(c, "journal_last_seq");
            assert!(
                last_seq_after >= last_seq_before,
                "{context}: the journal ended at seq {last_seq_before}, recovered to \
                 {last_seq_after}"
            );
        }
        if snapshot_after > 0 {
            self.from_snapshot += 1;
        }
        self.check_files(snapshot_after, &context);
    }

    /// After a start: the snapshot the server loaded is the only one, and no temporary file
    /// of an interrupted compaction is left.
    fn check_files(&self, snapshot_seq: u64, context: &str) {
        let data = self.server.data_dir().join("data");
        let mut snapshots = Vec::new();
        for entry in std::fs::read_dir(&data).expect("data directory").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(!name.ends_with(".tmp"), "{context}: {name} left after a restart");
            if name.starts_with("snapshot-") {
                snapshots.push(name);
            }
        }
        let expected: Vec<String> = if snapshot_seq == 0 {
            Vec::new()
        } else {
            vec![format!("snapshot-{snapshot_seq:020}.snap")]
        };
        assert_eq!(snapshots, expected, "{context}: snapshot files after a restart");
    }
}

/// Runs one case: `ROUNDS` rounds of random writes with compactions at random points, each
/// round ending with a restart, some with one in the middle too.
fn check_case(seed: u64, total: usize, flags: &[&'static str], stops: &'static [Stop]) {
    let context =
        format!("COMPACTION_PROPERTY_SEED={seed} COMPACTION_PROPERTY_COMMANDS={total} {flags:?}");
    eprintln!("compaction property: {context}");
    let started = Instant::now();
    let mut generator = Generator::new(seed);
    let mut case = Case::new(seed, flags, stops, context);
    for round in 0..ROUNDS {
        let count = total / ROUNDS;
        generator.start_round(count);
        case.ballast();
        // "Soon" deadlines are only issued in the first tenth: compactions may run meanwhile
        // (a snapshot then holds keys that expire after it), restarts only once they passed.
        let early = count.div_ceil(10);
        let mut sent = 0;
        let mut errors = 0;
        while sent < count {
            let stretch = case.rng.usize(20..400).min(count - sent);
            let stretch = if sent < early { stretch.min(early - sent) } else { stretch };
            errors += apply(&case.server, &mut generator, stretch);
            sent += stretch;
            if sent == early {
                std::thread::sleep(Duration::from_millis(250));
            }
            match case.rng.u8(..100) {
                0..=29 => {}
                30..=59 => case.background(),
                60..=72 => case.save(),
                73..=84 => case.burst(),
                _ if sent > early && sent < count => case.restart(round),
                _ => {}
            }
        }
        case.restart(round);
        eprintln!("round {round}: {count} commands ({errors} error replies)");
    }
    assert!(
        case.compactions >= ROUNDS as u64,
        "{}: only {} compactions ran",
        case.context,
        case.compactions
    );
    eprintln!(
        "done in {:?}: {} compactions requested, {} done, {} restarts ({} from a snapshot)",
        started.elapsed(),
        case.requested,
        case.compactions,
        case.restarts,
        case.from_snapshot
    );
}

/// `CASES` cases with random seeds, or the one `COMPACTION_PROPERTY_SEED` names.
fn check_cases(flags: &[&'static str], stops: &'static [Stop], default_seed_salt: u64) {
    let total = env_number("COMPACTION_PROPERTY_COMMANDS")
        .map_or(DEFAULT_COMMANDS, |n| usize::try_from(n).unwrap());
    match env_number("COMPACTION_PROPERTY_SEED") {
        Some(seed) => check_case(seed, total, flags, stops),
        None => {
            for _ in 0..CASES {
                check_case(fastrand::u64(..) ^ default_seed_salt, total, flags, stops);
            }
        }
    }
}

#[test]
fn random_writes_and_compactions_survive_kill_and_shutdown() {
    check_cases(&["--appendfsync", "always"], &[Stop::Kill, Stop::Kill, Stop::Shutdown], 0);
}

#[test]
fn random_writes_and_compactions_survive_clean_restarts() {
    check_cases(&[], &[Stop::Shutdown, Stop::Term], 0x5eed);
}
