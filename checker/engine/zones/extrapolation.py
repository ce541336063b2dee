"""Abstractions: how zones are widened and compared so that the zone graph is finite.

A symbolic state's zone is closed under delay within the active bounds, then extrapolated
with *local* constants: in discrete state d, a clock's L (U) is the largest constant it is
compared with from below (above) at the read sites that are on in d (model.time: a
guard, a bound or a property atom, under the discrete condition of its action, bound or
conjunction), so a clock nothing reads before its next reset has no constant there and a
15 min timeout costs what a 2 s one costs. That is sound when constants never grow along
a transition that does not reset the clock; the search checks this on every transition
(`grows`), and a clock for which it fails gets its global constants everywhere (`always`;
the search starts again). A new zone is dropped when a stored zone of the same discrete
state *subsumes* it.

- `ExtraM` (L = U = M, the largest constant a clock is compared with): Extra+_M widening
  and subsumption by the M-simulation (aM: aLU with L = U = M). With L = U = M the
  simulation is symmetric, a bisimulation: a zone it subsumes reaches exactly what its
  subsumer reaches, deadlocks and timelocks included. Used for the exact zone graph
  (leads-to), the log validator and the tick-clock searches of leadsto.py.
- `ExtraLU` (separate lower and upper constants): Extra+_LU widening and aLU subsumption
  (Herbreteau, Srivathsan, Walukiewicz: "Better abstractions for timed automata"), the
  coarsest of the three and exact for reachability (properties, run-time errors), but a
  mere simulation: a subsumed zone may reach a stuck state its subsumer does not, so it is
  used only when neither deadlocks nor timelocks are asked about.
- `ExtraLUStuck`: ExtraLU with the bounds raised, only in discrete states where a
  valuation may be stuck, by the constants the stuck-state test reads there; the test is
  made on the zones before extrapolation. Deadlocks and timelocks stay exact (the
  argument is its docstring); used when they are asked about.

Zones are the kernel's (kernel.py: int32 DBMs, native when built).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from model import RuntimeFault

from . import kernel

if TYPE_CHECKING:
    from model import ZoneCode

__all__ = ["Extrapolation", "ExtraM", "ExtraLU", "ExtraLUStuck", "RecentSuccessors",
           "Slots", "SlotTable", "new_slots", "initial_zone"]

Zone = bytes


RECENT = 256  # discrete states whose successor entries are kept at hand


class RecentSuccessors(dict):
    """zc.succ(d) by `self[d]`, keeping the entries of the last RECENT discrete states asked
    about: a discrete state's zones are often expanded close together (a quarter of the
    flagship's expansions), and ExtraLUStuck reads a state's entries just before it is
    expanded. (A dict with __missing__: a hit costs one lookup.)"""

    def __init__(self, succ: Callable[[int], list[tuple]]):
        super().__init__()
        self.succ = succ

    def __missing__(self, d: int) -> list[tuple]:
        entries = self.succ(d)
        if len(self) >= RECENT:
            del self[next(iter(self))]
        self[d] = entries
        return entries


class Slots(dict):
    """Discrete state -> its slot, numbered in the order states get a key or an id (a
    dict with __missing__: a hit is one lookup). What is known per discrete state lives
    in int arrays indexed by slot, not in a dict per fact: one dict entry per discrete
    state in all (the search's discrete ids are one more array, ZoneNodes.did_of)."""

    def __init__(self) -> None:
        super().__init__()
        self.inv_of = array("i")  # index in Extrapolation._invs; -1: not computed yet
        self.key_of = array("i")  # index of the key (Extrapolation._key_index); -1: not yet

    def __missing__(self, d: int) -> int:
        slot = self[d] = len(self.inv_of)
        self.inv_of.append(-1)
        self.key_of.append(-1)
        return slot


class SlotTable(Protocol):
    """What the search reads of its slots: Slots, or the native kernel's map."""

    inv_of: array
    key_of: array

    def __getitem__(self, d: int) -> int: ...

    def get(self, d: int) -> int | None: ...


_native_slots: type | None = None


def new_slots(width: int) -> SlotTable:
    """Slots for packed discrete states of `width` bits: in the native kernel's map
    (kernel.SlotMap: 16 to 24 bytes a state, against a dict entry and two int objects,
    about 100) where it is built and the states fit in 64 bits, else a Slots dict."""
    global _native_slots
    if kernel.SlotMap is None or not 0 <= width <= 64:
        return Slots()
    if _native_slots is None:
        def init(self: Any) -> None:
            kernel.SlotMap.__init__(self)
            self.inv_of = array("i")
            self.key_of = array("i")

        def missing(self: Any, d: int) -> int:
            slot = self.insert(d)
            self.inv_of.append(-1)
            self.key_of.append(-1)
            return slot

        _native_slots = type("NativeSlots", (kernel.SlotMap,), {
            "__init__": init, "__missing__": missing,
            "__doc__": "Slots (see there) in kernel.SlotMap, for states of at most 64 bits."})
    return _native_slots()


class Extrapolation:
    """Per-discrete-state constants; the closing step of every successor; subsumption."""

    name = ""
    subsumption = ""
    # whether the search tests for stuck states the zone a transition computes before it is
    # extrapolated (ExtraLUStuck), rather than the stored zone when it is expanded
    tests_successors = False

    def __init__(self, zc: ZoneCode, always: frozenset[int], extra: Sequence[int] = ()):
        self.zc = zc
        self.always = always
        self.extra = tuple(extra)  # constants of clocks beyond the model's (a tick clock)
        self.n = zc.n + len(self.extra)
        self.slots = new_slots(zc.width)
        # one tuple per distinct set of bounds, not per state: inv(d) is _invs[inv_of[slot]]
        self._invs: list[tuple] = []
        self._inv_index: dict[tuple, int] = {}
        self._recent_inv: dict[int, int] = {}  # inv index of the last RECENT slotless states
        # the keys by index (here live masks; a subclass's key is the index itself)
        self._masks: list[int] = []
        self._mask_index: dict[int, int] = {}
        self._bounds: dict[int, tuple[bytes, bytes]] = {}
        self._local: dict[int, tuple[list[int], list[int]]] = {}
        self._grows: dict[tuple[int, int], frozenset[int]] = {}
        self._stale_keys: dict[int, frozenset[int]] = {}  # stale(), by key << 32 | key2
        self.entries = RecentSuccessors(zc.succ)  # entries[d]: zc.succ(d)

    def live(self, d: int) -> int:
        """The live mask of discrete state d (cached)."""
        return self._masks[self._key_slot(d)]

    def invariant(self, d: int) -> tuple:
        """The bounds active in discrete state d (cached; a RuntimeFault from a bound's
        condition propagates, and nothing is stored)."""
        slots = self.slots
        slot = slots.get(d)  # a state is given a slot by its key, not here: the targets
        if slot is not None:  # of transitions that never fire need none
            k = slots.inv_of[slot]
            if k >= 0:
                return self._invs[k]
        recent = self._recent_inv
        k = recent.get(d, -1)
        if k < 0:
            bounds = self.zc.inv(d)
            k = self._inv_index.get(bounds, -1)
            if k < 0:
                k = self._inv_index[bounds] = len(self._invs)
                self._invs.append(bounds)
            if len(recent) >= RECENT:
                del recent[next(iter(recent))]
            recent[d] = k
        if slot is not None:
            slots.inv_of[slot] = k
        return self._invs[k]

    def _key_slot(self, d: int) -> int:
        """The index of d's key (cached by slot)."""
        slots = self.slots
        slot = slots[d]
        k = slots.key_of[slot]
        if k < 0:
            k = slots.key_of[slot] = self._key_index(d)
        return k

    def _key_index(self, d: int) -> int:
        mask = self.zc.live(d)
        k = self._mask_index.get(mask, -1)
        if k < 0:
            k = self._mask_index[mask] = len(self._masks)
            self._masks.append(mask)
        return k

    def lookups(self) -> tuple[Callable[[int], int], Callable[[int], tuple]]:
        """key and invariant as the search calls them per transition."""
        return self.key, self.invariant

    def local(self, mask: int) -> tuple[list[int], list[int]]:
        """L and U (-1: none) of the model's clocks where the read sites of `mask` are on."""
        hit = self._local.get(mask)
        if hit is None:
            zc = self.zc
            lower, upper = list(zc.base_lower), list(zc.base_upper)
            bit = 0
            m = mask
            while m:
                if m & 1:
                    for site in zc.cond_sites[bit]:
                        lower[site.clock] = max(lower[site.clock], site.lower)
                        upper[site.clock] = max(upper[site.clock], site.upper)
                m >>= 1
                bit += 1
            for x in self.always:
                lower[x], upper[x] = zc.global_lower[x], zc.global_upper[x]
            lower[0] = upper[0] = -1
            hit = self._local[mask] = (lower, upper)
        return hit

    def bounds(self, d: int) -> tuple[bytes, bytes]:
        """L and U in discrete state d, as the kernel takes them (extra clocks appended)."""
        return self.key_bounds(self._key_slot(d))

    def key_bounds(self, key: int) -> tuple[bytes, bytes]:
        """bounds(d) of the states whose key is `key`."""
        mask = self._masks[key]
        hit = self._bounds.get(mask)
        if hit is None:
            lower, upper = self.local(mask)
            lower, upper = self._choose(lower + list(self.extra), upper + list(self.extra))
            hit = self._bounds[mask] = (kernel.encode_bounds(lower, self.n),
                                        kernel.encode_bounds(upper, self.n))
        return hit

    def key(self, d: int) -> int:
        """Which constants apply in discrete state d: states with one key have one L and U
        (the index of its live mask here; a subclass may refine it). Cached by slot, so
        `slots.key_of[slots[d]]` is d's key once it is not -1."""
        return self._key_slot(d)

    def may_stick(self, d: int) -> bool:
        """Whether a valuation may be stuck in d (ExtraLUStuck knows better)."""
        return True

    def stale(self, key: int, key2: int) -> frozenset[int]:
        """The clocks whose L or U is larger under `key2` than under `key` (a transition
        between states of those keys must reset them; cached per pair of keys)."""
        pair = key << 32 | key2  # keys are small ints: one int, not a tuple, per pair
        hit = self._stale_keys.get(pair)
        if hit is None:
            hit = self._stale_keys[pair] = self.grows(self._masks[key], self._masks[key2])
        return hit

    def settle(self, d: int) -> int:
        """d's slot, given now (a transition into d fired), with d's bounds recorded in it
        so that the next transition into d reads them from the arrays."""
        slot = self.slots[d]
        if self.slots.inv_of[slot] < 0:
            self.invariant(d)
        return slot

    def grows(self, mask: int, mask2: int) -> frozenset[int]:
        """The clocks whose L or U is larger where the sites of `mask2` are on than where
        those of `mask` are (those a transition between them must reset)."""
        key = (mask, mask2)
        hit = self._grows.get(key)
        if hit is None:
            (l1, u1), (l2, u2) = self.local(mask), self.local(mask2)
            hit = self._grows[key] = frozenset(
                x for x in range(1, self.zc.n) if l2[x] > l1[x] or u2[x] > u1[x])
        return hit

    def _choose(self, lower: list[int], upper: list[int]) -> tuple[list[int], list[int]]:
        return lower, upper

    def extrapolate(self, z: Zone, d: int) -> Zone:
        lower, upper = self.bounds(d)
        return kernel.extrapolate_lu(z, self.n, lower, upper, kernel.EXTRA_PLUS_LU)

    def close(self, z: Zone, d: int, inv: tuple) -> Zone:
        """Let time pass within the bounds `inv` of d, then extrapolate."""
        lower, upper = self.bounds(d)
        out = kernel.close(z, self.n, inv, lower, upper, kernel.EXTRA_PLUS_LU)
        assert out is not None  # z satisfies inv already
        return out


class ExtraM(Extrapolation):
    name = "Extra+_M"
    subsumption = "aM"

    def _choose(self, lower: list[int], upper: list[int]) -> tuple[list[int], list[int]]:
        m = [max(a, b) for a, b in zip(lower, upper)]
        return m, m


class ExtraLU(Extrapolation):
    name = "Extra+_LU"
    subsumption = "aLU"


class ExtraLUStuck(ExtraLU):
    """Extra+_LU and aLU subsumption that keep deadlocks and timelocks exact: the per-state
    L and U of `ExtraLU`, raised where the stuck-state test could tell two valuations
    apart, and only there.

    The stuck-state test (kernel.is_stuck_free) asks, of each valuation v of a zone of
    discrete state d that lies within the bounds inv(d) and is closed under delay within
    them, whether some delay t and some transition e of d (an entry of zc.succ(d) that is
    not a run-time error) have v + t in inv(d), in e's clock guard, and in the target's
    bounds on the clocks e does not reset (the target's bounds on the clocks it resets are
    constant there: true or false for every v). Call C_e those constraints (guard and kept
    target bounds: the kernel's ``pre``). An Extra+_LU zone is not within inv(d) (with
    L(x) = -1 it forgets x <= c), so with these bounds the search tests the zone a
    transition computes *before* it is extrapolated (the successor of a stored zone, or an
    initial zone), when its extrapolation is stored (`may_stick`; search.py).

    d is **never stuck** when some e is enabled from every valuation within inv(d):
    (a) every constraint of C_e is an upper bound x <= c (or < c) that a bound of inv(d)
    on x implies, and the target's bounds hold at 0 on the clocks e resets: e is enabled
    at once; or (b) inv(d) has no upper bound and every constraint of C_e is a lower
    bound: e is enabled after a long enough delay. There, L and U are those of ExtraLU
    and no zone is tested. Elsewhere, every clock x that a constraint of inv(d) or of some
    C_e compares with c gets L(x) >= c and U(x) >= c (`key` carries these pairs; a clock
    in `always` gets max(L, U) of its global constants everywhere, which covers every c).

    **Soundness.** Let v ≼ v' be the LU-simulation with the bounds of d (Behrmann, Bouyer,
    Larsen, Pelánek: "Lower and upper bounds in zone-based abstractions of timed
    automata"): per clock, v'(x) = v(x), or L(x) < v'(x) < v(x), or U(x) < v(x) < v'(x).
    (1) It is a simulation, as for ExtraLU: the bounds of d are at least the constants
    read in d, and the search checks on every transition that no clock it does not reset
    has a larger L or U in the target (`stale`; else StaleClock and those clocks get
    constant bounds). (2) If v ≼ v' in d, both within inv(d), and v is stuck, v' is
    stuck. Where d is never stuck, no valuation is. Elsewhere, take a clock x that some
    constraint `x ⋈ c` of inv(d) or a C_e reads: v(x) = v'(x), or both exceed
    min(L(x), U(x)) >= c; the same holds of v + t and v' + t for every delay t, so they
    satisfy the same of those constraints: v + t is within inv(d) and e is enabled there
    exactly when the same holds of v' + t. (3) Extra+_LU(Z) ⊆ aLU(Z), and aLU
    subsumption drops a zone only when each of its valuations is simulated by one of the
    subsuming zone. So, by induction along a run and with (1) and transitivity, every
    valuation of a tested zone is simulated by a reachable one of the same discrete
    state, and every reachable valuation by one of a tested zone (the tested zone of the
    stored zone that subsumes or extrapolates the one the run is in). Tested zones are
    within inv(d) and closed under delay within it, so the kernel's test is the
    semantic one on them, and by (2) a stuck valuation on either side gives a stuck one
    on the other: the search reports a deadlock or timelock (which is which depends on d
    alone) exactly when one is reachable. The tracer finds it in the exact zone of the
    path (tracer.stuck_trace): the tested zone's valuations are simulated by that zone's,
    so by (2) it has a stuck one.
    """

    tests_successors = True

    def __init__(self, zc: ZoneCode, always: frozenset[int]):
        super().__init__(zc, always)
        # key(d): d's index in _tables (by slot, Extrapolation._key_slot)
        self._index: dict[tuple[int, tuple[tuple[int, int], ...] | None], int] = {}
        self._sticks: list[bool] = []  # per key: a valuation may be stuck there
        self._tables: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        self._encoded: list[tuple[bytes, bytes]] = []
        self._stale: dict[int, frozenset[int]] = {}  # by key << 32 | key2
        self._sets: dict[frozenset[int], frozenset[int]] = {}
        self.raised = 0  # discrete states where stuck-test constants were added

    def live(self, d: int) -> int:
        return self.zc.live(d)

    def _key_index(self, d: int) -> int:
        mask = self.zc.live(d)
        need = self._stuck_constants(d)
        if need is not None:
            self.raised += 1
        k = self._index.get((mask, need), -1)
        if k < 0:
            k = self._index[(mask, need)] = len(self._tables)
            lower, upper = self.local(mask)
            lower, upper = list(lower), list(upper)
            self._sticks.append(need is not None)
            for x, c in need or ():
                lower[x] = max(lower[x], c)
                upper[x] = max(upper[x], c)
            for x in self.always:
                lower[x] = upper[x] = max(self.zc.global_lower[x], self.zc.global_upper[x])
            self._tables.append((tuple(lower), tuple(upper)))
            self._encoded.append((kernel.encode_bounds(lower, self.n),
                                  kernel.encode_bounds(upper, self.n)))
        return k

    def bounds(self, d: int) -> tuple[bytes, bytes]:
        return self._encoded[self._key_slot(d)]

    def key_bounds(self, key: int) -> tuple[bytes, bytes]:
        return self._encoded[key]

    def may_stick(self, d: int) -> bool:
        """Whether d is not shown never stuck (its zones must be tested)."""
        return self._sticks[self._key_slot(d)]

    def stale(self, key: int, key2: int) -> frozenset[int]:
        pair = key << 32 | key2  # keys are small ints: one int, not a tuple, per pair
        hit = self._stale.get(pair)
        if hit is None:
            (l1, u1), (l2, u2) = self._tables[key], self._tables[key2]
            hit = frozenset(x for x in range(1, self.zc.n) if l2[x] > l1[x] or u2[x] > u1[x])
            hit = self._stale[pair] = self._sets.setdefault(hit, hit)  # one object per set
        return hit

    def _stuck_constants(self, d: int) -> tuple[tuple[int, int], ...] | None:
        """None where d is never stuck; else each clock the stuck test reads in d, with the
        largest constant it is compared with (see the class docstring)."""
        inv = self.invariant(d)
        tight: dict[int, int] = {}  # the smallest raw upper bound of inv(d) per clock
        for i, j, raw in inv:
            if j == 0 and i != 0 and raw < tight.get(i, raw + 1):
                tight[i] = raw
        need: dict[int, int] = {}
        read = list(inv)
        for _inst, _choices, d2, guard, resets in self.entries[d]:
            if d2 is None:
                continue  # a run-time error, not a transition
            try:
                inv2 = self.invariant(d2)
            except RuntimeFault:
                continue  # the action fails there: not a transition either
            if any(x in resets and j == 0 and raw < kernel.LE_ZERO for x, j, raw in inv2) \
                    or any(i == 0 and j in resets and raw < kernel.LE_ZERO
                           for i, j, raw in inv2):
                continue  # the target's bounds fail at 0 on a clock it resets: never taken
            cons = [*(guard or ()), *(c for c in inv2 if c[0] not in resets)]
            if all(j == 0 and i != 0 and tight.get(i, kernel.INF) <= raw
                   for i, j, raw in cons):
                return None  # (a): enabled at once wherever inv(d) holds
            if not tight and all(i == 0 for i, _j, _raw in cons):
                return None  # (b): enabled after a long enough delay
            read += cons
        for i, j, raw in read:
            assert i == 0 or j == 0  # clock constraints compare one clock with a constant
            x, c = (i, raw >> 1) if j == 0 else (j, -(raw >> 1))
            if x and c > need.get(x, -1):
                need[x] = c
        return tuple(sorted(need.items()))


def initial_zone(zc: ZoneCode, d: int) -> Zone | None:
    """The zone of an initial discrete state: all clocks 0, then time passes within the
    bounds (None: the bounds are false at once)."""
    n = zc.n
    inv = zc.inv(d)
    z = kernel.constrain_all(kernel.zero(n), n, inv)
    if z is None:
        return None
    return kernel.constrain_all(kernel.up(z, n), n, inv)
