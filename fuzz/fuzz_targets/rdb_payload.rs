//! Fuzz target: `allydb::fuzzing::rdb_payload` (docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| allydb::fuzzing::rdb_payload(data));
