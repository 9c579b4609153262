//! The usage guide (docs/guide/*.md) checked against the real binary: every example block is
//! run on a fresh server per page and its output must match the page exactly, and the guide,
//! docs/COMMANDS.md and the server's `COMMAND LIST` must name the same commands.
//!
//! The block conventions are described for readers in docs/guide/README.md ("How the
//! examples are checked"); this file is their one implementation.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Stands for any text (possibly empty) inside one line of expected output.
const ANY: &str = "<any>";

/// Port numbers a shell example may name: `4000` is the page's server, `4001` a second free
/// port (for a second server an example starts).
const PAGE_PORT: &str = "4000";
const SECOND_PORT: &str = "4001";

/// How long one reply or one shell command may take on a slow, shared CI machine.
const REPLY_TIMEOUT: Duration = Duration::from_secs(20);
const SHELL_TIMEOUT_SECONDS: u32 = 120;

/// Commands of docs/COMMANDS.md the guide names but never runs in an example, with the reason.
const NOT_RUN: &[(&str, &str)] = &[
    ("SHUTDOWN", "it stops the page's server, which the examples after it need"),
    ("ACL|HELP", HELP_REASON),
    ("CLIENT|HELP", HELP_REASON),
    ("COMMAND|HELP", HELP_REASON),
    ("CONFIG|HELP", HELP_REASON),
    ("MEMORY|HELP", HELP_REASON),
    ("PUBSUB|HELP", HELP_REASON),
    ("SLOWLOG|HELP", HELP_REASON),
    ("LATENCY|HELP", HELP_REASON),
    ("MODULE|HELP", HELP_REASON),
    ("CLUSTER|ADDSLOTS", CLUSTER_REASON),
    ("CLUSTER|ADDSLOTSRANGE", CLUSTER_REASON),
    ("CLUSTER|BUMPEPOCH", CLUSTER_REASON),
    ("CLUSTER|COUNT-FAILURE-REPORTS", CLUSTER_REASON),
    ("CLUSTER|COUNTKEYSINSLOT", CLUSTER_REASON),
    ("CLUSTER|DELSLOTS", CLUSTER_REASON),
    ("CLUSTER|DELSLOTSRANGE", CLUSTER_REASON),
    ("CLUSTER|FAILOVER", CLUSTER_REASON),
    ("CLUSTER|FLUSHSLOTS", CLUSTER_REASON),
    ("CLUSTER|FORGET", CLUSTER_REASON),
    ("CLUSTER|GETKEYSINSLOT", CLUSTER_REASON),
    ("CLUSTER|LINKS", CLUSTER_REASON),
    ("CLUSTER|MEET", CLUSTER_REASON),
    ("CLUSTER|MYID", CLUSTER_REASON),
    ("CLUSTER|MYSHARDID", CLUSTER_REASON),
    ("CLUSTER|NODES", CLUSTER_REASON),
    ("CLUSTER|REPLICAS", CLUSTER_REASON),
    ("CLUSTER|REPLICATE", CLUSTER_REASON),
    ("CLUSTER|RESET", CLUSTER_REASON),
    ("CLUSTER|SAVECONFIG", CLUSTER_REASON),
    ("CLUSTER|SET-CONFIG-EPOCH", CLUSTER_REASON),
    ("CLUSTER|SETSLOT", CLUSTER_REASON),
    ("CLUSTER|SHARDS", CLUSTER_REASON),
    ("CLUSTER|SLAVES", CLUSTER_REASON),
];
const CLUSTER_REASON: &str =
    "every CLUSTER subcommand replies as the four the guide runs (server.md names them all)";
const HELP_REASON: &str =
    "redis-server's help text, a screen each; OBJECT HELP shows the form (keys.md)";

/// Fence tags a guide page may use. `text` is for things that are not commands and output
/// (log lines, file layouts); every command example is a checked session.
const FENCE_TAGS: &[&str] = &["redis-session", "shell-session", "text"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Redis,
    Shell,
}

/// One fenced example: its kind, the page line of its first content line, and its lines.
struct Block {
    kind: Kind,
    first_line: usize,
    lines: Vec<String>,
}

fn guide_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guide")
}

/// Every page of the guide, by file name, with its text.
fn pages() -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = std::fs::read_dir(guide_dir())
        .expect("docs/guide exists")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).expect("readable page"))
        })
        .collect();
    pages.sort();
    assert!(pages.len() > 5, "the guide has its pages");
    pages
}

