//! placeholder until the survey module lands
