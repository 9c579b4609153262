//! Reply encoding into a connection's output buffer, in RESP2 or RESP3.
//! The only place that writes `-...\r\n` error lines (CR/LF in error texts become spaces).
use super::number::format_double;

/// The protocol a connection speaks (HELLO switches it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Resp2,
    Resp3,
}

impl Protocol {
    pub fn number(self) -> i64 {
        match self {
            Self::Resp2 => 2,
            Self::Resp3 => 3,
        }
    }
}

/// Appends replies to a byte buffer. Aggregate headers are written first and their elements
/// after, so callers must know counts up front (or use `defer_len`).
#[derive(Debug)]
pub struct ReplyWriter {
    pub out: Vec<u8>,
    pub protocol: Protocol,
    /// Replies are discarded (CLIENT REPLY OFF/SKIP) while this is set.
    pub muted: bool,
    /// The length of `out` at which the client is over its hard output buffer limit (and
    /// will be closed, its replies discarded); 0 means no bound. See `is_over_limit`.
    output_limit_bytes: usize,
}

impl ReplyWriter {
    pub fn new(protocol: Protocol) -> Self {
        Self { out: Vec::with_capacity(16 * 1024), protocol, muted: false, output_limit_bytes: 0 }
    }

    /// Sets the length of `out` at which the client is over its hard output buffer limit
    /// (`OutputLimit::hard_reply_bytes`); 0 means no bound. The connection sets it before
    /// each command, from the client's class of `client-output-buffer-limit`.
    pub fn set_output_limit(&mut self, bytes: usize) {
        self.output_limit_bytes = bytes;
    }

    /// Whether the pending replies reached the client's hard output buffer limit. The
    /// connection then closes the client without writing them (Redis flags it close-ASAP and
    /// drops further replies), so a reply whose length a client chose (SRANDMEMBER with a
    /// negative count) may stop here, cut short: those bytes never reach the socket.
    pub fn is_over_limit(&self) -> bool {
        self.output_limit_bytes != 0 && self.out.len() >= self.output_limit_bytes
    }

    /// Whether a reply whose length the client chose should stop: over the output limit, or
    /// muted (CLIENT REPLY OFF/SKIP), where everything written is discarded anyway and Redis
    /// builds nothing.
    pub fn stops_streaming(&self) -> bool {
        self.muted || self.is_over_limit()
    }

    pub fn is_resp3(&self) -> bool {
        self.protocol == Protocol::Resp3
    }

    fn header(&mut self, prefix: u8, n: i64) {
        self.out.push(prefix);
        let mut buffer = itoa::Buffer::new();
        self.out.extend_from_slice(buffer.format(n).as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    /// `prefix`, `n`'s digits and CRLF. Every bulk string and aggregate starts with one, so
    /// this is the writer's hottest path: lengths under 100 (most values, most aggregates)
    /// are one fixed-size copy (`cargo bench --bench writer`, array-100-short-bulks).
    #[inline]
    fn header_usize(&mut self, prefix: u8, n: usize) {
        if n < 10 {
            self.out.extend_from_slice(&[prefix, b'0' + n as u8, b'\r', b'\n']);
        } else if n < 100 {
            let (tens, ones) = (b'0' + (n / 10) as u8, b'0' + (n % 10) as u8);
            self.out.extend_from_slice(&[prefix, tens, ones, b'\r', b'\n']);
        } else {
            self.out.push(prefix);
            let mut buffer = itoa::Buffer::new();
            self.out.extend_from_slice(buffer.format(n).as_bytes());
            self.out.extend_from_slice(b"\r\n");
        }
    }

    /// `+text`: the text must not contain CR or LF (callers pass fixed texts).
    pub fn simple(&mut self, text: &str) {
        self.out.push(b'+');
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn ok(&mut self) {
        self.out.extend_from_slice(b"+OK\r\n");
    }

    /// `-text`: a full error text (with its code, e.g. `ERR ...`); CR and LF become spaces.
    pub fn error(&mut self, text: &str) {
        self.out.push(b'-');
        let trimmed = text.trim_matches(['\r', '\n']);
        self.out.extend(trimmed.bytes().map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }));
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn integer(&mut self, n: i64) {
        match n {
            0 => self.out.extend_from_slice(b":0\r\n"),
            1 => self.out.extend_from_slice(b":1\r\n"),
            _ => self.header(b':', n),
        }
    }

    #[inline]
    pub fn bulk(&mut self, bytes: &[u8]) {
        // One capacity check for the whole element instead of one per piece.
        self.out.reserve(bytes.len() + 25);
        self.header_usize(b'$', bytes.len());
        self.out.extend_from_slice(bytes);
        self.out.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding an integer's decimal text.
    pub fn bulk_integer(&mut self, n: i64) {
        let mut buffer = itoa::Buffer::new();
        self.bulk(buffer.format(n).as_bytes());
    }

    /// Null: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        match self.protocol {
            Protocol::Resp2 => self.out.extend_from_slice(b"$-1\r\n"),
            Protocol::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    /// Null array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        match self.protocol {
            Protocol::Resp2 => self.out.extend_from_slice(b"*-1\r\n"),
            Protocol::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    pub fn array(&mut self, len: usize) {
        self.header_usize(b'*', len);
    }

    /// A map of `pairs` pairs: `%N` in RESP3, `*2N` in RESP2.
    pub fn map(&mut self, pairs: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header_usize(b'*', pairs * 2),
            Protocol::Resp3 => self.header_usize(b'%', pairs),
        }
    }

    /// A set: `~N` in RESP3, `*N` in RESP2.
    pub fn set(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header_usize(b'*', len),
            Protocol::Resp3 => self.header_usize(b'~', len),
        }
    }

    /// A push frame: `>N` in RESP3, `*N` in RESP2.
    pub fn push(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp2 => self.header_usize(b'*', len),
            Protocol::Resp3 => self.header_usize(b'>', len),
        }
    }

