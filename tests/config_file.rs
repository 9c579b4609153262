//! The configuration file (`allydb /path/allydb.conf`, docs/CONFIGURATION.md): its settings
//! and their precedence, its startup errors, and CONFIG REWRITE's edit of it, side by side with
//! redis-server where the two behave the same.
mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::servers::{Kind, Server};
use common::*;

/// A client of `server`, authenticated when it has a password.
fn client(server: &Server) -> RawClient {
    let mut c = RawClient::connect(server.port);
    if let Some(password) = server.password() {
        assert_eq!(c.cmd(&["AUTH", password]), OK, "{}", server.kind.name());
    }
    c
}

fn config_get(c: &mut RawClient, name: &str) -> String {
    c.cmd(&["CONFIG", "GET", name])
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read the config file")
}

#[test]
fn file_settings_apply_and_command_line_flags_win() {
    let text = "# the operator's notes\n\
                maxmemory 10mb\n\
                requirepass \"file pass\"\n\
                appendfsync always\n\
                hash-max-ziplist-entries 3\n\
                hz 20\n\
                save 900 1\n\
                save 300 10\n\
                slowlog-log-slower-than 0\n\
                loglevel warning\n\
                daemonize no\n\
                oom-score-adj-values 0 200 800\n\
                repl-diskless-load swapdb\n";
    let server =
        Server::start_with_file(Kind::AllyDb, "allydb.conf", text, &["--maxmemory", "20mb"]);
    let mut c = RawClient::connect(server.port);
    assert!(c.cmd(&["PING"]).starts_with("-NOAUTH"), "the file's requirepass is in force");
    assert_eq!(c.cmd(&["AUTH", "file pass"]), OK);
    // The flag wins over the file.
    assert_eq!(config_get(&mut c, "maxmemory"), bulk_array(&["maxmemory", "20971520"]));
    assert_eq!(config_get(&mut c, "appendfsync"), bulk_array(&["appendfsync", "always"]));
    assert_eq!(
        config_get(&mut c, "hash-max-listpack-entries"),
        bulk_array(&["hash-max-listpack-entries", "3"])
    );
    assert_eq!(config_get(&mut c, "hz"), bulk_array(&["hz", "20"]));
    assert_eq!(config_get(&mut c, "save"), bulk_array(&["save", "900 1 300 10"]));
    let path = server.config_file().expect("a config file").display().to_string();
    assert_eq!(info_field(&mut c, "server", "config_file"), path, "INFO shows the file");
    assert_eq!(config_get(&mut c, "loglevel"), bulk_array(&["loglevel", "warning"]));
    // Redis's own directives AllyDB only keeps and shows.
    assert_eq!(
        config_get(&mut c, "oom-score-adj-values"),
        bulk_array(&["oom-score-adj-values", "0 200 800"])
    );
    assert_eq!(
        config_get(&mut c, "repl-diskless-load"),
        bulk_array(&["repl-diskless-load", "swapdb"])
    );
    // The settings act, not only show: the encoding threshold and the slow log.
    assert_eq!(c.cmd(&["HSET", "small", "a", "1", "b", "2", "c", "3"]), int(3));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "small"]), bulk("listpack"));
    assert_eq!(c.cmd(&["HSET", "big", "a", "1", "b", "2", "c", "3", "d", "4"]), int(4));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "big"]), bulk("hashtable"));
    assert_ne!(c.cmd(&["SLOWLOG", "LEN"]), int(0), "slowlog-log-slower-than 0 logs everything");
}

#[test]
fn environment_wins_over_the_file_and_can_name_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("allydb.conf");
    std::fs::write(&path, "maxmemory 10mb\nmaxclients 50\n").expect("write");
    let path_text = path.display().to_string();
    // The file by its environment variable, the environment beating the file.
    let server = TestServer::start_with_env(
        &[],
        &[("ALLYDB_CONFIG_FILE", &path_text), ("ALLYDB_MAXMEMORY", "30mb")],
    );
    let mut c = server.raw();
    assert_eq!(config_get(&mut c, "maxmemory"), bulk_array(&["maxmemory", "31457280"]));
    assert_eq!(config_get(&mut c, "maxclients"), bulk_array(&["maxclients", "50"]));
}

