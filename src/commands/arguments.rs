//! Argument parsing shared by the families: integers, floats, options, with Redis's texts.
use std::time::Duration;

use super::errors::CommandError;
use crate::protocol::number::{parse_f64, parse_i64};

/// An integer argument (`ERR value is not an integer or out of range` otherwise).
pub fn integer(bytes: &[u8]) -> Result<i64, CommandError> {
    parse_i64(bytes).ok_or(CommandError::NotInteger)
}

/// A non-negative integer argument, with one error text for a negative value and for one that
/// is no integer at all, as Redis's `getPositiveLongFromObjectOrReply` with a message gives
/// (LPOS COUNT and MAXLEN, SINTERCARD and ZINTERCARD LIMIT).
pub fn non_negative(bytes: &[u8], error: &'static str) -> Result<i64, CommandError> {
    parse_i64(bytes).filter(|n| *n >= 0).ok_or(CommandError::Static(error))
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

/// A blocking command's timeout in seconds (a float; 0 blocks for ever), with Redis's texts
/// (`getTimeoutFromObjectOrReply`): BLPOP and the other blocking list pops, BZPOPMIN, BZMPOP.
///
/// Redis reads it as a C `long double`, whose range (about 1e±4932) is far wider than f64's:
/// `1e400` is a number there (out of range in milliseconds), `1e-400` a timeout of 1 ms and
/// `-1e-400` no timeout at all, where f64 would refuse all three as overflows.
pub fn timeout(bytes: &[u8], now_ms: u64) -> Result<Option<Duration>, CommandError> {
    use super::strings::long_double::{self, Parsed};
    let not_float = CommandError::Static("ERR timeout is not a float or out of range");
    let (seconds, positive) = match long_double::parse(bytes).ok_or(not_float)? {
        Parsed::Finite(value) => (value.to_f64(), !value.is_negative() && !value.is_zero()),
        Parsed::Infinite if bytes.first() == Some(&b'-') => (f64::NEG_INFINITY, false),
        Parsed::Infinite => (f64::INFINITY, true),
    };
    let ms = seconds * 1000.0;
    let out_of_range = CommandError::Static("ERR timeout is out of range");
    if ms > i64::MAX as f64 {
        return Err(out_of_range);
    }
    // `ceill` of a positive value too small for f64 is still 1.
    let ms = if positive { ms.ceil().max(1.0) } else { ms.ceil() };
    if ms < 0.0 {
        return Err(CommandError::Static("ERR timeout is negative"));
    }
    // In range: 0 <= ms <= i64::MAX.
    let ms = ms as u64;
    if ms == 0 {
        return Ok(None);
    }
    if ms > (i64::MAX as u64).saturating_sub(now_ms) {
        return Err(out_of_range);
    }
    Ok(Some(Duration::from_millis(ms)))
}

/// A WAIT or WAITAOF timeout in milliseconds (an integer; 0 blocks for ever), with Redis
/// 7.2's texts (`getTimeoutFromObjectOrReply` in milliseconds).
pub fn timeout_ms(bytes: &[u8], now_ms: u64) -> Result<Option<Duration>, CommandError> {
    let ms = parse_i64(bytes)
        .ok_or(CommandError::Static("ERR timeout is not an integer or out of range"))?;
    let Ok(ms) = u64::try_from(ms) else {
        return Err(CommandError::Static("ERR timeout is negative"));
    };
    if ms == 0 {
        return Ok(None);
    }
    // Redis adds the timeout to the current time and refuses what would overflow.
    if ms > (i64::MAX as u64).saturating_sub(now_ms) {
        return Err(CommandError::Static("ERR timeout is out of range"));
    }
    Ok(Some(Duration::from_millis(ms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millisecond_timeouts_parse_like_redis() {
        let now = 1_700_000_000_000;
        assert_eq!(timeout_ms(b"0", now), Ok(None));
        assert_eq!(timeout_ms(b"1500", now), Ok(Some(Duration::from_millis(1500))));
        let text = |r: Result<Option<Duration>, CommandError>| r.unwrap_err().to_string();
        assert_eq!(text(timeout_ms(b"-1", now)), "ERR timeout is negative");
        assert_eq!(text(timeout_ms(b"1.5", now)), "ERR timeout is not an integer or out of range");
        assert_eq!(
            text(timeout_ms(b"9223372036854775808", now)),
            "ERR timeout is not an integer or out of range"
        );
        assert_eq!(text(timeout_ms(b"9223372036854775807", now)), "ERR timeout is out of range");
    }

    #[test]
    fn timeouts_parse_like_redis() {
        let now = 1_700_000_000_000;
        assert_eq!(timeout(b"0", now), Ok(None));
        assert_eq!(timeout(b"0.0001", now), Ok(Some(Duration::from_millis(1))));
        assert_eq!(timeout(b"1.5", now), Ok(Some(Duration::from_millis(1500))));
        let text = |r: Result<Option<Duration>, CommandError>| r.unwrap_err().to_string();
        assert_eq!(text(timeout(b"-1", now)), "ERR timeout is negative");
        assert_eq!(text(timeout(b"-inf", now)), "ERR timeout is negative");
        assert_eq!(text(timeout(b"inf", now)), "ERR timeout is out of range");
        assert_eq!(text(timeout(b"1e20", now)), "ERR timeout is out of range");
        assert_eq!(text(timeout(b"abc", now)), "ERR timeout is not a float or out of range");
        assert_eq!(text(timeout(b"nan", now)), "ERR timeout is not a float or out of range");
        // Within a long double's range, outside f64's (Redis 7.2's getTimeoutFromObjectOrReply).
        assert_eq!(text(timeout(b"1e400", now)), "ERR timeout is out of range");
        assert_eq!(text(timeout(b"1e4000", now)), "ERR timeout is out of range");
        assert_eq!(text(timeout(b"-1e400", now)), "ERR timeout is negative");
        assert_eq!(timeout(b"1e-400", now), Ok(Some(Duration::from_millis(1))));
        assert_eq!(timeout(b"1e-310", now), Ok(Some(Duration::from_millis(1))));
        assert_eq!(timeout(b"-1e-400", now), Ok(None));
        assert_eq!(timeout(b"-0.0001", now), Ok(None));
        assert_eq!(timeout(b"0x1p-3", now), Ok(Some(Duration::from_millis(125))));
        // Beyond it, or no number: strtold's overflow and underflow are refused.
        assert_eq!(text(timeout(b"1e5000", now)), "ERR timeout is not a float or out of range");
        assert_eq!(text(timeout(b"1e-5000", now)), "ERR timeout is not a float or out of range");
        assert_eq!(text(timeout(b" 1", now)), "ERR timeout is not a float or out of range");
        assert_eq!(text(timeout(b"1 ", now)), "ERR timeout is not a float or out of range");
    }
}
