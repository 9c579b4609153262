//! CLIENT PAUSE and CLIENT UNPAUSE: WRITE lets reads through and holds writes (PUBLISH and
//! EXEC of a writing transaction included), ALL holds everything, held clients resume in
//! arrival order, a pause ends on its own, a later pause only extends, expiry pauses, and
//! Redis's error texts.
mod common;

use std::time::Duration;

use common::{
    blocked_clients, bulk, err, eventually, info_number, int, wait_blocked, RawClient, TestServer,
    OK,
};

const NULL: &str = "$-1\r\n";

fn server() -> TestServer {
    TestServer::start_with(&["--appendonly", "no"])
}

#[test]
fn error_texts_match_redis() {
    let server = server();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE"]),
        err("ERR wrong number of arguments for 'client|pause' command")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE", "abc"]),
        err("ERR timeout is not an integer or out of range")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE", "1.5"]),
        err("ERR timeout is not an integer or out of range")
    );
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "-1"]), err("ERR timeout is negative"));
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE", "9223372036854775807"]),
        err("ERR timeout is out of range")
    );
    // The mode is checked before the timeout.
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE", "abc", "foo"]),
        err("ERR CLIENT PAUSE mode must be WRITE or ALL")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE", "1", "write", "x"]),
        err("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "UNPAUSE", "x"]),
        err("ERR wrong number of arguments for 'client|unpause' command")
    );
    // A zero timeout pauses nothing.
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "0"]), OK);
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(c.cmd(&["CLIENT", "UNPAUSE"]), OK);
    let help = c.cmd(&["CLIENT", "HELP"]);
    assert!(help.contains("PAUSE <timeout> [WRITE|ALL]") && help.contains("UNPAUSE"), "{help}");
}

#[test]
fn write_pause_lets_reads_through_and_holds_writes_until_unpause() {
    let server = server();
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["SET", "k", "old"]), OK);
    // A transaction with a write queued before the pause is held at EXEC.
    let mut transaction = server.raw();
    assert_eq!(transaction.cmd(&["MULTI"]), OK);
    assert_eq!(transaction.cmd(&["SET", "t", "1"]), "+QUEUED\r\n");
    let mut first = server.raw();
    let first_id = first.cmd(&["CLIENT", "ID"]);
    let first_id = first_id.trim_start_matches(':').trim_end();
    let mut second = server.raw();
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), OK);

    let mut reader = server.raw();
    assert_eq!(reader.cmd(&["GET", "k"]), bulk("old"));
    assert_eq!(reader.cmd(&["PING"]), "+PONG\r\n");
    // A read-only transaction runs.
    assert_eq!(reader.cmd(&["MULTI"]), OK);
    assert_eq!(reader.cmd(&["GET", "k"]), "+QUEUED\r\n");
    assert_eq!(reader.cmd(&["EXEC"]), format!("*1\r\n{}", bulk("old")));
    // Errors are answered at once.
    assert_eq!(reader.cmd(&["SET", "k"]), err("ERR wrong number of arguments for 'set' command"));

    first.send_command(&[b"SET", b"k", b"first"]);
    wait_blocked(&mut admin, 1);
    second.send_command(&[b"SET", b"k", b"second"]);
    wait_blocked(&mut admin, 2);
    let mut publisher = server.raw();
    publisher.send_command(&[b"PUBLISH", b"ch", b"m"]);
    wait_blocked(&mut admin, 3);
    transaction.send_command(&[b"EXEC"]);
    wait_blocked(&mut admin, 4);
    // Reads still see the old value; held clients show flag b and their command.
    assert_eq!(reader.cmd(&["GET", "k"]), bulk("old"));
    let list = admin.cmd(&["CLIENT", "LIST"]);
    assert_eq!(
        list.lines().filter(|l| l.contains(" flags=b ") && l.contains(" cmd=set ")).count(),
        2,
        "{list}"
    );
    assert!(list.lines().any(|l| l.contains(" flags=b ") && l.contains(" cmd=publish ")), "{list}");
    assert!(list.lines().any(|l| l.contains(" flags=xb ") && l.contains(" cmd=exec ")), "{list}");
    // CLIENT UNBLOCK does not release a held client.
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", first_id]), int(0));

    assert_eq!(admin.cmd(&["CLIENT", "UNPAUSE"]), OK);
    assert_eq!(first.read_reply(), OK);
    assert_eq!(second.read_reply(), OK);
    assert_eq!(publisher.read_reply(), int(0));
    assert_eq!(transaction.read_reply(), format!("*1\r\n{OK}"));
    // Held clients ran in the order they arrived: the second SET is the last.
    assert_eq!(reader.cmd(&["GET", "k"]), bulk("second"));
    assert_eq!(reader.cmd(&["GET", "t"]), bulk("1"));
    assert_eq!(blocked_clients(&mut admin), 0);
}

