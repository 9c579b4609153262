//! Random write workloads for the property tests (journal replay, compaction): a seeded
//! generator of every write command over a small key pool, a way to send it on two pipelining
//! connections at once, and a dump of the whole keyspace (every database: type, value,
//! deadline) to compare a server's state before and after a restart.
//!
//! The generator writes over a small key pool so commands collide: every string, bitmap, key,
//! list, hash, set and sorted-set write command with its options (so keys change type, and
//! collections cross their compact-encoding limits), deadlines in the past, a few ms ahead
//! (issued only in the first tenth of a round, so they pass before the round ends) or at least
//! an hour ahead (so nothing expires between a dump and a restart), SELECT interleaved, and
//! reads that can expire keys lazily.
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{encode, RawClient, TestServer, OK};

/// Databases the server has by default; a dump covers all of them.
pub const DATABASES: usize = 16;
/// Commands each connection pipelines before replies are read.
pub const CHUNK: usize = 40;

pub type Command = Vec<Vec<u8>>;

/// Builds a command from anything byte-like.
macro_rules! args {
    ($($x:expr),* $(,)?) => { vec![$(AsRef::<[u8]>::as_ref(&$x).to_vec()),*] };
}

pub fn now_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
    u64::try_from(since.as_millis()).expect("ms fit u64")
}

/// A deadline that is either already past, a few ms ahead (only early in a round) or at least
/// an hour ahead.
#[derive(Clone, Copy)]
pub enum When {
    Past,
    Soon,
    Far,
}

