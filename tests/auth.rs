//! Authentication and exposure: protected mode against a real non-loopback client, protected
//! configs, AUTH and HELLO AUTH error texts, and the default user's ACL commands, compared
//! byte for byte with Redis 7.2's replies.
//!
//! A non-loopback client is one connecting to a local non-loopback address (the kernel then
//! uses that address as the source). Without one on the machine, the protected-mode tests
//! re-run themselves inside a new network namespace (`unshare --net`, as root) where they add
//! one to `lo`; if that is impossible they fail, saying why.
mod common;

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use common::{bulk, bulk_array, err, info_number, non_loopback_ipv4, RawClient, TestServer, OK};

const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is \
    enabled and no password is set for the default user. In this mode connections are only \
    accepted from the loopback interface. If you want to connect from external computers to \
    Redis you may adopt one of the following solutions: 1) Just disable protected mode sending \
    the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to \
    Redis from the same host the server is running, however MAKE SURE Redis is not publicly \
    accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. \
    2) Alternatively you can just disable the protected mode by editing the Redis \
    configuration file, and setting the protected mode option to 'no', and then restarting \
    the server. 3) If you started the server manually just for testing, restart it with the \
    '--protected-mode no' option. 4) Set up an authentication password for the default user. \
    NOTE: You only need to do one of the above things in order for the server to start \
    accepting connections from the outside.\r\n";

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
const NOAUTH: &str = "NOAUTH Authentication required.";
const PONG: &str = "+PONG\r\n";

/// Set in the re-run inside the network namespace.
const IN_NAMESPACE: &str = "ALLYDB_TEST_IN_NETNS";
/// Set by hand to test the namespace path on a machine that has a non-loopback address.
const FORCE_NAMESPACE: &str = "ALLYDB_TEST_FORCE_NETNS";
/// The address the namespace gets (TEST-NET-2, never routed).
const NAMESPACE_ADDRESS: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);

// ------------------------------------------------------------------ non-loopback addresses

/// A global-scope local IPv6 address past duplicate address detection, if any.
fn non_loopback_ipv6() -> Option<Ipv6Addr> {
    let table = std::fs::read_to_string("/proc/net/if_inet6").ok()?;
    table.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (hex, scope, flags) = (fields.first()?, fields.get(3)?, fields.get(4)?);
        let bits = u128::from_str_radix(hex, 16).ok()?;
        let flags = u8::from_str_radix(flags, 16).ok()?;
        // Scope 00 is global; flag 0x40 is tentative (DAD not done), 0x08 DAD failed.
        let usable = *scope == "00" && flags & 0x48 == 0;
        let address = Ipv6Addr::from(bits);
        (usable && !address.is_loopback()).then_some(address)
    })
}

/// The non-loopback IPv4 address to connect to, or None when this test has just run (and
/// passed) inside a network namespace made for it. Panics when neither is possible.
fn remote_ipv4(test: &str) -> Option<Ipv4Addr> {
    let inside = std::env::var_os(IN_NAMESPACE).is_some();
    let forced = std::env::var_os(FORCE_NAMESPACE).is_some();
    if inside || !forced {
        if let Some(address) = non_loopback_ipv4() {
            return Some(address);
        }
    }
    assert!(!inside, "inside the network namespace, {NAMESPACE_ADDRESS} is not a local address");
    run_in_namespace(test);
    None
}

/// Runs test `test` of this binary again, alone, in a new network namespace whose `lo` also
/// has NAMESPACE_ADDRESS.
fn run_in_namespace(test: &str) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let script = format!(
        "ip link set lo up && ip addr add {NAMESPACE_ADDRESS}/32 dev lo && \
         exec \"$0\" {test} --exact --test-threads=1"
    );
    let output = Command::new("unshare")
        .args(["--net", "sh", "-c", &script])
        .arg(&exe)
        .env(IN_NAMESPACE, "1")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "this machine has no non-loopback address, and `unshare` could not run to make \
                 one in a network namespace ({e}); protected mode cannot be tested without one"
            )
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{test} in a new network namespace (it needs root, unshare and ip, because this machine \
         has no non-loopback address) failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
}

