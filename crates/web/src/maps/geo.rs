//! Boundaries for the maps, from `data/shandong` (compiled in): the cities for the province,
//! a city's counties for a city. Served with an ETag and long caching, since they never change
//! within a release.

use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

const CITIES: &str = include_str!("../../../../data/shandong/cities.geojson");
const COUNTIES: &str = include_str!("../../../../data/shandong/counties.geojson");

pub struct Boundaries {
    /// Region code → (GeoJSON FeatureCollection text of its children, ETag).
    by_parent: HashMap<String, (String, String)>,
    /// Codes that have a polygon.
    pub with_polygon: BTreeSet<String>,
}

fn collection(features: Vec<Value>) -> (String, String) {
    let body = serde_json::json!({"type": "FeatureCollection", "features": features}).to_string();
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(body.as_bytes()))[..16]);
    (body, etag)
}

pub fn boundaries() -> &'static Boundaries {
    static B: OnceLock<Boundaries> = OnceLock::new();
    B.get_or_init(|| {
        let parse = |s: &str| -> Vec<Value> {
            let v: Value = serde_json::from_str(s).expect("shipped GeoJSON is valid");
            v["features"].as_array().cloned().unwrap_or_default()
        };
        let code_of = |f: &Value| {
            f["properties"]["adcode"].as_str().map(str::to_string).or_else(|| f["properties"]["adcode"].as_i64().map(|n| n.to_string()))
        };
        let cities = parse(CITIES);
        let counties = parse(COUNTIES);
        let mut with_polygon = BTreeSet::new();
        let mut by_parent = HashMap::new();
        for f in cities.iter().chain(counties.iter()) {
            if let Some(c) = code_of(f) {
                with_polygon.insert(c);
            }
        }
        by_parent.insert("37".to_string(), collection(cities));
        let mut per_city: HashMap<String, Vec<Value>> = HashMap::new();
        for f in counties {
            if let Some(c) = code_of(&f) {
                per_city.entry(c[..4].to_string()).or_default().push(f);
            }
        }
        for (city, fs) in per_city {
            by_parent.insert(city, collection(fs));
        }
        Boundaries { by_parent, with_polygon }
    })
}

impl Boundaries {
    /// Whether `code`'s children are drawn as polygons.
    pub fn has_children_polygons(&self, code: &str) -> bool {
        self.by_parent.contains_key(code)
    }
}

/// `GET /api/v1/geo/{code}`: the polygons of the children of the province or of a city.
pub async fn children_boundaries(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let Some((body, etag)) = boundaries().by_parent.get(&code) else {
        return crate::error::ApiError::new(StatusCode::NOT_FOUND, "geo.none", "该区划的下级没有边界数据（县以下以表格和柱状图显示）")
            .into_response();
    };
    let cache = [(header::ETAG, etag.clone()), (header::CACHE_CONTROL, "public, max-age=86400".to_string())];
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, "application/geo+json")], body.clone()).into_response()
}
