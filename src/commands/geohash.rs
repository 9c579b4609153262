//! The geohash arithmetic behind the GEO commands, computed as Redis computes it so that
//! scores, positions, distances and search results are the same to the last bit: a position
//! is a 52-bit interleaved geohash (26 steps of longitude and latitude) stored as a sorted-set
//! score; a search covers its shape with the geohash box of the centre and its eight
//! neighbours at a step chosen from the radius, then filters each candidate by distance.
//! Distances are haversine great-circle distances on a sphere of Redis's radius.

/// Geohash steps of a stored position: 26 per axis, 52 bits in all.
pub const STEP_MAX: u8 = 26;
/// The latitude limits of EPSG:900913 (Web Mercator): positions beyond them are refused.
pub const LAT_MIN: f64 = -85.051_128_78;
pub const LAT_MAX: f64 = 85.051_128_78;
pub const LONG_MIN: f64 = -180.0;
pub const LONG_MAX: f64 = 180.0;

/// Earth's quadratic mean radius for WGS-84, Redis's `EARTH_RADIUS_IN_METERS`.
const EARTH_RADIUS_METERS: f64 = 6_372_797.560_856;
/// Half the Mercator projection's width, the widest radius a step-1 box covers.
const MERCATOR_MAX_METERS: f64 = 20_037_726.37;
const DEGREES_TO_RADIANS: f64 = std::f64::consts::PI / 180.0;

/// A geohash of `step` bits per axis: longitude bits at the odd positions, latitude bits at
/// the even ones. Bits 0 with step 0 is "no box" (a neighbour a search leaves out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeoHash {
    pub bits: u64,
    pub step: u8,
}

impl GeoHash {
    pub const NONE: GeoHash = GeoHash { bits: 0, step: 0 };

    pub fn is_none(self) -> bool {
        self == Self::NONE
    }

    /// The hash as a 52-bit score: its bits moved to the top of 52.
    pub fn score_bits(self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }

    /// The sorted-set scores `[min, max)` that hold every position inside this box.
    pub fn score_range(self) -> (f64, f64) {
        let next = GeoHash { bits: self.bits + 1, step: self.step };
        (self.score_bits() as f64, next.score_bits() as f64)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

/// The rectangle a geohash stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub longitude: Range,
    pub latitude: Range,
}

/// The ranges stored positions are encoded in.
pub const MERCATOR: (Range, Range) =
    (Range { min: LONG_MIN, max: LONG_MAX }, Range { min: LAT_MIN, max: LAT_MAX });
/// The ranges of standard geohash strings (GEOHASH's output).
pub const STANDARD: (Range, Range) =
    (Range { min: -180.0, max: 180.0 }, Range { min: -90.0, max: 90.0 });

/// Spreads the low 32 bits of `x` over the even bit positions and those of `y` over the odd.
fn interleave(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    spread(x) | (spread(y) << 1)
}

/// The inverse of `interleave`: (even bits, odd bits).
fn deinterleave(v: u64) -> (u32, u32) {
    fn squash(v: u64) -> u32 {
        let mut v = v & 0x5555_5555_5555_5555;
        v = (v | (v >> 1)) & 0x3333_3333_3333_3333;
        v = (v | (v >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v >> 4)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v >> 8)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v >> 16)) & 0x0000_0000_FFFF_FFFF;
        // The mask keeps 32 bits.
        v as u32
    }
    (squash(v), squash(v >> 1))
}

/// Encodes a position at `step` bits per axis within `ranges`; None outside the Mercator
/// limits or the ranges, or for a step out of 1..=26 (Redis's `geohashEncode` takes up to 32;
/// no search needs more than 26, and every shift here stays in range).
pub fn encode(ranges: (Range, Range), longitude: f64, latitude: f64, step: u8) -> Option<GeoHash> {
    let (long_range, lat_range) = ranges;
    if step == 0 || step > STEP_MAX {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&longitude) || !(LAT_MIN..=LAT_MAX).contains(&latitude) {
        return None;
    }
    if latitude < lat_range.min
        || latitude > lat_range.max
        || longitude < long_range.min
        || longitude > long_range.max
    {
        return None;
    }
    let cells = (1u64 << step) as f64;
    let lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min) * cells;
    let long_offset = (longitude - long_range.min) / (long_range.max - long_range.min) * cells;
    // In [0, 2^step]: the conversion truncates, as C's to uint32_t does.
    Some(GeoHash { bits: interleave(lat_offset as u32, long_offset as u32), step })
}

