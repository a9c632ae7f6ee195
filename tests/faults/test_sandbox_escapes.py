"""Attacks on the sandbox server: runs that try to escape, exhaust the host, read secrets or reach the network.

What this host allows (a network namespace, a user of its own per run) is
probed the same way the server probes it; tests that depend on it assert the
isolated behaviour when it is available and the documented fallback when not,
and record which case ran as the `isolation_case` property.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import anyio
import pytest

from agent.hub import Hub
from agent.registry import ServerConfig
from mcp_servers import sandbox
from mcp_servers.sandbox import isolation, limits, proctable
from tests.faults.bundled import SANDBOX_SECRET as SECRET
from tests.faults.bundled import alive, kill_all, python, sandbox_hub, still_runs, with_marker
from tests.faults.bundled import run_python as run

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
HOST = isolation.probe()
SWEEPS_ESCAPES = HOST.own_user or HOST.pid_isolated or bool(HOST.namespaces & isolation.CLONE_NEWUSER)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def hub():
    async with sandbox_hub() as hub:
        yield hub


async def test_the_servers_environment_and_its_secret_are_invisible(hub):
    outcome = await run(hub, "import os, json\nprint(json.dumps(dict(os.environ)))")
    env = json.loads(outcome.structured["stdout"])
    assert sorted(env) == ["HOME", "LANG", "PATH", "TMPDIR"]
    assert SECRET not in outcome.text and "hunter2" not in outcome.text
    await still_runs(hub)


async def test_an_infinite_loop_times_out_and_its_whole_process_group_is_killed(hub, record_property):
    marker = f"looptune-loop-{uuid.uuid4().hex}"
    code = (
        "import subprocess, sys\n"
        f"sleeper = [sys.executable, '-c', 'import time; time.sleep(600)', {marker!r}]\n"
        "child = subprocess.Popen(sleeper)\n"
        "escaped = subprocess.Popen(sleeper + ['escaped'], start_new_session=True)\n"
        "print('started', flush=True)\n"
        "while True:\n    pass\n"
    )
    started = time.monotonic()
    outcome = await run(hub, code, timeout_s=1)
    left = with_marker(marker)
    try:
        assert outcome.structured["stdout"] == "started\n"
        assert outcome.structured["timed_out"] is True and outcome.structured["exit_code"] == -9
        assert "timed out: yes" in outcome.text
        assert time.monotonic() - started < 8
        record_property("isolation_case", "setsid escape swept" if SWEEPS_ESCAPES else "setsid escape survives")
        assert len(left) == (0 if SWEEPS_ESCAPES else 1)
    finally:
        kill_all(left)
    await still_runs(hub)


async def test_a_cancelled_call_kills_its_run_at_once_instead_of_at_the_timeout(hub):
    # The run holds a FIFO open for writing while it sleeps: reading reaches EOF exactly when it dies.
    shared = Path(tempfile.mkdtemp(prefix="looptune-fifo-"))
    shared.chmod(0o777)  # the run may have a uid of its own
    fifo = shared / "alive"
    os.mkfifo(fifo)
    fifo.chmod(0o666)
    code = f"f = open({str(fifo)!r}, 'w')\nf.write('started\\n')\nf.flush()\nimport time\ntime.sleep(60)\n"
    try:
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                tg.start_soon(hub.call, "sandbox__run_python", {"code": code, "timeout_s": 60})
                reader = await anyio.to_thread.run_sync(open, fifo, abandon_on_cancel=True)
                assert await anyio.to_thread.run_sync(reader.readline, abandon_on_cancel=True) == "started\n"
                tg.cancel_scope.cancel()
        with anyio.fail_after(10):
            assert await anyio.to_thread.run_sync(reader.read, abandon_on_cancel=True) == ""
        reader.close()
    finally:
        shutil.rmtree(shared)
    await still_runs(hub)


async def test_a_fork_bomb_is_bounded_ends_at_the_timeout_and_leaves_nothing(hub):
    code = (
        "import os\nprint(os.getuid(), os.getpgid(0), os.readlink('/proc/self/ns/pid'), flush=True)\n"
        "while True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    started = time.monotonic()
    outcome = await run(hub, code, timeout_s=1)
    uid, pgid, namespace = outcome.structured["stdout"].split()
    assert outcome.structured["timed_out"] is True
    assert time.monotonic() - started < 8
    # Inside a PID namespace of its own the run sees its group as 0; then what counts is that namespace.
    assert proctable.running(pgid=int(pgid)) == [] if pgid != "0" else proctable.running(pidns=namespace) == []
    if HOST.own_user:
        assert int(uid) != os.getuid() and proctable.running(uid=int(uid)) == []
    await still_runs(hub)


async def test_a_memory_hog_gets_a_memory_error_and_it_is_reported(hub):
    outcome = await run(hub, "block = bytearray(4 * 1024 ** 3)\nprint('allocated')")
    assert outcome.structured["exit_code"] != 0 and "allocated" not in outcome.structured["stdout"]
    assert "MemoryError" in outcome.structured["stderr"]
    await still_runs(hub)


async def test_a_file_over_the_size_limit_cannot_be_written(hub):
    code = f"with open('big', 'wb') as big:\n    big.write(b'x' * {2 * limits.FILE_BYTES})\nprint('written')"
    outcome = await run(hub, code)
    assert "File too large" in outcome.structured["stderr"] and outcome.structured["stdout"] == ""
    await still_runs(hub)


async def test_a_connection_to_a_port_the_host_listens_on_fails_without_network(hub, record_property):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        code = (
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n    print('connected')\n"
            "except OSError as exc:\n    print('failed:', exc)\n"
        )
        outcome = await run(hub, code)
        description = hub.tool("sandbox__run_python").tool.description
        if HOST.network_isolated:
            record_property("isolation_case", "network namespace")
            assert outcome.structured["stdout"].startswith("failed:")
            assert "no network" in description
            with pytest.raises(BlockingIOError):
                listener.accept()
        else:
            record_property("isolation_case", "no network namespace (documented fallback)")
            assert "network NOT isolated on this host" in description
            assert outcome.structured["stdout"] == "connected\n"
    await still_runs(hub)


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
async def test_output_flooding_is_capped_and_the_run_killed_at_once(hub, stream):
    started = time.monotonic()
    outcome = await run(hub, f"import sys\nwhile True:\n    sys.{stream}.write('x' * 1000)", timeout_s=20)
    assert outcome.structured["timed_out"] is False and outcome.structured["exit_code"] == -9
    assert outcome.structured["flooded"] is True and outcome.structured["timeout_s"] == 20
    assert len(outcome.structured[stream]) == limits.OUTPUT_BYTES
    assert f"{stream} passed the 64 KB output limit; the run was killed" in outcome.text
    assert time.monotonic() - started < 10
    await still_runs(hub)


async def test_files_outside_world_writable_places_are_protected_when_runs_have_their_own_user(hub, record_property):
    if not HOST.own_user:
        record_property("isolation_case", "runs as the server's user (not root): no file protection")
        pytest.skip("runs keep the server's user on this host; file protection needs root")
    record_property("isolation_case", "own user")
    target = REPO / "sandbox-was-here.txt"
    outcome = await run(hub, f"open({str(target)!r}, 'w').write('x')")
    assert "PermissionError" in outcome.structured["stderr"] and not target.exists()


async def test_a_slow_run_does_not_hold_up_other_calls(hub):
    finished: list[str] = []

    async def call(name: str, code: str, timeout_s: float) -> None:
        await run(hub, code, timeout_s)
        finished.append(name)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            group.start_soon(call, "slow", "while True:\n    pass", 1)
            await anyio.wait_all_tasks_blocked()
            group.start_soon(call, "quick", "print(1)", 10)
    assert finished == ["quick", "slow"]


async def test_in_process_the_servers_own_environment_stays_hidden(monkeypatch):
    monkeypatch.setenv(SECRET, "in-process-secret")
    with anyio.fail_after(30):
        async with Hub({"sandbox": ServerConfig(factory="mcp_servers.sandbox:build")}) as hub:
            tool = hub.tool("sandbox__run_python").tool
            outcome = await hub.call("sandbox__run_python", {"code": "import os\nprint(sorted(os.environ))"})
    assert outcome.structured["stdout"] == "['HOME', 'LANG', 'PATH', 'TMPDIR']\n"
    assert tool.annotations.destructive_hint is False and tool.annotations.open_world_hint is False


SCAN_PROCESSES = """
import os
readable, seen = 0, []
for name in filter(str.isdigit, os.listdir('/proc')):
    try:
        with open(f'/proc/{name}/cmdline', 'rb') as cmdline:
            text = cmdline.read().replace(b'\\0', b' ').decode(errors='replace')
    except OSError:
        continue
    readable += 1
    seen.append(text)
