//! `fupin match solve` end to end: the optimum of a small DIMACS file, its certificate, the
//! flow file, and the exit codes for an infeasible and a malformed file.

use std::process::{Command, Output};

fn fupin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fupin")).args(args).output().expect("run fupin")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Two needs (nodes 1, 2), two offers (3, 4) of capacity 1, sink 5. Need 1: offer 3 at 10,
/// offer 4 at 50, penalty 100; need 2: offer 3 at 20, offer 4 at 45, penalty 30. Optimum 40:
/// need 1 takes offer 3, need 2 stays unmatched.
const SMALL: &str = "c a small 供需对接 instance\np min 5 8\nn 1 1\nn 2 1\nn 5 -2\n\
a 1 3 0 1 10\na 1 4 0 1 50\na 1 5 0 1 100\na 2 3 0 1 20\na 2 4 0 1 45\na 2 5 0 1 30\na 3 5 0 1 0\na 4 5 0 1 0\n";

#[test]
fn solves_verifies_and_writes_the_flow() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.min");
    std::fs::write(&file, SMALL).unwrap();
    let out = dir.path().join("small.flow");
    let o = fupin(&["match", "solve", "--dimacs", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--verify"]);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(stdout.lines().last(), Some("s 40"), "{}", text(&o));
    assert!(text(&o).contains("校验通过"), "{}", text(&o));
    let flow = std::fs::read_to_string(&out).unwrap();
    assert_eq!(flow, "s 40\nf 1 3 1\nf 2 5 1\nf 3 5 1\n");
}

#[test]
fn infeasible_exits_2_and_malformed_exits_1_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let infeasible = dir.path().join("infeasible.min");
    std::fs::write(&infeasible, "p min 2 1\nn 1 3\nn 2 -3\na 1 2 0 2 1\n").unwrap();
    let o = fupin(&["match", "solve", "--dimacs", infeasible.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("infeasible"), "{}", text(&o));

    let malformed = dir.path().join("malformed.min");
    std::fs::write(&malformed, "p min 2 1\nn 1 1\nn 2 -1\na 1 two 0 1 1\n").unwrap();
    let o = fupin(&["match", "solve", "--dimacs", malformed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("line 4") && text(&o).contains("`two` is not an integer"), "{}", text(&o));
}