/// Random, mostly valid write commands (and a few reads) over a small key pool.
pub struct Generator {
    rng: fastrand::Rng,
    keys: Vec<Vec<u8>>,
    /// Commands generated so far in this round.
    issued: usize,
    /// Commands in this round: "soon" deadlines are only issued in its first tenth, and
    /// FLUSHALL only in its first half.
    round_len: usize,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        let mut keys: Vec<Vec<u8>> = (0..28).map(|i| format!("k{i}").into_bytes()).collect();
        keys.push(b"key with space".to_vec());
        keys.push(b"\x00\xffbin".to_vec());
        Generator { rng: fastrand::Rng::with_seed(seed), keys, issued: 0, round_len: 1 }
    }

    pub fn start_round(&mut self, round_len: usize) {
        self.issued = 0;
        self.round_len = round_len.max(1);
    }

    fn early(&self) -> bool {
        self.issued * 10 < self.round_len
    }

    fn key(&mut self) -> Vec<u8> {
        self.keys[self.rng.usize(..self.keys.len())].clone()
    }

    fn db(&mut self) -> String {
        // Most traffic in a few databases so keys collide; every database now and then.
        if self.rng.u8(..4) == 0 {
            self.rng.usize(..DATABASES).to_string()
        } else {
            self.rng.usize(..4).to_string()
        }
    }

    fn value(&mut self) -> Vec<u8> {
        let rng = &mut self.rng;
        match rng.u8(..12) {
            0..=3 => rng.i64(-100..1000).to_string().into_bytes(),
            4 => format!("{}.{}", rng.i32(-50..50), rng.u8(..100)).into_bytes(),
            5 => Vec::new(),
            6 => (0..rng.usize(1..9)).map(|_| rng.u8(..)).collect(),
            7 => (i64::MAX - rng.i64(0..3)).to_string().into_bytes(),
            _ => {
                let len = rng.usize(1..13);
                (0..len).map(|_| rng.alphanumeric() as u8).collect()
            }
        }
    }

    fn when(&mut self) -> When {
        match self.rng.u8(..10) {
            0..=2 => When::Past,
            3..=4 if self.early() => When::Soon,
            _ => When::Far,
        }
    }

    fn far_ms(&mut self) -> u64 {
        self.rng.u64(3_600_000..86_400_000)
    }

    fn soon_ms(&mut self) -> u64 {
        self.rng.u64(50..=200)
    }

    /// Relative milliseconds (PX, PEXPIRE): past ones are zero or negative.
    fn relative_ms(&mut self, when: When) -> String {
        match when {
            When::Past => self.rng.i64(-1000..=0).to_string(),
            When::Soon => self.soon_ms().to_string(),
            When::Far => self.far_ms().to_string(),
        }
    }

    /// Relative seconds (EX, EXPIRE): no "soon" in whole seconds, so that becomes far.
    fn relative_s(&mut self, when: When) -> String {
        match when {
            When::Past => self.rng.i64(-10..=0).to_string(),
            When::Soon | When::Far => (self.far_ms() / 1000).to_string(),
        }
    }

    /// Absolute Unix milliseconds (PXAT, PEXPIREAT).
    fn absolute_ms(&mut self, when: When) -> String {
        let now = now_ms();
        match when {
            When::Past if self.rng.bool() => "1".to_string(),
            When::Past => (now - self.rng.u64(1..100_000)).to_string(),
            When::Soon => (now + self.soon_ms()).to_string(),
            When::Far => (now + self.far_ms()).to_string(),
        }
    }

    /// Absolute Unix seconds (EXAT, EXPIREAT): a past second is at least one second ago.
    fn absolute_s(&mut self, when: When) -> String {
        let now_s = now_ms() / 1000;
        match when {
            When::Past if self.rng.bool() => "1".to_string(),
            When::Past => (now_s - self.rng.u64(1..1000)).to_string(),
            When::Soon | When::Far => (now_s + 1 + self.far_ms() / 1000).to_string(),
        }
    }

    /// SET's and GETEX's deadline options.
    fn deadline_option(&mut self, command: &mut Command) {
        let when = self.when();
        match self.rng.u8(..5) {
            0 => command.extend(args!["EX", self.relative_s(When::Far)]),
            1 => {
                // PX must be positive; a past one becomes far.
                let when = if matches!(when, When::Past) { When::Far } else { when };
                command.extend(args!["PX", self.relative_ms(when)]);
            }
            2 => command.extend(args!["EXAT", self.absolute_s(when)]),
            _ => command.extend(args!["PXAT", self.absolute_ms(when)]),
        }
    }

    fn condition(&mut self) -> Option<&'static str> {
        match self.rng.u8(..8) {
            0 => Some("NX"),
            1 => Some("XX"),
            2 => Some("GT"),
            3 => Some("LT"),
            _ => None,
        }
    }

    fn bitfield_type(&mut self) -> String {
        let signed = if self.rng.bool() { "i" } else { "u" };
        let bits = [1, 4, 5, 8, 16, 32][self.rng.usize(..6)];
        if signed == "i" && bits == 1 {
            return "i2".to_string();
        }
        format!("{signed}{bits}")
    }

    fn bitfield_offset(&mut self) -> String {
        if self.rng.bool() {
            format!("#{}", self.rng.u8(..8))
        } else {
            self.rng.u8(..64).to_string()
        }
    }

    fn pairs(&mut self, command: &mut Command) {
        for _ in 0..self.rng.usize(1..4) {
            let (key, value) = (self.key(), self.value());
            command.push(key);
            command.push(value);
        }
    }

    /// A collection element from a small pool (so they collide), sometimes an integer (intset)
    /// or longer than the compact encodings allow (70 bytes).
    fn element(&mut self) -> Vec<u8> {
        match self.rng.u8(..20) {
            0..=5 => self.rng.i64(-20..20).to_string().into_bytes(),
            6 => vec![b'L'; 70],
            7 => Vec::new(),
            _ => format!("e{}", self.rng.u8(..24)).into_bytes(),
        }
    }

    fn elements(&mut self, command: &mut Command, most: usize) {
        for _ in 0..self.rng.usize(1..=most) {
            let element = self.element();
            command.push(element);
        }
    }

    fn score(&mut self) -> String {
        match self.rng.u8(..12) {
            0 => "-inf".into(),
            1 => "+inf".into(),
            2 => format!("{}.{}", self.rng.i32(-9..9), self.rng.u8(..100)),
            _ => self.rng.i32(-5..5).to_string(),
        }
    }

    fn side(&mut self) -> &'static str {
        if self.rng.bool() {
            "LEFT"
        } else {
            "RIGHT"
        }
    }

    /// Some keys of the pool (for numkeys commands).
    fn some_keys(&mut self, command: &mut Command, counted: bool) {
        let n = self.rng.usize(1..4);
        if counted {
            command.push(n.to_string().into_bytes());
        }
        for _ in 0..n {
            let key = self.key();
            command.push(key);
        }
    }

    fn list_command(&mut self, k: Vec<u8>) -> Command {
        match self.rng.u8(..16) {
            0..=2 => {
                let mut c = args![if self.rng.bool() { "LPUSH" } else { "RPUSH" }, k];
                self.elements(&mut c, 5);
                c
            }
            3 => {
                let mut c = args![if self.rng.bool() { "LPUSHX" } else { "RPUSHX" }, k];
                self.elements(&mut c, 3);
                c
            }
            4 | 5 => {
                let mut c = args![if self.rng.bool() { "LPOP" } else { "RPOP" }, k];
                if self.rng.bool() {
                    c.push(self.rng.u8(..4).to_string().into_bytes());
                }
                c
            }
            6 => args!["LSET", k, self.rng.i8(-4..4).to_string(), self.element()],
            7 => {
                let at = if self.rng.bool() { "BEFORE" } else { "AFTER" };
                args!["LINSERT", k, at, self.element(), self.element()]
            }
            8 => args!["LREM", k, self.rng.i8(-2..3).to_string(), self.element()],
            9 => args!["LTRIM", k, self.rng.i8(-5..4).to_string(), self.rng.i8(-5..6).to_string()],
            10 => args!["LMOVE", k, self.key(), self.side(), self.side()],
            11 => args!["RPOPLPUSH", k, self.key()],
            12 => {
                let mut c = args!["LMPOP"];
                self.some_keys(&mut c, true);
                c.push(self.side().into());
                if self.rng.bool() {
                    c.extend(args!["COUNT", self.rng.u8(1..4).to_string()]);
                }
                c
            }
            // Blocking forms with a tiny timeout: served at once when the list has elements.
            13 => args![if self.rng.bool() { "BLPOP" } else { "BRPOP" }, k, "0.01"],
            14 => args!["BLMOVE", k, self.key(), self.side(), self.side(), "0.01"],
            _ => args!["LRANGE", k, "0", "-1"],
        }
    }

    fn hash_command(&mut self, k: Vec<u8>) -> Command {
        match self.rng.u8(..10) {
            0..=3 => {
                let mut c = args![if self.rng.u8(..4) == 0 { "HMSET" } else { "HSET" }, k];
                for _ in 0..self.rng.usize(1..4) {
                    c.push(self.element());
                    c.push(self.value());
                }
                c
            }
            4 => args!["HSETNX", k, self.element(), self.value()],
            5 | 6 => {
                let mut c = args!["HDEL", k];
                self.elements(&mut c, 3);
                c
            }
            7 => args!["HINCRBY", k, self.element(), self.rng.i64(-100..100).to_string()],
            8 => {
                let by = ["1.5", "-0.25", "3", "1e3", "0.1"][self.rng.usize(..5)];
                args!["HINCRBYFLOAT", k, self.element(), by]
            }
            _ => args!["HGETALL", k],
        }
    }

    fn set_command(&mut self, k: Vec<u8>) -> Command {
        match self.rng.u8(..10) {
            0..=3 => {
                let mut c = args!["SADD", k];
                self.elements(&mut c, 6);
                c
            }
            4 => {
                let mut c = args!["SREM", k];
                self.elements(&mut c, 3);
                c
            }
            5 => {
                let mut c = args!["SPOP", k];
                if self.rng.bool() {
                    c.push(self.rng.u8(..4).to_string().into_bytes());
                }
                c
            }
            6 => args!["SMOVE", k, self.key(), self.element()],
            7 | 8 => {
                let name = ["SDIFFSTORE", "SINTERSTORE", "SUNIONSTORE"][self.rng.usize(..3)];
                let mut c = args![name, k];
                self.some_keys(&mut c, false);
                c
            }
            _ => args!["SMEMBERS", k],
        }
    }

    fn zset_command(&mut self, k: Vec<u8>) -> Command {
        match self.rng.u8(..14) {
            0..=3 => {
                let mut c = args!["ZADD", k];
                match self.rng.u8(..6) {
                    0 => c.push(b"NX".to_vec()),
                    1 => c.push(b"XX".to_vec()),
                    2 => c.push(b"GT".to_vec()),
                    3 => c.push(b"LT".to_vec()),
                    _ => {}
                }
                if self.rng.u8(..4) == 0 {
                    c.push(b"CH".to_vec());
                }
                if self.rng.u8(..6) == 0 {
                    c.extend(args!["INCR", self.score(), self.element()]);
                } else {
                    for _ in 0..self.rng.usize(1..4) {
                        c.push(self.score().into_bytes());
                        c.push(self.element());
                    }
                }
                c
            }
            4 => args!["ZINCRBY", k, self.score(), self.element()],
            5 => {
                let mut c = args!["ZREM", k];
                self.elements(&mut c, 3);
                c
            }
            6 => args![
                "ZREMRANGEBYRANK",
                k,
                self.rng.i8(-3..3).to_string(),
                self.rng.i8(-3..3).to_string()
            ],
            7 => args!["ZREMRANGEBYSCORE", k, "(0", self.score()],
            8 => args!["ZREMRANGEBYLEX", k, "[e1", "(e5"],
            9 => {
                let mut c = args![if self.rng.bool() { "ZPOPMIN" } else { "ZPOPMAX" }, k];
                if self.rng.bool() {
                    c.push(self.rng.u8(..4).to_string().into_bytes());
                }
                c
            }
            10 => {
                let mut c = args!["ZMPOP"];
                self.some_keys(&mut c, true);
                c.push(if self.rng.bool() { b"MIN".to_vec() } else { b"MAX".to_vec() });
                c
            }
            11 | 12 => {
                let name = ["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"][self.rng.usize(..3)];
                let mut c = args![name, k];
                self.some_keys(&mut c, true);
                if name != "ZDIFFSTORE" && self.rng.bool() {
                    c.extend(args!["AGGREGATE", ["SUM", "MIN", "MAX"][self.rng.usize(..3)]]);
                }
                c
            }
            _ => args!["ZRANGESTORE", k, self.key(), "0", "-1"],
        }
    }

    pub fn next(&mut self) -> Command {
        self.issued += 1;
        let k = self.key();
        let pick = self.rng.u32(..1500);
        if pick >= 1000 {
            return match pick {
                1000..=1149 => self.list_command(k),
                1150..=1279 => self.hash_command(k),
                1280..=1389 => self.set_command(k),
                _ => self.zset_command(k),
            };
        }
        match pick {
            0..=39 => args!["SELECT", self.db()],
            40..=139 => {
                let mut c = args!["SET", k, self.value()];
                match self.rng.u8(..6) {
                    0 => c.push(b"NX".to_vec()),
                    1 => c.push(b"XX".to_vec()),
                    _ => {}
                }
                if self.rng.u8(..4) == 0 {
                    c.push(b"GET".to_vec());
                }
                match self.rng.u8(..10) {
                    0..=3 => {}
                    4 => c.push(b"KEEPTTL".to_vec()),
                    _ => self.deadline_option(&mut c),
                }
                c
            }
            140..=159 => args!["SETNX", k, self.value()],
            160..=179 => args!["SETEX", k, self.relative_s(When::Far), self.value()],
            180..=209 => {
                let when = if self.early() && self.rng.bool() { When::Soon } else { When::Far };
                args!["PSETEX", k, self.relative_ms(when), self.value()]
            }
            210..=229 => args!["GETSET", k, self.value()],
            230..=244 => args!["GETDEL", k],
            245..=274 => {
                let mut c = args!["GETEX", k];
                match self.rng.u8(..4) {
                    0 => {}
                    1 => c.push(b"PERSIST".to_vec()),
                    _ => self.deadline_option(&mut c),
                }
                c
            }
            275..=299 => {
                let mut c = args!["MSET"];
                self.pairs(&mut c);
                c
            }
            300..=314 => {
                let mut c = args!["MSETNX"];
                self.pairs(&mut c);
                c
            }
            315..=354 => args!["APPEND", k, self.value()],
            355..=379 => args!["SETRANGE", k, self.rng.u8(..40).to_string(), self.value()],
            380..=399 => args!["INCR", k],
            400..=414 => args!["DECR", k],
            415..=434 => {
                let by = match self.rng.u8(..10) {
                    0 => i64::MAX.to_string(),
                    1 => i64::MIN.to_string(),
                    _ => self.rng.i64(-1000..1000).to_string(),
                };
                args!["INCRBY", k, by]
            }
            435..=444 => args!["DECRBY", k, self.rng.i64(-1000..1000).to_string()],
            445..=464 => {
                let by = ["1.5", "-0.25", "3", "1e3", "-7.125", "0.1", "inf", "abc", "5.0e-2"]
                    [self.rng.usize(..9)];
                args!["INCRBYFLOAT", k, by]
            }
            465..=494 => {
                args!["SETBIT", k, self.rng.u16(..200).to_string(), self.rng.u8(..2).to_string()]
            }
            495..=519 => {
                let mut c = args!["BITFIELD", k];
                for _ in 0..self.rng.usize(1..4) {
                    match self.rng.u8(..5) {
                        0 => {
                            let mode = ["WRAP", "SAT", "FAIL"][self.rng.usize(..3)];
                            c.extend(args!["OVERFLOW", mode]);
                        }
                        1 => {
                            let (t, o) = (self.bitfield_type(), self.bitfield_offset());
                            c.extend(args!["GET", t, o]);
                        }
                        2 => {
                            let (t, o) = (self.bitfield_type(), self.bitfield_offset());
                            let v = self.rng.i64(-200..200).to_string();
                            c.extend(args!["SET", t, o, v]);
                        }
                        _ => {
                            let (t, o) = (self.bitfield_type(), self.bitfield_offset());
                            let v = self.rng.i64(-100..100).to_string();
                            c.extend(args!["INCRBY", t, o, v]);
                        }
                    }
                }
                c
            }
            520..=539 => {
                let op = ["AND", "OR", "XOR", "NOT"][self.rng.usize(..4)];
                let mut c = args!["BITOP", op, k, self.key()];
                if op != "NOT" {
                    for _ in 0..self.rng.usize(..3) {
                        c.push(self.key());
                    }
                }
                c
            }
            540..=569 => {
                let mut c = args![if self.rng.bool() { "DEL" } else { "UNLINK" }, k];
                for _ in 0..self.rng.usize(..3) {
                    c.push(self.key());
                }
                c
            }
            570..=669 => {
                let when = self.when();
                let mut c = match self.rng.u8(..4) {
                    0 => args!["EXPIRE", k, self.relative_s(when)],
                    1 => args!["PEXPIRE", k, self.relative_ms(when)],
                    2 => args!["EXPIREAT", k, self.absolute_s(when)],
                    _ => args!["PEXPIREAT", k, self.absolute_ms(when)],
                };
                if let Some(condition) = self.condition() {
                    c.push(condition.into());
                }
                c
            }
            670..=694 => args!["PERSIST", k],
            695..=714 => args!["RENAME", k, self.key()],
            715..=729 => args!["RENAMENX", k, self.key()],
            730..=759 => {
                let mut c = args!["COPY", k, self.key()];
                if self.rng.bool() {
                    c.extend(args!["DB", self.db()]);
                }
                if self.rng.bool() {
                    c.push(b"REPLACE".to_vec());
                }
                c
            }
            760..=779 => args!["MOVE", k, self.db()],
            780..=782 => args!["SWAPDB", self.db(), self.db()],
            783..=784 => {
                let mut c = args!["FLUSHDB"];
                if self.rng.bool() {
                    c.push(if self.rng.bool() { b"SYNC".to_vec() } else { b"ASYNC".to_vec() });
                }
                c
            }
            785 if self.issued * 2 < self.round_len && self.rng.u8(..4) == 0 => {
                args!["FLUSHALL"]
            }
            785..=889 => args!["GET", k],
            890..=939 => {
                let mut c = args!["EXISTS", k];
                for _ in 0..self.rng.usize(..3) {
                    c.push(self.key());
                }
                c
            }
            940..=959 => args!["PTTL", k],
            960..=979 => args!["STRLEN", k],
            _ => args!["GETRANGE", k, "0", "-1"],
        }
    }
}

