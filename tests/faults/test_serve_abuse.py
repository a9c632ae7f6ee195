"""Abuse of `looptune serve`: wrong keys, bad bodies, floods, clients that leave, hostile sizes and paths, taken ports.

Each case is driven over real HTTP (the official `openai` client where it
can be). Most share one served tiny model behind an API key; after each
case it must still answer. A busy model and an unforeseen bug are stood in
for by backends that implement the real interface (a gate the test opens,
an error nothing expects), served by the real app under uvicorn. Key and
address rules are checked on the `looptune serve` command itself.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from functools import partial

import anyio
import httpx
import pytest

from agent.backends.base import BackendEvent, ChatRequest, Completion, TextDelta, Usage
from agent.messages import AssistantMessage
from agent.serve.app import ServeSettings, build_app
from agent.serve.models import ServedModels
from tests.serving import TIMEOUT_S, TOOLS, Server, ask, client, model_id, running, serve_argv

openai = pytest.importorskip("openai")

KEY = "s3cret"


@pytest.fixture(scope="module")
def guarded(tiny_model_dir) -> Iterator[Server]:
    with running(tiny_model_dir, "--api-key", KEY) as server:
        yield server


@pytest.fixture
def http(guarded: Server) -> Iterator[httpx.Client]:
    """A keep-alive HTTP client that sends the right key."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=guarded.url, headers=headers, timeout=TIMEOUT_S) as session:
        yield session


def _model(server: Server) -> str:
    return model_id(server.url, KEY)


def _still_serves(server: Server) -> None:
    reply = client(server.url, KEY).chat.completions.create(model=_model(server), messages=ask("Hi."), max_tokens=2)
    assert reply.choices[0].finish_reason == "length"


def test_an_api_key_guards_every_route_but_health(guarded):
    with pytest.raises(openai.AuthenticationError, match="missing or wrong API key"):
        client(guarded.url, "wrong").models.list()
    for path in ("/chat/completions", "/load_lora_adapter", "/unload_lora_adapter"):
        keyless = httpx.post(guarded.url + path, json={}, timeout=TIMEOUT_S)
        assert keyless.status_code == 401, path
    assert httpx.get(guarded.root + "/health", timeout=TIMEOUT_S).json() == {"status": "ok"}
    assert [m.id for m in client(guarded.url, KEY).models.list().data] == [_model(guarded)]


def test_bad_requests_get_openai_error_objects_and_the_server_keeps_serving(guarded, http):
    model = _model(guarded)
    named_missing = {"type": "function", "function": {"name": "missing"}}
    cases = [
        (http.post("/chat/completions", content=b"{not json"), 400, None),
        (http.post("/chat/completions", json={"model": model}), 400, "messages"),
        (http.post("/chat/completions", json={"model": model, "messages": ask("x"), "n": 2}), 400, "n"),
        (http.post("/chat/completions", json={"model": "nope", "messages": ask("x")}), 404, "model"),
        (
            http.post(
                "/chat/completions",
                json={"model": model, "messages": ask("x"), "tools": TOOLS, "tool_choice": named_missing},
            ),
            400,
            "tool_choice",
        ),
        (http.post("/chat/completions", content=b"x" * (5 * 2**20)), 413, None),
        (http.get("/nowhere"), 404, None),
    ]
    for response, status, param in cases:
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["message"] and error["param"] == param
        assert error["type"] == ("not_found_error" if status == 404 else "invalid_request_error")
    long = [{"role": "user", "content": "word " * 3000}]
    with pytest.raises(openai.BadRequestError, match="context window"):
        client(guarded.url, KEY).chat.completions.create(model=model, messages=long)
    _still_serves(guarded)


def test_a_client_leaving_mid_stream_does_not_stop_the_server(guarded, http):
    body = {"model": _model(guarded), "messages": ask("Hi."), "max_tokens": 1500, "stream": True}
    with http.stream("POST", "/chat/completions", json=body) as response:
        next(response.iter_lines())
    # The abandoned generation stops; the next request runs (a wedged model would time this out).
    _still_serves(guarded)


