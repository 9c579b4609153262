//! Connection commands end to end: PING, ECHO, SELECT, AUTH, HELLO, QUIT, EXIT, RESET and the
//! CLIENT family, compared byte for byte with Redis 7.2's replies.
mod common;

use std::time::{Duration, Instant};

use common::*;

fn client_id(c: &mut RawClient) -> i64 {
    let reply = c.cmd(&["CLIENT", "ID"]);
    reply.trim_start_matches(':').trim_end().parse().expect("CLIENT ID is an integer")
}

/// The payload of a bulk (`$n\r\n...\r\n`) or verbatim (`=n\r\ntxt:...\r\n`) reply.
fn payload(reply: &str) -> String {
    let (_, rest) = reply.split_once("\r\n").expect("header");
    let body = rest.strip_suffix("\r\n").expect("trailer");
    body.strip_prefix("txt:").unwrap_or(body).to_string()
}

fn hello2(id: i64) -> String {
    format!(
        "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.6\r\n$5\r\nproto\r\n:2\r\n\
         $2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n\
         $7\r\nmodules\r\n*0\r\n"
    )
}

#[test]
fn ping_and_echo() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(c.cmd(&["ping", "hello"]), bulk("hello"));
    assert_eq!(c.cmd(&["PING", "a", "b"]), err("ERR wrong number of arguments for 'ping' command"));
    assert_eq!(c.cmd(&["ECHO", "hi there"]), bulk("hi there"));
    assert_eq!(c.cmd(&["ECHO", ""]), bulk(""));
    assert_eq!(c.cmd(&["ECHO"]), err("ERR wrong number of arguments for 'echo' command"));
    assert_eq!(c.cmd(&["ECHO", "a", "b"]), err("ERR wrong number of arguments for 'echo' command"));
}

#[test]
fn select_checks_the_index() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "k", "zero"]), OK);
    assert_eq!(c.cmd(&["SELECT", "1"]), OK);
    assert_eq!(c.cmd(&["GET", "k"]), NIL);
    assert_eq!(c.cmd(&["SELECT", "16"]), err("ERR DB index is out of range"));
    assert_eq!(c.cmd(&["SELECT", "-1"]), err("ERR DB index is out of range"));
    assert_eq!(c.cmd(&["SELECT", "x"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["SELECT"]), err("ERR wrong number of arguments for 'select' command"));
    let info = payload(&c.cmd(&["CLIENT", "INFO"]));
    assert!(info.contains(" db=1 "), "{info}");
    assert_eq!(c.cmd(&["SELECT", "0"]), OK);
    assert_eq!(c.cmd(&["GET", "k"]), bulk("zero"));
}

