//! The client compatibility matrix (docs/CLIENTS.md): real, unmodified client libraries run
//! one program each (tests/clients/) against a fresh AllyDB and a fresh redis-server, and
//! both runs must pass. A program prints READY-FOR-RESTART in its middle; the runner then
//! restarts that server on the same port and data directory and writes GO, so the program
//! checks the library's reconnect. `scripts/test.sh` installs the clients at pinned
//! versions: redis-py without hiredis in `ALLYDB_TEST_PYTHON`, with it in
//! `ALLYDB_TEST_PYTHON_HIREDIS`; redis-rb from Debian's ruby-redis, run by `ALLYDB_TEST_RUBY`
//! (default `ruby`); phpredis from Debian's php-redis, run by `ALLYDB_TEST_PHP` (default
//! `php`); node-redis and ioredis in `ALLYDB_TEST_NODE_CLIENTS`.
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::servers::{Kind, Server};
use common::{monitored_until, node_clients, php, python, ruby, setinfo_monitor_lines, SetInfo};

/// Generous: a debug build on a busy 2-core machine; a program takes a few seconds.
const PROGRAM_TIMEOUT: Duration = Duration::from_secs(180);

/// One client program: how to start it and what its last line must say.
struct Program {
    command: Command,
    label: String,
    final_line_contains: String,
}

fn redis_py(script: &str, protocol: u8, hiredis: bool, port: u16) -> Program {
    let mut command = Command::new(python(hiredis));
    command.arg(format!("{}/tests/clients/{script}.py", env!("CARGO_MANIFEST_DIR"))).args([
        "127.0.0.1",
        &port.to_string(),
        &protocol.to_string(),
    ]);
    let api = if script == "python_sync" { "sync" } else { "asyncio" };
    // The program reports whether hiredis was really in use: the matrix row must be honest.
    let final_line_contains =
        format!("{api} protocol={protocol} hiredis={}: ok", if hiredis { "True" } else { "False" });
    Program {
        command,
        label: format!("{script} protocol={protocol} hiredis={hiredis}"),
        final_line_contains,
    }
}

/// redis-rb's version in Debian bookworm's ruby-redis, which scripts/test.sh installs.
const REDIS_RB_VERSION: &str = "4.8.0";

/// redis-rb has no RESP3 and one driver in Debian (pure Ruby): one program, no variants.
fn redis_rb(port: u16) -> Program {
    let mut command = Command::new(ruby());
    command
        .arg(format!("{}/tests/clients/ruby.rb", env!("CARGO_MANIFEST_DIR")))
        .args(["127.0.0.1", &port.to_string()]);
    Program {
        command,
        label: "ruby.rb".to_string(),
        // The program names the version and driver it really loaded.
        final_line_contains: format!(
            "redis-rb {REDIS_RB_VERSION} driver=Redis::Connection::Ruby: ok"
        ),
    }
}

/// phpredis's version in Debian bookworm's php-redis, which scripts/test.sh installs.
const PHPREDIS_VERSION: &str = "5.3.7";

/// phpredis 5 has no RESP3: one program, no variants.
fn phpredis_program(port: u16) -> Program {
    let mut command = Command::new(php());
    command
        .arg(format!("{}/tests/clients/php.php", env!("CARGO_MANIFEST_DIR")))
        .args(["127.0.0.1", &port.to_string()]);
    Program {
        command,
        label: "php.php".to_string(),
        // The program names the extension version it really loaded.
        final_line_contains: format!("phpredis {PHPREDIS_VERSION} php "),
    }
}

/// `tests/clients/{script}.mjs HOST PORT PROTOCOL` under Node.js; its last line names the
/// library, its version and the protocol.
fn node(script: &str, library: &str, version: &str, protocol: u8, port: u16) -> Program {
    let mut command = Command::new("node");
    command
        .env("ALLYDB_TEST_NODE_CLIENTS", node_clients())
        .arg(format!("{}/tests/clients/{script}.mjs", env!("CARGO_MANIFEST_DIR")))
        .args(["127.0.0.1", &port.to_string(), &protocol.to_string()]);
    Program {
        command,
        label: format!("{script} protocol={protocol}"),
        final_line_contains: format!("{library} {version} RESP{protocol}: ok"),
    }
}

