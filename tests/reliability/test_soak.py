"""
Small version of the soak test (:mod:`tests.reliability.soak`).

"""

from __future__ import annotations

import pytest

from tests.reliability.soak import kernels, leaks, run_soak


MESSAGES = 50_000


@pytest.fixture(scope="module")
def soak() -> dict:
    return run_soak(messages=MESSAGES, connections=20, clients=2, sample_every=0.5)


def test_server_runs_the_same_kernels_as_the_tests(soak):
    assert soak["kernels"] == kernels()


def test_every_message_is_echoed_intact(soak):
    assert soak["errors"] == []
    assert soak["sent"] == soak["echoed"] == MESSAGES


def test_no_tasks_threads_or_file_descriptors_leak(soak):
    assert leaks(soak) == []


def test_memory_is_flat_after_warm_up(soak):
    # A leak of 50 bytes per message would add more than 2 MiB here.
    assert soak["rss_growth"] < 2 * 2**20
