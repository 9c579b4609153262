//! Replication by journal shipping (docs/REPLICATION.md): a replica receives its primary's
//! snapshot, then the primary's journal records, applies them and journals them under the
//! same sequence numbers, so the replication offset is the sequence number on both sides.
use crate::config::PrimaryAddress;

/// The replication role and links of one server.
#[derive(Default)]
pub struct Replication {
    primary: parking_lot::Mutex<Option<PrimaryAddress>>,
}

impl Replication {
    pub fn new(primary: Option<PrimaryAddress>) -> Self {
        Self { primary: parking_lot::Mutex::new(primary) }
    }

    /// The primary this server replicates (REPLICAOF, `--replicaof`), None for a primary.
    pub fn primary(&self) -> Option<PrimaryAddress> {
        self.primary.lock().clone()
    }
}
