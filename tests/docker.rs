//! The container image without a container engine: reads the Dockerfile's last stage (ENV,
//! WORKDIR, ENTRYPOINT, CMD, HEALTHCHECK) and runs the binary exactly so, with a temporary
//! directory standing in for /data and a free port in ALLYDB_PORT, so the two cannot drift.
mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

const DOCKERFILE: &str = include_str!("../Dockerfile");

/// What the image's final stage says about how the server runs.
struct Image {
    env: Vec<(String, String)>,
    workdir: String,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
    healthcheck: Vec<String>,
    /// Every instruction of the final stage, continuation lines joined: (keyword, rest).
    instructions: Vec<(String, String)>,
}

/// The Dockerfile's instructions, with `\` continuations joined and comments dropped.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if current.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    joined
        .iter()
        .map(|line| {
            let (keyword, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            (keyword.to_ascii_uppercase(), rest.trim().to_string())
        })
        .collect()
}

/// An exec-form (JSON array) argument list, as ENTRYPOINT, CMD and HEALTHCHECK CMD use.
fn exec_form(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not an exec-form array: {text}: {e}"))
}

impl Image {
    fn parse() -> Image {
        let all = instructions(DOCKERFILE);
        let last_from = all.iter().rposition(|(keyword, _)| keyword == "FROM").expect("a FROM");
        let instructions = all[last_from..].to_vec();
        let mut image = Image {
            env: Vec::new(),
            workdir: "/".into(),
            entrypoint: Vec::new(),
            cmd: Vec::new(),
            healthcheck: Vec::new(),
            instructions: instructions.clone(),
        };
        for (keyword, rest) in &instructions {
            match keyword.as_str() {
                "ENV" => {
                    for pair in rest.split_whitespace() {
                        let (name, value) = pair.split_once('=').expect("ENV in NAME=value form");
                        image.env.push((name.to_string(), value.to_string()));
                    }
                }
                "WORKDIR" => image.workdir = rest.clone(),
                "ENTRYPOINT" => image.entrypoint = exec_form(rest),
                "CMD" => image.cmd = exec_form(rest),
                "HEALTHCHECK" => {
                    let (_, command) = rest.split_once("CMD ").expect("HEALTHCHECK ... CMD [...]");
                    image.healthcheck = exec_form(command.trim());
                }
                _ => {}
            }
        }
        image
    }

    fn env_value(&self, name: &str) -> Option<&str> {
        self.env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn has(&self, keyword: &str, rest: &str) -> bool {
        self.instructions.iter().any(|(k, r)| k == keyword && r == rest)
    }
}

/// A host stand-in for the container: the volume's directory and the published port.
struct Container {
    data: tempfile::TempDir,
    port: u16,
    extra_env: Vec<(String, String)>,
}

impl Container {
    fn new(extra_env: &[(&str, &str)]) -> Container {
        Container {
            data: tempfile::tempdir().expect("temp dir"),
            port: free_port(),
            extra_env: extra_env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    /// A path inside the image, mapped onto the host: /data is the temporary directory.
    fn host_path(&self, path: &str) -> String {
        match path.strip_prefix("/data") {
            Some(rest) => format!("{}{rest}", self.data.path().display()),
            None => path.to_string(),
        }
    }

    /// `argv` as the container would run it: only the image's environment (plus `docker run
    /// -e` stand-ins), the port replaced by a free one, in the image's WORKDIR.
    fn command(&self, image: &Image, argv: &[String]) -> Command {
        let (program, arguments) = argv.split_first().expect("a program");
        assert!(program == "allydb" || program == "/usr/local/bin/allydb", "runs {program}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_allydb"));
        command.args(arguments).env_clear().current_dir(self.host_path(&image.workdir));
        for (name, value) in &image.env {
            let value = match name.as_str() {
                "ALLYDB_PORT" => self.port.to_string(),
                _ => self.host_path(value),
            };
            command.env(name, value);
        }
        command.envs(self.extra_env.iter().map(|(k, v)| (k, v)));
        command.stdin(Stdio::null());
        command
    }

    /// Starts the server as ENTRYPOINT + CMD do, logging to a file in the data directory.
    fn start(&self, image: &Image) -> Server {
        let argv: Vec<String> = image.entrypoint.iter().chain(&image.cmd).cloned().collect();
        let log = self.data.path().join(format!("server-{}.log", self.port));
        let file = std::fs::File::create(&log).expect("log file");
        let child = self
            .command(image, &argv)
            .stdout(file.try_clone().expect("log clone"))
            .stderr(file)
            .spawn()
            .expect("spawn allydb");
        let mut server = Server { child, log, port: self.port };
        server.wait_ready();
        server
    }

    /// Runs the HEALTHCHECK command as Docker would, in the same environment.
    fn health_check(&self, image: &Image) -> Output {
        self.command(image, &image.healthcheck).output().expect("run the health check")
    }
}

struct Server {
    child: Child,
    log: PathBuf,
    port: u16,
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let ready = format!("Ready to accept connections tcp on 0.0.0.0:{}", self.port);
        let started = eventually(Duration::from_secs(30), || {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("allydb exited with {status}: {}", self.log());
            }
            self.log().contains(&ready)
        });
        assert!(started, "allydb did not start: {}", self.log());
    }

