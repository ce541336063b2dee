/*
 * _dbm: the native DBM kernel of Tock's zone engine.
 *
 * Every operation here has a pure-Python specification in checker/dbm.py (same name, same
 * loop order, same results); checker/engine/zones/kernel.py is the only module that imports
 * this one, and tests/checker/test_kernel.py holds the two to each other.
 *
 * Representation.  A zone of dimension n is a bytes object of n*n int32 in native byte
 * order, row-major: entry [i*n + j] bounds x_i - x_j.  Raw bounds are encoded as in
 * checker/dbm.py: (c << 1) | 1 is "<= c", c << 1 is "< c"; INF_RAW (INT32_MAX) is "no bound".
 * The empty zone is None.  Results may be the argument object itself when nothing changed
 * (bytes are immutable, so callers cannot tell except by `is`).
 *
 * Ranges and overflow (why no operation can wrap).
 *
 *   MAX_ENTRY = 2^30 - 4 bounds |c| of every finite entry of a zone, of every constraint, of
 *   L, U and reset values: finite raw bounds lie in [RAW_MIN, RAW_MAX] = [-2^31 + 8,
 *   2^31 - 7], so INF_RAW = 2^31 - 1 exceeds them all, and 1 - raw (negation) maps the range
 *   onto itself.
 *
 *   1. Arithmetic never overflows: every sum is computed in int64 from at most three int32
 *      operands (|sum| < 2^33), or in close_exact from values it bounds itself (below).
 *   2. A sum is stored into an int32 entry only after a range check; a result outside
 *      [RAW_MIN, RAW_MAX] raises OverflowError (the exact result, as the reference computes
 *      it with Python ints, has an entry that the representation cannot hold).  close_fast
 *      does not raise: it hands over to close_exact, which decides emptiness exactly first,
 *      so an empty zone is None, never an OverflowError.
 *   3. When does the engine reach that check?  Let every constant of a diagonal-free model
 *      (guards x ≺ c / x ≻ c, invariants x ≺ c, L and U) be at most M, and n the dimension.
 *      An extrapolated canonical zone (Extra+_LU or Extra_LU) has its finite entries within
 *      [-(n-1)M, (n-1)M]: before closure every row i >= 1 holds entries <= L_i <= M and
 *      every entry is >= -M, and a shortest path has at most n - 1 edges (for Extra+_LU the
 *      lower side is even -M).  It is not [-M, M]: x1 - x2 <= M and x2 <= M re-derive
 *      x1 <= 2M after x1 <= c was dropped.  A guard on it gives entries within
 *      [-nM, nM] (a shortest path 0 -> l is one guard edge and one zone edge; an upper
 *      bound is a zone edge plus a guard edge); resets copy row and column 0; the
 *      invariant after up() adds M to an entry of at most nM.  So every zone of
 *      successor() and close(), every extrapolation step and every closure value in
 *      between lies within [-nM, (n+1)M]: no OverflowError while M <= MAX_ENTRY / (n+1)
 *      (kernel.max_constant(n); 2^28 - 1 = MAX_CONSTANT for n <= 3, about 9.7e7 for
 *      n = 10).  Zones that are never extrapolated (a trace's exact zones grow with its
 *      length) and stuck_part's pieces have no such bound: for them the check of 2. is
 *      what stands between a large constant and a wrong answer.
 *
 * Operations take canonical non-empty zones (as produced here) unless they say otherwise;
 * canonical() and encode() accept anything and check it.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef int32_t raw_t;

#define INF_RAW INT32_MAX
#define LE_ZERO 1
#define LT_ZERO 0
#define MAX_ENTRY (((int64_t)1 << 30) - 4)
#define MAX_CONSTANT (MAX_ENTRY / 4) /* max_constant(3) = 2^28 - 1 */
#define RAW_MIN (-2 * MAX_ENTRY)
#define RAW_MAX (2 * MAX_ENTRY + 1)
#define MAX_DIM 256
#define STACK_DIM 16 /* zones up to this dimension use stack scratch space */
#define ABI_VERSION 1

#ifndef TOCK_DBM_SOURCE_HASH
#define TOCK_DBM_SOURCE_HASH ""
#endif

/* ------------------------------------------------------------------------------ bounds */

static inline int in_range(int64_t r) { return r >= RAW_MIN && r <= RAW_MAX; }

/* The constant of a finite raw bound, floor(r / 2), without relying on >> of negatives. */
static inline int64_t cst(int64_t r) { return (r - (r & 1)) / 2; }

/* Sum of two finite bounds: constants add, strict if either is. */
static inline int64_t radd(int64_t a, int64_t b) { return ((a & ~(int64_t)1) + (b & ~(int64_t)1)) | (a & b & 1); }

/* Sum with INF absorbing (INF_RAW in, INT64_MAX out so that no finite value equals it). */
static inline int64_t radd_inf(raw_t a, raw_t b)
{
    if (a == INF_RAW || b == INF_RAW) return INT64_MAX;
    return radd(a, b);
}

/* Store a computed finite bound, or fail with OverflowError; INT64_MAX stores INF_RAW. */
static inline int store(raw_t *dst, int64_t v)
{
    if (v == INT64_MAX) { *dst = INF_RAW; return 0; }
    if (!in_range(v)) {
        PyErr_SetString(PyExc_OverflowError,
                        "a zone entry exceeds the DBM kernel's range (|c| <= 2**30 - 4)");
        return -1;
    }
    *dst = (raw_t)v;
    return 0;
}

static PyObject *overflow_error(void)
{
    PyErr_SetString(PyExc_OverflowError,
                    "a zone entry exceeds the DBM kernel's range (|c| <= 2**30 - 4)");
    return NULL;
}

/* ------------------------------------------------------------------------------ arguments */

static int get_dim(PyObject *o, int *n)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v < 1 || v > MAX_DIM) {
        PyErr_Format(PyExc_ValueError, "DBM dimension must be in 1..%d, got %ld", MAX_DIM, v);
        return -1;
    }
    *n = (int)v;
    return 0;
}

static int get_zone(PyObject *o, int n, const raw_t **z)
{
    if (!PyBytes_Check(o)) {
        PyErr_Format(PyExc_TypeError, "a zone is a bytes object of n*n int32, got %s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    if (PyBytes_GET_SIZE(o) != (Py_ssize_t)n * n * 4) {
        PyErr_Format(PyExc_ValueError, "a zone of dimension %d has %zd bytes, got %zd", n,
                     (Py_ssize_t)n * n * 4, PyBytes_GET_SIZE(o));
        return -1;
    }
    *z = (const raw_t *)PyBytes_AS_STRING(o);
    return 0;
}

static int get_index(PyObject *o, int n, int lo, int *out)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v < lo || v >= n) {
        PyErr_Format(PyExc_ValueError, "clock index %ld out of range %d..%d", v, lo, n - 1);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* A raw bound argument: INF_RAW or a finite bound within the range. */
static int get_raw(PyObject *o, int64_t *out)
{
    long long v = PyLong_AsLongLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v != INF_RAW && !in_range(v)) {
        PyErr_Format(PyExc_OverflowError,
                     "raw bound %lld is outside the DBM kernel's range (|c| <= 2**30 - 4)", v);
        return -1;
    }
    *out = v;
    return 0;
}

typedef struct {
    int i, j;
    int64_t raw;
} cons_t;

/* Constraints: None or a sequence of (i, j, raw).  *out points to stack space of `cap`
 * entries or to PyMem memory the caller frees with free_cons. */
static Py_ssize_t get_constraints(PyObject *seq, int n, cons_t *stack, Py_ssize_t cap,
                                  cons_t **out)
{
    *out = stack;
    if (seq == Py_None) return 0;
    PyObject *fast = PySequence_Fast(seq, "constraints must be a sequence of (i, j, raw)");
    if (fast == NULL) return -1;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    cons_t *cs = stack;
    if (len > cap) {
        cs = PyMem_Malloc(sizeof(cons_t) * (size_t)len);
        if (cs == NULL) { Py_DECREF(fast); PyErr_NoMemory(); return -1; }
    }
    for (Py_ssize_t k = 0; k < len; k++) {
        PyObject *c = items[k];
        PyObject **parts;
        if (PyTuple_Check(c) && PyTuple_GET_SIZE(c) == 3) {
            parts = ((PyTupleObject *)c)->ob_item;
        } else if (PyList_Check(c) && PyList_GET_SIZE(c) == 3) {
            parts = ((PyListObject *)c)->ob_item;
        } else {
            PyErr_Format(PyExc_TypeError, "a constraint is a tuple (i, j, raw), got %s",
                         Py_TYPE(c)->tp_name);
            goto fail;
        }
        if (get_index(parts[0], n, 0, &cs[k].i) < 0 || get_index(parts[1], n, 0, &cs[k].j) < 0
            || get_raw(parts[2], &cs[k].raw) < 0)
            goto fail;
    }
    Py_DECREF(fast);
    *out = cs;
    return len;
fail:
    if (cs != stack) PyMem_Free(cs);
    Py_DECREF(fast);
    return -1;
}

