//! The demo's 第三方评估: the evaluator of 聊城市 (山东大学第三方评估中心) drew samples of three of
//! its counties for 2016 from published seeds. 阳谷县's and 莘县's field work is complete and closed — a
//! few households found wrongly exited or omitted, most satisfied — so their estimates and
//! verdicts can be read; 东昌府区's is half done. Through the store's commands, so every draw
//! and result is on the county's chain.

use crate::names;
use fupin_domain::access::{Caller, Role, Scope};
use fupin_domain::evaluation::field::{FieldResult, OutsideHousehold};
use fupin_domain::evaluation::sample::{Kind, Plan};
use fupin_domain::id_number::Date;
use fupin_domain::RegionCode;
use fupin_store::prelude::*;
use fupin_store::StoreError;
use rand::{Rng, SeedableRng};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub evaluations: usize,
    pub results: usize,
    pub wrong_exits: usize,
    pub omitted: usize,
}

/// (county, seed, share of the field work done).
const COUNTIES: [(&str, u64, f64); 3] = [("371521", 20_170_301, 1.0), ("371522", 20_170_302, 1.0), ("371502", 20_170_315, 0.5)];

/// `scale` shrinks the households found outside the register with the province (16 a village at
/// scale 1, at least 2).
pub fn seed_demo(store: &dyn Store, as_of: Date, scale: f64) -> Result<Seeded, StoreError> {
    let evaluator = Caller { username: "evaluator".into(), role: Role::Evaluator, scope: Scope::region(RegionCode::parse("3715")?) };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_170_301);
    let outside = ((16.0 * scale).ceil() as usize).clamp(2, 16);
    let mut out = Seeded::default();
    let year = as_of.year - 1;
    for (i, (county, seed, done)) in COUNTIES.into_iter().enumerate() {
        let county = RegionCode::parse(county)?;
        if store.region(&county)?.is_none() {
            continue;
        }
        // Drawn about three months before the business date, the field work a month later.
        let drawn_on = Date::from_day_number(as_of.day_number() - 120 + 7 * i as i64).to_string();
        let at = Date::from_day_number(as_of.day_number() - 90 + 7 * i as i64).to_string();
        let plan = Plan { outside, ..Plan::usual(seed) };
        let e = store.draw_sample(&evaluator, &county, year, &plan, &drawn_on)?;
        out.evaluations += 1;
        let d = store.evaluation(&evaluator, &e.id)?;
        let enumerator = |rng: &mut rand_chacha::ChaCha8Rng| format!("调查员{:02}", rng.random_range(1..=12));
        let take = (d.units.len() as f64 * done).round() as usize;
        // A finished county finds at least one of each (its third exited file, its second
        // household outside the register), whatever the dice say at a small scale.
        let finished = done >= 1.0;
        let (mut exited_seen, mut outside_seen) = (0, 0);
        for u in d.units.iter().take(take) {
            let mut r = FieldResult { enumerator: enumerator(&mut rng), ..Default::default() };
            if u.kind == Kind::Exited {
                exited_seen += 1;
                let wrong = rng.random_bool(0.015) || (finished && exited_seen == 3);
                r.wrong_exit = Some(wrong);
                if wrong {
                    r.reason = "核实2016年人均纯收入低于扶贫标准，退出时收入计算有误".into();
                    out.wrong_exits += 1;
                }
            }
            r.satisfied = satisfied(&mut rng, &mut r.reason);
            store.record_result(&evaluator, &e.id, u.n, &r, &at)?;
            out.results += 1;
        }
        let villages = (d.villages.len() as f64 * done).round() as usize;
        for v in d.villages.iter().take(villages) {
            for _ in 0..outside {
                let male = rng.random_bool(0.8);
                let born = rng.random_range(1945..1990);
                let head = format!("{}{}", names::surname(&mut rng), names::given_name(&mut rng, male, born));
                let h = OutsideHousehold { village: v.code.clone(), head, persons: rng.random_range(1..=5) };
                outside_seen += 1;
                let omitted = rng.random_bool(0.012) || (finished && outside_seen == 2);
                let mut r = FieldResult { omitted: Some(omitted), enumerator: enumerator(&mut rng), ..Default::default() };
                if omitted {
                    r.reason = "户主患大病、家庭人均纯收入低于标准，符合识别条件未纳入".into();
                    out.omitted += 1;
                }
                r.satisfied = satisfied(&mut rng, &mut r.reason);
                store.add_outside(&evaluator, &e.id, &h, &r, &at)?;
                out.results += 1;
            }
        }
        if finished {
            store.close_evaluation(&evaluator, &e.id, &at)?;
        }
    }
    Ok(out)
}

/// About 95% satisfied, 3% not (with why), 2% who would not say.
fn satisfied(rng: &mut impl Rng, reason: &mut String) -> Option<bool> {
    let x: f64 = rng.random();
    if x < 0.95 {
        Some(true)
    } else if x < 0.98 {
        if reason.is_empty() {
            *reason = "认为帮扶措施与家庭需要不符".into();
        }
        Some(false)
    } else {
        None
    }
}