    /// `docker stop`: SIGTERM, then the exit status and the whole log.
    fn stop(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return (status.code(), self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("allydb did not exit on SIGTERM: {}", self.log());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn dockerfile_has_what_the_image_promises() {
    let image = Image::parse();
    let all = instructions(DOCKERFILE);
    assert!(
        all.iter().any(|(k, r)| k == "RUN" && r.contains("cargo build --release --locked")),
        "the build uses Cargo.lock"
    );
    assert!(image.instructions[0].1.starts_with("debian:bookworm-slim"), "small base");
    assert!(image.has("VOLUME", "/data"));
    assert!(image.has("EXPOSE", "4000"));
    assert!(image.has("WORKDIR", "/data"));
    let user = image.instructions.iter().rev().find(|(k, _)| k == "USER").expect("a USER");
    assert!(!["root", "0", "0:0"].contains(&user.1.as_str()), "runs as {}", user.1);
    assert_eq!(image.env_value("PERSISTENCE_LOCATION"), Some("/data/allydb.tab"));
    assert_eq!(image.env_value("ALLYDB_PORT"), Some("4000"));
    assert_eq!(image.env_value("ALLYDB_BIND"), Some("0.0.0.0"));
    assert_eq!(image.env_value("ALLYDB_PROTECTED_MODE"), Some("no"));
    assert_eq!(image.healthcheck, ["allydb", "--ping"]);
}

#[test]
fn image_serves_on_all_interfaces_and_is_healthy() {
    let image = Image::parse();
    let container = Container::new(&[]);
    let server = container.start(&image);
    let mut c = RawClient::connect(container.port);
    assert_eq!(c.cmd(&["SET", "hello", "world"]), "+OK\r\n");
    assert_eq!(c.cmd(&["GET", "hello"]), bulk("world"));
    assert_eq!(c.cmd(&["CONFIG", "GET", "bind"]), bulk_array(&["bind", "0.0.0.0"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "protected-mode"]), bulk_array(&["protected-mode", "no"]));
    let journal = format!("{}/allydb.tab", container.data.path().display());
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "persistence-location"]),
        bulk_array(&["persistence-location", &journal])
    );
    assert!(Path::new(&journal).join("MANIFEST").exists(), "journal on the volume");
    // What `docker run -p` forwards arrives from a non-loopback address: served, no -DENIED.
    if let Some(ip) = non_loopback_ipv4() {
        let mut remote = RawClient::connect_to(SocketAddr::new(ip.into(), container.port));
        assert_eq!(remote.cmd(&["PING"]), "+PONG\r\n", "from {ip}");
    }

    let output = container.health_check(&image);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "PONG\n");
    assert_eq!(text(&output.stderr), "");
    drop(server);
}

#[test]
fn health_check_fails_when_nothing_listens() {
    let image = Image::parse();
    let container = Container::new(&[]);
    let output = container.health_check(&image);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    let stderr = text(&output.stderr);
    let expected = format!(
        "allydb: health check failed: 127.0.0.1:{}: cannot connect: Connection refused",
        container.port
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn health_check_gives_up_on_a_server_that_never_replies() {
    let image = Image::parse();
    // Accepted by the kernel's backlog, never read: a wedged server.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut container = Container::new(&[]);
    container.port = listener.local_addr().expect("address").port();
    let started = Instant::now();
    let output = container.health_check(&image);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "allydb: health check failed: 127.0.0.1:{}: no reply within 3000 ms\n",
            container.port
        )
    );
    // Bounded by its own 3 s deadline, far below Docker's default 30 s HEALTHCHECK timeout.
    assert!(started.elapsed() < Duration::from_secs(25), "{:?}", started.elapsed());
    drop(listener);
}

#[test]
fn health_check_authenticates_with_the_configured_password() {
    let image = Image::parse();
    let container = Container::new(&[("ALLYDB_REQUIREPASS", "s3cret")]);
    let _server = container.start(&image);
    let output = container.health_check(&image);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "PONG\n");

    // Without the password, or with a wrong one, the check fails and says why.
    let mut without = container.command(&image, &image.healthcheck);
    let output = without.env_remove("ALLYDB_REQUIREPASS").output().expect("health check");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "allydb: health check failed: 127.0.0.1:{}: PING replied -NOAUTH Authentication \
             required.\n",
            container.port
        )
    );
    let mut wrong = container.command(&image, &image.healthcheck);
    let output = wrong.env("ALLYDB_REQUIREPASS", "nope").output().expect("health check");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "allydb: health check failed: 127.0.0.1:{}: AUTH replied -WRONGPASS invalid \
             username-password pair or user is disabled.; PING replied -NOAUTH Authentication \
             required.\n",
            container.port
        )
    );
}

#[test]
fn docker_stop_syncs_the_journal() {
    let image = Image::parse();
    // No fdatasync for a minute under these settings: the one the log reports can only be
    // the shutdown's, which SIGTERM starts.
    let container =
        Container::new(&[("ALLYDB_APPENDFSYNC", "no"), ("PERSISTENCE_INTERVAL", "60000")]);
    let server = container.start(&image);
    let mut c = RawClient::connect(container.port);
    for i in 0..100 {
        assert_eq!(c.cmd(&["SET", &format!("key:{i}"), &i.to_string()]), "+OK\r\n");
    }
    assert_eq!(c.cmd(&["RPUSH", "list", "a", "b", "c"]), int(3));
    drop(c);
    let (status, log) = server.stop();
    assert_eq!(status, Some(0), "{log}");
    assert!(log.contains("received SIGTERM, shutting down"), "{log}");
    // 100 SETs and one RPUSH: records 1 to 101, all synced before the exit.
    assert!(log.contains("journal synced up to sequence number 101\n"), "{log}");

    let server = container.start(&image);
    let mut c = RawClient::connect(container.port);
    assert_eq!(c.cmd(&["DBSIZE"]), int(101));
    assert_eq!(c.cmd(&["GET", "key:99"]), bulk("99"));
    assert_eq!(c.cmd(&["LRANGE", "list", "0", "-1"]), bulk_array(&["a", "b", "c"]));
    drop(server);
}