// ---------------------------------------------------------------------------- helpers

/// Everything the server sends on a fresh connection until it closes it.
fn bytes_until_closed(address: SocketAddr) -> String {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut bytes = Vec::new();
    stream
        .read_to_end(&mut bytes)
        .unwrap_or_else(|e| panic!("{address} did not close the connection: {e} after {bytes:?}"));
    String::from_utf8_lossy(&bytes).into_owned()
}

fn at(ip: impl Into<IpAddr>, server: &TestServer) -> SocketAddr {
    SocketAddr::new(ip.into(), server.port)
}

fn assert_denied(address: SocketAddr) {
    assert_eq!(bytes_until_closed(address), DENIED, "from {address}");
}

fn assert_served(address: SocketAddr) {
    assert_eq!(RawClient::connect_to(address).cmd(&["PING"]), PONG, "from {address}");
}

// ---------------------------------------------------------------------------- protected mode

#[test]
fn protected_mode_refuses_remote_clients_without_a_password() {
    let Some(remote) = remote_ipv4("protected_mode_refuses_remote_clients_without_a_password")
    else {
        return;
    };
    let server = TestServer::start_with(&["--bind", "0.0.0.0", "--appendonly", "no"]);
    let remote = at(remote, &server);
    let mut local = server.raw();
    assert_eq!(
        local.cmd(&["CONFIG", "GET", "protected-mode"]),
        bulk_array(&["protected-mode", "yes"])
    );
    let received = info_number(&mut local, "stats", "total_connections_received");
    assert_denied(remote);
    // Every 127.* address is loopback, as in Redis 7.2.
    assert_served(at(Ipv4Addr::new(127, 0, 0, 2), &server));
    // The refusal counts as rejected, not as received, as in Redis.
    assert_eq!(info_number(&mut local, "stats", "rejected_connections"), 1);
    assert_eq!(info_number(&mut local, "stats", "total_connections_received"), received + 1);

    // A password lifts it: the remote client must authenticate, like everyone.
    assert_eq!(local.cmd(&["CONFIG", "SET", "requirepass", "secret"]), OK);
    let mut client = RawClient::connect_to(remote);
    assert_eq!(client.cmd(&["PING"]), err(NOAUTH));
    assert_eq!(client.cmd(&["AUTH", "wrong"]), err(WRONGPASS));
    assert_eq!(client.cmd(&["AUTH", "secret"]), OK);
    assert_eq!(client.cmd(&["PING"]), PONG);
    let info = client.cmd(&["CLIENT", "INFO"]);
    assert!(info.contains(&format!("addr={}:", remote.ip())), "{info}");
    // Checked on accept only: a connection already in stays when the password goes.
    assert_eq!(local.cmd(&["CONFIG", "SET", "requirepass", ""]), OK);
    assert_eq!(client.cmd(&["PING"]), PONG);
    assert_denied(remote);

    // CONFIG SET protected-mode no lifts it at run time, and yes restores it.
    assert_eq!(local.cmd(&["CONFIG", "SET", "protected-mode", "no"]), OK);
    assert_served(remote);
    assert_eq!(local.cmd(&["CONFIG", "SET", "protected-mode", "yes"]), OK);
    assert_denied(remote);
    assert_eq!(info_number(&mut local, "stats", "rejected_connections"), 3);
}

