"""Builds the native DBM kernel (checker/engine/zones/_dbm.c) as an optional extension.

Everything else about the package is in pyproject.toml.  Without a working C compiler or
the Python headers the install still succeeds: checker/engine/zones/kernel.py then uses the
pure-Python reference (checker/engine/zones/dbm.py) and says why in kernel.WHY_NOT.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE = "checker/engine/zones/_dbm.c"


def _source_hash() -> str:
    """Compiled into the module, so kernel.py can tell a build older than its source."""
    return hashlib.sha256((Path(__file__).parent / SOURCE).read_bytes()).hexdigest()[:16]


class OptionalBuildExt(build_ext):
    """build_ext that never fails the install: a failed build leaves the pure-Python kernel."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any failure means "no native kernel"
            self._skip(exc)

    def build_extension(self, ext: Extension) -> None:
        if self.compiler.compiler_type == "unix":
            ext.extra_compile_args = [*ext.extra_compile_args, "-O2", "-fno-strict-aliasing"]
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._skip(exc)

    def _skip(self, exc: BaseException) -> None:
        self.warn(f"the native DBM kernel was not built ({type(exc).__name__}: {exc}); "
                  "Tock will use the pure-Python zone kernel")


setup(
    ext_modules=[
        Extension(
            "checker.engine.zones._dbm",
            [SOURCE],
            define_macros=[("TOCK_DBM_SOURCE_HASH", f'"{_source_hash()}"')],
            optional=True,
        )
    ],
    cmdclass={"build_ext": OptionalBuildExt},
)
