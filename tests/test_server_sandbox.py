"""The bundled `sandbox` server through the real hub: what a run does and reports.

Attacks and runs that must stay contained (escapes, limits, secrets, network)
are in tests/faults/test_sandbox_escapes.py.
"""

from __future__ import annotations

import os

import pytest

from mcp_servers.sandbox import limits
from tests.clirun import scripted_run, tool_texts
from tests.faults.bundled import run_python as run
from tests.faults.bundled import sandbox_hub, still_runs

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def hub():
    async with sandbox_hub() as hub:
        yield hub


async def test_code_runs_with_the_standard_library_and_reports_every_field(hub):
    outcome = await run(hub, "import json, sqlite3, math\nprint(json.dumps({'pi': round(math.pi, 2)}))")
    data = outcome.structured
    assert not outcome.is_error
    assert data["stdout"] == '{"pi": 3.14}\n' and data["stderr"] == ""
    assert data["exit_code"] == 0 and data["timed_out"] is False and 0 < data["duration_s"] < 10
    assert data["flooded"] is False and data["timeout_s"] == 10 and data["notes"] == []
    assert outcome.text.startswith("exit code 0, timed out: no, ")
    assert '--- stdout ---\n{"pi": 3.14}' in outcome.text


async def test_an_exception_reports_exit_code_1_and_the_traceback_without_temp_paths(hub):
    outcome = await run(hub, "x = 1\nraise ValueError('bad value')")
    assert outcome.structured["exit_code"] == 1
    assert 'File "main.py", line 2' in outcome.structured["stderr"]
    assert outcome.text.rstrip().endswith("ValueError: bad value")
    assert "looptune-sandbox-" not in outcome.structured["stderr"]


async def test_each_run_starts_in_a_fresh_folder_that_is_deleted_afterwards(hub):
    first = await run(hub, "import os\nopen('left.txt', 'w').write('x')\nprint(os.getcwd())")
    second = await run(hub, "import os\nprint(sorted(os.listdir('.')))")
    assert second.structured["stdout"] == "['main.py']\n"
    assert not os.path.exists(first.structured["stdout"].strip())


async def test_a_timeout_outside_the_allowed_range_is_clamped_with_a_note(hub):
    outcome = await run(hub, "print('ok')", timeout_s=0.2)
    assert "timeout_s 0.2 is outside the allowed range; used 1" in outcome.text
    assert outcome.structured["stdout"] == "ok\n"
    assert outcome.structured["timeout_s"] == limits.MIN_TIMEOUT_S
    assert outcome.structured["notes"] == ["timeout_s 0.2 is outside the allowed range; used 1"]


async def test_empty_code_is_a_tool_error(hub):
    outcome = await run(hub, "   ")
    assert outcome.is_error and "code is empty" in outcome.text
    await still_runs(hub)


def test_looptune_run_runs_python_end_to_end(tmp_path):
    turns = [
        {"tool_calls": [{"name": "sandbox__run_python", "arguments": {"code": "print(sum(range(10)))"}}]},
        {"content": "The sum is 45."},
    ]
    done, events = scripted_run(tmp_path, {"sandbox": ["-m", "mcp_servers.sandbox"]}, turns, "sum 0..9")
    assert done.returncode == 0, done.stderr
    finished = tool_texts(events)
    assert len(finished) == 1 and "--- stdout ---\n45" in finished[0]
    assert events[-1]["content"] == "The sum is 45."
