"""The backend seam: typed per-backend options, declared capabilities, and tool choices refused, never ignored."""

from __future__ import annotations

import shutil
from pathlib import Path

import anyio
import pytest

from agent.backends import BackendError, BackendOptions, ChatRequest, available_backends, create_backend
from agent.backends.base import (
    NO_CAPABILITIES,
    NamedChoice,
    NamedFunction,
    UnsupportedRequest,
    capabilities,
    complete,
    describe,
    hosts_adapters,
)
from agent.backends.local.backend import LocalBackend, LocalSettings
from agent.backends.openai import OpenAIBackend, OpenAIOptions
from agent.backends.scripted import ScriptedBackend
from agent.backends.settings import BackendSettings, LocalOptions, build_backend
from agent.messages import UserMessage
from agent.models.loader import load_model
from agent.models.source import resolve
from tests.test_local_backend import TOOLS

pytestmark = pytest.mark.anyio
WAIT = 60
ASK = [UserMessage(content="Mark task 3 done.")]
# A Qwen-style template: it renders tools itself (and writes calls in <tool_call> tags), so the bundled
# Hermes template and its grammar do not apply.
OWN_TEMPLATE = (
    "{% if tools %}<|im_start|>system\n{% for t in tools %}{{ t | tojson }}{% endfor %}<|im_end|>\n{% endif %}"
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}{# calls: <tool_call>{...}</tool_call> #}"
)


def local(model_dir: Path, **settings) -> LocalBackend:
    return LocalBackend(load_model(resolve(str(model_dir))), LocalSettings(**settings))


async def turn(backend: LocalBackend, **request):
    with anyio.fail_after(WAIT):
        return await complete(backend, ChatRequest(messages=ASK, **request))


# --- typed options


def test_a_backend_given_another_backend_s_options_refuses_them_naming_both():
    with pytest.raises(BackendError, match="the openai backend takes OpenAIOptions, not LocalOptions"):
        create_backend("openai", BackendOptions(backend_options=LocalOptions()))
    with pytest.raises(BackendError, match="the local backend takes LocalOptions, not OpenAIOptions"):
        create_backend("local", BackendOptions(backend_options=OpenAIOptions()))
    with pytest.raises(BackendError, match="the scripted backend takes no options, not LocalOptions"):
        create_backend("scripted", BackendOptions(script="s.jsonl", backend_options=LocalOptions()))


def test_the_openai_backend_reads_its_own_typed_options_and_defaults_without_them():
    given = create_backend("openai", BackendOptions(model="m", backend_options=OpenAIOptions(stream=False)))
    default = create_backend("openai", BackendOptions(model="m"))
    assert isinstance(given, OpenAIBackend) and isinstance(default, OpenAIBackend)
    assert (given.streaming, default.streaming) == (False, True)


def test_build_backend_hands_the_local_options_to_the_local_backend_typed(tiny_model_dir):
    options = LocalOptions(constrain=False, plain_decode=True, prefix_cache=False)
    backend = build_backend(BackendSettings(model=str(tiny_model_dir), adapter="none", local=options))
    assert isinstance(backend, LocalBackend)
    assert (backend.settings.constrain, backend.settings.draft_len, backend.settings.prefix_cache) == (False, 0, False)


def test_only_the_local_backend_gets_the_local_options_and_all_record_the_same_dict():
    assert BackendSettings(local=LocalOptions(quant="int4")).options() == LocalOptions(quant="int4")
    assert BackendSettings(backend="openai", local=LocalOptions(quant="int4")).options() is None
    recorded = {"constrain": True, "prefix_cache": True}  # fp32: as every run before --quant recorded it
    assert BackendSettings(local=LocalOptions(quant="fp32")).extra() == recorded
    assert BackendSettings(local=LocalOptions()).extra() == recorded | {"quant": "int4"}


# --- capabilities


class Bare:
    """A backend written against the bare protocol: it declares no capabilities, yet has a describe method."""

    name = "bare"

    async def stream(self, request: ChatRequest):
        yield None

    async def aclose(self) -> None:
        return None

    def describe(self) -> str:
        return "never asked: the class does not declare it"