print(readable)
print('\\n'.join(seen))
"""


def _isolation_allowed() -> bool:
    # CAP_SYS_ADMIN (bit 21 of the effective set) lets the server make PID and mount namespaces as root.
    status = Path("/proc/self/status").read_text()
    effective = next(line.split()[1] for line in status.splitlines() if line.startswith("CapEff:"))
    return bool(int(effective, 16) >> 21 & 1)


async def test_other_processes_and_the_secrets_in_their_command_lines_are_invisible_to_a_run(hub, record_property):
    secret = f"s3cret-{uuid.uuid4().hex}"
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "--api-key", secret])
    try:
        outcome = await run(hub, SCAN_PROCESSES)
    finally:
        bystander.kill()
        bystander.wait(timeout=10)
    readable = int(outcome.structured["stdout"].split("\n", 1)[0])
    if not HOST.pid_isolated:
        assert not _isolation_allowed(), f"this host allows a PID namespace, yet: {HOST.shortfalls}"
        record_property("isolation_case", "no PID namespace (documented fallback)")
        assert "other processes are visible" in hub.tool("sandbox__run_python").tool.description
        pytest.skip(f"no PID namespace on this host: {'; '.join(HOST.shortfalls)}")
    record_property("isolation_case", "PID namespace")
    assert secret not in outcome.text and secret not in outcome.structured["stdout"]
    assert readable <= 3, outcome.structured["stdout"]  # its own namespace's first process and itself


async def test_a_run_that_daemonizes_leaves_nothing_running_after_the_call(hub):
    marker = f"looptune-daemon-{uuid.uuid4().hex}"
    code = (
        "import os, subprocess, sys\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', {marker!r}],\n"
        "                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        "print('daemon started')\n"
    )
    outcome = await run(hub, code)
    left = with_marker(marker)
    kill_all(left)
    assert outcome.structured["stdout"] == "daemon started\n" and outcome.structured["exit_code"] == 0
    assert left == []
    await still_runs(hub)


async def test_a_run_that_signals_its_parent_its_group_and_every_process_leaves_the_server_and_others_running(hub):
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    code = (
        "import os, signal\n"
        "for target in (os.getppid(), -1, 0):\n"
        "    try:\n"
        "        os.kill(target, signal.SIGKILL)\n"
        "    except OSError as exc:\n"
        "        print(target, exc, flush=True)\n"
    )
    try:
        outcome = await run(hub, code)
        assert alive(bystander.pid)
    finally:
        bystander.kill()
        bystander.wait(timeout=10)
    assert outcome.structured["exit_code"] == -9  # the last kill, of its own group, ends the run itself
    await still_runs(hub)


AS_ANOTHER_USER = """
import json, os, subprocess, sys, uuid
from mcp_servers.sandbox import isolation, runner
code, uid = sys.argv[1], int(sys.argv[2])
os.setgroups([])
os.setgid(uid)
os.setuid(uid)
host = isolation.probe()
report = {"pid_isolated": host.pid_isolated, "shortfalls": list(host.shortfalls)}
if host.pid_isolated:
    secret = uuid.uuid4().hex
    bystander = subprocess.Popen([host.python, "-c", "import time; time.sleep(60)", secret])
    run = runner.run(code, 10, host)
    report |= {"stdout": run.stdout, "secret_seen": secret in run.stdout, "bystander": bystander.poll() is None}
    bystander.kill()
