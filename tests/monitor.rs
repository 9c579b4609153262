//! MONITOR: the line format and quoting, AUTH/HELLO redaction, transactions as a monitor sees
//! them, what a monitor may run, CLIENT LIST and INFO, and the `normal` output buffer limit
//! (a monitor that never reads, and replies over the limit).
mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::{bulk, encode, err, eventually, RawClient, TestServer, OK};

/// A monitor line with its timestamp and the client's port replaced by `TS` and `PORT`,
/// after checking their shapes: `+<seconds>.<6 digits> [<db> 127.0.0.1:<port>] ...`.
fn masked(line: &str) -> String {
    let rest = line.strip_prefix('+').unwrap_or_else(|| panic!("not a status line: {line:?}"));
    let (stamp, rest) = rest.split_once(' ').expect("a space after the timestamp");
    let (seconds, micros) = stamp.split_once('.').expect("seconds.micros");
    assert!(seconds.len() >= 10 && seconds.bytes().all(|b| b.is_ascii_digit()), "{line:?}");
    assert!(micros.len() == 6 && micros.bytes().all(|b| b.is_ascii_digit()), "{line:?}");
    let (source, arguments) = rest.split_once("] ").expect("the source in brackets");
    let (db, address) = source.strip_prefix('[').expect("[").split_once(' ').expect("db addr");
    let port = address.strip_prefix("127.0.0.1:").expect("the client's address");
    assert!(!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()), "{line:?}");
    format!("+TS [{db} 127.0.0.1:PORT] {arguments}")
}

fn line(db: usize, arguments: &str) -> String {
    format!("+TS [{db} 127.0.0.1:PORT] {arguments}\r\n")
}

fn start_monitor(server: &TestServer) -> RawClient {
    let mut monitor = server.raw();
    assert_eq!(monitor.cmd(&["MONITOR"]), OK);
    monitor
}

fn next_line(monitor: &mut RawClient) -> String {
    masked(&monitor.read_reply())
}

