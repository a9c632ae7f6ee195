"""What asks before it runs: the MCP spec's reading of tool annotations, the registry's `approve` policy,
and "always" answers remembered for the session. Against the real mcp-server-git."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import anyio
import mcp_types as types
import pytest

from agent.backends.scripted import ScriptedBackend
from agent.cli.agent_setup import TerminalApprover
from agent.hub import Hub, HubTool
from agent.loop import AgentLoop, ToolCallFinished
from agent.loop.loop import DECLINED
from agent.messages import UserMessage
from agent.registry import RegistryError, ServerConfig
from tests.registryfile import TIMEOUT_S, run_cli, write_registry

pytestmark = pytest.mark.anyio
GIT_TOOLS = ("git_status", "git_log", "git_diff_unstaged", "git_add", "git_checkout", "git_create_branch")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with one commit, a branch `other` and an untracked file `new.txt`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    who = ["-c", "user.email=t@t", "-c", "user.name=t"]
    for cmd in (
        ["init", "-q", "-b", "main"],
        [*who, "commit", "-q", "--allow-empty", "-m", "first"],
        ["branch", "other"],
    ):
        subprocess.run(["git", *cmd], cwd=repo, check=True, timeout=TIMEOUT_S)
    (repo / "new.txt").write_text("new\n")
    return repo


def git_server(repo: Path, **fields) -> ServerConfig:
    return ServerConfig(command=sys.executable, args=["-m", "mcp_server_git", "--repository", str(repo)], **fields)


def staged(repo: Path) -> list[str]:
    done = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=repo, capture_output=True, text=True)
    return done.stdout.split()


async def asks(servers: dict[str, ServerConfig]) -> dict[str, bool]:
    with anyio.fail_after(30):
        async with Hub(servers) as hub:
            return {t.tool.name: hub.needs_approval(t.name) for t in hub.tools() if t.tool.name in GIT_TOOLS}


async def test_by_default_git_add_and_git_checkout_ask_and_read_only_git_tools_do_not(repo):
    assert await asks({"git": git_server(repo)}) == {
        "git_status": False,
        "git_log": False,
        "git_diff_unstaged": False,
        "git_add": True,  # readOnlyHint false, destructiveHint false: it still changes the repository
        "git_checkout": True,
        "git_create_branch": True,
    }


async def test_approve_all_asks_for_every_tool_and_confirm_true_means_the_same(repo):
    every = dict.fromkeys(GIT_TOOLS, True)
    assert await asks({"git": git_server(repo, approve="all")}) == every
    assert await asks({"git": git_server(repo, confirm=True)}) == every


async def test_approve_never_never_asks(repo):
    assert await asks({"git": git_server(repo, approve="never")}) == dict.fromkeys(GIT_TOOLS, False)


def tool(annotations: types.ToolAnnotations | None, approve: str = "writes") -> HubTool:
    spec = types.Tool(name="t", input_schema={"type": "object"}, annotations=annotations)
    return HubTool("s__t", "s", spec, approve)


def test_only_a_tool_annotated_read_only_runs_unasked_under_the_default_policy():
    assert tool(None).asks_first  # no annotations: it may change things
    assert tool(types.ToolAnnotations()).asks_first
    assert tool(types.ToolAnnotations(read_only_hint=False, destructive_hint=False)).asks_first
    assert tool(types.ToolAnnotations(destructive_hint=True)).asks_first
    assert not tool(types.ToolAnnotations(read_only_hint=True)).asks_first
    # a read-only tool that also claims to be destructive: readOnlyHint wins (destructiveHint is then meaningless)
    assert not tool(types.ToolAnnotations(read_only_hint=True, destructive_hint=True)).asks_first
    assert tool(types.ToolAnnotations(read_only_hint=True), "all").asks_first
    assert not tool(types.ToolAnnotations(destructive_hint=True), "never").asks_first


def test_the_registry_reads_approve_and_refuses_a_value_or_a_confirm_that_contradicts_it(tmp_path):
    from agent.registry import Registry

    path = write_registry(tmp_path / "mcp.json", {"mcpServers": {"g": {"command": "x", "approve": "never"}}})
    assert Registry(path).servers()["g"].approval == "never"
    assert ServerConfig(command="x").approval == "writes"
    assert ServerConfig(command="x", confirm=True).approval == "all"
    assert ServerConfig(command="x", confirm=True, approve="all").approval == "all"
    write_registry(path, {"mcpServers": {"g": {"command": "x", "approve": "sometimes"}}})
    with pytest.raises(RegistryError, match="server 'g': approve: Input should be 'writes', 'all' or 'never'"):
        Registry(path).servers()
    write_registry(path, {"mcpServers": {"g": {"command": "x", "approve": "never", "confirm": True}}})
    with pytest.raises(RegistryError, match="server 'g': .*'confirm': true means 'approve': 'all'"):
        Registry(path).servers()


class Answers:
    """A terminal that answers the questions it is asked from a list, recording them."""

    def __init__(self, *answers: str) -> None:
        self.answers, self.asked = list(answers), []

    def __call__(self, question: str) -> str:
        self.asked.append(question)
        return self.answers.pop(0)


def add_call(repo: Path, path: str) -> dict:
    return {"tool_calls": [{"name": "git__git_add", "arguments": {"repo_path": str(repo), "files": [path]}}]}


async def test_an_always_answer_is_remembered_for_the_rest_of_the_session(repo):
    for name in ("a.txt", "b.txt", "c.txt"):
        (repo / name).write_text(name)
    terminal = Answers("a")
    approver = TerminalApprover(terminal)
    turns = [add_call(repo, "a.txt"), add_call(repo, "b.txt"), {"content": "staged"}]
    with anyio.fail_after(60):
        async with Hub({"git": git_server(repo)}) as hub:
            loop = AgentLoop(ScriptedBackend(turns), hub, None, approver)
            await loop.run([UserMessage(content="stage a and b")])
            # a later run of the same session (the next chat turn) is not asked either
            again = await AgentLoop(
                ScriptedBackend([add_call(repo, "c.txt"), {"content": "ok"}]), hub, None, approver
            ).run([UserMessage(content="stage c")])
    assert len(terminal.asked) == 1 and "git__git_add" in terminal.asked[0] and "a=always" in terminal.asked[0]
    assert not any(isinstance(e, ToolCallFinished) and e.outcome.is_error for e in again.events)
    assert staged(repo) == ["a.txt", "b.txt", "c.txt"]


async def test_no_and_yes_answers_are_not_remembered(repo):
    (repo / "a.txt").write_text("a")
    terminal = Answers("n", "y")
    turns = [add_call(repo, "a.txt"), add_call(repo, "a.txt"), {"content": "done"}]
    with anyio.fail_after(60):
        async with Hub({"git": git_server(repo)}) as hub:
            result = await AgentLoop(ScriptedBackend(turns), hub, None, TerminalApprover(terminal)).run(
                [UserMessage(content="stage a")]
            )
    outcomes = [e.outcome for e in result.events if isinstance(e, ToolCallFinished)]
    assert len(terminal.asked) == 2
    assert outcomes[0].text == DECLINED and not outcomes[1].is_error
    assert staged(repo) == ["a.txt"]


def run_git(tmp_path: Path, repo: Path, entry: dict, turns: list[dict]) -> subprocess.CompletedProcess[str]:
    registry = write_registry(tmp_path / "mcp.json", {"mcpServers": {"git": entry}})
    script = tmp_path / "turns.jsonl"
    script.write_text("".join(json.dumps(t) + "\n" for t in turns))
    return run_cli(
        "run",
        "stage it",
        "--backend",
        "scripted",
        "--script",
        str(script),
        "--json",
        "--mcp-config",
        str(registry),
        "--servers",
        "git",
    )


def test_run_without_a_terminal_declines_git_add_but_runs_git_status_and_approve_never_runs_both(tmp_path, repo):
    status = {"name": "git__git_status", "arguments": {"repo_path": str(repo)}}
    turns = [{"tool_calls": [status]}, add_call(repo, "new.txt"), {"content": "done"}]
    entry = {"command": sys.executable, "args": ["-m", "mcp_server_git", "--repository", str(repo)]}
    asked = run_git(tmp_path, repo, entry, turns)
    assert asked.returncode == 0, asked.stderr
    texts = [json.loads(line)["outcome"]["text"] for line in asked.stdout.splitlines() if "tool_call_finished" in line]
    assert "new.txt" in texts[0] and texts[1] == DECLINED
    assert (
        "declined git__git_add: it may change things and there is no terminal to ask (pass --yes to allow)"
        in asked.stderr
    )
    assert staged(repo) == []
    never = run_git(tmp_path, repo, {**entry, "approve": "never"}, turns)
    assert never.returncode == 0, never.stderr
    assert "declined" not in never.stderr and staged(repo) == ["new.txt"]
