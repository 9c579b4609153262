//! Test harness: starts the real `allydb` binary on a free port in a temporary directory,
//! and talks to it with the `redis` crate or with raw bytes (to compare replies exactly).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod sentinel;
pub mod servers;
pub mod workload;

/// A running server, killed and reaped on drop.
pub struct TestServer {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    log_path: std::path::PathBuf,
}

pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

impl TestServer {
    /// Starts a server with default settings (plus a free port and a temp data dir).
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a server with extra command-line arguments.
    pub fn start_with(extra: &[&str]) -> Self {
        Self::start_with_env(extra, &[])
    }

    /// Starts a server with extra arguments and environment variables.
    pub fn start_with_env(extra: &[&str], env: &[(&str, &str)]) -> Self {
        // The free port is found by binding and releasing it; another process may take it
        // before the server binds, so a server that exits at once is retried on a new port.
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().expect("temp dir");
            let port = free_port();
            let log_path = dir.path().join(format!("server-{port}.log"));
            let log = std::fs::File::create(&log_path).expect("log file");
            let mut command = Command::new(env!("CARGO_BIN_EXE_allydb"));
            command
                .current_dir(dir.path())
                .env_remove("ALLYDB_PORT")
                .env_remove("PERSISTENCE_LOCATION")
                .env_remove("PERSISTENCE_INTERVAL")
                .args(["--port", &port.to_string()])
                .args(["--persistence-location", &dir.path().join("data").display().to_string()])
                .args(extra)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log clone"))
                .stderr(log);
            for (k, v) in env {
                command.env(k, v);
            }
            let child = command.spawn().expect("spawn allydb");
            let mut server = TestServer { child: Some(child), port, dir, log_path };
            if server.wait_ready(Duration::from_secs(20)) {
                return server;
            }
            eprintln!("allydb did not start on port {port}:\n{}", server.log());
        }
        panic!("allydb did not start after 5 attempts");
    }

    fn wait_ready(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(_)) = child.try_wait() {
                    return false;
                }
            }
            // Ready once the journal is replayed (the server listens earlier, answering
            // -LOADING), and on this server's port, not another test's (any bind address).
            let port = format!(":{}", self.port);
            let ready = self.log().lines().any(|line| {
                line.contains("Ready to accept connections tcp on ") && line.ends_with(&port)
            });
            if ready || self.answers_as_loaded() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    /// Whether this very process (by PID) answers on the port with its journal loaded: for
    /// servers started with a log level that hides the ready line.
    fn answers_as_loaded(&self) -> bool {
        let done = |text: &[u8]| text.windows(11).any(|w| w == b"# Keyspace\r");
        let Some(text) = exchange(self.port, b"INFO\r\n", done) else { return false };
        let text = String::from_utf8_lossy(&text);
        text.contains(&format!("process_id:{}\r", self.pid())) && text.contains("\nloading:0\r")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A `redis` crate connection speaking RESP2.
    pub fn client(&self) -> redis::Connection {
        redis::Client::open(self.url()).expect("client").get_connection().expect("connect")
    }

    /// A `redis` crate connection speaking RESP3.
    pub fn client3(&self) -> redis::Connection {
        let url = format!("{}?protocol=resp3", self.url());
        redis::Client::open(url).expect("client").get_connection().expect("connect")
    }

    /// A raw connection for byte-exact checks.
    pub fn raw(&self) -> RawClient {
        RawClient::connect(self.port)
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Waits for the process to exit by itself; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Some(status.code().unwrap_or(-1));
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Sends a signal (e.g. "TERM") to the server process.
    pub fn signal(&self, name: &str) {
        if let Some(child) = self.child.as_ref() {
            let _ =
                Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status();
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Resident memory of the server process, in KiB (Linux).
    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    /// The most resident memory the server process has had so far, in KiB (Linux): catches
    /// a command's transient allocations after they are freed.
    pub fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A raw TCP client that sends bytes and reads exactly one RESP reply at a time.
pub struct RawClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl RawClient {
    pub fn connect(port: u16) -> Self {
        Self::connect_to(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
    }

    /// Connects to any address (tests/auth.rs: a non-loopback one, to be a remote client).
    pub fn connect_to(address: std::net::SocketAddr) -> Self {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let writer = stream.try_clone().expect("clone");
        RawClient { reader: BufReader::new(stream), writer }
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("send");
    }

    /// Sends a command as a RESP array of bulk strings.
    pub fn send_command(&mut self, args: &[&[u8]]) {
        self.send(&encode(args));
    }

    /// Sends a command and returns its reply's exact bytes.
    pub fn cmd(&mut self, args: &[&str]) -> String {
        let bytes: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send_command(&bytes);
        self.read_reply()
    }

    /// Like `cmd`, with binary arguments; returns raw bytes.
    pub fn cmd_bytes(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.send_command(args);
        self.read_reply_bytes()
    }

    /// Reads one complete reply (any RESP2/RESP3 type) and returns its bytes as text.
    pub fn read_reply(&mut self) -> String {
        String::from_utf8_lossy(&self.read_reply_bytes()).into_owned()
    }

    pub fn read_reply_bytes(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.read_value(&mut out);
        out
    }

    fn read_line(&mut self, out: &mut Vec<u8>) -> Vec<u8> {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line).expect("read reply line");
        assert!(
            line.ends_with(b"\r\n"),
            "connection closed or bad line: {:?}",
            String::from_utf8_lossy(&line)
        );
        out.extend_from_slice(&line);
        line.truncate(line.len() - 2);
        line
    }

    fn read_value(&mut self, out: &mut Vec<u8>) {
        let line = self.read_line(out);
        let (kind, rest) = line.split_first().expect("empty reply line");
        let n: i64 = std::str::from_utf8(rest).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
        match kind {
            b'$' | b'=' | b'!' if n >= 0 => {
                let mut payload = vec![0; usize::try_from(n).unwrap_or(0) + 2];
                self.reader.read_exact(&mut payload).expect("bulk payload");
                out.extend_from_slice(&payload);
            }
            b'*' | b'~' | b'>' if n > 0 => {
                for _ in 0..n {
                    self.read_value(out);
                }
            }
            b'%' | b'|' if n > 0 => {
                for _ in 0..n * 2 {
                    self.read_value(out);
                }
            }
            _ => {}
        }
    }

    /// Whether the server closed the connection (reads until EOF or timeout).
    pub fn is_closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.reader.read(&mut byte), Ok(0)) || self.reader.get_ref().peer_addr().is_err()
    }

    /// The connection's socket, for its address or to send and read raw bytes once every
    /// reply has been read.
    pub fn stream(&self) -> &TcpStream {
        &self.writer
    }

    /// Switches this connection to RESP3 (HELLO 3), discarding the HELLO reply.
    pub fn resp3(mut self) -> Self {
        self.cmd(&["HELLO", "3"]);
        self
    }
}

/// Encodes a command as a RESP array of bulk strings.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// `$len\r\ntext\r\n`
pub fn bulk(text: &str) -> String {
    format!("${}\r\n{}\r\n", text.len(), text)
}

/// The exact error reply for `text`.
pub fn err(text: &str) -> String {
    format!("-{text}\r\n")
}

/// A RESP2 array of bulk strings.
pub fn bulk_array(items: &[&str]) -> String {
    let mut out = format!("*{}\r\n", items.len());
    for item in items {
        out.push_str(&bulk(item));
    }
    out
}

pub const OK: &str = "+OK\r\n";
pub const NIL: &str = "$-1\r\n";
pub const NULL3: &str = "_\r\n";

/// `:n\r\n`
pub fn int(n: i64) -> String {
    format!(":{n}\r\n")
}

impl TestServer {
    /// Stops this server if it still runs (SIGKILL), then starts a new process on the same
    /// directory (same `data` journal, a new port), with `extra` arguments: a restart that
    /// recovers what the previous process persisted.
    pub fn restart_with(&mut self, extra: &[&str]) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let dir = self.dir.path().to_path_buf();
        for _attempt in 0..5 {
            let port = free_port();
            let log_path = dir.join(format!("server-{port}.log"));
            let log = std::fs::File::create(&log_path).expect("log file");
            let child = Command::new(env!("CARGO_BIN_EXE_allydb"))
                .current_dir(&dir)
                .env_remove("ALLYDB_PORT")
                .env_remove("PERSISTENCE_LOCATION")
                .env_remove("PERSISTENCE_INTERVAL")
                .args(["--port", &port.to_string()])
                .args(["--persistence-location", &dir.join("data").display().to_string()])
                .args(extra)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log clone"))
                .stderr(log)
                .spawn()
                .expect("spawn allydb");
            self.child = Some(child);
            self.port = port;
            self.log_path = log_path;
            if self.wait_ready(Duration::from_secs(20)) {
                return;
            }
            eprintln!("allydb did not restart on port {port}:\n{}", self.log());
            if let Some(mut child) = self.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        panic!("allydb did not restart after 5 attempts");
    }

    /// `restart_with` and no extra arguments.
    pub fn restart(&mut self) {
        self.restart_with(&[]);
    }
}

/// A server on a journal directory the test chooses (persistence and crash tests restart on
/// the same directory), started without waiting; each start logs to its own file.
pub struct Node {
    pub child: Child,
    pub port: u16,
    log: std::path::PathBuf,
}

/// Starts the binary on a free port with its journal at `data`; `ready` waits for it.
pub fn spawn_node(data: &Path, extra: &[&str]) -> Node {
    spawn_node_with_env(data, extra, &[])
}

/// `spawn_node` with environment variables (e.g. `ALLYDB_FAULT`).
pub fn spawn_node_with_env(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Node {
    let port = free_port();
    let log = data.with_extension(format!("{port}.log"));
    let file = std::fs::File::create(&log).expect("log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_allydb"));
    command
        .args(["--port", &port.to_string(), "--persistence-location"])
        .arg(data)
        .args(extra)
        .env_remove("ALLYDB_PORT")
        .env_remove("PERSISTENCE_LOCATION")
        .env_remove("PERSISTENCE_INTERVAL")
        .env_remove("ALLYDB_FAULT")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log clone"))
        .stderr(file);
    let child = command.spawn().expect("spawn allydb");
    Node { child, port, log }
}

impl Node {
    /// Waits until the server has loaded its journal and listens, or returns its exit
    /// status if it stopped.
    pub fn ready(&mut self) -> Result<(), i32> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(status.code().unwrap_or(-1));
            }
            // The log, not a connect: another test's server may get the same port.
            if self
                .log()
                .contains(&format!("Ready to accept connections tcp on 127.0.0.1:{}", self.port))
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("server neither started nor stopped: {}", self.log());
    }

    pub fn client(&self) -> RawClient {
        RawClient::connect(self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, and the exit status must be 0.
    pub fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let status = self.child.wait().expect("wait for allydb");
        assert_eq!(status.code(), Some(0), "{}", self.log());
    }

    /// SIGKILL: a process crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `blocked_clients` field of INFO.
pub fn blocked_clients(c: &mut RawClient) -> usize {
    let info = c.cmd(&["INFO", "clients"]);
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("INFO clients has blocked_clients")
}

/// Waits (bounded) until exactly `n` clients are blocked: the commands sent before are then
/// registered, in the order they were sent when each waited for the previous one.
pub fn wait_blocked(c: &mut RawClient, n: usize) {
    for _ in 0..500 {
        if blocked_clients(c) == n {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("expected {n} blocked clients, INFO says {}", blocked_clients(c));
}

/// Copies a journal directory's files (not its LOCK) into `to`, creating it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("directory entry");
        if entry.file_name() != "LOCK" && entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy a file");
        }
    }
}

/// The newest modification time of the `.rs` files under `dir`.
fn newest_source(dir: &Path) -> std::time::SystemTime {
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let time = if path.is_dir() {
            newest_source(&path)
        } else if path.extension().is_some_and(|e| e == "rs") {
            std::fs::metadata(&path).unwrap().modified().unwrap()
        } else {
            continue;
        };
        newest = newest.max(time);
    }
    newest
}