/// Every key of every database: (database, key) to (its value as the type's read command
/// replies, PEXPIRETIME reply).
pub type Dump = BTreeMap<(usize, Vec<u8>), (Vec<u8>, String)>;

/// The elements of a RESP2 array of bulk strings.
pub fn bulk_strings(reply: &[u8]) -> Vec<Vec<u8>> {
    fn line(reply: &[u8], at: &mut usize) -> i64 {
        let end = reply[*at..].windows(2).position(|w| w == b"\r\n").expect("CRLF") + *at;
        let n = std::str::from_utf8(&reply[*at + 1..end]).unwrap().parse().unwrap();
        *at = end + 2;
        n
    }
    assert_eq!(reply.first(), Some(&b'*'), "{:?}", String::from_utf8_lossy(reply));
    let mut at = 0;
    let count = line(reply, &mut at);
    (0..count)
        .map(|_| {
            let len = usize::try_from(line(reply, &mut at)).expect("bulk string");
            let item = reply[at..at + len].to_vec();
            at += len + 2;
            item
        })
        .collect()
}

/// The key's type and contents. Hash and set contents are sorted: a hash table's iteration
/// order depends on the process's hash seed, not on the journal. Encodings are not compared:
/// like Redis after a reload, a restarted server picks them by size.
pub fn read_value(c: &mut RawClient, key: &[u8]) -> Vec<u8> {
    let kind = c.cmd_bytes(&[b"TYPE", key]);
    let mut sorted = |command: &[&[u8]]| {
        let mut items = bulk_strings(&c.cmd_bytes(command));
        items.sort();
        items.join(&b'\n')
    };
    let contents = match kind.as_slice() {
        b"+list\r\n" => c.cmd_bytes(&[b"LRANGE", key, b"0", b"-1"]),
        b"+hash\r\n" => {
            let pairs = bulk_strings(&c.cmd_bytes(&[b"HGETALL", key]));
            let mut pairs: Vec<Vec<u8>> = pairs.chunks(2).map(|p| p.join(&b'=')).collect();
            pairs.sort();
            pairs.join(&b'\n')
        }
        b"+set\r\n" => sorted(&[b"SMEMBERS", key]),
        b"+zset\r\n" => c.cmd_bytes(&[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]),
        _ => c.cmd_bytes(&[b"GET", key]),
    };
    [kind, contents].join(&b' ')
}

