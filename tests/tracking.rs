//! Client-side caching (CLIENT TRACKING): default mode in RESP3 and with a RESP2 redirect,
//! BCAST prefixes, OPTIN/OPTOUT, NOLOOP, flushes, expiry, the table limit, transactions, the
//! error texts and the introspection replies, byte for byte as redis-server 7.0 sends them.
mod common;

use std::time::Duration;

use common::{bulk, err, eventually, info_number, int, RawClient, TestServer, NIL, NULL3, OK};

/// `>2 invalidate [keys]`: a RESP3 invalidation push.
fn push(keys: &[&str]) -> String {
    format!(">2\r\n{}{}", bulk("invalidate"), array(keys))
}

/// `*N` of bulk strings.
fn array(keys: &[&str]) -> String {
    let mut out = format!("*{}\r\n", keys.len());
    for key in keys {
        out.push_str(&bulk(key));
    }
    out
}

/// The RESP2 pub/sub message a redirect target gets, with `payload` already encoded.
fn message(payload: &str) -> String {
    format!("*3\r\n{}{}{payload}", bulk("message"), bulk("__redis__:invalidate"))
}

fn start() -> TestServer {
    TestServer::start_with(&["--appendonly", "no"])
}

fn client_id(c: &mut RawClient) -> String {
    c.cmd(&["CLIENT", "ID"]).trim_start_matches(':').trim_end().to_string()
}

/// A RESP3 client with tracking on, plus `options`.
fn tracker(server: &TestServer, options: &[&str]) -> RawClient {
    let mut c = server.raw().resp3();
    let mut args = vec!["CLIENT", "TRACKING", "on"];
    args.extend_from_slice(options);
    assert_eq!(c.cmd(&args), OK);
    c
}

/// Bounds the waits for a disconnect or a setting to be processed.
const WAIT: Duration = Duration::from_secs(10);

#[test]
fn resp3_default_mode_sends_an_invalidate_push_for_a_key_read_then_written() {
    let server = start();
    let mut writer = server.raw();
    let mut reader = tracker(&server, &[]);
    assert_eq!(reader.cmd(&["GET", "k1"]), NULL3);
    assert_eq!(reader.cmd(&["MGET", "k1", "k2"]), format!("*2\r\n{NULL3}{NULL3}"));
    assert_eq!(writer.cmd(&["MSET", "k1", "1", "k2", "2", "k3", "3"]), OK);
    assert_eq!(reader.read_reply(), push(&["k1"]));
    assert_eq!(reader.read_reply(), push(&["k2"]));
    // Invalidated keys left the table: writing them again sends nothing until read again.
    assert_eq!(writer.cmd(&["SET", "k1", "x"]), OK);
    assert_eq!(reader.cmd(&["GET", "k1"]), bulk("x"));
    // The client's own write: the push follows the reply.
    assert_eq!(reader.cmd(&["SET", "k1", "y"]), OK);
    assert_eq!(reader.read_reply(), push(&["k1"]));
    assert_eq!(reader.cmd(&["PING"]), "+PONG\r\n");
    // Databases do not matter: the table holds key names.
    assert_eq!(reader.cmd(&["GET", "k1"]), bulk("y"));
    assert_eq!(writer.cmd(&["SELECT", "5"]), OK);
    assert_eq!(writer.cmd(&["SET", "k1", "other"]), OK);
    assert_eq!(reader.read_reply(), push(&["k1"]));
}

#[test]
fn in_a_pipeline_the_clients_own_invalidation_follows_the_changing_commands_reply() {
    let server = start();
    let mut c = tracker(&server, &[]);
    let mut batch = Vec::new();
    for args in
        [&["GET", "k"][..], &["SET", "k", "1"], &["GET", "k"], &["SET", "k", "2"], &["PING"]]
    {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        batch.extend_from_slice(&common::encode(&args));
    }
    c.send(&batch);
    assert_eq!(c.read_reply(), NULL3);
    assert_eq!(c.read_reply(), OK);
    assert_eq!(c.read_reply(), push(&["k"]));
    assert_eq!(c.read_reply(), bulk("1"));
    assert_eq!(c.read_reply(), OK);
    assert_eq!(c.read_reply(), push(&["k"]));
    assert_eq!(c.read_reply(), "+PONG\r\n");
    // CLIENT REPLY OFF silences replies, not invalidations.
    assert_eq!(c.cmd(&["GET", "q"]), NULL3);
    assert_eq!(c.cmd(&["SET", "q", "0"]), OK);
    assert_eq!(c.read_reply(), push(&["q"]));
    assert_eq!(c.cmd(&["GET", "q"]), bulk("0"));
    c.send_command(&[b"CLIENT", b"REPLY", b"OFF"]);
    c.send_command(&[b"SET", b"q", b"1"]);
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "ON"]), push(&["q"]));
    assert_eq!(c.read_reply(), OK);
}

