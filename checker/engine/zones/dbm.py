"""Difference-bound matrices (DBMs) for the zone engine.

A zone over clocks ``x_1 .. x_{n-1}`` is a conjunction of constraints
``x_i - x_j ≺ c`` with ``≺ ∈ {<, <=}``; index 0 is the reference clock, always 0,
so ``x_i - x_0 ≺ c`` is an upper bound on ``x_i`` and ``x_0 - x_j ≺ c`` says
``x_j ≻ -c``.  A DBM of dimension ``n`` is a ``tuple`` of ``n * n`` raw bounds in
row-major order: ``z[i * n + j]`` bounds ``x_i - x_j``.

Raw bounds (UPPAAL's encoding, so that integer ``<`` orders bounds by strength):

* ``(c << 1) | 1`` encodes ``<= c`` and ``c << 1`` encodes ``< c``; hence
  ``(c, <) < (c, <=) < (c + 1, <)`` as integers;
* :data:`INF` encodes "no bound" and exceeds every finite raw bound.  Constants
  must satisfy ``|c| < 2**55`` so that sums of bounds stay below :data:`INF`.

Every operation is pure, takes canonical DBMs (shortest-path closed: each entry
is the tightest bound implied by the whole matrix) and returns canonical DBMs;
the empty zone is ``None``.  All zones built from :func:`zero` or
:func:`universe` keep every clock non-negative (``z[0 * n + j] <= LE_ZERO``),
which :func:`down` relies on.  No operation loops over constant values, so the
cost depends only on ``n`` and never on the magnitude of the constants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from math import lcm

__all__ = [
    "INF",
    "LE_ZERO",
    "LT_ZERO",
    "DBM",
    "Constraint",
    "bound",
    "bound_constant",
    "bound_is_strict",
    "add",
    "negate",
    "zero",
    "universe",
    "canonical",
    "contains_point",
    "up",
    "down",
    "constrain",
    "constrain_all",
    "reset",
    "free",
    "intersect",
    "is_included",
    "extrapolate_lu",
    "extrapolate_m",
    "alu_included",
    "subtract",
    "federation_subtract",
    "federation_is_empty",
    "satisfies_some",
    "stuck_part",
    "format_dbm",
]

DBM = tuple[int, ...]
Constraint = tuple[int, int, int]  # (i, j, raw): x_i - x_j ≺ c

INF: int = 1 << 62
LE_ZERO: int = 1  # <= 0
LT_ZERO: int = 0  # < 0


# --------------------------------------------------------------------------- bounds


def bound(c: int, strict: bool) -> int:
    """Raw encoding of ``< c`` (``strict``) or ``<= c``: ``2c`` resp. ``2c + 1``."""
    return (c << 1) | (0 if strict else 1)


def bound_constant(raw: int) -> int:
    """The constant ``c`` of a finite raw bound (``raw >> 1``, i.e. floor(raw / 2))."""
    return raw >> 1


def bound_is_strict(raw: int) -> bool:
    """Whether a finite raw bound is ``< c`` (its low bit is 0)."""
    return not raw & 1


def add(a: int, b: int) -> int:
    """Sum of bounds: ``(a, ≺1) + (b, ≺2) = (a + b, ≺)`` with ``≺`` strict iff
    either operand is strict; :data:`INF` is absorbing."""
    if a == INF or b == INF:
        return INF
    return (((a >> 1) + (b >> 1)) << 1) | (a & b & 1)


def negate(raw: int) -> int:
    """The complement of ``x_i - x_j ≺ c`` written as a bound on ``x_j - x_i``.

    ``not (x_i - x_j <= c)`` is ``x_j - x_i < -c`` and ``not (x_i - x_j < c)`` is
    ``x_j - x_i <= -c``; in raw form both are ``1 - raw``.  ``raw`` must be finite.
    """
    return 1 - raw


# --------------------------------------------------------------------------- basic zones


def zero(n: int) -> DBM:
    """The zone ``{x_1 = ... = x_{n-1} = 0}``: every entry is ``<= 0``."""
    return (LE_ZERO,) * (n * n)


def universe(n: int) -> DBM:
    """The zone ``{x_i >= 0 for all i}``: row 0 is ``<= 0``, other entries
    :data:`INF` except the diagonal ``<= 0``."""
    z = [INF] * (n * n)
    for j in range(n):
        z[j] = LE_ZERO
        z[j * n + j] = LE_ZERO
    return tuple(z)


def canonical(z: Sequence[int], n: int) -> DBM | None:
    """Shortest-path closure (Floyd–Warshall): ``z_ij := min_k z_ik + z_kj``.

    Returns ``None`` if the constraint graph has a negative cycle, i.e. some
    ``z_ii < (0, <=)`` after closure, which is exactly when the zone is empty.
    Diagonal entries of the result are ``<= 0``.
    """
    m = list(z)
    if len(m) != n * n:
        raise ValueError(f"DBM of dimension {n} needs {n * n} entries, got {len(m)}")
    # add(a, b), inlined: (a & -2) + (b & -2) | (a & b & 1); row k does not change in
    # round k, so its finite entries are split once per round
    for k in range(n):
        row_k = k * n
        finite = [(j, b & -2, b & 1) for j, b in enumerate(m[row_k:row_k + n])
                  if b != INF and j != k]
        for i in range(n):
            a = m[i * n + k]
            if a == INF or i == k:
                continue
            row_i = i * n
            ac = a & -2
            al = a & 1
            for j, bc, bl in finite:
                s = (ac + bc) | (al & bl)
                if s < m[row_i + j]:
                    m[row_i + j] = s
        if m[k * n + k] < LE_ZERO:
            return None
    for i in range(n):
        if m[i * n + i] < LE_ZERO:
            return None
        m[i * n + i] = LE_ZERO
    return tuple(m)


def contains_point(z: DBM | None, n: int, values: Sequence[Fraction | int]) -> bool:
    """Whether the valuation ``x_k = values[k - 1]`` (``k = 1 .. n-1``) lies in ``z``.

    Checks ``v_i - v_j ≺ c`` for every finite entry, exactly: values are scaled
    by the least common denominator so the comparison is on integers.
    """
    if z is None:
        return False
    if len(values) != n - 1:
        raise ValueError(f"need {n - 1} clock values, got {len(values)}")
    fr = [Fraction(0)] + [Fraction(v) for v in values]
    den = lcm(*(f.denominator for f in fr))
    vs = [f.numerator * (den // f.denominator) for f in fr]
    for i in range(n):
        for j in range(n):
            raw = z[i * n + j]
            if raw == INF or i == j:
                continue
            diff = vs[i] - vs[j]
            limit = (raw >> 1) * den
            if diff > limit or (diff == limit and not raw & 1):
                return False
    return True


# --------------------------------------------------------------------------- time


def up(z: DBM, n: int) -> DBM:
    """Future (delay): ``{v + d | v ∈ z, d >= 0}``.

    Delay preserves every difference ``x_i - x_j`` (``i, j >= 1``) and lower
    bounds, so only the upper bounds ``z_i0`` are removed.  Canonicity is kept.
    """
    m = list(z)
    for i in range(1, n):
        m[i * n] = INF
    return tuple(m)


def down(z: DBM, n: int) -> DBM:
    """Past: ``{v >= 0 | ∃ d >= 0. v + d ∈ z}``.

    Eliminating ``d`` (Fourier–Motzkin) keeps the differences and upper bounds and
    replaces each lower bound by ``x_j >= 0``; re-closing only row 0 gives
    ``z_0j := min(<= 0, min_{i >= 1} z_ij)``, which is canonical when the
    clocks of ``z`` are non-negative (then ``z_ki <= z_k0`` for all ``k, i``).
    """
    m = list(z)
    for j in range(1, n):
        best = LE_ZERO
        for i in range(1, n):
            if i != j and m[i * n + j] < best:
                best = m[i * n + j]
        m[j] = best
    return tuple(m)


# --------------------------------------------------------------------------- constraints


def constrain(z: DBM | None, n: int, i: int, j: int, raw: int) -> DBM | None:
    """Intersect with ``x_i - x_j ≺ c`` and re-close in ``O(n^2)``.

    If ``raw >= z_ij`` nothing changes.  If ``raw + z_ji < (0, <=)`` the new edge
    closes a negative cycle and the result is empty.  Otherwise the only new
    shortest paths use the new edge once, so ``z_kl := min(z_kl, z_ki + raw + z_jl)``.
    """
    if z is None:
        return None
    if i == j:
        return z if raw >= LE_ZERO else None
    if raw >= z[i * n + j]:
        return z
    if add(raw, z[j * n + i]) < LE_ZERO:
        return None
    m = list(z)
    row_j = j * n
    rc = raw & -2
    rl = raw & 1
    finite = [(col, b & -2, b & 1) for col, b in enumerate(z[row_j:row_j + n]) if b != INF]
    for k in range(n):
        a = z[k * n + i]
        if a == INF:
            continue
        row_k = k * n
        ac = (a & -2) + rc  # add(add(a, raw), b), inlined
        al = a & rl
        for col, bc, bl in finite:
            s = (ac + bc) | (al & bl)
            if s < m[row_k + col]:
                m[row_k + col] = s
    return tuple(m)


def constrain_all(z: DBM | None, n: int, constraints: Iterable[Constraint]) -> DBM | None:
    """Intersect with each constraint ``(i, j, raw)`` in turn (see :func:`constrain`)."""
    for i, j, raw in constraints:
        if z is None:
            return None
        z = constrain(z, n, i, j, raw)
    return z


def satisfies_some(z: DBM | None, n: int, constraints: Iterable[Constraint]) -> bool:
    """Whether ``z ∩ (conjunction of constraints)`` is non-empty."""
    return constrain_all(z, n, constraints) is not None


def reset(z: DBM, n: int, x: int, value: int = 0) -> DBM:
    """Assignment ``x := value`` (``value >= 0``): ``{v[x := value] | v ∈ z}``.

    Clock ``x`` becomes a copy of the reference clock shifted by ``value``:
    ``z_xj := (value, <=) + z_0j`` and ``z_jx := z_j0 + (-value, <=)``; the other
    entries are unchanged (projection of a closed DBM is closed).
    """
    if not 1 <= x < n:
        raise ValueError(f"clock index {x} out of range 1..{n - 1}")
    if value < 0:
        raise ValueError("clocks can only be reset to non-negative values")
    m = list(z)
    up_v = bound(value, False)
    down_v = bound(-value, False)
    for j in range(n):
        m[x * n + j] = add(up_v, z[j])
        m[j * n + x] = add(z[j * n], down_v)
    m[x * n + x] = LE_ZERO
    return tuple(m)


def free(z: DBM, n: int, x: int) -> DBM:
    """Forget clock ``x`` (``1 <= x < n``): ``{v[x := d] | v ∈ z, d >= 0}``.

    Row ``x`` becomes :data:`INF` (no upper bound on ``x``, nor on ``x - x_j``) and column
    ``x`` becomes column 0 (``x_i - x <= x_i - 0`` because ``x >= 0``, and nothing
    tighter); the other entries are unchanged (projection of a closed DBM is closed), so
    the result is canonical.
    """
    if not 1 <= x < n:
        raise ValueError(f"clock index {x} out of range 1..{n - 1}")
    m = list(z)
    for j in range(n):
        m[x * n + j] = INF
    for i in range(n):
        m[i * n + x] = m[i * n]
    m[x * n + x] = LE_ZERO
    return tuple(m)


def intersect(z1: DBM | None, z2: DBM | None, n: int) -> DBM | None:
    """``z1 ∩ z2``: entrywise minimum, then closure."""
    if z1 is None or z2 is None:
        return None
    return canonical([min(a, b) for a, b in zip(z1, z2)], n)


def is_included(z1: DBM | None, z2: DBM | None, n: int) -> bool:
    """``z1 ⊆ z2``; for non-empty canonical DBMs this is ``z1_ij <= z2_ij`` for all entries."""
    if z1 is None:
        return True
    if z2 is None:
        return False
    return all(a <= b for a, b in zip(z1, z2))


# --------------------------------------------------------------------------- extrapolation


def extrapolate_lu(
    z: DBM, n: int, L: Sequence[int], U: Sequence[int], *, plus: bool = True
) -> DBM:
    """LU-extrapolation of Behrmann, Bouyer, Larsen and Pelánek (STTT 2006).

    ``L[k]`` / ``U[k]`` is the largest constant clock ``k`` is compared with from
    below (``x > c``, ``x >= c``) / from above (``x < c``, ``x <= c``); ``-1``
    means "never compared" and stands for ``-∞``.  Index 0 is ignored
    (``L_0 = U_0 = 0``).  Write ``z_ij = (c_ij, ≺)``, and say ``x_k`` is
    *above L* (resp. *above U*) when its lower bound constant exceeds ``L_k``
    (resp. ``U_k``), i.e. ``z_0k < (-L_k, <)``; always true for ``-∞``.  (A strict
    bound ``x_k > L_k`` does not count: comparisons are on constants, as in the
    paper, which keeps every zone whose constants are ``<= L, U`` unchanged.)
    ``c_ij > L_i`` also compares constants, so ``(L_i, <)`` and ``(L_i, <=)`` stay.

    ``plus=True`` (default) is Extra⁺_LU; for ``i != j``::

        z'_ij = ∞            if i ≠ 0 and c_ij > L_i
        z'_ij = ∞            if i ≠ 0 and x_i is above L
        z'_ij = ∞            if i ≠ 0, j ≠ 0 and x_j is above U
        z'_0j = (-U_j, <)    if x_j is above U   (``<= 0``, i.e. x_j >= 0, if U_j = -∞)
        z'_ij = z_ij         otherwise

    ``plus=False`` is the plain Extra_LU::

        z'_ij = ∞            if i ≠ 0 and c_ij > L_i
        z'_ij = (-U_j, <)    if j ≠ 0 and z_ij < (-U_j, <)  (∞ resp. ``<= 0`` if U_j = -∞)
        z'_ij = z_ij         otherwise

    All conditions read the input ``z``.  Both operators only weaken entries, so
    ``z ⊆ result``; the result is re-closed and the operator is idempotent.
    Extra_LU is monotone (each entry's map is non-decreasing); Extra⁺_LU is
    coarser but *not* monotone w.r.t. inclusion (e.g. ``{x > 5, x <= y}`` ⊆
    ``{x <= y}`` with ``M = 3``).  Both are sound and complete for reachability:
    the result lies in the LU-simulation closure of ``z``.  If ``L_k, U_k >= |c|``
    for every finite constant ``c`` of ``z`` nothing changes.
    """
    above_l = [False] * n
    above_u = [False] * n
    for k in range(1, n):
        above_l[k] = L[k] < 0 or z[k] < bound(-L[k], True)
        above_u[k] = U[k] < 0 or z[k] < bound(-U[k], True)
    m = list(z)
    # Row 0 (lower bounds) and column 0 (upper bounds) first: an inner entry that the
    # operator drops is then set to the bound the closure re-derives through x_0,
    # z'_i0 + z'_0j, rather than to INF. Both describe the same zone, and where the
    # dropped entry was derived that way already (a clock nothing compares, say) the
    # entry stays as it was, so an unchanged zone needs no closure.
    for j in range(1, n):
        raw = z[j]
        weaker = above_u[j] if plus else U[j] < 0 or raw < bound(-U[j], True)
        if raw != INF and weaker:
            m[j] = LE_ZERO if U[j] < 0 else bound(-U[j], True)
    for i in range(1, n):
        raw = z[i * n]
        if raw != INF and (L[i] < 0 or raw > bound(L[i], False) or plus and above_l[i]):
            m[i * n] = INF
    for i in range(1, n):
        row = i * n
        upper = m[row]
        for j in range(1, n):
            raw = z[row + j]
            if i == j or raw == INF:
                continue
            if (L[i] < 0 or raw > bound(L[i], False)
                    or plus and (above_l[i] or above_u[j])):
                m[row + j] = add(upper, m[j])
            elif not plus and (U[j] < 0 or raw < bound(-U[j], True)):
                m[row + j] = INF if U[j] < 0 else bound(-U[j], True)
    if tuple(m) == z:
        return z  # nothing weakened: z is canonical already
    result = canonical(m, n)
    assert result is not None  # a superset of a non-empty zone
    return result


def extrapolate_m(z: DBM, n: int, M: Sequence[int], *, plus: bool = True) -> DBM:
    """Extra⁺_M (or Extra_M with ``plus=False``): :func:`extrapolate_lu` with ``L = U = M``."""
    return extrapolate_lu(z, n, M, M, plus=plus)


def alu_included(z: DBM | None, z2: DBM | None, n: int, L: Sequence[int],
                 U: Sequence[int]) -> bool:
    """Whether ``z ⊆ a_LU(z2)``: every valuation of ``z`` is LU-simulated by one of ``z2``
    (``v ≼_LU v'``: for every clock, ``v'(x) = v(x)``, or ``L_x < v'(x) < v(x)``, or
    ``U_x < v(x) < v'(x)``).  ``L``/``U`` as in :func:`extrapolate_lu` (``-1`` is ``-∞``,
    index 0 ignored); both zones canonical.

    Herbreteau, Srivathsan and Walukiewicz ("Better abstractions for timed automata",
    LICS 2012, Theorem 4; I&C 2016): for non-empty ``z``, ``z2``, ``z ⊄ a_LU(z2)`` iff
    there are clocks ``x, y`` (the reference clock 0 included, with ``L_0 = U_0 = 0``) with

        z_0x >= (-U_x, <=)  and  z2_yx < z_yx  and  z2_yx + (-L_y, <) < z_0x

    where ``U_x = -∞`` makes the first condition false and ``L_y = -∞`` the third.  ``y =
    0`` catches a lower bound of ``x`` in ``z2`` that ``z`` lacks (while ``x`` may be at
    most ``U_x`` in ``z``), ``x = 0`` an upper bound of ``y`` at most ``L_y``.  Cost
    ``O(n^2)``, no closure.
    """
    if z is None:
        return True
    if z2 is None:
        return False
    for x in range(n):
        ux = 0 if x == 0 else U[x]
        if ux < 0:
            continue
        z0x = z[x]
        if z0x < bound(-ux, False):
            continue
        for y in range(n):
            if y == x:
                continue
            b2 = z2[y * n + x]
            if b2 >= z[y * n + x]:
                continue
            ly = 0 if y == 0 else L[y]
            if ly >= 0 and add(b2, bound(-ly, True)) < z0x:
                return False
    return True


# --------------------------------------------------------------------------- federations


def subtract(z1: DBM | None, z2: DBM | None, n: int) -> list[DBM]:
    """``z1 \\ z2`` as a list of pairwise-disjoint non-empty canonical DBMs.

    For each constraint ``g_1, .., g_k`` of ``z2`` that is tighter than ``z1``
    (``z2_ij < z1_ij``), emit ``z1 ∧ g_1 ∧ .. ∧ g_{t-1} ∧ ¬g_t``; these pieces are
    disjoint (piece ``t`` violates ``g_t``, later ones satisfy it) and their union
    is ``z1 ∧ ¬(g_1 ∧ .. ∧ g_k) = z1 \\ z2``.  Empty pieces are dropped.
    """
    if z1 is None:
        return []
    if z2 is None or intersect(z1, z2, n) is None:
        return [z1]
    if is_included(z1, z2, n):
        return []
    pieces: list[DBM] = []
    rest: DBM | None = z1
    for i in range(n):
        for j in range(n):
            raw = z2[i * n + j]
            if i == j or rest is None or raw >= rest[i * n + j]:
                continue
            piece = constrain(rest, n, j, i, negate(raw))
            if piece is not None:
                pieces.append(piece)
            rest = constrain(rest, n, i, j, raw)
    return pieces


def federation_subtract(fed: Iterable[DBM], z: DBM | None, n: int) -> list[DBM]:
    """``(∪ fed) \\ z``: subtract ``z`` from every member."""
    out: list[DBM] = []
    for member in fed:
        out.extend(subtract(member, z, n))
    return out


def stuck_part(z: DBM, pres: Iterable[DBM | None], n: int) -> list[DBM]:
    """The part of ``z`` from which none of the zones ``pres`` can be reached by waiting:
    ``z \\ ∪ down(p)``, as disjoint pieces (``[]`` if nothing is stuck).  ``pres`` are the
    parts of ``z`` where each enabled transition can be taken, so a non-empty result is a
    deadlock or timelock.  The same computation as the zone search's stuck test
    (checker/engine/zones/search.py): first whether ``z`` lies in one ``down(p)`` (the
    common case), then the subtractions in turn.
    """
    downs = [down(p, n) for p in pres if p is not None]
    if any(is_included(z, d, n) for d in downs):
        return []
    fed = [z]
    for d in downs:
        fed = federation_subtract(fed, d, n)
        if not fed:
            return []
    return fed


def federation_is_empty(fed: Iterable[DBM | None]) -> bool:
    """Whether a federation (union of zones) is empty, i.e. has no non-``None`` member."""
    return all(member is None for member in fed)


# --------------------------------------------------------------------------- printing


def format_dbm(z: DBM | None, n: int, names: Sequence[str],
               constant: Callable[[int], str] = str) -> str:
    """A deterministic, minimal conjunction describing ``z``; ``constant`` writes a bound
    (Tock passes one that prints milliseconds as durations: ``15s``).

    ``names`` names clocks ``1 .. n-1`` (length ``n - 1``) or is indexed by clock
    (length ``n``, entry 0 ignored).  Clocks with a fixed difference
    (``z_ij + z_ji = (0, <=)``) are grouped and printed as equalities against
    the group's smallest index (``x == 3``, ``y == x``, ``y - x == 2``).  Between
    group representatives an entry is printed unless it is ``∞``, implied by
    the implicit ``x_m >= 0`` of a group member, or implied through a third
    representative ``k``
    (``z_ik + z_kj == z_ij``); without zero cycles this yields a minimal
    equivalent constraint set.  ``false`` for the empty zone, ``true`` if
    nothing remains.  Differences always name the lower-numbered clock first
    (``x - y > 3`` rather than ``y - x < -3``).
    """
    if z is None:
        return "false"
    if len(names) == n - 1:
        label = ["0", *names]
    elif len(names) == n:
        label = ["0", *names[1:]]
    else:
        raise ValueError(f"need {n - 1} clock names, got {len(names)}")

    rep = list(range(n))
    for i in range(n):
        for j in range(i):
            if rep[j] == j and add(z[i * n + j], z[j * n + i]) == LE_ZERO:
                rep[i] = j
                break
    items: list[tuple[tuple[int, int, int], str]] = []
    for i in range(n):
        r = rep[i]
        if r == i:
            continue
        c = bound_constant(z[i * n + r])  # x_i - x_r == c
        if r == 0:
            text = f"{label[i]} == {constant(c)}"
        elif c == 0:
            text = f"{label[i]} == {label[r]}"
        elif c > 0:
            text = f"{label[i]} - {label[r]} == {constant(c)}"
        else:
            text = f"{label[r]} - {label[i]} == {constant(-c)}"
        items.append(((r, i, 0), text))

    reps = [k for k in range(n) if rep[k] == k]
    # x_0 - x_r bound implied by x_m >= 0 for the members m of r's group
    implicit = [
        min((add(LE_ZERO, z[m * n + r]) for m in range(1, n) if rep[m] == r), default=LE_ZERO)
        for r in range(n)
    ]
    for i in reps:
        for j in reps:
            raw = z[i * n + j]
            if i == j or raw == INF or (i == 0 and raw == implicit[j]):
                continue
            if any(k != i and k != j and add(z[i * n + k], z[k * n + j]) == raw for k in reps):
                continue
            c = bound_constant(raw)
            op = "<" if bound_is_strict(raw) else "<="
            if j == 0:
                items.append(((0, i, 2), f"{label[i]} {op} {constant(c)}"))
            elif i == 0:
                op = ">" if bound_is_strict(raw) else ">="
                items.append(((0, j, 1), f"{label[j]} {op} {constant(-c)}"))
            elif i < j:
                items.append(((i, j, 3), f"{label[i]} - {label[j]} {op} {constant(c)}"))
            else:  # x_i - x_j ≺ c printed as x_j - x_i ≻ -c
                op = ">" if bound_is_strict(raw) else ">="
                items.append(((j, i, 4), f"{label[j]} - {label[i]} {op} {constant(-c)}"))
    if not items:
        return "true"
    return " && ".join(text for _, text in sorted(items))
