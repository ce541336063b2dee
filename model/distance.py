"""How far a state is from a property's violation: a formula-based distance for guided
random runs (checker.engine.simulate).

The violation of a property is the formula a run wants to make true: `not e` for an
invariant `e`, `e` for a reachable. Negations are pushed down to the atoms (comparisons,
set membership, quantifiers, anything that is not `and`, `or`, `implies` or `not`), and the
distance of a state is the number of atoms that still have to change for the violation to
hold: an atom counts 0 when it holds (with its polarity) and 1 when it does not, a
conjunction sums, a disjunction takes its least. This is the formula heuristic of directed
model checking (Edelkamp, Lluch-Lafuente and Leue, "Directed explicit model checking with
HSF-SPIN", SPIN 2001), used here to steer a random walk, not to order a search.

A `def` is inlined as a `let` (ir.LetE); its bound value is evaluated in the state before
the atoms under it. An atom that mentions a clock counts 0 (a concrete run may make it
true at some delay: the discrete atoms are what the distance follows); one that fails to
evaluate counts 1.
"""

from __future__ import annotations

from collections.abc import Callable

from . import ir
from .interp import EvalError, evaluate
from .irutil import mentions_clock
from .nodeclass import nodeclass

__all__ = ["violation_distance"]


@nodeclass(frozen=True, slots=True)
class _Atom:
    expr: ir.Expr
    positive: bool


@nodeclass(frozen=True, slots=True)
class _All:
    parts: tuple[_Node, ...]


@nodeclass(frozen=True, slots=True)
class _Any:
    parts: tuple[_Node, ...]


@nodeclass(frozen=True, slots=True)
class _Let:
    local: ir.Local
    value: ir.Expr
    body: _Node


_Node = _Atom | _All | _Any | _Let
_ZERO = _All(())  # a formula that always holds (distance 0)


def _tree(e: ir.Expr, positive: bool) -> _Node:
    """The formula `e` (or `not e` when not `positive`) with negations at the atoms."""
    match e:
        case ir.Unary(op="not", operand=inner):
            return _tree(inner, not positive)
        case ir.Binary(op="and" | "or" as op, left=left, right=right):
            parts = (_tree(left, positive), _tree(right, positive))
            return _All(parts) if (op == "and") == positive else _Any(parts)
        case ir.Binary(op="implies", left=left, right=right):
            parts = (_tree(left, not positive), _tree(right, positive))
            return _Any(parts) if positive else _All(parts)
        case ir.LetE(local=local, value=value, body=body):
            return _Let(local, value, _tree(body, positive))
        case ir.Lit(value=value):
            return _ZERO if bool(value) == positive else _Atom(e, positive)
    if mentions_clock(e):
        return _ZERO
    return _Atom(e, positive)


def _distance(node: _Node, values: tuple, env: dict) -> int:
    if isinstance(node, _Atom):
        try:
            held = bool(evaluate(node.expr, values, env))
        except EvalError:
            return 1
        return 0 if held == node.positive else 1
    if isinstance(node, _All):
        return sum(_distance(part, values, env) for part in node.parts)
    if isinstance(node, _Any):
        return min(_distance(part, values, env) for part in node.parts)
    try:
        bound = evaluate(node.value, values, env)
    except EvalError:
        return _size(node.body)
    return _distance(node.body, values, {**env, node.local: bound})


def _size(node: _Node) -> int:
    """The distance when nothing under `node` holds."""
    if isinstance(node, _Atom):
        return 1
    if isinstance(node, _All):
        return sum(_size(part) for part in node.parts)
    if isinstance(node, _Any):
        return min((_size(part) for part in node.parts), default=0)
    return _size(node.body)


def violation_distance(prop: ir.Property, decode: Callable[[int], tuple]
                       ) -> Callable[[int], int]:
    """`distance(state) -> int` for property `prop` (module docstring): 0 where its
    discrete atoms say it is violated (an invariant) or reached (a reachable)."""
    tree = _tree(prop.expr, prop.kind != "invariant")

    def distance(state: int) -> int:
        return _distance(tree, decode(state), {})

    return distance
