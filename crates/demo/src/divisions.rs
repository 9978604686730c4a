//! The real divisions of Shandong, shipped in the binary from `data/shandong/divisions.csv`.

use fupin_domain::{DomainError, Level, RegionCode};
use fupin_store::Region;

pub const DIVISIONS_CSV: &str = include_str!("../../../data/shandong/divisions.csv");

/// Parses `code,name,level,parent_code` rows, checking each code and that parents exist.
pub fn parse(csv: &str) -> Result<Vec<Region>, DomainError> {
    let mut out = Vec::with_capacity(64_100);
    let mut known = std::collections::HashSet::new();
    for (i, line) in csv.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let bad = |why: &str| DomainError::new("divisions.row", format!("区划文件第{}行{}：{line}", i + 1, why));
        if f.len() != 4 {
            return Err(bad("应有4列"));
        }
        let code = RegionCode::parse(f[0])?;
        let level = Level::parse(f[2]).ok_or_else(|| bad("级别无效"))?;
        if code.level() != level {
            return Err(bad("代码长度与级别不符"));
        }
        let parent = (!f[3].is_empty()).then(|| f[3].to_string());
        if let Some(p) = &parent {
            if !known.contains(p.as_str()) || code.parent().map(String::from).as_deref() != Some(p.as_str()) {
                return Err(bad("上级代码不存在或不匹配"));
            }
        }
        known.insert(f[0]);
        out.push(Region { code: f[0].to_string(), name: f[1].to_string(), level, parent_code: parent, rural_population: 0 });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn real_divisions_have_the_published_counts() {
        let all = super::parse(super::DIVISIONS_CSV).unwrap();
        let count = |l| all.iter().filter(|r| r.level == l).count();
        use fupin_domain::Level::*;
        assert_eq!((count(Province), count(City), count(County), count(Township), count(Village)), (1, 16, 151, 1853, 62074));
    }

    #[test]
    fn broken_rows_are_named() {
        let e = super::parse("code,name,level,parent_code\n37,山东省,province,\n3799,x,county,37\n").unwrap_err();
        assert!(e.message.contains("第3行"), "{}", e.message);
    }
}