/// The `allydb-journal` binary: built beside the server by `cargo test --workspace` (the tool
/// is a default member of the workspace). `cargo test --test NAME` builds only this
/// package's binaries, not the tool's: a binary older than its sources is refused rather
/// than silently tested.
pub fn journal_tool() -> Command {
    static CHECKED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    let path = Path::new(env!("CARGO_BIN_EXE_allydb")).with_file_name("allydb-journal");
    CHECKED.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let built = std::fs::metadata(&path).and_then(|m| m.modified());
        let sources = newest_source(&root.join("src"))
            .max(newest_source(&root.join("tools/allydb-journal/src")));
        assert!(
            built.is_ok_and(|built| built >= sources),
            "{} is missing or older than its sources: run `cargo build --workspace` first",
            path.display()
        );
    });
    let mut command = Command::new(path);
    command.stdin(Stdio::null());
    command
}

/// One field of an INFO section, as text.
pub fn info_field(c: &mut RawClient, section: &str, name: &str) -> String {
    let info = c.cmd(&["INFO", section]);
    let prefix = format!("{name}:");
    info.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("INFO {section} has no {name}: {info}"))
        .trim()
        .to_string()
}

/// One numeric field of an INFO section.
pub fn info_number(c: &mut RawClient, section: &str, name: &str) -> u64 {
    let text = info_field(c, section, name);
    text.parse().unwrap_or_else(|_| panic!("{name} is not a number: {text:?}"))
}

