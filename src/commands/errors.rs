//! Reply-level errors: the client gets `-<text>` and the connection lives on.
//! Redis's exact texts live here (REDIS-REPLIES.md sections 0-5).
use std::fmt;

/// An error reply. `Display` is the full text after the `-`, code included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// `fullname` is the lowercase table name (`get`, `config|get`).
    WrongArity {
        fullname: String,
    },
    WrongType,
    NotInteger,
    NotFloat,
    Syntax,
    NoSuchKey,
    OutOfRange,
    SameObject,
    DbIndexOutOfRange,
    NoAuth,
    Overflow,
    InvalidExpireTime {
        fullname: &'static str,
    },
    /// A RESP2 client in subscribed mode ran another command.
    Subscribed {
        fullname: &'static str,
    },
    /// A fixed full text, code included (e.g. `"ERR offset is out of range"`).
    Static(&'static str),
    /// A formatted full text, code included.
    Text(String),
}

impl CommandError {
    /// `ERR <message>` from a formatted message.
    pub fn err(message: impl fmt::Display) -> Self {
        Self::Text(format!("ERR {message}"))
    }

    /// Redis's "unknown subcommand" text for a container command.
    pub fn unknown_subcommand(container: &[u8], subcommand: &[u8]) -> Self {
        Self::Text(format!(
            "ERR unknown subcommand '{}'. Try {} HELP.",
            show_cut(subcommand, 128),
            String::from_utf8_lossy(container).to_ascii_uppercase()
        ))
    }

    /// Redis's text for a known subcommand given the wrong arguments.
    pub fn subcommand_syntax(container: &[u8], subcommand: &[u8]) -> Self {
        Self::Text(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
            show_cut(subcommand, 128),
            String::from_utf8_lossy(container).to_ascii_uppercase()
        ))
    }

    /// Redis's unknown-command text, quoting up to 128 bytes of arguments.
    pub fn unknown_command<'a>(name: &[u8], arguments: impl Iterator<Item = &'a [u8]>) -> Self {
        let mut text =
            format!("ERR unknown command '{}', with args beginning with: ", show_cut(name, 128));
        let mut collected = 0usize;
        for argument in arguments {
            if collected >= 128 {
                break;
            }
            let shown = show_cut(argument, 128 - collected);
            collected += shown.len() + 3;
            text.push('\'');
            text.push_str(&shown);
            text.push_str("' ");
        }
        Self::Text(text)
    }

    /// Redis's text for a protected command (DEBUG, MODULE) its `enable-*-command` setting
    /// refuses this client.
    pub fn protected_command(command: &str, setting: &str) -> Self {
        Self::Text(format!(
            "ERR {command} command not allowed. If the {setting} option is set to \"local\", \
             you can run it from a local connection, otherwise you need to set this option in \
             the configuration file, and then restart the server."
        ))
    }

    /// The first word of the text, for INFO errorstats.
    pub fn code(&self) -> String {
        let text = self.to_string();
        text.split(' ').next().unwrap_or("ERR").chars().take(32).collect()
    }
}

/// Bytes as Redis's `%.Ns` shows them: cut at `max` bytes and at the first NUL.
pub fn show_cut(bytes: &[u8], max: usize) -> String {
    let cut = bytes.iter().take(max).take_while(|&&b| b != 0).count();
    String::from_utf8_lossy(bytes.get(..cut).unwrap_or(&[])).into_owned()
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongArity { fullname } => {
                write!(f, "ERR wrong number of arguments for '{fullname}' command")
            }
            Self::WrongType => {
                f.write_str("WRONGTYPE Operation against a key holding the wrong kind of value")
            }
            Self::NotInteger => f.write_str("ERR value is not an integer or out of range"),
            Self::NotFloat => f.write_str("ERR value is not a valid float"),
            Self::Syntax => f.write_str("ERR syntax error"),
            Self::NoSuchKey => f.write_str("ERR no such key"),
            Self::OutOfRange => f.write_str("ERR index out of range"),
            Self::SameObject => f.write_str("ERR source and destination objects are the same"),
            Self::DbIndexOutOfRange => f.write_str("ERR DB index is out of range"),
            Self::NoAuth => f.write_str("NOAUTH Authentication required."),
            Self::Overflow => f.write_str("ERR increment or decrement would overflow"),
            Self::InvalidExpireTime { fullname } => {
                write!(f, "ERR invalid expire time in '{fullname}' command")
            }
            Self::Subscribed { fullname } => write!(
                f,
                "ERR Can't execute '{fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING \
                 / QUIT / RESET are allowed in this context"
            ),
            Self::Static(text) => f.write_str(text),
            Self::Text(text) => f.write_str(text),
        }
    }
}

/// What a handler returns; the reply itself is written into the context's writer.
pub type CommandResult = Result<(), CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_text() {
        let args: Vec<&[u8]> = vec![b"a", b"b"];
        assert_eq!(
            CommandError::unknown_command(b"FOO", args.into_iter()).to_string(),
            "ERR unknown command 'FOO', with args beginning with: 'a' 'b' "
        );
        assert_eq!(
            CommandError::unknown_command(b"FOO", std::iter::empty()).to_string(),
            "ERR unknown command 'FOO', with args beginning with: "
        );
        let long = [b'x'; 200];
        let text = CommandError::unknown_command(b"FOO", std::iter::once(&long[..])).to_string();
        assert!(text.ends_with(&format!("'{}' ", "x".repeat(128))));
    }

    #[test]
    fn codes() {
        assert_eq!(CommandError::WrongType.code(), "WRONGTYPE");
        assert_eq!(CommandError::Syntax.code(), "ERR");
    }
}
