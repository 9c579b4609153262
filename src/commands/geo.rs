//! Geospatial commands: GEOADD, GEOPOS, GEOHASH, GEODIST, GEOSEARCH, GEOSEARCHSTORE and the
//! deprecated GEORADIUS family. As in Redis, a geospatial index is an ordinary sorted set
//! whose scores are 52-bit geohashes (`geohash`), so every sorted-set command works on it,
//! and it is journaled, compacted and replicated as one: GEOADD journals the members it adds
//! with their scores, the STORE forms a PUT of the whole result, as ZRANGESTORE does.
//! Replies follow Redis 7.2 byte for byte: distances with 4 decimals, coordinates with the
//! 17 decimals of their exact value, results in Redis's scan order unless sorted.

use std::cmp::Ordering;

use super::arguments::{self, is};
use super::errors::{CommandError, CommandResult};
use super::geohash::{self, Search, Shape};
use super::sortedsets::{add_elements, parse_add_flags, read_zset, store_result, with_zset};
use super::table::{flags::*, key_flags::*, spec, CommandSpec, KeySpan, KeySpec};
use super::Context;
use crate::protocol::number::format_fixed_point_4;
use crate::protocol::{Args, ReplyWriter};
use crate::store::{hash_key, ZSetValue};

const G: &str = "geo";
const RADIUS_COMPLEXITY: &str = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.";
const SEARCH_COMPLEXITY: &str = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape";

/// GEORADIUS's keys: the source, then a STORE or STOREDIST key among the options, found by
/// keyword from the first option on, as Redis's key specs say (COMMAND GETKEYS lists both;
/// the command stores into the last of them).
const GEORADIUS_KEYS: &[KeySpec] = &[
    KeySpec::one(1, RO | ACCESS),
    KeySpec::keyword("STORE", 6, OW | UPDATE),
    KeySpec::keyword("STOREDIST", 6, OW | UPDATE),
];
const GEORADIUSBYMEMBER_KEYS: &[KeySpec] = &[
    KeySpec::one(1, RO | ACCESS),
    KeySpec::keyword("STORE", 5, OW | UPDATE),
    KeySpec::keyword("STOREDIST", 5, OW | UPDATE),
];

pub static COMMANDS: &[CommandSpec] = &[
    spec("geoadd", -5, WRITE | DENYOOM, KeySpan::ONE, G, geoadd).doc(
        "3.2.0",
        "Adds one or more members to a geospatial index. The key is created if it doesn't exist.",
        "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        "key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]",
    ),
    spec("geodist", -4, READONLY, KeySpan::ONE, G, geodist).doc(
        "3.2.0",
        "Returns the distance between two members of a geospatial index.",
        "O(1)",
        "key member1 member2 [M | KM | FT | MI]",
    ),
    spec("geohash", -2, READONLY, KeySpan::ONE, G, geohash).doc(
        "3.2.0",
        "Returns members from a geospatial index as geohash strings.",
        "O(1) for each member requested.",
        "key [member [member ...]]",
    ),
    spec("geopos", -2, READONLY, KeySpan::ONE, G, geopos).doc(
        "3.2.0",
        "Returns the longitude and latitude of members from a geospatial index.",
        "O(1) for each member requested.",
        "key [member [member ...]]",
    ),
    spec("georadius", -6, WRITE | DENYOOM | MOVABLEKEYS, KeySpan::ONE, G, georadius)
        .key_specs(GEORADIUS_KEYS)
        .doc(
            "3.2.0",
            "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.",
            RADIUS_COMPLEXITY,
            "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]",
        ),
    spec("georadiusbymember", -5, WRITE | DENYOOM | MOVABLEKEYS, KeySpan::ONE, G, georadiusbymember)
        .key_specs(GEORADIUSBYMEMBER_KEYS)
        .doc(
            "3.2.0",
            "Queries a geospatial index for members within a distance from a member, optionally stores the result.",
            RADIUS_COMPLEXITY,
            "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]",
        ),
    spec("georadiusbymember_ro", -5, READONLY, KeySpan::ONE, G, georadiusbymember_ro).doc(
        "3.2.10",
        "Returns members from a geospatial index that are within a distance from a member.",
        RADIUS_COMPLEXITY,
        "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
    ),
    spec("georadius_ro", -6, READONLY, KeySpan::ONE, G, georadius_ro).doc(
        "3.2.10",
        "Returns members from a geospatial index that are within a distance from a coordinate.",
        RADIUS_COMPLEXITY,
        "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
    ),
    spec("geosearch", -7, READONLY, KeySpan::ONE, G, geosearch).doc(
        "6.2.0",
        "Queries a geospatial index for members inside an area of a box or a circle.",
        SEARCH_COMPLEXITY,
        "key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]",
    ),
    spec("geosearchstore", -8, WRITE | DENYOOM, KeySpan::TWO, G, geosearchstore)
        .key_specs(&[KeySpec::one(1, OW | UPDATE), KeySpec::one(2, RO | ACCESS)])
        .doc(
            "6.2.0",
            "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.",
            SEARCH_COMPLEXITY,
            "destination source <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]",
        ),
];