/// The page's session blocks; any other fence tag but `text` is an error.
fn blocks(page: &str, text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut open: Option<OpenBlock> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim_start().starts_with("```") && !line.starts_with("```") {
            return Err(format!("{page}:{number}: an indented fence would not be checked"));
        }
        match (&mut open, line.strip_prefix("```")) {
            (Some(_), Some("")) => {
                let block = open.take().unwrap();
                if block.kind_is_checked() {
                    blocks.push(block.into_checked());
                }
            }
            (Some(block), _) => block.lines.push(line.to_string()),
            (None, Some(tag)) => {
                if !FENCE_TAGS.contains(&tag) {
                    return Err(format!(
                        "{page}:{number}: fence tag {tag:?}: use one of {FENCE_TAGS:?}"
                    ));
                }
                let kind = match tag {
                    "redis-session" => Some(Kind::Redis),
                    "shell-session" => Some(Kind::Shell),
                    _ => None,
                };
                open = Some(OpenBlock { kind, first_line: number + 1, lines: Vec::new() });
            }
            (None, None) => {}
        }
    }
    if open.is_some() {
        return Err(format!("{page}: a fenced block is not closed"));
    }
    Ok(blocks)
}

/// A block being read: `kind` None for `text` blocks, which are skipped.
struct OpenBlock {
    kind: Option<Kind>,
    first_line: usize,
    lines: Vec<String>,
}

impl OpenBlock {
    fn kind_is_checked(&self) -> bool {
        self.kind.is_some()
    }

    fn into_checked(self) -> Block {
        Block { kind: self.kind.unwrap(), first_line: self.first_line, lines: self.lines }
    }
}

// ---------------------------------------------------------------------------------------------
// Redis sessions

/// A step of a redis-session block: a command on a named connection ("" is the default), or
/// a read of what a connection receives, each with the output lines that follow it.
#[derive(Debug)]
enum Step {
    Command { connection: String, line: String },
    Receive { connection: String },
}

fn session_steps(block: &Block) -> Result<Vec<(usize, Step, Vec<String>)>, String> {
    let mut steps: Vec<(usize, Step, Vec<String>)> = Vec::new();
    for (offset, line) in block.lines.iter().enumerate() {
        let number = block.first_line + offset;
        if let Some(step) = parse_step(line) {
            steps.push((number, step, Vec::new()));
        } else if let Some(last) = steps.last_mut() {
            last.2.push(line.clone());
        } else {
            return Err(format!("line {number}: output before any command: {line:?}"));
        }
    }
    Ok(steps)
}

fn parse_step(line: &str) -> Option<Step> {
    if let Some(name) = line.strip_suffix(" receives:") {
        if is_connection_name(name) && !name.is_empty() {
            return Some(Step::Receive { connection: name.to_string() });
        }
    }
    let (name, command) = line.split_once("> ")?;
    is_connection_name(name)
        .then(|| Step::Command { connection: name.to_string(), line: command.to_string() })
}