#[test]
fn auth_without_a_password_configured() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["AUTH", "pw"]),
        err("ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?")
    );
    assert_eq!(c.cmd(&["AUTH", "a", "b", "c"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["AUTH"]), err("ERR wrong number of arguments for 'auth' command"));
    // The default user with any password is fine when none is required.
    assert_eq!(c.cmd(&["AUTH", "default", "whatever"]), OK);
    assert_eq!(
        c.cmd(&["AUTH", "bob", "whatever"]),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
}

#[test]
fn auth_and_hello_with_requirepass() {
    let server = TestServer::start_with(&["--requirepass", "secret"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GET", "k"]), err("NOAUTH Authentication required."));
    assert_eq!(c.cmd(&["CLIENT", "ID"]), err("NOAUTH Authentication required."));
    // Lookup and arity errors come before NOAUTH.
    assert_eq!(c.cmd(&["NOSUCH"]), err("ERR unknown command 'NOSUCH', with args beginning with: "));
    assert_eq!(c.cmd(&["GET"]), err("ERR wrong number of arguments for 'get' command"));
    assert_eq!(
        c.cmd(&["AUTH", "wrong"]),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
    assert_eq!(
        c.cmd(&["HELLO", "3"]),
        err("NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and \
             select the RESP protocol version at the same time")
    );
    assert_eq!(
        c.cmd(&["HELLO", "3", "AUTH", "default", "nope"]),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
    // A successful HELLO AUTH answers in the requested protocol.
    c.send_command(&[b"HELLO", b"2", b"AUTH", b"default", b"secret"]);
    let reply = c.read_reply();
    assert!(reply.starts_with("*14\r\n$6\r\nserver\r\n"), "{reply}");
    let id = client_id(&mut c);
    assert_eq!(reply, hello2(id));
    assert_eq!(c.cmd(&["GET", "k"]), NIL);

    let mut d = server.raw();
    assert_eq!(d.cmd(&["AUTH", "secret"]), OK);
    assert_eq!(d.cmd(&["PING"]), "+PONG\r\n");
    let mut e = server.raw();
    assert_eq!(e.cmd(&["AUTH", "default", "secret"]), OK);
    assert_eq!(e.cmd(&["PING"]), "+PONG\r\n");
    // RESET forgets the authentication.
    assert_eq!(e.cmd(&["RESET"]), "+RESET\r\n");
    assert_eq!(e.cmd(&["PING"]), err("NOAUTH Authentication required."));

    let mut f = redis::Client::open(format!("redis://:secret@127.0.0.1:{}/", server.port))
        .unwrap()
        .get_connection()
        .unwrap();
    let pong: String = redis::cmd("PING").query(&mut f).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn hello_in_both_protocols() {
    let server = TestServer::start();
    let mut c = server.raw();
    let id = client_id(&mut c);
    assert_eq!(c.cmd(&["HELLO"]), hello2(id));
    assert_eq!(c.cmd(&["HELLO", "2"]), hello2(id));
    let three = c.cmd(&["HELLO", "3"]);
    assert_eq!(
        three,
        format!(
            "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.6\r\n$5\r\nproto\r\n\
             :3\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n\
             $6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
        )
    );
    // Now in RESP3: nulls are `_`.
    assert_eq!(c.cmd(&["GET", "missing"]), NULL3);
    assert_eq!(c.cmd(&["HELLO", "4"]), err("NOPROTO unsupported protocol version"));
    assert_eq!(c.cmd(&["HELLO", "1"]), err("NOPROTO unsupported protocol version"));
    assert_eq!(
        c.cmd(&["HELLO", "x"]),
        err("ERR Protocol version is not an integer or out of range")
    );
    assert_eq!(c.cmd(&["HELLO", "3", "FOO"]), err("ERR Syntax error in HELLO option 'FOO'"));
    assert_eq!(
        c.cmd(&["HELLO", "3", "AUTH", "default"]),
        err("ERR Syntax error in HELLO option 'AUTH'")
    );
    assert_eq!(
        c.cmd(&["HELLO", "3", "SETNAME", "a b"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    let reply = c.cmd(&["HELLO", "2", "SETNAME", "conn-1"]);
    assert_eq!(reply, hello2(id));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("conn-1"));
}

#[test]
fn quit_and_exit_reply_then_close() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["QUIT"]), OK);
    assert!(c.is_closed());
    let mut c = server.raw();
    assert_eq!(c.cmd(&["EXIT"]), OK);
    assert!(c.is_closed());
    // Commands pipelined after QUIT are not run.
    let mut c = server.raw();
    c.send(b"*1\r\n$4\r\nQUIT\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n");
    assert_eq!(c.read_reply(), OK);
    assert!(c.is_closed());
    let mut d = server.raw();
    assert_eq!(d.cmd(&["EXISTS", "after"]), int(0));
}

#[test]
fn reset_restores_a_fresh_connection() {
    let server = TestServer::start();
    let mut c = server.raw();
    let id = client_id(&mut c);
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "named"]), OK);
    assert_eq!(c.cmd(&["SELECT", "3"]), OK);
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), OK);
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["RESET"]), "+RESET\r\n");
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), NIL);
    assert_eq!(client_id(&mut c), id, "RESET keeps the client ID");
    let info = payload(&c.cmd(&["CLIENT", "INFO"]));
    assert!(info.contains(" db=0 "), "{info}");
    assert!(info.contains(" flags=N "), "{info}");
    assert!(info.contains(" resp=2 "), "{info}");
    assert_eq!(c.cmd(&["RESET", "x"]), err("ERR wrong number of arguments for 'reset' command"));
}

