//! The official figures the demo is calibrated to (DOMAIN.md, "Shandong's registered poor").

/// Registered poor people at the end of 2015, by city code (莱芜 is now part of 济南 as
/// 莱芜区/钢城区, and is added to those two districts).
pub const CITY_PEOPLE: &[(&str, u32, f64)] = &[
    // (city, people, mean household size)
    ("3717", 903_988, 2.31), // 菏泽
    ("3713", 442_079, 1.73), // 临沂
    ("3715", 248_108, 1.91), // 聊城
    ("3709", 142_427, 2.0),  // 泰安
    ("3708", 97_051, 2.0),   // 济宁
    ("3714", 95_828, 2.0),   // 德州
    ("3716", 88_036, 2.0),   // 滨州
    ("3704", 71_574, 2.0),   // 枣庄
    ("3707", 66_517, 2.0),   // 潍坊
    ("3703", 60_859, 2.0),   // 淄博
    ("3701", 48_974, 2.0),   // 济南
    ("3706", 45_200, 2.0),   // 烟台
    ("3711", 43_627, 2.0),   // 日照
    ("3710", 16_418, 2.0),   // 威海
    ("3702", 8_481, 2.0),    // 青岛
    ("3705", 4_291, 2.0),    // 东营
];

/// The former 莱芜市, now 莱芜区 and 钢城区 of 济南.
pub const LAIWU: (&[&str], u32) = (&["370116", "370117"], 26_000);

/// Registration at the end of 2015 (for the report): people and households.
pub const OFFICIAL_PEOPLE: u32 = 2_423_821;
pub const OFFICIAL_HOUSEHOLDS: u32 = 1_211_065;

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