/// Runs `kind` with the configuration file `text` and waits for it to exit.
fn run_with_file(kind: Kind, dir: &Path, text: Option<&str>) -> Output {
    let path = dir.join("bad.conf");
    if let Some(text) = text {
        std::fs::write(&path, text).expect("write");
    }
    let port = free_port().to_string();
    let mut command = match kind {
        Kind::AllyDb => {
            let mut command = Command::new(env!("CARGO_BIN_EXE_allydb"));
            command.arg(&path).args(["--port", &port, "--persistence-location"]);
            command.arg(dir.join("data"));
            command.env_remove("ALLYDB_CONFIG_FILE");
            command
        }
        Kind::Redis => {
            let mut command = Command::new("redis-server");
            command.arg(&path).args(["--port", &port, "--daemonize", "no"]);
            command
        }
    };
    command.current_dir(dir).stdin(Stdio::null()).output().expect("run the server")
}

#[test]
fn bad_files_stop_the_start_naming_the_line_as_redis() {
    let cases: &[(&str, &str, &str)] = &[
        ("port 7000\nfoo bar\n", "at line 2\n>>> 'foo bar'\n", "Bad directive"),
        (
            "maxmemory lots\n",
            "at line 1\n>>> 'maxmemory lots'\n",
            "argument must be a memory value",
        ),
        ("hz abc\n", ">>> 'hz abc'\n", "argument couldn't be parsed into an integer"),
        (
            "# c\nrequirepass \"open\n",
            "at line 2\n>>> 'requirepass \"open'\n",
            "Unbalanced quotes in configuration line",
        ),
        ("replicaof 127.0.0.1\n", ">>> 'replicaof 127.0.0.1'\n", "wrong number of arguments"),
        ("maxmemory-policy lru\n", ">>> 'maxmemory-policy lru'\n", "argument(s) must be one of"),
    ];
    for kind in Kind::BOTH {
        for (text, place, reason) in cases {
            let dir = tempfile::tempdir().expect("temp dir");
            let output = run_with_file(kind, dir.path(), Some(text));
            let shown = format!("{}{}", String::from_utf8_lossy(&output.stdout), text_of(&output));
            assert_eq!(output.status.code(), Some(1), "{} {text:?}: {shown}", kind.name());
            assert!(shown.contains("*** FATAL CONFIG FILE ERROR"), "{}: {shown}", kind.name());
            assert!(shown.contains(place), "{} {text:?}: {shown}", kind.name());
            assert!(shown.contains(reason), "{} {text:?}: {shown}", kind.name());
        }
        // A file that cannot be read.
        let dir = tempfile::tempdir().expect("temp dir");
        let output = run_with_file(kind, dir.path(), None);
        let shown = format!("{}{}", String::from_utf8_lossy(&output.stdout), text_of(&output));
        assert_eq!(output.status.code(), Some(1), "{}: {shown}", kind.name());
        let expected = format!(
            "Fatal error, can't open config file '{}': No such file or directory",
            dir.path().join("bad.conf").display()
        );
        assert!(shown.contains(&expected), "{}: {shown}", kind.name());
    }
    // AllyDB names the file too, and refuses include.
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run_with_file(Kind::AllyDb, dir.path(), Some("include /etc/other.conf\n"));
    let shown = text_of(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(&format!(
            "*** FATAL CONFIG FILE ERROR ***\nReading the configuration file {}, at line 1\n\
             >>> 'include /etc/other.conf'\ninclude is not supported",
            dir.path().join("bad.conf").display()
        )),
        "{shown}"
    );
}

fn text_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The file both servers start with: comments, blank lines, settings to change, to set back to
/// their default, to leave, and two `save` lines.
const ROUND_TRIP_FILE: &str = "# AllyDB test configuration\n\
                               # keep this comment\n\
                               \n\
                               \n\
                               maxmemory-policy allkeys-lru\n\
                               hz 20\n\
                               save 900 1\n\
                               save 300 10\n\
                               slowlog-max-len 64\n\
                               # trailing comment\n";

