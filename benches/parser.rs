//! The request parser (`allydb::protocol::Parser`) on fixed client byte streams: what every
//! command pays before dispatch. `cargo bench --bench parser`; docs/BENCHMARKS.md.
mod common;

use std::hint::black_box;

use allydb::protocol::parser::Parsed;
use allydb::protocol::{ParseLimits, Parser};
use common::{Bench, Per};

/// As an authenticated connection with Redis's default `proto-max-bulk-len` (512 MB).
const LIMITS: ParseLimits = ParseLimits { bulk_bytes_max: 512 * 1024 * 1024, authenticated: true };

fn main() {
    let bench = Bench::from_args("parser");
    let sets = pipelined_sets(16);
    run_stream(&bench, "resp-pipeline-16-set", &sets, 16);
    run_stream(&bench, "resp-get", &multibulk(&[b"GET", b"key:001"]), 1);
    let bulk = vec![b'x'; 64 * 1024];
    run_stream(&bench, "resp-set-64k-bulk", &multibulk(&[b"SET", b"key:001", &bulk]), 1);
    let inline: Vec<u8> =
        (0..16).flat_map(|n| format!("SET key:{n:03} value\r\n").into_bytes()).collect();
    run_stream(&bench, "inline-pipeline-16-set", &inline, 16);
}

/// One case: parses every command of `stream` (`commands` of them) and reads each one's
/// arguments, as a connection's read loop does.
fn run_stream(bench: &Bench, name: &str, stream: &[u8], commands: u64) {
    let mut parser = Parser::new();
    assert_eq!(parse_all(&mut parser, stream), commands as usize, "{name}: commands parsed");
    let per = Per { items: commands, unit: "cmd", bytes: stream.len() as u64 };
    bench.run(name, per, || parse_all(&mut parser, black_box(stream)));
}

/// Commands parsed from `stream`; the arguments' lengths go through `black_box` so reading
/// them is not optimised away.
fn parse_all(parser: &mut Parser, stream: &[u8]) -> usize {
    let mut offset = 0usize;
    let mut commands = 0usize;
    while let Some(rest) = stream.get(offset..).filter(|r| !r.is_empty()) {
        match parser.parse(rest, LIMITS) {
            Ok(Parsed::Command { consumed }) => {
                let args = parser.args(rest);
                black_box(args.iter().map(<[u8]>::len).sum::<usize>());
                commands += 1;
                offset += consumed;
            }
            Ok(Parsed::Nothing { consumed }) => offset += consumed,
            Ok(Parsed::Incomplete { .. }) | Err(_) => break,
        }
    }
    commands
}

/// `count` pipelined `SET key:NNN value` requests in RESP.
fn pipelined_sets(count: usize) -> Vec<u8> {
    let keys: Vec<String> = (0..count).map(|n| format!("key:{n:03}")).collect();
    keys.iter().flat_map(|key| multibulk(&[b"SET", key.as_bytes(), b"value"])).collect()
}

fn multibulk(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}