static void free_cons(cons_t *cs, cons_t *stack)
{
    if (cs != stack) PyMem_Free(cs);
}

/* L or U: bytes of n int32, or a sequence of n ints; negative means -infinity (stored as -1);
 * index 0 is ignored (0). */
static int get_bounds(PyObject *o, int n, int64_t *out)
{
    if (PyBytes_Check(o)) {
        if (PyBytes_GET_SIZE(o) != (Py_ssize_t)n * 4) {
            PyErr_Format(PyExc_ValueError, "bounds of dimension %d have %d bytes, got %zd", n,
                         n * 4, PyBytes_GET_SIZE(o));
            return -1;
        }
        const int32_t *b = (const int32_t *)PyBytes_AS_STRING(o);
        for (int k = 0; k < n; k++) out[k] = b[k];
    } else {
        PyObject *fast = PySequence_Fast(o, "bounds must be bytes or a sequence of ints");
        if (fast == NULL) return -1;
        if (PySequence_Fast_GET_SIZE(fast) != n) {
            PyErr_Format(PyExc_ValueError, "bounds of dimension %d have %d entries, got %zd",
                         n, n, PySequence_Fast_GET_SIZE(fast));
            Py_DECREF(fast);
            return -1;
        }
        PyObject **items = PySequence_Fast_ITEMS(fast);
        for (int k = 0; k < n; k++) {
            long long v = PyLong_AsLongLong(items[k]);
            if (v == -1 && PyErr_Occurred()) { Py_DECREF(fast); return -1; }
            out[k] = v;
        }
        Py_DECREF(fast);
    }
    out[0] = 0;
    for (int k = 1; k < n; k++) {
        if (out[k] < 0) out[k] = -1;
        else if (out[k] > MAX_ENTRY) {
            PyErr_Format(PyExc_OverflowError,
                         "bound %lld is outside the DBM kernel's range (<= 2**30 - 4)",
                         (long long)out[k]);
            return -1;
        }
    }
    return 0;
}

static PyObject *new_zone(int n, raw_t **buf)
{
    PyObject *r = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n * n * 4);
    if (r != NULL) *buf = (raw_t *)PyBytes_AS_STRING(r);
    return r;
}

static PyObject *copy_zone(const raw_t *z, int n, raw_t **buf)
{
    PyObject *r = new_zone(n, buf);
    if (r != NULL) memcpy(*buf, z, (size_t)n * n * 4);
    return r;
}

static int check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t lo, Py_ssize_t hi)
{
    if (nargs < lo || nargs > hi) {
        if (lo == hi)
            PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name, lo, nargs);
        else
            PyErr_Format(PyExc_TypeError, "%s() takes %zd to %zd arguments (%zd given)", name, lo,
                         hi, nargs);
        return -1;
    }
    return 0;
}

/* Scratch space for one zone: on the stack up to STACK_DIM, else PyMem. */
typedef struct {
    raw_t stack[STACK_DIM * STACK_DIM];
    raw_t *p;
} scratch_t;

static raw_t *scratch_get(scratch_t *s, int n)
{
    if (n <= STACK_DIM) return s->p = s->stack;
    s->p = PyMem_Malloc((size_t)n * n * 4);
    if (s->p == NULL) PyErr_NoMemory();
    return s->p;
}

static void scratch_free(scratch_t *s)
{
    if (s->p != NULL && s->p != s->stack) PyMem_Free(s->p);
    s->p = NULL;
}

/* ------------------------------------------------------------------------------ closure */

/* Floyd-Warshall in place, in the reference's loop order.  1: canonical and non-empty,
 * 0: empty, -1: an entry left the range (m is garbage: recompute and use close_exact). */
static int close_fast(raw_t *m, int n)
{
    for (int k = 0; k < n; k++) {
        const raw_t *rowk = m + (size_t)k * n;
        for (int i = 0; i < n; i++) {
            raw_t a = m[(size_t)i * n + k];
            if (a == INF_RAW || i == k) continue;
            raw_t *rowi = m + (size_t)i * n;
            int64_t ac = a & ~(int64_t)1, al = a & 1;
            for (int j = 0; j < n; j++) {
                raw_t b = rowk[j];
                if (b == INF_RAW || j == k) continue;
                int64_t s = (ac + (b & ~(int64_t)1)) | (al & b & 1);
                raw_t cur = rowi[j];
                if (s < cur || cur == INF_RAW) {
                    if (!in_range(s)) return -1;
                    rowi[j] = (raw_t)s;
                }
            }
        }
        if (m[(size_t)k * n + k] < LE_ZERO) return 0;
    }
    for (int i = 0; i < n; i++) {
        if (m[(size_t)i * n + i] < LE_ZERO) return 0;
        m[(size_t)i * n + i] = LE_ZERO;
    }
    return 1;
}

/* Exact closure in int64 (in and out may alias).  Every value Floyd-Warshall stores is the
 * weight of a walk; a walk whose constant is below -(n-1)K (K: the largest |c| of the
 * input) contains a cycle of negative constant, so the zone is empty and we stop there.
 * Otherwise every value lies in [-(n-1)K, (n-1)K] (a finite value never exceeds the weight
 * of a simple path), so no sum of two can overflow.  1: non-empty (out canonical),
 * 0: empty, -1: an entry is out of range or no memory (exception set). */
static int close_exact(raw_t *out, const raw_t *in, int n)
{
    size_t n2 = (size_t)n * n;
    int64_t *m = PyMem_Malloc(n2 * sizeof(int64_t));
    if (m == NULL) { PyErr_NoMemory(); return -1; }
    int64_t K = 0;
    for (size_t k = 0; k < n2; k++) {
        if (in[k] == INF_RAW) { m[k] = INT64_MAX; continue; }
        m[k] = in[k];
        int64_t c = cst(in[k]);
        if (c < 0) c = -c;
        if (c > K) K = c;
    }
    int64_t floor_c = -(int64_t)(n - 1) * K;
    int result = 1;
    for (int k = 0; k < n && result == 1; k++) {
        for (int i = 0; i < n && result == 1; i++) {
            int64_t a = m[(size_t)i * n + k];
            if (a == INT64_MAX || i == k) continue;
            for (int j = 0; j < n; j++) {
                int64_t b = m[(size_t)k * n + j];
                if (b == INT64_MAX || j == k) continue;
                int64_t s = radd(a, b);
                if (s < m[(size_t)i * n + j]) {
                    if (cst(s) < floor_c) { result = 0; break; }
                    m[(size_t)i * n + j] = s;
                }
            }
        }
        if (result == 1 && m[(size_t)k * n + k] < LE_ZERO) result = 0;
    }
    for (int i = 0; i < n && result == 1; i++) {
        if (m[(size_t)i * n + i] < LE_ZERO) result = 0;
        m[(size_t)i * n + i] = LE_ZERO;
    }
    if (result == 1) {
        for (size_t k = 0; k < n2; k++) {
            if (m[k] != INT64_MAX && !in_range(m[k])) {
                PyMem_Free(m);
                overflow_error();
                return -1;
            }
        }
        for (size_t k = 0; k < n2; k++) out[k] = m[k] == INT64_MAX ? INF_RAW : (raw_t)m[k];
    }
    PyMem_Free(m);
    return result;
}

/* ------------------------------------------------------------------------------ constrain */

/* Intersect m (canonical, non-empty) in place with x_i - x_j ≺ raw, as dbm.constrain.
 * In place is safe: when raw + m_ji >= (0, <=), row j and column i cannot change.
 * 2: changed, 1: unchanged, 0: empty, -1: overflow (exception set). */
static int constrain_in(raw_t *m, int n, int i, int j, int64_t raw)
{
    if (i == j) return raw >= LE_ZERO ? 1 : 0;
    if (raw >= m[(size_t)i * n + j]) return 1;
    raw_t back = m[(size_t)j * n + i];
    if (back != INF_RAW && radd(raw, back) < LE_ZERO) return 0;
    const raw_t *rowj = m + (size_t)j * n;
    for (int k = 0; k < n; k++) {
        raw_t a = m[(size_t)k * n + i];
        if (a == INF_RAW) continue;
        raw_t *rowk = m + (size_t)k * n;
        int64_t ar = radd(a, raw);
        int64_t ac = ar & ~(int64_t)1, al = ar & 1;
        for (int l = 0; l < n; l++) {
            raw_t b = rowj[l];
            if (b == INF_RAW) continue;
            int64_t s = (ac + (b & ~(int64_t)1)) | (al & b & 1);
            raw_t cur = rowk[l];
            if (s < cur || cur == INF_RAW) {
                if (!in_range(s)) {
                    overflow_error();
                    return -1;
                }
                rowk[l] = (raw_t)s;
            }
        }
    }
    return 2;
}