/// The position's stored score: its 26-step Mercator geohash as a 52-bit integer.
pub fn encode_score(longitude: f64, latitude: f64) -> Option<u64> {
    encode(MERCATOR, longitude, latitude, STEP_MAX).map(GeoHash::score_bits)
}

/// The rectangle `hash` stands for within `ranges`; None for `GeoHash::NONE`.
pub fn decode(ranges: (Range, Range), hash: GeoHash) -> Option<Area> {
    if hash.is_none() {
        return None;
    }
    let (long_range, lat_range) = ranges;
    let (lat_cell, long_cell) = deinterleave(hash.bits);
    let cells = (1u64 << hash.step) as f64;
    let lat_scale = lat_range.max - lat_range.min;
    let long_scale = long_range.max - long_range.min;
    let edge = |range: Range, scale: f64, cell: u32| range.min + (f64::from(cell) / cells) * scale;
    Some(Area {
        latitude: Range {
            min: edge(lat_range, lat_scale, lat_cell),
            max: edge(lat_range, lat_scale, lat_cell.wrapping_add(1)),
        },
        longitude: Range {
            min: edge(long_range, long_scale, long_cell),
            max: edge(long_range, long_scale, long_cell.wrapping_add(1)),
        },
    })
}

/// A score as C's `(uint64_t)` cast computes it on x86-64, where Redis runs: the truncating
/// signed conversion below 2^63 (so -5 wraps to 2^64 - 5), the high bit added back above it,
/// and 0x8000_0000_0000_0000 from the conversion of anything out of range (so 1e300 gives 0).
/// Positions' scores are integers below 2^52 and convert exactly; these rules decide only
/// what GEOPOS and friends say of members of an ordinary sorted set.
fn score_bits(score: f64) -> u64 {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    let truncate = |x: f64| -> u64 {
        if x.is_nan() || !(-TWO_POW_63..TWO_POW_63).contains(&x) {
            1 << 63
        } else {
            // In range: the truncation C performs, two's complement for negatives.
            x as i64 as u64
        }
    };
    if score < TWO_POW_63 {
        truncate(score)
    } else {
        truncate(score - TWO_POW_63) ^ (1 << 63)
    }
}

