//! Protocol errors: the client gets `-ERR Protocol error: ...` and the connection closes.
use std::fmt;

/// Sent, then the connection closed, on accepting a non-loopback client while protected mode
/// is on and the default user has no password: Redis 7.2's text (src/networking.c
/// `clientAcceptHandler`), after the `-`.
pub const PROTECTED_MODE_DENIED: &str = "DENIED Redis is running in protected mode because \
    protected mode is enabled and no password is set for the default user. In this mode \
    connections are only accepted from the loopback interface. If you want to connect from \
    external computers to Redis you may adopt one of the following solutions: 1) Just disable \
    protected mode sending the command 'CONFIG SET protected-mode no' from the loopback \
    interface by connecting to Redis from the same host the server is running, however MAKE \
    SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make \
    this change permanent. 2) Alternatively you can just disable the protected mode by editing \
    the Redis configuration file, and setting the protected mode option to 'no', and then \
    restarting the server. 3) If you started the server manually just for testing, restart it \
    with the '--protected-mode no' option. 4) Set up an authentication password for the \
    default user. NOTE: You only need to do one of the above things in order for the server to \
    start accepting connections from the outside.";

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