/* Apply constraints in turn; same return codes (2 if any changed). */
static int constrain_all_in(raw_t *m, int n, const cons_t *cs, Py_ssize_t len)
{
    int changed = 1;
    for (Py_ssize_t k = 0; k < len; k++) {
        int r = constrain_in(m, n, cs[k].i, cs[k].j, cs[k].raw);
        if (r <= 0) return r;
        if (r == 2) changed = 2;
    }
    return changed;
}

/* Whether some constraint would change z (so a copy is needed). */
static Py_ssize_t first_change(const raw_t *z, int n, const cons_t *cs, Py_ssize_t len)
{
    for (Py_ssize_t k = 0; k < len; k++) {
        if (cs[k].i == cs[k].j ? cs[k].raw < LE_ZERO : cs[k].raw < z[(size_t)cs[k].i * n + cs[k].j])
            return k;
    }
    return -1;
}

/* ------------------------------------------------------------------------------ other ops */

static void up_in(raw_t *m, int n)
{
    for (int i = 1; i < n; i++) m[(size_t)i * n] = INF_RAW;
}

static void down_in(raw_t *m, int n)
{
    for (int j = 1; j < n; j++) {
        raw_t best = LE_ZERO;
        for (int i = 1; i < n; i++) {
            raw_t v = m[(size_t)i * n + j];
            if (i != j && v < best) best = v;
        }
        m[j] = best;
    }
}

/* x := value in place (see the order argument in successor()). */
static int reset_in(raw_t *m, int n, int x, int64_t value)
{
    if (value == 0) {
        for (int j = 0; j < n; j++) m[(size_t)x * n + j] = m[j];
        for (int j = 0; j < n; j++) m[(size_t)j * n + x] = m[(size_t)j * n];
    } else {
        int64_t up_v = 2 * value + 1, down_v = -2 * value + 1;
        for (int j = 0; j < n; j++) {
            raw_t b = m[j];
            if (store(&m[(size_t)x * n + j], b == INF_RAW ? INT64_MAX : radd(up_v, b)) < 0)
                return -1;
        }
        for (int j = 0; j < n; j++) {
            raw_t b = m[(size_t)j * n];
            if (store(&m[(size_t)j * n + x], b == INF_RAW ? INT64_MAX : radd(b, down_v)) < 0)
                return -1;
        }
    }
    m[(size_t)x * n + x] = LE_ZERO;
    return 0;
}

static void free_in(raw_t *m, int n, int x)
{
    for (int j = 0; j < n; j++) m[(size_t)x * n + j] = INF_RAW;
    for (int i = 0; i < n; i++) m[(size_t)i * n + x] = m[(size_t)i * n];
    m[(size_t)x * n + x] = LE_ZERO;
    m[x] = LE_ZERO;
}

static int included(const raw_t *a, const raw_t *b, int n)
{
    size_t n2 = (size_t)n * n;
    for (size_t k = 0; k < n2; k++)
        if (a[k] > b[k]) return 0;
    return 1;
}

/* z ⊆ aLU(z2) (Herbreteau, Srivathsan, Walukiewicz, LICS 2012, Theorem 4 / I&C 2016):
 * z is NOT included iff there are x, y in 0..n-1 with
 *     z_0x >= (-U_x, <=)  and  z2_yx < z_yx  and  z2_yx + (-L_y, <) < z_0x,
 * where L_0 = U_0 = 0, and U_x = -inf (resp. L_y = -inf) makes the first (resp. third)
 * condition false.  Both zones canonical and non-empty. */
static int alu_le(const raw_t *z, const raw_t *z2, int n, const int64_t *L, const int64_t *U)
{
    for (int x = 0; x < n; x++) {
        int64_t ux = x == 0 ? 0 : U[x];
        if (ux < 0) continue;
        raw_t z0x = z[x];
        if (z0x < -2 * ux + 1) continue;
        for (int y = 0; y < n; y++) {
            if (y == x) continue;
            raw_t b2 = z2[(size_t)y * n + x];
            if (b2 >= z[(size_t)y * n + x]) continue;
            int64_t ly = y == 0 ? 0 : L[y];
            if (ly < 0) continue;
            if (radd(b2, -2 * ly) < z0x) return 0;
        }
    }
    return 1;
}

/* Extrapolation as dbm.extrapolate_lu, written into m (not aliasing z); returns whether m
 * differs from z, or -1 on overflow.  m is not closed yet. */
static int extrapolate_into(raw_t *m, const raw_t *z, int n, const int64_t *L, const int64_t *U,
                            int plus)
{
    char above_l[MAX_DIM], above_u[MAX_DIM];
    above_l[0] = above_u[0] = 0;
    for (int k = 1; k < n; k++) {
        above_l[k] = L[k] < 0 || z[k] < -2 * L[k];
        above_u[k] = U[k] < 0 || z[k] < -2 * U[k];
    }
    memcpy(m, z, (size_t)n * n * 4);
    for (int j = 1; j < n; j++) {
        raw_t raw = z[j];
        int weaker = plus ? above_u[j] : (U[j] < 0 || raw < -2 * U[j]);
        if (raw != INF_RAW && weaker) m[j] = U[j] < 0 ? LE_ZERO : (raw_t)(-2 * U[j]);
    }
    for (int i = 1; i < n; i++) {
        raw_t raw = z[(size_t)i * n];
        if (raw != INF_RAW && (L[i] < 0 || raw > 2 * L[i] + 1 || (plus && above_l[i])))
            m[(size_t)i * n] = INF_RAW;
    }
    for (int i = 1; i < n; i++) {
        size_t row = (size_t)i * n;
        raw_t upper = m[row];
        for (int j = 1; j < n; j++) {
            raw_t raw = z[row + j];
            if (i == j || raw == INF_RAW) continue;
            if (L[i] < 0 || raw > 2 * L[i] + 1 || (plus && (above_l[i] || above_u[j]))) {
                if (store(&m[row + j], radd_inf(upper, m[j])) < 0) return -1;
            } else if (!plus && (U[j] < 0 || raw < -2 * U[j])) {
                m[row + j] = U[j] < 0 ? INF_RAW : (raw_t)(-2 * U[j]);
            }
        }
    }
    return memcmp(m, z, (size_t)n * n * 4) != 0;
}

/* Extrapolate z into m and close it; 1: m holds the result, 0: z is unchanged (m holds a
 * copy), -1: error. */
static int extrapolate_close(raw_t *m, const raw_t *z, int n, const int64_t *L, const int64_t *U,
                             int plus)
{
    int changed = extrapolate_into(m, z, n, L, U, plus);
    if (changed <= 0) return changed;
    int r = close_fast(m, n);
    if (r == -1) {
        if (extrapolate_into(m, z, n, L, U, plus) < 0) return -1;
        r = close_exact(m, m, n);
        if (r < 0) return -1;
    }
    if (r == 0) {
        PyErr_SetString(PyExc_ValueError, "extrapolation of an empty or non-canonical zone");
        return -1;
    }
    return 1;
}

/* Whether z1 ∩ z2 is non-empty (tmp: scratch). 1 / 0, -1 on error. */
static int intersects(raw_t *tmp, const raw_t *z1, const raw_t *z2, int n)
{
    size_t n2 = (size_t)n * n;
    for (size_t k = 0; k < n2; k++) tmp[k] = z1[k] < z2[k] ? z1[k] : z2[k];
    int r = close_fast(tmp, n);
    if (r == -1) {
        for (size_t k = 0; k < n2; k++) tmp[k] = z1[k] < z2[k] ? z1[k] : z2[k];
        r = close_exact(tmp, tmp, n);
    }
    return r;
}

/* ------------------------------------------------------------------------------ federations */

typedef struct {
    raw_t *data;
    Py_ssize_t len, cap;
    size_t n2;
} fed_t;

static int fed_push(fed_t *f, const raw_t *z)
{
    if (f->len == f->cap) {
        Py_ssize_t cap = f->cap ? f->cap * 2 : 8;
        raw_t *d = PyMem_Realloc(f->data, (size_t)cap * f->n2 * 4);
        if (d == NULL) { PyErr_NoMemory(); return -1; }
        f->data = d;
        f->cap = cap;
    }
    memcpy(f->data + (size_t)f->len * f->n2, z, f->n2 * 4);
    f->len++;
    return 0;
}

/* Append z1 \ z2 to out, as dbm.subtract (same pieces, same order).  rest and piece are
 * scratch zones. */
static int subtract_into(fed_t *out, const raw_t *z1, const raw_t *z2, int n, raw_t *rest,
                         raw_t *piece)
{
    int r = intersects(rest, z1, z2, n);
    if (r < 0) return -1;
    if (r == 0) return fed_push(out, z1);
    if (included(z1, z2, n)) return 0;
    size_t bytes = (size_t)n * n * 4;
    memcpy(rest, z1, bytes);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            raw_t raw = z2[(size_t)i * n + j];
            if (i == j || raw >= rest[(size_t)i * n + j]) continue;
            memcpy(piece, rest, bytes);
            r = constrain_in(piece, n, j, i, 1 - (int64_t)raw);
            if (r < 0) return -1;
            if (r > 0 && fed_push(out, piece) < 0) return -1;
            r = constrain_in(rest, n, i, j, raw);
            if (r < 0) return -1;
            if (r == 0) return 0;
        }
    }
    return 0;
}

