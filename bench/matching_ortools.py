"""OR-Tools' SimpleMinCostFlow on a DIMACS min-cost-flow file: the peer of `fupin match solve`.

Parses with numpy (vectorised, so the peer's parse time stays small and is reported on its
own), then prints `parse SECONDS`, `solve SECONDS` and `s COST` on stdout.
Expects the node lines before the arc lines and lower bounds of 0 (OR-Tools has none).
"""
import sys
import time

import numpy as np
from ortools.graph.python import min_cost_flow


def main(path):
    started = time.perf_counter()
    with open(path, "rb") as f:
        data = f.read()
    first_arc = data.find(b"\na ") + 1
    nodes, supplies = [], []
    for line in data[:first_arc].splitlines():
        if line.startswith(b"p "):
            _, _, n, m = line.split()
            n, m = int(n), int(m)
        elif line.startswith(b"n "):
            _, v, s = line.split()
            nodes.append(int(v) - 1)
            supplies.append(int(s))
    arcs = np.array(data[first_arc:].replace(b"a", b" ").split(), dtype=np.int64).reshape(-1, 5)
    del data
    assert arcs.shape[0] == m, f"{arcs.shape[0]} arcs, header says {m}"
    assert (arcs[:, 2] == 0).all(), "lower bounds are not supported by SimpleMinCostFlow"
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(arcs[:, 0] - 1, arcs[:, 1] - 1, arcs[:, 3], arcs[:, 4])
    smcf.set_nodes_supplies(np.array(nodes, dtype=np.int64), np.array(supplies, dtype=np.int64))
    del arcs
    parsed = time.perf_counter()
    status = smcf.solve()
    solved = time.perf_counter()
    if status != smcf.OPTIMAL:
        print(f"OR-Tools status {status}", file=sys.stderr)
        sys.exit(2)
    print(f"parse {parsed - started:.2f}")
    print(f"solve {solved - parsed:.2f}")
    print(f"s {smcf.optimal_cost()}")


if __name__ == "__main__":
    main(sys.argv[1])