#[test]
fn client_id_setname_getname() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut d = server.raw();
    let (a, b) = (client_id(&mut c), client_id(&mut d));
    assert!(a >= 1 && b > a, "IDs grow: {a} {b}");
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), NIL);
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "worker-1"]), OK);
    assert_eq!(c.cmd(&["client", "getname"]), bulk("worker-1"));
    assert_eq!(
        c.cmd(&["CLIENT", "SETNAME", "has space"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "SETNAME", "new\nline"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("worker-1"));
    // An empty name removes it.
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", ""]), OK);
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), NIL);
    let mut c3 = server.raw().resp3();
    assert_eq!(c3.cmd(&["CLIENT", "GETNAME"]), NULL3);
}

#[test]
fn client_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CLIENT"]), err("ERR wrong number of arguments for 'client' command"));
    assert_eq!(c.cmd(&["CLIENT", "foo"]), err("ERR unknown subcommand 'foo'. Try CLIENT HELP."));
    assert_eq!(
        c.cmd(&["client", "Foo", "bar"]),
        err("ERR unknown subcommand 'Foo'. Try CLIENT HELP.")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "ID", "x"]),
        err("ERR wrong number of arguments for 'client|id' command")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "SETNAME"]),
        err("ERR wrong number of arguments for 'client|setname' command")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "SETINFO", "lib-name"]),
        err("ERR wrong number of arguments for 'client|setinfo' command")
    );
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "maybe"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "maybe"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["CLIENT", "NO-TOUCH", "maybe"]), err("ERR syntax error"));
    let help = c.cmd(&["CLIENT", "HELP"]);
    assert!(
        help.contains("+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
        "{help}"
    );
    assert!(help.ends_with("+HELP\r\n+    Print this help.\r\n"), "{help}");
    assert!(help.contains("+SETINFO <option> <value>\r\n"), "{help}");
}

#[test]
fn client_info_and_list_lines() {
    let server = TestServer::start();
    let mut c = server.raw();
    let id = client_id(&mut c);
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "me"]), OK);
    let line = payload(&c.cmd(&["CLIENT", "INFO"]));
    assert!(line.ends_with('\n') && !line.ends_with("\r\n"), "{line:?}");
    let fields: Vec<&str> = line.trim_end().split(' ').collect();
    let keys: Vec<&str> = fields.iter().map(|f| f.split_once('=').map_or(*f, |(k, _)| k)).collect();
    assert_eq!(
        keys,
        [
            "id",
            "addr",
            "laddr",
            "fd",
            "name",
            "age",
            "idle",
            "flags",
            "db",
            "sub",
            "psub",
            "ssub",
            "multi",
            "qbuf",
            "qbuf-free",
            "argv-mem",
            "multi-mem",
            "rbs",
            "rbp",
            "obl",
            "oll",
            "omem",
            "tot-mem",
            "events",
            "cmd",
            "user",
            "redir",
            "resp",
            "lib-name",
            "lib-ver"
        ]
    );
    assert!(line.starts_with(&format!("id={id} addr=127.0.0.1:")), "{line}");
    assert!(line.contains(&format!(" laddr=127.0.0.1:{} ", server.port)), "{line}");
    assert!(line.contains(" name=me "), "{line}");
    assert!(line.contains(" flags=N db=0 "), "{line}");
    assert!(line.contains(" multi=-1 "), "{line}");
    assert!(line.contains(" cmd=client|info user=default redir=-1 resp=2 "), "{line}");
    assert!(line.ends_with(" lib-name= lib-ver=\n"), "{line}");

    // RESP3: a verbatim string of format txt.
    let mut c3 = server.raw().resp3();
    let reply = c3.cmd(&["CLIENT", "INFO"]);
    assert!(reply.starts_with('=') && reply.contains("\r\ntxt:id="), "{reply}");
    assert!(reply.contains(" resp=3 "), "{reply}");

    let mut other = server.raw();
    let other_id = client_id(&mut other);
    let list = payload(&c.cmd(&["CLIENT", "LIST"]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(list.ends_with('\n'));
    let own = lines.iter().find(|l| l.starts_with(&format!("id={id} "))).unwrap();
    assert!(own.contains(" cmd=client|list "), "{own}");
    assert!(lines.iter().any(|l| l.starts_with(&format!("id={other_id} "))));
    // Another connection publishes its last command just after its reply is written, so
    // allow it a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let line = payload(&c.cmd(&["CLIENT", "LIST", "ID", &other_id.to_string()]));
        if line.contains(" cmd=client|id ") {
            break;
        }
        assert!(Instant::now() < deadline, "{line}");
        std::thread::sleep(Duration::from_millis(10));
    }

    let only = payload(&c.cmd(&["CLIENT", "LIST", "ID", &other_id.to_string(), "999999"]));
    assert_eq!(only.lines().count(), 1, "{only}");
    assert!(only.starts_with(&format!("id={other_id} ")), "{only}");
    let normal = payload(&c.cmd(&["CLIENT", "LIST", "TYPE", "normal"]));
    assert_eq!(normal.lines().count(), 3, "{normal}");
    assert_eq!(c.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]), bulk(""));
    assert_eq!(c.cmd(&["CLIENT", "LIST", "TYPE", "master"]), bulk(""));
    assert_eq!(c.cmd(&["CLIENT", "LIST", "TYPE", "foo"]), err("ERR Unknown client type 'foo'"));
    assert_eq!(c.cmd(&["CLIENT", "LIST", "ID", "x"]), err("ERR Invalid client ID"));
    assert_eq!(c.cmd(&["CLIENT", "LIST", "ID", "0"]), "$0\r\n\r\n");
    assert_eq!(c.cmd(&["CLIENT", "LIST", "ID", "-5", "99999"]), "$0\r\n\r\n");
    assert_eq!(c.cmd(&["CLIENT", "LIST", "foo"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["CLIENT", "LIST", "TYPE"]), err("ERR syntax error"));
}