/* The part of z from which no zone of pres is reachable by waiting (checker/timed.py's
 * _stuck): fills *result (caller frees data).  0 ok, -1 error. */
static int stuck(fed_t *result, const raw_t *z, PyObject *pres, int n)
{
    size_t n2 = (size_t)n * n, bytes = n2 * 4;
    PyObject *fast = PySequence_Fast(pres, "pres must be a sequence of zones");
    if (fast == NULL) return -1;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    fed_t downs = {NULL, 0, 0, n2}, fed = {NULL, 0, 0, n2}, next = {NULL, 0, 0, n2};
    raw_t *tmp = PyMem_Malloc(2 * bytes);
    int rc = -1;
    if (tmp == NULL) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t k = 0; k < m; k++) {
        const raw_t *p;
        if (items[k] == Py_None) continue;
        if (get_zone(items[k], n, &p) < 0) goto done;
        if (fed_push(&downs, p) < 0) goto done;
        raw_t *d = downs.data + (size_t)(downs.len - 1) * n2;
        down_in(d, n);
        if (included(z, d, n)) { rc = 0; goto done; } /* nothing is stuck */
    }
    if (fed_push(&fed, z) < 0) goto done;
    for (Py_ssize_t k = 0; k < downs.len && fed.len > 0; k++) {
        const raw_t *d = downs.data + (size_t)k * n2;
        next.len = 0;
        for (Py_ssize_t q = 0; q < fed.len; q++) {
            if (subtract_into(&next, fed.data + (size_t)q * n2, d, n, tmp, tmp + n2) < 0)
                goto done;
        }
        fed_t t = fed;
        fed = next;
        next = t;
    }
    *result = fed;
    fed.data = NULL;
    rc = 0;
done:
    Py_DECREF(fast);
    PyMem_Free(tmp);
    PyMem_Free(downs.data);
    PyMem_Free(fed.data);
    PyMem_Free(next.data);
    return rc;
}

/* ------------------------------------------------------------------------------ Python API */

#define ARGS(name, lo, hi) \
    if (check_nargs(name, nargs, lo, hi) < 0) return NULL
#define DIM(k) \
    int n; \
    if (get_dim(args[k], &n) < 0) return NULL
#define FASTCALL(f) (PyCFunction)(void (*)(void))(f), METH_FASTCALL

static PyObject *py_zero(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("zero", 1, 1);
    DIM(0);
    raw_t *m;
    PyObject *r = new_zone(n, &m);
    if (r == NULL) return NULL;
    for (size_t k = 0; k < (size_t)n * n; k++) m[k] = LE_ZERO;
    return r;
}

static PyObject *py_universe(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("universe", 1, 1);
    DIM(0);
    raw_t *m;
    PyObject *r = new_zone(n, &m);
    if (r == NULL) return NULL;
    for (size_t k = 0; k < (size_t)n * n; k++) m[k] = INF_RAW;
    for (int j = 0; j < n; j++) {
        m[j] = LE_ZERO;
        m[(size_t)j * n + j] = LE_ZERO;
    }
    return r;
}

/* canonical(z, n): z may be any matrix of raw bounds within the range. */
static PyObject *py_canonical(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("canonical", 2, 2);
    DIM(1);
    const raw_t *z;
    if (get_zone(args[0], n, &z) < 0) return NULL;
    for (size_t k = 0; k < (size_t)n * n; k++) {
        if (z[k] != INF_RAW && !in_range(z[k])) return overflow_error();
    }
    raw_t *m;
    PyObject *r = copy_zone(z, n, &m);
    if (r == NULL) return NULL;
    int c = close_fast(m, n);
    if (c == -1) c = close_exact(m, z, n);
    if (c == 1) return r;
    Py_DECREF(r);
    if (c == 0) Py_RETURN_NONE;
    return NULL;
}

static PyObject *py_up(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("up", 2, 2);
    DIM(1);
    const raw_t *z;
    if (get_zone(args[0], n, &z) < 0) return NULL;
    int same = 1;
    for (int i = 1; i < n && same; i++) same = z[(size_t)i * n] == INF_RAW;
    if (same) return Py_NewRef(args[0]);
    raw_t *m;
    PyObject *r = copy_zone(z, n, &m);
    if (r != NULL) up_in(m, n);
    return r;
}

static PyObject *py_down(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("down", 2, 2);
    DIM(1);
    const raw_t *z;
    if (get_zone(args[0], n, &z) < 0) return NULL;
    raw_t *m;
    PyObject *r = copy_zone(z, n, &m);
    if (r != NULL) down_in(m, n);
    return r;
}

static PyObject *py_constrain(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("constrain", 5, 5);
    if (args[0] == Py_None) Py_RETURN_NONE;
    DIM(1);
    const raw_t *z;
    int i, j;
    int64_t raw;
    if (get_zone(args[0], n, &z) < 0 || get_index(args[2], n, 0, &i) < 0
        || get_index(args[3], n, 0, &j) < 0 || get_raw(args[4], &raw) < 0)
        return NULL;
    if (i == j) {
        if (raw >= LE_ZERO) return Py_NewRef(args[0]);
        Py_RETURN_NONE;
    }
    if (raw >= z[(size_t)i * n + j]) return Py_NewRef(args[0]);
    raw_t *m;
    PyObject *r = copy_zone(z, n, &m);
    if (r == NULL) return NULL;
    int c = constrain_in(m, n, i, j, raw);
    if (c > 0) return r;
    Py_DECREF(r);
    if (c == 0) Py_RETURN_NONE;
    return NULL;
}

/* Apply constraints to zone object zo; returns a new reference (zo itself if unchanged),
 * Py_None if empty, NULL on error. */
static PyObject *apply_constraints(PyObject *zo, const raw_t *z, int n, const cons_t *cs,
                                   Py_ssize_t len)
{
    Py_ssize_t first = first_change(z, n, cs, len);
    if (first < 0) return Py_NewRef(zo);
    raw_t *m;
    PyObject *r = copy_zone(z, n, &m);
    if (r == NULL) return NULL;
    int c = constrain_all_in(m, n, cs + first, len - first);
    if (c > 0) return r;
    Py_DECREF(r);
    if (c == 0) Py_RETURN_NONE;
    return NULL;
}

static PyObject *py_constrain_all(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("constrain_all", 3, 3);
    if (args[0] == Py_None) Py_RETURN_NONE;
    DIM(1);
    const raw_t *z;
    if (get_zone(args[0], n, &z) < 0) return NULL;
    cons_t stack[32], *cs;
    Py_ssize_t len = get_constraints(args[2], n, stack, 32, &cs);
    if (len < 0) return NULL;
    PyObject *r = apply_constraints(args[0], z, n, cs, len);
    free_cons(cs, stack);
    return r;
}

static PyObject *py_satisfies(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("satisfies", 3, 3);
    if (args[0] == Py_None) Py_RETURN_FALSE;
    DIM(1);
    const raw_t *z;
    if (get_zone(args[0], n, &z) < 0) return NULL;
    cons_t stack[32], *cs;
    Py_ssize_t len = get_constraints(args[2], n, stack, 32, &cs);
    if (len < 0) return NULL;
    PyObject *result = NULL;
    Py_ssize_t first = first_change(z, n, cs, len);
    if (first < 0) {
        result = Py_NewRef(Py_True);
    } else {
        scratch_t s;
        raw_t *m = scratch_get(&s, n);
        if (m != NULL) {
            memcpy(m, z, (size_t)n * n * 4);
            int c = constrain_all_in(m, n, cs + first, len - first);
            if (c >= 0) result = PyBool_FromLong(c > 0);
        }
        scratch_free(&s);
    }
    free_cons(cs, stack);
    return result;
}

static PyObject *py_reset(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("reset", 3, 4);
    DIM(1);
    const raw_t *z;
    int x;
    int64_t value = 0;
    if (get_zone(args[0], n, &z) < 0 || get_index(args[2], n, 1, &x) < 0) return NULL;
    if (nargs == 4) {
        long long v = PyLong_AsLongLong(args[3]);
        if (v == -1 && PyErr_Occurred()) return NULL;
        if (v < 0) {
            PyErr_SetString(PyExc_ValueError, "clocks can only be reset to non-negative values");
            return NULL;
        }
        if (v > MAX_ENTRY) return overflow_error();
        value = v;
    }
    raw_t *m;
    PyObject *r = copy_zone(z, n, &m);
    if (r == NULL) return NULL;
    if (reset_in(m, n, x, value) < 0) {
        Py_DECREF(r);
        return NULL;
    }
    return r;
}