/// The journal segments (`*.log`) of directory `data`, in sequence order.
pub fn segments(data: &Path) -> Vec<std::path::PathBuf> {
    let mut segments: Vec<_> = std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    segments.sort();
    segments
}

/// The newest journal segment of `data`.
pub fn last_segment(data: &Path) -> std::path::PathBuf {
    segments(data).pop().expect("a segment")
}

/// Polls `check` until it holds or `timeout` passes.
pub fn eventually(timeout: std::time::Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    check()
}

/// An external tool (redis-cli, redis-benchmark), which must be installed: scripts/test.sh
/// installs them, and a missing one fails the test with that advice.
pub fn tool(name: &str) -> std::process::Command {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(found, "{name} is not installed: run scripts/test.sh, which installs it");
    std::process::Command::new(name)
}

/// A finished process's exit status and output, for assertion messages.
pub fn text(output: &std::process::Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A local IPv4 address that is not loopback, from the kernel's local routing table.
pub fn non_loopback_ipv4() -> Option<std::net::Ipv4Addr> {
    let trie = std::fs::read_to_string("/proc/net/fib_trie").ok()?;
    let lines: Vec<&str> = trie.lines().map(str::trim).collect();
    lines.windows(2).find_map(|pair| {
        let address: std::net::Ipv4Addr = pair[0].strip_prefix("|-- ")?.parse().ok()?;
        (pair[1] == "/32 host LOCAL" && !address.is_loopback()).then_some(address)
    })
}

/// `redis-cli -p PORT ARGS...` with no input: its output, which it must exit 0 to give.
/// `server` names the server in a failure message.
pub fn redis_cli(port: u16, args: &[&str], server: &str) -> String {
    let output = tool("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run redis-cli");
    assert!(output.status.success(), "{server} {args:?}: {}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Sends `request` on a new connection to `port` and reads the answer until `done` holds for
/// what arrived, the server closes, or 2 s pass without a byte; None when the connection or
/// the send fails (a server still starting). The connection is then closed and, for at most
/// 2 s, waited on until the server closes it too: a server deregisters a client before it
/// closes the socket, so a readiness probe is gone from CLIENT LIST, `connected_clients`,
/// `maxclients` and `CLIENT KILL TYPE normal` when the test starts (it was not always).
pub fn exchange(port: u16, request: &[u8], done: impl Fn(&[u8]) -> bool) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    stream.write_all(request).ok()?;
    let mut text = Vec::new();
    let mut chunk = [0u8; 16384];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        text.extend_from_slice(&chunk[..n]);
        if done(&text) {
            break;
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline && matches!(stream.read(&mut chunk), Ok(n) if n > 0) {}
    Some(text)
}

/// The Python with redis-py 5.2.1 that scripts/test.sh installs: without hiredis in
/// `ALLYDB_TEST_PYTHON` (`target/test-venv`), with it in `ALLYDB_TEST_PYTHON_HIREDIS`.
pub fn python(hiredis: bool) -> String {
    let (variable, venv) = if hiredis {
        ("ALLYDB_TEST_PYTHON_HIREDIS", "target/test-venv-hiredis")
    } else {
        ("ALLYDB_TEST_PYTHON", "target/test-venv")
    };
    std::env::var(variable).unwrap_or_else(|_| {
        let path = format!("{}/{venv}/bin/python", env!("CARGO_MANIFEST_DIR"));
        assert!(
            std::path::Path::new(&path).exists(),
            "{variable} is unset and {path} is missing: run scripts/test.sh, which installs it"
        );
        path
    })
}

/// The Ruby interpreter with Debian's ruby-redis (redis-rb) installed: `ALLYDB_TEST_RUBY`,
/// by default `ruby`.
pub fn ruby() -> String {
    std::env::var("ALLYDB_TEST_RUBY").unwrap_or_else(|_| "ruby".to_string())
}

/// PHP's command-line interpreter with Debian's php-redis (phpredis) loaded:
/// `ALLYDB_TEST_PHP`, by default `php`.
pub fn php() -> String {
    std::env::var("ALLYDB_TEST_PHP").unwrap_or_else(|_| "php".to_string())
}

/// The npm project scripts/test.sh installs node-redis and ioredis into:
/// `ALLYDB_TEST_NODE_CLIENTS`, by default `target/node-clients`.
pub fn node_clients() -> String {
    std::env::var("ALLYDB_TEST_NODE_CLIENTS").unwrap_or_else(|_| {
        let path = format!("{}/target/node-clients", env!("CARGO_MANIFEST_DIR"));
        assert!(
            std::path::Path::new(&path).join("node_modules").exists(),
            "ALLYDB_TEST_NODE_CLIENTS is unset and {path}/node_modules is missing: run \
             scripts/test.sh, which installs them"
        );
        path
    })
}

// ----------------------------------------------------------------------------------------
// MONITOR lines, and what differs between the Redis versions the tests meet: the reference
// redis-server is Debian's 7.0.15, AllyDB reports 7.2.6, and a reference at 7.2 or later
// must leave the expectations right.

/// The arguments of one MONITOR line (`+<time> [<db> <address>] <arguments>`), without the
/// time, database, address and line end.
pub fn monitor_arguments(line: &str) -> &str {
    line.split_once("] ").map_or(line, |(_, arguments)| arguments).trim_end()
}

/// Reads MONITOR lines from `monitor` up to the first whose arguments satisfy `is_last`, and
/// returns the arguments of the lines before it.
pub fn monitored_until(monitor: &mut RawClient, is_last: impl Fn(&str) -> bool) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let line = monitor.read_reply();
        let arguments = monitor_arguments(&line);
        if is_last(arguments) {
            return seen;
        }
        seen.push(arguments.to_string());
    }
}

/// `redis_version` from the server's INFO, as (major, minor).
pub fn redis_version(client: &mut RawClient) -> (u32, u32) {
    let text = info_field(client, "server", "redis_version");
    let mut parts = text.split('.').map(|part| {
        part.parse::<u32>().unwrap_or_else(|_| panic!("redis_version {text:?} is not numeric"))
    });
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Whether a server of `version` has CLIENT SETINFO (added in Redis 7.2). An older one
/// refuses it, libraries ignore the error, and MONITOR leaves refused commands out.
pub fn has_client_setinfo(version: (u32, u32)) -> bool {
    version >= (7, 2)
}

/// How a client library sends CLIENT SETINFO by itself on connect.
pub struct SetInfo {
    /// The library's spelling of `CLIENT` (ioredis writes `client`).
    pub command: &'static str,
    /// The name and version it sends.
    pub name: &'static str,
    pub version: &'static str,
    /// Whether `LIB-NAME` goes before `LIB-VER`.
    pub name_first: bool,
}

/// The MONITOR arguments of `library`'s two CLIENT SETINFO on a server of `version`: none
/// where the server refuses the command.
pub fn setinfo_monitor_lines(version: (u32, u32), library: &SetInfo) -> Vec<String> {
    if !has_client_setinfo(version) {
        return Vec::new();
    }
    let line = |field: &str, value: &str| {
        format!("\"{}\" \"SETINFO\" \"{field}\" \"{value}\"", library.command)
    };
    let (name, lib_version) = (line("LIB-NAME", library.name), line("LIB-VER", library.version));
    if library.name_first {
        vec![name, lib_version]
    } else {
        vec![lib_version, name]
    }
}

/// The part of HELLO's NOAUTH text (no AUTH given, a password required) that names its
/// syntax: Redis 7.2 added `<proto>`.
pub fn hello_noauth_syntax(version: (u32, u32)) -> &'static str {
    if version >= (7, 2) {
        "the HELLO <proto> AUTH <user> <pass> option"
    } else {
        "the HELLO AUTH <user> <pass> option"
    }
}
