//! `verify`: is every byte the server would read sound?
use std::path::Path;

use serde_json::json;

use crate::walk::{walk_segments, walk_snapshot, Dir, ManifestState, Problem, Visitor};

struct Quiet;
impl Visitor for Quiet {
    fn needs_effects(&self) -> bool {
        false
    }
}

/// Ok(true) when everything is sound.
pub fn run(path: &Path, json: bool) -> Result<bool, String> {
    let started = std::time::Instant::now();
    let dir = Dir::open(path)?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let (manifest, manifest_problem) = dir.effective_manifest();
    problems.extend(manifest_problem);
    if dir.manifest == ManifestState::Missing && dir.files.snapshots.is_empty() {
        notes.push(
            "no MANIFEST: a journal the server has not started on yet (it writes one)".into(),
        );
    }
    let mut lines = vec![format!(
        "MANIFEST: snapshot {}, segments from {}",
        manifest.snapshot_seq, manifest.first_segment_seq
    )];
    let mut bytes_read = 0u64;
    let mut snapshot_json = serde_json::Value::Null;
    if let Some(snapshot_path) = dir.snapshot_path(&manifest) {
        let summary = walk_snapshot(&snapshot_path, manifest.snapshot_seq, |_| {});
        bytes_read += summary.bytes;
        let name =
            snapshot_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        lines.push(format!(
            "{name}: {} blocks, {} entries, {} bytes: {}",
            summary.good_blocks.len() as u64 + summary.bad_blocks,
            summary.good_entries,
            summary.bytes,
            if summary.problems.is_empty() { "sound" } else { "DAMAGED" }
        ));
        snapshot_json = json!({
            "file": name,
            "seq": summary.seq,
            "bytes": summary.bytes,
            "blocks": summary.good_blocks.len() as u64 + summary.bad_blocks,
            "entries": summary.good_entries,
            "sound": summary.problems.is_empty(),
        });
        problems.extend(summary.problems);
    }
    // With a server running, the walk takes a record cut short at the end of the last
    // segment for the one being written.
    let walk = walk_segments(&dir, &manifest, None, &mut Quiet);
    if let Some(error) = &walk.fatal {
        return Err(error.clone());
    }
    let running = &dir.server;
    let mut segments_json = Vec::new();
    for segment in &walk.segments {
        bytes_read += segment.bytes;
        let name =
            segment.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let damaged = walk.problems.iter().any(|p| p.file == segment.path);
        let range = segment
            .seqs
            .map_or_else(|| "no records".to_string(), |(a, b)| format!("records {a}..{b}"));
        lines.push(format!(
            "{name}: {range} ({}), {} bytes: {}",
            segment.records,
            segment.bytes,
            if damaged { "DAMAGED" } else { "sound" }
        ));
        segments_json.push(json!({
            "file": name,
            "first_seq": segment.first_seq,
            "records": segment.records,
            "bytes": segment.bytes,
            "last_seq": segment.seqs.map(|(_, b)| b),
            "sound": !damaged,
        }));
    }
    problems.extend(walk.problems);
    let obsolete =
        dir.files.segments.iter().filter(|(f, _)| *f < manifest.first_segment_seq).count();
    if obsolete > 0 {
        notes.push(format!("{obsolete} obsolete segments (before the MANIFEST's first; the server removes them at start)"));
    }
    let orphans = dir.files.snapshots.iter().filter(|(s, _)| *s != manifest.snapshot_seq).count();
    if orphans + dir.files.temporary.len() > 0 {
        notes.push(format!(
            "{} files left by an interrupted compaction (the server removes them at start)",
            orphans + dir.files.temporary.len()
        ));
    }
    if !dir.files.received.is_empty() {
        notes.push(format!(
            "{} snapshots a replica was receiving from its primary (the server removes them at \
             start)",
            dir.files.received.len()
        ));
    }
    if let Some(pid) = running {
        notes.push(format!(
            "a server (process {pid}) holds the directory: its last record may still be in flight"
        ));
    }
    let seconds = started.elapsed().as_secs_f64();
    let sound = problems.is_empty();
    if json {
        let report = json!({
            "sound": sound,
            "manifest": { "snapshot_seq": manifest.snapshot_seq, "first_segment_seq": manifest.first_segment_seq },
            "snapshot": snapshot_json,
            "segments": segments_json,
            "records": walk.sound_records,
            "last_seq": walk.last_sound_seq,
            "problems": problems.iter().map(Problem::json).collect::<Vec<_>>(),
            "notes": notes,
            "bytes_read": bytes_read,
            "seconds": seconds,
        });
        println!("{report}");
    } else {
        for line in &lines {
            println!("{line}");
        }
        for note in &notes {
            println!("note: {note}");
        }
        for problem in &problems {
            println!("DAMAGED {}", problem.line());
        }
        let rate = bytes_read as f64 / seconds.max(1e-9) / 1e6;
        if sound {
            println!(
                "sound: {} records up to seq {}; {bytes_read} bytes read in {seconds:.3} s ({rate:.0} MB/s)",
                walk.sound_records, walk.last_sound_seq
            );
        } else {
            println!(
                "{} problem(s); the sound part ends at seq {}; run `allydb-journal repair --dry-run {}` to see what a repair loses",
                problems.len(),
                walk.last_sound_seq,
                dir.path.display()
            );
        }
    }
    Ok(sound)
}
