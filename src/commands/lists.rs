//! List commands: pushes, pops, ranges, LMOVE and the blocking pops.
use super::table::CommandSpec;

#[allow(dead_code)]
const G: &str = "list";

pub static COMMANDS: &[CommandSpec] = &[];
