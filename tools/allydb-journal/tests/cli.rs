//! The command line itself: usage errors exit 2, a missing directory is a clear error, every
//! subcommand has help. (Its presence also makes `cargo test` build this package's binary,
//! which the server package's tests of the tool run.)
use std::process::Command;

fn tool(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_allydb-journal")).args(args).output().unwrap()
}

#[test]
fn usage_errors_exit_2() {
    let output = tool(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unrecognized subcommand"));
    let output = tool(&["verify"]);
    assert_eq!(output.status.code(), Some(2), "DIR is required");
}

#[test]
fn a_missing_directory_is_named() {
    for subcommand in ["inspect", "verify", "repair", "dump", "stats"] {
        let output = tool(&[subcommand, "/nonexistent/allydb.tab"]);
        assert_eq!(output.status.code(), Some(2), "{subcommand}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("/nonexistent/allydb.tab: not a directory"),
            "{subcommand}: {stderr}"
        );
    }
}

#[test]
fn every_subcommand_has_help() {
    for subcommand in ["inspect", "verify", "repair", "dump", "stats"] {
        let output = tool(&[subcommand, "--help"]);
        assert!(output.status.success(), "{subcommand}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("PERSISTENCE_LOCATION"), "{subcommand}: {stdout}");
        assert!(stdout.contains("--json"), "{subcommand}: {stdout}");
    }
}