// ------------------------------------------------------------------------------- arguments

/// A longitude and latitude pair at `args[at]`, `args[at + 1]`, within the Mercator limits.
fn parse_position(args: Args<'_>, at: usize) -> Result<(f64, f64), CommandError> {
    let longitude = arguments::float(args.get(at))?;
    let latitude = arguments::float(args.get(at + 1))?;
    if !(geohash::LONG_MIN..=geohash::LONG_MAX).contains(&longitude)
        || !(geohash::LAT_MIN..=geohash::LAT_MAX).contains(&latitude)
    {
        return Err(CommandError::Text(format!(
            "ERR invalid longitude,latitude pair {longitude:.6},{latitude:.6}"
        )));
    }
    Ok((longitude, latitude))
}

/// Meters per `unit` (M, KM, FT, MI, any case).
fn parse_unit(unit: &[u8]) -> Result<f64, CommandError> {
    const UNITS: [(&str, f64); 4] = [("m", 1.0), ("km", 1000.0), ("ft", 0.3048), ("mi", 1609.34)];
    UNITS
        .iter()
        .find(|(name, _)| is(unit, name))
        .map(|(_, meters)| *meters)
        .ok_or(CommandError::Static("ERR unsupported unit provided. please use M, KM, FT, MI"))
}

/// A non-negative number at `args[at]`, `error` when it is not a number.
fn parse_length(args: Args<'_>, at: usize, error: &'static str) -> Result<f64, CommandError> {
    arguments::float(args.get(at)).map_err(|_| CommandError::Static(error))
}

/// `radius unit` at `args[at]`: (radius, meters per unit).
fn parse_radius(args: Args<'_>, at: usize) -> Result<(f64, f64), CommandError> {
    let radius = parse_length(args, at, "ERR need numeric radius")?;
    if radius < 0.0 {
        return Err(CommandError::Static("ERR radius cannot be negative"));
    }
    Ok((radius, parse_unit(args.get(at + 1))?))
}

/// `width height unit` at `args[at]`: (width, height, meters per unit).
fn parse_box(args: Args<'_>, at: usize) -> Result<(f64, f64, f64), CommandError> {
    let width = parse_length(args, at, "ERR need numeric width")?;
    let height = parse_length(args, at + 1, "ERR need numeric height")?;
    if height < 0.0 || width < 0.0 {
        return Err(CommandError::Static("ERR height or width cannot be negative"));
    }
    Ok((width, height, parse_unit(args.get(at + 2))?))
}

/// The stored position of `member`, or Redis's error for a member the set lacks.
fn member_position(zset: &ZSetValue, member: &[u8]) -> Result<(f64, f64), CommandError> {
    zset.score(member)
        .and_then(geohash::decode_score)
        .ok_or(CommandError::Static("ERR could not decode requested zset member"))
}