def test_a_busy_server_answers_429_with_retry_after_and_serves_the_one_in_line():
    # The model is held busy by a gated backend for exactly as long as the case needs: a real model
    # could finish its turn before the line fills, and the case would prove nothing.
    backend = _Gated()
    app = build_app(backend, ServedModels(backend, "gated", None), ServeSettings(max_waiting=1))
    body = {"model": "gated", "messages": ask("Hi.")}
    with _in_thread(app) as url, ThreadPoolExecutor(3) as pool:
        post = partial(httpx.post, f"{url}/chat/completions", json=body, timeout=TIMEOUT_S)
        running_one = pool.submit(post)
        assert backend.entered.wait(TIMEOUT_S), "the first request never reached the model"
        contenders = [pool.submit(post), pool.submit(post)]  # one place in line: one of them is refused
        done, _ = wait(contenders, timeout=TIMEOUT_S, return_when=FIRST_COMPLETED)
        [refused] = [f.result() for f in done]
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1", refused.text
        assert refused.json()["error"]["type"] == "rate_limit_error"
        backend.gate.set()
        served = [running_one.result(TIMEOUT_S)] + [f.result(TIMEOUT_S) for f in contenders if f not in done]
        assert [r.status_code for r in served] == [200, 200]


def test_a_folder_that_is_not_an_adapter_is_refused_with_400_naming_lora_path(guarded, http, tmp_path):
    bad = http.post("/load_lora_adapter", json={"lora_name": "x", "lora_path": str(tmp_path)})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "lora_path"
    assert [m.id for m in client(guarded.url, KEY).models.list().data] == [_model(guarded)]


