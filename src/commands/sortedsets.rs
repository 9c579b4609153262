//! Sorted set commands: scores, ranks, ranges by score and lex, algebra and the blocking pops.
use super::table::CommandSpec;

#[allow(dead_code)]
const G: &str = "sorted_set";

pub static COMMANDS: &[CommandSpec] = &[];