#[test]
fn client_setinfo_and_modes() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "LIB-NAME", "mylib"]), OK);
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "lib-ver", "1.2.3"]), OK);
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "foo", "bar"]), err("ERR Unrecognized option 'foo'"));
    assert_eq!(
        c.cmd(&["CLIENT", "SETINFO", "Lib-Ver", "1 2"]),
        err("ERR Lib-Ver cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "ON"]), OK);
    let line = payload(&c.cmd(&["CLIENT", "INFO"]));
    assert!(line.ends_with(" lib-name=mylib lib-ver=1.2.3\n"), "{line}");
    assert!(line.contains(" flags=e "), "{line}");
    assert_eq!(c.cmd(&["CLIENT", "NO-TOUCH", "on"]), OK);
    assert!(payload(&c.cmd(&["CLIENT", "INFO"])).contains(" flags=eT "));
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "off"]), OK);
    assert_eq!(c.cmd(&["CLIENT", "NO-TOUCH", "OFF"]), OK);
    assert!(payload(&c.cmd(&["CLIENT", "INFO"])).contains(" flags=N "));
}

#[test]
fn client_reply_off_skip_on() {
    let server = TestServer::start();
    let mut c = server.raw();
    // OFF: nothing comes back, not even for CLIENT REPLY OFF itself or for errors.
    c.send_command(&[b"CLIENT", b"REPLY", b"OFF"]);
    c.send_command(&[b"SET", b"a", b"1"]);
    c.send_command(&[b"GET"]);
    c.send_command(&[b"PING"]);
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "ON"]), OK);
    assert_eq!(c.cmd(&["GET", "a"]), bulk("1"));
    // SKIP: only the next command's reply is dropped.
    c.send_command(&[b"CLIENT", b"REPLY", b"SKIP"]);
    c.send_command(&[b"SET", b"a", b"2"]);
    assert_eq!(c.cmd(&["GET", "a"]), bulk("2"));
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    // Pub/sub confirmations are pushes, which neither silences (Redis's CLIENT_PUSHING).
    let subscribed = "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n";
    let unsubscribed = "*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n";
    c.send_command(&[b"CLIENT", b"REPLY", b"OFF"]);
    assert_eq!(c.cmd(&["SUBSCRIBE", "ch"]), subscribed);
    assert_eq!(c.cmd(&["UNSUBSCRIBE"]), unsubscribed);
    c.send_command(&[b"PING"]);
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "ON"]), OK);
    c.send_command(&[b"CLIENT", b"REPLY", b"SKIP"]);
    assert_eq!(c.cmd(&["SUBSCRIBE", "ch"]), subscribed);
    assert_eq!(c.cmd(&["UNSUBSCRIBE", "ch"]), unsubscribed);
    // Inside a muted EXEC too, only the pushes go out: not EXEC's array nor other replies.
    assert_eq!(c.cmd(&["SADD", "s", "a", "b"]), int(2));
    c.send_command(&[b"CLIENT", b"REPLY", b"OFF"]);
    c.send_command(&[b"MULTI"]);
    c.send_command(&[b"SUBSCRIBE", b"ch"]);
    c.send_command(&[b"SRANDMEMBER", b"s", b"-3"]);
    assert_eq!(c.cmd(&["EXEC"]), subscribed);
    assert_eq!(c.cmd(&["UNSUBSCRIBE"]), unsubscribed);
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "ON"]), OK);
    // RESET clears OFF and a pending SKIP, but a SKIP muting RESET itself drops `+RESET`.
    c.send_command(&[b"CLIENT", b"REPLY", b"SKIP"]);
    c.send_command(&[b"RESET"]);
    assert_eq!(c.cmd(&["PING", "x"]), bulk("x"));
    c.send_command(&[b"CLIENT", b"REPLY", b"OFF"]);
    assert_eq!(c.cmd(&["RESET"]), "+RESET\r\n");
    assert_eq!(c.cmd(&["PING", "y"]), bulk("y"));
}