#[test]
fn protected_mode_flag_environment_and_requirepass_at_start() {
    let Some(remote) = remote_ipv4("protected_mode_flag_environment_and_requirepass_at_start")
    else {
        return;
    };
    let base = ["--bind", "0.0.0.0", "--appendonly", "no"];
    let server = TestServer::start_with(&[&base[..], &["--protected-mode", "no"]].concat());
    assert_served(at(remote, &server));
    assert_eq!(
        server.raw().cmd(&["CONFIG", "GET", "protected-mode"]),
        bulk_array(&["protected-mode", "no"])
    );
    drop(server);

    let server = TestServer::start_with_env(&base, &[("ALLYDB_PROTECTED_MODE", "no")]);
    assert_served(at(remote, &server));
    drop(server);

    // A flag wins over the environment.
    let server = TestServer::start_with_env(
        &[&base[..], &["--protected-mode", "yes"]].concat(),
        &[("ALLYDB_PROTECTED_MODE", "no")],
    );
    assert_denied(at(remote, &server));
    drop(server);

    let server = TestServer::start_with(&[&base[..], &["--requirepass", "secret"]].concat());
    let mut client = RawClient::connect_to(at(remote, &server));
    assert_eq!(client.cmd(&["GET", "k"]), err(NOAUTH));
    assert_eq!(client.cmd(&["HELLO", "3", "AUTH", "default", "nope"]), err(WRONGPASS));
    assert_eq!(client.cmd(&["AUTH", "default", "secret"]), OK);
    assert_eq!(client.cmd(&["ACL", "WHOAMI"]), bulk("default"));
}

/// IPv6 too, where the machine has a global address and `::` listeners take IPv4 as well
/// (IPv4 clients then arrive as `::ffff:a.b.c.d`, and `::ffff:127.0.0.1` is loopback).
#[test]
fn protected_mode_over_ipv6() {
    let dual_stack = std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only")
        .is_ok_and(|flag| flag.trim() == "0");
    let Some(remote) = non_loopback_ipv6().filter(|_| dual_stack) else {
        eprintln!("skipped: no global IPv6 address or no dual-stack sockets here");
        return;
    };
    let server = TestServer::start_with(&["--bind", "::", "--appendonly", "no"]);
    assert_denied(at(remote, &server));
    assert_served(at(Ipv6Addr::LOCALHOST, &server));
    assert_served(at(Ipv4Addr::LOCALHOST, &server));
    if let Some(remote4) = non_loopback_ipv4() {
        assert_denied(at(remote4, &server));
    }
}

// ------------------------------------------------------------------------- protected configs

fn protected(name: &str) -> String {
    err(&format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set protected config"
    ))
}

fn immutable(name: &str) -> String {
    err(&format!(
        "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config"
    ))
}

#[test]
fn protected_configs_are_refused_by_default() {
    let server = TestServer::start();
    let mut c = server.raw();
    let elsewhere = server.data_dir().display().to_string();
    assert_eq!(c.cmd(&["CONFIG", "SET", "dir", &elsewhere]), protected("dir"));
    assert_eq!(c.cmd(&["CONFIG", "SET", "DIR", &elsewhere]), protected("DIR"));
    assert_eq!(c.cmd(&["CONFIG", "SET", "dbfilename", "x.rdb"]), protected("dbfilename"));
    // The first problem in argument order is the one reported.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxclients", "100", "dir", "/tmp", "nosuch", "1"]),
        protected("dir")
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxclients"]), bulk_array(&["maxclients", "10000"]));
    // The journal's directory cannot move while it is open, protected configs or not.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "persistence-location", "/tmp"]),
        immutable("persistence-location")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "enable-protected-configs", "yes"]),
        immutable("enable-protected-configs")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "enable-protected-configs"]),
        bulk_array(&["enable-protected-configs", "no"])
    );
}

#[test]
fn enable_protected_configs_yes_allows_dir_and_dbfilename() {
    let mut server = TestServer::start_with(&["--enable-protected-configs", "yes"]);
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "enable-protected-configs"]),
        bulk_array(&["enable-protected-configs", "yes"])
    );
    let elsewhere = server.data_dir().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let elsewhere = elsewhere.canonicalize().unwrap().display().to_string();
    assert_eq!(c.cmd(&["CONFIG", "SET", "dir", &elsewhere]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "dir"]), bulk_array(&["dir", &elsewhere]));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "dir", "/nonexistent/allydb"]),
        err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or \
             directory")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "dir", "/etc/passwd"]),
        err("ERR CONFIG SET failed (possibly related to argument 'dir') - Not a directory")
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "dbfilename", "x.rdb"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "GET", "dbfilename"]), bulk_array(&["dbfilename", "x.rdb"]));
    for path in ["a/b.rdb", "a\\b.rdb"] {
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "dbfilename", path]),
            err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename \
                 can't be a path, just a filename")
        );
    }
    // The journal stays where it was opened, whatever the working directory is now.
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    server.restart();
    assert_eq!(server.raw().cmd(&["GET", "k"]), bulk("v"));
    assert!(!std::path::Path::new(&elsewhere).join("data").exists());
}