static PyObject *py_free(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("free", 3, 3);
    DIM(1);
    const raw_t *z;
    int x;
    if (get_zone(args[0], n, &z) < 0 || get_index(args[2], n, 1, &x) < 0) return NULL;
    raw_t *m;
    PyObject *r = copy_zone(z, n, &m);
    if (r != NULL) free_in(m, n, x);
    return r;
}

static PyObject *py_intersect(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("intersect", 3, 3);
    if (args[0] == Py_None || args[1] == Py_None) Py_RETURN_NONE;
    DIM(2);
    const raw_t *a, *b;
    if (get_zone(args[0], n, &a) < 0 || get_zone(args[1], n, &b) < 0) return NULL;
    raw_t *m;
    PyObject *r = new_zone(n, &m);
    if (r == NULL) return NULL;
    int c = intersects(m, a, b, n);
    if (c == 1) return r;
    Py_DECREF(r);
    if (c == 0) Py_RETURN_NONE;
    return NULL;
}

static PyObject *py_is_included(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("is_included", 3, 3);
    if (args[0] == Py_None) Py_RETURN_TRUE;
    if (args[1] == Py_None) Py_RETURN_FALSE;
    DIM(2);
    const raw_t *a, *b;
    if (get_zone(args[0], n, &a) < 0 || get_zone(args[1], n, &b) < 0) return NULL;
    return PyBool_FromLong(included(a, b, n));
}

static PyObject *py_alu_included(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("alu_included", 5, 5);
    if (args[0] == Py_None) Py_RETURN_TRUE;
    if (args[1] == Py_None) Py_RETURN_FALSE;
    DIM(2);
    const raw_t *a, *b;
    int64_t L[MAX_DIM], U[MAX_DIM];
    if (get_zone(args[0], n, &a) < 0 || get_zone(args[1], n, &b) < 0
        || get_bounds(args[3], n, L) < 0 || get_bounds(args[4], n, U) < 0)
        return NULL;
    return PyBool_FromLong(alu_le(a, b, n, L, U));
}

static int get_kind(PyObject *o, int *plus)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v != 0 && v != 1) {
        PyErr_Format(PyExc_ValueError, "extrapolation kind must be EXTRA_LU (0) or "
                     "EXTRA_PLUS_LU (1), got %ld", v);
        return -1;
    }
    *plus = (int)v;
    return 0;
}

/* extrapolate_lu(z, n, L, U, kind) */
static PyObject *py_extrapolate_lu(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("extrapolate_lu", 5, 5);
    DIM(1);
    const raw_t *z;
    int64_t L[MAX_DIM], U[MAX_DIM];
    int plus;
    if (get_zone(args[0], n, &z) < 0 || get_bounds(args[2], n, L) < 0
        || get_bounds(args[3], n, U) < 0 || get_kind(args[4], &plus) < 0)
        return NULL;
    raw_t *m;
    PyObject *r = new_zone(n, &m);
    if (r == NULL) return NULL;
    int c = extrapolate_close(m, z, n, L, U, plus);
    if (c == 1) return r;
    Py_DECREF(r);
    if (c == 0) return Py_NewRef(args[0]);
    return NULL;
}

/* close(z, n, inv, L, U, kind) = extrapolate_lu(constrain_all(up(z), inv), ...) */
static PyObject *py_close(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("close", 6, 6);
    DIM(1);
    const raw_t *z;
    int64_t L[MAX_DIM], U[MAX_DIM];
    int plus;
    if (get_zone(args[0], n, &z) < 0 || get_bounds(args[3], n, L) < 0
        || get_bounds(args[4], n, U) < 0 || get_kind(args[5], &plus) < 0)
        return NULL;
    cons_t stack[32], *cs;
    Py_ssize_t len = get_constraints(args[2], n, stack, 32, &cs);
    if (len < 0) return NULL;
    PyObject *result = NULL;
    scratch_t s;
    raw_t *t = scratch_get(&s, n);
    if (t == NULL) goto done;
    memcpy(t, z, (size_t)n * n * 4);
    up_in(t, n);
    int c = constrain_all_in(t, n, cs, len);
    if (c < 0) goto done;
    if (c == 0) { result = Py_NewRef(Py_None); goto done; }
    raw_t *m;
    result = new_zone(n, &m);
    if (result == NULL) goto done;
    c = extrapolate_close(m, t, n, L, U, plus);
    if (c < 0) Py_CLEAR(result);
    else if (c == 0) memcpy(m, t, (size_t)n * n * 4);
done:
    scratch_free(&s);
    free_cons(cs, stack);
    return result;
}

/* successor(z, n, guard, resets, inv2) -> (pre, succ), as one transition of explore_zones:
 *   z1 = z ∧ guard (empty: (None, None)); z3 = resets(z1) ∧ inv2 (empty: (None, None));
 *   pre = z1 ∧ [c for c in inv2 if c[0] not in resets]; succ = up(z3) ∧ inv2. */
static PyObject *py_successor(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("successor", 5, 5);
    DIM(1);
    const raw_t *z;
    if (get_zone(args[0], n, &z) < 0) return NULL;
    int resets[MAX_DIM];
    Py_ssize_t nres = 0;
    if (args[3] != Py_None) {
        PyObject *fast = PySequence_Fast(args[3], "resets must be a sequence of clock indices");
        if (fast == NULL) return NULL;
        nres = PySequence_Fast_GET_SIZE(fast);
        if (nres > MAX_DIM) {
            Py_DECREF(fast);
            PyErr_SetString(PyExc_ValueError, "too many resets");
            return NULL;
        }
        for (Py_ssize_t k = 0; k < nres; k++) {
            if (get_index(PySequence_Fast_GET_ITEM(fast, k), n, 1, &resets[k]) < 0) {
                Py_DECREF(fast);
                return NULL;
            }
        }
        Py_DECREF(fast);
    }
    cons_t gstack[16], istack[16], *gs, *is;
    Py_ssize_t glen = get_constraints(args[2], n, gstack, 16, &gs);
    if (glen < 0) return NULL;
    Py_ssize_t ilen = get_constraints(args[4], n, istack, 16, &is);
    if (ilen < 0) { free_cons(gs, gstack); return NULL; }
    PyObject *result = NULL, *pre = NULL, *succ = NULL;
    size_t bytes = (size_t)n * n * 4;
    scratch_t s;
    raw_t *a = scratch_get(&s, n), *b;
    if (a == NULL) goto done;
    memcpy(a, z, bytes);
    int c = constrain_all_in(a, n, gs, glen);
    if (c < 0) goto done;
    if (c == 0) goto disabled;
    int pre_changed = c == 2;
    succ = copy_zone(a, n, &b);
    if (succ == NULL) goto done;
    for (Py_ssize_t k = 0; k < nres; k++) reset_in(b, n, resets[k], 0);
    c = constrain_all_in(b, n, is, ilen);
    if (c < 0) goto done;
    if (c == 0) goto disabled;
    up_in(b, n);
    if (constrain_all_in(b, n, is, ilen) <= 0) goto done; /* cannot be empty: z3 ⊆ it */
    for (Py_ssize_t k = 0; k < ilen; k++) {
        int skip = 0;
        for (Py_ssize_t q = 0; q < nres && !skip; q++) skip = is[k].i == resets[q];
        if (skip) continue;
        c = constrain_in(a, n, is[k].i, is[k].j, is[k].raw);
        if (c < 0) goto done;
        if (c == 0) break;
        if (c == 2) pre_changed = 1;
    }
    if (c == 0) pre = Py_NewRef(Py_None);
    else if (!pre_changed) pre = Py_NewRef(args[0]);
    else if ((pre = copy_zone(a, n, &b)) == NULL) goto done;
    result = PyTuple_Pack(2, pre, succ);
    goto done;
disabled:
    result = PyTuple_Pack(2, Py_None, Py_None);
done:
    Py_XDECREF(pre);
    Py_XDECREF(succ);
    scratch_free(&s);
    free_cons(gs, gstack);
    free_cons(is, istack);
    if (result == NULL && !PyErr_Occurred()) PyErr_SetString(PyExc_SystemError, "successor");
    return result;
}

static PyObject *fed_to_list(fed_t *f, int n)
{
    PyObject *list = PyList_New(f->len);
    if (list == NULL) return NULL;
    for (Py_ssize_t k = 0; k < f->len; k++) {
        raw_t *m;
        PyObject *z = copy_zone(f->data + (size_t)k * f->n2, n, &m);
        if (z == NULL) { Py_DECREF(list); return NULL; }
        PyList_SET_ITEM(list, k, z);
    }
    return list;
}

static PyObject *py_stuck_part(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("stuck_part", 3, 3);
    DIM(2);
    const raw_t *z;
    if (get_zone(args[0], n, &z) < 0) return NULL;
    fed_t f = {NULL, 0, 0, (size_t)n * n};
    if (stuck(&f, z, args[1], n) < 0) return NULL;
    PyObject *r = fed_to_list(&f, n);
    PyMem_Free(f.data);
    return r;
}

