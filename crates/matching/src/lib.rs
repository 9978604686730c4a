//! 供需对接: the optimal matcher. Pure computation; no I/O.
