//! Argument parsing shared by the families: integers, floats, options, with Redis's texts.
use super::errors::CommandError;
use crate::protocol::number::{parse_f64, parse_i64};

/// An integer argument (`ERR value is not an integer or out of range` otherwise).
pub fn integer(bytes: &[u8]) -> Result<i64, CommandError> {
    parse_i64(bytes).ok_or(CommandError::NotInteger)
}

/// A float argument (`ERR value is not a valid float` otherwise).
pub fn float(bytes: &[u8]) -> Result<f64, CommandError> {
    parse_f64(bytes).ok_or(CommandError::NotFloat)
}

/// A database index: an integer, then within `0..databases`.
pub fn db_index(bytes: &[u8], databases: usize) -> Result<usize, CommandError> {
    let index = parse_i64(bytes).ok_or(CommandError::NotInteger)?;
    if index < i64::from(i32::MIN) || index > i64::from(i32::MAX) {
        return Err(CommandError::Static(
            "ERR value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    usize::try_from(index).ok().filter(|&i| i < databases).ok_or(CommandError::DbIndexOutOfRange)
}

/// Whether `bytes` equals `word` ignoring ASCII case.
pub fn is(bytes: &[u8], word: &str) -> bool {
    bytes.eq_ignore_ascii_case(word.as_bytes())
}

/// Lowercase text of an argument (for option matching and messages).
pub fn lowercase(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_ascii_lowercase()
}