/// Every key of every database as `server` has it now (waiting out -LOADING).
pub fn dump(server: &TestServer) -> Dump {
    let mut c = server.raw();
    // A restarted server may answer -LOADING while it replays; wait until it has loaded.
    let loading_until = Instant::now() + Duration::from_secs(20);
    while c.cmd(&["EXISTS", "journal-property-probe"]).starts_with("-LOADING") {
        assert!(Instant::now() < loading_until, "still loading:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(10));
    }
    dump_client(&mut c)
}

/// Every key of every database, read on `c`: its type and value, and PEXPIRETIME.
pub fn dump_client(c: &mut RawClient) -> Dump {
    let mut out = Dump::new();
    for db in 0..DATABASES {
        assert_eq!(c.cmd(&["SELECT", &db.to_string()]), OK);
        for key in bulk_strings(&c.cmd_bytes(&[b"KEYS", b"*"])) {
            let value = read_value(c, &key);
            let deadline = String::from_utf8(c.cmd_bytes(&[b"PEXPIRETIME", &key])).unwrap();
            out.insert((db, key), (value, deadline));
        }
    }
    out
}

pub fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).escape_debug().to_string()
}

/// Panics with the first difference between the live dump and the one after a restart.
pub fn assert_same(before: &Dump, after: &Dump, context: &str) {
    if before == after {
        return;
    }
    let names: std::collections::BTreeSet<_> = before.keys().chain(after.keys()).collect();
    let mut differences = 0;
    let mut first = String::new();
    for name in names {
        let (was, is) = (before.get(name), after.get(name));
        if was != is {
            differences += 1;
            if first.is_empty() {
                let view = |s: Option<&(Vec<u8>, String)>| {
                    s.map(|(v, d)| format!("value {} PEXPIRETIME {}", show(v), show(d.as_bytes())))
                };
                first = format!(
                    "db {} key \"{}\": live {:?}, restarted {:?}",
                    name.0,
                    show(&name.1),
                    view(was),
                    view(is)
                );
            }
        }
    }
    panic!(
        "{context}: the keyspace after the restart differs from the live one in {differences} \
         keys ({} live, {} restarted); first: {first}",
        before.len(),
        after.len()
    );
}

