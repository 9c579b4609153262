//! The in-memory keyspace: databases split into shards, values, expiry and glob matching.
//! Commands reach data only through here; the lock order is documented in `keyspace`.
pub mod compact;
pub mod glob;
pub mod keyspace;
pub mod value;

pub use compact::CompactBytes;
pub use keyspace::{hash_key, Db, Entry, Keyspace, Shard};
pub use value::{StrValue, Value};