// ------------------------------------------------------------------------------- GEOADD

/// GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
pub fn geoadd(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    let (flags, at) = parse_add_flags(args, true);
    // No position at all is a syntax error too, as Redis's ZADD finds no element.
    if at == args.len() || !(args.len() - at).is_multiple_of(3) || (flags.nx && flags.xx) {
        return Err(CommandError::Syntax);
    }
    // Every position is checked before anything is added, as Redis builds its ZADD first.
    let scores = (at..args.len())
        .step_by(3)
        .map(|i| {
            let (longitude, latitude) = parse_position(args, i)?;
            // parse_position keeps the position within the limits encode_score accepts.
            let score = geohash::encode_score(longitude, latitude).unwrap_or(0);
            Ok(score as f64)
        })
        .collect::<Result<Vec<f64>, CommandError>>()?;
    add_elements(ctx, args, flags, &scores, |i| args.get(at + 3 * i + 2))
}

// ------------------------------------------------------------------------------- reads

/// GEOPOS key [member [member ...]]
pub fn geopos(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_zset(ctx, args.get(1), |reply, zset| {
        reply.array(args.len() - 2);
        for member in args.iter().skip(2) {
            let position = zset.as_deref().and_then(|z| z.score(member));
            match position.and_then(geohash::decode_score) {
                Some((longitude, latitude)) => {
                    reply.array(2);
                    reply.exact_human_double(longitude);
                    reply.exact_human_double(latitude);
                }
                None => reply.null_array(),
            }
        }
    })
}

/// GEOHASH key [member [member ...]]
pub fn geohash(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    with_zset(ctx, args.get(1), |reply, zset| {
        reply.array(args.len() - 2);
        for member in args.iter().skip(2) {
            let score = zset.as_deref().and_then(|z| z.score(member));
            match score.and_then(geohash::standard_string) {
                Some(text) => reply.bulk(&text),
                None => reply.null(),
            }
        }
    })
}

/// GEODIST key member1 member2 [M | KM | FT | MI]
pub fn geodist(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    // The unit is checked before the key is looked up, as in Redis.
    let to_meters = match args.len() {
        4 => 1.0,
        5 => parse_unit(args.get(4))?,
        _ => return Err(CommandError::Syntax),
    };
    with_zset(ctx, args.get(1), |reply, zset| {
        let positions = zset.map(|z| {
            let position = |member: &[u8]| z.score(member).and_then(geohash::decode_score);
            (position(args.get(2)), position(args.get(3)))
        });
        match positions {
            Some((Some((x1, y1)), Some((x2, y2)))) => {
                let meters = geohash::distance(x1, y1, x2, y2);
                reply.bulk(format_fixed_point_4(meters / to_meters).as_bytes());
            }
            _ => reply.null(),
        }
    })
}

// ------------------------------------------------------------------------------- searches

/// Which command a search runs for: where its arguments are and which options it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// GEORADIUS and GEORADIUS_RO: `key longitude latitude radius unit`.
    Radius,
    /// GEORADIUSBYMEMBER and its _RO: `key member radius unit`.
    RadiusByMember,
    /// GEOSEARCH: `key` then FROMMEMBER/FROMLONLAT and BYRADIUS/BYBOX options.
    Search,
    /// GEOSEARCHSTORE: `destination source`, then GEOSEARCH's options and STOREDIST.
    SearchStore,
}

impl Form {
    /// The index of the first option.
    fn options_at(self) -> usize {
        match self {
            Form::Radius => 6,
            Form::RadiusByMember => 5,
            Form::Search => 2,
            Form::SearchStore => 3,
        }
    }

    fn source_at(self) -> usize {
        if self == Form::SearchStore {
            2
        } else {
            1
        }
    }

