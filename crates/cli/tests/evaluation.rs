//! `fupin measures` and `fupin evaluation estimate` end to end on tables an analyst brings: the
//! World Bank handbook's FGT example, a small Alkire–Foster case worked by hand, the exact
//! interval when nothing was found, and errors that name the file's line.

use serde_json::Value;
use std::process::{Command, Output};

fn fupin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fupin")).args(args).output().expect("run fupin")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

fn close(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - want).abs() < 1e-4, "{got} ≠ {want}");
}

#[test]
fn measures_of_a_table_match_the_worked_examples() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, toml) = (dir.path().join("units.csv"), dir.path().join("design.toml"));
    // Incomes 100, 110, 150, 160 against 125: P0 0.5, P1 0.08, P2 0.0136 (World Bank handbook).
    // Indicators x1, x2 (deprived below 1), equal weights, k = 0.5: scores 1, 0.5, 0, 0 → H 0.5,
    // A 0.75, M0 0.375; censored headcounts 0.5 and 0.25, contributions 2/3 and 1/3; group a
    // (units 1, 3) has M0 0.5 and 2/3 of the total, group b (2, 4) 0.25 and 1/3.
    std::fs::write(&csv, "income,x1,x2,region\n100,0,0,a\n110,0,1,b\n150,1,1,a\n160,1,1,b\n").unwrap();
    std::fs::write(
        &toml,
        "income = \"income\"\nline = 125\ngroup = \"region\"\nk = 0.5\n\
         [[indicator]]\ncolumn = \"x1\"\ncutoff = 1\nweight = 1\n[[indicator]]\ncolumn = \"x2\"\ncutoff = 1\nweight = 1\n",
    )
    .unwrap();
    let m = json(&fupin(&["measures", "--input", csv.to_str().unwrap(), "--config", toml.to_str().unwrap(), "--json"]));
    close(&m["fgt"]["p0"], 0.5);
    close(&m["fgt"]["p1"], 0.08);
    close(&m["fgt"]["p2"], 0.0136);
    close(&m["af"]["h"], 0.5);
    close(&m["af"]["a"], 0.75);
    close(&m["af"]["m0"], 0.375);
    close(&m["af"]["by_indicator"]["x1"]["censored_headcount"], 0.5);
    close(&m["af"]["by_indicator"]["x2"]["contribution"], 1.0 / 3.0);
    close(&m["groups"]["a"]["af"]["m0"], 0.5);
    close(&m["groups"]["a"]["m0_contribution"], 2.0 / 3.0);
    close(&m["groups"]["b"]["m0_contribution"], 1.0 / 3.0);

    std::fs::write(&toml, "income = \"income\"\n").unwrap();
    let o = fupin(&["measures", "--input", csv.to_str().unwrap(), "--config", toml.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("income 与 line 须同时给出"), "{}", text(&o));
    std::fs::write(&toml, "income = \"wage\"\nline = 125\n").unwrap();
    let o = fupin(&["measures", "--input", csv.to_str().unwrap(), "--config", toml.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("CSV 中没有列“wage”"), "{}", text(&o));
}

#[test]
fn estimates_have_exact_intervals_when_nothing_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("field.csv");
    // Ten households, each its own village in one stratum, weight 1: nobody wrongly exited (the
    // interval is Clopper–Pearson's for 0 of 10, [0, 0.3085], never Wald's [0, 0]); eight of ten
    // satisfied; one household not asked about satisfaction (left out of that rate only).
    let mut rows = String::from("stratum,psu,weight,wrong_exit,satisfied\n");
    for i in 0..10 {
        let satisfied = match i {
            0 | 1 => "0",
            9 => "",
            _ => "1",
        };
        rows += &format!("s,v{i},1,0,{satisfied}\n");
    }
    std::fs::write(&csv, &rows).unwrap();
    let e = json(&fupin(&["evaluation", "estimate", "--input", csv.to_str().unwrap(), "--json"]));
    let wrong = &e["outcomes"]["wrong_exit"];
    close(&wrong["estimate"], 0.0);
    close(&wrong["ci"][0], 0.0);
    close(&wrong["ci"][1], 0.3085);
    assert_eq!((wrong["n"].as_u64(), wrong["method"].as_str()), (Some(10), Some("korn_graubard")), "{wrong}");
    let satisfied = &e["outcomes"]["satisfied"];
    close(&satisfied["estimate"], 7.0 / 9.0);
    assert_eq!(satisfied["n"].as_u64(), Some(9), "{satisfied}");
    let (lo, hi) = (satisfied["ci"][0].as_f64().unwrap(), satisfied["ci"][1].as_f64().unwrap());
    assert!(0.0 < lo && lo < 7.0 / 9.0 && 7.0 / 9.0 < hi && hi < 1.0, "{satisfied}");
    let plain = fupin(&["evaluation", "estimate", "--input", csv.to_str().unwrap(), "--method", "wilson"]);
    assert!(plain.status.success() && text(&plain).contains("wrong_exit: 0.0000%"), "{}", text(&plain));

    // A bad cell in the third data row is on the file's fourth line.
    std::fs::write(&csv, "stratum,psu,weight,wrong_exit\ns,v1,1,0\ns,v2,1,1\ns,v3,1,x\n").unwrap();
    let o = fupin(&["evaluation", "estimate", "--input", csv.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("第4行“wrong_exit”列的值无效"), "{}", text(&o));
    let o = fupin(&["evaluation", "estimate", "--input", csv.to_str().unwrap(), "--method", "wald"]);
    assert!(!o.status.success() && text(&o).contains("--method 应为"), "{}", text(&o));
}
