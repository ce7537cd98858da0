"""Shared by the native-core tests: the compiled module, and each of its kernels in turn.

Where the core is not built (no C compiler) these tests skip, unless
VANIKEYS_REQUIRE_NATIVE=1 (CI builds it, so there a missing core is a failure).
"""

from __future__ import annotations

import os

import pytest

from patterns.engine import native


@pytest.fixture(scope="session")
def core():
    if not native.built():
        if os.environ.get("VANIKEYS_REQUIRE_NATIVE") == "1":
            pytest.fail(f"VANIKEYS_REQUIRE_NATIVE=1 but {native.status()}")
        pytest.skip(native.status())
    return native.core()


@pytest.fixture(params=["baseline", "avx2"])
def kernel(request, core):
    """Run the test on one kernel (skipped where the CPU lacks it), then restore."""
    if request.param not in core.kernels():
        pytest.skip(f"this CPU has no {request.param} kernel")
    before = core.info()["kernel"]
    core.set_kernel(request.param)
    yield request.param
    core.set_kernel(before)
