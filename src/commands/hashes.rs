//! Hash commands: field-value maps.
use super::table::CommandSpec;

#[allow(dead_code)]
const G: &str = "hash";

pub static COMMANDS: &[CommandSpec] = &[];