/// Runs `program` against `server`, restarting the server when the program asks, and
/// panics with everything the program printed (and the server's log) if it fails.
fn run(mut program: Program, server: &mut Server) {
    let started = Instant::now();
    let mut child = program
        .command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: cannot start: {e}", program.label));
    let (lines_tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdin = child.stdin.take();
    let mut printed = Vec::new();
    let deadline = started + PROGRAM_TIMEOUT;
    let mut restarted = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                if line == "READY-FOR-RESTART" {
                    server.restart();
                    restarted = true;
                    if let Some(mut input) = stdin.take() {
                        let _ = input.write_all(b"GO\n");
                    }
                }
                printed.push(line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                break;
            }
        }
    }
    let status = child.wait().expect("wait for the client program");
    let stderr = stderr_reader.join().unwrap_or_default();
    let report = format!(
        "{} against {} on port {}: status {:?} after {:?}\nstdout:\n{}\nstderr:\n{}\nserver log:\n{}",
        program.label,
        server.kind.name(),
        server.port,
        status.code(),
        started.elapsed(),
        printed.join("\n"),
        stderr,
        server.log()
    );
    assert!(status.success(), "{report}");
    assert!(restarted, "the program never asked for the restart: {report}");
    let last = printed.last().map(String::as_str).unwrap_or("");
    assert!(last.contains(&program.final_line_contains), "last line {last:?}: {report}");
    assert!(!server.log().contains("panicked"), "a panic in the server's log: {report}");
    eprintln!(
        "{} against {}: passed in {:?}",
        program.label,
        server.kind.name(),
        started.elapsed()
    );
}

/// The same program against AllyDB and against redis-server, each fresh.
fn both(make: impl Fn(u16) -> Program) {
    for kind in Kind::BOTH {
        let mut server = Server::start(kind);
        let program = make(server.port);
        run(program, &mut server);
    }
}

#[test]
fn redis_py_sync_resp2() {
    both(|port| redis_py("python_sync", 2, false, port));
}

#[test]
fn redis_py_sync_resp3() {
    both(|port| redis_py("python_sync", 3, false, port));
}

#[test]
fn redis_py_sync_resp2_hiredis() {
    both(|port| redis_py("python_sync", 2, true, port));
}

#[test]
fn redis_py_sync_resp3_hiredis() {
    both(|port| redis_py("python_sync", 3, true, port));
}

#[test]
fn redis_py_asyncio_resp2() {
    both(|port| redis_py("python_asyncio", 2, false, port));
}

#[test]
fn redis_py_asyncio_resp3() {
    both(|port| redis_py("python_asyncio", 3, false, port));
}

#[test]
fn redis_py_asyncio_resp2_hiredis() {
    both(|port| redis_py("python_asyncio", 2, true, port));
}

#[test]
fn redis_py_asyncio_resp3_hiredis() {
    both(|port| redis_py("python_asyncio", 3, true, port));
}

/// How redis-py 5.2.1 sends CLIENT SETINFO on connect.
const REDIS_PY_SETINFO: SetInfo =
    SetInfo { command: "CLIENT", name: "redis-py", version: "5.2.1", name_first: true };

/// What redis-py sends by itself on a new connection (docs/CLIENTS.md records it), seen by
/// MONITOR: `HELLO 3` for RESP3, then `CLIENT SETINFO` with its name and version, with and
/// without hiredis. A server before 7.2 (the reference 7.0) refuses CLIENT SETINFO (the
/// library ignores the error) and MONITOR leaves refused commands out, so it shows them only
/// where the server's INFO reports 7.2 or later (AllyDB; `common::setinfo_monitor_lines`).
#[test]
fn redis_py_connect_handshake() {
    let script = "import sys, redis\n\
        r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]), protocol=int(sys.argv[2]))\n\
        r.echo('handshake-done')\n";
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let version = server.redis_version();
        for protocol in ["2", "3"] {
            for hiredis in [false, true] {
                let mut monitor = common::RawClient::connect(server.port);
                assert_eq!(monitor.cmd(&["MONITOR"]), common::OK);
                let output = Command::new(python(hiredis))
                    .args(["-c", script, &server.port.to_string(), protocol])
                    .stdin(Stdio::null())
                    .output()
                    .expect("run redis-py");
                assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
                let seen =
                    monitored_until(&mut monitor, |line| line == "\"ECHO\" \"handshake-done\"");
                let mut expected = Vec::new();
                if protocol == "3" {
                    expected.push("\"HELLO\" \"3\"".to_string());
                }
                expected.extend(setinfo_monitor_lines(version, &REDIS_PY_SETINFO));
                assert_eq!(seen, expected, "{} protocol {protocol} hiredis {hiredis}", kind.name());
            }
        }
    }
}

#[test]
fn ruby_redis() {
    both(redis_rb);
}

