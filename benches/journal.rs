//! The journal's record encoder and decoder (`encode_record`, `decode_record_ref`): what every
//! write pays to be journaled, and what recovery pays per record to read it back.
//! `cargo bench --bench journal`; docs/BENCHMARKS.md.
mod common;

use std::hint::black_box;

use allydb::journal::record::decode_record_ref;
use allydb::journal::{encode_record, Effect, Value};
use common::{Bench, Per};

fn main() {
    let bench = Bench::from_args("journal");
    let key = b"key:000000000123";
    let value = [b'v'; 32];
    // What SET key value journals.
    let put =
        [Effect::Put { db: 0, key: &key[..], value: Value::String(&value[..]), expires_at_ms: 0 }];
    // What ZADD zset 1 member:01 ... 10 member:10 journals.
    let members: Vec<Vec<u8>> = (1..=10).map(|n| format!("member:{n:02}").into_bytes()).collect();
    let entries = members.iter().zip(1..).map(|(m, score)| (f64::from(score), m.as_slice()));
    let zadd = [Effect::ZSetAdd { db: 0, key: &b"zset"[..], entries: entries.collect() }];
    for (name, effects) in [("put-string", &put[..]), ("zadd-10", &zadd[..])] {
        run_encode(&bench, name, effects);
        run_decode(&bench, name, effects);
    }
}

fn run_encode(bench: &Bench, name: &str, effects: &[Effect<&[u8]>]) {
    let mut out = Vec::with_capacity(4096);
    encode_record(1, effects, &mut out);
    let per = Per { items: 1, unit: "record", bytes: out.len() as u64 };
    bench.run(&format!("encode/{name}"), per, || {
        out.clear();
        encode_record(black_box(1), black_box(effects), &mut out);
        out.len()
    });
}

/// Decodes (CRC check included) the record `encode_record` makes of `effects`.
fn run_decode(bench: &Bench, name: &str, effects: &[Effect<&[u8]>]) {
    let mut record = Vec::new();
    encode_record(1, effects, &mut record);
    match decode_record_ref(&record) {
        Ok((decoded, used)) => {
            assert_eq!(decoded.effects, effects, "{name}: decoded effects");
            assert_eq!(used, record.len(), "{name}: bytes used");
        }
        Err(error) => panic!("{name}: {error}"),
    }
    let per = Per { items: 1, unit: "record", bytes: record.len() as u64 };
    bench.run(&format!("decode/{name}"), per, || {
        decode_record_ref(black_box(&record)).map(|(decoded, _)| decoded.effects.len())
    });
}
