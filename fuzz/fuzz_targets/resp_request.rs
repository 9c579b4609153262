//! Fuzz target: `allydb::fuzzing::resp_request` (docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| allydb::fuzzing::resp_request(data));
