//! Request parser: RESP multibulk (`*N\r\n$L\r\n...`) and inline commands, as Redis reads them.
//! Never recurses, never allocates from a client-announced count, and never panics on any input.
use super::error::ProtocolError;
use super::number::parse_i64;
use crate::limits;

/// Limits the parser enforces, read from the live settings for each batch.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    pub bulk_bytes_max: u64,
    pub authenticated: bool,
}

/// One parsed command: argument spans into either the read buffer (multibulk) or the parser's
/// scratch buffer (inline commands, whose escapes need unescaping).
#[derive(Debug, Default)]
pub struct Parser {
    spans: Vec<(usize, usize)>,
    scratch: Vec<u8>,
    inline: bool,
}

/// What one parse step found at the front of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A complete command of `consumed` bytes; read it with `Parser::args`.
    Command { consumed: usize },
    /// `consumed` bytes that hold no command (`*0`, `*-1`, an empty inline line).
    Nothing { consumed: usize },
    /// More bytes are needed; `needed` is a lower bound on the whole frame's size when known.
    Incomplete { needed: usize },
}

/// The arguments of one command, borrowed from the buffer they were parsed from.
#[derive(Clone, Copy)]
pub struct Args<'a> {
    base: &'a [u8],
    spans: &'a [(usize, usize)],
}

impl<'a> Args<'a> {
    /// Builds arguments over `base` from explicit spans (used by tests and by MULTI replay).
    pub fn new(base: &'a [u8], spans: &'a [(usize, usize)]) -> Self {
        Self { base, spans }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Argument `index`, or an empty slice past the end (callers check arity first).
    pub fn get(&self, index: usize) -> &'a [u8] {
        self.spans
            .get(index)
            .and_then(|&(start, len)| self.base.get(start..start + len))
            .unwrap_or(&[])
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Copies the arguments out, for work that outlives the read buffer.
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        self.iter().map(<[u8]>::to_vec).collect()
    }
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Arguments of the command the last `parse` returned, over the same `buffer`.
    pub fn args<'a>(&'a self, buffer: &'a [u8]) -> Args<'a> {
        let base = if self.inline { &self.scratch[..] } else { buffer };
        Args { base, spans: &self.spans }
    }

    /// Parses one request from the front of `buffer`.
    pub fn parse(&mut self, buffer: &[u8], limits: ParseLimits) -> Result<Parsed, ProtocolError> {
        self.spans.clear();
        match buffer.first() {
            None => Ok(Parsed::Incomplete { needed: 1 }),
            Some(b'*') => {
                self.inline = false;
                self.parse_multibulk(buffer, limits)
            }
            Some(_) => {
                self.inline = true;
                self.parse_inline(buffer)
            }
        }
    }

    fn parse_multibulk(
        &mut self,
        buffer: &[u8],
        limits: ParseLimits,
    ) -> Result<Parsed, ProtocolError> {
        let Some(line_end) = find_cr(buffer, 0) else {
            if buffer.len() > limits::HEADER_LINE_BYTES_MAX {
                return Err(ProtocolError::TooBigMultibulkCountString);
            }
            return Ok(Parsed::Incomplete { needed: buffer.len() + 1 });
        };
        let count = buffer
            .get(1..line_end)
            .and_then(parse_i64)
            .filter(|&n| n <= limits::MULTIBULK_COUNT_MAX)
            .ok_or(ProtocolError::InvalidMultibulkLength)?;
        if !limits.authenticated && count > limits::UNAUTHENTICATED_MULTIBULK_COUNT_MAX {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        // Redis skips the two bytes after '\r' without checking them.
        let mut position = line_end + 2;
        if position > buffer.len() {
            return Ok(Parsed::Incomplete { needed: position });
        }
        if count <= 0 {
            return Ok(Parsed::Nothing { consumed: position });
        }
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        self.spans.reserve(count.min(limits::ARGUMENTS_PREALLOCATED_MAX));
        for _ in 0..count {
            let Some(line_end) = find_cr(buffer, position) else {
                if buffer.len() - position > limits::HEADER_LINE_BYTES_MAX {
                    return Err(ProtocolError::TooBigBulkCountString);
                }
                return Ok(Parsed::Incomplete { needed: buffer.len() + 1 });
            };
            match buffer.get(position) {
                Some(b'$') => {}
                Some(&got) => return Err(ProtocolError::ExpectedDollar { got }),
                None => return Ok(Parsed::Incomplete { needed: position + 1 }),
            }
            let len = buffer
                .get(position + 1..line_end)
                .and_then(parse_i64)
                .filter(|&n| n >= 0 && n.unsigned_abs() <= limits.bulk_bytes_max)
                .ok_or(ProtocolError::InvalidBulkLength)?;
            if !limits.authenticated && len > limits::UNAUTHENTICATED_BULK_BYTES_MAX {
                return Err(ProtocolError::UnauthenticatedBulkLength);
            }
            let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidBulkLength)?;
            let start = line_end + 2;
            let end = start + len + 2;
            if end > buffer.len() {
                return Ok(Parsed::Incomplete { needed: end });
            }
            self.spans.push((start, len));
            position = end;
        }
        Ok(Parsed::Command { consumed: position })
    }