static PyObject *py_is_stuck_free(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("is_stuck_free", 3, 3);
    DIM(2);
    const raw_t *z;
    if (get_zone(args[0], n, &z) < 0) return NULL;
    fed_t f = {NULL, 0, 0, (size_t)n * n};
    if (stuck(&f, z, args[1], n) < 0) return NULL;
    Py_ssize_t len = f.len;
    PyMem_Free(f.data);
    return PyBool_FromLong(len == 0);
}

static PyObject *py_subtract(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("subtract", 3, 3);
    DIM(2);
    if (args[0] == Py_None) return PyList_New(0);
    const raw_t *a, *b;
    if (get_zone(args[0], n, &a) < 0) return NULL;
    if (args[1] == Py_None) return Py_BuildValue("[O]", args[0]);
    if (get_zone(args[1], n, &b) < 0) return NULL;
    fed_t f = {NULL, 0, 0, (size_t)n * n};
    raw_t *tmp = PyMem_Malloc((size_t)n * n * 8);
    if (tmp == NULL) return PyErr_NoMemory();
    PyObject *r = NULL;
    if (subtract_into(&f, a, b, n, tmp, tmp + (size_t)n * n) == 0) r = fed_to_list(&f, n);
    PyMem_Free(tmp);
    PyMem_Free(f.data);
    return r;
}

static PyObject *REF_INF; /* checker.dbm.INF as a Python int */

static PyObject *py_encode(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("encode", 2, 2);
    if (args[0] == Py_None) Py_RETURN_NONE;
    DIM(1);
    PyObject *fast = PySequence_Fast(args[0], "encode takes a sequence of raw bounds");
    if (fast == NULL) return NULL;
    if (PySequence_Fast_GET_SIZE(fast) != (Py_ssize_t)n * n) {
        PyErr_Format(PyExc_ValueError, "DBM of dimension %d needs %d entries, got %zd", n, n * n,
                     PySequence_Fast_GET_SIZE(fast));
        Py_DECREF(fast);
        return NULL;
    }
    PyObject **items = PySequence_Fast_ITEMS(fast);
    raw_t *m;
    PyObject *r = new_zone(n, &m);
    if (r == NULL) { Py_DECREF(fast); return NULL; }
    for (size_t k = 0; k < (size_t)n * n; k++) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(items[k], &overflow);
        if (v == -1 && PyErr_Occurred()) goto fail;
        if (!overflow && v == (1LL << 62)) {
            m[k] = INF_RAW;
        } else if (overflow || !in_range(v)) {
            PyErr_Format(PyExc_OverflowError, "zone entry %R is outside the DBM kernel's range "
                         "(|c| <= 2**30 - 4)", items[k]);
            goto fail;
        } else {
            m[k] = (raw_t)v;
        }
    }
    Py_DECREF(fast);
    return r;
fail:
    Py_DECREF(fast);
    Py_DECREF(r);
    return NULL;
}

static PyObject *py_decode(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("decode", 2, 2);
    if (args[0] == Py_None) Py_RETURN_NONE;
    DIM(1);
    const raw_t *z;
    if (get_zone(args[0], n, &z) < 0) return NULL;
    PyObject *t = PyTuple_New((Py_ssize_t)n * n);
    if (t == NULL) return NULL;
    for (Py_ssize_t k = 0; k < (Py_ssize_t)n * n; k++) {
        PyObject *v = z[k] == INF_RAW ? Py_NewRef(REF_INF) : PyLong_FromLong(z[k]);
        if (v == NULL) { Py_DECREF(t); return NULL; }
        PyTuple_SET_ITEM(t, k, v);
    }
    return t;
}

/* encode_bounds(values, n) -> bytes: L or U as n int32 (negative: -inf, index 0: 0). */
static PyObject *py_encode_bounds(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("encode_bounds", 2, 2);
    DIM(1);
    int64_t v[MAX_DIM];
    if (get_bounds(args[0], n, v) < 0) return NULL;
    PyObject *r = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n * 4);
    if (r == NULL) return NULL;
    int32_t *b = (int32_t *)PyBytes_AS_STRING(r);
    for (int k = 0; k < n; k++) b[k] = (int32_t)v[k];
    return r;
}

/* ------------------------------------------------------------------------------ ZoneStore */

#define CHUNK_SHIFT 10
#define CHUNK (1 << CHUNK_SHIFT)

typedef struct {
    PyObject_HEAD
    int n;
    size_t n2;
    Py_ssize_t count;
    raw_t **chunks;
    Py_ssize_t nchunks, chunks_cap;
    int32_t *node_did, *node_next;
    Py_ssize_t nodes_cap;
    int32_t *head, *tail;
    Py_ssize_t dids_cap;
} ZoneStore;

static inline raw_t *store_zone(ZoneStore *s, Py_ssize_t node)
{
    return s->chunks[node >> CHUNK_SHIFT] + (size_t)(node & (CHUNK - 1)) * s->n2;
}

static int ZoneStore_init(ZoneStore *self, PyObject *args, PyObject *kwds)
{
    int n;
    static char *kwlist[] = {"n", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "i", kwlist, &n)) return -1;
    if (n < 1 || n > MAX_DIM) {
        PyErr_Format(PyExc_ValueError, "DBM dimension must be in 1..%d, got %d", MAX_DIM, n);
        return -1;
    }
    if (self->n != 0) {
        PyErr_SetString(PyExc_RuntimeError, "ZoneStore is already initialised");
        return -1;
    }
    self->n = n;
    self->n2 = (size_t)n * n;
    return 0;
}

static void ZoneStore_dealloc(ZoneStore *self)
{
    for (Py_ssize_t k = 0; k < self->nchunks; k++) PyMem_Free(self->chunks[k]);
    PyMem_Free(self->chunks);
    PyMem_Free(self->node_did);
    PyMem_Free(self->node_next);
    PyMem_Free(self->head);
    PyMem_Free(self->tail);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int grow_i32(int32_t **p, Py_ssize_t cap)
{
    int32_t *q = PyMem_Realloc(*p, (size_t)cap * sizeof(int32_t));
    if (q == NULL) { PyErr_NoMemory(); return -1; }
    *p = q;
    return 0;
}

/* Room for one more node and for discrete-state id did. */
static int store_reserve(ZoneStore *s, Py_ssize_t did)
{
    if (s->count == INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "ZoneStore holds at most 2**31 - 1 zones");
        return -1;
    }
    if (did >= s->dids_cap) {
        Py_ssize_t cap = s->dids_cap ? s->dids_cap : 64;
        while (cap <= did) cap = cap < INT32_MAX / 2 ? cap * 2 : INT32_MAX;
        if (grow_i32(&s->head, cap) < 0 || grow_i32(&s->tail, cap) < 0) return -1;
        for (Py_ssize_t k = s->dids_cap; k < cap; k++) s->head[k] = s->tail[k] = -1;
        s->dids_cap = cap;
    }
    if (s->count == s->nodes_cap) {
        Py_ssize_t cap = s->nodes_cap ? s->nodes_cap + s->nodes_cap / 2 : 256;
        if (cap > INT32_MAX) cap = INT32_MAX;
        if (grow_i32(&s->node_did, cap) < 0 || grow_i32(&s->node_next, cap) < 0) return -1;
        s->nodes_cap = cap;
    }
    if ((s->count >> CHUNK_SHIFT) == s->nchunks) {
        if (s->nchunks == s->chunks_cap) {
            Py_ssize_t cap = s->chunks_cap ? s->chunks_cap * 2 : 16;
            raw_t **c = PyMem_Realloc(s->chunks, (size_t)cap * sizeof(raw_t *));
            if (c == NULL) { PyErr_NoMemory(); return -1; }
            s->chunks = c;
            s->chunks_cap = cap;
        }
        raw_t *chunk = PyMem_Malloc((size_t)CHUNK * s->n2 * 4);
        if (chunk == NULL) { PyErr_NoMemory(); return -1; }
        s->chunks[s->nchunks++] = chunk;
    }
    return 0;
}

static int get_did(PyObject *o, Py_ssize_t *did)
{
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v < 0 || v >= INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "discrete-state id must be in 0..2**31 - 2, got %ld", v);
        return -1;
    }
    *did = v;
    return 0;
}