#[test]
fn resp2_redirect_goes_to_a_subscriber_of_redis_invalidate() {
    let server = start();
    let mut subscriber = server.raw();
    let id = client_id(&mut subscriber);
    assert_eq!(
        subscriber.cmd(&["SUBSCRIBE", "__redis__:invalidate"]),
        format!("*3\r\n{}{}{}", bulk("subscribe"), bulk("__redis__:invalidate"), int(1))
    );
    let mut reader = server.raw();
    assert_eq!(reader.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &id]), OK);
    assert_eq!(reader.cmd(&["GET", "k"]), NIL);
    let mut writer = server.raw();
    assert_eq!(writer.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(subscriber.read_reply(), message(&array(&["k"])));
    // FLUSHALL: a null in the tracking client's protocol.
    assert_eq!(writer.cmd(&["FLUSHALL"]), OK);
    assert_eq!(subscriber.read_reply(), message(NIL));
    // A RESP2 client that tracks without a redirect gets nothing (RESP2 has no pushes).
    let mut plain = server.raw();
    assert_eq!(plain.cmd(&["CLIENT", "TRACKING", "on"]), OK);
    assert_eq!(plain.cmd(&["GET", "x"]), NIL);
    assert_eq!(writer.cmd(&["SET", "x", "1"]), OK);
    assert_eq!(plain.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(plain.cmd(&["CLIENT", "GETREDIR"]), int(0));
    assert_eq!(reader.cmd(&["CLIENT", "GETREDIR"]), format!(":{id}\r\n"));
}

#[test]
fn a_redirect_client_that_disconnects_breaks_the_redirect() {
    let server = start();
    let mut target = server.raw();
    let id = client_id(&mut target);
    let mut reader = tracker(&server, &["REDIRECT", &id]);
    assert_eq!(reader.cmd(&["GET", "k"]), NULL3);
    drop(target);
    let mut writer = server.raw();
    assert!(eventually(WAIT, || !writer.cmd(&["CLIENT", "LIST"]).contains(&format!("id={id} "))));
    assert_eq!(writer.cmd(&["SET", "k", "1"]), OK);
    let broken = format!(">2\r\n{}:{id}\r\n", bulk("tracking-redir-broken"));
    assert_eq!(reader.read_reply(), broken);
    let info = reader.cmd(&["CLIENT", "TRACKINGINFO"]);
    let expected = format!(
        "%3\r\n{}~2\r\n{}{}{}:{id}\r\n{}*0\r\n",
        bulk("flags"),
        bulk("on"),
        bulk("broken_redirect"),
        bulk("redirect"),
        bulk("prefixes")
    );
    assert_eq!(info, expected);
    let list = writer.cmd(&["CLIENT", "LIST"]);
    assert!(list.contains("flags=tR db=0"), "{list}");
    assert!(list.contains(&format!("redir={id} resp=3")), "{list}");
    // Every later invalidation says so again, FLUSHALL's too.
    assert_eq!(writer.cmd(&["FLUSHALL"]), OK);
    assert_eq!(reader.read_reply(), broken);
}

#[test]
fn bcast_sends_keys_under_each_prefix_sorted_one_message_per_prefix() {
    let server = start();
    let mut writer = server.raw();
    let mut reader = tracker(&server, &["BCAST", "PREFIX", "user:", "PREFIX", "obj:"]);
    assert_eq!(writer.cmd(&["MSET", "user:2", "1", "user:1", "2", "obj:1", "3", "other", "4"]), OK);
    assert_eq!(reader.read_reply(), push(&["obj:1"]));
    assert_eq!(reader.read_reply(), push(&["user:1", "user:2"]));
    // Its own writes too, after the reply; keys it never read included.
    assert_eq!(reader.cmd(&["SET", "user:9", "x"]), OK);
    assert_eq!(reader.read_reply(), push(&["user:9"]));
    // NOLOOP leaves out the keys the client changed itself.
    let mut quiet = tracker(&server, &["BCAST", "NOLOOP"]);
    assert_eq!(quiet.cmd(&["MSET", "x1", "1", "user:5", "2"]), OK);
    assert_eq!(reader.read_reply(), push(&["user:5"]));
    assert_eq!(writer.cmd(&["SET", "x2", "1"]), OK);
    assert_eq!(quiet.read_reply(), push(&["x2"]));
    let list = writer.cmd(&["CLIENT", "LIST"]);
    assert!(list.contains("flags=tB db=0"), "{list}");
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_prefixes"), 3);
    assert_eq!(info_number(&mut writer, "clients", "tracking_clients"), 2);
    drop(quiet);
    assert!(eventually(WAIT, || info_number(&mut writer, "stats", "tracking_total_prefixes") == 2));
}

#[test]
fn optin_tracks_only_after_client_caching_yes_and_optout_skips_after_no() {
    let server = start();
    let mut writer = server.raw();
    let mut optin = tracker(&server, &["OPTIN"]);
    assert_eq!(optin.cmd(&["GET", "o1"]), NULL3);
    assert_eq!(optin.cmd(&["CLIENT", "CACHING", "yes"]), OK);
    assert_eq!(optin.cmd(&["GET", "o2"]), NULL3);
    assert_eq!(optin.cmd(&["GET", "o3"]), NULL3);
    let mut optout = tracker(&server, &["OPTOUT"]);
    assert_eq!(optout.cmd(&["GET", "p1"]), NULL3);
    assert_eq!(optout.cmd(&["CLIENT", "CACHING", "no"]), OK);
    assert_eq!(optout.cmd(&["GET", "p2"]), NULL3);
    assert_eq!(writer.cmd(&["MSET", "o1", "1", "o2", "2", "o3", "3", "p1", "1", "p2", "2"]), OK);
    assert_eq!(optin.read_reply(), push(&["o2"]));
    assert_eq!(optout.read_reply(), push(&["p1"]));
    assert_eq!(optin.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(optout.cmd(&["PING"]), "+PONG\r\n");
    // CLIENT CACHING covers a whole transaction.
    assert_eq!(optin.cmd(&["CLIENT", "CACHING", "yes"]), OK);
    assert_eq!(optin.cmd(&["MULTI"]), OK);
    assert_eq!(optin.cmd(&["GET", "t1"]), "+QUEUED\r\n");
    assert_eq!(optin.cmd(&["GET", "t2"]), "+QUEUED\r\n");
    assert_eq!(optin.cmd(&["EXEC"]), format!("*2\r\n{NULL3}{NULL3}"));
    assert_eq!(optin.cmd(&["GET", "t3"]), NULL3);
    assert_eq!(writer.cmd(&["MSET", "t3", "1", "t2", "1", "t1", "1"]), OK);
    assert_eq!(optin.read_reply(), push(&["t2"]));
    assert_eq!(optin.read_reply(), push(&["t1"]));
}

#[test]
fn noloop_skips_the_clients_own_writes() {
    let server = start();
    let mut writer = server.raw();
    let mut reader = tracker(&server, &["NOLOOP"]);
    assert_eq!(reader.cmd(&["GET", "k"]), NULL3);
    assert_eq!(reader.cmd(&["SET", "k", "mine"]), OK);
    assert_eq!(reader.cmd(&["GET", "k"]), bulk("mine"));
    assert_eq!(writer.cmd(&["SET", "k", "theirs"]), OK);
    assert_eq!(reader.read_reply(), push(&["k"]));
}

#[test]
fn flushall_and_flushdb_send_a_null_invalidation_to_every_tracking_client() {
    let server = start();
    let mut writer = server.raw();
    let mut reader = tracker(&server, &[]);
    let mut bcast = tracker(&server, &["BCAST", "PREFIX", "zzz"]);
    assert_eq!(reader.cmd(&["GET", "k"]), NULL3);
    assert_eq!(writer.cmd(&["FLUSHALL"]), OK);
    let null = format!(">2\r\n{}{NULL3}", bulk("invalidate"));
    assert_eq!(reader.read_reply(), null);
    assert_eq!(bcast.read_reply(), null);
    // Sent even with nothing tracked; the flushing client gets its own after the reply.
    assert_eq!(reader.cmd(&["FLUSHDB"]), OK);
    assert_eq!(reader.read_reply(), null);
    assert_eq!(bcast.read_reply(), null);
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_keys"), 0);
}

#[test]
fn a_tracked_key_that_expires_is_invalidated() {
    let server = start();
    let mut writer = server.raw();
    let mut reader = tracker(&server, &[]);
    assert_eq!(writer.cmd(&["SET", "ex", "1", "PX", "1000"]), OK);
    assert_eq!(reader.cmd(&["GET", "ex"]), bulk("1"));
    // The active expiry removes it: no command touches it.
    assert_eq!(reader.read_reply(), push(&["ex"]));
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_keys"), 0);
}

#[test]
fn keys_written_inside_exec_are_invalidated_after_its_reply() {
    let server = start();
    let mut reader = tracker(&server, &[]);
    assert_eq!(reader.cmd(&["MGET", "m1", "m2"]), format!("*2\r\n{NULL3}{NULL3}"));
    assert_eq!(reader.cmd(&["MULTI"]), OK);
    assert_eq!(reader.cmd(&["SET", "m1", "1"]), "+QUEUED\r\n");
    assert_eq!(reader.cmd(&["SET", "m2", "2"]), "+QUEUED\r\n");
    assert_eq!(reader.cmd(&["EXEC"]), format!("*2\r\n{OK}{OK}"));
    assert_eq!(reader.read_reply(), push(&["m1"]));
    assert_eq!(reader.read_reply(), push(&["m2"]));
}

#[test]
fn the_table_is_bounded_by_tracking_table_max_keys() {
    let server = start();
    let mut writer = server.raw();
    assert_eq!(writer.cmd(&["CONFIG", "SET", "tracking-table-max-keys", "2"]), OK);
    assert_eq!(
        writer.cmd(&["CONFIG", "GET", "tracking-table-max-keys"]),
        format!("*2\r\n{}{}", bulk("tracking-table-max-keys"), bulk("2"))
    );
    let mut reader = tracker(&server, &[]);
    assert_eq!(reader.cmd(&["GET", "a"]), NULL3);
    assert_eq!(reader.cmd(&["GET", "b"]), NULL3);
    assert_eq!(reader.cmd(&["GET", "c"]), NULL3);
    // A random key is evicted, with an invalidation as if it had changed.
    let evicted = reader.read_reply();
    assert!(["a", "b", "c"].iter().any(|k| evicted == push(&[k])), "{evicted:?}");
    assert_eq!(reader.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_keys"), 2);
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_items"), 2);
    // 0 means no bound.
    assert_eq!(writer.cmd(&["CONFIG", "SET", "tracking-table-max-keys", "0"]), OK);
    assert_eq!(reader.cmd(&["MGET", "d", "e", "f"]), format!("*3\r\n{NULL3}{NULL3}{NULL3}"));
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_keys"), 5);
}

#[test]
fn tracking_off_and_disconnect_leave_nothing_in_the_table() {
    let server = start();
    let mut writer = server.raw();
    let mut first = tracker(&server, &[]);
    let mut second = tracker(&server, &[]);
    assert_eq!(first.cmd(&["MGET", "a", "b", "c"]), format!("*3\r\n{NULL3}{NULL3}{NULL3}"));
    assert_eq!(second.cmd(&["MGET", "b", "c", "d"]), format!("*3\r\n{NULL3}{NULL3}{NULL3}"));
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_keys"), 4);
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_items"), 6);
    assert_eq!(info_number(&mut writer, "clients", "tracking_clients"), 2);
    assert_eq!(first.cmd(&["CLIENT", "TRACKING", "off"]), OK);
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_keys"), 3);
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_items"), 3);
    assert_eq!(writer.cmd(&["SET", "a", "1"]), OK);
    assert_eq!(first.cmd(&["PING"]), "+PONG\r\n");
    drop(second);
    assert!(eventually(WAIT, || info_number(&mut writer, "clients", "tracking_clients") == 0));
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_keys"), 0);
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_items"), 0);
    // RESET turns tracking off too.
    let mut third = tracker(&server, &[]);
    assert_eq!(third.cmd(&["GET", "z"]), NULL3);
    assert_eq!(third.cmd(&["RESET"]), "+RESET\r\n");
    assert_eq!(info_number(&mut writer, "stats", "tracking_total_keys"), 0);
    assert_eq!(third.cmd(&["CLIENT", "GETREDIR"]), int(-1));
}

#[test]
fn error_texts_match_redis() {
    let server = start();
    let mut c = server.raw();
    let own = client_id(&mut c);
    let cases: &[(&[&str], &str)] = &[
        (&["REDIRECT", "99999"], "ERR The client ID you want redirect to does not exist"),
        (&["REDIRECT", "0"], "ERR The client ID you want redirect to does not exist"),
        (&["REDIRECT", "abc"], "ERR value is not an integer or out of range"),
        (&["REDIRECT"], "ERR syntax error"),
        (&["PREFIX"], "ERR syntax error"),
        (&["FOO"], "ERR syntax error"),
        (&["PREFIX", "a"], "ERR PREFIX option requires BCAST mode to be enabled"),
        (&["OPTIN", "OPTOUT"], "ERR You can't specify both OPTIN mode and OPTOUT mode"),
        (&["BCAST", "OPTIN"], "ERR OPTIN and OPTOUT are not compatible with BCAST"),
        (&["BCAST", "OPTIN", "OPTOUT", "PREFIX", "a", "PREFIX", "ab"], "ERR OPTIN and OPTOUT are not compatible with BCAST"),
        (
            &["BCAST", "PREFIX", "a", "PREFIX", "ab"],
            "ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap.",
        ),
    ];
    for (options, text) in cases {
        let mut args = vec!["CLIENT", "TRACKING", "on"];
        args.extend_from_slice(options);
        assert_eq!(c.cmd(&args), err(text), "{options:?}");
    }
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "maybe"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKING"]),
        err("ERR wrong number of arguments for 'client|tracking' command")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKING", "off", "REDIRECT", "99999"]),
        err("ERR The client ID you want redirect to does not exist")
    );
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "off", "PREFIX", "a"]), OK);
    let caching = "ERR CLIENT CACHING can be called only when the client is in tracking mode with \
                   OPTIN or OPTOUT mode enabled";
    assert_eq!(c.cmd(&["CLIENT", "CACHING", "yes"]), err(caching));
    assert_eq!(c.cmd(&["CLIENT", "CACHING", "maybe"]), err(caching));
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "OPTIN"]), OK);
    assert_eq!(
        c.cmd(&["CLIENT", "CACHING", "no"]),
        err("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
    );
    assert_eq!(c.cmd(&["CLIENT", "CACHING", "maybe"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKING", "on", "OPTOUT"]),
        err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, \
             and then re-enabling it with a different mode.")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKING", "on", "BCAST"]),
        err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, \
             and then re-enabling it with a different mode.")
    );
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "off"]), OK);
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "OPTOUT"]), OK);
    assert_eq!(
        c.cmd(&["CLIENT", "CACHING", "yes"]),
        err("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
    );
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "off"]), OK);
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a"]), OK);
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab"]),
        err("ERR Prefix 'ab' overlaps with an existing prefix 'a'. Prefixes for a single client \
             must not overlap.")
    );
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &own, "REDIRECT", &own]),
        err("ERR A client can only redirect to a single other client")
    );
}

