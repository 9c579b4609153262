//! Fuzz target: `allydb::fuzzing::commands` (docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| allydb::fuzzing::commands(data));