/// The same file after CONFIG SET hz 10 (the default), slowlog-max-len 256, save "3600 1",
/// up to the `# Generated by CONFIG REWRITE` block: lines in place, the blank run and the
/// orphaned second `save` line made one blank line each, as redis-server does.
const ROUND_TRIP_KEPT: &str = "# AllyDB test configuration\n\
                               # keep this comment\n\
                               \n\
                               maxmemory-policy allkeys-lru\n\
                               hz 10\n\
                               save 3600 1\n\
                               \n\
                               slowlog-max-len 256\n\
                               # trailing comment\n\
                               \n\
                               # Generated by CONFIG REWRITE\n";

#[test]
fn rewrite_edits_the_file_in_place_as_redis_then_a_restart_reads_it() {
    for kind in Kind::BOTH {
        let mut server = Server::start_with_file(kind, "server.conf", ROUND_TRIP_FILE, &[]);
        let path = server.config_file().expect("a config file").to_path_buf();
        let mut c = client(&server);
        for (name, value) in [
            ("hz", "10"),
            ("slowlog-max-len", "256"),
            ("save", "3600 1"),
            ("maxmemory", "5mb"),
            ("notify-keyspace-events", "KEA"),
            ("timeout", "0"),
        ] {
            assert_eq!(c.cmd(&["CONFIG", "SET", name, value]), OK, "{}", kind.name());
        }
        assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), OK, "{}", kind.name());
        let rewritten = read(&path);
        let (kept, generated) = rewritten
            .split_once("# Generated by CONFIG REWRITE\n")
            .unwrap_or_else(|| panic!("{}: no generated block:\n{rewritten}", kind.name()));
        assert_eq!(
            format!("{kept}# Generated by CONFIG REWRITE\n"),
            ROUND_TRIP_KEPT,
            "{}",
            kind.name()
        );
        let generated: Vec<&str> = generated.lines().collect();
        for line in [
            format!("port {}", server.port),
            "maxmemory 5mb".to_string(),
            "notify-keyspace-events \"AKE\"".to_string(),
        ] {
            assert!(generated.contains(&line.as_str()), "{}: {line}\n{rewritten}", kind.name());
        }
        // At its default and not in the file: not added.
        assert!(!rewritten.contains("timeout"), "{}:\n{rewritten}", kind.name());
        if kind == Kind::AllyDb {
            let data = server.dir.path().join("data").display().to_string();
            assert_eq!(
                generated,
                [
                    format!("port {}", server.port),
                    format!("persistence-location \"{data}\""),
                    "maxmemory 5mb".to_string(),
                    "notify-keyspace-events \"AKE\"".to_string(),
                ],
                "only the settings away from their defaults, in CONFIG's order"
            );
        }

        drop(c);
        server.restart();
        let mut c = client(&server);
        for (name, value) in [
            ("hz", "10"),
            ("slowlog-max-len", "256"),
            ("maxmemory", "5242880"),
            ("notify-keyspace-events", "AKE"),
            ("maxmemory-policy", "allkeys-lru"),
        ] {
            assert_eq!(config_get(&mut c, name), bulk_array(&[name, value]), "{}", kind.name());
        }
        // (The harness gives redis-server `--save ""`, which beats its file.)
        if kind == Kind::AllyDb {
            assert_eq!(config_get(&mut c, "save"), bulk_array(&["save", "3600 1"]));
        }
        // A second rewrite with nothing changed writes one signature still, the same lines in
        // place (redis-server's `--save ""` from the harness beats its file: set it again).
        assert_eq!(c.cmd(&["CONFIG", "SET", "save", "3600 1"]), OK);
        assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), OK, "{}", kind.name());
        let again = read(&path);
        assert_eq!(again.matches("# Generated by CONFIG REWRITE").count(), 1, "{again}");
        assert!(again.starts_with(ROUND_TRIP_KEPT), "{}: {again}", kind.name());
        if kind == Kind::AllyDb {
            // Byte for byte but the last blank line Redis's reading of the final newline adds.
            assert_eq!(again, format!("{rewritten}\n"));
        }
    }
}

