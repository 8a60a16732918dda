"""
Scenarios of the differential conformance suite: scenario id to source.

Each module builds its scenarios from tables of cases. A scenario is a short
program that runs with the helpers of ``tests/compat/runner.py`` in scope and
records what it observes with ``rec(...)`` (or ``catch``, ``call``,
``snap``...). It must be deterministic: it runs once under each package and
the two records must be equal.

"""

from __future__ import annotations

from . import (
    behaviours,
    cli,
    clients,
    connection,
    hooks,
    legacy,
    proxies,
    routers,
    sansio,
    servers,
)


__all__ = ["SCENARIOS"]

SCENARIOS: dict[str, str] = {}
for _module in (
    sansio,
    servers,
    clients,
    connection,
    cli,
    legacy,
    behaviours,
    proxies,
    routers,
    hooks,
):
    for _name, _source in _module.SCENARIOS.items():
        assert _name not in SCENARIOS, f"duplicate scenario {_name}"
        SCENARIOS[_name] = _source
