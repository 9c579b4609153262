//! Fuzz target: `allydb::fuzzing::snapshot_file` (docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| allydb::fuzzing::snapshot_file(data));