#[test]
fn rewrite_replies_like_redis_without_a_file_inside_multi_and_on_io_errors() {
    let mut arity_replies = Vec::new();
    for kind in Kind::BOTH {
        let server = Server::start(kind);
        let mut c = client(&server);
        let no_file = "-ERR The server is running without a config file\r\n";
        assert_eq!(info_field(&mut c, "server", "config_file"), "", "{}", kind.name());
        assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), no_file, "{}", kind.name());
        assert_eq!(c.cmd(&["MULTI"]), OK);
        assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), "+QUEUED\r\n");
        assert_eq!(c.cmd(&["EXEC"]), format!("*1\r\n{no_file}"), "{}", kind.name());
        arity_replies.push(c.cmd(&["CONFIG", "REWRITE", "extra"]));

        // With a file, inside MULTI as Sentinel sends it (after SLAVEOF, here a CONFIG SET).
        let server = Server::start_with_file(kind, "conf/server.conf", "hz 10\n", &[]);
        let path = server.config_file().expect("a config file").to_path_buf();
        let mut c = client(&server);
        assert_eq!(c.cmd(&["MULTI"]), OK);
        assert_eq!(c.cmd(&["CONFIG", "SET", "hz", "15"]), "+QUEUED\r\n");
        assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), "+QUEUED\r\n");
        assert_eq!(c.cmd(&["EXEC"]), "*2\r\n+OK\r\n+OK\r\n", "{}", kind.name());
        assert!(read(&path).starts_with("hz 15\n"), "{}: {}", kind.name(), read(&path));

        // The file's directory gone: the temporary file cannot be made.
        std::fs::remove_dir_all(path.parent().expect("conf dir")).expect("remove conf dir");
        assert_eq!(
            c.cmd(&["CONFIG", "REWRITE"]),
            "-ERR Rewriting config file: No such file or directory\r\n",
            "{}",
            kind.name()
        );
        // A file that is gone from a directory that is there is written from scratch.
        std::fs::create_dir_all(path.parent().expect("conf dir")).expect("conf dir again");
        assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), OK, "{}", kind.name());
        let fresh = read(&path);
        assert!(fresh.starts_with("# Generated by CONFIG REWRITE\n"), "{}: {fresh}", kind.name());
        assert!(fresh.lines().any(|line| line == "hz 15"), "{}: {fresh}", kind.name());
    }
    assert!(arity_replies[0].starts_with("-ERR "), "{arity_replies:?}");
    assert_eq!(arity_replies[0], arity_replies[1], "AllyDB, then redis-server");
}

#[test]
fn rewrite_writes_the_password_and_keeps_the_file_private_as_it_was() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start_with_file(Kind::AllyDb, "allydb.conf", "requirepass old\n", &[]);
    let path = server.config_file().expect("a config file").to_path_buf();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let mut c = client(&server);
    assert_eq!(c.cmd(&["CONFIG", "SET", "requirepass", "new \"one\""]), OK);
    assert_eq!(c.cmd(&["CONFIG", "SET", "masterauth", "primary-secret"]), OK);
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), OK);
    let text = read(&path);
    assert!(text.starts_with("requirepass \"new \\\"one\\\"\"\n"), "{text}");
    assert!(text.lines().any(|line| line == "masterauth \"primary-secret\""), "{text}");
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the rewritten file keeps the old one's permissions");
    assert_eq!(
        std::fs::read_dir(path.parent().expect("dir"))
            .expect("list")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().contains(".tmp-"))
            .count(),
        0,
        "no temporary file left"
    );
}

/// A closed port on loopback: once replication lands, a replica may try it; nothing answers.
fn closed_port() -> u16 {
    free_port()
}

