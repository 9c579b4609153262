//! Startup configuration: flags over environment over defaults, and one-line errors.
mod common;

use std::net::TcpStream;
use std::process::{Command, Stdio};

use common::*;

fn allydb() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_allydb"));
    for var in [
        "ALLYDB_PORT",
        "ALLYDB_BIND",
        "PERSISTENCE_LOCATION",
        "PERSISTENCE_INTERVAL",
        "ALLYDB_REQUIREPASS",
        "ALLYDB_DATABASES",
        "ALLYDB_MAXCLIENTS",
        "ALLYDB_LOG_LEVEL",
    ] {
        command.env_remove(var);
    }
    command.stdin(Stdio::null());
    command
}

/// Runs allydb expecting it to exit at once; returns (status, stderr).
fn run_failing(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = allydb();
    command.current_dir(dir.path()).args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// (arguments, environment, texts the error line must contain)
type BadCase =
    (&'static [&'static str], &'static [(&'static str, &'static str)], &'static [&'static str]);

#[test]
fn invalid_values_give_one_line_and_status_1() {
    let cases: &[BadCase] = &[
        (&["--port", "70000"], &[], &["'70000'", "--port", "ALLYDB_PORT"]),
        (&[], &[("ALLYDB_PORT", "abc")], &["'abc'", "--port", "ALLYDB_PORT"]),
        (
            &["--persistence-interval", "0"],
            &[],
            &["'0'", "--persistence-interval", "PERSISTENCE_INTERVAL"],
        ),
        (&[], &[("PERSISTENCE_INTERVAL", "soon")], &["'soon'", "PERSISTENCE_INTERVAL"]),
        (&["--databases", "0"], &[], &["'0'", "--databases"]),
        (&["--maxclients", "-1"], &[], &["'-1'", "--maxclients"]),
        (&["--bind", "not-an-ip"], &[], &["'not-an-ip'", "--bind"]),
        (&["--proto-max-bulk-len", "12xb"], &[], &["'12xb'", "--proto-max-bulk-len"]),
        (&["--log-level", "[[["], &[], &["--log-level"]),
        (&[], &[("ALLYDB_THREADS", "many")], &["'many'", "--threads", "ALLYDB_THREADS"]),
        (&["--hash-max-listpack-entries", "-1"], &[], &["'-1'", "--hash-max-listpack-entries"]),
        (&["--list-max-listpack-size", "2147483648"], &[], &["--list-max-listpack-size"]),
        (&["--zset-max-listpack-value", "big"], &[], &["'big'", "--zset-max-listpack-value"]),
        (
            &["--protected-mode", "maybe"],
            &[],
            &["'maybe'", "--protected-mode (ALLYDB_PROTECTED_MODE)"],
        ),
        (
            &[],
            &[("ALLYDB_ENABLE_PROTECTED_CONFIGS", "always")],
            &["'always'", "--enable-protected-configs (ALLYDB_ENABLE_PROTECTED_CONFIGS)"],
        ),
    ];
    for (args, env, needles) in cases {
        let (status, stderr) = run_failing(args, env);
        assert_eq!(status, 1, "{args:?} {env:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        for needle in *needles {
            assert!(stderr.contains(needle), "{args:?} {env:?}: missing {needle} in {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn help_documents_every_setting_and_its_environment_variable() {
    let output = allydb().arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    let settings = [
        ("--port", "ALLYDB_PORT"),
        ("--bind", "ALLYDB_BIND"),
        ("--persistence-location", "PERSISTENCE_LOCATION"),
        ("--persistence-interval", "PERSISTENCE_INTERVAL"),
        ("--requirepass", "ALLYDB_REQUIREPASS"),
        ("--protected-mode", "ALLYDB_PROTECTED_MODE"),
        ("--enable-protected-configs", "ALLYDB_ENABLE_PROTECTED_CONFIGS"),
        ("--databases", "ALLYDB_DATABASES"),
        ("--maxclients", "ALLYDB_MAXCLIENTS"),
        ("--proto-max-bulk-len", "ALLYDB_PROTO_MAX_BULK_LEN"),
        ("--client-query-buffer-limit", "ALLYDB_CLIENT_QUERY_BUFFER_LIMIT"),
        ("--threads", "ALLYDB_THREADS"),
        ("--log-level", "ALLYDB_LOG_LEVEL"),
        ("--list-max-listpack-size", "ALLYDB_LIST_MAX_LISTPACK_SIZE"),
        ("--hash-max-listpack-entries", "ALLYDB_HASH_MAX_LISTPACK_ENTRIES"),
        ("--hash-max-listpack-value", "ALLYDB_HASH_MAX_LISTPACK_VALUE"),
        ("--set-max-intset-entries", "ALLYDB_SET_MAX_INTSET_ENTRIES"),
        ("--set-max-listpack-entries", "ALLYDB_SET_MAX_LISTPACK_ENTRIES"),
        ("--set-max-listpack-value", "ALLYDB_SET_MAX_LISTPACK_VALUE"),
        ("--zset-max-listpack-entries", "ALLYDB_ZSET_MAX_LISTPACK_ENTRIES"),
        ("--zset-max-listpack-value", "ALLYDB_ZSET_MAX_LISTPACK_VALUE"),
        ("--notify-keyspace-events", "ALLYDB_NOTIFY_KEYSPACE_EVENTS"),
        ("--journal-zeros-ahead", "ALLYDB_JOURNAL_ZEROS_AHEAD"),
    ];
    for (flag, env) in settings {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
        assert!(help.contains(&format!("[env: {env}=")), "--help lacks {env}:\n{help}");
    }
    for default in ["[default: 4000]", "[default: allydb.tab]", "[default: 3000]"] {
        assert!(help.contains(default), "--help lacks {default}:\n{help}");
    }
}

#[test]
fn environment_is_used_and_flags_win() {
    // ALLYDB_PORT alone picks the port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut child = allydb()
        .current_dir(dir.path())
        .env("ALLYDB_PORT", port.to_string())
        .env("ALLYDB_DATABASES", "3")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut connected = false;
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            connected = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(connected, "server did not listen on ALLYDB_PORT");
    let mut c = RawClient::connect(port);
    assert_eq!(c.cmd(&["SELECT", "2"]), OK);
    assert_eq!(c.cmd(&["SELECT", "3"]), err("ERR DB index is out of range"));
    let _ = child.kill();
    let _ = child.wait();

    // A flag beats the environment: the harness passes --port, the env names another one.
    let server = TestServer::start_with_env(&["--databases", "5"], &[("ALLYDB_DATABASES", "2")]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SELECT", "4"]), OK);
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    server.signal("TERM");
    assert_eq!(server.wait_exit(std::time::Duration::from_secs(10)), Some(0));
    let log = server.log();
    assert!(log.contains("Ready to accept connections tcp on 127.0.0.1:"), "{log}");
    assert!(log.contains("SIGTERM"), "{log}");
}

#[test]
fn sigint_shuts_down_cleanly() {
    let mut server = TestServer::start();
    server.signal("INT");
    assert_eq!(server.wait_exit(std::time::Duration::from_secs(10)), Some(0));
}

#[test]
fn busy_port_is_one_clear_line() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let (status, stderr) = run_failing(&["--port", &port], &[]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("cannot listen on 127.0.0.1:"), "{stderr}");
}

#[test]
fn multi_threaded_runtime_serves_clients() {
    let server = TestServer::start_with(&["--threads", "2"]);
    let mut clients: Vec<RawClient> = (0..4).map(|_| server.raw()).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        assert_eq!(c.cmd(&["SET", &format!("k{i}"), "v"]), OK);
    }
    for (i, c) in clients.iter_mut().enumerate() {
        assert_eq!(c.cmd(&["GET", &format!("k{}", (i + 1) % 4)]), bulk("v"));
    }
}

#[test]
fn loglevel_and_threads_are_reported_and_loglevel_changes_logging() {
    let server = TestServer::start_with(&["--log-level", "warn", "--threads", "3"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "GET", "loglevel"]), bulk_array(&["loglevel", "warning"]));
    assert_eq!(c.cmd(&["CONFIG", "GET", "threads"]), bulk_array(&["threads", "3"]));
    let provoke = || {
        let mut bad = server.raw();
        bad.send(b"*1\r\nx\r\n");
        let _ = bad.read_reply();
    };
    provoke();
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(!server.log().contains("protocol error from client"), "{}", server.log());
    assert_eq!(c.cmd(&["CONFIG", "SET", "loglevel", "verbose"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "loglevel"]), bulk_array(&["loglevel", "verbose"]));
    provoke();
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(server.log().contains("protocol error from client"), "{}", server.log());
}