/// What a library sends by itself on new connections, run by `interpreter` with `flag`
/// (`-e`, `-r`) on `script`, which takes the port and a case name, connects as that case
/// says and sends `ECHO <case>` (`echo` is the library's spelling of the name). Each case
/// must show exactly its lines in MONITOR before the ECHO. Before `password_case` the server
/// gets `requirepass secret`: that case and those after it connect with the password.
fn script_connect_handshake(
    interpreter: &str,
    flag: &str,
    script: &str,
    cases: &[(&str, &[&str])],
    password_case: &str,
    echo: &str,
) {
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut monitor = common::RawClient::connect(server.port);
        assert_eq!(monitor.cmd(&["MONITOR"]), common::OK);
        for &(case, expected) in cases {
            if case == password_case {
                // The monitor stays authenticated; new connections now need the password.
                // (CONFIG is an admin command: MONITOR does not show it.)
                let mut admin = common::RawClient::connect(server.port);
                assert_eq!(admin.cmd(&["CONFIG", "SET", "requirepass", "secret"]), common::OK);
            }
            let output = Command::new(interpreter)
                .args([flag, script, &server.port.to_string(), case])
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("run {interpreter}: {e}"));
            assert!(output.status.success(), "{case}: {}", common::text(&output));
            let last = format!("\"{echo}\" \"{case}\"");
            let seen = monitored_until(&mut monitor, |line| line == last);
            assert_eq!(seen, expected, "{} {case}", kind.name());
        }
    }
}

/// What redis-rb sends by itself on a new connection (docs/CLIENTS.md records it), seen by
/// MONITOR, in lower case as the library writes command names: nothing with the defaults (no
/// HELLO, no CLIENT SETINFO: redis-rb 4 speaks RESP2 only); `select` for a database other than
/// 0 and `client setname` for an `id:`, in that order; `auth` first, its arguments redacted
/// by the server, for a password (from the options or the URL).
#[test]
fn ruby_redis_connect_handshake() {
    let script = "require 'redis'\n\
        port = Integer(ARGV[0])\n\
        case ARGV[1]\n\
        when 'defaults' then r = Redis.new(host: '127.0.0.1', port: port)\n\
        when 'db-and-id' then r = Redis.new(host: '127.0.0.1', port: port, db: 2, id: 'rb-app')\n\
        when 'password' then r = Redis.new(host: '127.0.0.1', port: port, password: 'secret')\n\
        when 'url' then r = Redis.new(url: \"redis://default:secret@127.0.0.1:#{port}/3\")\n\
        end\n\
        r.echo(ARGV[1])\n";
    let cases: [(&str, &[&str]); 4] = [
        ("defaults", &[]),
        ("db-and-id", &["\"select\" \"2\"", "\"client\" \"setname\" \"rb-app\""]),
        ("password", &["\"auth\" \"(redacted)\""]),
        ("url", &["\"auth\" \"(redacted)\" \"(redacted)\"", "\"select\" \"3\""]),
    ];
    script_connect_handshake(&ruby(), "-e", script, &cases, "password", "echo");
}

#[test]
fn phpredis() {
    both(phpredis_program);
}

/// What phpredis sends by itself on a new connection (docs/CLIENTS.md records it), seen by
/// MONITOR: nothing for `connect` or `pconnect` (no HELLO, no CLIENT SETINFO: phpredis 5 speaks
/// RESP2 only), `AUTH` with its argument redacted by the server when the connection's context
/// carries `auth`.
#[test]
fn phpredis_connect_handshake() {
    let script = "$port = (int)$argv[1];\n\
        $r = new Redis();\n\
        switch ($argv[2]) {\n\
        case 'connect': $r->connect('127.0.0.1', $port); break;\n\
        case 'pconnect': $r->pconnect('127.0.0.1', $port); break;\n\
        case 'auth': $r->connect('127.0.0.1', $port, 0, null, 0, 0, ['auth' => ['secret']]); break;\n\
        }\n\
        if ($r->echo($argv[2]) !== $argv[2]) { exit(1); }\n";
    let cases: [(&str, &[&str]); 3] =
        [("connect", &[]), ("pconnect", &[]), ("auth", &["\"AUTH\" \"(redacted)\""])];
    script_connect_handshake(&php(), "-r", script, &cases, "auth", "ECHO");
}

#[test]
fn node_redis_resp2() {
    both(|port| node("node_redis", "node-redis", "6.3.1", 2, port));
}

#[test]
fn node_redis_resp3() {
    both(|port| node("node_redis", "node-redis", "6.3.1", 3, port));
}

/// ioredis 6's default: HELLO 3, replies in RESP2's shapes (`replyMapping: "legacy"`).
#[test]
fn ioredis() {
    both(|port| node("ioredis", "ioredis", "6.0.0", 3, port));
}