#[test]
fn replicaof_is_written_from_the_replication_role() {
    // From the command line: written by the rewrite (the skeleton's primary() is the flag's).
    let primary = format!("127.0.0.1 {}", closed_port());
    let server = Server::start_with_file(
        Kind::AllyDb,
        "allydb.conf",
        "# replica\n",
        &["--replicaof", &primary],
    );
    let path = server.config_file().expect("a config file").to_path_buf();
    let mut c = client(&server);
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), OK);
    let text = read(&path);
    assert!(text.lines().any(|line| line == format!("replicaof {primary}")), "{text}");
    drop(c);
    drop(server);

    // From the file (`slaveof`, its alias), with masterauth and masteruser: kept in place under
    // the canonical name, and masterauth shown by CONFIG GET.
    let port = closed_port();
    let file = format!("# replica\nslaveof 127.0.0.1 {port}\nmasterauth pw\nmasteruser repl\n");
    let server = Server::start_with_file(Kind::AllyDb, "allydb.conf", &file, &[]);
    let path = server.config_file().expect("a config file").to_path_buf();
    let mut c = client(&server);
    assert_eq!(config_get(&mut c, "masterauth"), bulk_array(&["masterauth", "pw"]));
    assert_eq!(config_get(&mut c, "masteruser"), bulk_array(&["masteruser", "repl"]));
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), OK);
    let text = read(&path);
    assert!(
        text.starts_with(&format!(
            "# replica\nreplicaof 127.0.0.1 {port}\nmasterauth \"pw\"\nmasteruser \"repl\"\n"
        )),
        "{text}"
    );

    // A primary: no replicaof line is written.
    let server = Server::start_with_file(Kind::AllyDb, "allydb.conf", "hz 10\n", &[]);
    let path = server.config_file().expect("a config file").to_path_buf();
    let mut c = client(&server);
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), OK);
    assert!(!read(&path).contains("replicaof"), "{}", read(&path));
}

/// MODULE, side by side with redis-server: no module is listed; LOAD, LOADEX and UNLOAD are
/// refused unless the file's `enable-module-command` allows them, and then fail as a load of
/// a module that does not exist does (AllyDB has no module API).
#[test]
fn module_lists_none_and_loads_only_where_the_file_allows() {
    let refused = "-ERR MODULE command not allowed. If the enable-module-command option is set \
                   to \"local\", you can run it from a local connection, otherwise you need to \
                   set this option in the configuration file, and then restart the server.\r\n";
    for kind in [Kind::AllyDb, Kind::Redis] {
        let server = Server::start_with_file(kind, "allydb.conf", "hz 10\n", &[]);
        let mut c = client(&server);
        assert_eq!(c.cmd(&["MODULE", "LIST"]), "*0\r\n", "{}", kind.name());
        assert_eq!(c.cmd(&["MODULE", "LOAD", "/nonexistent.so"]), refused, "{}", kind.name());
        assert_eq!(c.cmd(&["MODULE", "LOADEX", "/nonexistent.so"]), refused);
        assert_eq!(c.cmd(&["MODULE", "UNLOAD", "nosuch"]), refused);
        assert_eq!(
            c.cmd(&["MODULE", "FOO"]),
            err("ERR unknown subcommand 'FOO'. Try MODULE HELP.")
        );
        assert!(c.cmd(&["MODULE", "HELP"]).starts_with("*11\r\n+MODULE <subcommand>"));
        assert_eq!(c.resp3().cmd(&["MODULE", "LIST"]), "*0\r\n");

        let server =
            Server::start_with_file(kind, "allydb.conf", "enable-module-command yes\n", &[]);
        let mut c = client(&server);
        assert_eq!(
            c.cmd(&["MODULE", "LOAD", "/nonexistent.so"]),
            err("ERR Error loading the extension. Please check the server logs."),
            "{}",
            kind.name()
        );
        assert_eq!(
            c.cmd(&["MODULE", "UNLOAD", "nosuch"]),
            err("ERR Error unloading module: no such module with that name")
        );
    }
}
