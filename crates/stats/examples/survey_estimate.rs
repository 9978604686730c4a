//! Reads a survey table as CSV on stdin (header `stratum,psu,weight,<outcomes…>`, no quoted
//! fields) and prints each outcome's Korn–Graubard estimate as JSON; `bench/survey_check.py`
//! compares it with an independent implementation.

use fupin_stats::survey::{estimate_table, Method};
use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let headers: Vec<&str> = lines.next().ok_or("empty input")?.split(',').collect();
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    let estimates = estimate_table(&headers, &rows, Method::KornGraubard, 0.95)?;
    println!("{}", serde_json::to_string_pretty(&estimates)?);
    Ok(())
}
