"""`@nodeclass`: the dataclass decorator of the syntax tree and the checked model, at a
fraction of the start-up cost.

`@dataclass` writes each class's `__init__`, `__repr__`, `__eq__`, `__hash__`,
`__setattr__` and `__delattr__` as source text and compiles it when the module is
imported: for the ~120 node classes of model.ast and model.ir that was ~0.08 s of every
run's start-up (`python -X importtime`). `nodeclass` makes the same classes, but:

- `__eq__` and `__hash__` compare and hash the tuple of the compared fields, read by one
  `operator.attrgetter` (the values, and so the hashes, are the ones `@dataclass` gives);
  `__repr__`, `__setattr__`, `__delattr__` (frozen) and pickling of slotted frozen classes
  are shared functions that read the class's field names; nothing is compiled for them;
- `__init__` is still generated (it runs once per node, so it must be as fast as
  `@dataclass`'s), but compiled when the class is first instantiated, so classes a run never
  builds cost nothing.

The classes stay dataclasses to the standard library: `__dataclass_fields__` holds real
`dataclasses.Field`s, so `dataclasses.fields`, `replace`, `is_dataclass` and `asdict`
work on them as before (tests/model/test_nodeclass.py holds both decorators to the same
behaviour). Supported: `frozen`, `eq`, `slots`; `field(default=..., default_factory=...,
compare=..., repr=..., hash=...)`; a `__post_init__`; methods the class defines itself are
kept, as `@dataclass` keeps them. Not supported (a TypeError says so): inheriting fields
from another dataclass, `ClassVar`/`InitVar`/`KW_ONLY` annotations, `init=False` fields.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

__all__ = ["nodeclass"]

T = TypeVar("T", bound=type)

# the marker dataclasses puts on a Field that is a real field (not a ClassVar or InitVar);
# dataclasses.fields() lists only those. tests/model/test_nodeclass.py checks it is there.
_FIELD = dataclasses._FIELD  # type: ignore[attr-defined]
_HAS_FACTORY = object()  # __init__'s default for a field with a default_factory


@dataclass_transform(field_specifiers=(dataclasses.field, Field))
def nodeclass(cls: T | None = None, /, *, frozen: bool = False, eq: bool = True,
              slots: bool = False) -> Any:
    """Like `dataclasses.dataclass(frozen=..., eq=..., slots=...)` (see the module's
    docstring for what it leaves out)."""
    def wrap(cls: T) -> T:
        return _make(cls, frozen, eq, slots)
    return wrap if cls is None else wrap(cls)


def _make(cls: type, frozen: bool, eq: bool, slots: bool) -> Any:
    body = cls.__dict__
    fields: dict[str, Field] = {}
    for base in cls.__mro__[-1:0:-1]:  # the fields of dataclass bases come first
        inherited = getattr(base, "__dataclass_fields__", None)
        if inherited is not None:
            if _frozen_classes.get(base, frozen) != frozen:
                raise TypeError("cannot inherit frozen dataclass from a non-frozen one"
                                if frozen else
                                "cannot inherit non-frozen dataclass from a frozen one")
            fields.update(inherited)
    for name, annotation in body.get("__annotations__", {}).items():
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if any(word in text for word in ("ClassVar", "InitVar", "KW_ONLY")):
            raise TypeError(f"{cls.__qualname__}.{name}: nodeclass does not support "
                            f"{annotation!r}; use @dataclass")
        default = getattr(cls, name, MISSING)
        if isinstance(default, Field):
            f = default
        else:
            f = dataclasses.field(default=default)
        if not f.init:
            raise TypeError(f"{cls.__qualname__}.{name}: nodeclass does not support "
                            "init=False fields; use @dataclass")
        if f.default is not MISSING and f.default.__class__.__hash__ is None:
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not "
                             "allowed: use default_factory")
        f.name = name
        f.type = annotation
        f._field_type = _FIELD  # type: ignore[attr-defined]
        fields[name] = f
    names = tuple(fields)
    methods: dict[str, Any] = {"__dataclass_fields__": fields, "__match_args__": names}
    if not body.get("__doc__"):
        methods["__doc__"] = f"{cls.__name__}({', '.join(names)})"
    if "__repr__" not in body:
        methods["__repr__"] = _repr_fn(tuple(n for n, f in fields.items() if f.repr))
    if eq and "__eq__" not in body:
        methods["__eq__"] = _eq_fn(_key_fn(tuple(n for n, f in fields.items() if f.compare)))
    # __hash__ as dataclass decides it (eq and frozen: generated; eq alone: None), unless
    # the class wrote its own (a __hash__ of None beside the class's own __eq__ is Python's)
    explicit_hash = "__hash__" in body and not (body["__hash__"] is None and "__eq__" in body)
    if eq and not explicit_hash:
        if frozen:
            hashed = tuple(n for n, f in fields.items()
                           if (f.compare if f.hash is None else f.hash))
            methods["__hash__"] = _hash_fn(_key_fn(hashed))
        else:
            methods["__hash__"] = None
    if frozen:
        for method in ("__setattr__", "__delattr__"):
            if method in body:
                raise TypeError(f"cannot overwrite attribute {method} in class "
                                f"{cls.__name__}")
        if slots:
            for method, fn in (("__getstate__", _getstate), ("__setstate__", _setstate)):
                if method not in body:
                    methods[method] = fn
    if slots:
        namespace = {k: v for k, v in body.items()
                     if k not in fields and k not in ("__dict__", "__weakref__")}
        namespace.update(methods)
        inherited_slots = {name for base in cls.__mro__[1:-1]
                           for name in _slot_names(base)}
        namespace["__slots__"] = tuple(n for n in names if n not in inherited_slots)
        made = type(cls)(cls.__name__, cls.__bases__, namespace)
        made.__qualname__ = cls.__qualname__
    else:
        made = cls
        for name, f in fields.items():  # as dataclass: the class attribute is the default
            if isinstance(body.get(name), Field):
                if f.default is MISSING:
                    delattr(made, name)
                else:
                    setattr(made, name, f.default)
        for name, value in methods.items():
            setattr(made, name, value)
    if frozen:
        made.__setattr__ = _frozen_setattr(made, frozenset(names))  # type: ignore[assignment]
        made.__delattr__ = _frozen_delattr(made, frozenset(names))  # type: ignore[assignment]
    if "__init__" not in body:
        made.__init__ = _lazy_init(made, frozen)  # type: ignore[misc]
    _frozen_classes[made] = frozen
    return made


_frozen_classes: dict[type, bool] = {}  # each nodeclass: frozen or not (weak keys not needed:
#                                          classes live as long as their modules)


def _slot_names(cls: type) -> tuple[str, ...]:
    slots = cls.__dict__.get("__slots__", ())
    return (slots,) if isinstance(slots, str) else tuple(slots)


def _lazy_init(owner: type, frozen: bool) -> Callable[..., None]:
    """An `__init__` that compiles the class's real one on its first call, installs it in
    the class and runs it."""
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real = _compile_init(owner, frozen)
        owner.__init__ = real  # type: ignore[misc]
        real(self, *args, **kwargs)
    __init__.__qualname__ = f"{owner.__qualname__}.__init__"
    return __init__


def _compile_init(cls: type, frozen: bool) -> Callable[..., None]:
    """The class's `__init__`, generated as `@dataclass` generates it: one parameter per
    field, defaults as the fields say, then `__post_init__` if the class has one."""
    fields: dict[str, Field] = cls.__dataclass_fields__  # type: ignore[attr-defined]
    params, lines = ["self"], []
    env: dict[str, Any] = {"_set": object.__setattr__, "_HAS_FACTORY": _HAS_FACTORY}
    for name, f in fields.items():
        value = name
        if f.default_factory is not MISSING:
            env[f"_factory_{name}"] = f.default_factory
            params.append(f"{name}=_HAS_FACTORY")
            value = f"_factory_{name}() if {name} is _HAS_FACTORY else {name}"
        elif f.default is not MISSING:
            env[f"_default_{name}"] = f.default
            params.append(f"{name}=_default_{name}")
        else:
            params.append(name)
        lines.append(f"_set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    source = (f"def __init__({', '.join(params)}):\n    "
              + ("\n    ".join(lines) or "pass") + "\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<nodeclass {cls.__qualname__}>", "exec"), env, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _key_fn(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """The tuple of these attributes (as `@dataclass` builds it for eq and hash)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda self: (get(self),)
    return lambda self: ()


def _eq_fn(key: Callable[[Any], tuple]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented
    return __eq__


def _hash_fn(key: Callable[[Any], tuple]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))
    return __hash__


def _repr_fn(names: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({inner})"
    return __repr__


def _frozen_setattr(cls: type, names: frozenset[str]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)
    return __setattr__


def _frozen_delattr(cls: type, names: frozenset[str]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)
    return __delattr__


def _getstate(self: Any) -> list:
    return [getattr(self, name) for name in self.__dataclass_fields__]


def _setstate(self: Any, state: list) -> None:
    for name, value in zip(self.__dataclass_fields__, state):
        object.__setattr__(self, name, value)
