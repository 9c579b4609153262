//! Finding a command's row by its name (`allydb::commands::table::lookup`), which every
//! command pays before it runs: the names redis-benchmark and clients send, in the cases
//! they send them. `cargo bench --bench dispatch`; docs/BENCHMARKS.md.
mod common;

use std::hint::black_box;

use allydb::commands::table;
use common::{Bench, Per};

fn main() {
    let bench = Bench::from_args("dispatch");
    run(&bench, "lookup-upper", &[b"GET", b"SET", b"INCR", b"LPUSH", b"HSET", b"SADD"]);
    run(&bench, "lookup-lower", &[b"get", b"set", b"incr", b"lpush", b"hset", b"sadd"]);
    let mixed: [&[u8]; 4] = [b"ZRANGEBYSCORE", b"zrevrangebyscore", b"client", b"HINCRBYFLOAT"];
    run(&bench, "lookup-mixed", &mixed);
    run(&bench, "lookup-unknown", &[b"GETT", b"foo", b"SETEXX", b"lpushh"]);
}

/// One case: looks up every name of `names`.
fn run(bench: &Bench, name: &str, names: &[&[u8]]) {
    let per = Per { items: names.len() as u64, unit: "lookup", bytes: 0 };
    bench.run(name, per, || names.iter().filter(|n| table::lookup(black_box(n)).is_some()).count());
}
