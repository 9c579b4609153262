//! A replica's full resync on disk: the journal directory goes from this server's own state
//! to its primary's snapshot, so that a crash at any step leaves one history or the other,
//! never a mix (docs/REPLICATION.md, "Full resync"). Receiving and loading the snapshot, and
//! swapping the keyspace, are `server::replication`'s business.
use std::path::Path;

use super::compactor::{list_files, remove_obsolete};
use super::faults;
use super::manifest::Manifest;
use super::snapshot::snapshot_file_name;
use super::writer::Journal;

/// Makes snapshot `seq`, received (complete and synced) at `received`, the directory's
/// state: the MANIFEST names it and an empty segment from `seq + 1`, and no file of the old
/// history is left. `received` is None when the primary has no snapshot (`seq` 0). The
/// caller holds compactions off and keeps every write out of the journal.
///
/// A failure leaves the MANIFEST in force loadable (the old history, or a prefix of it) or
/// the new one; the caller must then resynchronise again. A crash at any step (the fault
/// points `resync-*`, docs/TESTING.md) restarts on one of the two, never on a mix.
pub fn install_snapshot(
    journal: &Journal,
    received: Option<&Path>,
    seq: u64,
) -> Result<(), ResyncError> {
    let directory = journal.directory.as_path();
    let in_force = match Manifest::read(directory) {
        Ok(Some(Ok(manifest))) => manifest,
        Ok(None) => Manifest::EMPTY,
        Ok(Some(Err(error))) => {
            return Err(ResyncError::Untouched(format!("MANIFEST: damaged ({error})")))
        }
        Err(error) => return Err(ResyncError::Untouched(format!("MANIFEST: {error}"))),
    };
    let Some(first_segment_seq) = seq.checked_add(1) else {
        return Err(ResyncError::Untouched(format!("sequence number {seq} has no successor")));
    };
    let target = Manifest { snapshot_seq: seq, first_segment_seq };
    change_directory(journal, received, &in_force, &target).map_err(ResyncError::Changed)
}

/// Why a full resync's install failed, and whether the directory had changed by then.
#[derive(Debug)]
pub enum ResyncError {
    /// Nothing changed on disk: memory and the directory still hold the old state.
    Untouched(String),
    /// The directory changed (it holds a prefix of the old history, or the new state), so
    /// memory no longer matches it. Every step was crash-safe: a restart recovers.
    Changed(String),
}

/// The steps on disk of `install_snapshot`, from the MANIFEST `in_force` to `target`.
fn change_directory(
    journal: &Journal,
    received: Option<&Path>,
    in_force: &Manifest,
    target: &Manifest,
) -> Result<(), String> {
    let directory = journal.directory.as_path();
    let seq = target.snapshot_seq;
    let fault = |name: &str| faults::point(name).map_err(|e| e.to_string());
    let final_path = directory.join(snapshot_file_name(seq));
    let write_target = || {
        target.write(directory).map_err(|e| format!("MANIFEST: {e}"))?;
        fault("resync-manifest-written")
    };
    let rename_received = |received: &Path| -> Result<(), String> {
        std::fs::rename(received, &final_path)
            .map_err(|e| format!("rename {}: {e}", received.display()))?;
        sync_directory(directory)?;
        fault("resync-snapshot-renamed")
    };
    match received {
        // This server's own snapshot has the very name the primary's takes (the MANIFEST in
        // force names it, with its own segments after it). Renaming first would leave that
        // MANIFEST naming the primary's snapshot followed by this server's records. So:
        // 1. the journal starts over after `seq` (`Journal::reset_after`): every step leaves
        //    the MANIFEST in force loading a prefix of this server's history;
        // 2. the MANIFEST names snapshot `seq`, still this server's own, and the new empty
        //    segment: this server's state at `seq`, depending on no other file;
        // 3. the rename replaces the snapshot, atomically: a crash before it loads this
        //    server's state at `seq`, after it the primary's, and the one segment is empty,
        //    so nothing of either history follows the other's snapshot.
        Some(received) if in_force.snapshot_seq == seq => {
            journal.reset_after(seq, in_force.first_segment_seq)?;
            fault("resync-journal-reset")?;
            write_target()?;
            rename_received(received)?;
        }
        // The name is free or held by a snapshot no MANIFEST names (removed at start):
        // 1. the rename changes nothing the MANIFEST in force needs;
        // 2. the journal starts over after `seq`, as above;
        // 3. the MANIFEST switch: the primary's snapshot and the new empty segment.
        _ => {
            if let Some(received) = received {
                rename_received(received)?;
            }
            journal.reset_after(seq, in_force.first_segment_seq)?;
            fault("resync-journal-reset")?;
            write_target()?;
        }
    }
    remove_obsolete(directory, target)?;
    remove_emptied_segments(directory, target.first_segment_seq)
}

/// Removes the segments that start after `first_seq`: only `reset_after`'s emptied segment
/// of the old history can be there (nothing was journaled since), and the MANIFEST names
/// `first_seq` now, so a start would remove it too.
fn remove_emptied_segments(directory: &Path, first_seq: u64) -> Result<(), String> {
    let files = list_files(directory).map_err(|e| format!("read {}: {e}", directory.display()))?;
    let mut removed = false;
    for (_, path) in files.segments.iter().filter(|(first, _)| *first > first_seq) {
        tracing::info!("removing {} (emptied: another history)", path.display());
        std::fs::remove_file(path).map_err(|e| format!("remove {}: {e}", path.display()))?;
        removed = true;
    }
    if removed {
        sync_directory(directory)?;
    }
    Ok(())
}