#[test]
fn client_kill_forms_and_errors() {
    let server = TestServer::start();
    let mut c = server.raw();
    let mut victim = server.raw();
    let victim_id = client_id(&mut victim);
    let line = payload(&c.cmd(&["CLIENT", "LIST", "ID", &victim_id.to_string()]));
    let addr = line.split(' ').nth(1).unwrap().trim_start_matches("addr=").to_string();

    assert_eq!(c.cmd(&["CLIENT", "KILL", "1.2.3.4:5"]), err("ERR No such client"));
    assert_eq!(
        c.cmd(&["CLIENT", "KILL", "ID", "0"]),
        err("ERR client-id should be greater than 0")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "KILL", "ID", "x"]),
        err("ERR client-id should be greater than 0")
    );
    assert_eq!(c.cmd(&["CLIENT", "KILL", "TYPE", "foo"]), err("ERR Unknown client type 'foo'"));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "USER", "bob"]), err("ERR No such user 'bob'"));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "SKIPME", "maybe"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "FOO", "bar"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", "1", "TYPE"]), err("ERR syntax error"));
    // Options are checked in order, so a bad value before a lone trailing word wins.
    assert_eq!(
        c.cmd(&["CLIENT", "KILL", "ID", "0", "SKIPME"]),
        err("ERR client-id should be greater than 0")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "KILL", "TYPE", "foo", "ID"]),
        err("ERR Unknown client type 'foo'")
    );
    // MAXAGE arrived in Redis 7.4; 7.2 knows no such filter.
    assert_eq!(c.cmd(&["CLIENT", "KILL", "MAXAGE", "1000"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["CLIENT", "KILL"]),
        err("ERR wrong number of arguments for 'client|kill' command")
    );
    // No match is a zero count, not an error.
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", "999999"]), int(0));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]), int(0));

    // Old form: by address, +OK.
    assert_eq!(c.cmd(&["CLIENT", "KILL", &addr]), OK);
    // Killed is gone (Redis frees it at once), even while its connection is still closing.
    assert_eq!(c.cmd(&["CLIENT", "KILL", &addr]), err("ERR No such client"));
    assert!(victim.is_closed());

    // New form: by ID, the count.
    let mut second = server.raw();
    let second_id = client_id(&mut second);
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &second_id.to_string()]), int(1));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &second_id.to_string()]), int(0));
    assert!(second.is_closed());

    // SKIPME yes (the default) spares the caller; ADDR and LADDR filter.
    let own_id = client_id(&mut c);
    let mut third = server.raw();
    client_id(&mut third);
    let laddr = format!("127.0.0.1:{}", server.port);
    assert_eq!(c.cmd(&["CLIENT", "KILL", "LADDR", &laddr, "USER", "default"]), int(1));
    assert!(third.is_closed());
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");

    // SKIPME no kills the caller too, after its reply.
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &own_id.to_string(), "SKIPME", "no"]), int(1));
    assert!(c.is_closed());
}