#[test]
fn lines_are_formatted_and_quoted_like_redis() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut monitor = start_monitor(&server);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["set", "k", "v"]), OK);
    assert_eq!(next_line(&mut monitor), line(0, r#""set" "k" "v""#));
    let binary: &[u8] = b"a\x00b\"c\\d\n\r\t\x07\x08\xff \xc3\xa9~";
    assert_eq!(c.cmd_bytes(&[b"SET", b"bin", binary]), OK.as_bytes());
    assert_eq!(
        next_line(&mut monitor),
        line(0, r#""SET" "bin" "a\x00b\"c\\d\n\r\t\a\b\xff \xc3\xa9~""#)
    );
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(next_line(&mut monitor), line(0, r#""GET" "k""#));
    // The database is the one selected after the command.
    assert_eq!(c.cmd(&["SELECT", "3"]), OK);
    assert_eq!(next_line(&mut monitor), line(3, r#""SELECT" "3""#));
    assert_eq!(c.cmd(&["ECHO", ""]), bulk(""));
    assert_eq!(next_line(&mut monitor), line(3, r#""ECHO" """#));
    // Rejected and admin commands are not shown; the next line is the PING after them.
    assert!(c.cmd(&["NOSUCH"]).starts_with("-ERR unknown command"));
    assert!(c.cmd(&["GET"]).starts_with("-ERR wrong number"));
    assert!(c.cmd(&["CONFIG", "GET", "maxclients"]).starts_with('*'));
    assert!(c.cmd(&["CLIENT", "LIST"]).starts_with('$'));
    assert_eq!(c.cmd(&["CLIENT", "ID"]).chars().next(), Some(':'));
    assert_eq!(next_line(&mut monitor), line(3, r#""CLIENT" "ID""#));
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(next_line(&mut monitor), line(3, r#""PING""#));
    // An inline command is shown with its words.
    c.send(b"ping hello\r\n");
    assert_eq!(c.read_reply(), bulk("hello"));
    assert_eq!(next_line(&mut monitor), line(3, r#""ping" "hello""#));
}

#[test]
fn resp3_monitors_get_the_same_lines() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut monitor = server.raw().resp3();
    assert_eq!(monitor.cmd(&["MONITOR"]), OK);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(next_line(&mut monitor), line(0, r#""SET" "k" "v""#));
}

#[test]
fn auth_and_hello_auth_arguments_are_redacted() {
    let server = TestServer::start_with(&["--appendonly", "no", "--requirepass", "secret"]);
    let mut monitor = server.raw();
    assert_eq!(monitor.cmd(&["AUTH", "secret"]), OK);
    assert_eq!(monitor.cmd(&["MONITOR"]), OK);
    let mut c = server.raw();
    assert!(c.cmd(&["AUTH", "wrong"]).starts_with("-WRONGPASS"));
    assert_eq!(next_line(&mut monitor), line(0, r#""AUTH" "(redacted)""#));
    assert_eq!(c.cmd(&["AUTH", "default", "secret"]), OK);
    assert_eq!(next_line(&mut monitor), line(0, r#""AUTH" "(redacted)" "(redacted)""#));
    assert!(c.cmd(&["HELLO", "2", "AUTH", "default", "secret", "SETNAME", "x"]).starts_with('*'));
    assert_eq!(
        next_line(&mut monitor),
        line(0, r#""HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "x""#)
    );
    assert!(c.cmd(&["HELLO", "2", "SETNAME", "y", "auth", "default", "secret"]).starts_with('*'));
    assert_eq!(
        next_line(&mut monitor),
        line(0, r#""HELLO" "2" "SETNAME" "y" "auth" "(redacted)" "(redacted)""#)
    );
    // AUTH without both values is a syntax error; nothing there is a password pair.
    assert_eq!(
        c.cmd(&["HELLO", "2", "AUTH", "default"]),
        err("ERR Syntax error in HELLO option 'AUTH'")
    );
    assert_eq!(next_line(&mut monitor), line(0, r#""HELLO" "2" "AUTH" "default""#));
}

#[test]
fn transactions_show_multi_then_the_commands_then_exec() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut monitor = start_monitor(&server);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1"]), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["INCR", "a"]), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["SELECT", "5"]), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["PING"]), "+QUEUED\r\n");
    assert!(c.cmd(&["EXEC"]).starts_with("*4\r\n"));
    assert_eq!(next_line(&mut monitor), line(0, r#""MULTI""#));
    assert_eq!(next_line(&mut monitor), line(0, r#""SET" "a" "1""#));
    assert_eq!(next_line(&mut monitor), line(0, r#""INCR" "a""#));
    assert_eq!(next_line(&mut monitor), line(5, r#""SELECT" "5""#));
    assert_eq!(next_line(&mut monitor), line(5, r#""PING""#));
    assert_eq!(next_line(&mut monitor), line(5, r#""EXEC""#));
    // A transaction that aborts shows MULTI and EXEC only; DISCARD and WATCH are shown.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert!(c.cmd(&["GET"]).starts_with("-ERR wrong number"));
    assert!(c.cmd(&["EXEC"]).starts_with("-EXECABORT"));
    assert_eq!(c.cmd(&["WATCH", "a"]), OK);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["DISCARD"]), OK);
    assert_eq!(next_line(&mut monitor), line(5, r#""MULTI""#));
    assert_eq!(next_line(&mut monitor), line(5, r#""EXEC""#));
    assert_eq!(next_line(&mut monitor), line(5, r#""WATCH" "a""#));
    assert_eq!(next_line(&mut monitor), line(5, r#""MULTI""#));
    assert_eq!(next_line(&mut monitor), line(5, r#""DISCARD""#));
}

#[test]
fn a_monitor_may_not_touch_the_keyspace() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut monitor = start_monitor(&server);
    let refused = err("ERR Replica can't interact with the keyspace");
    assert_eq!(monitor.cmd(&["GET", "k"]), refused);
    assert_eq!(monitor.cmd(&["SET", "k", "v"]), refused);
    assert_eq!(monitor.cmd(&["PUBLISH", "ch", "m"]), refused);
    // Its own commands are shown to it, right after their replies.
    assert_eq!(monitor.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(next_line(&mut monitor), line(0, r#""PING""#));
    // A second MONITOR is ignored without a reply.
    monitor.send_command(&[b"MONITOR"]);
    assert_eq!(monitor.cmd(&["ECHO", "x"]), bulk("x"));
    assert_eq!(next_line(&mut monitor), line(0, r#""ECHO" "x""#));

    let mut other = server.raw();
    // A connection publishes its last command just after its reply, so allow it a moment.
    let mut list = String::new();
    let shown = eventually(Duration::from_secs(10), || {
        list = other.cmd(&["CLIENT", "LIST"]);
        list.lines().any(|l| l.contains(" flags=O ") && l.contains(" cmd=echo "))
    });
    assert!(shown, "the monitor, flagged O, its last command ECHO: {list}");
    assert!(other.cmd(&["CLIENT", "LIST", "TYPE", "normal"]).contains("flags=O"));
    assert!(other.cmd(&["INFO", "clients"]).contains("connected_clients:2\r\n"));
    assert!(other.cmd(&["INFO", "replication"]).contains("connected_slaves:0\r\n"));
    assert_eq!(next_line(&mut monitor), line(0, r#""INFO" "clients""#));
    assert_eq!(next_line(&mut monitor), line(0, r#""INFO" "replication""#));

    // RESET ends monitor mode.
    assert_eq!(monitor.cmd(&["RESET"]), "+RESET\r\n");
    assert_eq!(other.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(monitor.cmd(&["GET", "k"]), bulk("v"));

    // MONITOR inside a transaction is refused at EXEC.
    assert_eq!(monitor.cmd(&["MULTI"]), OK);
    assert_eq!(monitor.cmd(&["MONITOR"]), "+QUEUED\r\n");
    assert_eq!(
        monitor.cmd(&["EXEC"]),
        format!("*1\r\n{}", err("ERR MONITOR isn't allowed for DENY BLOCKING client"))
    );
}

#[test]
fn a_monitor_that_never_reads_is_dropped_at_the_normal_limit() {
    let server = TestServer::start_with(&[
        "--appendonly",
        "no",
        "--client-output-buffer-limit",
        "normal 1mb 0 0",
    ]);
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.write_all(&encode(&[b"CLIENT", b"SETNAME", b"slowmon"])).unwrap();
    slow.write_all(&encode(&[b"MONITOR"])).unwrap();
    let mut admin = server.raw();
    assert!(eventually(Duration::from_secs(5), || admin
        .cmd(&["CLIENT", "LIST"])
        .contains("name=slowmon")));
    // 64 MB of lines: far more than the socket buffers and the 1 MB limit together.
    let value = vec![b'x'; 64 * 1024];
    let command = encode(&[b"SET", b"k", &value]);
    let mut writer = server.raw();
    for _ in 0..1024 {
        writer.send(&command);
        assert_eq!(writer.read_reply(), OK);
    }
    assert!(eventually(Duration::from_secs(10), || !admin
        .cmd(&["CLIENT", "LIST"])
        .contains("name=slowmon")));
    let log = server.log();
    assert!(
        log.contains("scheduled to be closed ASAP for overcoming of output buffer limits.")
            && log.contains("name=slowmon")
            && log.contains("flags=O"),
        "{log}"
    );
    assert_eq!(writer.cmd(&["STRLEN", "k"]), ":65536\r\n");
}

#[test]
fn replies_over_the_normal_hard_limit_close_the_client() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "normal 100kb 0 0"]), OK);
    let value = "x".repeat(200 * 1024);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "bigreader"]), OK);
    assert_eq!(c.cmd(&["SET", "big", &value]), OK);
    c.send_command(&[b"GET", b"big"]);
    assert!(c.is_closed());
    assert!(server.log().contains("name=bigreader"), "{}", server.log());
    // Under the limit, and with the limit lifted, replies flow as usual.
    let mut d = server.raw();
    assert_eq!(d.cmd(&["STRLEN", "big"]), ":204800\r\n");
    assert_eq!(admin.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"]), OK);
    assert_eq!(d.cmd(&["GET", "big"]), bulk(&value));
}
