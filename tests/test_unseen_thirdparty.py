"""The unseen-toolset split's third-party tasks pass with the oracle, run as docs/results/unseen-thirdparty.md says.

The fixture repository is built in a temporary folder instead of the
documented /tmp path (so parallel runs never share one); the task file is
used as committed with only that path replaced.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from eval.gitfixture import DEFAULT_PATH, build
from eval.tasks import load_tasks
from tests.registryfile import run_cli

ROOT = Path(__file__).resolve().parents[1]
TASKS = ROOT / "docs" / "results" / "unseen-thirdparty.jsonl"


def test_the_fixture_repository_has_the_same_commit_ids_on_every_build(tmp_path):
    first, second = build(tmp_path / "a" / "shop"), build(tmp_path / "b" / "shop")
    ids = [_git_ids(p) for p in (first, second)]
    assert ids[0] == ids[1] and ids[0].startswith("52f18ed")
    assert build(first) == first  # a fixture is rebuilt in place
    (tmp_path / "mine").mkdir()
    assert run_cli_fixture(tmp_path / "mine").returncode == 1  # a folder it did not build is left alone


def _git_ids(repo: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD", "recipes"], cwd=repo, capture_output=True, text=True).stdout


def run_cli_fixture(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eval.gitfixture", str(path)], capture_output=True, text=True)


def test_every_third_party_task_passes_with_the_oracle_and_every_bundled_server_mounted(tmp_path):
    repo = build(tmp_path / "shop")
    tasks = tmp_path / "unseen-thirdparty.jsonl"
    tasks.write_text(TASKS.read_text().replace(str(DEFAULT_PATH), str(repo)))
    assert run_cli("mcp", "add", "time", "--", sys.executable, "-m", "mcp_server_time").returncode == 0
    added = run_cli("mcp", "add", "git", "--", sys.executable, "-m", "mcp_server_git", "--repository", str(repo))
    assert added.returncode == 0

    run = tmp_path / "run"
    done = run_cli("eval", str(tasks), "--backend", "oracle", "--jobs", "4", "-o", str(run))
    assert done.returncode == 0, done.stderr
    report = json.loads((run / "report.json").read_text())
    assert report["settings"]["distractors"] == "all"
    assert report["metrics"]["overall"]["tasks"] == len(load_tasks(TASKS)) >= 20
    assert report["metrics"]["overall"]["completion"] == 1.0, report["failed_episodes"]
    assert {n.split("__")[0] for n in report["metrics"]["by_tool"]} == {"time", "git"}
