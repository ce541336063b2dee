"""(A copy of the project's shared/bench/reference_twophase.py; only this line was added.)

Hand-written reference explorer for Lamport's TwoPhase commit (TLA+ Examples, TwoPhase.tla).

A tight CPython breadth-first search with a flat integer encoding, written by hand for this one
model. It is the yardstick for a general checker: run both on the same machine in one command and
quote the ratio. Counts (TLC): RM=3 -> 288 states, depth 11; RM=6 -> 50,816; RM=8 -> 1,745,408.

usage: python3 reference_twophase.py RM            prints one JSON line with the figures
State encoding: an int. Bits 0..2*RM-1: rmState (2 bits each: working, prepared, committed,
aborted); then 2 bits tmState (init, committed, aborted); RM bits tmPrepared; RM bits
Prepared(rm) messages; 1 bit Commit; 1 bit Abort.
"""
import json
import resource
import sys
import time


def explore(rm: int) -> dict:
    tm_shift = 2 * rm
    prep_shift = tm_shift + 2
    msg_shift = prep_shift + rm
    commit_bit = 1 << (msg_shift + rm)
    abort_bit = commit_bit << 1
    all_prepared = ((1 << rm) - 1) << prep_shift
    tm_mask = 3 << tm_shift
    WORKING, PREPARED, COMMITTED, ABORTED = 0, 1, 2, 3
    TM_INIT, TM_COMMITTED, TM_ABORTED = 0, 1, 2

    def successors(s: int):
        tm = (s >> tm_shift) & 3
        for r in range(rm):
            rs = (s >> (2 * r)) & 3
            clear = s & ~(3 << (2 * r))
            if tm == TM_INIT and s & (1 << (msg_shift + r)):          # TMRcvPrepared(r)
                yield s | (1 << (prep_shift + r))
            if rs == WORKING:
                yield clear | (PREPARED << (2 * r)) | (1 << (msg_shift + r))  # RMPrepare(r)
                yield clear | (ABORTED << (2 * r))                     # RMChooseToAbort(r)
            if s & commit_bit:                                         # RMRcvCommitMsg(r)
                yield clear | (COMMITTED << (2 * r))
            if s & abort_bit:                                          # RMRcvAbortMsg(r)
                yield clear | (ABORTED << (2 * r))
        if tm == TM_INIT:
            if s & all_prepared == all_prepared:                       # TMCommit
                yield (s & ~tm_mask) | (TM_COMMITTED << tm_shift) | commit_bit
            yield (s & ~tm_mask) | (TM_ABORTED << tm_shift) | abort_bit  # TMAbort

    start = time.perf_counter()
    init = 0
    parent = {init: -1}
    frontier = [init]
    transitions = 0
    depth = 0
    deadlocks = 0
    while frontier:
        depth += 1
        nxt = []
        for s in frontier:
            n = 0
            for t in successors(s):
                n += 1
                if t not in parent:
                    parent[t] = s
                    nxt.append(t)
            transitions += n
            if n == 0:
                deadlocks += 1
        frontier = nxt
    seconds = time.perf_counter() - start
    return {
        "model": f"twophase RM={rm}",
        "states": len(parent),
        "transitions": transitions,  # successors generated, duplicates and self-loops included
        "tlc_total": transitions + 1,  # TLC's "total states" also counts the initial state
        "depth": depth,
        "deadlocks": deadlocks,
        "seconds": round(seconds, 3),
        "states_per_s": round(len(parent) / seconds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    print(json.dumps(explore(int(sys.argv[1]) if len(sys.argv) > 1 else 3)))
