"""Build the native grinding core (patterns/engine/native) where a C compiler works.

``pip install --no-build-isolation --no-deps -e .`` compiles ``_core.c`` in place. The
constants header is generated first by ``gen_constants.py`` (into the build directory).
A failure to compile (no compiler, ``CC=false``, an unsupported platform) is reported
as a warning and the install goes on: the engine then grinds in pure Python.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

NATIVE = Path("patterns") / "engine" / "native"


class OptionalNativeBuild(build_ext):
    """build_ext that generates the constants header and never fails the install."""

    def build_extension(self, ext: Extension) -> None:
        generated = Path(self.build_temp) / "vanikeys-native"
        try:
            generated.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, str(NATIVE / "gen_constants.py"), str(generated / "_constants.h")],
                           check=True)
            ext.include_dirs = [str(generated), *ext.include_dirs]
            super().build_extension(ext)
        except Exception as exc:  # any failure means: no native core
            self.warn(f"the native grinding core was not built ({type(exc).__name__}: {exc}); "
                      "the engine will grind in pure Python")


setup(
    ext_modules=[
        Extension(
            "patterns.engine.native._core",
            sources=[str(NATIVE / "_core.c")],
            depends=[str(NATIVE / "_kernel.h"), str(NATIVE / "gen_constants.py")],
            extra_compile_args=["-O3", "-std=gnu11", "-fno-strict-aliasing", "-Wall",
                                "-Wno-missing-field-initializers"],
            optional=True,
        ),
    ],
    cmdclass={"build_ext": OptionalNativeBuild},
)
