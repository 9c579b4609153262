//! Geospatial commands, side by side with redis-server: every reply of a few hundred searches
//! over a fixed set of positions, in RESP2 and RESP3, byte for byte (distances, coordinates,
//! hashes and the order Redis scans its boxes in), the errors and their order, COMMAND INFO
//! and GETKEYS; then anchors from Redis's documentation, so the two cannot agree on a shared
//! mistake; then persistence.
mod common;

use common::servers::{Kind, Server};
use common::*;

/// Positions: Redis's documentation examples, a pseudo-random spread over the whole map
/// (both limits of latitude, the antimeridian), a dense cluster around Palermo, and points
/// straddling the antimeridian.
fn positions() -> Vec<(String, String, String)> {
    let mut points = vec![
        ("13.361389".to_string(), "38.115556".to_string(), "Palermo".to_string()),
        ("15.087269".to_string(), "37.502669".to_string(), "Catania".to_string()),
        ("12.758489".to_string(), "38.788135".to_string(), "edge1".to_string()),
        ("17.241510".to_string(), "38.788135".to_string(), "edge2".to_string()),
        ("180".to_string(), "85.05112878".to_string(), "north-east".to_string()),
        ("-180".to_string(), "-85.05112878".to_string(), "south-west".to_string()),
        ("0".to_string(), "0".to_string(), "origin".to_string()),
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..300 {
        let lon = next() * 360.0 - 180.0;
        let lat = next() * 170.1 - 85.05;
        points.push((format!("{lon:.6}"), format!("{lat:.6}"), format!("w{i}")));
    }
    for i in 0..200 {
        let lon = 13.0 + next() * 1.2;
        let lat = 37.6 + next() * 1.0;
        points.push((format!("{lon:.6}"), format!("{lat:.6}"), format!("p{i}")));
    }
    for i in 0..40 {
        let lon = if i % 2 == 0 { 179.5 + next() * 0.5 } else { -180.0 + next() * 0.5 };
        let lat = -1.0 + next() * 2.0;
        points.push((format!("{lon:.6}"), format!("{lat:.6}"), format!("d{i}")));
    }
    points
}

/// Fills `key` with every position, ten per GEOADD; returns the replies.
fn fill(c: &mut RawClient, key: &str) -> Vec<String> {
    let points = positions();
    let mut replies = Vec::new();
    for chunk in points.chunks(10) {
        let mut command = vec!["GEOADD", key];
        for (lon, lat, member) in chunk {
            command.extend([lon.as_str(), lat.as_str(), member.as_str()]);
        }
        replies.push(c.cmd(&command));
    }
    replies
}

/// Searches over `geo` (and its GEORADIUS twins), each option once or combined.
fn searches() -> Vec<String> {
    let mut lines = Vec::new();
    let centers = [
        ("15", "37"),
        ("13.361389", "38.115556"),
        ("179.9", "0.2"),
        ("-179.9", "-0.3"),
        ("0", "85"),
        ("10", "-84"),
        ("0", "0"),
    ];
    let radii = ["0", "1 km", "50 km", "200 km", "1000 km", "5000 km", "20000 km", "100 mi"];
    for (lon, lat) in centers {
        for radius in radii {
            let radius = if radius == "0" { "0 m" } else { radius };
            lines.push(format!("GEORADIUS geo {lon} {lat} {radius}"));
            lines.push(format!("GEOSEARCH geo FROMLONLAT {lon} {lat} BYRADIUS {radius} WITHDIST"));
        }
        for size in ["1 1 km", "100 40 km", "400 400 km", "3000 500 km", "40000 1000 km"] {
            lines.push(format!("GEOSEARCH geo FROMLONLAT {lon} {lat} BYBOX {size}"));
            lines.push(format!("GEOSEARCH geo FROMLONLAT {lon} {lat} BYBOX {size} ASC WITHCOORD"));
        }
        lines.push(format!(
            "GEORADIUS_RO geo {lon} {lat} 300 km WITHDIST WITHHASH WITHCOORD COUNT 5 DESC"
        ));
        lines.push(format!("GEORADIUS geo {lon} {lat} 300 km COUNT 3 ANY WITHDIST"));
        lines.push(format!("GEORADIUS geo {lon} {lat} 2000 ft ASC WITHHASH"));
    }
    for member in ["Palermo", "Catania", "edge1", "north-east", "south-west", "w7", "d3", "p0"] {
        lines.push(format!("GEORADIUSBYMEMBER geo {member} 100 km WITHDIST ASC"));
        lines.push(format!("GEORADIUSBYMEMBER_RO geo {member} 2000 km COUNT 7"));
        lines.push(format!("GEOSEARCH geo FROMMEMBER {member} BYBOX 300 300 km WITHDIST DESC"));
        lines.push(format!(
            "GEOSEARCH geo FROMMEMBER {member} BYRADIUS 50 mi COUNT 4 WITHCOORD WITHHASH"
        ));
    }
    lines
}

/// Writes, errors and the smaller reads, in order on a flushed database.
const SCRIPT: &[&str] = &[
    "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
    "GEOADD g NX 13.361389 38.115556 Palermo 12 37 Agrigento",
    "GEOADD g XX CH 13.4 38.1 Palermo 14 37 nobody",
    "GEOADD g CH 13.4 38.1 Palermo 13.5 38.2 Palermo",
    "GEOADD g 13.5 38.2 Palermo",
    "ZRANGE g 0 -1 WITHSCORES",
    "GEOADD g NX XX 1 1 a",
    "GEOADD g 1 1",
    "GEOADD g CH CH CH",
    "GEOADD s NX CH NX",
    "GEOADD g GT 1 1 a",
    "GEOADD g GT 1 a",
    "GEOADD g 181 1 a",
    "GEOADD g 1 85.06 a",
    "GEOADD g 1 1 a -200 -90 b",
    "GEOADD g 1 x a",
    "GEOADD g inf 0 a",
    "ZCARD g",
    "GEOPOS g Palermo nosuch Catania",
    "GEOPOS g",
    "GEOPOS nokey a b",
    "GEOHASH g Palermo Catania Agrigento nosuch",
    "GEOHASH nokey a",
    "GEODIST g Palermo Catania",
    "GEODIST g Palermo Catania km",
    "GEODIST g Palermo Catania MI",
    "GEODIST g Palermo Catania ft",
    "GEODIST g Palermo Palermo",
    "GEODIST g Palermo nosuch",
    "GEODIST nokey a b",
    "GEODIST nokey a b parsec",
    "GEODIST g Palermo Catania km extra",
    "SET s x",
    "GEODIST s a b",
    "GEOPOS s a",
    "GEOHASH s a",
    "GEOADD s 1 1 a",
    "GEORADIUS s 1 1 1 km",
    "GEORADIUS s 1000 1 1 km",
    "GEOSEARCH s FROMLONLAT 1 1",
    "GEORADIUS g 1000 1 1 km",
    "GEORADIUS g 1 1 -1 km",
    "GEORADIUS g 1 1 x km",
    "GEORADIUS g 1 1 1 parsec",
    "GEORADIUS g 1 1 1 km COUNT 0",
    "GEORADIUS g 1 1 1 km COUNT -3",
    "GEORADIUS g 1 1 1 km COUNT x",
    "GEORADIUS g 1 1 1 km COUNT",
    "GEORADIUS g 1 1 1 km ANY",
    "GEORADIUS g 1 1 1 km nonsense",
    "GEORADIUS g 1 1 1 km STORE",
    "GEORADIUS g 1 1 1 km STORE d WITHDIST",
    "GEORADIUS_RO g 1 1 1 km STORE d",
    "GEORADIUS g 14 37 200 km COUNT 2 ANY ASC",
    "GEORADIUS g 14 37 200 km WITHCOORD WITHDIST WITHHASH",
    "GEORADIUSBYMEMBER g nosuch 1 km",
    "GEORADIUSBYMEMBER g Palermo -1 km",
    "GEORADIUSBYMEMBER nokey nosuch -1 km",
    "GEORADIUSBYMEMBER nokey nosuch -1 km STORE d",
    "GEORADIUSBYMEMBER nokey nosuch 1 km COUNT 0",
    "GEORADIUSBYMEMBER g Catania 200 km STOREDIST d1 STORE d2",
    "ZRANGE d2 0 -1 WITHSCORES",
    "EXISTS d1",
    "GEORADIUSBYMEMBER g Catania 200 km STOREDIST d1",
    "ZRANGE d1 0 -1 WITHSCORES",
    "GEORADIUSBYMEMBER g Catania 1 m STORE d1",
    "EXISTS d1",
    "GEORADIUS nokey 1 1 1 km STORE d2",
    "EXISTS d2",
    "GEORADIUS nokey 1 1 1 km",
    "GEOSEARCH g FROMMEMBER Palermo",
    "GEOSEARCH g BYRADIUS 1 km",
    "geosearch g BYRADIUS 1 km",
    "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 1 km BYBOX 1 1 km",
    "GEOSEARCH g FROMMEMBER Palermo FROMLONLAT 1 1 BYRADIUS 1 km",
    "GEOSEARCH g FROMLONLAT 1 1 FROMMEMBER Palermo BYRADIUS 1 km",
    "GEOSEARCH g FROMMEMBER nosuch BYRADIUS -1 km",
    "GEOSEARCH g FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 1 km",
    "GEOSEARCH g FROMMEMBER Palermo BYRADIUS -1 km",
    "GEOSEARCH g FROMMEMBER Palermo BYBOX -1 1 km",
    "GEOSEARCH g FROMMEMBER Palermo BYBOX x 1 km",
    "GEOSEARCH g FROMMEMBER Palermo BYBOX 1 x km",
    "GEOSEARCH g FROMMEMBER Palermo BYBOX 1 1 parsec",
    "GEOSEARCH g FROMMEMBER Palermo BYBOX 1 1",
    "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 1 km STORE d",
    "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 1 km STOREDIST",
    "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 300 km ANY",
    "GEOSEARCH nokey FROMMEMBER nosuch BYRADIUS 1 km",
    "GEOSEARCH nokey FROMMEMBER nosuch BYRADIUS -1 km",
    "GEOSEARCH nokey FROMMEMBER nosuch",
    "GEOSEARCH g FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH",
    "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 2 STOREDIST",
    "ZRANGE d 0 -1 WITHSCORES",
    "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYBOX 400 400 km",
    "ZRANGE d 0 -1 WITHSCORES",
    "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYBOX 400 400 km WITHDIST",
    "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYBOX 400 400 km STORE x",
    "GEOSEARCHSTORE d nokey FROMLONLAT 15 37 BYBOX 400 400 km",
    "EXISTS d",
    "GEOSEARCHSTORE d s FROMLONLAT 15 37 BYBOX 400 400 km",
    "GEOSEARCHSTORE s g FROMLONLAT 15 37 BYBOX 4 4 km",
    "TYPE s",
    "ZADD z 1 a -5 b 1e300 c",
    "GEOPOS z a b c",
    "GEOHASH z a b c",
    "GEODIST z a c",
    "GEORADIUS g 15 37 200 km WITHDIST WITHCOORD STORE",
    // Equal distances under COUNT: Redis's partial quicksort orders them its own way.
    "GEOADD t 1 1 m0 1 1 m1 1 1 m2 1 1 m3 1 1 m4 1 1 m5 1 1 m6 1 1 m7",
    "GEOSEARCH t FROMLONLAT 0 0 BYRADIUS 500 km COUNT 3",
    "GEOSEARCH t FROMLONLAT 0 0 BYRADIUS 500 km COUNT 7 DESC",
    "GEOSEARCH t FROMLONLAT 0 0 BYRADIUS 500 km ASC",
    "GEOADD t 1.5 1 n0 1.5 1 n1 1.5 1 n2 2 2 o0 2 2 o1 2 2 o2 2 2 o3 2 2 o4",
    "GEOSEARCH t FROMLONLAT 0 0 BYRADIUS 500 km COUNT 5 ASC",
    "GEOSEARCH t FROMLONLAT 0 0 BYRADIUS 500 km COUNT 9 DESC WITHDIST",
    "GEORADIUS t 0 0 500 km COUNT 12 ASC STORE tstore",
    "ZRANGE tstore 0 -1",
    "GEOADD",
    "GEORADIUS g 1 1 1",
    "GEOSEARCHSTORE d g FROMLONLAT 1 1 BYRADIUS",
];

/// Sends a command line (words split on spaces) to both servers; returns both replies.
fn both(a: &mut RawClient, r: &mut RawClient, line: &str) -> (String, String) {
    let args: Vec<&str> = line.split(' ').collect();
    (a.cmd(&args), r.cmd(&args))
}

/// A reply's lines with bulk lengths dropped and numbers read as doubles: STOREDIST's scores
/// are distances, which Redis 7.2 (like AllyDB) replies as the shortest text that reads back
/// as the same double (`56.4412578701582`) where the reference 7.0 prints 17 digits
/// (`56.441257870158204`).
fn doubles_read(reply: &str) -> Vec<String> {
    reply
        .lines()
        .filter(|line| !line.starts_with('$'))
        .map(|line| match line.trim_start_matches(',').parse::<f64>() {
            Ok(value) => format!("{value:?}"),
            Err(_) => line.to_string(),
        })
        .collect()
}

#[test]
fn geo_replies_match_redis_server_byte_for_byte() {
    let redis = Server::start(Kind::Redis);
    let server = TestServer::start();
    for resp3 in [false, true] {
        let protocol = if resp3 { "RESP3" } else { "RESP2" };
        let (mut a, mut r) = (server.raw(), RawClient::connect(redis.port));
        if resp3 {
            (a, r) = (a.resp3(), r.resp3());
        }
        assert_eq!(both(&mut a, &mut r, "FLUSHALL"), (OK.to_string(), OK.to_string()));
        assert_eq!(fill(&mut a, "geo"), fill(&mut r, "geo"), "{protocol}: GEOADD");
        let mut nonempty = 0;
        for line in searches() {
            let (ours, theirs) = both(&mut a, &mut r, &line);
            assert_eq!(ours, theirs, "{protocol}: {line}");
            nonempty += usize::from(!ours.starts_with("*0\r\n"));
            let store = line.replacen("GEOSEARCH geo", "GEOSEARCHSTORE dst geo", 1);
            if store != line && !line.contains("WITH") {
                let (ours, theirs) = both(&mut a, &mut r, &store);
                assert_eq!(ours, theirs, "{protocol}: {store}");
                let read = "ZRANGE dst 0 -1 WITHSCORES";
                let (ours, theirs) = both(&mut a, &mut r, read);
                assert_eq!(ours, theirs, "{protocol}: {store}");
            }
        }
        // The searches find something: most of the 235 are not empty.
        assert!(nonempty > 150, "{protocol}: only {nonempty} searches found anything");
        let (ours, theirs) = both(&mut a, &mut r, "ZRANGE geo 0 -1 WITHSCORES");
        assert_eq!(ours, theirs, "{protocol}: scores");
        for line in SCRIPT {
            let (ours, theirs) = both(&mut a, &mut r, line);
            if line.starts_with("ZRANGE") {
                assert_eq!(doubles_read(&ours), doubles_read(&theirs), "{protocol}: {line}");
            } else {
                assert_eq!(ours, theirs, "{protocol}: {line}");
            }
        }
        // Many ties (more than 40 matches: the partial quicksort's median of medians).
        for i in 0..150 {
            let lon = format!("{}", 1 + i % 6);
            let (member, line) = (format!("tie{i}"), "GEOADD ties");
            let args = [line, lon.as_str(), "1", member.as_str()].join(" ");
            assert_eq!(both(&mut a, &mut r, &args).0, int(1), "{args}");
        }
        for count in ["1", "2", "7", "40", "41", "77", "149"] {
            for order in ["ASC", "DESC"] {
                let line =
                    format!("GEOSEARCH ties FROMLONLAT 0 0 BYRADIUS 2000 km COUNT {count} {order}");
                let (ours, theirs) = both(&mut a, &mut r, &line);
                assert_eq!(ours, theirs, "{protocol}: {line}");
            }
        }
    }
}

#[test]
fn geo_replies_match_redis_documentation() {
    let server = TestServer::start();
    let mut c = server.raw();
    let add = ["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"];
    assert_eq!(c.cmd(&add), int(1));
    assert_eq!(c.cmd(&["GEOADD", "Sicily", "15.087269", "37.502669", "Catania"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "Sicily", "Palermo"]), bulk("3479099956230698"));
    assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania"]), bulk("166274.1516"));
    assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania", "km"]), bulk("166.2742"));
    assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania", "mi"]), bulk("103.3182"));
    assert_eq!(
        c.cmd(&["GEOHASH", "Sicily", "Palermo", "Catania"]),
        bulk_array(&["sqc8b49rny0", "sqdtr74hyu0"])
    );
    assert_eq!(
        c.cmd(&["GEOPOS", "Sicily", "Palermo", "NonExisting"]),
        "*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n"
    );
    let mut c3 = server.raw().resp3();
    assert_eq!(
        c3.cmd(&["GEOPOS", "Sicily", "Palermo", "NonExisting"]),
        "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"
    );
    let radius = ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC"];
    assert_eq!(
        c.cmd(&radius),
        "*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n"
    );
    let search = ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"];
    let mut search = search.to_vec();
    search.extend(["ASC", "WITHHASH"]);
    assert_eq!(
        c.cmd(&search),
        "*2\r\n*2\r\n$7\r\nCatania\r\n:3479447370796909\r\n*2\r\n$7\r\nPalermo\r\n:3479099956230698\r\n"
    );
    // GEORADIUS's STORE keys, as Redis's key specs find them: the first key after STORE, then
    // the first after STOREDIST (the command itself stores into the last of them).
    let getkeys = ["COMMAND", "GETKEYS", "GEORADIUS", "src", "1", "2", "3", "km", "STORE", "a"];
    let mut getkeys = getkeys.to_vec();
    getkeys.extend(["STOREDIST", "b"]);
    assert_eq!(c.cmd(&getkeys), bulk_array(&["src", "a", "b"]));
}

/// COMMAND INFO of every geo command, as redis-server describes it (key specs with
/// GEORADIUS's STORE keywords included), and the geo commands' ACL category.
#[test]
fn geo_commands_are_described_as_redis_describes_them() {
    let redis = Server::start(Kind::Redis);
    let server = TestServer::start();
    let (mut a, mut r) = (server.raw(), RawClient::connect(redis.port));
    let names = [
        "geoadd",
        "geodist",
        "geohash",
        "geopos",
        "georadius",
        "georadiusbymember",
        "georadiusbymember_ro",
        "georadius_ro",
        "geosearch",
        "geosearchstore",
    ];
    for name in names {
        let line = format!("COMMAND INFO {name}");
        let (ours, theirs) = both(&mut a, &mut r, &line);
        assert_eq!(ours, theirs, "{line}");
        let upper = name.to_ascii_uppercase();
        let (ours, theirs) = both(&mut a, &mut r, &format!("COMMAND INFO {upper}"));
        assert_eq!(ours, theirs, "{upper}");
    }
    let (ours, theirs) = both(&mut a, &mut r, "COMMAND LIST FILTERBY ACLCAT geo");
    let sorted = |reply: &str| {
        let mut lines: Vec<String> = reply.lines().skip(1).map(str::to_string).collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(&ours), sorted(&theirs));
    let line = "COMMAND GETKEYSANDFLAGS GEORADIUSBYMEMBER src m 1 km STORE a STOREDIST b";
    let (ours, theirs) = both(&mut a, &mut r, line);
    assert_eq!(ours, theirs, "{line}");
}

#[test]
fn geo_writes_survive_a_restart() {
    let mut server = TestServer::start();
    let mut c = server.raw();
    fill(&mut c, "geo");
    let store = "GEOSEARCHSTORE near geo FROMMEMBER Palermo BYRADIUS 60 km ASC STOREDIST";
    let args: Vec<&str> = store.split(' ').collect();
    let stored = c.cmd(&args);
    assert!(stored.starts_with(':') && stored != int(0), "{stored}");
    let args = ["GEORADIUS", "geo", "15", "37", "300", "km", "STORE", "around"];
    assert_eq!(c.cmd(&args), c.cmd(&["ZCARD", "around"]));
    c.cmd(&["GEOADD", "geo", "XX", "CH", "1", "2", "Palermo"]);
    let reads = [
        "ZRANGE geo 0 -1 WITHSCORES",
        "ZRANGE near 0 -1 WITHSCORES",
        "ZRANGE around 0 -1 WITHSCORES",
        "GEOPOS geo Palermo Catania",
    ];
    let before: Vec<String> =
        reads.iter().map(|l| c.cmd(&l.split(' ').collect::<Vec<_>>())).collect();
    server.restart();
    let mut c = server.raw();
    let after: Vec<String> =
        reads.iter().map(|l| c.cmd(&l.split(' ').collect::<Vec<_>>())).collect();
    assert_eq!(before, after);
    assert!(after[3].starts_with("*2\r\n*2\r\n$"), "{}", after[3]);
}
