//! 调度监督: so far 监督举报 (the public's reports, handled against deadlines in working days)
//! and the working-day calendar those deadlines run on, and 重点工作任务 (key tasks dispatched
//! with a target per region, split down and tracked). Key villages and inspections arrive as
//! modules beside them.

pub mod calendar;
pub mod report;
pub mod task;

pub use calendar::Calendar;
pub use report::{
    card, mask, may_handle, receiver, supervision_order, validate, Card, Deadlines, Filing, ReportCategory, ReportDraft, ReportState,
    ReportStep,
};
