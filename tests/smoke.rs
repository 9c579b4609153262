//! The harness itself and a first end-to-end round trip over both protocols.
mod common;

use common::*;

#[test]
fn ping_set_get_over_raw_resp2_and_resp3() {
    let server = TestServer::start();
    let mut c = server.raw();
    assert_eq!(c.cmd(&["PING"]), "+PONG\r\n");
    assert_eq!(c.cmd(&["SET", "k", "v"]), OK);
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    assert_eq!(c.cmd(&["GET", "missing"]), NIL);
    let mut c3 = server.raw().resp3();
    assert_eq!(c3.cmd(&["GET", "missing"]), NULL3);
}

#[test]
fn redis_crate_round_trip() {
    let server = TestServer::start();
    let mut con = server.client();
    let _: () = redis::cmd("SET").arg("a").arg(41).query(&mut con).unwrap();
    let n: i64 = redis::cmd("INCR").arg("a").query(&mut con).unwrap();
    assert_eq!(n, 42);
    let mut con3 = server.client3();
    let v: String = redis::cmd("GET").arg("a").query(&mut con3).unwrap();
    assert_eq!(v, "42");
}
