//! AllyDB and the reference redis-server side by side, for tests that run the same client
//! program or tool against both and require both to pass (tests/clients.rs,
//! tests/cli_modes.rs). Unlike `TestServer`, a restart keeps the port: client libraries
//! reconnect to the address they were given.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{exchange, free_port};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    AllyDb,
    Redis,
}

impl Kind {
    pub const BOTH: [Kind; 2] = [Kind::AllyDb, Kind::Redis];

    pub fn name(self) -> &'static str {
        match self {
            Kind::AllyDb => "allydb",
            Kind::Redis => "redis-server",
        }
    }
}

/// A server of either kind on a fixed port and data directory, killed on drop.
pub struct Server {
    pub kind: Kind,
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    log_path: PathBuf,
    /// Extra command-line arguments, given to every start of this server.
    extra: Vec<String>,
    /// The configuration file given as the first argument (`redis-server /path/redis.conf`),
    /// and the `requirepass` it sets, which readiness checks answer with AUTH.
    config_file: Option<PathBuf>,
    file_password: Option<String>,
}

impl Server {
    /// Starts a fresh server of `kind` on a free port in a new temporary directory. The port
    /// is found by binding and releasing it, so a start that fails is retried on another.
    pub fn start(kind: Kind) -> Self {
        Self::start_with(kind, &[])
    }

    /// Like `start`, with extra arguments both kinds take in the same spelling (e.g.
    /// `--requirepass PASSWORD`, which readiness checks then answer with AUTH).
    pub fn start_with(kind: Kind, extra: &[&str]) -> Self {
        Self::start_in(kind, extra, None)
    }

    /// Like `start_with`, reading the configuration file `text`, written at `file_name` (parent
    /// directories created) in the server's directory and given as the first argument, as
    /// `redis-server /path/redis.conf --port ...`. Restarts read the same file as it is then.
    pub fn start_with_file(kind: Kind, file_name: &str, text: &str, extra: &[&str]) -> Self {
        Self::start_in(kind, extra, Some((file_name, text)))
    }