#[test]
fn trackinginfo_and_getredir_replies() {
    let server = start();
    let mut c = server.raw();
    let off = format!(
        "*6\r\n{}*1\r\n{}{}{}{}*0\r\n",
        bulk("flags"),
        bulk("off"),
        bulk("redirect"),
        int(-1),
        bulk("prefixes")
    );
    assert_eq!(c.cmd(&["CLIENT", "TRACKINGINFO"]), off);
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), int(-1));
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP"]), OK);
    assert_eq!(c.cmd(&["CLIENT", "CACHING", "yes"]), OK);
    let optin = format!(
        "*6\r\n{}*4\r\n{}{}{}{}{}{}{}*0\r\n",
        bulk("flags"),
        bulk("on"),
        bulk("optin"),
        bulk("caching-yes"),
        bulk("noloop"),
        bulk("redirect"),
        int(0),
        bulk("prefixes")
    );
    assert_eq!(c.cmd(&["CLIENT", "TRACKINGINFO"]), optin);
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), int(0));
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "off"]), OK);
    let mut target = server.raw();
    let id = client_id(&mut target);
    let mut bcast = tracker(&server, &["BCAST", "REDIRECT", &id, "PREFIX", "b", "PREFIX", "a"]);
    assert_eq!(bcast.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c"]), OK);
    let info = format!(
        "%3\r\n{}~2\r\n{}{}{}{}{}*3\r\n{}{}{}",
        bulk("flags"),
        bulk("on"),
        bulk("bcast"),
        bulk("redirect"),
        int(0),
        bulk("prefixes"),
        bulk("a"),
        bulk("b"),
        bulk("c")
    );
    // Re-enabling without REDIRECT drops the redirect; prefixes add up.
    assert_eq!(bcast.cmd(&["CLIENT", "TRACKINGINFO"]), info);
    assert_eq!(bcast.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &id]), OK);
    assert_eq!(bcast.cmd(&["CLIENT", "GETREDIR"]), format!(":{id}\r\n"));
    let list = c.cmd(&["CLIENT", "LIST"]);
    assert!(list.contains("flags=tB db=0"), "{list}");
    assert!(list.contains(&format!("redir={id} resp=3")), "{list}");
    assert!(list.contains("redir=-1 resp=2"), "{list}");
}
