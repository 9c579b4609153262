//! The reply writer (`allydb::protocol::ReplyWriter`): the replies hot commands end with, in
//! RESP2 and RESP3. `cargo bench --bench writer`; docs/BENCHMARKS.md.
mod common;

use std::hint::black_box;

use allydb::protocol::{Protocol, ReplyWriter};
use common::{Bench, Per};

fn main() {
    let bench = Bench::from_args("writer");
    let value = [b'v'; 32];
    let members: Vec<Vec<u8>> = (0..100).map(|n| format!("member:{n:03}").into_bytes()).collect();
    // redis-benchmark's LRANGE_100 list: 100 elements of 3 bytes.
    let short: Vec<Vec<u8>> = (0..100).map(|_| b"xxx".to_vec()).collect();
    for (name, protocol) in [("resp2", Protocol::Resp2), ("resp3", Protocol::Resp3)] {
        let mut writer = ReplyWriter::new(protocol);
        run(&bench, &format!("{name}/bulk-32"), &mut writer, |w| w.bulk(black_box(&value)));
        run(&bench, &format!("{name}/integer"), &mut writer, |w| w.integer(black_box(1_234_567)));
        run(&bench, &format!("{name}/array-100-bulks"), &mut writer, |w| {
            w.bulk_array(black_box(&members).iter().map(Vec::as_slice))
        });
        run(&bench, &format!("{name}/array-100-short-bulks"), &mut writer, |w| {
            w.bulk_array(black_box(&short).iter().map(Vec::as_slice))
        });
        // An integral score takes the itoa path, any other Redis's shortest round-trip text.
        run(&bench, &format!("{name}/double-integral"), &mut writer, |w| w.double(black_box(42.0)));
        run(&bench, &format!("{name}/double-fraction"), &mut writer, |w| {
            w.double(black_box(1234.5678))
        });
    }
}

/// One case: `write` appends one reply to an emptied buffer (a connection's buffer is reused
/// the same way once its replies went out).
fn run(bench: &Bench, name: &str, writer: &mut ReplyWriter, write: impl Fn(&mut ReplyWriter)) {
    writer.out.clear();
    write(writer);
    let per = Per { items: 1, unit: "reply", bytes: writer.out.len() as u64 };
    bench.run(name, per, || {
        writer.out.clear();
        write(writer);
        writer.out.len()
    });
}