/// The centre of a stored score's box, clamped to the Mercator limits: (longitude,
/// latitude). Redis casts the score to an integer; a score no position has still decodes.
pub fn decode_score(score: f64) -> Option<(f64, f64)> {
    let hash = GeoHash { bits: score_bits(score), step: STEP_MAX };
    let area = decode(MERCATOR, hash)?;
    let longitude = ((area.longitude.min + area.longitude.max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let latitude = ((area.latitude.min + area.latitude.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    Some((longitude, latitude))
}

/// GEOHASH's 11-character standard geohash of a stored score (the 11th character is always
/// `0`: only 52 bits are kept).
pub fn standard_string(score: f64) -> Option<[u8; 11]> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (longitude, latitude) = decode_score(score)?;
    let hash = encode(STANDARD, longitude, latitude, STEP_MAX)?;
    let mut text = [b'0'; 11];
    for (i, c) in text.iter_mut().take(10).enumerate() {
        // Five bits at a time from the top of 52; the mask keeps the index below 32.
        let index = (hash.bits >> (52 - (i + 1) * 5)) & 0x1f;
        *c = ALPHABET[index as usize];
    }
    Some(text)
}

/// Moves `hash` one box east (`+1`) or west (`-1`) along the odd (longitude) bits, or north or
/// south along the even (latitude) bits, wrapping around at the edges.
fn moved(hash: GeoHash, odd_bits: bool, direction: i8) -> GeoHash {
    const ODD: u64 = 0xaaaa_aaaa_aaaa_aaaa;
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let shift = 64 - u32::from(hash.step) * 2;
    let (moving_mask, other_mask) = if odd_bits { (ODD, EVEN) } else { (EVEN, ODD) };
    let mut moving = hash.bits & moving_mask;
    let other = hash.bits & other_mask;
    // The other axis's bits, all set, carry a +1 or -1 across the gaps between this axis's.
    let filler = other_mask >> shift;
    if direction > 0 {
        moving = moving.wrapping_add(filler + 1);
    } else {
        moving = (moving | filler).wrapping_sub(filler + 1);
    }
    moving &= moving_mask >> shift;
    GeoHash { bits: moving | other, step: hash.step }
}

/// The step at which the boxes around a point cover `radius_meters` (Redis's
/// `geohashEstimateStepsByRadius`): coarser towards the poles.
fn steps_for_radius(radius_meters: f64, latitude: f64) -> u8 {
    if radius_meters == 0.0 {
        return STEP_MAX;
    }
    let mut range = radius_meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX_METERS {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&latitude) {
        step -= 1;
        if !(-80.0..=80.0).contains(&latitude) {
            step -= 1;
        }
    }
    // In 1..=26 after the clamp.
    step.clamp(1, i32::from(STEP_MAX)) as u8
}

/// What a search covers: a circle of `radius` or an axis-aligned box of `width` by `height`,
/// in the request's unit (`to_meters` converts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Circle { radius: f64 },
    Box { width: f64, height: f64 },
}

/// A search: its shape around a centre (longitude, latitude).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Search {
    pub center: (f64, f64),
    pub shape: Shape,
    pub to_meters: f64,
}

impl Search {
    /// The shape's half-height and half-width in meters.
    fn half_extent_meters(&self) -> (f64, f64) {
        match self.shape {
            Shape::Circle { radius } => (radius * self.to_meters, radius * self.to_meters),
            Shape::Box { width, height } => {
                (height / 2.0 * self.to_meters, width / 2.0 * self.to_meters)
            }
        }
    }

    /// The bounding box (min longitude, min latitude, max longitude, max latitude), widened
    /// in longitude at the latitude further from the equator (Redis's `geohashBoundingBox`).
    fn bounds(&self) -> [f64; 4] {
        let (longitude, latitude) = self.center;
        let (height, width) = self.half_extent_meters();
        let lat_delta = (height / EARTH_RADIUS_METERS) / DEGREES_TO_RADIANS;
        let long_delta = |at: f64| {
            (width / EARTH_RADIUS_METERS / (at * DEGREES_TO_RADIANS).cos()) / DEGREES_TO_RADIANS
        };
        let long_delta_top = long_delta(latitude + lat_delta);
        let long_delta_bottom = long_delta(latitude - lat_delta);
        let long_delta = if latitude < 0.0 { long_delta_bottom } else { long_delta_top };
        [longitude - long_delta, latitude - lat_delta, longitude + long_delta, latitude + lat_delta]
    }

    /// The boxes to scan, in Redis's order: the centre's, then north, south, east, west,
    /// north-east, north-west, south-east and south-west, `GeoHash::NONE` for a neighbour the
    /// shape cannot reach (Redis's `geohashCalculateAreasByShapeWGS84`).
    pub fn boxes(&self) -> [GeoHash; 9] {
        let [min_lon, min_lat, max_lon, max_lat] = self.bounds();
        let (longitude, latitude) = self.center;
        let radius_meters = match self.shape {
            Shape::Circle { radius } => radius,
            Shape::Box { width, height } => {
                ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
            }
        } * self.to_meters;
        let mut step = steps_for_radius(radius_meters, latitude);
        let around = |step: u8| {
            let hash = encode(MERCATOR, longitude, latitude, step)?;
            Some((hash, neighbours(hash), decode(MERCATOR, hash)))
        };
        // Callers pass a checked or decoded centre, which always encodes; nothing to scan
        // otherwise.
        let Some((mut hash, mut next, mut area)) = around(step) else {
            return [GeoHash::NONE; 9];
        };
        // At the edge of its box, a search may reach past the neighbours: one step coarser.
        let edge = |i: usize| decode(MERCATOR, next[i]);
        let short = edge(0).is_some_and(|north| north.latitude.max < max_lat)
            || edge(1).is_some_and(|south| south.latitude.min > min_lat)
            || edge(2).is_some_and(|east| east.longitude.max < max_lon)
            || edge(3).is_some_and(|west| west.longitude.min > min_lon);
        if step > 1 && short {
            step -= 1;
            let Some(coarser) = around(step) else { return [GeoHash::NONE; 9] };
            (hash, next, area) = coarser;
        }
        let [mut north, mut south, mut east, mut west, mut ne, mut nw, mut se, mut sw] = next;
        if let (true, Some(area)) = (step >= 2, area) {
            if area.latitude.min < min_lat {
                (south, sw, se) = (GeoHash::NONE, GeoHash::NONE, GeoHash::NONE);
            }
            if area.latitude.max > max_lat {
                (north, ne, nw) = (GeoHash::NONE, GeoHash::NONE, GeoHash::NONE);
            }
            if area.longitude.min < min_lon {
                (west, sw, nw) = (GeoHash::NONE, GeoHash::NONE, GeoHash::NONE);
            }
            if area.longitude.max > max_lon {
                (east, se, ne) = (GeoHash::NONE, GeoHash::NONE, GeoHash::NONE);
            }
        }
        [hash, north, south, east, west, ne, nw, se, sw]
    }

    /// The distance in meters from the centre to a position inside the shape; None outside.
    pub fn distance_if_inside(&self, longitude: f64, latitude: f64) -> Option<f64> {
        let (x1, y1) = self.center;
        match self.shape {
            Shape::Circle { radius } => {
                let distance = distance(x1, y1, longitude, latitude);
                // Redis refuses only what is farther (a NaN distance would be kept).
                let limit = radius * self.to_meters;
                let farther = distance.partial_cmp(&limit) == Some(std::cmp::Ordering::Greater);
                (!farther).then_some(distance)
            }
            Shape::Box { width, height } => {
                // The cheaper latitude test first, as Redis 7.2 does.
                if latitude_distance(latitude, y1) > height * self.to_meters / 2.0 {
                    return None;
                }
                if distance(longitude, latitude, x1, latitude) > width * self.to_meters / 2.0 {
                    return None;
                }
                Some(distance(x1, y1, longitude, latitude))
            }
        }
    }
}

/// The eight neighbours of `hash`: north, south, east, west, north-east, north-west,
/// south-east, south-west.
fn neighbours(hash: GeoHash) -> [GeoHash; 8] {
    let east = |h| moved(h, true, 1);
    let west = |h| moved(h, true, -1);
    let north = |h| moved(h, false, 1);
    let south = |h| moved(h, false, -1);
    [
        north(hash),
        south(hash),
        east(hash),
        west(hash),
        north(east(hash)),
        north(west(hash)),
        south(east(hash)),
        south(west(hash)),
    ]
}

/// The distance in meters between two latitudes on one meridian.
fn latitude_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_METERS * ((lat2 * DEGREES_TO_RADIANS) - (lat1 * DEGREES_TO_RADIANS)).abs()
}

