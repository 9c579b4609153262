//! Protocol errors: the client gets `-ERR Protocol error: ...` and the connection closes.
use std::fmt;

/// A malformed request. `Display` is Redis's exact text after `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    TooBigInlineRequest,
    UnbalancedQuotes,
    TooBigMultibulkCountString,
    InvalidMultibulkLength,
    UnauthenticatedMultibulkLength,
    TooBigBulkCountString,
    ExpectedDollar { got: u8 },
    InvalidBulkLength,
    UnauthenticatedBulkLength,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ERR Protocol error: ")?;
        match self {
            Self::TooBigInlineRequest => f.write_str("too big inline request"),
            Self::UnbalancedQuotes => f.write_str("unbalanced quotes in request"),
            Self::TooBigMultibulkCountString => f.write_str("too big mbulk count string"),
            Self::InvalidMultibulkLength => f.write_str("invalid multibulk length"),
            Self::UnauthenticatedMultibulkLength => f.write_str("unauthenticated multibulk length"),
            Self::TooBigBulkCountString => f.write_str("too big bulk count string"),
            Self::ExpectedDollar { got } => {
                let shown = if *got == b'\r' || *got == b'\n' { ' ' } else { char::from(*got) };
                write!(f, "expected '$', got '{shown}'")
            }
            Self::InvalidBulkLength => f.write_str("invalid bulk length"),
            Self::UnauthenticatedBulkLength => f.write_str("unauthenticated bulk length"),
        }
    }
}

impl std::error::Error for ProtocolError {}