#[test]
fn enable_protected_configs_and_debug_local_allow_only_loopback_clients() {
    let Some(remote) =
        remote_ipv4("enable_protected_configs_and_debug_local_allow_only_loopback_clients")
    else {
        return;
    };
    let server = TestServer::start_with_env(
        &["--bind", "0.0.0.0", "--appendonly", "no", "--protected-mode", "no"],
        &[("ALLYDB_ENABLE_PROTECTED_CONFIGS", "LOCAL"), ("ALLYDB_ENABLE_DEBUG_COMMAND", "local")],
    );
    let mut local = server.raw();
    assert_eq!(
        local.cmd(&["CONFIG", "GET", "enable-protected-configs"]),
        bulk_array(&["enable-protected-configs", "local"])
    );
    let mut far = RawClient::connect_to(at(remote, &server));
    assert_eq!(far.cmd(&["CONFIG", "SET", "dbfilename", "far.rdb"]), protected("dbfilename"));
    assert_eq!(local.cmd(&["CONFIG", "SET", "dbfilename", "near.rdb"]), OK);
    assert_eq!(far.cmd(&["CONFIG", "GET", "dbfilename"]), bulk_array(&["dbfilename", "near.rdb"]));
    // `enable-debug-command local` the same way.
    assert_eq!(
        far.cmd(&["DEBUG", "SLEEP", "0"]),
        err("ERR DEBUG command not allowed. If the enable-debug-command option is set to \
             \"local\", you can run it from a local connection, otherwise you need to set this \
             option in the configuration file, and then restart the server.")
    );
    assert_eq!(local.cmd(&["DEBUG", "SLEEP", "0"]), OK);
}

// --------------------------------------------------------------------- AUTH and HELLO AUTH

#[test]
fn auth_texts_without_a_password() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["AUTH", "anything"]),
        err("ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?")
    );
    // The default user is `nopass`: any password of its own name's pair is accepted.
    assert_eq!(c.cmd(&["AUTH", "default", "anything"]), OK);
    assert_eq!(c.cmd(&["AUTH", "nobody", "anything"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "a", "b", "c"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["AUTH"]), err("ERR wrong number of arguments for 'auth' command"));
    assert_eq!(c.cmd(&["HELLO", "3", "AUTH", "nobody", "x"]), err(WRONGPASS));
    assert_eq!(
        c.cmd(&["HELLO", "3", "AUTH", "default"]),
        err("ERR Syntax error in HELLO option 'AUTH'")
    );
    assert!(c.cmd(&["HELLO", "3", "AUTH", "default", "x"]).starts_with("%7\r\n"));
}