def test_a_taken_port_is_a_one_line_error_before_the_model_loads(tiny_model_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = serve_argv(tiny_model_dir, "--port", str(port))
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 2
    assert f"looptune: cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr


def test_a_seed_beyond_64_bits_is_a_400_naming_seed_and_the_connection_stays_usable(guarded, http):
    body = {"model": _model(guarded), "messages": ask("Hi."), "max_tokens": 2}
    refused = http.post("/chat/completions", json={**body, "seed": 2**80})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["param"] == "seed"
    assert http.post("/chat/completions", json={**body, "seed": -(2**63)}).status_code == 200  # same connection


class _Backend:
    """What serve asks of a backend beyond `stream`: closing and adapters, which these fakes do not have."""

    async def aclose(self) -> None:
        pass

    def load_adapter(self, path: str, name: str | None = None) -> str:
        return name or path

    def use_adapter(self, name: str | None) -> None:
        pass

    def unload_adapter(self, name: str | None = None) -> None:
        pass


class _Gated(_Backend):
    """A backend whose turns wait until the test opens the gate: the model is busy exactly as long as wanted."""

    name = "gated"

    def __init__(self) -> None:
        self.entered, self.gate = threading.Event(), threading.Event()

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        self.entered.set()
        await anyio.to_thread.run_sync(self.gate.wait, TIMEOUT_S, abandon_on_cancel=True)
        yield Completion(AssistantMessage(content="done"), usage=Usage(1, 1))


class _Crashing(_Backend):
    """A backend whose every turn fails with an error nothing expects: a stand-in for a bug not yet found."""

    name = "crashing"

    async def stream(self, request: ChatRequest) -> AsyncIterator[BackendEvent]:
        raise ValueError("an unforeseen bug")
        yield TextDelta("")  # unreachable: makes this an async generator, as a backend's stream is


@contextmanager
def _in_thread(app) -> Iterator[str]:
    """Uvicorn serving `app` on a free loopback port from a thread; yields the base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical", lifespan="off"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not server.started:  # a flag uvicorn sets; polling it bounds the wait without a fixed sleep
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=TIMEOUT_S)
        sock.close()


def test_an_unexpected_error_is_a_500_error_object_and_the_keep_alive_connection_survives_it():
    backend = _Crashing()
    app = build_app(backend, ServedModels(backend, "crashing", None))
    body = {"model": "crashing", "messages": ask("Hi.")}
    with _in_thread(app) as url, httpx.Client(base_url=url, timeout=TIMEOUT_S) as http:
        for _ in range(2):  # the second request rides the same connection
            crashed = http.post("/chat/completions", json=body)
            assert crashed.status_code == 500
            assert crashed.json()["error"]["type"] == "server_error"
            assert "an unforeseen bug" in crashed.json()["error"]["message"]
        streamed = http.post("/chat/completions", json={**body, "stream": True})
        assert streamed.status_code == 200
        events = [line.removeprefix("data: ") for line in streamed.text.splitlines() if line.startswith("data: ")]
        assert "an unforeseen bug" in json.loads(events[-2])["error"]["message"] and events[-1] == "[DONE]"
        assert http.get("/models").json()["data"][0]["id"] == "crashing"


def test_a_body_nested_100k_deep_is_a_400_and_the_server_keeps_serving(guarded, http):
    for deep in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
        refused = http.post("/chat/completions", content=deep)
        assert refused.status_code == 400, refused.text
        assert "nest" in refused.json()["error"]["message"]
    schema: dict = {"type": "object"}
    for _ in range(300):  # parses, but deeper than the tool template's serializer goes
        schema = {"type": "object", "properties": {"a": schema}}
    tools = [{"type": "function", "function": {"name": "deep", "parameters": schema}}]
    refused = http.post("/chat/completions", json={"model": _model(guarded), "messages": ask("x"), "tools": tools})
    assert refused.status_code == 400, refused.text[:300]
    assert refused.json()["error"]["param"] == "tools"
    _still_serves(guarded)


def test_a_5000_character_lora_path_is_a_400_naming_lora_path_in_one_short_line(guarded, http):
    for path in ("a" * 5000, "/" + "b" * 300 + "/adapter", "nul\0byte"):
        refused = http.post("/load_lora_adapter", json={"lora_name": "long", "lora_path": path})
        assert refused.status_code == 400, refused.text[:300]
        error = refused.json()["error"]
        assert error["param"] == "lora_path" and len(error["message"]) < 400
    assert [m.id for m in client(guarded.url, KEY).models.list().data] == [_model(guarded)]


def _serve(*flags: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`looptune serve` that is expected to refuse before loading a model (the model path does not exist)."""
    argv = serve_argv("/nonexistent/model", "--port", "0", *flags)
    environ = {**os.environ, "LOOPTUNE_API_KEY": "", **(env or {})}
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, env=environ)


def test_serving_beyond_loopback_without_a_key_is_refused_in_one_line_before_anything_loads():
    for host in ("0.0.0.0", "192.0.2.7", "myhost.example"):
        done = _serve("--host", host)
        assert done.returncode == 2, done.stderr
        [line] = done.stderr.strip().splitlines()
        assert line.startswith("looptune: ") and "--insecure" in line and "LOOPTUNE_API_KEY" in line


def test_only_loopback_hosts_count_as_this_machine():
    from agent.serve.access import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "127.8.9.1", "localhost", "LOCALHOST", "::1", "[::1]"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.2", "192.0.2.7", "myhost.example", ""]))


def test_insecure_serves_every_address_without_a_key_and_says_so_on_stderr(tiny_model_dir):
    with running(tiny_model_dir, "--host", "0.0.0.0", "--insecure") as server:
        port = server.url.split(":")[-1].removesuffix("/v1")
        assert client(f"http://127.0.0.1:{port}/v1").models.list().data
    assert "without an API key" in "".join(server.log)


