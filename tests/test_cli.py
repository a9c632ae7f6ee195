"""The `looptune` command as a user runs it: real subprocesses, real servers, a real registry file."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TOY

TIMEOUT_S = 90
RUN = {"capture_output": True, "text": True, "timeout": TIMEOUT_S}


def looptune(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh interpreter (the autouse fixture's XDG dirs are inherited)."""
    return subprocess.run(
        [sys.executable, "-m", "agent.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def add_toy(name: str = "toy") -> None:
    done = looptune("mcp", "add", name, "--", sys.executable, str(TOY))
    assert done.returncode == 0, done.stderr


def script(tmp_path: Path, *turns: dict) -> str:
    path = tmp_path / "script.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in turns) + "\n")
    return str(path)


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for cmd in (
        ["init", "-q"],
        ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "first"],
    ):
        subprocess.run(["git", *cmd], cwd=repo, check=True, timeout=TIMEOUT_S)
    return repo


def test_mcp_server_time_added_as_a_user_would_answers_a_call(isolated_config):
    added = looptune("mcp", "add", "time", "--", sys.executable, "-m", "mcp_server_time")
    assert added.returncode == 0 and str(isolated_config) in added.stdout
    done = looptune("mcp", "call", "time__get_current_time", '{"timezone": "Asia/Tokyo"}')
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["timezone"] == "Asia/Tokyo" and result["datetime"].endswith("+09:00")


def test_mcp_server_git_tools_are_listed_and_called(git_repo):
    added = looptune("mcp", "add", "git", "--", sys.executable, "-m", "mcp_server_git", "--repository", str(git_repo))
    assert added.returncode == 0
    tools = looptune("mcp", "tools", "git")
    assert tools.returncode == 0, tools.stderr
    assert "git__git_status" in tools.stdout and "git__git_log" in tools.stdout
    log = looptune("mcp", "call", "git__git_log", json.dumps({"repo_path": str(git_repo)}))
    assert log.returncode == 0 and "first" in log.stdout


def test_run_with_the_scripted_backend_calls_real_servers_and_writes_the_trace(tmp_path, git_repo):
    looptune("mcp", "add", "time", "--", sys.executable, "-m", "mcp_server_time")
    looptune("mcp", "add", "git", "--", sys.executable, "-m", "mcp_server_git", "--repository", str(git_repo))
    turns = script(
        tmp_path,
        {
            "tool_calls": [
                {"name": "time__get_current_time", "arguments": {"timezone": "Europe/Paris"}},
                {"name": "git__git_status", "arguments": {"repo_path": str(git_repo)}},
            ]
        },
        {"content": "Paris time fetched; the tree is clean."},
    )
    trace_file = tmp_path / "trace.jsonl"
    done = looptune(
        "run", "time and git status?", "--backend", "scripted", "--script", turns, "--trace", str(trace_file)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Paris time fetched; the tree is clean."
    assert "→ time__get_current_time" in done.stderr and "→ git__git_status" in done.stderr
    trace = json.loads(trace_file.read_text())
    assert [m["role"] for m in trace["messages"]] == ["system", "user", "assistant", "tool", "tool", "assistant"]
    assert "Europe/Paris" in trace["messages"][3]["content"]
    assert {t["function"]["name"] for t in trace["tools"]} >= {"time__get_current_time", "git__git_status"}


def test_run_json_prints_one_event_per_line(tmp_path):
    add_toy()
    turns = script(
        tmp_path, {"tool_calls": [{"name": "toy__echo", "arguments": {"text": "hey"}}]}, {"content": "said hey"}
    )
    done = looptune("run", "echo", "--backend", "scripted", "--script", turns, "--json")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["type"] for e in events if e["type"] != "text_delta"] == [
        "tool_call_started",
        "tool_call_finished",
        "step_end",
        "step_end",
        "final",
    ]
    assert events[1]["outcome"]["text"] == "hey"
    assert events[-1]["content"] == "said hey"


def test_run_without_backend_flags_uses_the_bundled_model_and_says_so():
    done = looptune("run", "hello", "--servers", "calc", "--max-tokens", "4")
    assert done.returncode == 0, done.stderr
    assert "model: SmolLM2-135M-Instruct + adapter bundled (local) · servers: calc (2 tools)" in done.stderr


def test_run_declines_destructive_tools_without_a_terminal_unless_yes(tmp_path):
    add_toy()
    turns = [{"tool_calls": [{"name": "toy__delete_thing", "arguments": {"name": "db"}}]}, {"content": "done"}]
    declined = looptune("run", "delete", "--backend", "scripted", "--script", script(tmp_path, *turns), "--json")
    allowed = looptune(
        "run", "delete", "--backend", "scripted", "--script", script(tmp_path, *turns), "--json", "--yes"
    )
    outcome = [json.loads(line) for line in declined.stdout.splitlines()][1]["outcome"]
    assert outcome["is_error"] and "declined" in outcome["text"]
    assert "pass --yes" in declined.stderr
    assert [json.loads(line) for line in allowed.stdout.splitlines()][1]["outcome"]["text"] == "deleted db"


def test_a_registry_with_invalid_json_is_reported_and_left_unchanged(isolated_config):
    isolated_config.parent.mkdir(parents=True)
    broken = '{"mcpServers": {"a": {"command": "x",}}}\n'
    isolated_config.write_text(broken)
    for args in (["mcp", "add", "b", "--", "y"], ["mcp", "list"], ["mcp", "remove", "a"]):
        done = looptune(*args)
        assert done.returncode == 2
        assert f"{isolated_config}:1:" in done.stderr and "invalid JSON" in done.stderr
    assert isolated_config.read_text() == broken


def test_mcp_list_remove_and_import(tmp_path, isolated_config):
    claude = tmp_path / "claude_desktop_config.json"
    claude.write_text(json.dumps({"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}}}))
    imported = looptune("mcp", "import", str(claude))
    assert imported.returncode == 0 and "1 added, 0 replaced, 0 skipped" in imported.stdout
    again = looptune("mcp", "import", str(claude))
    assert "skipped time" in again.stdout
    listed = looptune("mcp", "list")
    assert "time" in listed.stdout and "uvx mcp-server-time" in listed.stdout
    assert looptune("mcp", "remove", "time").returncode == 0
    assert json.loads(isolated_config.read_text())["mcpServers"] == {}
    missing = looptune("mcp", "remove", "time")
    assert missing.returncode == 2 and "no server named 'time'" in missing.stderr


def test_mcp_add_needs_a_command_or_a_url():
    done = looptune("mcp", "add", "nothing")
    assert done.returncode == 2 and "give either" in done.stderr


def test_mcp_add_http_server_with_headers_is_called_over_http(toy_http):
    added = looptune("mcp", "add", "web", "--url", toy_http, "--header", "X-Test=1")
    assert added.returncode == 0
    done = looptune("mcp", "call", "web__echo", '{"text": "via http"}')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "via http"


def test_a_failing_call_exits_non_zero_with_the_reason_on_stderr():
    add_toy()
    done = looptune("mcp", "call", "toy__add", '{"a": 1}')
    assert done.returncode == 1
    assert "missing required argument 'b'" in done.stderr


def test_mcp_call_reaches_a_server_whose_name_was_sanitized():
    add_toy("my.toy")
    done = looptune("mcp", "call", "my_toy__echo", '{"text": "found"}')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "found"
    unknown = looptune("mcp", "call", "nobody__echo")
    assert unknown.returncode == 2 and "no registry server exposes 'nobody__echo'" in unknown.stderr


def test_chat_reads_one_message_per_line_and_keeps_the_conversation(tmp_path):
    add_toy()
    turns = script(
        tmp_path,
        {"content": "Hello there."},
        {"tool_calls": [{"name": "toy__echo", "arguments": {"text": "x"}}]},
        {"content": "Echoed."},
    )
    done = looptune("chat", "--backend", "scripted", "--script", turns, stdin="hi\necho x please\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Hello there.", "Echoed."]


def test_run_with_the_openai_backend_drives_a_real_server_end_to_end():
    from tests.fake_openai import FakeCall, FakeOpenAI, Reply, text

    add_toy()
    with FakeOpenAI() as model:
        model.script(
            Reply(calls=[FakeCall("c1", "toy__add", ['{"a": 20', ', "b": 22}'])]), text("The answer ", "is 42.")
        )
        done = looptune("run", "add 20 and 22", "--backend", "openai", "--base-url", model.base_url, "--model", "m")
        sent = model.requests
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The answer is 42."
    assert "toy__add" in {t["function"]["name"] for t in sent[0]["tools"]}
    assert sent[1]["messages"][-1] == {"role": "tool", "tool_call_id": "c1", "content": "42.0"}


def test_run_against_an_unreachable_openai_server_says_so_in_one_line():
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/v1"
    done = looptune("run", "hi", "--backend", "openai", "--base-url", url, "--model", "m")
    assert done.returncode == 1
    assert f"error: cannot reach {url}" in done.stderr
    assert "Traceback" not in done.stderr


def test_eval_takes_the_task_file_back_from_a_greedy_adapter_list(tmp_path):
    from agent.cli.main import parse_args

    args = parse_args(["eval", "--adapter", "none", "five.jsonl", "-o", "runs/x"])
    assert (args.tasks, args.adapter) == ("five.jsonl", ["none"])
    sweep = parse_args(["eval", "t.jsonl", "--adapter", "a", "b", "-o", "r"])
    assert (sweep.tasks, sweep.adapter) == ("t.jsonl", ["a", "b"])
    missing = looptune("eval", "--adapter", "out/a", "-o", "r")
    assert missing.returncode == 2 and "the following arguments are required: TASKS" in missing.stderr


def test_run_help_shows_every_sampling_flag_with_its_default():
    done = looptune("run", "--help")
    text = " ".join(done.stdout.split())
    for needle in (
        "PROMPT what to ask; the agent answers with tools, then exits",
        "--max-steps MAX_STEPS model turns before the run stops (default 16)",
        "--temperature TEMPERATURE sampling temperature (default: the backend's; local: greedy)",
        "--max-tokens MAX_TOKENS tokens per model turn (default: the backend's",
        "--seed SEED sampling seed (default: none, unseeded)",
    ):
        assert needle in text, needle


def test_an_unknown_backend_lists_what_is_available_and_where_oracle_works():
    from agent.backends import BackendError, create_backend

    with pytest.raises(BackendError) as unknown:
        create_backend("nope")
    assert str(unknown.value) == (
        "unknown backend 'nope'; available: local, openai, scripted "
        "(and oracle, in `looptune eval` and `looptune traces generate`)"
    )
    with pytest.raises(BackendError, match=r"^--backend oracle plays each task's expected_calls"):
        create_backend("oracle")


def test_mcp_add_stores_the_interpreter_that_will_run_a_bare_python(isolated_config):
    # PATH without the venv: a bare `python` there is not the interpreter that has mcp_server_time.
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "agent.cli.main", "mcp"]
    added = subprocess.run([*command, "add", "time", "--", "python", "-m", "mcp_server_time"], env=env, **RUN)
    assert added.returncode == 0, added.stderr
    stored = json.loads(isolated_config.read_text())["mcpServers"]["time"]
    assert stored["command"] == sys.executable and stored["args"] == ["-m", "mcp_server_time"]
    assert f"python -> {sys.executable}" in " ".join(added.stdout.split())
    listed = subprocess.run([*command, "tools", "time"], env=env, **RUN)
    assert listed.returncode == 0 and "time__get_current_time" in listed.stdout


def test_mcp_add_stores_a_bare_command_as_its_absolute_path_and_warns_about_one_not_found(isolated_config):
    git = looptune("mcp", "add", "g", "--", "git", "--version")
    assert git.returncode == 0 and json.loads(isolated_config.read_text())["mcpServers"]["g"]["command"] == (
        shutil.which("git")
    )
    ghost = looptune("mcp", "add", "ghost", "--", "no-such-server-xyz", "--flag")
    assert ghost.returncode == 0 and "no-such-server-xyz is not on PATH" in ghost.stderr
    assert json.loads(isolated_config.read_text())["mcpServers"]["ghost"]["command"] == "no-such-server-xyz"


def test_mcp_tools_for_a_server_that_fails_to_start_says_so_instead_of_an_empty_table():
    added = looptune("mcp", "add", "broken", "--", sys.executable, "-m", "no_such_module_xyz")
    assert added.returncode == 0, added.stderr
    done = looptune("mcp", "tools", "broken")
    assert done.returncode == 1
    assert "server 'broken' failed to start" in done.stderr and "No module named no_such_module_xyz" in done.stderr
    assert "tool" not in done.stdout  # no table header over nothing


def small_vocab_model(out: Path, tokenizer_dir: Path, size: int = 512) -> Path:
    """A tiny Llama whose tokenizer is the bundled one cut to its first `size` tokens (a fast GGUF to convert)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    data = json.loads((tokenizer_dir / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = {token: i for token, i in data["model"]["vocab"].items() if i < size}
    data["model"]["vocab"] = vocab
    data["model"]["merges"] = [
        m for m in data["model"]["merges"] if m[0] in vocab and m[1] in vocab and "".join(m) in vocab
    ]
    data["added_tokens"] = [t for t in data["added_tokens"] if t["id"] < size]
    out.mkdir()
    (out / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    for name in ("tokenizer_config.json", "chat_template.jinja"):
        shutil.copy(tokenizer_dir / name, out / name)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=size, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=2,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(out)
    return out


def test_the_first_start_on_a_gguf_shows_real_progress_where_the_cache_goes_and_its_size(
    tmp_path, tiny_model_dir, monkeypatch
):
    import gguf

    from agent.models.source import resolve
    from training.sft.gguf_export import write_gguf

    model = write_gguf(small_vocab_model(tmp_path / "small", tiny_model_dir), tmp_path / "tiny.gguf")
    tensors = len(gguf.GGUFReader(str(model)).tensors)
    cache = tmp_path / "cache"
    monkeypatch.setenv("LOOPTUNE_CACHE_DIR", str(cache))
    load = "import sys; from agent.models import loader, source; loader.load_model(source.resolve(sys.argv[1]))"
    done = subprocess.run([sys.executable, "-c", load, str(model)], **RUN)
    assert done.returncode == 0, done.stderr
    [converted] = (cache / "models").iterdir()  # no staging directory left beside it
    size = sum(f.stat().st_size for f in converted.rglob("*") if f.is_file())
    text = " ".join(done.stderr.split())
    assert f"first use of tiny.gguf: converting it once to an fp32 copy in {converted}" in text
    assert re.search(rf"reading GGUF metadata\W+[0-9:]+ \W+ dequantising tensors\W+{tensors}/{tensors} tensors", text)
    assert re.search(r"writing the fp32 copy\W+[0-9]+ MiB", text)
    assert f"cached tiny ({size / 2**20:.0f} MiB) at {converted}" in text
    assert resolve(str(model)).directory == converted  # later starts load the cache