/* add(did, z, L, U, mode) -> int */
static PyObject *ZoneStore_add(ZoneStore *self, PyObject *const *args, Py_ssize_t nargs)
{
    ARGS("add", 5, 5);
    int n = self->n;
    if (n == 0) {
        PyErr_SetString(PyExc_RuntimeError, "ZoneStore is not initialised");
        return NULL;
    }
    Py_ssize_t did;
    const raw_t *z;
    if (get_did(args[0], &did) < 0 || get_zone(args[1], n, &z) < 0) return NULL;
    int alu;
    if (PyUnicode_Check(args[4]) && PyUnicode_CompareWithASCIIString(args[4], "inclusion") == 0)
        alu = 0;
    else if (PyUnicode_Check(args[4]) && PyUnicode_CompareWithASCIIString(args[4], "alu") == 0)
        alu = 1;
    else {
        PyErr_Format(PyExc_ValueError, "mode must be 'inclusion' or 'alu', got %R", args[4]);
        return NULL;
    }
    int64_t L[MAX_DIM], U[MAX_DIM];
    if (alu && (get_bounds(args[2], n, L) < 0 || get_bounds(args[3], n, U) < 0)) return NULL;
    if (store_reserve(self, did) < 0) return NULL;
    int32_t p = did < self->dids_cap ? self->head[did] : -1;
    for (; p >= 0; p = self->node_next[p]) {
        const raw_t *zp = store_zone(self, p);
        if (alu ? alu_le(z, zp, n, L, U) : included(z, zp, n)) return PyLong_FromLong(-1 - (long)p);
    }
    int32_t prev = -1;
    for (p = self->head[did]; p >= 0;) {
        int32_t next = self->node_next[p];
        const raw_t *zp = store_zone(self, p);
        if (alu ? alu_le(zp, z, n, L, U) : included(zp, z, n)) {
            if (prev < 0) self->head[did] = next;
            else self->node_next[prev] = next;
            if (self->tail[did] == p) self->tail[did] = prev;
            self->node_next[p] = -2; /* inactive */
        } else {
            prev = p;
        }
        p = next;
    }
    int32_t node = (int32_t)self->count;
    memcpy(store_zone(self, node), z, self->n2 * 4);
    self->node_did[node] = (int32_t)did;
    self->node_next[node] = -1;
    if (self->tail[did] < 0) self->head[did] = node;
    else self->node_next[self->tail[did]] = node;
    self->tail[did] = node;
    self->count++;
    return PyLong_FromLong(node);
}

static int get_node(ZoneStore *self, PyObject *o, Py_ssize_t *node)
{
    Py_ssize_t v = PyLong_AsSsize_t(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v < 0 || v >= self->count) {
        PyErr_Format(PyExc_IndexError, "node %zd out of range (the store holds %zd)", v,
                     self->count);
        return -1;
    }
    *node = v;
    return 0;
}

static PyObject *ZoneStore_zone(ZoneStore *self, PyObject *arg)
{
    Py_ssize_t node;
    if (get_node(self, arg, &node) < 0) return NULL;
    return PyBytes_FromStringAndSize((const char *)store_zone(self, node),
                                     (Py_ssize_t)self->n2 * 4);
}

static PyObject *ZoneStore_did(ZoneStore *self, PyObject *arg)
{
    Py_ssize_t node;
    if (get_node(self, arg, &node) < 0) return NULL;
    return PyLong_FromLong(self->node_did[node]);
}

static PyObject *ZoneStore_active(ZoneStore *self, PyObject *arg)
{
    Py_ssize_t did;
    if (get_did(arg, &did) < 0) return NULL;
    PyObject *list = PyList_New(0);
    if (list == NULL || did >= self->dids_cap) return list;
    for (int32_t p = self->head[did]; p >= 0; p = self->node_next[p]) {
        PyObject *v = PyLong_FromLong(p);
        if (v == NULL || PyList_Append(list, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(v);
    }
    return list;
}

static Py_ssize_t ZoneStore_len(ZoneStore *self) { return self->count; }

static PyObject *ZoneStore_nbytes(ZoneStore *self, void *closure)
{
    size_t total = sizeof(ZoneStore) + (size_t)self->nchunks * CHUNK * self->n2 * 4
                   + (size_t)self->chunks_cap * sizeof(raw_t *)
                   + (size_t)self->nodes_cap * 2 * sizeof(int32_t)
                   + (size_t)self->dids_cap * 2 * sizeof(int32_t);
    return PyLong_FromSize_t(total);
}

static PyObject *ZoneStore_get_n(ZoneStore *self, void *closure) { return PyLong_FromLong(self->n); }

static PyMethodDef ZoneStore_methods[] = {
    {"add", FASTCALL(ZoneStore_add),
     "add(did, z, L, U, mode) -> int: -1 - node of an active zone of did that subsumes z, or the "
     "new node (zones of did that z subsumes become inactive); mode 'inclusion' or 'alu'."},
    {"zone", (PyCFunction)ZoneStore_zone, METH_O, "zone(node) -> bytes"},
    {"did", (PyCFunction)ZoneStore_did, METH_O, "did(node) -> int"},
    {"active", (PyCFunction)ZoneStore_active, METH_O, "active(did) -> list of active nodes"},
    {NULL},
};

static PyGetSetDef ZoneStore_getset[] = {
    {"nbytes", (getter)ZoneStore_nbytes, NULL, "memory held by the store, in bytes", NULL},
    {"n", (getter)ZoneStore_get_n, NULL, "the dimension of its zones", NULL},
    {NULL},
};

static PySequenceMethods ZoneStore_as_sequence = {
    .sq_length = (lenfunc)ZoneStore_len,
};

static PyTypeObject ZoneStoreType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "checker.engine.zones._dbm.ZoneStore",
    .tp_basicsize = sizeof(ZoneStore),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "ZoneStore(n): the passed list of one zone search, in one arena.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)ZoneStore_init,
    .tp_dealloc = (destructor)ZoneStore_dealloc,
    .tp_methods = ZoneStore_methods,
    .tp_getset = ZoneStore_getset,
    .tp_as_sequence = &ZoneStore_as_sequence,
};

/* ---------------------------------------------------------------------------- SlotMap */

/* A map from packed discrete states of at most 64 bits to their slots 0, 1, 2, ... in the
   order they were first inserted: the zone search's one entry per discrete state
   (extrapolation.Slots), where a dict costs an entry, the key's int object and the slot's.
   Here a state costs its key (8 bytes, in slot order) and a slot of an open-addressed table
   of int32 kept at most half full: 16 to 24 bytes. A subclass that defines __missing__ is
   called on a failed lookup by `map[key]`, as a dict subclass is. */

typedef struct {
    PyObject_HEAD
    uint64_t *keys;     /* by slot */
    int32_t *table;     /* slot + 1, or 0 for an empty place; size mask + 1, a power of 2 */
    Py_ssize_t count, cap, mask;
} SlotMap;

static PyTypeObject SlotMapType;

static inline uint64_t slot_hash(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

static int SlotMap_init(SlotMap *self, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) != 0 || (kwds != NULL && PyDict_GET_SIZE(kwds) != 0)) {
        PyErr_SetString(PyExc_TypeError, "SlotMap() takes no arguments");
        return -1;
    }
    PyMem_Free(self->keys);
    PyMem_Free(self->table);
    self->count = 0;
    self->cap = 64;
    self->mask = 127;
    self->keys = PyMem_Malloc(self->cap * sizeof(uint64_t));
    self->table = PyMem_Calloc(self->mask + 1, sizeof(int32_t));
    if (self->keys == NULL || self->table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void SlotMap_dealloc(SlotMap *self)
{
    PyMem_Free(self->keys);
    PyMem_Free(self->table);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* the place of `key` in the table: where its slot is, or the empty place it would go */
static inline Py_ssize_t slot_place(const SlotMap *self, uint64_t key)
{
    Py_ssize_t i = (Py_ssize_t)(slot_hash(key) & (uint64_t)self->mask);
    for (;;) {
        int32_t at = self->table[i];
        if (at == 0 || self->keys[at - 1] == key) return i;
        i = (i + 1) & self->mask;
    }
}

/* the key of a state: -1 with an exception unless it is an int in [0, 2**64) (or the map
   was never initialised) */
static int slot_key(SlotMap *self, PyObject *obj, uint64_t *key)
{
    if (self->table == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "SlotMap.__init__ was not called");
        return -1;
    }
    if (!PyLong_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "a SlotMap key is a packed state (int)");
        return -1;
    }
    *key = PyLong_AsUnsignedLongLong(obj);
    if (*key == (uint64_t)-1 && PyErr_Occurred()) return -1;
    return 0;
}

static int slot_grow(SlotMap *self)
{
    if (self->count == self->cap) {
        Py_ssize_t cap = self->cap * 2;
        uint64_t *keys = PyMem_Realloc(self->keys, cap * sizeof(uint64_t));
        if (keys == NULL) { PyErr_NoMemory(); return -1; }
        self->keys = keys;
        self->cap = cap;
    }
    if (2 * (self->count + 1) > self->mask + 1) {
        Py_ssize_t size = 2 * (self->mask + 1);
        if (size > ((Py_ssize_t)1 << 31)) {
            PyErr_SetString(PyExc_MemoryError, "a SlotMap holds at most 2**30 states");
            return -1;
        }
        int32_t *table = PyMem_Calloc(size, sizeof(int32_t));
        if (table == NULL) { PyErr_NoMemory(); return -1; }
        PyMem_Free(self->table);
        self->table = table;
        self->mask = size - 1;
        for (Py_ssize_t s = 0; s < self->count; s++)
            self->table[slot_place(self, self->keys[s])] = (int32_t)(s + 1);
    }
    return 0;
}

/* the slot of `key`, inserted at the end when new: -1 with an exception on failure */
static Py_ssize_t slot_insert(SlotMap *self, uint64_t key)
{
    Py_ssize_t i = slot_place(self, key);
    if (self->table[i] != 0) return self->table[i] - 1;
    if (slot_grow(self) < 0) return -1;
    i = slot_place(self, key);
    self->keys[self->count] = key;
    self->table[i] = (int32_t)(self->count + 1);
    return self->count++;
}

static PyObject *SlotMap_subscript(SlotMap *self, PyObject *obj)
{
    uint64_t key;
    if (slot_key(self, obj, &key) < 0) return NULL;
    int32_t at = self->table[slot_place(self, key)];
    if (at != 0) return PyLong_FromLong(at - 1);
    if (Py_TYPE(self) != &SlotMapType) {
        PyObject *missing = PyObject_GetAttrString((PyObject *)self, "__missing__");
        if (missing != NULL) {
            PyObject *out = PyObject_CallOneArg(missing, obj);
            Py_DECREF(missing);
            return out;
        }
        PyErr_Clear();
    }
    PyErr_SetObject(PyExc_KeyError, obj);
    return NULL;
}

static PyObject *SlotMap_get(SlotMap *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get(key, default=None)");
        return NULL;
    }
    uint64_t key;
    if (slot_key(self, args[0], &key) < 0) return NULL;
    int32_t at = self->table[slot_place(self, key)];
    if (at != 0) return PyLong_FromLong(at - 1);
    PyObject *dflt = nargs == 2 ? args[1] : Py_None;
    Py_INCREF(dflt);
    return dflt;
}

