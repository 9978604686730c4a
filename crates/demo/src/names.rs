//! Plausible Chinese names: surnames weighted roughly as in Shandong, given names by sex and
//! generation.

use rand::Rng;

const SURNAMES: &[(&str, u32)] = &[
    ("王", 120),
    ("张", 110),
    ("李", 105),
    ("刘", 80),
    ("孙", 45),
    ("杨", 40),
    ("陈", 35),
    ("赵", 35),
    ("徐", 30),
    ("马", 28),
    ("高", 28),
    ("韩", 22),
    ("郭", 20),
    ("朱", 18),
    ("宋", 18),
    ("于", 18),
    ("周", 16),
    ("吴", 14),
    ("曹", 14),
    ("许", 12),
    ("孔", 10),
    ("程", 10),
    ("田", 10),
    ("董", 10),
    ("邢", 8),
    ("侯", 8),
    ("牛", 7),
    ("苏", 7),
    ("魏", 7),
    ("崔", 7),
    ("葛", 6),
    ("范", 6),
];

const OLD_MALE: &[&str] = &[
    "建国", "国庆", "德胜", "福顺", "长山", "玉林", "保田", "文华", "振华", "金堂", "树林", "广明", "连生", "庆云", "学礼", "秀山", "立春",
    "洪福",
];
const OLD_FEMALE: &[&str] =
    &["秀英", "桂兰", "玉兰", "凤英", "淑珍", "秀兰", "桂英", "玉珍", "兰英", "春花", "凤兰", "翠英", "素芳", "金花", "月娥", "桂芝"];
const MID_MALE: &[&str] = &["志强", "海涛", "建军", "卫东", "红军", "永刚", "立新", "洪亮", "文斌", "国栋", "庆华", "明亮", "春雷", "兆军"];
const MID_FEMALE: &[&str] = &["丽", "红梅", "秀梅", "艳", "静", "玉梅", "丽娟", "海燕", "春燕", "晓红", "美玲", "雪梅"];
const YOUNG_MALE: &[&str] = &["浩然", "子轩", "宇航", "俊杰", "博文", "明轩", "鹏", "凯", "家豪", "梓豪", "嘉懿", "一鸣", "天佑"];
const YOUNG_FEMALE: &[&str] = &["子涵", "欣怡", "梓涵", "雨欣", "思琪", "佳怡", "诗涵", "雨桐", "晨曦", "可欣", "梦瑶", "一诺"];

pub fn surname(rng: &mut impl Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (s, w) in SURNAMES {
        if x < *w {
            return s;
        }
        x -= w;
    }
    SURNAMES[0].0
}

/// Characters that combine into given names, by sex and generation.
const OLD_MALE_CHARS: &str = "德福顺长玉保文振金树广连庆学秀立洪建国胜山林田华堂明春生贵成来";
const OLD_FEMALE_CHARS: &str = "秀桂玉凤淑兰英珍春花翠素芳金月娥芝云荣琴梅香莲霞";
const MID_MALE_CHARS: &str = "志强海涛建军卫东红永刚立新洪亮文斌国栋庆华明春雷兆伟勇磊杰";
const MID_FEMALE_CHARS: &str = "丽红梅秀艳静玉娟海燕春晓美玲雪萍霞敏芳娜莉";
const YOUNG_MALE_CHARS: &str = "浩然子轩宇航俊杰博文明睿鹏凯家豪梓一鸣天佑泽昊晨阳";
const YOUNG_FEMALE_CHARS: &str = "子涵欣怡梓雨思琪佳诗桐晨曦可梦瑶一诺语嘉悦萱";

/// A given name: a fixed name from the generation's list, or one or two characters drawn from
/// its character pool (so that names repeat about as often as in a real village).
pub fn given_name(rng: &mut impl Rng, male: bool, birth_year: i32) -> String {
    if rng.random::<f64>() < 0.3 {
        return given(rng, male, birth_year).to_string();
    }
    let pool: Vec<char> = match (birth_year, male) {
        (..=1965, true) => OLD_MALE_CHARS,
        (..=1965, false) => OLD_FEMALE_CHARS,
        (..=1990, true) => MID_MALE_CHARS,
        (..=1990, false) => MID_FEMALE_CHARS,
        (_, true) => YOUNG_MALE_CHARS,
        (_, false) => YOUNG_FEMALE_CHARS,
    }
    .chars()
    .collect();
    let n = if rng.random::<f64>() < 0.15 { 1 } else { 2 };
    (0..n).map(|_| pool[rng.random_range(0..pool.len())]).collect()
}

pub fn given(rng: &mut impl Rng, male: bool, birth_year: i32) -> &'static str {
    let list = match (birth_year, male) {
        (..=1965, true) => OLD_MALE,
        (..=1965, false) => OLD_FEMALE,
        (..=1990, true) => MID_MALE,
        (..=1990, false) => MID_FEMALE,
        (_, true) => YOUNG_MALE,
        (_, false) => YOUNG_FEMALE,
    };
    list[rng.random_range(0..list.len())]
}