    fn parse_inline(&mut self, buffer: &[u8]) -> Result<Parsed, ProtocolError> {
        let Some(newline) = buffer.iter().position(|&b| b == b'\n') else {
            if buffer.len() > limits::INLINE_BYTES_MAX {
                return Err(ProtocolError::TooBigInlineRequest);
            }
            return Ok(Parsed::Incomplete { needed: buffer.len() + 1 });
        };
        let mut line = buffer.get(..newline).unwrap_or(&[]);
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        }
        // Redis splits the line as a C string: it ends at the first NUL byte.
        if let Some(nul) = line.iter().position(|&b| b == 0) {
            line = line.get(..nul).unwrap_or(&[]);
        }
        self.scratch.clear();
        split_inline(line, &mut self.scratch, &mut self.spans)?;
        if self.spans.is_empty() {
            return Ok(Parsed::Nothing { consumed: newline + 1 });
        }
        Ok(Parsed::Command { consumed: newline + 1 })
    }
}

fn find_cr(buffer: &[u8], from: usize) -> Option<usize> {
    let tail = buffer.get(from..)?;
    tail.iter().position(|&b| b == b'\r').map(|i| i + from)
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Splits an inline line as Redis's `sdssplitargs`, unescaping into `scratch`; each
/// argument is a (start, length) span of it. Also splits configuration file lines.
pub(crate) fn split_inline(
    line: &[u8],
    scratch: &mut Vec<u8>,
    spans: &mut Vec<(usize, usize)>,
) -> Result<(), ProtocolError> {
    let mut i = 0;
    loop {
        while line.get(i).is_some_and(|&b| is_c_space(b)) {
            i += 1;
        }
        if i >= line.len() {
            return Ok(());
        }
        let start = scratch.len();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let Some(&c) = line.get(i) else {
                if in_double || in_single {
                    return Err(ProtocolError::UnbalancedQuotes);
                }
                break;
            };
            let next = line.get(i + 1).copied();
            if in_double {
                if c == b'\\' && next == Some(b'x') {
                    let high = line.get(i + 2).copied().and_then(hex_value);
                    let low = line.get(i + 3).copied().and_then(hex_value);
                    if let (Some(high), Some(low)) = (high, low) {
                        scratch.push(high * 16 + low);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && next.is_some() {
                    let escaped = next.unwrap_or(b'\\');
                    scratch.push(match escaped {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                if c == b'"' {
                    if next.is_some_and(|b| !is_c_space(b)) {
                        return Err(ProtocolError::UnbalancedQuotes);
                    }
                    i += 1;
                    break;
                }
                scratch.push(c);
                i += 1;
            } else if in_single {
                if c == b'\\' && next == Some(b'\'') {
                    scratch.push(b'\'');
                    i += 2;
                    continue;
                }
                if c == b'\'' {
                    if next.is_some_and(|b| !is_c_space(b)) {
                        return Err(ProtocolError::UnbalancedQuotes);
                    }
                    i += 1;
                    break;
                }
                scratch.push(c);
                i += 1;
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' => break,
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    _ => scratch.push(c),
                }
                i += 1;
            }
        }
        spans.push((start, scratch.len() - start));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: ParseLimits =
        ParseLimits { bulk_bytes_max: 512 * 1024 * 1024, authenticated: true };

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut parser = Parser::new();
        let mut position = 0;
        let mut commands = Vec::new();
        loop {
            let rest = &input[position..];
            match parser.parse(rest, OPEN)? {
                Parsed::Command { consumed } => {
                    commands.push(parser.args(rest).to_vec());
                    position += consumed;
                }
                Parsed::Nothing { consumed } => position += consumed,
                Parsed::Incomplete { .. } => return Ok(commands),
            }
        }
    }

    fn words(list: &[&str]) -> Vec<Vec<u8>> {
        list.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn multibulk_pipeline() {
        let input = b"*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n";
        let commands = parse_all(input).unwrap();
        assert_eq!(commands, vec![words(&["PING"]), words(&["SET", "k", ""])]);
    }

    #[test]
    fn incomplete_at_every_split_point() {
        let input = b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n";
        for cut in 0..input.len() {
            let mut parser = Parser::new();
            let parsed = parser.parse(&input[..cut], OPEN).unwrap();
            assert!(matches!(parsed, Parsed::Incomplete { .. }), "cut {cut}: {parsed:?}");
        }
        assert_eq!(parse_all(input).unwrap(), vec![words(&["ECHO", "hello"])]);
    }

    #[test]
    fn empty_and_negative_counts_are_ignored() {
        assert_eq!(
            parse_all(b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n").unwrap(),
            vec![words(&["PING"])]
        );
    }

    #[test]
    fn protocol_errors_have_redis_texts() {
        let cases: &[(&[u8], &str)] = &[
            (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
            (b"*3000000000\r\n", "ERR Protocol error: invalid multibulk length"),
            (b"*1\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'"),
            (b"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"),
            (b"*1\r\n$600000000\r\n", "ERR Protocol error: invalid bulk length"),
            (b"set \"a\"b\n", "ERR Protocol error: unbalanced quotes in request"),
            (b"set \"abc\n", "ERR Protocol error: unbalanced quotes in request"),
        ];
        for (input, text) in cases {
            let error = parse_all(input).unwrap_err();
            assert_eq!(error.to_string(), *text, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn header_without_cr_is_bounded() {
        let mut input = b"*".to_vec();
        input.extend(std::iter::repeat_n(b'1', limits::HEADER_LINE_BYTES_MAX + 1));
        assert_eq!(parse_all(&input).unwrap_err(), ProtocolError::TooBigMultibulkCountString);
        let mut inline = Vec::new();
        inline.extend(std::iter::repeat_n(b'a', limits::INLINE_BYTES_MAX + 1));
        assert_eq!(parse_all(&inline).unwrap_err(), ProtocolError::TooBigInlineRequest);
    }

    #[test]
    fn unauthenticated_limits() {
        let closed = ParseLimits { authenticated: false, ..OPEN };
        let mut parser = Parser::new();
        assert_eq!(
            parser.parse(b"*11\r\n", closed).unwrap_err(),
            ProtocolError::UnauthenticatedMultibulkLength
        );
        assert_eq!(
            parser.parse(b"*1\r\n$16385\r\n", closed).unwrap_err(),
            ProtocolError::UnauthenticatedBulkLength
        );
    }

    #[test]
    fn inline_splitting_follows_sdssplitargs() {
        assert_eq!(
            parse_all(b"SET hello world\r\n").unwrap(),
            vec![words(&["SET", "hello", "world"])]
        );
        assert_eq!(
            parse_all(b"set k \"a\\x41\\n\" 'it\\'s'\n").unwrap(),
            vec![vec![b"set".to_vec(), b"k".to_vec(), b"aA\n".to_vec(), b"it's".to_vec()]]
        );
        assert_eq!(parse_all(b"   \r\n\n").unwrap(), Vec::<Vec<Vec<u8>>>::new());
        assert_eq!(parse_all(b"a\"b c\"d\n").unwrap_err(), ProtocolError::UnbalancedQuotes);
        assert_eq!(parse_all(b"echo \"\"\n").unwrap(), vec![words(&["echo", ""])]);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let len = rng.usize(0..64);
            let alphabet = b"*$\r\n0123456789-\"' \\xab";
            let input: Vec<u8> =
                (0..len)
                    .map(|_| {
                        if rng.bool() {
                            alphabet[rng.usize(0..alphabet.len())]
                        } else {
                            rng.u8(..)
                        }
                    })
                    .collect();
            let _ = parse_all(&input);
        }
    }
}
