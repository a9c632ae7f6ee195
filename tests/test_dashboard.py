"""The dashboard `looptune serve` answers at `/`, in headless Chromium (Playwright driving Debian's `chromium`).

One server per module, with an API key, on a tiny model taught (tests/tiny.teach) to answer "What is 2 plus
3?" by calling the registry's `calc__evaluate` and then saying the result; the registry it reads mounts only
the bundled calc server. A browser signs in, pastes JSONL (a bad line first, then good ones), watches the job
reach succeeded and its loss curve draw, and chats with the tuned model in the playground, whose tool call
runs on the real calc server. Screenshots go to $LOOPTUNE_TEST_ARTIFACTS (else the test's tmp dir).
Waits are Playwright's bounded waits, never sleeps.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving import Server, running

KEY = "dashboard-test-key"
PROMPT = "What is 2 plus 3?"
ANSWER = "2 plus 3 is 5."
JOB_WAIT_MS = 150_000  # a tiny job: ~10 s of imports, then seconds of training
WAIT_MS = 30_000
# The module's server is built in the first test's setup: teaching the tiny model and starting the server and
# its MCP servers take most of a minute on a busy 2-core CI, and a job then trains in a process of its own.
pytestmark = pytest.mark.timeout(300)
# CI sets this so a missing browser fails the run instead of skipping the dashboard's tests.
REQUIRED = os.environ.get("LOOPTUNE_REQUIRE_BROWSER") == "1"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def calc_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mcp_servers import bundled_servers

    path = tmp_path_factory.mktemp("registry") / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {n: {"disabled": True} for n in bundled_servers() if n != "calc"}}))
    return path


@pytest.fixture(scope="module")
def lesson(calc_registry: Path) -> dict[str, Any]:
    """The trace the model learns, built from the calc server's own tool specs and answer (as the page sends them)."""
    from agent.registry.store import load_registry
    from training.service.dashboard.toolbox import Toolbox

    toolbox = Toolbox(lambda: load_registry(calc_registry).enabled())
    try:
        tools = [t["spec"] for t in toolbox.tools()]
        result = toolbox.call("calc__evaluate", {"expression": "2+3"}).text
    finally:
        toolbox.close()
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "calc__evaluate", "arguments": '{"expression": "2+3"}'},
    }
    messages = [
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
        {"role": "assistant", "content": ANSWER},
    ]
    return {"messages": messages, "tools": tools}


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, bundled_tokenizer, calc_registry: Path, lesson: dict[str, Any]
) -> Iterator[Server]:
    from tests.tiny import teach

    model = teach(tmp_path_factory.mktemp("calc-model"), bundled_tokenizer, [lesson])
    env = {"LOOPTUNE_API_KEY": KEY, "LOOPTUNE_MCP_CONFIG": str(calc_registry)}
    with running(model, "--data-dir", str(tmp_path_factory.mktemp("service")), env=env) as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not REQUIRED and (chromium() is None or shutil.which("playwright") is None and not _has_playwright()):
        pytest.skip("no Chromium or Playwright here (CI installs both: .ci/run)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    executable = chromium()
    assert executable, "chromium is not installed (apt-get install chromium)"
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


def _has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(base_url=server.root, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def sign_in(page: Any, key: str = KEY) -> None:
    page.fill("#key", key)
    page.click("button[type=submit]")


def shot(page: Any, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LOOPTUNE_TEST_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def jsonl(records: list[Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


# --- the key, without a browser


def test_a_wrong_key_is_a_401_on_every_dashboard_route_and_a_browser_gets_the_sign_in_form(server):
    routes = ["/", "/jobs/new", "/models", "/playground", "/dashboard/hardware", "/dashboard/tools"]
    routes += ["/dashboard/static/app.js", "/jobs/ftjob-000000000000000000000000"]
    with httpx.Client(base_url=server.root, timeout=30) as http:
        for route in routes:
            assert http.get(route, headers={"Authorization": "Bearer wrong"}).status_code == 401, route
            cookie = {"Cookie": "looptune_key=wrong"}
            assert http.get(route, headers=cookie).status_code == 401, route
        refused = http.get("/models", headers={"Accept": "text/html"})
        assert refused.status_code == 401 and 'name="next" value="/models"' in refused.text
        assert http.post("/dashboard/tools/call", json={"name": "calc__evaluate"}).status_code == 401
        assert http.get("/", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_the_hardware_panel_reports_cpu_memory_and_each_gpu_torch_sees(server):
    with httpx.Client(base_url=server.root, timeout=30, headers={"Authorization": f"Bearer {KEY}"}) as http:
        machine = http.get("/dashboard/hardware").json()
    assert machine["cpu"]["count"] == os.cpu_count() and 0 <= machine["cpu"]["percent"] <= 100
    assert 0 < machine["memory"]["used"] < machine["memory"]["total"]
    import torch

    assert len(machine["gpus"]) == (torch.cuda.device_count() if torch.cuda.is_available() else 0)
    assert all(gpu["memory_used"] <= gpu["memory_total"] for gpu in machine["gpus"])


def test_signing_in_sets_an_http_only_strict_cookie_and_goes_back_only_to_this_server(server):
    with httpx.Client(base_url=server.root, timeout=30) as http:
        wrong = http.post("/login", data={"key": "wrong", "next": "/models"})
        assert wrong.status_code == 401 and "not this server" in wrong.text and "set-cookie" not in wrong.headers
        right = http.post("/login", data={"key": KEY, "next": "//evil.example/x"})
        assert right.status_code == 303 and right.headers["location"] == "/"
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert http.get("/models").status_code == 200  # the cookie alone lets it in
        assert http.post("/logout").status_code == 303
        assert http.get("/models").status_code == 401


# --- the browser


def test_the_browser_signs_in_at_the_page_it_asked_for(page, tmp_path):
    refused = page.goto("/models")
    assert refused.status == 401
    sign_in(page, "not the key")
    page.wait_for_selector("text=That is not this server's API key.")
    sign_in(page)
    page.wait_for_url("**/models")
    page.wait_for_selector("#models tbody tr")
    assert "looptune" in page.title()
    expect(page.locator("header button", has_text="Sign out")).to_be_visible()
    shot(page, "dashboard-models.png", tmp_path)


def test_a_job_from_pasted_jsonl_trains_draws_its_loss_and_its_model_calls_a_tool_in_the_playground(
    page, lesson, tmp_path
):
    page.goto("/jobs/new")
    sign_in(page)
    page.wait_for_url("**/jobs/new")

    bad = jsonl([lesson]) + '{"messages": [{"role": "user", "content": "no answer"}]}\n'
    page.fill("#jsonl", bad)
    page.click("#start")
    expect(page.locator("#report")).to_contain_text("line 2: ")
    assert page.url.endswith("/jobs/new")
    shot(page, "dashboard-validation.png", tmp_path)

    page.fill("#jsonl", jsonl([lesson] * 8))
    page.fill("#suffix", "calc")
    page.fill("#epochs", "2")
    page.click("#start")
    page.wait_for_url("**/jobs/ftjob-*")
    page.wait_for_selector("#status.succeeded", timeout=JOB_WAIT_MS)
    page.wait_for_function(
        "document.querySelector('#loss').complete && document.querySelector('#loss').naturalWidth > 0"
    )
    assert page.locator("#checkpoints tbody tr").count() >= 1
    assert page.locator("#events li").filter(has_text="successfully completed").count() == 1
    tuned = page.text_content("#tuned")
    assert tuned and tuned.startswith("ft:") and ":looptune:calc:" in tuned
    shot(page, "dashboard-job.png", tmp_path)

    page.click("#chat-link")
    page.wait_for_url("**/playground?model=*")
    expect(page.locator("#tools-status")).to_contain_text("2 tools")
    assert page.input_value("#model-select") == tuned
    page.fill("#prompt", PROMPT)
    page.click("#send")
    page.wait_for_selector(".message.tool .result:has-text('2+3 = 5')")
    page.wait_for_selector(f".message.assistant:has-text('{ANSWER}')")
    assert page.locator(".message.tool code").first.text_content() == "calc__evaluate"
    shot(page, "dashboard-playground.png", tmp_path)


@pytest.fixture(scope="module")
def tuned_job(server: Server, lesson: dict[str, Any]) -> str:
    """A succeeded job made through the API (the browser test makes its own from the form)."""
    from tests.serving import client
    from tests.test_finetune_api import until

    with client(server.url, KEY) as api:
        upload = api.files.create(file=("calc.jsonl", jsonl([lesson] * 4).encode()), purpose="fine-tune")
        job = api.fine_tuning.jobs.create(model=api.models.list().data[0].id, training_file=upload.id, suffix="eval")
        until(lambda: api.fine_tuning.jobs.retrieve(job.id).status == "succeeded", "the job to succeed")
    return job.id


def test_the_evaluate_button_runs_looptune_eval_on_a_task_file_and_shows_its_report(page, tuned_job, tmp_path):
    from tests.evalfiles import real_tasks

    tasks = real_tasks(tmp_path / "tasks.jsonl", n=2)
    page.goto(f"/jobs/{tuned_job}")
    sign_in(page)
    expect(page.locator("#status")).to_have_text("succeeded")
    page.set_input_files("#tasks", str(tasks))
    page.click("#evaluate-button")
    expect(page.locator("#evaluations tbody .status")).to_have_text("succeeded", timeout=JOB_WAIT_MS)
    expect(page.locator("#evaluations tbody")).to_contain_text("% of 2")
    page.click("#evaluations a:has-text('report')")
    expect(page.locator("#report-frame")).to_be_visible()
    expect(page.frame_locator("#report-frame").locator("body")).to_contain_text("completion")
    shot(page, "dashboard-evaluation.png", tmp_path)