#[test]
fn killed_client_disappears_from_list_and_count_at_once() {
    // One serving thread: the victim's connection cannot notice the kill and close while the
    // batch below runs, so only a kill that frees the client at once passes.
    let server = TestServer::start_with(&["--threads", "1"]);
    let mut c = server.raw();
    let mut victim = server.raw();
    let victim_id = client_id(&mut victim).to_string();
    let count = |c: &mut RawClient| payload(&c.cmd(&["CLIENT", "LIST"])).lines().count();
    assert!(eventually(Duration::from_secs(5), || count(&mut c) == 2));
    let mut batch = encode(&[b"CLIENT", b"KILL", b"ID", victim_id.as_bytes()]);
    batch.extend(encode(&[b"CLIENT", b"LIST"]));
    batch.extend(encode(&[b"INFO", b"clients"]));
    c.send(&batch);
    assert_eq!(c.read_reply(), int(1));
    let list = payload(&c.read_reply());
    assert!(!list.contains(&format!("id={victim_id} ")), "killed client still listed: {list}");
    assert_eq!(list.lines().count(), 1, "{list}");
    let info = payload(&c.read_reply());
    assert!(info.contains("connected_clients:1\r\n"), "{info}");
    assert!(victim.is_closed());
}

/// A client killing itself closes after its whole reply (Redis's close-after-reply), however
/// long: here an EXEC whose reply is sent in several turns.
#[test]
fn a_client_killing_itself_gets_its_whole_reply_first() {
    let server = TestServer::start();
    let mut c = server.raw();
    let id = client_id(&mut c).to_string();
    let big = "v".repeat(300 * 1024);
    assert_eq!(c.cmd(&["SET", "big", &big]), OK);
    assert_eq!(c.cmd(&["MULTI"]), OK);
    assert_eq!(c.cmd(&["GET", "big"]), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &id, "SKIPME", "no"]), "+QUEUED\r\n");
    assert_eq!(c.cmd(&["EXEC"]), format!("*2\r\n{}{}", bulk(&big), int(1)));
    assert!(c.is_closed());
    // With `appendfsync always`, a short reply to a write is handed to the journal to send
    // after its sync; the client's kill flag makes it come back unsent, for the connection
    // to send before it closes.
    let server = TestServer::start_with(&["--appendfsync", "always"]);
    let mut c = server.raw();
    let id = client_id(&mut c).to_string();
    let mut batch = encode(&[b"MULTI"]);
    batch.extend(encode(&[b"SET", b"k", b"v"]));
    batch.extend(encode(&[b"CLIENT", b"KILL", b"ID", id.as_bytes(), b"SKIPME", b"no"]));
    batch.extend(encode(&[b"EXEC"]));
    c.send(&batch);
    for queued in [OK, "+QUEUED\r\n", "+QUEUED\r\n"] {
        assert_eq!(c.read_reply(), queued);
    }
    assert_eq!(c.read_reply(), format!("*2\r\n{OK}{}", int(1)));
    assert!(c.is_closed());
}

/// Redis frees a killed blocked client at once, so a push right after the kill stays in the
/// list; it must not be handed to the closing connection and lost.
#[test]
fn a_push_after_killing_a_blocked_client_stays_in_the_list() {
    let server = TestServer::start_with(&["--threads", "1"]);
    let mut c = server.raw();
    let mut victim = server.raw();
    let victim_id = client_id(&mut victim).to_string();
    victim.send_command(&[b"BLPOP", b"queue", b"0"]);
    let blocked = |c: &mut RawClient| {
        payload(&c.cmd(&["CLIENT", "LIST", "ID", &victim_id])).contains(" flags=b ")
    };
    assert!(eventually(Duration::from_secs(5), || blocked(&mut c)));
    let mut batch = encode(&[b"CLIENT", b"KILL", b"ID", victim_id.as_bytes()]);
    batch.extend(encode(&[b"RPUSH", b"queue", b"job"]));
    batch.extend(encode(&[b"LRANGE", b"queue", b"0", b"-1"]));
    batch.extend(encode(&[b"INFO", b"clients"]));
    c.send(&batch);
    assert_eq!(c.read_reply(), int(1));
    assert_eq!(c.read_reply(), int(1));
    assert_eq!(c.read_reply(), bulk_array(&["job"]));
    let info = payload(&c.read_reply());
    assert!(info.contains("\r\nblocked_clients:0\r\n"), "{info}");
    assert!(victim.is_closed(), "the killed client gets no reply");
}

