"""`@nodeclass` (model/nodeclass.py) makes the classes `@dataclass` makes: every class of
model and checker made by `@nodeclass` is rebuilt here with `@dataclass` from the same
annotations and fields, and the two must agree on fields, construction, equality, hashes,
repr, frozenness, `dataclasses.replace` and pickling."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pickle
import pkgutil
import types
from dataclasses import FrozenInstanceError, dataclass, field
from typing import ClassVar

import pytest

from model import ast, ir
from model.nodeclass import nodeclass
from model.source import Span

SPAN = Span("a.tock", 1, 2, 3, 4)


def _modules() -> list:
    out = []
    for package in ("model", "checker"):
        root = importlib.import_module(package)
        out.append(root)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if info.name.endswith("__main__"):
                continue
            out.append(importlib.import_module(info.name))
    return out


def _node_classes() -> list[type]:
    """Every class made by @nodeclass (a dataclass without dataclass's parameters)."""
    return [cls for module in _modules() for cls in vars(module).values()
            if inspect.isclass(cls) and cls.__module__ == module.__name__
            and dataclasses.is_dataclass(cls) and not hasattr(cls, "__dataclass_params__")
            and "__post_init__" not in cls.__dict__]


def test_the_node_classes_are_found() -> None:
    found = {f"{c.__module__}.{c.__name__}" for c in _node_classes()}
    assert {"model.ast.NameRef", "model.ir.Binary", "model.types.IntT",
            "checker.report.Report"} <= found


def _frozen(cls: type) -> bool:
    return "__setattr__" in cls.__dict__


def _twin(cls: type) -> type:
    """`cls` as `@dataclass` would have made it."""
    fields = dataclasses.fields(cls)
    own = [f for f in fields if f.name in cls.__dict__.get("__annotations__", {})]
    bases = cls.__dict__.get("__orig_bases__", cls.__bases__)  # Generic[T] as written
    bases = tuple(_twin(b) if dataclasses.is_dataclass(b) else b for b in bases)
    namespace: dict = {"__annotations__": {f.name: f.type for f in own},
                       "__qualname__": cls.__qualname__, "__module__": __name__}
    for f in own:
        namespace[f.name] = field(default=f.default, default_factory=f.default_factory,
                                  compare=f.compare, repr=f.repr, hash=f.hash)
    for name in ("__repr__", "__eq__"):
        if name in cls.__dict__ and not hasattr(cls.__dict__[name], "__wrapped__") \
                and cls.__dict__[name].__qualname__.startswith(cls.__qualname__ + "."):
            namespace[name] = cls.__dict__[name]
    twin = types.new_class(cls.__name__, bases, exec_body=lambda ns: ns.update(namespace))
    eq = "__eq__" in cls.__dict__
    return dataclass(frozen=_frozen(cls), eq=eq, slots="__slots__" in cls.__dict__)(twin)


def _values(cls: type, salt: int) -> dict:
    """Field values for an instance (plain values: only eq, hash and repr are compared)."""
    out: dict = {}
    for k, f in enumerate(dataclasses.fields(cls)):
        if f.name == "span":
            out[f.name] = Span("a.tock", salt, k, salt, k)
        elif f.default is not dataclasses.MISSING and salt % 2:
            continue  # left to its default
        else:
            out[f.name] = (salt, k, f.name) if k % 2 else f"{f.name}{salt}"
    return out


@pytest.mark.parametrize("cls", _node_classes(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_a_node_class_behaves_as_its_dataclass_twin(cls: type) -> None:
    twin = _twin(cls)
    assert [(f.name, f.type, f.default, f.default_factory, f.compare, f.repr, f.hash)
            for f in dataclasses.fields(cls)] == \
        [(f.name, f.type, f.default, f.default_factory, f.compare, f.repr, f.hash)
         for f in dataclasses.fields(twin)]
    assert cls.__match_args__ == twin.__match_args__  # type: ignore[attr-defined]
    assert ("__slots__" in cls.__dict__) == ("__slots__" in twin.__dict__)
    assert (cls.__hash__ is None) == (twin.__hash__ is None)
    for salt in (1, 2):
        values = _values(cls, salt)
        a, b = cls(**values), twin(**values)
        again = cls(*[getattr(a, f.name) for f in dataclasses.fields(cls)])
        assert [getattr(a, f.name) for f in dataclasses.fields(cls)] == \
            [getattr(b, f.name) for f in dataclasses.fields(twin)]
        if "uid" not in values:  # a Local's uid counts up: its repr differs by it alone
            assert repr(a) == repr(b)
        if "__eq__" in twin.__dict__ and "uid" not in values:
            assert (a == again) == (b == twin(**values))
            assert a == again
            moved = {**values, "span": SPAN} if "span" in values else values
            assert (a == cls(**moved)) == (b == twin(**moved))
        if cls.__hash__ is not None and "__hash__" in twin.__dict__:
            assert hash(a) == hash(b)
        first = dataclasses.fields(cls)[0].name if dataclasses.fields(cls) else "any"
        if _frozen(cls):
            with pytest.raises(FrozenInstanceError):
                setattr(a, first, 1)
            with pytest.raises(FrozenInstanceError):
                delattr(a, first)
        changed = dataclasses.replace(a, **({first: "other"} if values else {}))
        assert type(changed) is cls and (not values or getattr(changed, first) == "other")
        assert dataclasses.astuple(a) == dataclasses.astuple(b)


def test_nodes_pickle_and_compare_equal() -> None:
    node = ir.Binary("+", ir.Lit(1, None, SPAN), ir.Lit(2, None), None, SPAN)  # type: ignore[arg-type]
    back = pickle.loads(pickle.dumps(node))
    assert back == node and back.left.span == SPAN
    local = ir.Local("x", None)  # type: ignore[arg-type]
    assert pickle.loads(pickle.dumps(local)).uid == local.uid


def test_spans_do_not_count_in_equality_or_hash() -> None:
    a, b = ast.NameRef("x", SPAN), ast.NameRef("x")
    assert a == b and hash(a) == hash(b) and a != ast.NameRef("y")
    assert repr(a) == "NameRef(name='x')"


def test_a_local_is_equal_only_to_itself() -> None:
    a = ir.Local("x", None)  # type: ignore[arg-type]
    b = ir.Local("x", None, a.uid)  # type: ignore[arg-type]
    assert a != b and a == a and b.uid == a.uid and len({a, b}) == 2


def test_init_arguments_are_checked_as_dataclass_checks_them() -> None:
    with pytest.raises(TypeError):
        ast.NameRef()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ast.NameRef("x", SPAN, 3)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ast.NameRef("x", nope=1)  # type: ignore[call-arg]


def test_post_init_runs_and_mutable_classes_stay_mutable() -> None:
    @nodeclass(eq=False)
    class Counter:
        count: int
        seen: list = field(default_factory=list)

        def __post_init__(self) -> None:
            self.seen.append(self.count)

    c = Counter(3)
    c.count = 4
    assert c.seen == [3] and c.count == 4 and c != Counter(3) and hash(c) == object.__hash__(c)
    assert repr(c) == "test_post_init_runs_and_mutable_classes_stay_mutable.<locals>." \
        "Counter(count=4, seen=[3])"


def test_what_nodeclass_does_not_support_is_refused() -> None:
    with pytest.raises(ValueError, match="mutable default"):
        @nodeclass(frozen=True)
        class Bad:
            items: list = []  # noqa: RUF012
    with pytest.raises(TypeError, match="init=False"):
        @nodeclass(frozen=True)
        class Hidden:
            secret: int = field(default=0, init=False)
    with pytest.raises(TypeError, match="ClassVar"):
        @nodeclass(frozen=True)
        class Shared:
            count: ClassVar[int] = 0


def test_the_standard_library_marks_fields_as_nodeclass_expects() -> None:
    """nodeclass marks its Fields with dataclasses' private `_FIELD`; a Python that
    changes that would make dataclasses.fields() empty, caught here."""
    assert dataclasses.fields(ast.NameRef)[0].name == "name"
    assert getattr(dataclasses, "_FIELD", None) is not None
