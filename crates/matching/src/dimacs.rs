//! DIMACS min-cost-flow files: `c` comments, one `p min NODES ARCS`, `n ID SUPPLY` lines and
//! `a TAIL HEAD LOW CAP COST` lines (nodes numbered from 1); solutions as `s COST` and
//! `f TAIL HEAD FLOW`. The reader fills the network's arrays as it goes (no line is kept) and
//! refuses anything malformed with the line number and what is wrong.

use crate::flow::Flow;
use crate::network::{Network, NetworkBuilder, NetworkError, MAX_COST};
use std::io::{self, BufRead, BufWriter, Write};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DimacsError {
    #[error("reading the DIMACS file: {0}")]
    Io(#[from] io::Error),
    #[error("line {line}: {problem}")]
    Line { line: usize, problem: Problem },
}

impl DimacsError {
    /// The line at fault, if the error is about one.
    pub fn line(&self) -> Option<usize> {
        match self {
            DimacsError::Io(_) => None,
            DimacsError::Line { line, .. } => Some(*line),
        }
    }

    pub fn problem(&self) -> Option<&Problem> {
        match self {
            DimacsError::Io(_) => None,
            DimacsError::Line { problem, .. } => Some(problem),
        }
    }
}

/// What is wrong with a line.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Problem {
    #[error("no problem line `p min NODES ARCS` before the first node or arc")]
    NoProblemLine,
    #[error("a second problem line")]
    SecondProblemLine,
    #[error("problem type `{0}`, expected `min`")]
    NotMin(String),
    #[error("unknown line type `{0}` (expected c, p, n or a)")]
    UnknownLine(String),
    #[error("`{kind}` line needs {expected} fields after the letter, found {found}")]
    FieldCount { kind: char, expected: usize, found: usize },
    #[error("`{0}` is not an integer")]
    NotANumber(String),
    #[error("`{0}` overflows a 64-bit integer")]
    Overflow(String),
    #[error("node count {0} is out of range (1 to {max})", max = u32::MAX - 1)]
    NodeCount(i64),
    #[error("arc count {0} is out of range (0 to {max})", max = u32::MAX - 1)]
    ArcCount(i64),
    #[error("node id {node} out of range 1..={nodes}")]
    NodeOutOfRange { node: i64, nodes: u32 },
    #[error("supply of node {node} given twice (first on line {first})")]
    DuplicateNode { node: i64, first: usize },
    #[error("negative capacity {0}")]
    NegativeCap(i64),
    #[error("negative lower bound {0}")]
    NegativeLow(i64),
    #[error("lower bound {low} exceeds capacity {cap}")]
    LowAboveCap { low: i64, cap: i64 },
    #[error("capacity {0} exceeds the supported {max}", max = u32::MAX)]
    CapTooLarge(i64),
    #[error("cost {0} outside the supported ±{MAX_COST}")]
    CostTooLarge(i64),
    #[error("more arcs than the {0} the problem line declares")]
    TooManyArcs(u32),
    #[error("the problem line declares {declared} arcs, the file has {found}")]
    ArcCountMismatch { declared: u32, found: usize },
    #[error("supplies sum to {0}, not 0")]
    Unbalanced(i128),
    #[error("{0}")]
    Network(NetworkError),
}

fn at(line: usize, problem: Problem) -> DimacsError {
    DimacsError::Line { line, problem }
}

/// Whitespace-separated fields of one line.
fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| b.is_ascii_whitespace()).filter(|f| !f.is_empty())
}

fn number(field: &[u8]) -> Result<i64, Problem> {
    let text = || String::from_utf8_lossy(field).into_owned();
    let (neg, digits) = match field.first() {
        Some(b'-') => (true, &field[1..]),
        Some(b'+') => (false, &field[1..]),
        _ => (false, field),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Problem::NotANumber(text()));
    }
    let mut v: i64 = 0;
    for &d in digits {
        let d = (d - b'0') as i64;
        v = v
            .checked_mul(10)
            .and_then(|v| if neg { v.checked_sub(d) } else { v.checked_add(d) })
            .ok_or_else(|| Problem::Overflow(text()))?;
    }
    Ok(v)
}

/// Parses the `expected` numeric fields after the line's letter.
fn numbers<const K: usize>(kind: char, rest: &[u8]) -> Result<[i64; K], Problem> {
    let mut out = [0i64; K];
    let mut found = 0;
    for f in fields(rest) {
        if found < K {
            out[found] = number(f)?;
        }
        found += 1;
    }
    if found != K {
        return Err(Problem::FieldCount { kind, expected: K, found });
    }
    Ok(out)
}

