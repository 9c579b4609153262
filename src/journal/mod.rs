//! The journal's on-disk format: segment headers and CRC-checked records of effects.
//! One encoder and one decoder, shared by the server, the tests and the `allydb-journal` tool.
//! The normative description is docs/FORMAT.md.
#![deny(clippy::indexing_slicing)]

pub mod codec;
pub mod compactor;
pub mod faults;
pub mod feed;
pub mod files;
pub mod manifest;
pub mod outbox;
pub mod reader;
pub mod record;
pub mod recovery;
pub mod replay;
pub mod resync;
pub mod segment;
pub mod snapshot;
pub mod writer;

pub use manifest::Manifest;
pub use record::{decode_record, encode_record, DecodeError, Effect, Record, RecordHeader, Value};
pub use segment::SegmentHeader;
pub use writer::{FsyncMode, Journal, Mark, TurnEnd};