    fn is_search(self) -> bool {
        matches!(self, Form::Search | Form::SearchStore)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Unsorted,
    Ascending,
    Descending,
}

/// A parsed search; `search` is None when the source key is missing (Redis then skips what
/// needs the set: GEORADIUSBYMEMBER's radius, FROMMEMBER's lookup).
struct Query<'a> {
    search: Option<Search>,
    with_distance: bool,
    with_hash: bool,
    with_coordinates: bool,
    order: Order,
    /// 0: no limit.
    count: usize,
    any: bool,
    /// The key the result goes to, and whether its scores are the distances.
    store: Option<(&'a [u8], bool)>,
}

/// Parses a search's arguments in Redis's order (`georadiusGeneric`), so that the first
/// error Redis would reply is the one replied. `zset` is the source, already looked up.
fn parse_query<'a>(
    args: Args<'a>,
    form: Form,
    read_only: bool,
    zset: Option<&ZSetValue>,
) -> Result<Query<'a>, CommandError> {
    let mut center = None;
    let mut shape = None;
    match form {
        Form::Radius => {
            center = Some(parse_position(args, 2)?);
            shape = Some(parse_radius(args, 4).map(|(radius, to)| (Shape::Circle { radius }, to))?);
        }
        Form::RadiusByMember => {
            if let Some(zset) = zset {
                center = Some(member_position(zset, args.get(2))?);
                let (radius, to) = parse_radius(args, 3)?;
                shape = Some((Shape::Circle { radius }, to));
            }
        }
        Form::Search | Form::SearchStore => {}
    }
    let mut query = Query {
        search: None,
        with_distance: false,
        with_hash: false,
        with_coordinates: false,
        order: Order::Unsorted,
        count: 0,
        any: false,
        store: (form == Form::SearchStore).then(|| (args.get(1), false)),
    };
    let (mut from_member, mut from_position, mut by_radius, mut by_box) =
        (false, false, false, false);
    let takes_store = !read_only && !form.is_search();
    let mut i = form.options_at();
    while i < args.len() {
        let word = args.get(i);
        let remaining = args.len() - i - 1;
        if is(word, "withdist") {
            query.with_distance = true;
        } else if is(word, "withhash") {
            query.with_hash = true;
        } else if is(word, "withcoord") {
            query.with_coordinates = true;
        } else if is(word, "any") {
            query.any = true;
        } else if is(word, "asc") {
            query.order = Order::Ascending;
        } else if is(word, "desc") {
            query.order = Order::Descending;
        } else if is(word, "count") && remaining >= 1 {
            let count = arguments::integer(args.get(i + 1))?;
            if count <= 0 {
                return Err(CommandError::Static("ERR COUNT must be > 0"));
            }
            query.count = usize::try_from(count).unwrap_or(usize::MAX);
            i += 1;
        } else if (is(word, "store") || is(word, "storedist")) && remaining >= 1 && takes_store {
            query.store = Some((args.get(i + 1), is(word, "storedist")));
            i += 1;
        } else if is(word, "storedist") && form == Form::SearchStore {
            query.store = Some((args.get(1), true));
        } else if is(word, "frommember") && remaining >= 1 && form.is_search() && !from_position {
            if let Some(zset) = zset {
                center = Some(member_position(zset, args.get(i + 1))?);
            }
            from_member = true;
            i += 1;
        } else if is(word, "fromlonlat") && remaining >= 2 && form.is_search() && !from_member {
            center = Some(parse_position(args, i + 1)?);
            from_position = true;
            i += 2;
        } else if is(word, "byradius") && remaining >= 2 && form.is_search() && !by_box {
            let (radius, to) = parse_radius(args, i + 1)?;
            shape = Some((Shape::Circle { radius }, to));
            by_radius = true;
            i += 2;
        } else if is(word, "bybox") && remaining >= 3 && form.is_search() && !by_radius {
            let (width, height, to) = parse_box(args, i + 1)?;
            shape = Some((Shape::Box { width, height }, to));
            by_box = true;
            i += 3;
        } else {
            return Err(CommandError::Syntax);
        }
        i += 1;
    }
    if query.store.is_some() && (query.with_distance || query.with_hash || query.with_coordinates) {
        return Err(CommandError::Static(if form == Form::SearchStore {
            "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        } else {
            "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        }));
    }
    // Redis names the command as the client spelled it.
    let name = String::from_utf8_lossy(args.get(0));
    if form.is_search() && !(from_member || from_position) {
        return Err(CommandError::err(format_args!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        )));
    }
    if form.is_search() && !(by_radius || by_box) {
        return Err(CommandError::err(format_args!(
            "exactly one of BYRADIUS and BYBOX can be specified for {name}"
        )));
    }
    if query.any && query.count == 0 {
        return Err(CommandError::Static("ERR the ANY argument requires COUNT argument"));
    }
    // COUNT without ANY returns the nearest: sorted ascending unless asked otherwise.
    if query.count != 0 && query.order == Order::Unsorted && !query.any {
        query.order = Order::Ascending;
    }
    if let (Some(center), Some((shape, to_meters))) = (center, shape) {
        query.search = Some(Search { center, shape, to_meters });
    }
    Ok(query)
}

/// One member inside a search's shape.
struct Found<'z> {
    member: &'z [u8],
    score: f64,
    longitude: f64,
    latitude: f64,
    /// From the centre, in meters.
    meters: f64,
}

