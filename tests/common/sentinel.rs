//! Redis Sentinel processes for topology tests (tests/sentinel.rs): N `redis-sentinel`
//! processes (Debian's package, 7.0.15, which scripts/test.sh installs) on free loopback
//! ports, each with its own sentinel.conf and log in one temp dir, killed on drop. What they
//! report is read back through the `SENTINEL` commands, parsed into field maps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{exchange, free_port};

/// One `SENTINEL masters` / `replicas` / `sentinels` entry: field name to value.
pub type Fields = BTreeMap<String, String>;

/// How every monitored master is watched (the `sentinel <option> <name> <value>` lines).
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Sentinels that must agree a master is down before a failover.
    pub quorum: u32,
    /// `down-after-milliseconds`: no valid PING reply for this long makes a master `s_down`.
    pub down_after_ms: u64,
    /// `failover-timeout`: also the pause (twice it) between two failover attempts.
    pub failover_timeout_ms: u64,
}

impl Timing {
    /// Short enough for a test, long enough for a debug build on a busy 2-core machine.
    pub const FAST: Timing = Timing { quorum: 2, down_after_ms: 1000, failover_timeout_ms: 2000 };
}

/// One sentinel process.
struct Node {
    child: Option<Child>,
    port: u16,
    config_path: PathBuf,
    log_path: PathBuf,
}

/// N sentinels monitoring the same masters; killed and reaped on drop.
pub struct Sentinels {
    nodes: Vec<Node>,
    /// Every config file and log, kept until drop.
    pub dir: tempfile::TempDir,
    pub timing: Timing,
}

/// The sentinel.conf of one sentinel on `port` in `dir`, monitoring `masters` (name, port on
/// 127.0.0.1), then the `extra` lines. Sentinel rewrites this file as it learns (other
/// sentinels, epochs).
pub fn config(
    port: u16,
    dir: &Path,
    masters: &[(&str, u16)],
    timing: Timing,
    extra: &str,
) -> String {
    let mut text = format!(
        "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {dir}\nlogfile {log}\n\
         sentinel resolve-hostnames no\nsentinel announce-ip 127.0.0.1\n",
        dir = dir.display(),
        log = dir.join("sentinel.log").display(),
    );
    for (name, master_port) in masters {
        let Timing { quorum, down_after_ms, failover_timeout_ms } = timing;
        text.push_str(&format!(
            "sentinel monitor {name} 127.0.0.1 {master_port} {quorum}\n\
             sentinel down-after-milliseconds {name} {down_after_ms}\n\
             sentinel failover-timeout {name} {failover_timeout_ms}\n"
        ));
    }
    text.push_str(extra);
    text
}

impl Sentinels {
    /// Starts `count` sentinels monitoring `masters` and waits until each answers.
    pub fn start(count: usize, masters: &[(&str, u16)], timing: Timing) -> Self {
        Self::start_with(count, masters, timing, "")
    }

