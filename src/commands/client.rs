//! TODO(family client): filled in by its owner.
use super::table::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
