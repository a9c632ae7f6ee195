"""The local backend on a tiny random Llama with the real bundled tokenizer."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from agent.backends import BackendError, BackendOptions, ChatRequest, Completion, TextDelta, complete, create_backend
from agent.backends.local.backend import LocalBackend, LocalSettings
from agent.messages import AssistantMessage, FunctionCall, SystemMessage, ToolCall, ToolMessage, ToolSpec, UserMessage
from agent.models.loader import load_model
from agent.models.source import resolve

pytestmark = pytest.mark.anyio
WAIT = 60

TOOLS = [
    ToolSpec.model_validate(
        {
            "function": {
                "name": "calc__evaluate",
                "description": "Evaluate an arithmetic expression",
                "parameters": {
                    "type": "object",
                    "properties": {"expression": {"type": "string", "maxLength": 12}},
                    "required": ["expression"],
                },
            }
        }
    ),
    ToolSpec.model_validate(
        {
            "function": {
                "name": "tasks__complete_task",
                "description": "Mark a task done",
                "parameters": {
                    "type": "object",
                    "properties": {"task_id": {"type": "integer", "minimum": 1, "maximum": 99}},
                    "required": ["task_id"],
                },
            }
        }
    ),
]


def backend(model_dir: Path, **settings) -> LocalBackend:
    return LocalBackend(load_model(resolve(str(model_dir))), LocalSettings(**settings))


def conversation(turn: int) -> list:
    messages = [SystemMessage(content="You are terse."), UserMessage(content="What is 2+2? Then mark task 3 done.")]
    for i in range(turn):
        call = ToolCall(id=f"c{i}", function=FunctionCall(name="calc__evaluate", arguments='{"expression": "2+2"}'))
        messages += [AssistantMessage(content=None, tool_calls=[call]), ToolMessage(tool_call_id=f"c{i}", content="4")]
    return messages


async def turn(b: LocalBackend, messages: list, **request) -> Completion:
    with anyio.fail_after(WAIT):
        return await complete(b, ChatRequest(messages=messages, tools=TOOLS, **request))


async def test_reusing_the_prefix_cache_gives_the_same_greedy_tokens_as_prefilling_everything(tiny_model_dir):
    cached, fresh = backend(tiny_model_dir), backend(tiny_model_dir, prefix_cache=False)
    for step in range(3):
        a = await turn(cached, conversation(step), max_tokens=24)
        b = await turn(fresh, conversation(step), max_tokens=24)
        assert a.message == b.message
    assert cached.cache.hits >= 2
    assert cached.last_stats.prefill_tokens < fresh.last_stats.prefill_tokens


async def test_prompt_lookup_drafts_do_not_change_greedy_output(tiny_model_dir):
    drafted, plain = backend(tiny_model_dir, draft_len=8), backend(tiny_model_dir, draft_len=0)
    messages = [UserMessage(content="repeat: alpha beta gamma delta alpha beta gamma delta alpha beta")]
    a = await turn(drafted, messages, max_tokens=40)
    b = await turn(plain, messages, max_tokens=40)
    assert a.message == b.message
    assert drafted.last_stats.forwards <= plain.last_stats.forwards


async def test_text_the_grammar_forces_is_verified_as_a_draft_without_changing_the_call(tiny_model_dir):
    drafted, plain = backend(tiny_model_dir, draft_len=8), backend(tiny_model_dir, draft_len=0)
    a = await turn(drafted, conversation(0), tool_choice="required", max_tokens=60)
    b = await turn(plain, conversation(0), tool_choice="required", max_tokens=60)
    assert a.message.content == b.message.content and a.message.calls  # call ids are unique, so compare the rest
    assert [c.function for c in a.message.calls] == [c.function for c in b.message.calls]
    assert drafted.last_stats.accepted > 5
    assert drafted.last_stats.forwards < plain.last_stats.forwards


async def test_a_step_prefills_only_the_tokens_added_since_the_last_step(tiny_model_dir):
    b = backend(tiny_model_dir)
    prompts = [b.prompts.build(ChatRequest(messages=conversation(n), tools=TOOLS), 8).ids for n in (1, 2)]
    await turn(b, conversation(1), max_tokens=8)
    assert b.last_stats.prefill_tokens == len(prompts[0])
    await turn(b, conversation(2), max_tokens=8)
    assert b.last_stats.prefill_tokens == len(prompts[1]) - len(prompts[0])


async def test_a_new_episode_with_the_same_tools_reuses_the_system_prompt_cache(tiny_model_dir):
    b = backend(tiny_model_dir)
    await turn(b, conversation(0), max_tokens=4)
    other = [SystemMessage(content="You are terse."), UserMessage(content="Something else entirely.")]
    prompt = b.prompts.build(ChatRequest(messages=other, tools=TOOLS), 4)
    await turn(b, other, max_tokens=4)
    assert len(prompt.pinnable) > 150
    assert b.last_stats.prefill_tokens <= len(prompt.ids) - len(prompt.pinnable)


async def test_requests_without_a_system_message_share_the_default_system_turn_with_its_tools(tiny_model_dir):
    b = backend(tiny_model_dir)
    await turn(b, [UserMessage(content="What time is it in Lisbon?")], max_tokens=4)
    other = [UserMessage(content="Something else entirely.")]
    prompt = b.prompts.build(ChatRequest(messages=other, tools=TOOLS), 4)
    await turn(b, other, max_tokens=4)
    assert len(prompt.pinnable) > 150  # the template's default system turn, with every tool in it
    assert b.last_stats.prefill_tokens <= len(prompt.ids) - len(prompt.pinnable)


async def test_changing_the_tools_reuses_only_the_tokens_before_the_tool_list(tiny_model_dir):
    from agent.models.tokens import common_prefix

    b = backend(tiny_model_dir)
    before, after = (b.prompts.build(ChatRequest(messages=conversation(0), tools=t), 4) for t in (TOOLS, TOOLS[1:]))
    await turn(b, conversation(0), max_tokens=4)
    with anyio.fail_after(WAIT):
        done = await complete(b, ChatRequest(messages=conversation(0), tools=TOOLS[1:], max_tokens=4))
    assert done.usage.completion_tokens == 4
    shared = common_prefix(tuple(before.ids), tuple(after.ids))
    assert shared < len(after.pinnable)  # the cached system turn listed other tools: it is not reused
    assert b.last_stats.prefill_tokens == len(after.ids) - shared


async def test_forced_tool_call_streams_no_tool_call_text_and_returns_a_valid_call(tiny_model_dir):
    b = backend(tiny_model_dir)
    request = ChatRequest(messages=conversation(0), tools=TOOLS, tool_choice="required", max_tokens=80, seed=1)
    shown, done = "", None
    with anyio.fail_after(WAIT):
        async for event in b.stream(request):
            if isinstance(event, TextDelta):
                shown += event.text
            else:
                done = event
    assert "<tool_call" not in shown and "arguments" not in shown
    assert done.message.calls and done.finish_reason == "tool_calls"
    assert done.message.calls[0].name in {t.name for t in TOOLS}


async def test_the_same_seed_samples_the_same_turn_and_another_seed_differs(tiny_model_dir):
    b = backend(tiny_model_dir)
    messages = [UserMessage(content="Tell me something.")]
    runs = [await turn(b, messages, temperature=1.0, seed=s, max_tokens=16) for s in (7, 7, 8)]
    assert runs[0].message == runs[1].message
    assert runs[0].message != runs[2].message


async def test_max_tokens_and_stop_strings_end_the_turn(tiny_model_dir):
    b = backend(tiny_model_dir, constrain=False)
    messages = [UserMessage(content="Tell me something.")]
    sampled = {"temperature": 1.0, "seed": 5}
    done = await turn(b, messages, max_tokens=12, **sampled)
    assert done.usage.completion_tokens == 12 and done.finish_reason == "length"
    text = done.message.text
    assert len(text) >= 8  # the seeded sample of the fixed tiny model
    stop = text[4:8]
    cut = await turn(b, messages, max_tokens=12, stop=[stop], **sampled)
    assert cut.message.text == text[: text.find(stop)].strip()
    assert cut.usage.completion_tokens < 12


async def test_a_conversation_longer_than_the_context_drops_its_oldest_turns_with_a_notice(tiny_model_dir):
    b = backend(tiny_model_dir)
    b.prompts.context = 400
    messages = [SystemMessage(content="Be brief.")]
    for i in range(12):
        messages += [UserMessage(content=f"question {i} " * 8), AssistantMessage(content=f"answer {i} " * 8)]
    messages.append(UserMessage(content="last question"))
    done = await turn(b, messages, max_tokens=4)
    assert done.notices and "oldest messages" in done.notices[0]


async def test_a_single_message_longer_than_the_context_is_a_clear_error(tiny_model_dir):
    b = backend(tiny_model_dir)
    b.prompts.context = 300
    with pytest.raises(BackendError, match="context window is 300"):
        await turn(b, [UserMessage(content="word " * 400)], max_tokens=4)


def test_a_missing_model_path_is_a_one_line_error(tmp_path):
    with pytest.raises(BackendError, match="model not found"):
        create_backend("local", BackendOptions(model=str(tmp_path / "nope")))


def test_a_directory_without_config_is_not_a_model(tmp_path):
    with pytest.raises(BackendError, match="no config.json"):
        resolve(str(tmp_path))


def test_load_in_4bit_without_cuda_says_it_needs_a_gpu(tiny_model_dir):
    with pytest.raises(BackendError, match="needs a CUDA GPU"):
        load_model(resolve(str(tiny_model_dir)), device="cpu", load_in_4bit=True)


def test_a_gguf_of_an_unsupported_architecture_names_the_file(tmp_path):
    import gguf

    path = tmp_path / "odd.gguf"
    writer = gguf.GGUFWriter(str(path), "notallama")
    writer.add_block_count(1)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(BackendError, match=r"odd\.gguf: cannot load model"):
        create_backend("local", BackendOptions(model=str(path)))


def test_the_bundled_gguf_is_converted_once_and_later_loads_from_the_cache(bundled_tokenizer):
    from agent.models.source import bundled_gguf, converted_dir

    source = resolve("bundled")  # the fixture has loaded the bundled tokenizer, converting the GGUF if needed
    assert source.gguf_file is None and source.directory == converted_dir(bundled_gguf())
    assert (source.directory / "model.safetensors").is_file() and (source.directory / "tokenizer.json").is_file()
    assert not [p for p in source.directory.parent.iterdir() if p.name.startswith(".convert-")]


async def test_generation_stops_at_the_end_of_the_context_window(tiny_model_dir):
    b = backend(tiny_model_dir, constrain=False)
    b.prompts.context = 400
    messages = [UserMessage(content="Tell me something.")]
    prompt = b.prompts.build(ChatRequest(messages=messages, tools=TOOLS), 1000)
    done = await turn(b, messages, max_tokens=1000)
    assert done.usage.completion_tokens == prompt.room and done.finish_reason == "length"


def test_the_grammar_applies_only_to_the_bundled_template_s_call_format(bundled_tokenizer):
    import copy

    from agent.backends.local.prompt import PromptBuilder

    class Config:
        max_position_embeddings, vocab_size, eos_token_id = 2048, 49152, 2

    request = ChatRequest(messages=[UserMessage(content="hi")], tools=TOOLS)
    assert PromptBuilder(bundled_tokenizer, Config()).constraint(request) is not None
    own = copy.deepcopy(bundled_tokenizer)  # a Qwen-style template: its own tool rendering and JSON spacing
    own.chat_template = "{% for t in tools %}{{ t | tojson }}{% endfor %}<tool_call>{{ messages[0].content }}"
    builder = PromptBuilder(own, Config())
    assert builder.parser_name == "hermes" and builder.constraint(request) is None
