"""A `files` server under the real hub, on a workspace with a secret just outside it.

Shared by tests/test_server_files.py (what the tools do) and
tests/faults/test_files_escapes.py (what no path may reach). A module uses the
fixtures (`place`, `root`, `hub`, module-scoped) by importing `FIXTURES`' members;
pytest finds them in the module under their fixture names.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from agent.hub import Hub, ToolOutcome
from agent.registry import ServerConfig

HINT = "relative to the workspace root"
SECRET = "top secret outside the workspace"


@pytest.fixture(scope="module", name="anyio_backend")
def anyio_backend_fixture() -> str:
    return "asyncio"  # module scope, so one server serves the whole module


@pytest.fixture(scope="module", name="place")
def place_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the workspace root `ws` and, beside it, `outside/secret.txt`."""
    base = tmp_path_factory.mktemp("files")
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_text(SECRET)
    (base / "ws").mkdir()
    return base


@pytest.fixture(scope="module", name="root")
def root_fixture(place: Path) -> Path:
    return place / "ws"


@pytest.fixture(scope="module", name="hub")
async def hub_fixture(root: Path):
    """One files server (a stdio process) for the whole module, rooted at `root`."""
    config = ServerConfig(command=sys.executable, args=["-m", "mcp_servers.files", "--root", str(root)])
    with anyio.fail_after(30):
        async with Hub({"files": config}) as hub:
            yield hub


async def call(hub: Hub, tool: str, **arguments) -> ToolOutcome:
    with anyio.fail_after(30):
        return await hub.call(f"files__{tool}", arguments)


async def still_serving(hub: Hub) -> None:
    outcome = await call(hub, "list_dir")
    assert not outcome.is_error, outcome.text
