//! Replays every checked-in fuzz input on stable Rust: each target's corpus
//! (`fuzz/corpus/<target>/`, seeds plus what fuzzing found worth keeping) and its crash
//! regressions (`fuzz/regressions/<target>/`, every input that once failed). Each goes
//! through the same `allydb::fuzzing` function the cargo-fuzz target calls (docs/FUZZING.md).
use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files: Vec<PathBuf> = ["corpus", "regressions"]
        .iter()
        .filter_map(|kind| std::fs::read_dir(root.join(kind).join(target)).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.file_name().is_some_and(|n| n != ".gitkeep"))
        .collect();
    files.sort();
    files
}

/// Runs `body` on every input of `target`; fails naming each input that panicked.
fn replay(target: &str, body: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no corpus for {target}: fuzz/corpus/{target}/ is checked in");
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).unwrap();
            std::panic::catch_unwind(|| body(&data)).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs fail: {failed:#?}",
        failed.len(),
        files.len()
    );
}

#[test]
fn resp_request_corpus() {
    replay("resp_request", allydb::fuzzing::resp_request);
}

#[test]
fn journal_records_corpus() {
    replay("journal_records", allydb::fuzzing::journal_records);
}

#[test]
fn snapshot_file_corpus() {
    replay("snapshot_file", allydb::fuzzing::snapshot_file);
}

#[test]
fn commands_corpus() {
    replay("commands", allydb::fuzzing::commands);
}

#[test]
fn rdb_payload_corpus() {
    replay("rdb_payload", allydb::fuzzing::rdb_payload);
}