def test_a_backend_that_declares_no_capabilities_has_none_and_its_name_describes_it():
    assert capabilities(Bare()) is NO_CAPABILITIES
    assert describe(Bare()) == "bare" and not hosts_adapters(Bare())


def test_the_built_in_backends_declare_their_capabilities_on_the_class():
    assert LocalBackend.capabilities.adapters and LocalBackend.capabilities.describes
    assert OpenAIBackend.capabilities.describes and not OpenAIBackend.capabilities.adapters
    assert capabilities(ScriptedBackend([])) == NO_CAPABILITIES
    assert describe(OpenAIBackend("gpt-x")) == "gpt-x" and describe(ScriptedBackend([])) == "scripted"


def test_a_third_party_backend_registered_as_an_entry_point_is_created_with_the_options(tmp_path, monkeypatch):
    (tmp_path / "thirdparty_backend.py").write_text(
        "class Echo:\n"
        "    name = 'echo'\n"
        "    def __init__(self, model):\n"
        "        self.model = model\n"
        "    async def stream(self, request):\n"
        "        yield None\n"
        "    async def aclose(self):\n"
        "        return None\n"
        "def create(options):\n"
        "    return Echo(options.model)\n"
    )
    info = tmp_path / "thirdparty_backend-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-backend\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[looptune.backends]\necho = thirdparty_backend:create\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    backend = create_backend("echo", BackendOptions(model="their-model"))
    assert "echo" in available_backends() and backend.model == "their-model"
    assert capabilities(backend) is NO_CAPABILITIES and describe(backend) == "echo"


# --- tool choices the local backend cannot honour


async def test_required_tool_choice_under_no_constrain_is_refused_naming_the_flag(tiny_model_dir):
    backend = local(tiny_model_dir, constrain=False)
    with pytest.raises(UnsupportedRequest, match=r"^tool_choice 'required' needs the constrained decoder: drop --no-c"):
        await turn(backend, tools=TOOLS, tool_choice="required", max_tokens=8)
    named = NamedChoice(function=NamedFunction(name="calc__evaluate"))
    with pytest.raises(UnsupportedRequest, match="tool_choice naming 'calc__evaluate' needs the constrained decoder"):
        await turn(backend, tools=TOOLS, tool_choice=named, max_tokens=8)
    assert (await turn(backend, tools=TOOLS, max_tokens=4)).usage.completion_tokens == 4  # auto still answers


async def test_required_tool_choice_on_a_model_with_its_own_template_is_refused(tmp_path, tiny_model_dir):
    own = shutil.copytree(tiny_model_dir, tmp_path / "own-template")
    (own / "chat_template.jinja").write_text(OWN_TEMPLATE)
    backend = local(own)
    assert backend.prompts.template == OWN_TEMPLATE
    with pytest.raises(UnsupportedRequest, match="renders tools with its own chat template") as refused:
        await turn(backend, tools=TOOLS, tool_choice="required", max_tokens=8)
    assert refused.value.param == "tool_choice" and "\n" not in str(refused.value)


async def test_a_required_call_without_tools_and_a_named_tool_not_offered_are_refused(tiny_model_dir):
    backend = local(tiny_model_dir)
    with pytest.raises(UnsupportedRequest, match="tool_choice 'required' needs tools, and the request has none"):
        await turn(backend, tool_choice="required", max_tokens=8)
    missing = NamedChoice(function=NamedFunction(name="files__delete"))
    with pytest.raises(UnsupportedRequest, match="tool_choice names 'files__delete', which is not in tools"):
        await turn(backend, tools=TOOLS, tool_choice=missing, max_tokens=8)


async def test_a_named_tool_choice_makes_even_a_random_model_call_that_tool(tiny_model_dir):
    backend = local(tiny_model_dir)
    named = NamedChoice(function=NamedFunction(name="tasks__complete_task"))
    done = await turn(backend, tools=TOOLS, tool_choice=named, max_tokens=80, seed=1)
    # The grammar offers only the named tool; a second call may be cut off by max_tokens (a parse error).
    finished = [call.name for call in done.message.calls if call.id not in done.parse_errors]
    assert finished and set(finished) == {"tasks__complete_task"}
