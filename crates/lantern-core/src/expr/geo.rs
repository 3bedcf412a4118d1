//! Geography for `distance()`, `area()` and `geofence()`: geopoint lists as ODK stores
//! them (`lat lon [altitude accuracy]` separated by `;`), great-circle distance and
//! spherical polygon area on a sphere of radius 6,378,100 m, rounded to centimetres /
//! square centimetres as JavaRosa's `GeoUtils` and Enketo do.

const EARTH_RADIUS_M: f64 = 6_378_100.0;

fn two_decimals(x: f64) -> f64 {
    (x * 100.0 + 0.5).floor() / 100.0
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// Parses `lat lon [alt [acc]]; …`; `None` if any point is malformed or out of range.
pub fn parse_points(s: &str) -> Option<Vec<Point>> {
    let mut out = Vec::new();
    for part in s.split(';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let fields: Vec<f64> = part
            .split_whitespace()
            .map(|f| f.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect::<Option<Vec<_>>>()?;
        if !(2..=4).contains(&fields.len()) {
            return None;
        }
        let (lat, lon) = (fields[0], fields[1]);
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return None;
        }
        out.push(Point { lat, lon });
    }
    if out.is_empty() { None } else { Some(out) }
}

/// Length of the path through `points`, in metres (haversine).
pub fn distance(points: &[Point]) -> f64 {
    let metres: f64 = points
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
            let dlat = lat2 - lat1;
            let dlon = (b.lon - a.lon).to_radians();
            let h =
                (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
            2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
        })
        .sum();
    two_decimals(metres)
}

/// Area enclosed by the polygon `points`, in square metres (Chamberlain & Duquette's
/// spherical approximation, the formula of JavaRosa's `GeoUtils`).
pub fn area(points: &[Point]) -> f64 {
    if points.len() < 3 {
        return 0.0;
    }
    let mut total = 0.0;
    for (i, p1) in points.iter().enumerate() {
        let p2 = points[(i + 1) % points.len()];
        total += (p2.lon - p1.lon).to_radians()
            * (2.0 + p1.lat.to_radians().sin() + p2.lat.to_radians().sin());
    }
    two_decimals((total * EARTH_RADIUS_M * EARTH_RADIUS_M / 2.0).abs())
}

/// Whether `point` lies inside the polygon `shape` (ray casting in lat/lon).
pub fn inside(point: Point, shape: &[Point]) -> bool {
    let mut inside = false;
    let mut j = shape.len() - 1;
    for i in 0..shape.len() {
        let (a, b) = (shape[i], shape[j]);
        if (a.lon > point.lon) != (b.lon > point.lon)
            && point.lat < (b.lat - a.lat) * (point.lon - a.lon) / (b.lon - a.lon) + a.lat
        {
            inside = !inside;
        }
        j = i;
    }
    inside
}