    /// A double: `,text` in RESP3, a bulk string in RESP2; text as Redis's `d2string`.
    pub fn double(&mut self, value: f64) {
        let mut text = Vec::with_capacity(24);
        format_double(value, &mut text);
        self.bulk_or_typed_line(b',', &text);
    }

    /// `text` as a bulk string in RESP2, as a RESP3 line of type `prefix` (`,` a double, `(`
    /// a big number).
    fn bulk_or_typed_line(&mut self, prefix: u8, text: &[u8]) {
        match self.protocol {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.out.push(prefix);
                self.out.extend_from_slice(text);
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A double as Redis's `addReplyHumanLongDouble` writes it (GEOPOS, WITHCOORD): all 17
    /// decimals of its exact value, trailing zeros cut (`format_exact_human_float`); `,text`
    /// in RESP3, a bulk string in RESP2.
    pub fn exact_human_double(&mut self, value: f64) {
        let text = crate::protocol::number::format_exact_human_float(value);
        self.bulk_or_typed_line(b',', text.as_bytes());
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn boolean(&mut self, value: bool) {
        match self.protocol {
            Protocol::Resp2 => self.integer(i64::from(value)),
            Protocol::Resp3 => {
                self.out.extend_from_slice(if value { b"#t\r\n" } else { b"#f\r\n" })
            }
        }
    }

    /// A big number: `(digits` in RESP3, a bulk string in RESP2.
    pub fn big_number(&mut self, digits: &str) {
        self.bulk_or_typed_line(b'(', digits.as_bytes());
    }

    /// Verbatim text (`=len\r\ntxt:...` in RESP3, a bulk string in RESP2).
    pub fn verbatim(&mut self, text: &[u8]) {
        match self.protocol {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.header_usize(b'=', text.len() + 4);
                self.out.extend_from_slice(b"txt:");
                self.out.extend_from_slice(text);
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// An array of bulk strings.
    pub fn bulk_array<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a [u8]>) {
        self.array(items.len());
        for item in items {
            self.bulk(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(f: impl Fn(&mut ReplyWriter)) -> (String, String) {
        let mut two = ReplyWriter::new(Protocol::Resp2);
        let mut three = ReplyWriter::new(Protocol::Resp3);
        f(&mut two);
        f(&mut three);
        (String::from_utf8(two.out).unwrap(), String::from_utf8(three.out).unwrap())
    }

    #[test]
    fn length_headers_at_every_digit_count() {
        for len in [0usize, 1, 9, 10, 11, 42, 99, 100, 101, 999, 1000, 65_535, 1_000_000] {
            let value = vec![b'v'; len];
            let mut writer = ReplyWriter::new(Protocol::Resp2);
            writer.bulk(&value);
            writer.array(len);
            let mut expected = format!("${len}\r\n").into_bytes();
            expected.extend_from_slice(&value);
            expected.extend_from_slice(format!("\r\n*{len}\r\n").as_bytes());
            assert_eq!(writer.out, expected, "length {len}");
        }
    }

    #[test]
    fn shapes_per_protocol() {
        assert_eq!(both(|w| w.null()), ("$-1\r\n".into(), "_\r\n".into()));
        assert_eq!(both(|w| w.null_array()), ("*-1\r\n".into(), "_\r\n".into()));
        assert_eq!(both(|w| w.map(2)), ("*4\r\n".into(), "%2\r\n".into()));
        assert_eq!(both(|w| w.set(3)), ("*3\r\n".into(), "~3\r\n".into()));
        assert_eq!(both(|w| w.double(1.5)), ("$3\r\n1.5\r\n".into(), ",1.5\r\n".into()));
        assert_eq!(both(|w| w.boolean(true)), (":1\r\n".into(), "#t\r\n".into()));
        assert_eq!(both(|w| w.verbatim(b"hi")), ("$2\r\nhi\r\n".into(), "=6\r\ntxt:hi\r\n".into()));
        assert_eq!(both(|w| w.push(1)), ("*1\r\n".into(), ">1\r\n".into()));
        assert_eq!(both(|w| w.big_number("123")), ("$3\r\n123\r\n".into(), "(123\r\n".into()));
    }

    #[test]
    fn over_limit_only_with_a_limit_and_from_its_length_on() {
        let mut w = ReplyWriter::new(Protocol::Resp2);
        w.bulk(&[b'x'; 100]);
        assert!(!w.is_over_limit(), "0 bounds nothing");
        w.set_output_limit(113);
        assert!(!w.is_over_limit());
        w.ok();
        assert!(w.is_over_limit(), "{} bytes", w.out.len());
        w.out.clear();
        assert!(!w.is_over_limit());
    }

    #[test]
    fn errors_never_break_framing() {
        let (two, _) = both(|w| w.error("ERR bad\r\nthing\n"));
        assert_eq!(two, "-ERR bad  thing\r\n");
    }
}