print(json.dumps(report))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="the server already runs without root in this module's other tests")
def test_without_root_a_run_sees_and_signals_none_of_the_users_other_processes(record_property):
    # The server started as an ordinary user: no uid of its own for runs, so only namespaces keep them apart.
    # Before PID namespaces, kill(-1) from a run killed the server and every other process of its user.
    code = SCAN_PROCESSES + "import signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
    uid = str(isolation.UID_RANGE[0] - 1)
    done = subprocess.run(
        [sys.executable, "-c", AS_ANOTHER_USER, code, uid], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    if not report["pid_isolated"]:
        record_property("isolation_case", "no PID namespace without root (documented fallback)")
        pytest.skip(f"this host gives an ordinary user no PID namespace: {'; '.join(report['shortfalls'])}")
    record_property("isolation_case", "PID namespace in a user namespace")
    assert not report["secret_seen"] and int(report["stdout"].split()[0]) <= 3
    assert report["bystander"], "the run killed a process of the server's user"


async def test_a_host_that_allows_no_namespaces_says_so_in_the_tool_description_and_the_startup_log(
    monkeypatch, caplog
):
    # Such a host cannot be made here, so the probe's answer is replaced by what it would say there.
    shortfall = "no PID namespace: the kernel refused unshare(CLONE_NEWPID|CLONE_NEWNS)"
    weak = isolation.Confinement(HOST.python, own_user=False, namespaces=0, shortfalls=(shortfall,))
    monkeypatch.setattr(sandbox, "probe", lambda: weak)
    with caplog.at_level(logging.INFO, logger="looptune.sandbox"), anyio.fail_after(30):
        async with Hub({"sandbox": ServerConfig(factory="mcp_servers.sandbox:build")}) as hub:
            description = hub.tool("sandbox__run_python").tool.description
            outcome = await run(hub, "print('still runs')")
    assert "other processes are visible, command lines included (no PID namespace on this host)" in description
    assert "network NOT isolated on this host" in description
    assert f"isolation: {shortfall}" in [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert outcome.structured["stdout"] == "still runs\n"


SERVER_RUNNING = """
import sys, tempfile
from mcp_servers.sandbox import isolation, runner
code, tempfile.tempdir = sys.argv[1:]
print("running", flush=True)
runner.run(code, 50, isolation.probe())
"""


def test_a_run_ends_when_the_server_running_it_is_killed(record_property):
    # A chat that exits abruptly takes its servers down with SIGKILL: nothing a run started may outlive them.
    tag = uuid.uuid4().hex
    marker = f"looptune-orphan-{tag}"
    code = (  # the marker is assembled in the run, so the server's own argv does not hold it
        "import subprocess, sys, time\n"
        f"sleeper = [sys.executable, '-c', 'import time; time.sleep(600)', 'looptune-orphan-' + {tag!r}]\n"
        "subprocess.Popen(sleeper, start_new_session=True)\n"
        "time.sleep(600)\n"
    )
    # Not in tmp_path, which the run's user cannot enter; removed here, since the killed server cannot.
    folders = Path(tempfile.mkdtemp(prefix="looptune-test-"))
    folders.chmod(0o755)
    server = python(SERVER_RUNNING, code, str(folders))
    try:
        assert server.stdout is not None and server.stdout.readline() == "running\n"
        deadline = time.monotonic() + 20
        while len(with_marker(marker)) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert with_marker(marker), "the run never started its sleeper"
        server.kill()
        server.communicate(timeout=10)
        while with_marker(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = with_marker(marker)
    finally:
        kill_all(with_marker(marker))
        shutil.rmtree(folders, ignore_errors=True)
    if not HOST.pid_isolated:
        record_property("isolation_case", "no PID namespace: a setsid child outlives a killed server")
        pytest.skip(f"no PID namespace on this host: {'; '.join(HOST.shortfalls)}")
    assert left == []
