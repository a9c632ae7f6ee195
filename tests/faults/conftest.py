"""The fault and attack suite: every case a user or an attacker can throw at looptune, in one folder.

Each module is one surface (a server, the hub, serve, the registry, training,
the chat) and each test name says the fault and what must hold. The run prints
how many cases ran, so CI's log shows the suite's size beside its result.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).parent
_outcomes: Counter[str] = Counter()


def _in_suite(report: pytest.TestReport) -> bool:
    return Path(str(report.fspath)).resolve().is_relative_to(HERE)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # A case counts once: by its call phase, or by the setup phase that skipped or failed it.
    if not _in_suite(report):
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[report.outcome] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    ran = sum(_outcomes.values())
    if ran:
        parts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(_outcomes.items()))
        terminalreporter.write_line(f"fault and attack suite (tests/faults): {ran} cases ran ({parts})")
