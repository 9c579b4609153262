//! Redis glob patterns (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes), as KEYS, SCAN MATCH and
//! PSUBSCRIBE use them. Iterative with single-star backtracking: O(pattern x text) at worst,
//! never recursive, so a hostile pattern costs bounded time per key.

/// Whether `text` matches `pattern`; `nocase` compares ASCII letters without case.
pub fn matches(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    // Redis's stringmatchlen compares while both have bytes left, so an empty text matches
    // only an empty pattern: not even `*` (KEYS, SCAN and the other SCANs list everything
    // for a bare `*` before any matching, as Redis does), nor `**`.
    if text.is_empty() {
        return pattern.is_empty();
    }
    let eq = |a: u8, b: u8| if nocase { a.eq_ignore_ascii_case(&b) } else { a == b };
    let (mut p, mut t) = (0usize, 0usize);
    // Where to resume after the last '*': (pattern index after the star, text index).
    let mut resume: Option<(usize, usize)> = None;
    // Star groups passed (a trailing one aside): Redis's matcher recurses at each and gives
    // up past GLOB_STAR_NESTING_MAX (CVE-2022-36021), so such a pattern matches nothing.
    let mut stars = 0usize;
    loop {
        if let Some(&c) = pattern.get(p) {
            match c {
                b'*' => {
                    while pattern.get(p) == Some(&b'*') {
                        p += 1;
                    }
                    if p == pattern.len() {
                        return true;
                    }
                    stars += 1;
                    if stars > crate::limits::GLOB_STAR_NESTING_MAX {
                        return false;
                    }
                    resume = Some((p, t));
                    continue;
                }
                _ if t < text.len() => {
                    if let Some(next_p) = match_one(pattern, p, text[t], eq) {
                        p = next_p;
                        t += 1;
                        continue;
                    }
                }
                _ => {}
            }
        } else if t == text.len() {
            return true;
        }
        // Mismatch: let the last star swallow one more byte, or fail.
        match resume {
            Some((star_p, star_t)) if star_t < text.len() => {
                resume = Some((star_p, star_t + 1));
                p = star_p;
                t = star_t + 1;
            }
            _ => return false,
        }
    }
}

/// Matches one text byte against the pattern element at `p` (not a star); returns the index
/// after that element on success.
fn match_one(pattern: &[u8], p: usize, byte: u8, eq: impl Fn(u8, u8) -> bool) -> Option<usize> {
    match pattern.get(p)? {
        b'?' => Some(p + 1),
        b'[' => match_class(pattern, p + 1, byte, eq),
        b'\\' if p + 1 < pattern.len() => eq(pattern[p + 1], byte).then_some(p + 2),
        &c => eq(c, byte).then_some(p + 1),
    }
}

/// A `[...]` class starting after the `[`; an unterminated class runs to the pattern's end,
/// as in Redis.
fn match_class(
    pattern: &[u8],
    mut p: usize,
    byte: u8,
    eq: impl Fn(u8, u8) -> bool,
) -> Option<usize> {
    let negate = pattern.get(p) == Some(&b'^');
    if negate {
        p += 1;
    }
    let mut matched = false;
    loop {
        match pattern.get(p) {
            None => break,
            Some(b']') => {
                p += 1;
                break;
            }
            Some(b'\\') if p + 1 < pattern.len() => {
                if eq(pattern[p + 1], byte) {
                    matched = true;
                }
                p += 2;
            }
            Some(&start) if pattern.get(p + 1) == Some(&b'-') && p + 2 < pattern.len() => {
                let end = pattern[p + 2];
                let (low, high) = if start <= end { (start, end) } else { (end, start) };
                let (low, high, b) = if pattern_nocase_fold(&eq) {
                    (low.to_ascii_lowercase(), high.to_ascii_lowercase(), byte.to_ascii_lowercase())
                } else {
                    (low, high, byte)
                };
                if (low..=high).contains(&b) {
                    matched = true;
                }
                p += 3;
            }
            Some(&c) => {
                if eq(c, byte) {
                    matched = true;
                }
                p += 1;
            }
        }
    }
    (matched != negate).then_some(p)
}

fn pattern_nocase_fold(eq: &impl Fn(u8, u8) -> bool) -> bool {
    eq(b'a', b'A')
}

#[cfg(test)]
mod tests {
    use super::matches;
    use crate::limits::GLOB_STAR_NESTING_MAX as STAR_NESTING_MAX;

    #[test]
    fn more_star_groups_than_redis_allows_match_nothing() {
        let text = "a".repeat(STAR_NESTING_MAX + 1);
        let at_limit = "*a".repeat(STAR_NESTING_MAX);
        assert!(matches(at_limit.as_bytes(), text.as_bytes(), false));
        let over = "*a".repeat(STAR_NESTING_MAX + 1);
        assert!(!matches(over.as_bytes(), text.as_bytes(), false));
        // A trailing star group is no recursion in Redis either.
        let trailing = format!("{at_limit}*");
        assert!(matches(trailing.as_bytes(), text.as_bytes(), false));
    }

    #[test]
    fn redis_glob_cases() {
        let yes: &[(&str, &str)] = &[
            ("", ""),
            ("*", "abc"),
            ("a*", "a"),
            ("a**", "a"),
            ("h?llo", "hello"),
            ("h*llo", "heeeello"),
            ("h[ae]llo", "hallo"),
            ("h[^e]llo", "hallo"),
            ("h[a-b]llo", "hbllo"),
            ("h\\*llo", "h*llo"),
            ("*o", "hello"),
            ("a*b*c", "aXXbYYc"),
            ("[b-a]", "a"),
            ("user:*:name", "user:42:name"),
        ];
        let no: &[(&str, &str)] = &[
            ("h?llo", "hllo"),
            ("h[ae]llo", "hillo"),
            ("h[^e]llo", "hello"),
            ("a*b", "acd"),
            ("\\*", "a"),
            ("abc", "abcd"),
            ("", "a"),
            // Redis's stringmatchlen: an empty text matches only an empty pattern.
            ("*", ""),
            ("**", ""),
            ("?", ""),
        ];
        for (p, t) in yes {
            assert!(matches(p.as_bytes(), t.as_bytes(), false), "{p} should match {t}");
        }
        for (p, t) in no {
            assert!(!matches(p.as_bytes(), t.as_bytes(), false), "{p} should not match {t}");
        }
        assert!(matches(b"HELLO", b"hello", true));
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let pattern = "a*".repeat(50) + "b";
        let text = "a".repeat(10_000);
        assert!(!matches(pattern.as_bytes(), text.as_bytes(), false));
    }
}
