//! Set commands: members, algebra (SUNION, SINTER, SDIFF) and random members.
use super::table::CommandSpec;

#[allow(dead_code)]
const G: &str = "set";

pub static COMMANDS: &[CommandSpec] = &[];