#[test]
fn a_push_after_a_blocked_subscriber_went_over_its_limit_stays_in_the_list() {
    // A subscriber over its output limit is killed from the publisher's command, without
    // ending its block (as Redis closes it asynchronously): a push right after must not be
    // served to it and lost with its connection.
    let server = TestServer::start_with(&["--threads", "1"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1024 0 0"]), OK);
    let mut victim = server.raw();
    let victim_id = client_id(&mut victim).to_string();
    assert!(victim.cmd(&["HELLO", "3"]).starts_with("%7\r\n"));
    assert_eq!(victim.cmd(&["SUBSCRIBE", "ch"]), ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    victim.send_command(&[b"BLPOP", b"queue", b"0"]);
    let blocked = |c: &mut RawClient| {
        payload(&c.cmd(&["CLIENT", "LIST", "ID", &victim_id])).contains(" flags=Pb ")
    };
    assert!(eventually(Duration::from_secs(5), || blocked(&mut c)));
    let message = vec![b'm'; 2048];
    let mut batch = encode(&[b"PUBLISH", b"ch", &message]);
    batch.extend(encode(&[b"RPUSH", b"queue", b"job"]));
    batch.extend(encode(&[b"LRANGE", b"queue", b"0", b"-1"]));
    c.send(&batch);
    assert_eq!(c.read_reply(), int(1));
    assert_eq!(c.read_reply(), int(1));
    assert_eq!(c.read_reply(), bulk_array(&["job"]));
    assert!(victim.is_closed(), "the subscriber over its limit is closed");
    assert_eq!(c.cmd(&["LRANGE", "queue", "0", "-1"]), bulk_array(&["job"]));
}

#[test]
fn a_kill_ends_a_debug_sleep_at_once() {
    let server = TestServer::start_with(&["--enable-debug-command", "yes"]);
    let mut c = server.raw();
    let mut sleeper = server.raw();
    let sleeper_id = client_id(&mut sleeper).to_string();
    sleeper.send_command(&[b"DEBUG", b"SLEEP", b"60"]);
    // Nothing shows a client inside DEBUG SLEEP (as in Redis, stopped meanwhile): give the
    // command time to start. Killed earlier, it would close at once all the same.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &sleeper_id]), int(1));
    // Within the reader's 10 s timeout, not after the 60 s sleep, and without its +OK.
    assert!(sleeper.is_closed(), "the killed client gets no reply");
}

#[test]
fn redis_crate_client_commands() {
    let server = TestServer::start();
    let mut con = server.client();
    let _: () = redis::cmd("CLIENT").arg("SETNAME").arg("from-redis-rs").query(&mut con).unwrap();
    let name: Option<String> = redis::cmd("CLIENT").arg("GETNAME").query(&mut con).unwrap();
    assert_eq!(name.as_deref(), Some("from-redis-rs"));
    let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut con).unwrap();
    let info: String = redis::cmd("CLIENT").arg("INFO").query(&mut con).unwrap();
    assert!(info.starts_with(&format!("id={id} ")), "{info}");
    assert!(info.contains(" name=from-redis-rs "), "{info}");
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut con).unwrap();
    assert!(list.contains(" name=from-redis-rs "), "{list}");

    let mut con3 = server.client3();
    let info: String = redis::cmd("CLIENT").arg("INFO").query(&mut con3).unwrap();
    assert!(info.contains(" resp=3 "), "{info}");
    let error = redis::cmd("CLIENT").arg("SETNAME").arg("a b").query::<()>(&mut con3).unwrap_err();
    assert!(error.to_string().contains("Client names cannot contain spaces"), "{error}");
}