/// The members of `zset` inside the search's shape, in Redis's order: box by box (the
/// centre's, then its neighbours, see `Search::boxes`), by score within a box. With a
/// `limit` (COUNT with ANY), stops once that many are found.
fn find<'z>(zset: &'z ZSetValue, search: &Search, limit: usize) -> Vec<Found<'z>> {
    let boxes = search.boxes();
    let mut found = Vec::new();
    for (i, area) in boxes.iter().enumerate() {
        // A box already scanned (huge radii make neighbours coincide) is skipped: Redis
        // skips one equal to the last scanned, which is the only case that occurs.
        if area.is_none() || boxes[..i].contains(area) {
            continue;
        }
        if limit != 0 && found.len() >= limit {
            break;
        }
        let (min, max) = area.score_range();
        let start = zset.count_before(|score, _| score < min);
        for (score, member) in zset.range(start, zset.len()) {
            if score >= max {
                break;
            }
            let Some((longitude, latitude)) = geohash::decode_score(score) else { continue };
            if let Some(meters) = search.distance_if_inside(longitude, latitude) {
                found.push(Found { member, score, longitude, latitude, meters });
                if limit != 0 && found.len() >= limit {
                    break;
                }
            }
        }
    }
    found
}

/// Sorts `found` as asked and keeps the first `count` (0: all), as Redis does: all of them
/// with glibc's qsort, a merge sort that keeps equal distances in scan order (so a stable
/// sort here), or, when COUNT keeps fewer, with its partial quicksort, whose order among
/// equal distances is its own (`partial_quicksort`).
fn select(found: &mut Vec<Found<'_>>, order: Order, count: usize) {
    let compare = |a: &Found<'_>, b: &Found<'_>| match order {
        Order::Descending => b.meters.total_cmp(&a.meters),
        _ => a.meters.total_cmp(&b.meters),
    };
    if order != Order::Unsorted {
        if count != 0 && count < found.len() {
            partial_quicksort(found, 0, count - 1, &compare);
        } else {
            found.sort_by(compare);
        }
    }
    if count != 0 {
        found.truncate(count);
    }
}

/// Redis's `pqsort`: Bentley and McIlroy's quicksort ("Engineering a Sort Function", as in
/// the BSD libc) that recurses only into the parts overlapping ranks `low..=high`, which end
/// up in order. Ported step for step, so members at equal distances come out as Redis's.
fn partial_quicksort<T>(
    v: &mut [T],
    low: usize,
    high: usize,
    compare: &impl Fn(&T, &T) -> Ordering,
) {
    let n = v.len();
    partial_quicksort_part(v, 0, n, low, high, compare);
}