fn is_connection_name(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// redis-cli's argument splitting (`sdssplitargs`): spaces separate arguments, `"..."` takes
/// `\n \r \t \b \a \\ \" \xhh` escapes, `'...'` takes `\'`.
fn split_arguments(line: &str) -> Result<Vec<Vec<u8>>, String> {
    let bytes = line.as_bytes();
    let mut arguments = Vec::new();
    let mut i = 0;
    loop {
        while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        let Some(&first) = bytes.get(i) else { return Ok(arguments) };
        let mut current = Vec::new();
        match first {
            b'"' => i = quoted_double(bytes, i + 1, &mut current)?,
            b'\'' => i = quoted_single(bytes, i + 1, &mut current)?,
            _ => {
                while let Some(&b) = bytes.get(i).filter(|b| !b.is_ascii_whitespace()) {
                    current.push(b);
                    i += 1;
                }
            }
        }
        if bytes.get(i).is_some_and(|b| !b.is_ascii_whitespace()) {
            return Err(format!("closing quote must be followed by a space: {line:?}"));
        }
        arguments.push(current);
    }
}

fn quoted_double(bytes: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    loop {
        match (bytes.get(i), bytes.get(i + 1)) {
            (None, _) => return Err("unbalanced double quote".into()),
            (Some(b'"'), _) => return Ok(i + 1),
            (Some(b'\\'), Some(b'x')) => {
                let hex = bytes.get(i + 2..i + 4).ok_or("short \\x escape")?;
                let hex = std::str::from_utf8(hex).map_err(|e| e.to_string())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|e| e.to_string())?);
                i += 4;
            }
            (Some(b'\\'), Some(&escaped)) => {
                out.push(match escaped {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'b' => 8,
                    b'a' => 7,
                    other => other,
                });
                i += 2;
            }
            (Some(&b), _) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

fn quoted_single(bytes: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    loop {
        match (bytes.get(i), bytes.get(i + 1)) {
            (None, _) => return Err("unbalanced single quote".into()),
            (Some(b'\''), _) => return Ok(i + 1),
            (Some(b'\\'), Some(b'\'')) => {
                out.push(b'\'');
                i += 2;
            }
            (Some(&b), _) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// A RESP2 or RESP3 reply, as hiredis hands it to redis-cli.
#[derive(Debug)]
enum Reply {
    Status(Vec<u8>),
    Error(Vec<u8>),
    Integer(i64),
    Double(String),
    Bulk(Vec<u8>),
    Verbatim(Vec<u8>),
    Nil,
    Bool(bool),
    BigNumber(String),
    Aggregate(char, Vec<Reply>),
}

/// One client connection of a session.
struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    /// Commands sent whose replies were not read yet (blocking commands).
    unread: usize,
}

impl Connection {
    fn open(port: u16) -> Result<Self, String> {
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(REPLY_TIMEOUT)).map_err(|e| e.to_string())?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        Ok(Self { reader: BufReader::new(stream), writer, unread: 0 })
    }

    fn send(&mut self, arguments: &[Vec<u8>]) -> Result<(), String> {
        let mut frame = format!("*{}\r\n", arguments.len()).into_bytes();
        for argument in arguments {
            frame.extend_from_slice(format!("${}\r\n", argument.len()).as_bytes());
            frame.extend_from_slice(argument);
            frame.extend_from_slice(b"\r\n");
        }
        self.writer.write_all(&frame).map_err(|e| format!("send: {e}"))
    }

    fn line(&mut self) -> Result<Vec<u8>, String> {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line).map_err(|e| format!("no reply: {e}"))?;
        if !line.ends_with(b"\r\n") {
            return Err("the server closed the connection".into());
        }
        line.truncate(line.len() - 2);
        Ok(line)
    }

    /// Reads one reply. Nesting depth is bounded by the server's replies (the guide's own).
    fn reply(&mut self) -> Result<Reply, String> {
        let line = self.line()?;
        let (&kind, rest) = line.split_first().ok_or("empty reply line")?;
        let text = String::from_utf8_lossy(rest).into_owned();
        let number = || text.parse::<i64>().map_err(|_| format!("bad length {text:?}"));
        Ok(match kind {
            b'+' => Reply::Status(rest.to_vec()),
            b'-' => Reply::Error(rest.to_vec()),
            b':' => Reply::Integer(number()?),
            b',' => Reply::Double(text),
            b'(' => Reply::BigNumber(text),
            b'#' => Reply::Bool(rest == b"t"),
            b'_' => Reply::Nil,
            b'$' | b'=' | b'!' if number()? < 0 => Reply::Nil,
            b'$' | b'=' | b'!' => {
                let mut payload = vec![0; usize::try_from(number()?).unwrap() + 2];
                self.reader.read_exact(&mut payload).map_err(|e| e.to_string())?;
                payload.truncate(payload.len() - 2);
                match kind {
                    b'$' => Reply::Bulk(payload),
                    b'!' => Reply::Error(payload),
                    // redis-cli prints a verbatim string's text without its `txt:` type.
                    _ => Reply::Verbatim(payload.get(4..).unwrap_or_default().to_vec()),
                }
            }
            b'*' | b'~' | b'>' | b'%' | b'|' if number()? < 0 => Reply::Nil,
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                let count = number()? * if matches!(kind, b'%' | b'|') { 2 } else { 1 };
                let mut items = Vec::new();
                for _ in 0..count {
                    items.push(self.reply()?);
                }
                if kind == b'|' {
                    // An attribute precedes the reply it describes; redis-cli skips it.
                    return self.reply();
                }
                Reply::Aggregate(char::from(kind), items)
            }
            other => return Err(format!("unknown reply type {:?}", char::from(other))),
        })
    }
}

/// redis-cli's `sdscatrepr`: a quoted string with C-style escapes (the server's own copy,
/// which MONITOR lines use; `the_renderer_matches_real_redis_cli_output` checks it against
/// redis-cli).
fn quoted(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    allydb::server::monitor::append_repr(&mut out, bytes);
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether redis-cli prints this command's reply as it is instead of quoting it: the list in
/// its `cliSendCommand` (INFO, CLIENT LIST/INFO, MEMORY DOCTOR/MALLOC-STATS, ...).
fn is_raw_output(arguments: &[Vec<u8>]) -> bool {
    let word = |i: usize| arguments.get(i).map(|a| String::from_utf8_lossy(a).to_lowercase());
    let (command, sub) = (word(0).unwrap_or_default(), word(1).unwrap_or_default());
    let argc = arguments.len();
    match command.as_str() {
        "info" | "lolwut" => true,
        "debug" => argc >= 2 && ["htstats", "htstats-key", "listpack"].contains(&sub.as_str()),
        "memory" => argc >= 2 && ["malloc-stats", "doctor"].contains(&sub.as_str()),
        "cluster" => argc == 2 && ["nodes", "info"].contains(&sub.as_str()),
        "client" => argc >= 2 && ["list", "info"].contains(&sub.as_str()),
        "latency" => (argc == 3 && sub == "graph") || (argc == 2 && sub == "doctor"),
        _ => false,
    }
}

/// redis-cli's raw rendering (`cliFormatReplyRaw`) as a terminal shows it: strings as they
/// are (a "\r" before a newline is invisible), elements of an array on their own lines.
fn render_raw(reply: &Reply) -> String {
    let mut text = match reply {
        Reply::Status(bytes)
        | Reply::Bulk(bytes)
        | Reply::Verbatim(bytes)
        | Reply::Error(bytes) => String::from_utf8_lossy(bytes).replace("\r\n", "\n"),
        Reply::Integer(n) => n.to_string(),
        Reply::Double(text) | Reply::BigNumber(text) => text.clone(),
        Reply::Bool(value) => (if *value { "1" } else { "0" }).to_string(),
        Reply::Nil => String::new(),
        Reply::Aggregate(_, items) => items.iter().map(render_raw).collect::<Vec<_>>().join(""),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// redis-cli's interactive rendering (`cliFormatReplyTTY`), every line ending in '\n'.
fn render(reply: &Reply, prefix: &str) -> String {
    match reply {
        Reply::Status(text) => format!("{}\n", String::from_utf8_lossy(text)),
        Reply::Error(text) => format!("(error) {}\n", String::from_utf8_lossy(text)),
        Reply::Integer(n) => format!("(integer) {n}\n"),
        Reply::Double(text) => format!("(double) {text}\n"),
        Reply::BigNumber(text) => format!("(big number) {text}\n"),
        Reply::Bulk(bytes) => format!("{}\n", quoted(bytes)),
        Reply::Verbatim(bytes) => format!("{}\n", String::from_utf8_lossy(bytes)),
        Reply::Nil => "(nil)\n".to_string(),
        Reply::Bool(value) => format!("({value})\n"),
        Reply::Aggregate(kind, items) => render_aggregate(*kind, items, prefix),
    }
}

fn render_aggregate(kind: char, items: &[Reply], prefix: &str) -> String {
    if items.is_empty() {
        let what = match kind {
            '%' => "hash",
            '~' => "set",
            '>' => "push",
            _ => "array",
        };
        return format!("(empty {what})\n");
    }
    let is_map = kind == '%';
    let entries = if is_map { items.len() / 2 } else { items.len() };
    let width = entries.to_string().len();
    let nested = format!("{prefix}{}", " ".repeat(width + 2));
    let separator = match kind {
        '~' => '~',
        '%' => '#',
        _ => ')',
    };
    let mut out = String::new();
    let step = if is_map { 2 } else { 1 };
    for (entry, chunk) in items.chunks(step).enumerate() {
        let lead = if entry == 0 { "" } else { prefix };
        out.push_str(&format!("{lead}{:>width$}{separator} ", entry + 1));
        out.push_str(&render(&chunk[0], &nested));
        if let Some(value) = chunk.get(1) {
            out.pop();
            out.push_str(" => ");
            out.push_str(&render(value, &nested));
        }
    }
    out
}

/// Whether `actual` matches `expected`, where each `<any>` stands for any text in its line.
fn line_matches(expected: &str, actual: &str) -> bool {
    let pieces: Vec<&str> = expected.split(ANY).collect();
    let [first, middle @ .., last] = pieces.as_slice() else { return expected == actual };
    let Some(mut rest) = actual.strip_prefix(first) else { return false };
    for piece in middle {
        let Some(at) = rest.find(piece) else { return false };
        rest = &rest[at + piece.len()..];
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

fn lines_match(expected: &[String], actual: &[String]) -> bool {
    expected.len() == actual.len() && expected.iter().zip(actual).all(|(e, a)| line_matches(e, a))
}

/// `GUIDE_BLESS=1` (for writing the guide, never in CI): a mismatching output is written
/// into the page instead of failing; review the diff before committing it.
fn is_blessing() -> bool {
    std::env::var_os("GUIDE_BLESS").is_some_and(|v| v == "1")
}

thread_local! {
    /// The page line of the step being run, and the blessed outputs of the page: (line of
    /// the step, expected line count, actual lines).
    static STEP_LINE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static BLESSED: std::cell::RefCell<Vec<(usize, usize, Vec<String>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Writes the blessed outputs into the page, last first so earlier line numbers hold.
fn write_blessed(page: &str) {
    let blessed = BLESSED.with(|b| std::mem::take(&mut *b.borrow_mut()));
    if blessed.is_empty() {
        return;
    }
    let path = guide_dir().join(page);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (line, expected_len, actual) in blessed.into_iter().rev() {
        lines.splice(line..line + expected_len, actual);
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

fn compare(expected: &[String], actual: Vec<String>) -> Result<(), String> {
    if lines_match(expected, &actual) {
        return Ok(());
    }
    if is_blessing() {
        let line = STEP_LINE.with(|l| l.get());
        BLESSED.with(|b| b.borrow_mut().push((line, expected.len(), actual)));
        return Ok(());
    }
    Err(mismatch(expected, &actual))
}

fn mismatch(expected: &[String], actual: &[String]) -> String {
    format!("expected:\n{}\nactual:\n{}", expected.join("\n"), actual.join("\n"))
}

/// The server one page's examples run against, in the page's own temporary directory.
struct PageServer {
    node: common::Node,
    dir: tempfile::TempDir,
    connections: BTreeMap<String, Connection>,
    control: Option<Connection>,
}

impl PageServer {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut node = common::spawn_node(&dir.path().join("allydb.tab"), &[]);
        if let Err(status) = node.ready() {
            panic!("the page's server exited with {status}: {}", node.log());
        }
        Self { node, dir, connections: BTreeMap::new(), control: None }
    }

    fn connection(&mut self, name: &str) -> Result<&mut Connection, String> {
        if !self.connections.contains_key(name) {
            let connection = Connection::open(self.node.port)?;
            self.connections.insert(name.to_string(), connection);
        }
        Ok(self.connections.get_mut(name).unwrap())
    }

    fn run_session(&mut self, block: &Block) -> Result<(), String> {
        for (number, step, expected) in session_steps(block)? {
            STEP_LINE.with(|l| l.set(number));
            self.run_step(&step, &expected).map_err(|e| format!("line {number}: {e}"))?;
        }
        Ok(())
    }

    fn run_step(&mut self, step: &Step, expected: &[String]) -> Result<(), String> {
        match step {
            Step::Command { connection, line } => {
                let arguments = split_arguments(line)?;
                self.connection(connection)?.send(&arguments)?;
                if expected.is_empty() {
                    return self.wait_blocked(connection);
                }
                self.expect_replies(connection, expected, is_raw_output(&arguments))?;
                let closes = arguments.first().is_some_and(|name| {
                    name.eq_ignore_ascii_case(b"QUIT") || name.eq_ignore_ascii_case(b"EXIT")
                });
                if closes {
                    self.wait_closed(connection)?;
                }
                Ok(())
            }
            Step::Receive { connection } => self.expect_replies(connection, expected, false),
        }
    }

    /// After QUIT or EXIT: the server closes the connection, and lists it no more once it
    /// has (a later CLIENT LIST on the page must not show it).
    fn wait_closed(&mut self, name: &str) -> Result<(), String> {
        let mut connection = self.connections.remove(name).ok_or("no such connection")?;
        let mut rest = Vec::new();
        match connection.reader.read_to_end(&mut rest) {
            Ok(_) if rest.is_empty() => Ok(()),
            Ok(_) => Err(format!("{name} got more after its OK: {rest:?}")),
            Err(error) => Err(format!("{name} was not closed after its OK: {error}")),
        }
    }

    /// A command shown without output must block; the page goes on once the server counts
    /// it among the blocked clients (its reply is read by a later `receives:`).
    fn wait_blocked(&mut self, name: &str) -> Result<(), String> {
        self.connection(name)?.unread += 1;
        let waiting: usize = self.connections.values().map(|c| c.unread).sum();
        if self.control.is_none() {
            self.control = Some(Connection::open(self.node.port)?);
        }
        let control = self.control.as_mut().unwrap();
        let blocked = common::eventually(REPLY_TIMEOUT, || {
            let Ok(()) = control.send(&[b"INFO".to_vec(), b"clients".to_vec()]) else {
                return false;
            };
            let Ok(Reply::Bulk(info)) = control.reply() else { return false };
            String::from_utf8_lossy(&info)
                .lines()
                .filter_map(|l| l.strip_prefix("blocked_clients:"))
                .any(|n| n.trim().parse::<usize>().is_ok_and(|n| n >= waiting))
        });
        blocked.then_some(()).ok_or_else(|| "a command without output did not block".into())
    }

    /// Reads replies until their rendering has as many lines as `expected`, then compares.
    fn expect_replies(&mut self, name: &str, expected: &[String], raw: bool) -> Result<(), String> {
        if expected.is_empty() && !is_blessing() {
            return Err("nothing to expect".into());
        }
        let connection = self.connection(name)?;
        let mut actual: Vec<String> = Vec::new();
        while actual.len() < expected.len().max(1) {
            let reply = connection.reply().map_err(|e| format!("{e}\n{}", actual.join("\n")))?;
            connection.unread = connection.unread.saturating_sub(1);
            let text = if raw { render_raw(&reply) } else { render(&reply, "") };
            actual.extend(text.lines().map(str::to_string));
        }
        compare(expected, actual)
    }

    /// Every reply owed was read: an example that forgot one would hide it.
    fn check_nothing_unread(&self) -> Result<(), String> {
        match self.connections.iter().find(|(_, c)| c.unread > 0) {
            Some((name, _)) => Err(format!("connection {name:?} has a reply nobody read")),
            None => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shell sessions

/// `$ command` lines, each with the output lines that follow it.
fn shell_steps(block: &Block) -> Result<Vec<(usize, String, Vec<String>)>, String> {
    let mut steps: Vec<(usize, String, Vec<String>)> = Vec::new();
    for (offset, line) in block.lines.iter().enumerate() {
        let number = block.first_line + offset;
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push((number, command.to_string(), Vec::new()));
        } else if let Some(last) = steps.last_mut() {
            last.2.push(line.clone());
        } else {
            return Err(format!("line {number}: output before any `$ ` command"));
        }
    }
    Ok(steps)
}

/// Replaces the whole numbers `4000` and `4001` by the page's ports.
fn with_ports(command: &str, page_port: u16, second_port: u16) -> String {
    let (page_port, second_port) = (page_port.to_string(), second_port.to_string());
    let mut out = String::new();
    let mut rest = command;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let after_start = &rest[start..];
        let len = after_start.find(|c: char| !c.is_ascii_digit()).unwrap_or(after_start.len());
        let number = &after_start[..len];
        // A number glued to a word or a decimal (`x4000`, `1.4000`) is not a port.
        let glued = rest[..start].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.');
        out.push_str(&rest[..start]);
        out.push_str(match number {
            PAGE_PORT if !glued => &page_port,
            SECOND_PORT if !glued => &second_port,
            other => other,
        });
        rest = &after_start[len..];
    }
    out.push_str(rest);
    out
}

impl PageServer {
    fn run_shell(&mut self, block: &Block, second_port: u16) -> Result<(), String> {
        let binaries = Path::new(env!("CARGO_BIN_EXE_allydb")).parent().unwrap().to_path_buf();
        let path = format!("{}:{}", binaries.display(), std::env::var("PATH").unwrap_or_default());
        for (number, command, expected) in shell_steps(block)? {
            STEP_LINE.with(|l| l.set(number));
            let script = with_ports(&command, self.node.port, second_port);
            let output = Command::new("timeout")
                .arg(SHELL_TIMEOUT_SECONDS.to_string())
                .args(["bash", "-c", &format!("exec 2>&1; {script}")])
                .current_dir(self.dir.path())
                .env("PATH", &path)
                .env_remove("PERSISTENCE_LOCATION")
                .env_remove("ALLYDB_PORT")
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("line {number}: {e}"))?;
            let text = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
            let actual: Vec<String> = text.lines().map(str::to_string).collect();
            compare(&expected, actual).map_err(|e| format!("line {number}: $ {command}\n{e}"))?;
        }
        Ok(())
    }
}

/// Runs every example of one page, in order, on a fresh server.
fn run_page(page: &str, text: &str) -> Result<(), String> {
    let blocks = blocks(page, text)?;
    if blocks.is_empty() {
        return Ok(());
    }
    if blocks.iter().any(|b| b.kind == Kind::Shell) {
        // Panics with a clear message when allydb-journal is older than its sources.
        let _ = common::journal_tool();
    }
    let mut server = PageServer::start();
    let second_port = common::free_port();
    for block in &blocks {
        let result = match block.kind {
            Kind::Redis => server.run_session(block),
            Kind::Shell => server.run_shell(block, second_port),
        };
        result.map_err(|e| format!("{page}: {e}\nserver log:\n{}", server.node.log()))?;
    }
    server.check_nothing_unread().map_err(|e| format!("{page}: {e}"))
}

#[test]
fn every_guide_example_runs_and_shows_its_real_output() {
    let only = std::env::var("GUIDE_PAGE").ok();
    let mut failures = Vec::new();
    for (page, text) in pages() {
        if only.as_ref().is_some_and(|only| *only != page) {
            continue;
        }
        if let Err(failure) = run_page(&page, &text) {
            failures.push(failure);
        }
        write_blessed(&page);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// Command coverage

/// Command names of docs/COMMANDS.md's `| command | since | summary |` tables, with each
/// container's subcommands as `CONTAINER|SUB` (as `COMMAND LIST` names them).
fn commands_table() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/COMMANDS.md");
    let text = std::fs::read_to_string(path).expect("docs/COMMANDS.md");
    let mut in_table = false;
    let mut names = BTreeSet::new();
    for line in text.lines() {
        if line.starts_with("| command | since | summary |") {
            in_table = true;
        } else if !line.starts_with('|') {
            in_table = false;
        } else if let Some(row) = line.strip_prefix("| `").filter(|_| in_table) {
            let (name, rest) = row.split_once('`').expect("a closing backtick");
            let name = name.to_ascii_uppercase();
            let cell = rest.split('|').next().unwrap_or_default().trim();
            if let Some(list) = cell.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
                for sub in list.split(',') {
                    names.insert(format!("{name}|{}", sub.trim().to_ascii_uppercase()));
                }
            }
            names.insert(name);
        }
    }
    names
}

/// Every command the guide's examples run: the first word, and for a container command
/// (one with subcommands in `table`) also `CONTAINER|SUB`.
fn commands_run_by_the_guide(table: &BTreeSet<String>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (page, text) in pages() {
        for block in blocks(&page, &text).unwrap() {
            if block.kind != Kind::Redis {
                continue;
            }
            for (_, step, _) in session_steps(&block).unwrap() {
                let Step::Command { line, .. } = step else { continue };
                let words: Vec<String> = split_arguments(&line)
                    .unwrap()
                    .iter()
                    .map(|w| String::from_utf8_lossy(w).to_ascii_uppercase())
                    .collect();
                let first = words.first().expect("a command has a name").clone();
                if let Some(second) = words.get(1) {
                    let sub = format!("{first}|{second}");
                    if table.contains(&sub) {
                        names.insert(sub);
                    }
                }
                names.insert(first);
            }
        }
    }
    names
}

fn commands_of_the_server() -> BTreeSet<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut node = common::spawn_node(&dir.path().join("data"), &[]);
    node.ready().expect("server starts");
    let mut connection = Connection::open(node.port).unwrap();
    connection.send(&[b"COMMAND".to_vec(), b"LIST".to_vec()]).unwrap();
    let Reply::Aggregate(_, names) = connection.reply().unwrap() else {
        panic!("COMMAND LIST replies an array")
    };
    names
        .iter()
        .map(|name| match name {
            Reply::Bulk(name) => String::from_utf8_lossy(name).to_ascii_uppercase(),
            other => panic!("COMMAND LIST item {other:?}"),
        })
        .collect()
}

#[test]
fn the_guide_the_command_table_and_the_server_name_the_same_commands() {
    let table = commands_table();
    assert!(table.len() > 150, "docs/COMMANDS.md's tables were read: {table:?}");
    let server = commands_of_the_server();
    let only_table: Vec<_> = table.difference(&server).collect();
    let only_server: Vec<_> = server.difference(&table).collect();
    assert!(only_table.is_empty(), "in docs/COMMANDS.md, unknown to the server: {only_table:?}");
    assert!(only_server.is_empty(), "served, missing from docs/COMMANDS.md: {only_server:?}");

    let run = commands_run_by_the_guide(&table);
    let not_run: BTreeSet<String> = NOT_RUN.iter().map(|(name, _)| name.to_string()).collect();
    let unknown: Vec<_> = run.difference(&table).collect();
    assert!(unknown.is_empty(), "the guide runs commands docs/COMMANDS.md lacks: {unknown:?}");
    let missing: Vec<_> = table.difference(&run).filter(|c| !not_run.contains(*c)).collect();
    assert!(missing.is_empty(), "no guide example runs: {missing:?}");
    let needless: Vec<_> = not_run.intersection(&run).collect();
    assert!(needless.is_empty(), "excluded but run after all: {needless:?}");

    // An excluded command is still documented: the guide names it in the text.
    let all_text: String = pages().into_iter().map(|(_, text)| text).collect();
    for (name, reason) in NOT_RUN {
        let words = name.replace('|', " ");
        assert!(
            all_text.contains(&format!("`{words}")),
            "the guide never names {words} ({reason})"
        );
    }
}

#[test]
fn the_renderer_matches_redis_cli_on_nested_replies() {
    // The same shapes as redis-cli prints them (the next test runs redis-cli itself).
    let nested = Reply::Aggregate(
        '*',
        vec![
            Reply::Bulk(b"a".to_vec()),
            Reply::Aggregate('*', vec![Reply::Integer(1), Reply::Bulk(b"x\ty\xff".to_vec())]),
            Reply::Aggregate('*', vec![]),
            Reply::Nil,
        ],
    );
    assert_eq!(
        render(&nested, ""),
        "1) \"a\"\n2) 1) (integer) 1\n   2) \"x\\ty\\xff\"\n3) (empty array)\n4) (nil)\n"
    );
    let map = Reply::Aggregate(
        '%',
        vec![Reply::Bulk(b"k".to_vec()), Reply::Aggregate('~', vec![Reply::Bool(true)])],
    );
    assert_eq!(render(&map, ""), "1# \"k\" => 1~ (true)\n");
    let ten = Reply::Aggregate('*', (1..=10).map(Reply::Integer).collect());
    assert!(render(&ten, "").starts_with(" 1) (integer) 1\n 2) "));
    assert!(render(&ten, "").ends_with("\n10) (integer) 10\n"));
    assert!(line_matches("a <any> c <any>", "a bb c "));
    assert!(!line_matches("a <any> c", "a b d"));
}

/// The renderer against the real redis-cli, run in a pseudo-terminal (`script`) so that it
/// formats for a terminal, on replies of every shape the guide shows, in RESP2 and RESP3.
#[test]
fn the_renderer_matches_real_redis_cli_output() {
    let commands: &[&str] = &[
        "SET a ohmytext",
        "SET b mynewtext",
        "LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN",
        "GET nothing",
        "SET tab \"x\\ty\\xff\\\"q\\\"\"",
        "GET tab",
        "INCR n",
        "RPUSH l 1 2 3 4 5 6 7 8 9 10 11",
        "LRANGE l 0 -1",
        "LRANGE nothing 0 -1",
        "MGET a nothing",
        "INCR a",
        "HSET h f v",
        "ZADD z 1.5 m",
        "SADD s x",
        "INFO keyspace",
        "MEMORY DOCTOR",
        "HELLO 3",
        "HGETALL h",
        "HGETALL nothing",
        "SMEMBERS s",
        "SMEMBERS nothing",
        "ZSCORE z m",
        "ZRANGE z 0 -1 WITHSCORES",
        "EXISTS a",
        "GET nothing",
        "CLIENT TRACKINGINFO",
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let mut node = common::spawn_node(&dir.path().join("data"), &[]);
    node.ready().expect("server starts");
    let input = dir.path().join("commands.txt");
    std::fs::write(&input, commands.join("\n") + "\n").unwrap();
    let cli = format!("redis-cli -p {} < {}", node.port, input.display());
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &cli, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) and redis-cli are installed: run scripts/test.sh");
    let from_cli = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");

    node.client().cmd(&["FLUSHALL"]);
    let mut connection = Connection::open(node.port).unwrap();
    let mut ours = String::new();
    for command in commands {
        let arguments = split_arguments(command).unwrap();
        connection.send(&arguments).unwrap();
        let reply = connection.reply().unwrap();
        ours.push_str(&if is_raw_output(&arguments) {
            render_raw(&reply)
        } else {
            render(&reply, "")
        });
    }
    // The two connections differ only in their client IDs.
    let without_ids = |text: &str| -> String {
        text.lines().filter(|l| !l.contains("\"id\" =>")).collect::<Vec<_>>().join("\n")
    };
    for shape in ["2) 1) 1) 1) (integer) 4", "(double) 1.5", "1# \"f\" => \"v\"", " 1) \"1\""] {
        assert!(from_cli.contains(shape), "redis-cli printed {shape:?}:\n{from_cli}");
    }
    assert_eq!(without_ids(&ours), without_ids(&from_cli));
}