fn sync_directory(directory: &Path) -> Result<(), String> {
    super::compactor::sync_directory(directory)
        .map_err(|e| format!("sync {}: {e}", directory.display()))
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::path::PathBuf;
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    use super::*;
    use crate::journal::compactor::compact;
    use crate::journal::recovery::recover;
    use crate::journal::snapshot::received_snapshot_file_name;
    use crate::journal::{Effect, FsyncMode, Value};
    use crate::store::Keyspace;

    fn open(directory: &Path, keyspace: &Keyspace) -> (File, Journal) {
        crate::journal::compactor::tests::open_in_mode(directory, keyspace, FsyncMode::Always)
    }

    /// Journals `count` puts of keys `<prefix>:<n>`, as commands do.
    fn write(keyspace: &Keyspace, journal: &Journal, prefix: &str, count: u64) {
        for n in 0..count {
            let key = format!("{prefix}:{n}");
            let effect = Effect::Put {
                db: 0,
                key: key.as_bytes(),
                value: Value::String(b"v".as_slice()),
                expires_at_ms: 0,
            };
            let _shared = keyspace.gate.read();
            crate::journal::replay::apply(keyspace, &effect, 0).unwrap();
            journal.append(&[effect]);
        }
        journal.sync_queued().unwrap();
    }

    fn keys(keyspace: &Keyspace) -> Vec<String> {
        let mut out = Vec::new();
        for shard in 0..crate::limits::SHARDS_PER_DB {
            let shard = keyspace.db(0).unwrap().lock_index(shard).unwrap();
            out.extend(shard.iter().map(|e| String::from_utf8_lossy(&e.key).into_owned()));
        }
        out.sort();
        out
    }

    /// A primary's directory with `seq` records and a snapshot at `seq`; returns the
    /// snapshot's path.
    fn primary_snapshot(base: &Path, seq: u64) -> PathBuf {
        let directory = base.join("primary");
        let keyspace = Keyspace::new(1);
        let (_lock, journal) = open(&directory, &keyspace);
        write(&keyspace, &journal, "primary", seq);
        let done = compact(&keyspace, &journal, &AtomicBool::new(false), 0).unwrap();
        assert_eq!(done.seq, seq);
        journal.shutdown();
        directory.join(snapshot_file_name(seq))
    }

    /// A replica with `own` records, its own snapshot at `own`, then `after` more records,
    /// installs the primary's snapshot at `seq`: the directory then holds the primary's
    /// snapshot, an empty segment from `seq + 1` and nothing else, and a start loads it.
    fn installs(own: u64, after: u64, seq: u64) {
        let base = tempfile::tempdir().unwrap();
        let snapshot = primary_snapshot(base.path(), seq);
        let directory = base.path().join("replica");
        let keyspace = Keyspace::new(1);
        let (lock, journal) = open(&directory, &keyspace);
        write(&keyspace, &journal, "own", own);
        compact(&keyspace, &journal, &AtomicBool::new(false), 0).unwrap();
        write(&keyspace, &journal, "later", after);
        let received = directory.join(received_snapshot_file_name(seq, 0));
        std::fs::copy(&snapshot, &received).unwrap();
        install_snapshot(&journal, Some(&received), seq).unwrap();
        let context = format!("own {own}, after {after}, primary's {seq}");
        assert_eq!(journal.last_seq(), seq, "{context}");
        journal.shutdown();
        drop(lock);
        let files = list_files(&directory).unwrap();
        assert_eq!(
            Manifest::read(&directory).unwrap(),
            Some(Ok(Manifest { snapshot_seq: seq, first_segment_seq: seq + 1 }))
        );
        assert_eq!(files.snapshots.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [seq], "{context}");
        assert_eq!(
            files.segments.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            [seq + 1],
            "{context}"
        );
        assert!(files.temporary.is_empty() && files.received.is_empty(), "{context}");
        let loaded = Keyspace::new(1);
        let recovered = recover(&directory, &loaded, 0, Duration::ZERO).unwrap();
        assert_eq!((recovered.last_seq, recovered.records), (seq, 0), "{context}");
        let expected: Vec<String> = {
            let mut k: Vec<String> = (0..seq).map(|n| format!("primary:{n}")).collect();
            k.sort();
            k
        };
        assert_eq!(keys(&loaded), expected, "{context}");
    }

    #[test]
    fn installs_over_a_snapshot_of_the_same_seq() {
        installs(10, 5, 10);
    }

    /// The replica's snapshot is later than the primary's: every live segment starts after
    /// the primary's snapshot (the first is emptied, not removed, until the switch).
    #[test]
    fn installs_over_a_later_snapshot() {
        installs(20, 5, 10);
        installs(20, 0, 10);
    }

    #[test]
    fn installs_over_an_earlier_snapshot() {
        installs(5, 5, 10);
        installs(5, 20, 10);
    }
}