fn partial_quicksort_part<T>(
    v: &mut [T],
    mut a: usize,
    mut n: usize,
    low: usize,
    high: usize,
    compare: &impl Fn(&T, &T) -> Ordering,
) {
    use Ordering::{Equal, Greater, Less};
    let cmp = |v: &[T], i: usize, j: usize| compare(&v[i], &v[j]);
    let median_of_three = |v: &[T], x: usize, y: usize, z: usize| {
        if cmp(v, x, y) == Less {
            if cmp(v, y, z) == Less {
                y
            } else if cmp(v, x, z) == Less {
                z
            } else {
                x
            }
        } else if cmp(v, y, z) == Greater {
            y
        } else if cmp(v, x, z) == Less {
            x
        } else {
            z
        }
    };
    let swap_runs = |v: &mut [T], x: usize, y: usize, len: usize| {
        for i in 0..len {
            v.swap(x + i, y + i);
        }
    };
    loop {
        if n < 7 {
            for m in a + 1..a + n {
                let mut l = m;
                while l > a && cmp(v, l - 1, l) == Greater {
                    v.swap(l, l - 1);
                    l -= 1;
                }
            }
            return;
        }
        let mut m = a + n / 2;
        if n > 7 {
            let (mut l, mut last) = (a, a + n - 1);
            if n > 40 {
                let d = n / 8;
                l = median_of_three(v, l, l + d, l + 2 * d);
                m = median_of_three(v, m - d, m, m + d);
                last = median_of_three(v, last - 2 * d, last - d, last);
            }
            m = median_of_three(v, l, m, last);
        }
        v.swap(a, m);
        let (mut pa, mut pb) = (a + 1, a + 1);
        let (mut pc, mut pd) = (a + n - 1, a + n - 1);
        loop {
            while pb <= pc {
                let order = cmp(v, pb, a);
                if order == Greater {
                    break;
                }
                if order == Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let order = cmp(v, pc, a);
                if order == Less {
                    break;
                }
                if order == Equal {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        let end = a + n;
        let r = (pa - a).min(pb - pa);
        swap_runs(v, a, pb - r, r);
        let r = (pd - pc).min(end - pd - 1);
        swap_runs(v, pb, end - r, r);
        // A part is sorted only if it holds some of the ranks wanted.
        let wanted = |start: usize, len: usize| !(high < start || low >= start + len);
        let r = pb - pa;
        if r > 1 && wanted(a, r) {
            partial_quicksort_part(v, a, r, low, high, compare);
        }
        let r = pd - pc;
        if r > 1 && wanted(end - r, r) {
            (a, n) = (end - r, r);
            continue;
        }
        return;
    }
}

fn reply_found(reply: &mut ReplyWriter, query: &Query<'_>, found: &[Found<'_>], to_meters: f64) {
    let options = usize::from(query.with_distance)
        + usize::from(query.with_hash)
        + usize::from(query.with_coordinates);
    reply.array(found.len());
    for item in found {
        if options != 0 {
            reply.array(options + 1);
        }
        reply.bulk(item.member);
        if query.with_distance {
            reply.bulk(format_fixed_point_4(item.meters / to_meters).as_bytes());
        }
        if query.with_hash {
            // Truncated, as Redis's `addReplyLongLong(c, gp->score)`: a position's score is an
            // integer below 2^52; a fraction is possible only in an ordinary sorted set.
            reply.integer(item.score as i64);
        }
        if query.with_coordinates {
            reply.array(2);
            reply.exact_human_double(item.longitude);
            reply.exact_human_double(item.latitude);
        }
    }
}

/// Every word that may name GEORADIUS's store key: the one after each STORE or STOREDIST
/// among the options. The command's parse picks one of them (the last); all are locked.
fn store_candidates(args: Args<'_>, form: Form) -> impl Iterator<Item = &[u8]> + '_ {
    (form.options_at()..args.len().saturating_sub(1))
        .filter(move |&i| is(args.get(i), "store") || is(args.get(i), "storedist"))
        .map(move |i| args.get(i + 1))
}

/// The GEORADIUS family, GEOSEARCH and GEOSEARCHSTORE (Redis's `georadiusGeneric`).
fn search_command(
    ctx: &mut Context<'_>,
    args: Args<'_>,
    form: Form,
    read_only: bool,
) -> CommandResult {
    let source = args.get(form.source_at());
    let source_hash = hash_key(source);
    let destinations: Vec<u64> = match form {
        Form::SearchStore => vec![hash_key(args.get(1))],
        _ if read_only => Vec::new(),
        _ => store_candidates(args, form).map(hash_key).collect(),
    };
    let server = ctx.server;
    let now_ms = ctx.now_ms;
    let hashes = std::iter::once(source_hash).chain(destinations.iter().copied());
    let mut shards = server.db(ctx.client.db).lock_keys(hashes);
    let zset = read_zset(shards.shard(source_hash), source_hash, source, now_ms)?;
    let query = parse_query(args, form, read_only, zset.as_deref())?;
    let to_meters = query.search.map_or(1.0, |s| s.to_meters);
    let mut found = match (&zset, &query.search) {
        (Some(zset), Some(search)) => find(zset, search, if query.any { query.count } else { 0 }),
        _ => Vec::new(),
    };
    select(&mut found, query.order, query.count);
    let Some((destination, store_distance)) = query.store else {
        reply_found(ctx.reply, &query, &found, to_meters);
        return Ok(());
    };
    let result: Vec<(f64, Vec<u8>)> = found
        .iter()
        .map(|f| {
            let score = if store_distance { f.meters / to_meters } else { f.score };
            (score, f.member.to_vec())
        })
        .collect();
    drop(found);
    let event = if form.is_search() { "geosearchstore" } else { "georadiusstore" };
    let dst_hash = hash_key(destination);
    store_result(ctx, shards.shard(dst_hash), dst_hash, destination, result, event)
}

/// GEORADIUS key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST]
/// [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
pub fn georadius(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    search_command(ctx, args, Form::Radius, false)
}

/// GEORADIUS_RO: GEORADIUS without STORE.
pub fn georadius_ro(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    search_command(ctx, args, Form::Radius, true)
}

/// GEORADIUSBYMEMBER key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH]
/// [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
pub fn georadiusbymember(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    search_command(ctx, args, Form::RadiusByMember, false)
}

/// GEORADIUSBYMEMBER_RO: GEORADIUSBYMEMBER without STORE.
pub fn georadiusbymember_ro(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    search_command(ctx, args, Form::RadiusByMember, true)
}

/// GEOSEARCH key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius unit |
/// BYBOX width height unit> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
pub fn geosearch(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    search_command(ctx, args, Form::Search, true)
}

/// GEOSEARCHSTORE destination source <FROMMEMBER ... | FROMLONLAT ...> <BYRADIUS ... |
/// BYBOX ...> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]
pub fn geosearchstore(ctx: &mut Context<'_>, args: Args<'_>) -> CommandResult {
    search_command(ctx, args, Form::SearchStore, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The partial quicksort puts the wanted ranks in order whatever the input, like a sort.
    #[test]
    fn the_partial_quicksort_orders_the_wanted_ranks() {
        let mut state = 7u64;
        for len in [0usize, 1, 5, 7, 8, 40, 41, 200, 1000] {
            for high in [0usize, 1, 3, 10, 500] {
                let mut values: Vec<u64> = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        (state >> 33) % 50
                    })
                    .collect();
                let mut sorted = values.clone();
                sorted.sort_unstable();
                let high = high.min(len.saturating_sub(1));
                partial_quicksort(&mut values, 0, high, &|a: &u64, b: &u64| a.cmp(b));
                if len > 0 {
                    assert_eq!(values[..=high], sorted[..=high], "len {len} high {high}");
                }
            }
        }
    }
}