/// Sends `count` generated commands on two connections at once, in pipelined chunks, and
/// reads every reply; returns how many were errors.
pub fn apply(server: &TestServer, generator: &mut Generator, count: usize) -> usize {
    apply_on(server.port, generator, count)
}

/// `apply` against the server listening on `port` (tests/replication.rs: a
/// `servers::Server`, which keeps its port across restarts).
pub fn apply_on(port: u16, generator: &mut Generator, count: usize) -> usize {
    let mut connections = [RawClient::connect(port), RawClient::connect(port)];
    let mut sent = 0;
    let mut errors = 0;
    while sent < count {
        let mut pending = [0usize; 2];
        for (i, connection) in connections.iter_mut().enumerate() {
            let mut bytes = Vec::new();
            while pending[i] < CHUNK && sent < count {
                let command = generator.next();
                let parts: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
                bytes.extend_from_slice(&encode(&parts));
                pending[i] += 1;
                sent += 1;
            }
            connection.send(&bytes);
        }
        for (i, connection) in connections.iter_mut().enumerate() {
            for _ in 0..pending[i] {
                if connection.read_reply_bytes().starts_with(b"-") {
                    errors += 1;
                }
            }
        }
    }
    errors
}

/// Like `apply`, but the first connection sends each chunk as one MULTI ... EXEC transaction
/// (its effects one journal record), while the second sends plain commands at the same time.
pub fn apply_in_transactions(
    server: &TestServer,
    generator: &mut Generator,
    count: usize,
) -> usize {
    apply_in_transactions_on(server.port, generator, count)
}