#[test]
fn writes_sent_after_multi_wait_to_be_queued() {
    let server = server();
    let mut admin = server.raw();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), OK);
    assert_eq!(c.cmd(&["GET", "k"]), "+QUEUED\r\n");
    c.send_command(&[b"SET", b"k", b"v"]);
    wait_blocked(&mut admin, 1);
    let list = admin.cmd(&["CLIENT", "LIST"]);
    assert!(list.contains(" flags=xb ") && list.contains(" multi=1 "), "{list}");
    assert_eq!(admin.cmd(&["CLIENT", "UNPAUSE"]), OK);
    assert_eq!(c.read_reply(), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["EXEC"]), format!("*2\r\n{NULL}{OK}"));
}

/// INFO `blocked_clients` read through a monitor (CLIENT PAUSE ALL holds every other client);
/// skips the monitor's own INFO line that follows the reply.
fn blocked_via_monitor(monitor: &mut RawClient) -> usize {
    let info = monitor.cmd(&["INFO", "clients"]);
    let own_line = monitor.read_reply();
    assert!(own_line.ends_with("\"INFO\" \"clients\"\r\n"), "{own_line}");
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("blocked_clients")
}

#[test]
fn all_pause_holds_reads_too() {
    let server = server();
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["SET", "k", "v"]), OK);
    // A monitor is never paused: it is the one connection that can still act.
    let mut monitor = server.raw();
    assert_eq!(monitor.cmd(&["MONITOR"]), OK);
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "100000"]), OK);
    let mut reader = server.raw();
    reader.send_command(&[b"GET", b"k"]);
    let mut pinger = server.raw();
    pinger.send_command(&[b"PING"]);
    // CLIENT UNPAUSE from a normal client is held too, as in Redis.
    admin.send_command(&[b"CLIENT", b"UNPAUSE"]);
    assert!(eventually(Duration::from_secs(10), || blocked_via_monitor(&mut monitor) == 3));
    assert_eq!(monitor.cmd(&["CLIENT", "UNPAUSE"]), OK);
    assert_eq!(reader.read_reply(), bulk("v"));
    assert_eq!(pinger.read_reply(), "+PONG\r\n");
    assert_eq!(admin.read_reply(), OK);
    assert_eq!(blocked_clients(&mut admin), 0);
}

