"""Where the owners run: Ray actors (a local Ray started here, or a running cluster), or
the calling process (`direct`, for tests and for checking the partition without Ray).

Ray is an optional extra (`pip install 'tock[cluster]'`): it is imported on first use, so
Tock starts without it and `--cluster` says how to get it. Owners are actors of
checker.engine.cluster.owner.Owner, created once per process for each cluster address
and number of owners and reused by every search of the process (each search resets them).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from model import nodeclass

from ...errors import UsageError
from .owner import Owner

WAIT = 0.25  # seconds between looks at the budget while the owners work

__all__ = ["Coordinator", "Backend", "Address", "parse_address", "backend_for", "shutdown",
           "NO_RAY", "ray_available", "is_started", "start_ray", "started"]

NO_RAY = ("--cluster runs the search on Ray, an optional extra that is not installed: "
          "pip install 'tock[cluster]' (or pip install 'ray>=2.9')")
READY_SECONDS = 120.0  # owners that do not start within this long: the cluster is too busy


@nodeclass(frozen=True)
class Address:
    """A parsed --cluster value: `local:N` (a Ray started in this process with N owners),
    `local` (one owner per core), or the address of a running cluster (`auto`,
    `ray://HOST:PORT`, `HOST:PORT`), with one owner per CPU of the cluster."""

    text: str
    local: bool
    owners: int | None  # None: as many as the cluster has CPUs
    direct: bool = False  # owners in this process (tests): `direct:N`


def parse_address(text: str) -> Address:
    kind, colon, rest = text.partition(":")
    if kind in ("local", "direct"):
        if not colon:
            if kind == "direct":
                raise UsageError("--cluster direct:N needs a number of owners")
            return Address(text, True, _cores())
        if not rest.isdigit() or not 1 <= int(rest) <= 256:
            raise UsageError(f"--cluster {kind}:N takes a number of owners from 1 to 256, "
                             f"got '{rest}'")
        return Address(text, True, int(rest), direct=kind == "direct")
    if text == "auto" or text.startswith("ray://") or (colon and rest.isdigit()):
        return Address(text, False, None)
    raise UsageError(f"--cluster takes local:N, auto, ray://HOST:PORT or HOST:PORT, got "
                     f"'{text}'")


def _cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


class Backend:
    """Calls on the owners: `call` starts a method on one owner and returns a handle for
    each of its results; `get` waits for handles; `ready` says whether they are done."""

    owners: int
    describe: str
    separate = True  # the owners run in processes of their own (their memory counts)

    def call(self, owner: int, method: str, *args: Any, returns: int = 1) -> list[Any]:
        raise NotImplementedError

    def get(self, handles: Sequence[Any]) -> list[Any]:
        raise NotImplementedError

    def ready(self, handles: Sequence[Any], timeout: float) -> bool:
        raise NotImplementedError

    def put(self, value: Any) -> Any:
        return value

    def cancel(self) -> None:
        """Ask every owner to stop the step it is running (returns at once)."""


class DirectBackend(Backend):
    """The owners as objects of this process: the same algorithm without Ray."""

    separate = False

    def __init__(self, owners: int, owner_class: type = Owner):
        self.owners = owners
        self.describe = f"{owners} owners in one process"
        self.objects = [owner_class(k, owners) for k in range(owners)]

    def call(self, owner: int, method: str, *args: Any, returns: int = 1) -> list[Any]:
        out = getattr(self.objects[owner], method)(*args)
        return list(out) if returns > 1 else [out]

    def get(self, handles: Sequence[Any]) -> list[Any]:
        return list(handles)

    def ready(self, handles: Sequence[Any], timeout: float) -> bool:
        return True


class RayBackend(Backend):
    """The owners as Ray actors (two threads each: one runs the search's steps, the
    other takes `cancel`)."""

    def __init__(self, ray: Any, actors: list[Any], address: Address):
        self.ray = ray
        self.actors = actors
        self.owners = len(actors)
        self.describe = f"Ray cluster ({address.text}), {self.owners} owners"

    def call(self, owner: int, method: str, *args: Any, returns: int = 1) -> list[Any]:
        remote = getattr(self.actors[owner], method)
        if returns > 1:
            return list(remote.options(num_returns=returns).remote(*args))
        return [remote.remote(*args)]

    def get(self, handles: Sequence[Any]) -> list[Any]:
        return list(self.ray.get(list(handles)))

    def ready(self, handles: Sequence[Any], timeout: float) -> bool:
        done, _waiting = self.ray.wait(list(handles), num_returns=len(handles),
                                       timeout=timeout)
        return len(done) == len(handles)

    def put(self, value: Any) -> Any:
        return self.ray.put(value)

    def cancel(self) -> None:
        for actor in self.actors:
            actor.cancel.remote()


_POOLS: dict[tuple[str, int | None, str], Backend] = {}


class Coordinator:
    """The driver's side of a distributed search, as far as talking to the owners goes
    (the explicit search and the zone search each add their levels): `poll` looks at the
    budget while the owners work."""

    backend: Backend

    def poll(self) -> None:
        raise NotImplementedError

    def wait(self, handles: Sequence[Any]) -> list[Any]:
        """The owners' results, looking at the budget meanwhile; on a stop the owners
        abandon their step (the level is not committed) and the stop goes on."""
        backend = self.backend
        try:
            while not backend.ready(handles, WAIT):
                self.poll()
        except BaseException:
            backend.cancel()
            backend.get(handles)
            raise
        return backend.get(handles)

    def all(self, method: str, *args: Any, returns: int = 1) -> list[list[Any]]:
        """Start `method` on every owner: per owner, the handles of its results."""
        backend = self.backend
        return [backend.call(k, method, *args, returns=returns) for k in range(backend.owners)]


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError(NO_RAY) from None
    return ray


def is_started(address: Address, owner_class: type = Owner) -> bool:
    """Whether the owners for this address are running already (or need no start)."""
    if address.direct:
        return True
    if (address.text, address.owners, owner_class.__name__) not in _POOLS:
        return False
    return bool(_import_ray().is_initialized())


def backend_for(address: Address, wait: Callable[[], None],
                owner_class: type = Owner) -> Backend:
    """The owners for this address (started on first use and kept for the process), of
    `owner_class` (Owner; the zone engine's ZoneOwner, checker.engine.cluster.zones).
    `wait` is called while they start (the budget's poll: Ctrl-C, the time limit)."""
    key = (address.text, address.owners, owner_class.__name__)
    if address.direct:
        assert address.owners is not None
        return DirectBackend(address.owners, owner_class)
    ray = _import_ray()
    if not ray.is_initialized():
        _POOLS.clear()  # the owners of an earlier Ray of this process are gone with it
    pooled = _POOLS.get(key)
    if pooled is not None:
        return pooled
    if not ray.is_initialized():
        try:
            start_ray(address.owners if address.local else None,
                      "local" if address.local else address.text)
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise UsageError(f"cannot start or reach the Ray cluster at '{address.text}': "
                             f"{err}") from None
    owners = address.owners
    if owners is None:
        owners = max(1, int(ray.cluster_resources().get("CPU", 1)))
    # on one machine an owner needs no CPU reservation (a Ray started elsewhere in the
    # process, such as a test's, may have fewer CPUs than owners); on a cluster, one CPU
    # each, spread over the nodes
    options: dict[str, Any] = {"num_cpus": 0 if address.local else 1, "max_concurrency": 2}
    if not address.local:
        options["scheduling_strategy"] = "SPREAD"
    actor_class = ray.remote(owner_class).options(**options)
    actors = [actor_class.remote(k, owners) for k in range(owners)]
    backend = RayBackend(ray, actors, address)
    pings = [backend.call(k, "ping")[0] for k in range(owners)]
    started = time.monotonic()
    while not backend.ready(pings, 0.25):
        wait()
        if time.monotonic() - started > READY_SECONDS:
            for actor in actors:
                ray.kill(actor)
            raise UsageError(f"the Ray cluster at '{address.text}' did not start {owners} "
                             f"owners within {READY_SECONDS:.0f} s (are its CPUs busy?)")
    _POOLS[key] = backend
    return backend


def start_ray(cpus: int | None, address: str = "local") -> None:
    """Start a local Ray with `cpus` CPUs (address "local") or join the cluster at
    `address`: no dashboard, no worker logs on the terminal, and no usage statistics sent
    to Ray's makers (Tock makes no network access of its own accord)."""
    ray = _import_ray()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    settings: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                "logging_level": logging.ERROR}
    if address == "local":
        ray.init(address="local", num_cpus=cpus, **settings)
    else:
        ray.init(address=address, **settings)


def started() -> list[Backend]:
    """The owners this process has started, one backend per address (bench/cluster.py)."""
    return list(_POOLS.values())


def shutdown() -> None:
    """Stop the owners and the Ray this process started (tests; a CLI run just exits)."""
    _POOLS.clear()
    if ray_available():
        ray = _import_ray()
        if ray.is_initialized():
            ray.shutdown()
