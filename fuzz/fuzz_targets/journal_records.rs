//! Fuzz target: `allydb::fuzzing::journal_records` (docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| allydb::fuzzing::journal_records(data));
