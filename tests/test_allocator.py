"""The suite's processes keep freed memory for their next arrays (glibc ``mallopt``)."""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import sys
from pathlib import Path

import pytest

from claimkit.plugin import allocator

CATALOGUE_ARG = str(Path(__file__).resolve().parents[1] / "claims" / "catalogue.toml")

pytest_plugins = ["pytester"]

#: Prints the bytes glibc holds in mapped blocks after a 16 MiB array was allocated (it is
#: alive): the whole array when it was mapped from the system, none when it came from the heap.
PROBE = """
import ctypes, sys
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
if sys.argv[1] == "tuned":
    from claimkit.plugin.allocator import keep_freed_memory
    assert keep_freed_memory()
import numpy as np
a = np.ones(2 ** 21)
print(libc.mallinfo2().hblkhd)
"""


def _glibc_with_mallinfo2() -> bool:
    try:
        return hasattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), "mallinfo2")
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _glibc_with_mallinfo2(),
                    reason="mallopt and mallinfo2 are glibc's (>= 2.33)")
def test_arrays_below_the_threshold_come_from_the_heap():
    """A 16 MiB array is mapped from the system by default and comes from the heap once the
    thresholds are set."""
    def mapped(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True,
                             text=True, check=True, timeout=120)
        return int(out.stdout.strip())

    assert mapped("default") >= 2 ** 24
    assert mapped("tuned") < 2 ** 24


def test_keep_freed_memory_is_a_no_op_without_mallopt(monkeypatch):
    """Where the C library has no mallopt (macOS, musl) nothing is set and nothing fails."""
    class NoMallopt:
        def __init__(self, *args, **kwargs):
            pass

    allocator.keep_freed_memory.cache_clear()
    try:
        monkeypatch.setattr(allocator.ctypes, "CDLL", NoMallopt)
        assert allocator.keep_freed_memory() is False
        allocator.keep_freed_memory.cache_clear()
        monkeypatch.setattr(allocator.sys, "platform", "darwin")
        assert allocator.keep_freed_memory() is False
    finally:
        allocator.keep_freed_memory.cache_clear()


def test_the_suite_sets_the_thresholds_in_every_process(pytester):
    """pytest_configure calls it: a test of a run sees the thresholds set."""
    pytester.makepyfile(test_probe="""
from claimkit.plugin import allocator

def test_set():
    assert allocator.keep_freed_memory.cache_info().currsize == 1
""")
    result = pytester.runpytest_subprocess("--claims-catalogue", CATALOGUE_ARG, "-p", "no:xdist",
                                           "--no-claims-report")
    result.assert_outcomes(passed=1)
