//! TODO(family bitmaps): filled in by its owner.
use super::table::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
