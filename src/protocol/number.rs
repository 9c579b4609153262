//! Redis's number syntax and formatting: `string2ll`, `string2d`, and the double texts of
//! `d2string` (replies) and `ld2string` (INCRBYFLOAT). See REDIS-REPLIES.md sections 1 and 6.

/// Parses an integer exactly as Redis's `string2ll`: optional `-`, digits, no leading zeros
/// (except `0` itself), no `+`, no spaces, at most 20 bytes, within i64.
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    if bytes == b"0" {
        return Some(0);
    }
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let (&first, _) = digits.split_first()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let mut value: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        if value > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((value as i128).wrapping_neg() as i64)
    } else {
        i64::try_from(value).ok()
    }
}

/// Parses a float as Redis's `string2d`/`strtod` over the whole string: accepts `1e3`, `+1.5`,
/// `inf`, `-infinity`; refuses NaN, leading or trailing spaces, and empty input.
pub fn parse_f64(bytes: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(bytes).ok()?;
    let first = text.bytes().next()?;
    if first.is_ascii_whitespace() || text.bytes().last()?.is_ascii_whitespace() {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    // One sign at most, as strtod reads one: `--inf` is not a number.
    let unsigned = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    if unsigned.starts_with("nan") {
        return None;
    }
    if unsigned == "inf" || unsigned == "infinity" {
        return Some(if lower.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    if lower.starts_with("0x") || lower.starts_with("-0x") || lower.starts_with("+0x") {
        // A score or weight is never NaN, whatever the text (Redis's zsetAdd refuses one too).
        return parse_hex_float(&lower).filter(|value| !value.is_nan());
    }
    // Rust accepts "inf"/"nan" spellings we handled above, and nothing strtod refuses except
    // a lone "." or "e5", which Rust refuses too.
    let value: f64 = lower.parse().ok()?;
    if value.is_nan() {
        return None;
    }
    if value.is_infinite() {
        return None; // strtod overflow: ERANGE, which Redis refuses
    }
    if value == 0.0 {
        // strtod underflow to zero (ERANGE with a zero result) is refused too, as in Redis's
        // string2d: a zero from digits that are not all zero.
        let mantissa = lower.split(['e']).next().unwrap_or("");
        if mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            return None;
        }
    }
    Some(value)
}

/// A C99 hex float (`0x1.8p3`), as strtod reads it for Redis. The mantissa keeps its first 15
/// significant hex digits (60 bits, more than a double holds) and the rest only moves the
/// exponent, so no intermediate is ever infinite: `0x0p1024` is 0 (not 0 x inf = NaN), and a
/// long mantissa times a tiny power of two is what it says. A nonzero digit past those 15
/// sets the lowest kept bit, so a mantissa just above a halfway point rounds up as strtod's
/// does. An exponent too large for any double saturates (`0x0p99999999999` is 0). As
/// string2d, an overflow to infinity and an underflow to zero from a nonzero mantissa are
/// refused.
fn parse_hex_float(lower: &str) -> Option<f64> {
    /// Significant hex digits kept: 60 bits, above a double's 53.
    const DIGITS_KEPT: u32 = 15;
    let (negative, rest) = match lower.as_bytes().first() {
        Some(b'-') => (true, &lower[1..]),
        Some(b'+') => (false, &lower[1..]),
        _ => (false, lower),
    };
    let rest = rest.strip_prefix("0x")?;
    let (mantissa, exponent) = match rest.split_once('p') {
        Some((m, e)) => (m, parse_binary_exponent(e)?),
        None => (rest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut digits = 0u64;
    let mut kept = 0u32;
    let mut sticky = false;
    let mut exponent = exponent;
    for (c, fractional) in
        int_part.chars().map(|c| (c, false)).chain(frac_part.chars().map(|c| (c, true)))
    {
        let digit = u64::from(c.to_digit(16)?);
        if kept < DIGITS_KEPT && (kept > 0 || digit != 0) {
            digits = digits * 16 + digit;
            kept += 1;
            if fractional {
                exponent -= 4;
            }
        } else if kept >= DIGITS_KEPT {
            sticky |= digit != 0;
            if !fractional {
                exponent += 4; // an integer digit past the precision kept
            }
        } else if kept == 0 && fractional {
            exponent -= 4; // a leading zero after the point
        }
    }
    if digits == 0 {
        return Some(if negative { -0.0 } else { 0.0 });
    }
    // 57 or more bits are kept: bit 0 is below a double's rounding point, and only breaks a tie.
    let digits = digits | u64::from(sticky);
    let value = scale_by_power_of_two(digits as f64, exponent);
    if value.is_infinite() || value == 0.0 {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// A hex float's binary exponent (`p` and after): an optional sign and decimal digits,
/// saturated far beyond any double's range.
fn parse_binary_exponent(text: &str) -> Option<i64> {
    const SATURATED: i64 = 1 << 31;
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.parse::<i64>().unwrap_or(SATURATED).min(SATURATED);
    Some(if negative { -magnitude } else { magnitude })
}

/// `value` x 2^`exponent` in steps that stay finite and nonzero until the true result is not
/// (C's ldexp).
pub fn scale_by_power_of_two(mut value: f64, mut exponent: i64) -> f64 {
    const STEP: i64 = 1000;
    while exponent != 0 && value != 0.0 && value.is_finite() {
        let step = exponent.clamp(-STEP, STEP);
        value *= 2f64.powi(i32::try_from(step).unwrap_or(0));
        exponent -= step;
    }
    value
}

/// Appends Redis's `d2string` text for a double reply.
pub fn format_double(value: f64, out: &mut Vec<u8>) {
    if value.is_nan() {
        out.extend_from_slice(b"nan");
    } else if value.is_infinite() {
        out.extend_from_slice(if value > 0.0 { b"inf" } else { b"-inf" });
    } else if value == 0.0 {
        out.extend_from_slice(if value.is_sign_negative() { b"-0" } else { b"0" });
    } else if value.fract() == 0.0 && value.abs() <= (1u64 << 62) as f64 {
        let mut buffer = itoa::Buffer::new();
        out.extend_from_slice(buffer.format(value as i64).as_bytes());
    } else {
        format_shortest(value, out);
    }
}

/// Shortest round-trip digits laid out as fpconv's `emit_digits` does.
fn format_shortest(value: f64, out: &mut Vec<u8>) {
    // On the stack: a reply of scores (ZRANGE WITHSCORES) formats one per member, and two
    // heap allocations made a fractional score cost about 7x an integral one. Rust's `{:e}`
    // is the shortest round-trip form: at most 17 digits, a dot and `e-324`.
    use std::io::Write as _;
    let mut text = [0u8; 40];
    let written = {
        let mut cursor = std::io::Cursor::new(&mut text[..]);
        let _ = write!(cursor, "{:e}", value.abs());
        usize::try_from(cursor.position()).unwrap_or(0)
    };
    let scientific = text.get(..written).unwrap_or_default();
    let (mantissa, exponent) = match scientific.iter().position(|&b| b == b'e') {
        Some(at) => (&scientific[..at], &scientific[at + 1..]),
        None => (scientific, &b"0"[..]),
    };
    let exponent: i32 =
        std::str::from_utf8(exponent).ok().and_then(|e| e.parse().ok()).unwrap_or(0);
    let mut digit_buffer = [0u8; 40];
    let mut count = 0;
    for (slot, &digit) in
        digit_buffer.iter_mut().zip(mantissa.iter().filter(|b| b.is_ascii_digit()))
    {
        *slot = digit;
        count += 1;
    }
    let digits = &digit_buffer[..count];
    let ndigits = i32::try_from(digits.len()).unwrap_or(1);
    let k = exponent - (ndigits - 1);
    let abs_exp = (k + ndigits - 1).abs();
    if value < 0.0 {
        out.push(b'-');
    }
    if k >= 0 && abs_exp < ndigits + 7 {
        out.extend_from_slice(digits);
        out.extend(std::iter::repeat_n(b'0', k.unsigned_abs() as usize));
        return;
    }
    if k < 0 && (k > -7 || abs_exp < 4) {
        let offset = ndigits - k.abs();
        if offset <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', offset.unsigned_abs() as usize));
            out.extend_from_slice(digits);
        } else {
            let (head, tail) = digits.split_at(offset.unsigned_abs() as usize);
            out.extend_from_slice(head);
            out.push(b'.');
            out.extend_from_slice(tail);
        }
        return;
    }
    let keep = digits.len().min(if value < 0.0 { 17 } else { 18 });
    let (first, rest) = digits.split_at(1.min(keep));
    out.extend_from_slice(first);
    if keep > 1 {
        out.push(b'.');
        out.extend_from_slice(rest.get(..keep - 1).unwrap_or(rest));
    }
    out.push(b'e');
    out.push(if k + ndigits - 1 < 0 { b'-' } else { b'+' });
    let mut buffer = itoa::Buffer::new();
    out.extend_from_slice(buffer.format(abs_exp).as_bytes());
}

/// Redis's `ld2string` in human mode, as INCRBYFLOAT stores and replies its result: fixed
/// point with at most 17 decimals, trailing zeros and a trailing dot removed, `-0` as `0`.
/// Redis computes in 80-bit long double; we compute in f64 and print the shortest round-trip
/// digits, which gives the same text for every value a human typically writes.
pub fn format_human_float(value: f64) -> String {
    let mut text = format!("{value}");
    if let Some((_, decimals)) = text.split_once('.') {
        if decimals.len() > 17 {
            text = format!("{value:.17}");
        }
    }
    trim_human(text)
}

/// `ld2string`'s human-mode finish: trailing zeros after a dot and a trailing dot cut, `-0`
/// written `0`.
fn trim_human(mut text: String) -> String {
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    if text == "-0" {
        text = "0".to_string();
    }
    text
}

/// Redis's `ld2string` in human mode for a value that is exactly a double, as GEOPOS and
/// WITHCOORD reply coordinates: the exact binary value printed with 17 decimals (`%.17Lf`),
/// trailing zeros and a trailing dot removed, `-0` as `0`. Unlike `format_human_float`, which
/// prints the shortest text that reads back as the same double, every one of the 17 decimals
/// is the value's own (`13.36138933897018433`, not `13.361389338970184`).
pub fn format_exact_human_float(value: f64) -> String {
    trim_human(format!("{value:.17}"))
}

/// Redis's `fixedpoint_d2string` with 4 decimals, as GEODIST and WITHDIST reply distances:
/// the value times 10,000 rounded to the nearest integer (ties to even), then printed with
/// the decimal point 4 digits from the right.
pub fn format_fixed_point_4(value: f64) -> String {
    const SCALE: u64 = 10_000;
    if value == 0.0 {
        return "0.0000".to_string();
    }
    // Saturating; distances are at most about 2e7 m (4e11 after scaling, far below 2^63).
    let scaled = (value * SCALE as f64).round_ties_even() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let magnitude = scaled.unsigned_abs();
    format!("{sign}{}.{:04}", magnitude / SCALE, magnitude % SCALE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(v: f64) -> String {
        let mut out = Vec::new();
        format_double(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    /// Cases where strtod and an earlier parser disagreed (found by differential testing
    /// against redis-server).
    #[test]
    fn floats_follow_strtod_at_the_edges() {
        for text in ["--inf", "+-inf", "-+inf", "++inf", "--Infinity", "--1", "+-0x1p1"] {
            assert_eq!(parse_f64(text.as_bytes()), None, "{text}");
        }
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"+Infinity"), Some(f64::INFINITY));
        // Past 15 hex digits a nonzero digit still rounds a halfway mantissa up.
        assert_eq!(parse_f64(b"-0x1.0e000000000008000001p7"), Some(-135.00000000000003));
        assert_eq!(parse_f64(b"-0x1.0e000000000008000000p7"), Some(-135.0));
        assert_eq!(parse_f64(b"0x0p99999999999"), Some(0.0));
        assert_eq!(parse_f64(b"0x0p-99999999999"), Some(0.0));
        assert_eq!(parse_f64(b"0x1p99999999999"), None);
        assert_eq!(parse_f64(b"0x1p-99999999999"), None);
        assert_eq!(parse_f64(b"0x1p"), None);
        assert_eq!(parse_f64(b"0x1p+3"), Some(8.0));
    }

    #[test]
    fn integers_follow_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"01"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b" 1"), None);
        assert_eq!(parse_i64(b"-0"), None);
        assert_eq!(parse_i64(b"-"), None);
        assert_eq!(parse_i64(b""), None);
        assert_eq!(parse_i64(b"1a"), None);
    }

    #[test]
    fn floats_follow_strtod() {
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
        assert_eq!(parse_f64(b"+1.5"), Some(1.5));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b".5"), Some(0.5));
        assert_eq!(parse_f64(b"0x10"), Some(16.0));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"1 "), None);
        assert_eq!(parse_f64(b"1e400"), None);
        assert_eq!(parse_f64(b"1e-400"), None);
        assert_eq!(parse_f64(b"0e-400"), Some(0.0));
        assert_eq!(parse_f64(b"-0.0"), Some(-0.0));
        assert!(parse_f64(b"1e-310").is_some_and(|v| v > 0.0));
        assert_eq!(parse_f64(b"abc"), None);
    }

    #[test]
    fn hex_floats_never_make_nan() {
        assert_eq!(parse_f64(b"0x1.8p3"), Some(12.0));
        assert_eq!(parse_f64(b"0x.8"), Some(0.5));
        assert_eq!(parse_f64(b"0x0.01"), Some(1.0 / 256.0));
        assert_eq!(parse_f64(b"-0x1p-2"), Some(-0.25));
        // 0 x 2^1024 is 0 for strtod; computed as 0 x inf it was NaN (found in review).
        assert_eq!(parse_f64(b"0x0p1024").map(f64::to_bits), Some(0f64.to_bits()));
        assert_eq!(parse_f64(b"-0x0p1024").map(f64::to_bits), Some((-0f64).to_bits()));
        // A mantissa past f64's range times a tiny power: 16^256 x 2^-2000 = 2^-976.
        let long = format!("0x1{}p-2000", "0".repeat(256));
        assert_eq!(parse_f64(long.as_bytes()), Some(2f64.powi(-976)));
        let long_fraction = format!("0x0.{}1p4000", "0".repeat(900));
        assert_eq!(parse_f64(long_fraction.as_bytes()), Some(2f64.powi(396))); // 16^-901 x 2^4000
        assert_eq!(parse_f64(b"0x1p1024"), None); // overflow, ERANGE
        assert_eq!(parse_f64(b"0x1p-1100"), None); // underflow to zero, ERANGE
        assert_eq!(parse_f64(b"0x1p1023"), Some(2f64.powi(1023)));
        for text in ["0x0p1024", "0x1p-2000", "0xffffffffffffffffffffp99999", "-0x.0p-99999"] {
            assert!(!parse_f64(text.as_bytes()).is_some_and(f64::is_nan), "{text}");
        }
    }

    #[test]
    fn doubles_match_d2string() {
        assert_eq!(double(3.0), "3");
        assert_eq!(double(1.5), "1.5");
        assert_eq!(double(0.1), "0.1");
        assert_eq!(double(-0.0), "-0");
        assert_eq!(double(f64::INFINITY), "inf");
        assert_eq!(double(1e18), "1000000000000000000");
        assert_eq!(double(0.000025), "0.000025");
        assert_eq!(double(1e-7), "1e-7");
        assert_eq!(double(1.23e-8), "1.23e-8");
        assert_eq!(double(1e19), "1e+19");
        assert_eq!(double(12345678901234567000.0), "12345678901234567000");
        assert_eq!(double(1e21), "1e+21");
        assert_eq!(double(1.5e300), "1.5e+300");
        assert_eq!(double(5e-324), "5e-324");
        assert_eq!(double(0.001234567891), "0.001234567891");
        assert_eq!(double(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(double(-2.5), "-2.5");
    }

    /// The shortest form reads back as the same double, whatever the magnitude.
    #[test]
    fn doubles_round_trip() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..200_000 {
            let value = f64::from_bits(rng.u64(..));
            if !value.is_finite() {
                continue;
            }
            let text = double(value);
            assert_eq!(text.parse::<f64>().map(f64::to_bits), Ok(value.to_bits()), "{text}");
        }
    }

    #[test]
    fn human_floats_match_ld2string() {
        assert_eq!(format_human_float(10.5 + 0.1), "10.6");
        assert_eq!(format_human_float(5200.0), "5200");
        assert_eq!(format_human_float(4.5), "4.5");
        assert_eq!(format_human_float(1e20), "100000000000000000000");
        assert_eq!(format_human_float(1e-20), "0");
        assert_eq!(format_human_float(-0.0), "0");
        assert_eq!(format_exact_human_float(13.361389338970184), "13.36138933897018433");
        assert_eq!(format_exact_human_float(-0.0), "0");
        assert_eq!(format_exact_human_float(2.5), "2.5");
        assert_eq!(format_exact_human_float(180.0), "180");
        assert_eq!(format_fixed_point_4(0.0), "0.0000");
        assert_eq!(format_fixed_point_4(166274.15156960033), "166274.1516");
        assert_eq!(format_fixed_point_4(0.00004), "0.0000");
        assert_eq!(format_fixed_point_4(12.5), "12.5000");
    }
}
