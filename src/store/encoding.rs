//! The compact-encoding thresholds (Redis's `list-max-listpack-size`, `*-max-listpack-*`,
//! `set-max-intset-entries`): process-wide relaxed atomics that the value types read on each
//! conversion check. `server::settings` writes them at startup and on CONFIG SET.
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering::Relaxed};

/// Redis 7.2's defaults.
pub const LIST_MAX_LISTPACK_SIZE_DEFAULT: i64 = -2;
pub const HASH_MAX_LISTPACK_ENTRIES_DEFAULT: usize = 512;
pub const HASH_MAX_LISTPACK_VALUE_DEFAULT: usize = 64;
pub const SET_MAX_INTSET_ENTRIES_DEFAULT: usize = 512;
pub const SET_MAX_LISTPACK_ENTRIES_DEFAULT: usize = 128;
pub const SET_MAX_LISTPACK_VALUE_DEFAULT: usize = 64;
pub const ZSET_MAX_LISTPACK_ENTRIES_DEFAULT: usize = 128;
pub const ZSET_MAX_LISTPACK_VALUE_DEFAULT: usize = 64;

/// Listpack byte budgets for `list-max-listpack-size` -1 .. -5 (Redis's `optimization_level`).
const LIST_LISTPACK_BYTES_BY_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

/// Redis's `SIZE_SAFETY_LIMIT`: with an entry-count limit, a listpack still stops at 8 KiB.
pub const LIST_SAFETY_BYTES_MAX: usize = 8192;

static LIST_MAX_LISTPACK_SIZE: AtomicI64 = AtomicI64::new(LIST_MAX_LISTPACK_SIZE_DEFAULT);
static HASH_MAX_LISTPACK_ENTRIES: AtomicUsize = AtomicUsize::new(HASH_MAX_LISTPACK_ENTRIES_DEFAULT);
static HASH_MAX_LISTPACK_VALUE: AtomicUsize = AtomicUsize::new(HASH_MAX_LISTPACK_VALUE_DEFAULT);
static SET_MAX_INTSET_ENTRIES: AtomicUsize = AtomicUsize::new(SET_MAX_INTSET_ENTRIES_DEFAULT);
static SET_MAX_LISTPACK_ENTRIES: AtomicUsize = AtomicUsize::new(SET_MAX_LISTPACK_ENTRIES_DEFAULT);
static SET_MAX_LISTPACK_VALUE: AtomicUsize = AtomicUsize::new(SET_MAX_LISTPACK_VALUE_DEFAULT);
static ZSET_MAX_LISTPACK_ENTRIES: AtomicUsize = AtomicUsize::new(ZSET_MAX_LISTPACK_ENTRIES_DEFAULT);
static ZSET_MAX_LISTPACK_VALUE: AtomicUsize = AtomicUsize::new(ZSET_MAX_LISTPACK_VALUE_DEFAULT);

/// The size limit of a "listpack" list: bytes (negative settings) or entries (positive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListLimit {
    Bytes(usize),
    Entries(usize),
}

impl ListLimit {
    /// Redis's `quicklistNodeLimit` for a `list-max-listpack-size` value: 0 means one entry,
    /// and anything below -5 means -5.
    pub fn from_setting(fill: i64) -> Self {
        if fill >= 0 {
            return Self::Entries(usize::try_from(fill).unwrap_or(usize::MAX).max(1));
        }
        let level = fill.saturating_neg().saturating_sub(1);
        let level = usize::try_from(level).unwrap_or(usize::MAX).min(4);
        Self::Bytes(LIST_LISTPACK_BYTES_BY_LEVEL.get(level).copied().unwrap_or(65536))
    }

    /// Redis's `quicklistNodeExceedsLimit`: true if a listpack of `bytes` and `count`
    /// entries is over this limit.
    pub fn is_exceeded(self, bytes: usize, count: usize) -> bool {
        match self {
            Self::Bytes(max) => bytes > max,
            Self::Entries(max) => bytes > LIST_SAFETY_BYTES_MAX || count > max,
        }
    }

    /// The limit a quicklist must shrink under to become a listpack again (half, as Redis's
    /// `listTypeTryConvertQuicklist` when shrinking, so a list does not flip back and forth).
    pub fn halved(self) -> Self {
        match self {
            Self::Bytes(max) => Self::Bytes(max / 2),
            Self::Entries(max) => Self::Entries(max / 2),
        }
    }
}

/// The current list limit.
pub fn list_limit() -> ListLimit {
    ListLimit::from_setting(LIST_MAX_LISTPACK_SIZE.load(Relaxed))
}

