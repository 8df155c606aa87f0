"""Streams are keyed by what a check is, and never by order, selection or chunking."""

import subprocess
import sys

import numpy as np
import pytest

from claimkit.seeding import (BLOCK_SIZE, block_rng, block_seed, check_seed, seed_record,
                                 stable_key)


def test_stable_key_ignores_param_order():
    """The key of a check does not depend on the order its parameters are given in."""
    assert stable_key("EX-04", "bias", {"n": 5, "sigma": 2.0}) == \
        stable_key("EX-04", "bias", {"sigma": 2.0, "n": 5})


def test_stable_key_distinguishes_checks():
    """Different claims, labels or parameters give different keys."""
    keys = {stable_key("EX-04", "bias", {"n": 5}), stable_key("EX-03", "bias", {"n": 5}),
            stable_key("EX-04", "mse", {"n": 5}), stable_key("EX-04", "bias", {"n": 6})}
    assert len(keys) == 4


def test_stable_key_is_identical_across_processes():
    """The key is a hash of canonical JSON, not Python's salted hash(): a new process agrees."""
    code = ("from claimkit.seeding import stable_key;"
            "print(stable_key('CE-01', 'x', {'k': 3, 'dtype': 'float32'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout
    assert out.strip() == str(stable_key("CE-01", "x", {"k": 3, "dtype": "float32"}))


def test_block_streams_are_distinct_and_reproducible():
    """Block b of a check always gives the same numbers, and blocks differ from each other."""
    seed = check_seed(7, "LIK-02", "demo")
    a0 = block_rng(seed, 0).random(4)
    assert np.array_equal(a0, block_rng(check_seed(7, "LIK-02", "demo"), 0).random(4))
    assert not np.array_equal(a0, block_rng(seed, 1).random(4))
    assert tuple(block_seed(seed, 3).spawn_key) == tuple(seed.spawn_key) + (3,)


def test_root_seed_changes_streams():
    """Another root seed gives other numbers for the same check."""
    a = block_rng(check_seed(1, "EX-04", "bias"), 0).random(3)
    b = block_rng(check_seed(2, "EX-04", "bias"), 0).random(3)
    assert not np.array_equal(a, b)


def test_seed_record_is_json_safe():
    """The record names the root entropy, the spawn key and the block size."""
    rec = seed_record(check_seed(11, "CE-01", "x"))
    assert rec["entropy"] == 11 and len(rec["spawn_key"]) == 4
    assert rec["block_size"] == BLOCK_SIZE


@pytest.mark.parametrize("kwargs, match", [
    (dict(root_seed=-1, claim="A-01", label="x"), "`root_seed`"),
    (dict(root_seed=1.5, claim="A-01", label="x"), "`root_seed`"),
    (dict(root_seed=1, claim="", label="x"), "`claim`"),
    (dict(root_seed=1, claim="A-01", label=""), "`label`"),
    (dict(root_seed=1, claim="A-01", label="x", params={"f": object()}), "`params`"),
])
def test_check_seed_rejects_bad_input(kwargs, match):
    """Bad seeds, empty names and non-JSON parameters raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match=match):
        check_seed(**kwargs)