#[test]
fn auth_texts_with_a_password() {
    let server = TestServer::start_with(&["--appendonly", "no", "--requirepass", "secret"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["ACL", "WHOAMI"]), err(NOAUTH));
    assert_eq!(c.cmd(&["AUTH", "nobody", "secret"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "default", "secre"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "default", "secret2"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", ""]), err(WRONGPASS));
    assert_eq!(c.cmd(&["HELLO", "3", "AUTH", "default", "wrong"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["HELLO", "3", "AUTH", "nobody", "secret"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["PING"]), err(NOAUTH));
    assert_eq!(c.cmd(&["AUTH", "secret"]), OK);
    // A failed AUTH afterwards leaves the connection authenticated, as in Redis.
    assert_eq!(c.cmd(&["AUTH", "wrong"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "default", "wrong"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["PING"]), PONG);
    // Every failure counts in INFO, as Redis 7.2's ACL log counts them; RESETSTAT clears it.
    assert_eq!(info_number(&mut c, "stats", "acl_access_denied_auth"), 8);
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), OK);
    assert_eq!(info_number(&mut c, "stats", "acl_access_denied_auth"), 0);
}

#[test]
fn clearing_the_password_admits_clients_that_never_authenticated() {
    let server = TestServer::start_with(&["--appendonly", "no", "--requirepass", "secret"]);
    let mut waiting = server.raw();
    assert_eq!(waiting.cmd(&["PING"]), err(NOAUTH));
    let mut admin = server.raw();
    assert_eq!(admin.cmd(&["AUTH", "secret"]), OK);
    assert_eq!(admin.cmd(&["CONFIG", "SET", "requirepass", ""]), OK);
    // As redis-server: the default user is nopass now, so nothing is required of anyone...
    assert_eq!(waiting.cmd(&["PING"]), PONG);
    assert_eq!(waiting.cmd(&["SET", "k", "v"]), OK);
    // ...but HELLO checks the connection's own flag and still wants AUTH first.
    assert!(waiting.cmd(&["HELLO", "3"]).starts_with("-NOAUTH HELLO must be called"));
    // A password set again applies to it at once.
    assert_eq!(admin.cmd(&["CONFIG", "SET", "requirepass", "again"]), OK);
    assert_eq!(waiting.cmd(&["GET", "k"]), err(NOAUTH));
}

// ------------------------------------------------------------------------------------ ACL

const SECRET_HASH: &str = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b";

#[test]
fn acl_describes_the_default_user_as_redis_does() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["ACL", "WHOAMI"]), bulk("default"));
    assert_eq!(c.cmd(&["ACL", "USERS"]), bulk_array(&["default"]));
    assert_eq!(c.cmd(&["ACL", "LIST"]), bulk_array(&["user default on nopass ~* &* +@all"]));
    let fields = "$8\r\ncommands\r\n$5\r\n+@all\r\n$4\r\nkeys\r\n$2\r\n~*\r\n$8\r\nchannels\r\n\
                  $2\r\n&*\r\n$9\r\nselectors\r\n";
    assert_eq!(
        c.cmd(&["ACL", "GETUSER", "default"]),
        format!(
            "*12\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$6\r\nnopass\r\n$9\r\npasswords\r\n*0\r\n\
             {fields}*0\r\n"
        )
    );
    assert_eq!(c.cmd(&["ACL", "GETUSER", "nobody"]), "$-1\r\n");
    assert_eq!(c.cmd(&["CONFIG", "SET", "requirepass", "secret"]), OK);
    assert_eq!(
        c.cmd(&["ACL", "LIST"]),
        bulk_array(&[&format!("user default on #{SECRET_HASH} ~* &* +@all")])
    );
    let mut c3 = server.raw();
    assert_eq!(c3.cmd(&["AUTH", "secret"]), OK);
    let mut c3 = c3.resp3();
    assert_eq!(
        c3.cmd(&["ACL", "GETUSER", "default"]),
        format!(
            "%6\r\n$5\r\nflags\r\n~1\r\n$2\r\non\r\n$9\r\npasswords\r\n*1\r\n$64\r\n\
             {SECRET_HASH}\r\n{fields}*0\r\n"
        )
    );
    assert_eq!(c3.cmd(&["ACL", "GETUSER", "nobody"]), "_\r\n");
}

#[test]
fn acl_cat_and_the_other_subcommands() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut c = server.raw();
    let categories = [
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
    ];
    assert_eq!(c.cmd(&["ACL", "CAT"]), bulk_array(&categories));
    let strings = c.cmd(&["ACL", "CAT", "STRING"]);
    assert!(strings.contains("\r\n$3\r\nget\r\n") && !strings.contains("$4\r\nlpush\r\n"));
    let admin = c.cmd(&["ACL", "CAT", "admin"]);
    assert!(admin.contains("$10\r\nconfig|set\r\n") && admin.contains("$8\r\nacl|list\r\n"));
    assert!(c.cmd(&["ACL", "CAT", "scripting"]).starts_with("*0\r\n"));
    assert_eq!(c.cmd(&["ACL", "CAT", "nope"]), err("ERR Unknown category 'nope'"));
    assert_eq!(
        c.cmd(&["ACL", "CAT", "a", "b"]),
        err("ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.")
    );
    assert_eq!(c.cmd(&["ACL", "FOO"]), err("ERR unknown subcommand 'FOO'. Try ACL HELP."));
    assert_eq!(c.cmd(&["ACL"]), err("ERR wrong number of arguments for 'acl' command"));
    assert_eq!(
        c.cmd(&["ACL", "WHOAMI", "x"]),
        err("ERR wrong number of arguments for 'acl|whoami' command")
    );

    assert_eq!(c.cmd(&["ACL", "DELUSER", "x", "y"]), ":0\r\n");
    assert_eq!(
        c.cmd(&["ACL", "DELUSER", "x", "default"]),
        err("ERR The 'default' user cannot be removed")
    );
    assert_eq!(c.cmd(&["ACL", "DRYRUN", "default", "get", "k"]), OK);
    assert_eq!(c.cmd(&["ACL", "DRYRUN", "default", "config", "get", "x"]), OK);
    assert_eq!(c.cmd(&["ACL", "DRYRUN", "x", "get", "k"]), err("ERR User 'x' not found"));
    assert_eq!(
        c.cmd(&["ACL", "DRYRUN", "default", "nosuch"]),
        err("ERR Command 'nosuch' not found")
    );
    assert_eq!(
        c.cmd(&["ACL", "DRYRUN", "default", "config", "nope"]),
        err("ERR Command 'config' not found")
    );
    assert_eq!(
        c.cmd(&["ACL", "DRYRUN", "default", "get"]),
        err("ERR wrong number of arguments for 'get' command")
    );
    let no_file = "ERR This Redis instance is not configured to use an ACL file. You may want to \
                   specify users via the ACL SETUSER command and then issue a CONFIG REWRITE \
                   (assuming you have a Redis configuration file set) in order to store users in \
                   the Redis configuration.";
    assert_eq!(c.cmd(&["ACL", "LOAD"]), err(no_file));
    assert_eq!(c.cmd(&["ACL", "SAVE"]), err(no_file));
    for sub in ["SETUSER", "GENPASS", "LOG"] {
        let args: &[&str] = if sub == "SETUSER" { &["ACL", sub, "bob"] } else { &["ACL", sub] };
        assert_eq!(
            c.cmd(args),
            err(&format!(
                "ERR ACL {sub} is not supported: AllyDB has only the 'default' user, whose \
                 password is requirepass (CONFIG SET requirepass)"
            ))
        );
    }
    let help = c.cmd(&["ACL", "HELP"]);
    let header = "*29\r\n+ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n";
    assert!(help.starts_with(&format!("{header}+CAT [<category>]\r\n")), "{help}");
    assert!(help.ends_with("+HELP\r\n+    Print this help.\r\n"), "{help}");
}

#[test]
fn command_reports_acl_like_redis() {
    let server = TestServer::start_with(&["--appendonly", "no"]);
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["COMMAND", "INFO", "acl|whoami"]),
        "*1\r\n*10\r\n$10\r\nacl|whoami\r\n:2\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n\
         :0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*0\r\n"
    );
    assert_eq!(
        c.cmd(&["COMMAND", "INFO", "acl|list"]),
        "*1\r\n*10\r\n$8\r\nacl|list\r\n:2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n\
         :0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n"
    );
    // Redis lists the container and its 13 subcommands (in hash order).
    let list = c.cmd(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "acl*"]);
    assert!(list.starts_with("*14\r\n") && list.contains("$10\r\nacl|whoami\r\n"), "{list}");
    let docs = c.cmd(&["COMMAND", "DOCS", "acl"]);
    assert!(docs.contains("A container for Access List Control commands."), "{docs}");
    assert!(docs.contains("$10\r\nacl|whoami\r\n"), "{docs}");
}
