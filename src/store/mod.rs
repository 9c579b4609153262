//! The in-memory keyspace: databases split into shards, values, expiry and glob matching.
//! Commands reach data only through here; the lock order is documented in `keyspace`.
pub mod access;
pub mod compact;
pub mod dense;
pub mod encoding;
pub mod entries;
pub mod glob;
pub mod hash;
pub mod index;
pub mod keyspace;
pub mod list;
pub mod rdb;
pub mod set;
pub mod value;
pub mod zset;

pub use compact::CompactBytes;
pub use hash::HashValue;
pub use keyspace::{hash_key, Db, Entry, Keyspace, Shard};
pub use list::ListValue;
pub use set::SetValue;
pub use value::{StrValue, Value};
pub use zset::ZSetValue;