/// Reads a DIMACS min-cost-flow problem.
pub fn read(mut input: impl BufRead) -> Result<Network, DimacsError> {
    let mut buf = Vec::with_capacity(128);
    let mut lineno = 0usize;
    let mut net: Option<(NetworkBuilder, u32, usize)> = None; // builder, declared arcs, p line
    let mut supply_line: Vec<u32> = Vec::new();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        lineno += 1;
        let line = buf.as_slice();
        let Some(first) = fields(line).next() else { continue };
        let rest = &line[(first.as_ptr() as usize - line.as_ptr() as usize) + first.len()..];
        match first {
            b"c" => {}
            b"p" => {
                if net.is_some() {
                    return Err(at(lineno, Problem::SecondProblemLine));
                }
                let mut fs = fields(rest);
                let kind = fs.next().unwrap_or_default();
                if kind != b"min" {
                    return Err(at(lineno, Problem::NotMin(String::from_utf8_lossy(kind).into_owned())));
                }
                let rest = &rest[(kind.as_ptr() as usize - rest.as_ptr() as usize) + kind.len()..];
                let [nodes, arcs] = numbers::<2>('p', rest).map_err(|p| at(lineno, p))?;
                if !(1..u32::MAX as i64).contains(&nodes) {
                    return Err(at(lineno, Problem::NodeCount(nodes)));
                }
                if !(0..u32::MAX as i64).contains(&arcs) {
                    return Err(at(lineno, Problem::ArcCount(arcs)));
                }
                let mut b = NetworkBuilder::new(nodes as u32);
                // A lying header must not make us allocate terabytes: reserve at most 64 M.
                b.reserve((arcs as usize).min(1 << 26));
                net = Some((b, arcs as u32, lineno));
            }
            b"n" => {
                let Some((b, _, _)) = net.as_mut() else { return Err(at(lineno, Problem::NoProblemLine)) };
                let [node, supply] = numbers::<2>('n', rest).map_err(|p| at(lineno, p))?;
                let nodes = b.nodes();
                if node < 1 || node > nodes as i64 {
                    return Err(at(lineno, Problem::NodeOutOfRange { node, nodes }));
                }
                if supply_line.is_empty() {
                    supply_line = vec![0; nodes as usize];
                }
                let first = &mut supply_line[node as usize - 1];
                if *first != 0 {
                    return Err(at(lineno, Problem::DuplicateNode { node, first: *first as usize }));
                }
                *first = lineno.min(u32::MAX as usize) as u32;
                b.set_supply(node as u32 - 1, supply);
            }
            b"a" => {
                let Some((b, declared, _)) = net.as_mut() else { return Err(at(lineno, Problem::NoProblemLine)) };
                let [tail, head, low, cap, cost] = numbers::<5>('a', rest).map_err(|p| at(lineno, p))?;
                let nodes = b.nodes();
                for node in [tail, head] {
                    if node < 1 || node > nodes as i64 {
                        return Err(at(lineno, Problem::NodeOutOfRange { node, nodes }));
                    }
                }
                let problem = if cap < 0 {
                    Some(Problem::NegativeCap(cap))
                } else if low < 0 {
                    Some(Problem::NegativeLow(low))
                } else if low > cap {
                    Some(Problem::LowAboveCap { low, cap })
                } else if cap > u32::MAX as i64 {
                    Some(Problem::CapTooLarge(cap))
                } else if cost.abs() > MAX_COST {
                    Some(Problem::CostTooLarge(cost))
                } else if b.arcs() >= *declared as usize {
                    Some(Problem::TooManyArcs(*declared))
                } else {
                    None
                };
                if let Some(p) = problem {
                    return Err(at(lineno, p));
                }
                b.add_arc(tail as u32 - 1, head as u32 - 1, low as u32, cap as u32, cost);
            }
            other => return Err(at(lineno, Problem::UnknownLine(String::from_utf8_lossy(other).into_owned()))),
        }
    }
    let Some((b, declared, pline)) = net else { return Err(at(lineno.max(1), Problem::NoProblemLine)) };
    if b.arcs() != declared as usize {
        return Err(at(lineno, Problem::ArcCountMismatch { declared, found: b.arcs() }));
    }
    let total: i128 = (0..b.nodes()).filter_map(|v| b.supply(v)).map(|s| s as i128).sum();
    if total != 0 {
        return Err(at(pline, Problem::Unbalanced(total)));
    }
    b.build().map_err(|e| at(pline, Problem::Network(e)))
}

/// Writes the problem in DIMACS form (supplies only for nodes that have one).
pub fn write_problem(net: &Network, out: impl Write) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    writeln!(w, "p min {} {}", net.nodes(), net.arcs())?;
    for v in 0..net.nodes() {
        if net.supply(v) != 0 {
            writeln!(w, "n {} {}", v + 1, net.supply(v))?;
        }
    }
    for a in net.arc_list() {
        writeln!(w, "a {} {} {} {} {}", a.tail + 1, a.head + 1, a.low, a.cap, a.cost)?;
    }
    w.flush()
}

/// Writes a solution: `s COST`, then `f TAIL HEAD FLOW` for every arc with positive flow, in
/// arc order.
pub fn write_flow(net: &Network, flow: &Flow, out: impl Write) -> io::Result<()> {
    let mut w = BufWriter::new(out);
    writeln!(w, "s {}", flow.cost)?;
    for (id, a) in net.arc_list().enumerate() {
        let x = flow.arc_flow(id as u32);
        if x > 0 {
            writeln!(w, "f {} {} {}", a.tail + 1, a.head + 1, x)?;
        }
    }
    w.flush()
}