def test_the_key_can_come_from_the_environment_so_it_stays_out_of_the_process_list(tiny_model_dir):
    with running(tiny_model_dir, "--host", "0.0.0.0", env={"LOOPTUNE_API_KEY": KEY}) as server:
        port = server.url.split(":")[-1].removesuffix("/v1")
        local = f"http://127.0.0.1:{port}/v1"
        with pytest.raises(openai.AuthenticationError):
            client(local, "wrong").models.list()
        assert client(local, KEY).models.list().data
        base = f"looptune chat --backend openai --base-url {server.url} --model {_model(server)}"
        assert server.hint == f'OPENAI_API_KEY="$LOOPTUNE_API_KEY" {base}'  # the key by name, never its value


def test_a_key_file_that_is_missing_empty_or_given_with_a_key_flag_is_a_one_line_error(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    for flags, needle in [
        (("--api-key-file", str(tmp_path / "missing")), "missing"),
        (("--api-key-file", str(empty)), "empty"),
        (("--api-key-file", str(tmp_path)), str(tmp_path)),
    ]:
        done = _serve(*flags)
        assert done.returncode == 2, done.stderr
        [line] = done.stderr.strip().splitlines()
        assert line.startswith("looptune: ") and needle in line
    both = _serve("--api-key", "k", "--api-key-file", str(empty))
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_error_codes_are_openai_style_strings_or_null_never_the_http_status(guarded, http):
    model = _model(guarded)
    chat = {"model": model, "messages": ask("x")}
    cases = [
        (http.post("/chat/completions", content=b"{not json"), None),
        (http.post("/chat/completions", json={"model": model}), "missing_required_parameter"),
        (http.post("/chat/completions", json={"model": model, "messages": "x"}), "invalid_type"),
        (http.post("/chat/completions", json={"model": model, "messages": []}), "empty_array"),
        (http.post("/chat/completions", json={**chat, "n": 2}), "integer_above_max_value"),
        (http.post("/chat/completions", json={**chat, "temperature": 3}), "decimal_above_max_value"),
        (http.post("/chat/completions", json={**chat, "tool_choice": "sometimes"}), "invalid_value"),
        (http.post("/chat/completions", json={**chat, "model": "nope"}), "model_not_found"),
        (http.post("/chat/completions", content=b"x" * (5 * 2**20)), None),
        (http.get("/nowhere"), None),
        (httpx.get(f"{guarded.url}/models", timeout=TIMEOUT_S), "invalid_api_key"),
    ]
    for response, code in cases:
        assert response.json()["error"]["code"] == code, response.text
    with pytest.raises(openai.BadRequestError) as caught:
        client(guarded.url, KEY).chat.completions.create(model=model, messages=ask("x"), n=3)
    assert caught.value.code == "integer_above_max_value" and caught.value.param == "n"


def test_a_response_format_that_cannot_be_honoured_is_a_400_naming_it(guarded, http):
    chat = {"model": _model(guarded), "messages": ask("x"), "max_tokens": 2}
    schema = {"name": "bad", "schema": {"type": "object", "properties": {"a": {"type": "nonsense"}}}}
    cases = [
        ({"type": "yaml"}, "response_format.type"),
        ({"type": "json_schema"}, "response_format.json_schema"),
        ({"type": "json_schema", "json_schema": schema}, "response_format.json_schema.schema"),
        ({"type": "json_schema", "json_schema": {"name": "list", "schema": {"type": "array"}}}, None),
    ]
    for response_format, param in cases:
        refused = http.post("/chat/completions", json={**chat, "response_format": response_format})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["param"] == (param or "response_format.json_schema.schema"), refused.text
    with_tools = http.post(
        "/chat/completions", json={**chat, "tools": TOOLS, "response_format": {"type": "json_object"}}
    )
    assert with_tools.status_code == 400 and with_tools.json()["error"]["param"] == "response_format"
    _still_serves(guarded)
