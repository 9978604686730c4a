//! The poverty measures over the register (DOMAIN.md, "Measures of poverty"): FGT on the
//! per-capita net income that decides exit, against the year's line, and Alkire–Foster over
//! 两不愁三保障 and income. The dimensions, their weights and k are configuration
//! (`Rules::measures`); the arithmetic is `fupin_stats::poverty`'s.

use crate::id_number::Date;
use crate::registry::household::Household;
use crate::registry::lifecycle::guarantee_gaps;
use crate::Yuan;
use serde::{Deserialize, Serialize};

/// One dimension of deprivation a household's file records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// 人均纯收入 below the year's line.
    Income,
    /// 不愁吃、不愁穿
    FoodClothing,
    /// 义务教育有保障
    Education,
    /// 基本医疗有保障
    Medical,
    /// 住房安全有保障
    Housing,
    /// 饮水安全
    Water,
}

impl Dimension {
    pub const ALL: [Dimension; 6] =
        [Dimension::Income, Dimension::FoodClothing, Dimension::Education, Dimension::Medical, Dimension::Housing, Dimension::Water];

    /// The stable code the API and the map metrics use.
    pub fn code(self) -> &'static str {
        match self {
            Dimension::Income => "income",
            Dimension::FoodClothing => "food_clothing",
            Dimension::Education => "education",
            Dimension::Medical => "medical",
            Dimension::Housing => "housing",
            Dimension::Water => "water",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dimension::Income => "收入",
            Dimension::FoodClothing => "不愁吃穿",
            Dimension::Education => "义务教育",
            Dimension::Medical => "基本医疗",
            Dimension::Housing => "住房安全",
            Dimension::Water => "饮水安全",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weighted {
    pub dimension: Dimension,
    pub weight: f64,
}

/// The Alkire–Foster design over the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureRules {
    pub dimensions: Vec<Weighted>,
    /// Poor when the weighted share of dimensions deprived reaches k.
    pub k: f64,
}

impl Default for MeasureRules {
    /// Equal weights over the six dimensions and k = 1/3, after the global MPI's convention
    /// (deprived in a third of the weighted indicators): income alone does not make a
    /// household multidimensionally poor, income and one unmet guarantee does.
    fn default() -> Self {
        MeasureRules { dimensions: Dimension::ALL.iter().map(|&dimension| Weighted { dimension, weight: 1.0 }).collect(), k: 1.0 / 3.0 }
    }
}

/// What the measures read of one file for `year`: its weight (persons in the live file), the
/// per-capita net income that decides exit (None when the year's income is not entered), and
/// for each configured dimension whether it is deprived (None for income when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub persons: i64,
    pub per_capita: Option<Yuan>,
    pub deprived: Vec<Option<bool>>,
}

/// Whether the file belongs to the population measured: on the register and not removed (清退
/// files were never poor; moved-out files are measured where they moved).
pub fn measured(h: &Household) -> bool {
    h.status.is_registered() && h.status != crate::registry::codes::Status::Removed
}

pub fn read(h: &Household, rules: &MeasureRules, year: i32, line: Option<Yuan>, as_of: Date) -> Reading {
    let per_capita = h.per_capita_for_exit(year);
    let gaps = guarantee_gaps(h, as_of);
    let deprived = rules
        .dimensions
        .iter()
        .map(|w| match w.dimension {
            Dimension::Income => per_capita.zip(line).map(|(pc, line)| pc < line),
            Dimension::FoodClothing => Some(gaps.food_clothing),
            Dimension::Education => Some(gaps.education.is_some()),
            Dimension::Medical => Some(gaps.medical.is_some()),
            Dimension::Housing => Some(gaps.housing),
            Dimension::Water => Some(gaps.water),
        })
        .collect();
    Reading { persons: h.size(), per_capita, deprived }
}
