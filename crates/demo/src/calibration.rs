//! The official figures the demo is calibrated to (DOMAIN.md, "Shandong's registered poor").

/// Registered poor people at the end of 2015, by city code (莱芜 is now part of 济南 as
/// 莱芜区/钢城区, and is added to those two districts), with the mean household size where it is
/// published (DOMAIN.md: 菏泽 2.31, 临沂 1.73, 聊城 1.91). The other cities share one mean,
/// derived from the province's households (`city_targets`).
pub const CITY_PEOPLE: &[(&str, u32, Option<f64>)] = &[
    // (city, people, mean household size)
    ("3717", 903_988, Some(2.31)), // 菏泽
    ("3713", 442_079, Some(1.73)), // 临沂
    ("3715", 248_108, Some(1.91)), // 聊城
    ("3709", 142_427, None),       // 泰安
    ("3708", 97_051, None),        // 济宁
    ("3714", 95_828, None),        // 德州
    ("3716", 88_036, None),        // 滨州
    ("3704", 71_574, None),        // 枣庄
    ("3707", 66_517, None),        // 潍坊
    ("3703", 60_859, None),        // 淄博
    ("3701", 48_974, None),        // 济南
    ("3706", 45_200, None),        // 烟台
    ("3711", 43_627, None),        // 日照
    ("3710", 16_418, None),        // 威海
    ("3702", 8_481, None),         // 青岛
    ("3705", 4_291, None),         // 东营
];

/// The former 莱芜市, now 莱芜区 and 钢城区 of 济南.
pub const LAIWU: (&[&str], u32) = (&["370116", "370117"], 26_000);

/// Registration at the end of 2015 (for the report): people and households.
pub const OFFICIAL_PEOPLE: u32 = 2_423_821;
pub const OFFICIAL_HOUSEHOLDS: u32 = 1_211_065;

/// A city's official people (济南 with 莱芜) as the table gives them.
pub fn official_city_people(city: &str) -> u32 {
    let people = CITY_PEOPLE.iter().find(|c| c.0 == city).map_or(0, |c| c.1);
    people + if city == "3701" { LAIWU.1 } else { 0 }
}

/// The two official sources disagree: the city table (with 莱芜) adds up to 2,409,458 people,
/// 14,363 (0.59%) fewer than the province's 2,423,821 (its shares add up to 99.4%), and nothing
/// says where the rest were registered. Both cannot be met; the city figures are scaled by the
/// geometric mean of 1 and province / Σ cities (about 1.003), so the cities sit about 0.3% above
/// their figures and the province about 0.3% below its own: the least relative error on both.
pub fn reconciliation() -> f64 {
    let cities: u32 = CITY_PEOPLE.iter().map(|c| c.1).sum::<u32>() + LAIWU.1;
    (OFFICIAL_PEOPLE as f64 / cities as f64).sqrt()
}

/// What the demo registers per city at scale 1: people (reconciled), mean household size and
/// households.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CityTarget {
    pub city: &'static str,
    pub people: f64,
    pub mean_size: f64,
    pub households: f64,
}

/// The cities' targets. Households: where a city's mean size is published, people / mean; the
/// other cities take the one mean that brings the province to its official 1,211,065
/// households (about 1.89; the province's 2.0 is no estimate for them, as 菏泽's 2.31 makes
/// most of it).
pub fn city_targets() -> Vec<CityTarget> {
    let k = reconciliation();
    let people = |city| official_city_people(city) as f64 * k;
    let published: f64 = CITY_PEOPLE.iter().filter_map(|&(c, _, m)| m.map(|m| people(c) / m)).sum();
    let rest: f64 = CITY_PEOPLE.iter().filter(|c| c.2.is_none()).map(|c| people(c.0)).sum();
    let rest_mean = rest / (OFFICIAL_HOUSEHOLDS as f64 - published);
    CITY_PEOPLE
        .iter()
        .map(|&(city, _, mean)| {
            let mean_size = mean.unwrap_or(rest_mean);
            CityTarget { city, people: people(city), mean_size, households: people(city) / mean_size }
        })
        .collect()
}

/// Exits per year as a share of those still poor at the start of that year:
/// 2016 1.512 M of 2.424 M; 2017 0.832 M of the 0.912 M left; 2018 the rest of the heavy cases.
pub const EXIT_SHARE: &[(i32, f64)] = &[(2016, 0.624), (2017, 0.912), (2018, 0.85)];

/// 致贫原因 (main cause) shares: illness and disability together about 60%.
pub const CAUSE_SHARE: &[(&str, f64)] = &[
    ("01", 0.42),
    ("02", 0.17),
    ("03", 0.03),
    ("04", 0.02),
    ("05", 0.02),
    ("06", 0.005),
    ("07", 0.09),
    ("08", 0.12),
    ("09", 0.08),
    ("10", 0.005),
    ("11", 0.03),
    ("99", 0.01),
];

/// Yearly exit targets as shares of the registered poor (provincial plan: 1.2 M in 2016,
/// 0.896 M in 2017, the rest, about 0.33 M, in 2018).
pub const EXIT_TARGETS: &[(i32, f64)] = &[(2016, 0.495), (2017, 0.37), (2018, 0.135)];