static PyObject *SlotMap_insert(SlotMap *self, PyObject *obj)
{
    uint64_t key;
    if (slot_key(self, obj, &key) < 0) return NULL;
    Py_ssize_t slot = slot_insert(self, key);
    return slot < 0 ? NULL : PyLong_FromSsize_t(slot);
}

static PyObject *SlotMap_key(SlotMap *self, PyObject *obj)
{
    Py_ssize_t slot = PyLong_AsSsize_t(obj);
    if (slot == -1 && PyErr_Occurred()) return NULL;
    if (slot < 0 || slot >= self->count) {
        PyErr_SetString(PyExc_IndexError, "no such slot");
        return NULL;
    }
    return PyLong_FromUnsignedLongLong(self->keys[slot]);
}

static int SlotMap_contains(SlotMap *self, PyObject *obj)
{
    uint64_t key;
    if (self->table == NULL || !PyLong_Check(obj)) return 0;
    key = PyLong_AsUnsignedLongLong(obj);
    if (key == (uint64_t)-1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
        PyErr_Clear();  /* negative or wider than 64 bits: never a key */
        return 0;
    }
    return self->table[slot_place(self, key)] != 0;
}

static Py_ssize_t SlotMap_len(SlotMap *self) { return self->count; }

static PyObject *SlotMap_nbytes(SlotMap *self, void *closure)
{
    return PyLong_FromSize_t((size_t)self->cap * sizeof(uint64_t)
                             + (size_t)(self->mask + 1) * sizeof(int32_t));
}

static PyMethodDef SlotMap_methods[] = {
    {"get", FASTCALL(SlotMap_get), "get(state, default=None) -> its slot, or default"},
    {"insert", (PyCFunction)SlotMap_insert, METH_O,
     "insert(state) -> its slot (the next one when the state is new)"},
    {"key", (PyCFunction)SlotMap_key, METH_O, "key(slot) -> the state in that slot"},
    {NULL},
};

static PyGetSetDef SlotMap_getset[] = {
    {"nbytes", (getter)SlotMap_nbytes, NULL, "memory held by the map, in bytes", NULL},
    {NULL},
};

static PyMappingMethods SlotMap_as_mapping = {
    .mp_length = (lenfunc)SlotMap_len,
    .mp_subscript = (binaryfunc)SlotMap_subscript,
};

static PySequenceMethods SlotMap_as_sequence = {
    .sq_contains = (objobjproc)SlotMap_contains,
};

static PyTypeObject SlotMapType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "checker.engine.zones._dbm.SlotMap",
    .tp_basicsize = sizeof(SlotMap),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "SlotMap(): packed states of at most 64 bits -> slots in insertion order.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)SlotMap_init,
    .tp_dealloc = (destructor)SlotMap_dealloc,
    .tp_methods = SlotMap_methods,
    .tp_getset = SlotMap_getset,
    .tp_as_mapping = &SlotMap_as_mapping,
    .tp_as_sequence = &SlotMap_as_sequence,
};

/* ------------------------------------------------------------------------------ module */

static PyMethodDef methods[] = {
    {"zero", FASTCALL(py_zero), "zero(n) -> bytes"},
    {"universe", FASTCALL(py_universe), "universe(n) -> bytes"},
    {"canonical", FASTCALL(py_canonical), "canonical(z, n) -> bytes | None"},
    {"up", FASTCALL(py_up), "up(z, n) -> bytes"},
    {"down", FASTCALL(py_down), "down(z, n) -> bytes"},
    {"constrain", FASTCALL(py_constrain), "constrain(z, n, i, j, raw) -> bytes | None"},
    {"constrain_all", FASTCALL(py_constrain_all), "constrain_all(z, n, constraints) -> bytes | None"},
    {"satisfies", FASTCALL(py_satisfies), "satisfies(z, n, constraints) -> bool"},
    {"reset", FASTCALL(py_reset), "reset(z, n, x, value=0) -> bytes"},
    {"free", FASTCALL(py_free), "free(z, n, x) -> bytes"},
    {"intersect", FASTCALL(py_intersect), "intersect(z1, z2, n) -> bytes | None"},
    {"is_included", FASTCALL(py_is_included), "is_included(z1, z2, n) -> bool"},
    {"alu_included", FASTCALL(py_alu_included), "alu_included(z, z2, n, L, U) -> bool"},
    {"extrapolate_lu", FASTCALL(py_extrapolate_lu), "extrapolate_lu(z, n, L, U, kind) -> bytes"},
    {"close", FASTCALL(py_close), "close(z, n, inv, L, U, kind) -> bytes | None"},
    {"successor", FASTCALL(py_successor), "successor(z, n, guard, resets, inv2) -> (pre, succ)"},
    {"subtract", FASTCALL(py_subtract), "subtract(z1, z2, n) -> list[bytes]"},
    {"stuck_part", FASTCALL(py_stuck_part), "stuck_part(z, pres, n) -> list[bytes]"},
    {"is_stuck_free", FASTCALL(py_is_stuck_free), "is_stuck_free(z, pres, n) -> bool"},
    {"encode", FASTCALL(py_encode), "encode(t, n) -> bytes"},
    {"decode", FASTCALL(py_decode), "decode(b, n) -> tuple"},
    {"encode_bounds", FASTCALL(py_encode_bounds), "encode_bounds(values, n) -> bytes"},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_dbm",
    .m_doc = "Tock's native DBM kernel (see kernel.py).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__dbm(void)
{
    if (PyType_Ready(&ZoneStoreType) < 0 || PyType_Ready(&SlotMapType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    REF_INF = PyLong_FromLongLong(1LL << 62);
    if (REF_INF == NULL) goto fail;
    Py_INCREF(&ZoneStoreType);
    if (PyModule_AddObject(m, "ZoneStore", (PyObject *)&ZoneStoreType) < 0) {
        Py_DECREF(&ZoneStoreType);
        goto fail;
    }
    Py_INCREF(&SlotMapType);
    if (PyModule_AddObject(m, "SlotMap", (PyObject *)&SlotMapType) < 0) {
        Py_DECREF(&SlotMapType);
        goto fail;
    }
    if (PyModule_AddIntConstant(m, "INF", INF_RAW) < 0
        || PyModule_AddIntConstant(m, "LE_ZERO", LE_ZERO) < 0
        || PyModule_AddIntConstant(m, "LT_ZERO", LT_ZERO) < 0
        || PyModule_AddIntConstant(m, "MAX_CONSTANT", (long)MAX_CONSTANT) < 0
        || PyModule_AddIntConstant(m, "MAX_ENTRY", (long)MAX_ENTRY) < 0
        || PyModule_AddIntConstant(m, "MAX_DIM", MAX_DIM) < 0
        || PyModule_AddIntConstant(m, "ABI_VERSION", ABI_VERSION) < 0
        || PyModule_AddStringConstant(m, "SOURCE_HASH", TOCK_DBM_SOURCE_HASH) < 0)
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
