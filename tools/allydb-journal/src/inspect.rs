//! `inspect`: every record of the live segments, one line each.
use std::io::Write;
use std::path::Path;

use allydb::journal::reader::RecordAt;
use allydb::journal::Effect;
use allydb::store::glob;
use serde_json::json;

use crate::render::{effect_json, effect_line, touched};
use crate::walk::{walk_segments, Dir, Problem, Visitor};

struct Inspector<W: Write> {
    out: W,
    from: u64,
    to: u64,
    pattern: Option<Vec<u8>>,
    json: bool,
    /// A write failed (a closed pipe): stop walking.
    failed: bool,
}

impl<W: Write> Inspector<W> {
    fn matches(&self, effects: &[Effect<&[u8]>]) -> bool {
        let Some(pattern) = &self.pattern else { return true };
        effects.iter().any(|effect| {
            touched(effect)
                .iter()
                .any(|(_, key)| key.is_none_or(|k| glob::matches(pattern, k, false)))
        })
    }

    fn emit(&mut self, line: String) {
        if !self.failed && writeln!(self.out, "{line}").is_err() {
            self.failed = true;
        }
    }
}

impl<W: Write> Visitor for Inspector<W> {
    fn record(&mut self, file: &Path, at: &RecordAt<'_>, sound: bool) {
        let seq = at.record.seq;
        if seq < self.from || seq > self.to || !self.matches(&at.record.effects) {
            return;
        }
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let line = if self.json {
            json!({
                "seq": seq,
                "file": name,
                "offset": at.offset,
                "size": at.bytes,
                "sound": sound,
                "effects": at.record.effects.iter().map(effect_json).collect::<Vec<_>>(),
            })
            .to_string()
        } else {
            let effects: Vec<String> = at.record.effects.iter().map(effect_line).collect();
            let mark = if sound { "" } else { " after-damage" };
            format!(
                "seq={seq} file={name} offset={} size={}{mark} {}",
                at.offset,
                at.bytes,
                effects.join(" ; ")
            )
        };
        self.emit(line);
    }

    fn problem(&mut self, problem: &Problem) {
        let line = if self.json {
            json!({ "problem": problem.json() }).to_string()
        } else {
            format!("# problem: {}", problem.line())
        };
        self.emit(line);
    }

    fn last_wanted(&self) -> u64 {
        if self.failed {
            0
        } else {
            self.to
        }
    }
}

/// Ok(false) when a problem was met (the records around it are still shown).
pub fn run(
    dir: &Path,
    from: Option<u64>,
    to: Option<u64>,
    key: Option<&str>,
    json: bool,
) -> Result<bool, String> {
    let dir = Dir::open(dir)?;
    let (manifest, manifest_problem) = dir.effective_manifest();
    let stdout = std::io::stdout();
    let mut inspector = Inspector {
        out: std::io::BufWriter::with_capacity(1 << 16, stdout.lock()),
        from: from.unwrap_or(0),
        to: to.unwrap_or(u64::MAX),
        // A bare `*` lists every key before any matching, the empty one included, as KEYS.
        pattern: key.filter(|k| *k != "*").map(|k| k.as_bytes().to_vec()),
        json,
        failed: false,
    };
    let walk = walk_segments(&dir, &manifest, None, &mut inspector);
    let _ = inspector.out.flush();
    if let Some(error) = walk.fatal {
        return Err(error);
    }
    Ok(walk.problems.is_empty() && manifest_problem.is_none())
}