/// The haversine great-circle distance in meters between two positions.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = lon1 * DEGREES_TO_RADIANS;
    let lon2r = lon2 * DEGREES_TO_RADIANS;
    let v = ((lon2r - lon1r) / 2.0).sin();
    // On one meridian the formula reduces to the latitude difference (Redis 7.2's shortcut).
    if v == 0.0 {
        return latitude_distance(lat1, lat2);
    }
    let lat1r = lat1 * DEGREES_TO_RADIANS;
    let lat2r = lat2 * DEGREES_TO_RADIANS;
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_METERS * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaving_round_trips() {
        for (x, y) in [(0u32, 0u32), (1, 0), (0, 1), (0x03ff_ffff, 0x0155_5555), (u32::MAX, 7)] {
            assert_eq!(deinterleave(interleave(x, y)), (x, y));
        }
        assert_eq!(interleave(1, 0), 1);
        assert_eq!(interleave(0, 1), 2);
    }

    /// Scores, positions and geohash strings read from redis-server 7.0 (GEOADD, ZSCORE,
    /// GEOPOS, GEOHASH) for Redis's documentation examples.
    #[test]
    fn scores_positions_and_strings_match_redis() {
        let palermo = encode_score(13.361389, 38.115556).unwrap();
        assert_eq!(palermo, 3_479_099_956_230_698);
        let catania = encode_score(15.087269, 37.502669).unwrap();
        assert_eq!(catania, 3_479_447_370_796_909);
        let (lon, lat) = decode_score(palermo as f64).unwrap();
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
        assert_eq!(&standard_string(palermo as f64).unwrap(), b"sqc8b49rny0");
        assert_eq!(&standard_string(catania as f64).unwrap(), b"sqdtr74hyu0");
        let (x1, y1) = decode_score(palermo as f64).unwrap();
        let (x2, y2) = decode_score(catania as f64).unwrap();
        assert_eq!(format!("{:.4}", distance(x1, y1, x2, y2)), "166274.1516");
    }

    #[test]
    fn scores_convert_as_c_does_on_x86_64() {
        assert_eq!(score_bits(3_479_099_956_230_698.0), 3_479_099_956_230_698);
        assert_eq!(score_bits(-5.0), u64::MAX - 4);
        assert_eq!(score_bits(1e300), 0);
        assert_eq!(score_bits(f64::INFINITY), 0);
        assert_eq!(score_bits(f64::NEG_INFINITY), 1 << 63);
        assert_eq!(score_bits(1.5e19), 15_000_000_000_000_000_000);
    }

    #[test]
    fn positions_beyond_the_limits_do_not_encode() {
        assert!(encode_score(180.0, 85.05112878).is_some());
        assert!(encode_score(-180.0, -85.05112878).is_some());
        assert!(encode_score(180.000001, 0.0).is_none());
        assert!(encode_score(0.0, 85.06).is_none());
        assert!(encode(MERCATOR, 0.0, 0.0, 0).is_none());
        assert!(encode(MERCATOR, 0.0, 0.0, 27).is_none());
    }

    #[test]
    fn neighbours_wrap_and_move_one_box() {
        let hash = encode(MERCATOR, 0.1, 0.1, 2).unwrap();
        let [north, south, east, west, ..] = neighbours(hash);
        let area = decode(MERCATOR, hash).unwrap();
        let north = decode(MERCATOR, north).unwrap();
        assert_eq!(north.latitude.min, area.latitude.max);
        assert_eq!(north.longitude, area.longitude);
        let south = decode(MERCATOR, south).unwrap();
        assert_eq!(south.latitude.max, area.latitude.min);
        let east = decode(MERCATOR, east).unwrap();
        assert_eq!(east.longitude.min, area.longitude.max);
        let west = decode(MERCATOR, west).unwrap();
        assert_eq!(west.longitude.max, area.longitude.min);
        // At the east edge the east neighbour wraps to the west edge.
        let edge = encode(MERCATOR, 179.9, 0.0, 3).unwrap();
        let wrapped = decode(MERCATOR, neighbours(edge)[2]).unwrap();
        assert_eq!(wrapped.longitude.min, -180.0);
    }

    #[test]
    fn steps_shrink_with_the_radius_and_towards_the_poles() {
        assert_eq!(steps_for_radius(0.0, 0.0), 26);
        assert_eq!(steps_for_radius(200_000.0, 10.0), 6);
        assert_eq!(steps_for_radius(200_000.0, 70.0), 5);
        assert_eq!(steps_for_radius(200_000.0, 81.0), 4);
        assert_eq!(steps_for_radius(1e9, 0.0), 1);
        assert_eq!(steps_for_radius(0.001, 0.0), 26);
    }
}
