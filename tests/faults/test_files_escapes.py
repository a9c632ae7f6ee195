"""Paths that try to leave the `files` server's workspace: traversal, absolute paths, look-alike
characters, symbolic links (to files, to folders, swapped in after the check). None may reach the
secret beside the workspace, and the server keeps serving after each.
"""

from __future__ import annotations

import os

import pytest

from mcp_servers._common import ToolError
from mcp_servers.files import reading
from mcp_servers.files.paths import Workspace
from tests.files_workspace import (  # noqa: F401
    HINT,
    SECRET,
    anyio_backend_fixture,
    call,
    hub_fixture,
    place_fixture,
    root_fixture,
    still_serving,
)

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "path",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "notes/../../outside/secret.txt",
        "\uff0e\uff0e/\uff0e\uff0e/etc/passwd",  # fullwidth dots
        "\u2024\u2024/outside/secret.txt",  # one-dot leaders
        "..\u2215outside\u2215secret.txt",  # division slash
        "..\\outside\\secret.txt",
        "notes\x00/../../etc/passwd",
        "notes/\u202etxt.exe",
        "cafe\u0301/x",
        "",
    ],
)
async def test_paths_that_escape_or_disguise_themselves_are_refused_and_the_server_keeps_serving(hub, path):
    outcome = await call(hub, "read_file", path=path)
    assert outcome.is_error
    assert HINT in outcome.text
    assert SECRET not in outcome.text and "root:x:0" not in outcome.text
    await still_serving(hub)


async def test_percent_encoded_dots_are_literal_names_inside_the_workspace(hub, root, place):
    read = await call(hub, "read_file", path="%2e%2e/%2e%2e/etc/passwd")
    written = await call(hub, "write_file", path="%2e%2e%2fescape.txt", content="x")
    assert read.is_error and "does not exist" in read.text
    assert not written.is_error and (root / "%2e%2e%2fescape.txt").is_file()
    assert not (place / "escape.txt").exists()


async def test_writing_or_deleting_outside_the_workspace_is_refused(hub, place):
    up = await call(hub, "write_file", path="../escape.txt", content="x")
    absolute = await call(hub, "write_file", path=str(place / "outside" / "new.txt"), content="x")
    gone = await call(hub, "delete_file", path=str(place / "outside" / "secret.txt"))
    assert up.is_error and "is outside the workspace" in up.text and HINT in up.text
    assert absolute.is_error and gone.is_error
    assert sorted(os.listdir(place)) == ["outside", "ws"]
    assert os.listdir(place / "outside") == ["secret.txt"]
    await still_serving(hub)


async def test_a_symlink_to_an_outside_file_cannot_be_read_written_or_searched(hub, root, place):
    (root / "link").mkdir()
    (root / "link" / "leak.txt").symlink_to(place / "outside" / "secret.txt")
    read = await call(hub, "read_file", path="link/leak.txt")
    write = await call(hub, "write_file", path="link/leak.txt", content="pwned")
    listed = await call(hub, "list_dir", path="link")
    found = await call(hub, "search", pattern="secret", path="link")
    assert read.is_error and "symbolic link that points outside the workspace" in read.text
    assert write.is_error and "symbolic link that points outside the workspace" in write.text
    assert listed.structured["entries"] == [{"name": "leak.txt", "is_dir": False, "type": "symlink", "size": None}]
    assert SECRET not in found.text and "skipped: 1 symbolic links" in found.text
    assert (place / "outside" / "secret.txt").read_text() == SECRET
    await still_serving(hub)


async def test_a_symlinked_folder_pointing_outside_cannot_be_listed_entered_or_written_through(hub, root, place):
    (root / "portal").symlink_to(place / "outside", target_is_directory=True)
    listed = await call(hub, "list_dir", path="portal")
    read = await call(hub, "read_file", path="portal/secret.txt")
    write = await call(hub, "write_file", path="portal/planted.txt", content="x")
    parent = await call(hub, "list_dir", path="portal/..")
    searched = await call(hub, "search", pattern="secret", path="portal")
    for outcome in (listed, read, write, parent, searched):
        assert outcome.is_error and HINT in outcome.text, outcome.text
        assert SECRET not in outcome.text
    assert os.listdir(place / "outside") == ["secret.txt"]
    await still_serving(hub)


async def test_deleting_a_symlink_removes_the_link_and_never_its_target(hub, root, place):
    (root / "alias.txt").symlink_to(place / "outside" / "secret.txt")
    outcome = await call(hub, "delete_file", path="alias.txt")
    assert outcome.text == "deleted the symbolic link 'alias.txt' (its target was not touched)"
    assert not (root / "alias.txt").is_symlink()
    assert (place / "outside" / "secret.txt").read_text() == SECRET


async def test_a_symlink_that_stays_inside_the_workspace_is_followed(hub, root):
    (root / "real.txt").write_text("inside")
    (root / "same.txt").symlink_to(root / "real.txt")
    outcome = await call(hub, "read_file", path="same.txt")
    assert outcome.text == "inside" and outcome.structured["path"] == "real.txt"


def test_a_folder_swapped_for_a_symlink_after_the_check_is_refused_at_use(tmp_path):
    (tmp_path / "ws" / "docs").mkdir(parents=True)
    (tmp_path / "ws" / "docs" / "a.txt").write_text("fine")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "a.txt").write_text(SECRET)
    target = Workspace([tmp_path / "ws"]).resolve("docs/a.txt")
    (tmp_path / "ws" / "docs").rename(tmp_path / "ws" / "old")
    (tmp_path / "ws" / "docs").symlink_to(tmp_path / "outside")
    with pytest.raises(ToolError, match="symbolic link that changed while in use"):
        reading.read_file(target)