pub fn hash_max_listpack_entries() -> usize {
    HASH_MAX_LISTPACK_ENTRIES.load(Relaxed)
}

pub fn hash_max_listpack_value() -> usize {
    HASH_MAX_LISTPACK_VALUE.load(Relaxed)
}

pub fn set_max_intset_entries() -> usize {
    SET_MAX_INTSET_ENTRIES.load(Relaxed)
}

pub fn set_max_listpack_entries() -> usize {
    SET_MAX_LISTPACK_ENTRIES.load(Relaxed)
}

pub fn set_max_listpack_value() -> usize {
    SET_MAX_LISTPACK_VALUE.load(Relaxed)
}

pub fn zset_max_listpack_entries() -> usize {
    ZSET_MAX_LISTPACK_ENTRIES.load(Relaxed)
}

pub fn zset_max_listpack_value() -> usize {
    ZSET_MAX_LISTPACK_VALUE.load(Relaxed)
}

/// Stores a validated value of the canonical setting `name`; false if `name` is not one of
/// the thresholds (or `value` is not an integer, which validation rules out).
pub fn apply(name: &str, value: &str) -> bool {
    let Ok(number) = value.parse::<i64>() else { return false };
    if name == "list-max-listpack-size" {
        LIST_MAX_LISTPACK_SIZE.store(number, Relaxed);
        return true;
    }
    let target = match name {
        "hash-max-listpack-entries" => &HASH_MAX_LISTPACK_ENTRIES,
        "hash-max-listpack-value" => &HASH_MAX_LISTPACK_VALUE,
        "set-max-intset-entries" => &SET_MAX_INTSET_ENTRIES,
        "set-max-listpack-entries" => &SET_MAX_LISTPACK_ENTRIES,
        "set-max-listpack-value" => &SET_MAX_LISTPACK_VALUE,
        "zset-max-listpack-entries" => &ZSET_MAX_LISTPACK_ENTRIES,
        "zset-max-listpack-value" => &ZSET_MAX_LISTPACK_VALUE,
        _ => return false,
    };
    // Negative values are refused by validation; a count beyond usize is no limit at all.
    target.store(usize::try_from(number.max(0)).unwrap_or(usize::MAX), Relaxed);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    // These tests never call `apply`: the atomics are shared by every test in the process.

    #[test]
    fn list_limits_follow_redis() {
        assert_eq!(ListLimit::from_setting(-1), ListLimit::Bytes(4096));
        assert_eq!(ListLimit::from_setting(-2), ListLimit::Bytes(8192));
        assert_eq!(ListLimit::from_setting(-3), ListLimit::Bytes(16384));
        assert_eq!(ListLimit::from_setting(-4), ListLimit::Bytes(32768));
        assert_eq!(ListLimit::from_setting(-5), ListLimit::Bytes(65536));
        assert_eq!(ListLimit::from_setting(-6), ListLimit::Bytes(65536));
        assert_eq!(ListLimit::from_setting(i64::MIN), ListLimit::Bytes(65536));
        assert_eq!(ListLimit::from_setting(0), ListLimit::Entries(1));
        assert_eq!(ListLimit::from_setting(2), ListLimit::Entries(2));
        assert_eq!(ListLimit::from_setting(i64::MAX), ListLimit::Entries(i64::MAX as usize));
    }

    #[test]
    fn list_limit_checks() {
        let bytes = ListLimit::Bytes(8192);
        assert!(!bytes.is_exceeded(8192, 100_000));
        assert!(bytes.is_exceeded(8193, 1));
        assert_eq!(bytes.halved(), ListLimit::Bytes(4096));
        let entries = ListLimit::Entries(3);
        assert!(!entries.is_exceeded(100, 3));
        assert!(entries.is_exceeded(100, 4));
        // Entry limits still stop at Redis's 8 KiB safety limit.
        assert!(entries.is_exceeded(LIST_SAFETY_BYTES_MAX + 1, 1));
        assert_eq!(entries.halved(), ListLimit::Entries(1));
    }

    #[test]
    fn apply_knows_only_the_thresholds() {
        assert!(!apply("maxclients", "10"));
        assert!(!apply("hash-max-ziplist-entries", "10"));
        assert!(!apply("hash-max-listpack-entries", "ten"));
    }

    #[test]
    fn defaults_are_redis_7_2() {
        assert_eq!(list_limit(), ListLimit::Bytes(8192));
        assert_eq!(hash_max_listpack_entries(), 512);
        assert_eq!(set_max_intset_entries(), 512);
        assert_eq!(zset_max_listpack_value(), 64);
    }
}