#[test]
fn ioredis_resp2() {
    both(|port| node("ioredis", "ioredis", "6.0.0", 2, port));
}

/// Connects one client of `library` (`node-redis` or `ioredis`) with `protocol`, sends
/// `ECHO handshake-done` and returns what MONITOR saw before it, arguments only.
fn node_handshake(port: u16, library: &str, protocol: &str) -> Vec<String> {
    let script = "const [library, port, protocol] = process.argv.slice(1);\n\
        const load = require('node:module').createRequire(\n\
          `${process.env.ALLYDB_TEST_NODE_CLIENTS}/package.json`);\n\
        (async () => {\n\
          if (library === 'node-redis') {\n\
            const client = load('redis').createClient(\n\
              { url: `redis://127.0.0.1:${port}`, RESP: Number(protocol) });\n\
            await client.connect();\n\
            await client.echo('handshake-done');\n\
            client.destroy();\n\
          } else {\n\
            const options = protocol === '2' ? { protocol: 2 } : {};\n\
            const client = new (load('ioredis').Redis)(\n\
              { host: '127.0.0.1', port: Number(port), ...options });\n\
            await client.echo('handshake-done');\n\
            client.disconnect();\n\
          }\n\
        })().catch((error) => { console.error(error); process.exit(1); });\n";
    let mut monitor = common::RawClient::connect(port);
    assert_eq!(monitor.cmd(&["MONITOR"]), common::OK);
    let output = Command::new("node")
        .env("ALLYDB_TEST_NODE_CLIENTS", node_clients())
        .args(["-e", script, library, &port.to_string(), protocol])
        .stdin(Stdio::null())
        .output()
        .expect("run node");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // Each library's own spelling of the command name.
    let echo = if library == "ioredis" { "echo" } else { "ECHO" };
    let last = format!("\"{echo}\" \"handshake-done\"");
    monitored_until(&mut monitor, |line| line == last)
}

/// What node-redis sends by itself on a new connection (docs/CLIENTS.md), seen by MONITOR:
/// `HELLO 3` for RESP3, then `CLIENT SETINFO` with its version and name (pipelined, errors
/// ignored). Over RESP3 it also sends `CLIENT MAINT_NOTIFICATIONS ON moving-endpoint-type
/// internal-ip` and ignores the refusal; MONITOR leaves refused commands out, so the refusal
/// is compared here directly: the same error from both servers. A server before 7.2 (the
/// reference 7.0) refuses CLIENT SETINFO too, so MONITOR shows it only on 7.2 or later.
#[test]
fn node_redis_connect_handshake() {
    let library =
        SetInfo { command: "CLIENT", name: "node-redis", version: "6.3.1", name_first: false };
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        assert_node_handshakes(&server, &library, "HELLO", &[]);
        let mut client = common::RawClient::connect(server.port);
        let refused = client.cmd(&[
            "CLIENT",
            "MAINT_NOTIFICATIONS",
            "ON",
            "moving-endpoint-type",
            "internal-ip",
        ]);
        assert_eq!(
            refused,
            "-ERR unknown subcommand 'MAINT_NOTIFICATIONS'. Try CLIENT HELP.\r\n",
            "{}",
            kind.name()
        );
    }
}

/// What ioredis sends by itself on a new connection (docs/CLIENTS.md), seen by MONITOR:
/// `hello 3` by default (not with `protocol: 2`), `client SETINFO` with its version and name
/// (errors ignored; shown only by a 7.2 or later server, as above), then `info`, its ready
/// check (it waits while INFO says `loading:1`). The command names are lower case: the
/// library's own spelling.
#[test]
fn ioredis_connect_handshake() {
    let library =
        SetInfo { command: "client", name: "ioredis", version: "6.0.0", name_first: false };
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        assert_node_handshakes(&server, &library, "hello", &["\"info\""]);
    }
}

/// Connects `library` over RESP2 and RESP3 and checks what MONITOR saw before its first
/// command: `<hello> 3` over RESP3, its CLIENT SETINFO lines where the server has the
/// command, then `after`.
fn assert_node_handshakes(server: &Server, library: &SetInfo, hello: &str, after: &[&str]) {
    let version = server.redis_version();
    for protocol in ["2", "3"] {
        let mut expected = Vec::new();
        if protocol == "3" {
            expected.push(format!("\"{hello}\" \"3\""));
        }
        expected.extend(setinfo_monitor_lines(version, library));
        expected.extend(after.iter().map(|line| line.to_string()));
        let seen = node_handshake(server.port, library.name, protocol);
        assert_eq!(seen, expected, "{} {} protocol {protocol}", server.kind.name(), library.name);
    }
}
