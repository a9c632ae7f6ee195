"""Tool shortlisting: the words it matches, which tools it keeps, and the loop and serve showing only those."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest

from agent.backends.base import ChatRequest
from agent.backends.scripted import ScriptedBackend
from agent.cli.agent_setup import loop_config
from agent.cli.main import build_parser
from agent.environments import fresh_environment
from agent.hub import Hub
from agent.loop import AgentLoop, LoopConfig
from agent.messages import AssistantMessage, FunctionCall, FunctionSpec, ToolCall, ToolSpec, UserMessage
from agent.serve.app import ServeSettings, build_app
from agent.serve.models import ServedModels
from agent.shortlist import DEFAULT_K, DEFAULT_METHOD, get_method, shortlist, shortlisted
from agent.shortlist.text import words
from eval.tasks import load_tasks
from tests.conftest import toy_config

pytestmark = pytest.mark.anyio


def spec(name: str, description: str = "", **params: str) -> ToolSpec:
    properties = {key: {"type": "string", "description": text} for key, text in params.items()}
    return ToolSpec(function=FunctionSpec(name=name, description=description, parameters={"properties": properties}))


TOOLS = [
    spec("notes__addNote", "Save a note.", text="the note"),
    spec("weather__get-forecast", "Weather forecast for a city.", city="city name"),
    spec("money__fx.convert", "Convert an amount between currencies.", amount="amount", currency="ISO code"),
    spec("timer__start_timer", "Start a countdown timer.", minutes="how long"),
    spec("files__delete_file", "Delete a file.", path="file path"),
]
LEXICAL = get_method("lexical")
HELDOUT = Path(__file__).parents[1] / "docs" / "results" / "heldout-test.jsonl"


class Recording(ScriptedBackend):
    """The scripted backend, keeping every request it was sent (what the model would have seen)."""

    def __init__(self, turns) -> None:
        super().__init__(turns)
        self.requests: list[ChatRequest] = []

    async def stream(self, request: ChatRequest):
        self.requests.append(request)
        async for event in super().stream(request):
            yield event

    def use_adapter(self, name: str | None) -> None:
        """Serve switches adapters through this; a scripted model has none."""


def names(tools: list[ToolSpec]) -> list[str]:
    return [t.name for t in tools]


def test_identifiers_split_on_snake_camel_kebab_and_dots_and_words_are_stemmed():
    assert words("notes__addNote weather__get-forecast money__fx.convert") == [
        "note",
        "add",
        "note",
        "weather",
        "forecast",
        "money",
        "fx",
        "convert",
    ]
    assert words("deleting deleted delete files") == ["delet", "delet", "delet", "file"]
    assert words("an 18% tip on $64.50") == ["number", "percent", "tip", "money", "number"]


def test_the_best_matching_tools_are_kept_in_the_mounted_order():
    ask = [UserMessage(content="Please start a 10 minute countdown, then tell me the forecast for Oslo")]
    assert names(shortlist(ask, TOOLS, 2, LEXICAL)) == ["weather__get-forecast", "timer__start_timer"]


def test_a_typo_still_finds_its_tool_through_trigrams():
    ask = [UserMessage(content="convrt 20 dollars to currencys")]
    assert names(shortlist(ask, TOOLS, 1, LEXICAL)) == ["money__fx.convert"]


def test_a_tool_called_earlier_in_the_conversation_stays_listed():
    call = ToolCall(id="c1", function=FunctionCall(name="files__delete_file", arguments='{"path": "a"}'))
    history = [
        UserMessage(content="delete a"),
        AssistantMessage(tool_calls=[call]),
        UserMessage(content="what is the weather forecast in Rome?"),
    ]
    # Kept on top of the k best: the model may need it again, and this turn's tool must not be crowded out.
    assert names(shortlist(history, TOOLS, 1, LEXICAL)) == ["weather__get-forecast", "files__delete_file"]


def test_the_latest_user_turn_outweighs_earlier_ones():
    history = [
        UserMessage(content="start a timer"),
        AssistantMessage(content="Started."),
        UserMessage(content="now the weather forecast"),
    ]
    assert names(shortlist(history, TOOLS, 1, LEXICAL)) == ["weather__get-forecast"]


def test_a_request_no_tool_fits_still_gets_k_tools_and_k_0_gets_all():
    chat = [UserMessage(content="tell me a joke")]
    assert len(shortlist(chat, TOOLS, 3, LEXICAL)) == 3
    assert shortlisted(chat, TOOLS, 0, "lexical") == TOOLS


def test_an_unknown_method_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown shortlist method 'nope'"):
        get_method("nope")


async def run_toy(turns, config: LoopConfig, messages) -> tuple[Recording, object]:
    backend = Recording(turns)
    async with Hub({"toy": toy_config()}) as hub:
        with anyio.fail_after(30):
            result = await AgentLoop(backend, hub, config).run(messages)
    return backend, result


async def test_the_loop_shows_the_model_only_k_tools_every_step_and_the_trace_records_them():
    turns = [{"tool_calls": [{"name": "toy__add", "arguments": {"a": 2, "b": 3}}]}, {"content": "5"}]
    config = LoopConfig(shortlist_k=3)
    backend, result = await run_toy(turns, config, [UserMessage(content="add the numbers 2 and 3")])
    shown = [names(r.tools) for r in backend.requests]
    assert len(shown) == 2 and shown[0] == shown[1] and len(shown[0]) == 3 and "toy__add" in shown[0]
    trace = result.trace
    assert names(trace.tools) == shown[0]
    assert trace.meta["shortlist"]["tools"] == shown[0] and trace.meta["shortlist"]["k"] == 3
    assert trace.meta["shortlist"]["mounted"] > 3


async def test_shortlist_0_shows_every_mounted_tool():
    backend, result = await run_toy([{"content": "hi"}], LoopConfig(shortlist_k=0), [UserMessage(content="hi")])
    async with Hub({"toy": toy_config()}) as hub:
        mounted = names(hub.specs())
    assert names(backend.requests[0].tools) == mounted and len(mounted) > 6
    assert "shortlist" not in result.trace.meta


async def test_a_tool_the_conversation_called_before_stays_in_the_next_runs_list():
    earlier = ToolCall(id="c1", function=FunctionCall(name="toy__echo", arguments='{"text": "x"}'))
    messages = [
        UserMessage(content="echo x"),
        AssistantMessage(tool_calls=[earlier]),
        AssistantMessage(content="x"),
        UserMessage(content="add the numbers 2 and 3"),
    ]
    backend, _ = await run_toy([{"content": "5"}], LoopConfig(shortlist_k=2), messages)
    assert set(names(backend.requests[0].tools)) >= {"toy__echo", "toy__add"}


async def test_serve_narrows_the_tools_a_request_carries_with_the_same_code():
    backend = Recording([{"content": "ok"}, {"content": "ok"}])
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "what's the forecast for Oslo?"}],
        "tools": [t.to_wire() for t in TOOLS],
    }
    for k, expected in ((2, 2), (0, len(TOOLS))):
        app = build_app(backend, ServedModels(backend, "m", None), ServeSettings(shortlist_k=k))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            reply = await http.post("/v1/chat/completions", json=body)
        assert reply.status_code == 200, reply.text
        assert len(backend.requests[-1].tools) == expected
    assert "weather__get-forecast" in names(backend.requests[0].tools)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "hi"],
        ["chat"],
        ["eval", "tasks.jsonl", "-o", "out"],
        ["traces", "generate", "--tasks", "t.jsonl", "-o", "out"],
        ["serve"],
    ],
)
def test_every_command_that_shows_a_model_tools_defaults_to_the_same_shortlist(argv):
    args = build_parser().parse_args(argv)
    assert (args.shortlist, args.shortlist_method) == (DEFAULT_K, DEFAULT_METHOD)
    assert build_parser().parse_args([*argv, "--shortlist", "0"]).shortlist == 0


def test_run_flags_reach_the_loop_config_and_a_negative_k_is_refused(capsys):
    args = build_parser().parse_args(["run", "hi", "--shortlist", "4", "--shortlist-method", "lexical"])
    config = loop_config(args)
    assert (config.shortlist_k, config.shortlist_method) == (4, "lexical")
    assert loop_config(build_parser().parse_args(["run", "hi", "--shortlist", "0"])).shortlist_k == 0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "hi", "--shortlist", "-1"])
    assert "expected 0 (off) or more tools" in capsys.readouterr().err


async def test_recall_on_held_out_requests_with_every_bundled_server_mounted_stays_above_a_floor():
    # The first 40 held-out tasks (phrasings never trained on); bench/shortlist_recall.py has the full table.
    tasks = [t for t in load_tasks(HELDOUT)[:40] if t.plan]
    async with fresh_environment() as hub:
        mounted = hub.specs()
    method = get_method(DEFAULT_METHOD)
    hits = sum({u.name for u in t.plan} <= set(names(shortlist(t.messages, mounted, DEFAULT_K, method))) for t in tasks)
    assert len(mounted) > 3 * DEFAULT_K and hits / len(tasks) >= 0.9


def test_expansion_learned_from_training_finds_a_tool_that_shares_no_word_with_the_request():
    ask = [UserMessage(content="change 20 yen into pounds")]  # the tool says "currencies", not "yen"
    assert names(shortlist(ask, TOOLS, 1, get_method("expanded"))) == ["money__fx.convert"]
    assert names(shortlist(ask, TOOLS, 1, LEXICAL)) != ["money__fx.convert"]