    /// Like `start`, with `extra` lines after the monitors in every sentinel.conf (e.g.
    /// `sentinel auth-pass NAME PASSWORD`, which must follow NAME's `sentinel monitor`).
    pub fn start_with(count: usize, masters: &[(&str, u16)], timing: Timing, extra: &str) -> Self {
        let found = Command::new("sh")
            .args(["-c", "command -v redis-sentinel"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(found, "redis-sentinel is not installed: run scripts/test.sh, which installs it");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut sentinels = Sentinels { nodes: Vec::new(), dir, timing };
        for index in 0..count {
            let node = sentinels.spawn(index, masters, extra);
            sentinels.nodes.push(node);
        }
        sentinels
    }

    /// Starts sentinel `index` on a free port; a start that fails (the port taken between
    /// finding and binding it) is retried on another.
    fn spawn(&self, index: usize, masters: &[(&str, u16)], extra: &str) -> Node {
        let dir = self.dir.path().join(format!("sentinel-{index}"));
        std::fs::create_dir_all(&dir).expect("sentinel dir");
        for _attempt in 0..5 {
            let port = free_port();
            let config_path = dir.join("sentinel.conf");
            let log_path = dir.join("sentinel.log");
            std::fs::write(&config_path, config(port, &dir, masters, self.timing, extra))
                .expect("write sentinel.conf");
            let child = Command::new("redis-sentinel")
                .arg(&config_path)
                .current_dir(&dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn redis-sentinel");
            let mut node = Node { child: Some(child), port, config_path, log_path };
            if node.wait_ready(Duration::from_secs(20)) {
                return node;
            }
            eprintln!("redis-sentinel did not start on port {port}:\n{}", node.log());
            node.kill();
        }
        panic!("redis-sentinel did not start after 5 attempts");
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The port of sentinel `index`.
    pub fn port(&self, index: usize) -> u16 {
        self.nodes[index].port
    }

    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    /// A `redis` crate connection to sentinel `index`.
    pub fn client(&self, index: usize) -> redis::Connection {
        let url = format!("redis://127.0.0.1:{}/", self.port(index));
        redis::Client::open(url).expect("client").get_connection().expect("connect to sentinel")
    }

    /// `SENTINEL get-master-addr-by-name NAME` on sentinel `index`: None while it knows no
    /// address (an unknown name).
    pub fn master_addr(&self, index: usize, name: &str) -> Option<(String, u16)> {
        redis::cmd("SENTINEL")
            .arg("get-master-addr-by-name")
            .arg(name)
            .query(&mut self.client(index))
            .expect("SENTINEL get-master-addr-by-name")
    }

    /// `SENTINEL masters` on sentinel `index`, by master name.
    pub fn masters(&self, index: usize) -> BTreeMap<String, Fields> {
        let list: Vec<Fields> = redis::cmd("SENTINEL")
            .arg("masters")
            .query(&mut self.client(index))
            .expect("SENTINEL masters");
        list.into_iter()
            .map(|fields| (fields.get("name").cloned().unwrap_or_default(), fields))
            .collect()
    }

    /// `SENTINEL master NAME` on sentinel `index`.
    pub fn master(&self, index: usize, name: &str) -> Fields {
        redis::cmd("SENTINEL")
            .arg("master")
            .arg(name)
            .query(&mut self.client(index))
            .expect("SENTINEL master")
    }

    /// `SENTINEL replicas NAME` on sentinel `index`.
    pub fn replicas(&self, index: usize, name: &str) -> Vec<Fields> {
        self.list(index, "replicas", name)
    }

    /// `SENTINEL sentinels NAME` on sentinel `index`: the other sentinels it knows.
    pub fn sentinels(&self, index: usize, name: &str) -> Vec<Fields> {
        self.list(index, "sentinels", name)
    }

    fn list(&self, index: usize, subcommand: &str, name: &str) -> Vec<Fields> {
        redis::cmd("SENTINEL")
            .arg(subcommand)
            .arg(name)
            .query(&mut self.client(index))
            .unwrap_or_else(|e| panic!("SENTINEL {subcommand} {name}: {e}"))
    }

    /// The `flags` of master `name` as sentinel `index` sees it, split at commas.
    pub fn master_flags(&self, index: usize, name: &str) -> Vec<String> {
        let fields = self.master(index, name);
        let flags = fields.get("flags").cloned().unwrap_or_default();
        flags.split(',').filter(|f| !f.is_empty()).map(str::to_string).collect()
    }

    /// Polls `check` until it holds, at most `timeout`; panics naming `what`, with every
    /// sentinel's log, if it never does.
    pub fn wait_until(&self, what: &str, timeout: Duration, mut check: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if check(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if check(self) {
            return;
        }
        panic!("{what}: not within {timeout:?}\n{}", self.logs());
    }

    /// Requires `check` to hold at every poll for `period` (a state that must last, such as
    /// "no sentinel flags the master down"); panics naming `what`, with the logs, otherwise.
    pub fn hold_for(&self, what: &str, period: Duration, mut check: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + period;
        while Instant::now() < deadline {
            assert!(check(self), "{what}: no longer true\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sentinel `index`'s log so far.
    pub fn log(&self, index: usize) -> String {
        self.nodes[index].log()
    }

    /// Every sentinel's log and current config, for failure messages.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for (index, node) in self.nodes.iter().enumerate() {
            let config = std::fs::read_to_string(&node.config_path).unwrap_or_default();
            text.push_str(&format!(
                "--- sentinel {index} (port {}) log:\n{}--- its sentinel.conf now:\n{config}",
                node.port,
                node.log()
            ));
        }
        text
    }
}

impl Node {
    /// Ready once this very process (by PID) answers INFO on the port.
    fn wait_ready(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let Some(pid) = self.child.as_ref().map(Child::id) else { return false };
        let wanted = format!("process_id:{pid}\r");
        while Instant::now() < deadline {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                return false;
            }
            let done = |text: &[u8]| text.windows(wanted.len()).any(|w| w == wanted.as_bytes());
            let answered = exchange(self.port, b"INFO server\r\n", done)
                .is_some_and(|text| String::from_utf8_lossy(&text).contains(&wanted));
            if answered {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Sentinels {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
    }
}
