//! 第三方评估's sample of one county (DOMAIN.md, "Third-party evaluation sampling"): villages
//! drawn in two strata with probability proportional to their registered households, then
//! within each village the still-poor and the exited files drawn at random, and a number of
//! households outside the register to be found in the field (the platform holds no list of
//! them). Everything follows from the plan's published seed and the frozen frame: anyone holding
//! both redraws the same sample (`draw` is a pure function of them; see `fupin_stats::sample`
//! for why the stream is the same on every machine).

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// Which part of a village's population a sampled household comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 未脱贫 (and 返贫): asked about the help and whether they are rightly registered.
    StillPoor,
    /// 已脱贫: checked for 错退 (exited while below the standards).
    Exited,
    /// 非建档立卡户 found in the field: checked for 漏评 (should have been registered).
    Outside,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::StillPoor, Kind::Exited, Kind::Outside];

    pub fn code(self) -> &'static str {
        match self {
            Kind::StillPoor => "still_poor",
            Kind::Exited => "exited",
            Kind::Outside => "outside",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::StillPoor => "未脱贫户",
            Kind::Exited => "已脱贫户",
            Kind::Outside => "非建档立卡户",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// The villages' strata: whether the village's incidence at the frame's date still stands at or
/// above the exit line (those are where 错退 and 漏评 are likeliest, so they get their share of
/// the villages whatever their size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stratum {
    /// 贫困发生率未降到退出线以下的村
    Behind,
    /// 已降到退出线以下的村
    Reached,
}

impl Stratum {
    pub fn code(self) -> &'static str {
        match self {
            Stratum::Behind => "behind",
            Stratum::Reached => "reached",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stratum::Behind => "未达退出标准的村",
            Stratum::Reached => "已达退出标准的村",
        }
    }
}

/// What the evaluator chooses: the seed it publishes, the villages to draw, and per village how
/// many households of each kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub seed: u64,
    pub villages: usize,
    pub still_poor: usize,
    pub exited: usize,
    pub outside: usize,
}

impl Plan {
    /// The usual design: 20 villages, 8 still-poor, 8 exited and 16 outside households in each
    /// (about half the households inside the register and half outside).
    pub fn usual(seed: u64) -> Plan {
        Plan { seed, villages: 20, still_poor: 8, exited: 8, outside: 16 }
    }

    pub fn check(&self) -> Result<(), DomainError> {
        if !(2..=100).contains(&self.villages) {
            return Err(DomainError::new("evaluation.villages", "抽取的村数应在2到100之间（方差估计至少需要两个村）"));
        }
        for (n, what) in [(self.still_poor, "未脱贫户"), (self.exited, "已脱贫户"), (self.outside, "非建档立卡户")] {
            if n > 200 {
                return Err(DomainError::new("evaluation.per_village", format!("每村抽取的{what}不能超过200户")));
            }
        }
        if self.still_poor + self.exited + self.outside == 0 {
            return Err(DomainError::new("evaluation.per_village", "每村至少要抽取一户"));
        }
        Ok(())
    }

    fn wanted(&self, kind: Kind) -> usize {
        match kind {
            Kind::StillPoor => self.still_poor,
            Kind::Exited => self.exited,
            Kind::Outside => self.outside,
        }
    }
}

/// A village of the county's frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameVillage {
    pub code: String,
    pub rural_population: i64,
    /// Persons in still-poor files at the frame's date.
    pub remaining_persons: i64,
}