/// `apply_in_transactions` against the server listening on `port`.
pub fn apply_in_transactions_on(port: u16, generator: &mut Generator, count: usize) -> usize {
    let mut connections = [RawClient::connect(port), RawClient::connect(port)];
    let mut sent = 0;
    let mut errors = 0;
    while sent < count {
        let mut pending = [0usize; 2];
        for (i, connection) in connections.iter_mut().enumerate() {
            let mut bytes = if i == 0 { encode(&[b"MULTI"]) } else { Vec::new() };
            while pending[i] < CHUNK && sent < count {
                let command = generator.next();
                let parts: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
                bytes.extend_from_slice(&encode(&parts));
                pending[i] += 1;
                sent += 1;
            }
            if i == 0 {
                bytes.extend_from_slice(&encode(&[b"EXEC"]));
            }
            connection.send(&bytes);
        }
        for (i, connection) in connections.iter_mut().enumerate() {
            // The transaction's +OK and +QUEUED (or rejections) come before EXEC's reply.
            let replies = if i == 0 { pending[i] + 2 } else { pending[i] };
            for _ in 0..replies {
                if connection.read_reply_bytes().starts_with(b"-") {
                    errors += 1;
                }
            }
        }
    }
    errors
}

pub fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(text.trim().parse().unwrap_or_else(|_| panic!("{name}={text:?} is not a number")))
}
