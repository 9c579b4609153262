//! Real tools against the real binary: redis-cli (interactive, one-shot, --pipe, -3) and
//! redis-benchmark. `scripts/test.sh` installs them. Client libraries (redis-py among them)
//! are in tests/clients.rs, the tools' special modes compared with redis-server in
//! tests/cli_modes.rs.
mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;

fn python() -> Command {
    let python = std::env::var("ALLYDB_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    Command::new(python)
}

fn cli(server: &TestServer, args: &[&str]) -> String {
    redis_cli(server.port, args, "AllyDB")
}

#[test]
fn redis_cli_one_shot_commands() {
    let server = TestServer::start();
    assert_eq!(cli(&server, &["PING"]), "PONG\n");
    assert_eq!(cli(&server, &["SET", "k", "hello world"]), "OK\n");
    assert_eq!(cli(&server, &["GET", "k"]), "hello world\n");
    assert_eq!(cli(&server, &["-3", "GET", "missing"]), "\n");
    assert_eq!(cli(&server, &["-3", "HELLO", "3"]).lines().next(), Some("server redis"));
    assert!(cli(&server, &["NOSUCH"]).starts_with("ERR unknown command 'NOSUCH'"));
}

#[test]
fn redis_cli_interactive_session() {
    let server = TestServer::start();
    tool("redis-cli");
    let output = python()
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/external/cli_interactive.py"))
        .arg(server.port.to_string())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GET", "greeting"]), bulk("hello"));
}

#[test]
fn redis_cli_pipe_mass_insert() {
    let server = TestServer::start();
    let mut input = Vec::new();
    for i in 0..20_000 {
        input.extend(encode(&[
            b"SET",
            format!("key:{i}").as_bytes(),
            format!("value:{i}").as_bytes(),
        ]));
    }
    let mut child = tool("redis-cli")
        .args(["-p", &server.port.to_string(), "--pipe"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("errors: 0, replies: 20000"), "{}", text(&output));
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GET", "key:19999"]), bulk("value:19999"));
}

#[test]
fn redis_benchmark_runs_without_errors() {
    let server = TestServer::start();
    let output = tool("redis-benchmark")
        .args(["-p", &server.port.to_string(), "-t", "set,get,incr,mset", "-P", "16", "-q"])
        .args(["-n", "20000", "-c", "20"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for test in ["SET:", "GET:", "INCR:", "MSET (10 keys):"] {
        let line = stdout
            .split(['\r', '\n'])
            .rfind(|l| l.trim_start().starts_with(test))
            .unwrap_or_else(|| panic!("no {test} line in {}", text(&output)));
        assert!(line.contains("requests per second"), "{line}");
    }
    let all = text(&output);
    assert!(!all.contains("ERR") && !all.to_lowercase().contains("error"), "{all}");
}