/// A live file of the frame (still poor or exited; removed and moved-out files are not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameFile {
    pub household_id: String,
    pub village: String,
    pub kind: Kind,
    pub persons: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampledVillage {
    pub code: String,
    pub stratum: Stratum,
    /// The village's probability of being drawn.
    pub probability: f64,
    /// Rural persons outside the register (rural population − persons in its files, at least
    /// 0): what the households found outside the register stand for.
    pub outside_population: i64,
    /// Files of each kind in the village's frame (still poor, exited).
    pub still_poor_files: usize,
    pub exited_files: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampledFile {
    pub household_id: String,
    pub village: String,
    pub kind: Kind,
    pub persons: i64,
    /// The design weight: 1 / (the village's probability × the file's within the village).
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub villages: Vec<SampledVillage>,
    pub files: Vec<SampledFile>,
}

/// The stratum of a village: behind while its remaining poor reach `line_bp` basis points of its
/// rural population (the village exit line).
pub fn stratum_of(v: &FrameVillage, line_bp: i64) -> Stratum {
    // A village without a rural population on record but with poor files is behind.
    let behind =
        if v.rural_population > 0 { v.remaining_persons * 10_000 >= line_bp * v.rural_population } else { v.remaining_persons > 0 };
    if behind {
        Stratum::Behind
    } else {
        Stratum::Reached
    }
}

/// A seed for one part of the draw, derived from the plan's seed and the part's name by FNV-1a
/// (fixed arithmetic, so every machine derives the same).
fn part_seed(seed: u64, part: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in part.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Villages per stratum: in proportion to the stratum's size measure, at least two wherever the
/// stratum has two villages (a stratum's variance needs two PSUs), never more than it has.
fn allocate(wanted: usize, sizes: [f64; 2], counts: [usize; 2]) -> [usize; 2] {
    let total: usize = counts.iter().sum();
    if wanted >= total {
        return counts;
    }
    let sum = sizes[0] + sizes[1];
    let mut n = [0usize; 2];
    for h in 0..2 {
        let share = if sum > 0.0 { wanted as f64 * sizes[h] / sum } else { wanted as f64 / 2.0 };
        n[h] = (share.round() as usize).max(counts[h].min(2)).min(counts[h]);
    }
    // Rounding and the floors may miss the total by a village or two: give to or take from the
    // stratum with the most room, keeping the floors.
    while n[0] + n[1] < wanted {
        let h = if counts[0] - n[0] >= counts[1] - n[1] { 0 } else { 1 };
        n[h] += 1;
    }
    while n[0] + n[1] > wanted {
        let h = if n[0] > n[1] && n[0] > counts[0].min(2) { 0 } else { 1 };
        if n[h] <= counts[h].min(2) {
            break;
        }
        n[h] -= 1;
    }
    n
}

/// Draws the sample. Villages are taken in code order (systematic PPS then spreads them over
/// the townships); files in household-number order. The size measure of a village is its
/// registered files plus one, so that a village without files may still be drawn for 漏评.
pub fn draw(plan: &Plan, villages: &[FrameVillage], files: &[FrameFile], line_bp: i64) -> Result<Sample, DomainError> {
    plan.check()?;
    let mut villages: Vec<&FrameVillage> = villages.iter().collect();
    villages.sort_by(|a, b| a.code.cmp(&b.code));
    if villages.len() < 2 {
        return Err(DomainError::new("evaluation.frame", "本县可抽取的村不足两个"));
    }
    let mut files: Vec<&FrameFile> = files.iter().collect();
    files.sort_by(|a, b| a.household_id.cmp(&b.household_id));
    let count = |v: &str, k: Kind| files.iter().filter(|f| f.village == v && f.kind == k).count();
    let strata = [Stratum::Behind, Stratum::Reached];
    let in_stratum: Vec<Vec<&FrameVillage>> =
        strata.iter().map(|&s| villages.iter().copied().filter(|v| stratum_of(v, line_bp) == s).collect()).collect();
    let size = |v: &FrameVillage| (count(&v.code, Kind::StillPoor) + count(&v.code, Kind::Exited) + 1) as f64;
    let sizes: Vec<Vec<f64>> = in_stratum.iter().map(|vs| vs.iter().map(|v| size(v)).collect()).collect();
    let n = allocate(plan.villages, [sizes[0].iter().sum(), sizes[1].iter().sum()], [in_stratum[0].len(), in_stratum[1].len()]);

    let mut sample = Sample { villages: vec![], files: vec![] };
    for h in 0..2 {
        if n[h] == 0 {
            continue;
        }
        let pi = fupin_stats::sample::pps_inclusion(&sizes[h], n[h]);
        let drawn = fupin_stats::sample::draw_pps_systematic(&sizes[h], n[h], part_seed(plan.seed, strata[h].code()))
            .map_err(|e| DomainError::new("evaluation.frame", format!("抽样框有误：{e}")))?;
        for i in drawn {
            let v = in_stratum[h][i];
            let registered: i64 = files.iter().filter(|f| f.village == v.code).map(|f| f.persons).sum();
            sample.villages.push(SampledVillage {
                code: v.code.clone(),
                stratum: strata[h],
                probability: pi[i],
                outside_population: (v.rural_population - registered).max(0),
                still_poor_files: count(&v.code, Kind::StillPoor),
                exited_files: count(&v.code, Kind::Exited),
            });
            for kind in [Kind::StillPoor, Kind::Exited] {
                let pool: Vec<&&FrameFile> = files.iter().filter(|f| f.village == v.code && f.kind == kind).collect();
                let m = plan.wanted(kind).min(pool.len());
                if m == 0 {
                    continue;
                }
                let within = m as f64 / pool.len() as f64;
                for j in fupin_stats::sample::draw_srs(pool.len(), m, part_seed(plan.seed, &format!("{}:{}", v.code, kind.code()))) {
                    let f = pool[j];
                    sample.files.push(SampledFile {
                        household_id: f.household_id.clone(),
                        village: v.code.clone(),
                        kind,
                        persons: f.persons,
                        weight: 1.0 / (pi[i] * within),
                    });
                }
            }
        }
    }
    sample.villages.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twelve villages: the first four behind (10% remaining), the rest reached; village i has
    /// i + 1 still-poor files in the behind ones and 2i exited files everywhere.
    fn county() -> (Vec<FrameVillage>, Vec<FrameFile>) {
        let mut villages = vec![];
        let mut files = vec![];
        for i in 0..12 {
            let code = format!("371521100{:03}", 200 + i);
            let behind = i < 4;
            let mut remaining = 0;
            let mut n = 0;
            let mut add = |kind: Kind, persons: i64| {
                n += 1;
                files.push(FrameFile { household_id: format!("{code}{n:04}"), village: code.clone(), kind, persons });
            };
            if behind {
                for _ in 0..=i {
                    add(Kind::StillPoor, 3);
                    remaining += 3;
                }
            }
            for _ in 0..2 * i {
                add(Kind::Exited, 2);
            }
            villages.push(FrameVillage { code, rural_population: if behind { remaining * 10 } else { 500 }, remaining_persons: remaining });
        }
        (villages, files)
    }

    #[test]
    fn the_same_seed_and_frame_draw_the_same_sample_whatever_their_order() {
        let (villages, files) = county();
        let plan = Plan { seed: 20_170_630, villages: 6, still_poor: 2, exited: 3, outside: 4 };
        let a = draw(&plan, &villages, &files, 200).unwrap();
        let (mut rv, mut rf) = (villages.clone(), files.clone());
        rv.reverse();
        rf.reverse();
        assert_eq!(a, draw(&plan, &rv, &rf, 200).unwrap(), "the frame's order does not matter");
        let b = draw(&Plan { seed: 1, ..plan.clone() }, &villages, &files, 200).unwrap();
        assert_ne!(a.files, b.files, "another seed, another sample");
        assert_eq!(a.villages.len(), 6);
        let behind = a.villages.iter().filter(|v| v.stratum == Stratum::Behind).count();
        assert!(behind >= 2, "each stratum has at least two villages: {behind}");
    }

    #[test]
    fn weights_are_inverse_probabilities_and_add_up_to_the_frame() {
        let (villages, files) = county();
        // Every village and every file: each weight is 1, and the weights count the frame.
        let all = Plan { seed: 7, villages: 12, still_poor: 100, exited: 100, outside: 0 };
        let s = draw(&all, &villages, &files, 200).unwrap();
        assert_eq!(s.files.len(), files.len());
        assert!(s.files.iter().all(|f| (f.weight - 1.0).abs() < 1e-12));
        // A sample: the expected weighted count of exited files is the frame's; over many seeds
        // the mean of the weighted counts comes close to it (unbiasedness of the design).
        let plan = Plan { seed: 0, villages: 5, still_poor: 1, exited: 2, outside: 0 };
        let truth = files.iter().filter(|f| f.kind == Kind::Exited).count() as f64;
        let draws = 400;
        let mean: f64 = (0..draws)
            .map(|seed| {
                let s = draw(&Plan { seed, ..plan.clone() }, &villages, &files, 200).unwrap();
                s.files.iter().filter(|f| f.kind == Kind::Exited).map(|f| f.weight).sum::<f64>()
            })
            .sum::<f64>()
            / draws as f64;
        assert!((mean / truth - 1.0).abs() < 0.08, "weighted count {mean:.1} against {truth}");
    }

    #[test]
    fn a_bad_plan_or_frame_is_refused() {
        let (villages, files) = county();
        for plan in [
            Plan { villages: 1, ..Plan::usual(1) },
            Plan { still_poor: 0, exited: 0, outside: 0, ..Plan::usual(1) },
            Plan { exited: 201, ..Plan::usual(1) },
        ] {
            assert!(draw(&plan, &villages, &files, 200).is_err(), "{plan:?}");
        }
        assert_eq!(draw(&Plan::usual(1), &villages[..1], &files, 200).unwrap_err().code, "evaluation.frame");
    }

    #[test]
    fn allocation_keeps_two_villages_per_stratum_and_the_total() {
        assert_eq!(allocate(20, [95.0, 5.0], [30, 40]), [18, 2]);
        assert_eq!(allocate(20, [50.0, 50.0], [3, 40]), [3, 17]);
        assert_eq!(allocate(20, [1.0, 1.0], [5, 6]), [5, 6]);
        assert_eq!(allocate(3, [10.0, 10.0], [1, 9]), [1, 2]);
    }
}
