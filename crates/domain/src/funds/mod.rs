//! 扶贫资金: the money of poverty work, where it comes from (`FundSource`), how a level shares
//! it among its counties by the factor method (`allocation`), and the projects it pays for,
//! with their public notices, payments and the flags that catch misuse (`project`). Every amount
//! is whole 分 (`Yuan`): sums and shares are exact, never floating point.

pub mod allocation;
pub mod project;

use crate::registry::codes::code_enum;
use crate::DomainError;

code_enum!(
    /// 资金来源: the levels' budgets for poverty work, the agricultural funds pooled by a county,
    /// donations, and the interest subsidies of poverty loans.
    FundSource, "fund_source" {
    Central = "central" "中央财政专项扶贫资金",
    Provincial = "provincial" "省级财政专项扶贫资金",
    City = "city" "市级财政专项扶贫资金",
    County = "county" "县级财政专项扶贫资金",
    Integrated = "integrated" "统筹整合涉农资金",
    Social = "social" "社会帮扶资金",
    Financial = "financial" "金融扶贫资金",
});
impl FundSource {
    const FIELD_LABEL: &'static str = "资金来源";

    /// The budgets a province or city shares among its counties by the factor method.
    pub fn allocated_by(self, level: crate::Level) -> bool {
        use crate::Level;
        matches!((self, level), (FundSource::Central | FundSource::Provincial, Level::Province) | (FundSource::City, Level::City))
    }

    /// Public money (财政资金): what the idle-funds rule and the execution rate count.
    pub fn is_budget(self) -> bool {
        matches!(self, FundSource::Central | FundSource::Provincial | FundSource::City | FundSource::County | FundSource::Integrated)
    }
}