#[test]
fn a_pause_ends_on_its_own() {
    let server = server();
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "300", "WRITE"]), OK);
    let mut writer = server.raw();
    // Sent at once, answered once the 300 ms are over (the read waits up to 10 s).
    assert_eq!(writer.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "300"]), OK);
    assert_eq!(writer.cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn a_later_pause_only_extends_and_tightens() {
    let server = server();
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), OK);
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "10", "WRITE"]), OK);
    // Well past the short pause's end, writes are still held by the long one.
    std::thread::sleep(Duration::from_millis(200));
    let mut writer = server.raw();
    writer.send_command(&[b"SET", b"k", b"v"]);
    wait_blocked(&mut admin, 1);
    // ALL over WRITE makes it stricter; a later WRITE does not relax it.
    let mut monitor = server.raw();
    assert_eq!(monitor.cmd(&["MONITOR"]), OK);
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "100000", "ALL"]), OK);
    // Under ALL only the monitor is served (CLIENT PAUSE is an admin command: no line).
    assert_eq!(monitor.cmd(&["CLIENT", "PAUSE", "10", "WRITE"]), OK);
    std::thread::sleep(Duration::from_millis(200));
    let mut reader = server.raw();
    reader.send_command(&[b"PING"]);
    assert!(eventually(Duration::from_secs(10), || blocked_via_monitor(&mut monitor) == 2));
    assert_eq!(monitor.cmd(&["CLIENT", "UNPAUSE"]), OK);
    assert_eq!(writer.read_reply(), OK);
    assert_eq!(reader.read_reply(), "+PONG\r\n");
}

#[test]
fn a_held_client_that_disconnects_leaves_the_queue() {
    let server = server();
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), OK);
    let mut gone = server.raw();
    gone.send_command(&[b"SET", b"k", b"gone"]);
    wait_blocked(&mut admin, 1);
    let mut stays = server.raw();
    stays.send_command(&[b"SET", b"k", b"stays"]);
    wait_blocked(&mut admin, 2);
    drop(gone);
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd(&["CLIENT", "UNPAUSE"]), OK);
    assert_eq!(stays.read_reply(), OK);
    assert_eq!(admin.cmd(&["GET", "k"]), bulk("stays"));
}

#[test]
fn keys_do_not_expire_while_paused() {
    let server = server();
    let mut c = server.raw();
    // The pause starts at the end of the transaction, so the SETs run.
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["SET", "a", "1", "PX", "20"]), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["SET", "b", "2", "PX", "20"]), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["EXEC"]), format!("*3\r\n{OK}{OK}{OK}"));
    let expired_before = info_number(&mut c, "stats", "expired_keys");
    // Reads see the keys as expired once their deadline passed, without deleting them.
    assert!(eventually(Duration::from_secs(10), || c.cmd(&["GET", "a"]) == NULL));
    assert_eq!(c.cmd(&["GET", "b"]), NULL);
    std::thread::sleep(Duration::from_millis(250)); // a few active expiry cycles
    assert_eq!(c.cmd(&["DBSIZE"]), int(2));
    assert_eq!(info_number(&mut c, "stats", "expired_keys"), expired_before);
    assert_eq!(c.cmd(&["CLIENT", "UNPAUSE"]), OK);
    assert_eq!(c.cmd(&["GET", "a"]), NULL);
    assert!(eventually(Duration::from_secs(10), || c.cmd(&["DBSIZE"]) == int(0)));
    assert_eq!(info_number(&mut c, "stats", "expired_keys"), expired_before + 2);
}

/// The server's clock in Unix milliseconds (TIME).
fn server_ms(c: &mut RawClient) -> u64 {
    let reply = c.cmd(&["TIME"]);
    let numbers: Vec<u64> = reply
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with('*') && !l.starts_with('$'))
        .filter_map(|l| l.parse().ok())
        .collect();
    numbers[0] * 1000 + numbers[1] / 1000
}

#[test]
fn a_held_command_counts_its_deadline_from_when_it_runs() {
    let server = server();
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), OK);
    let mut writer = server.raw();
    writer.send_command(&[b"SET", b"k", b"v", b"PX", b"100000"]);
    wait_blocked(&mut admin, 1);
    std::thread::sleep(Duration::from_millis(300));
    let before_unpause_ms = server_ms(&mut admin);
    assert_eq!(admin.cmd(&["CLIENT", "UNPAUSE"]), OK);
    assert_eq!(writer.read_reply(), OK);
    let deadline: u64 =
        admin.cmd(&["PEXPIRETIME", "k"]).trim_start_matches(':').trim().parse().unwrap();
    assert!(deadline >= before_unpause_ms + 100_000, "{deadline} < {before_unpause_ms} + 100000");
}
