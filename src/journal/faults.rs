//! Fault injection for the crash tests (docs/TESTING.md, "Compaction faults"). The
//! environment variable `ALLYDB_FAULT` names one point: `<point>` aborts the process there,
//! as a `kill -9` or a power cut between two steps would stop it; `<point>:error` makes that
//! step fail as an I/O error would. Unset (always, outside tests) every point is a no-op.
use std::sync::LazyLock;

/// The point to fail at, and whether to return an error (true) or abort (false).
static TARGET: LazyLock<Option<(String, bool)>> = LazyLock::new(|| {
    let spec = std::env::var("ALLYDB_FAULT").ok()?;
    let spec = spec.trim();
    if spec.is_empty() {
        return None;
    }
    Some(match spec.strip_suffix(":error") {
        Some(point) => (point.to_string(), true),
        None => (spec.to_string(), false),
    })
});

/// Whether any fault is armed (skips formatting point names on hot loops).
pub fn armed() -> bool {
    TARGET.is_some()
}

/// Passes point `name`: aborts the process or returns an error if it is the armed one.
pub fn point(name: &str) -> std::io::Result<()> {
    match TARGET.as_ref() {
        Some((target, error)) if target == name => {
            if *error {
                return Err(std::io::Error::other(format!("injected fault at {name}")));
            }
            tracing::error!("injected crash at {name}");
            std::process::abort();
        }
        _ => Ok(()),
    }
}

/// `point("{name}-{n}")`, formatting the name only when a fault is armed.
pub fn numbered(name: &str, n: u64) -> std::io::Result<()> {
    if !armed() {
        return Ok(());
    }
    point(&format!("{name}-{n}"))
}
