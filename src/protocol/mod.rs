//! RESP2/RESP3 wire protocol: request parsing (multibulk and inline) and reply encoding.
//! Knows nothing about commands; `commands` decides what a request means.
pub mod error;
pub mod number;
pub mod parser;
pub mod writer;

pub use error::ProtocolError;
pub use parser::{Args, ParseLimits, Parser};
pub use writer::{Protocol, ReplyWriter};