    fn start_in(kind: Kind, extra: &[&str], file: Option<(&str, &str)>) -> Self {
        let extra: Vec<String> = extra.iter().map(|a| a.to_string()).collect();
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().expect("temp dir");
            let log_path = dir.path().join("server.log");
            let port = free_port();
            let extra = extra.clone();
            let mut config_file = None;
            let mut file_password = None;
            if let Some((file_name, text)) = file {
                let path = dir.path().join(file_name);
                std::fs::create_dir_all(path.parent().expect("a parent")).expect("conf dir");
                std::fs::write(&path, text).expect("write the config file");
                config_file = Some(path);
                // `requirepass pw` or `requirepass "p w"` (no escapes).
                file_password = text.lines().find_map(|line| {
                    let value = line.trim().strip_prefix("requirepass ")?.trim();
                    Some(value.trim_matches('"').to_string())
                });
            }
            let mut server = Server {
                kind,
                port,
                dir,
                child: None,
                log_path,
                extra,
                config_file,
                file_password,
            };
            if server.spawn() {
                return server;
            }
            eprintln!("{} did not start on port {}:\n{}", kind.name(), server.port, server.log());
        }
        panic!("{} did not start after 5 attempts", kind.name());
    }

    /// Stops the server with SIGTERM (both kinds then persist what they have) and starts it
    /// again on the same port and directory.
    pub fn restart(&mut self) {
        self.stop();
        self.start_again();
    }

    /// Starts a stopped server again on its port and directory.
    pub fn start_again(&mut self) {
        // The port was ours a moment ago; another process taking it in between is unlikely
        // but possible, and then the test cannot go on.
        for _attempt in 0..5 {
            if self.spawn() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("{} did not restart on port {}:\n{}", self.kind.name(), self.port, self.log());
    }

    /// The configuration file this server was started with.
    pub fn config_file(&self) -> Option<&Path> {
        self.config_file.as_deref()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    fn spawn(&mut self) -> bool {
        let dir = self.dir.path();
        let port = self.port.to_string();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("log file");
        let mut command = match self.kind {
            Kind::AllyDb => {
                let mut command = Command::new(env!("CARGO_BIN_EXE_allydb"));
                command.args(&self.config_file);
                command
                    .env_remove("ALLYDB_CONFIG_FILE")
                    .env_remove("ALLYDB_PORT")
                    .env_remove("PERSISTENCE_LOCATION")
                    .env_remove("PERSISTENCE_INTERVAL")
                    .env_remove("ALLYDB_FAULT")
                    .args(["--port", &port, "--persistence-location"])
                    .arg(dir.join("data"));
                command
            }
            Kind::Redis => {
                let found = Command::new("sh")
                    .args(["-c", "command -v redis-server"])
                    .output()
                    .map(|o| o.status.success())
                    .unwrap_or(false);
                assert!(found, "redis-server is not installed: run scripts/test.sh");
                let mut command = Command::new("redis-server");
                command.args(&self.config_file);
                // The journal on, as AllyDB's is: a restart finds what was written.
                command.args(["--port", &port, "--bind", "127.0.0.1", "--save", ""]).args([
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                    "--daemonize",
                    "no",
                ]);
                command.arg("--dir").arg(dir);
                command
            }
        };
        command.args(&self.extra);
        command.current_dir(dir).stdin(Stdio::null()).stdout(log.try_clone().expect("log clone"));
        command.stderr(log);
        self.child = Some(command.spawn().expect("spawn the server"));
        self.wait_ready(Duration::from_secs(30))
    }

    /// Ready once this very process (by PID: not another test's server on a reused port)
    /// answers PING.
    fn wait_ready(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let Some(child) = self.child.as_mut() else { return false };
            if let Ok(Some(_)) = child.try_wait() {
                return false;
            }
            let pid = child.id();
            if self.answers(pid) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn answers(&self, pid: u32) -> bool {
        let wanted = format!("process_id:{pid}\r\n");
        let done = |text: &[u8]| {
            let seen = String::from_utf8_lossy(text);
            seen.contains(&wanted) || seen.starts_with('-')
        };
        let (mut request, mut greeting) = (Vec::new(), String::new());
        if let Some(password) = self.password() {
            request = super::encode(&[b"AUTH", password.as_bytes()]);
            greeting.push_str("+OK\r\n");
        }
        request.extend_from_slice(b"PING\r\nINFO server\r\n");
        greeting.push_str("+PONG\r\n");
        let Some(text) = exchange(self.port, &request, done) else {
            return false;
        };
        let seen = String::from_utf8_lossy(&text);
        seen.contains(&wanted) && seen.starts_with(&greeting)
    }

    /// The server's `redis_version` (INFO), as (major, minor), for the expectations that
    /// depend on it (`super::has_client_setinfo`, `super::hello_noauth_syntax`). AllyDB answers
    /// as Redis 7.2: one reporting less would quietly lose the 7.2 checks, so it fails here.
    pub fn redis_version(&self) -> (u32, u32) {
        let mut client = super::RawClient::connect(self.port);
        if let Some(password) = self.password() {
            assert_eq!(client.cmd(&["AUTH", password]), super::OK, "{}", self.kind.name());
        }
        let version = super::redis_version(&mut client);
        if self.kind == Kind::AllyDb {
            assert!(version >= (7, 2), "AllyDB reports redis_version {version:?}, not 7.2");
        }
        version
    }

    /// The `--requirepass` among the extra arguments, else the configuration file's.
    pub fn password(&self) -> Option<&str> {
        match self.extra.iter().position(|a| a == "--requirepass") {
            Some(at) => self.extra.get(at + 1).map(String::as_str),
            None => self.file_password.as_deref(),
        }
    }

    /// SIGKILL and a wait: a crash (tests/sentinel.rs); `start_again` brings it back.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM and a wait (SIGKILL after 30 s).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
