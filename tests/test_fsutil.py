"""Atomic writes: whole files or nothing, with the modes users expect."""

from __future__ import annotations

import os

from agent.fsutil import atomic_write_text


def current_umask() -> int:
    mask = os.umask(0o022)  # the tests run single-threaded: set-and-restore is safe here
    os.umask(mask)
    return mask


def test_a_new_file_gets_the_usual_mode_and_a_replaced_one_keeps_its_own(tmp_path):
    target = tmp_path / "new.json"
    atomic_write_text(target, "{}")
    assert target.stat().st_mode & 0o777 == 0o666 & ~current_umask()
    os.chmod(target, 0o600)
    atomic_write_text(target, "[]")
    assert target.stat().st_mode & 0o777 == 0o600 and target.read_text() == "[]"


def test_no_temp_file_is_left_behind(tmp_path):
    atomic_write_text(tmp_path / "a.txt", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
