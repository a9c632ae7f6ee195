"""The bundled Hermes chat template and template selection, checked with the real bundled tokenizer."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.messages import ToolSpec, parse_messages
from agent.toolcalls import (
    ParsedCall,
    arguments_json,
    choose,
    hermes_template,
    render,
    render_text,
    template_inputs,
)
from agent.toolcalls import supports_tools as supports
from agent.toolcalls.parsers import hermes
from tests.toolcall_strategies import CALLS, HERMES_CONTENT

TOOLS = [
    ToolSpec.model_validate(
        {
            "type": "function",
            "function": {
                "name": "tasks__add_task",
                "description": "Add a task.",
                "parameters": {
                    "type": "object",
                    "properties": {"title": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}},
                    "required": ["title"],
                },
            },
        }
    ),
    ToolSpec.model_validate({"type": "function", "function": {"name": "calc__evaluate", "description": "Évalue."}}),
]
EPISODE = parse_messages(
    [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Add 'buy milk', then tell me 2+2."},
        {
            "role": "assistant",
            "content": "On it.",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "tasks__add_task", "arguments": '{"title": "buy milk"}'},
                },
                {
                    "id": "c2",
                    "type": "function",
                    "function": {"name": "calc__evaluate", "arguments": '{"expression":"2+2"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "Added task 1: buy milk"},
        {"role": "tool", "tool_call_id": "c2", "content": [{"type": "text", "text": "4"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c3", "type": "function", "function": {"name": "calc__evaluate", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c3", "content": "error: expression is required"},
        {"role": "assistant", "content": [{"type": "text", "text": "Added. 2+2 is 4."}]},
    ]
)
ASSISTANT_TURNS = [
    'On it.\n<tool_call>\n{"name": "tasks__add_task", "arguments": {"title":"buy milk"}}\n</tool_call>\n'
    '<tool_call>\n{"name": "calc__evaluate", "arguments": {"expression":"2+2"}}\n</tool_call><|im_end|>',
    '<tool_call>\n{"name": "calc__evaluate", "arguments": {}}\n</tool_call><|im_end|>',
    "Added. 2+2 is 4.<|im_end|>",
]


def text_of(tokenizer, messages, tools=None, **kwargs) -> str:
    return render_text(tokenizer, messages, tools, chat_template=hermes_template(), **kwargs)


def test_the_template_ships_inside_the_package_and_is_read_once():
    shipped = files("agent.toolcalls").joinpath("hermes.jinja")
    assert shipped.is_file()
    assert hermes_template() is hermes_template()
    assert hermes_template() == shipped.read_text(encoding="utf-8")
    assert "{%- generation -%}" in hermes_template() and "{%- endgeneration -%}" in hermes_template()


def test_a_plain_chat_renders_byte_identical_to_the_bundled_models_own_template(bundled_tokenizer):
    chat = parse_messages([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}])
    ours = text_of(bundled_tokenizer, chat, add_generation_prompt=False)
    theirs = bundled_tokenizer.apply_chat_template([m.to_wire() for m in chat], tokenize=False)
    assert ours == theirs
    assert ours.startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face")


def test_tools_are_one_minified_json_line_each_inside_the_system_turn(bundled_tokenizer):
    text = text_of(bundled_tokenizer, EPISODE[:2], TOOLS)
    system = text.split("<|im_end|>")[0]
    lines = system.split("<tools>\n")[1].split("\n</tools>")[0].split("\n")
    assert lines == [json.dumps(t.to_wire(), ensure_ascii=False, separators=(",", ":")) for t in TOOLS]
    assert system.startswith("<|im_start|>system\nBe brief.\n\n")
    assert system.endswith('Call one with:\n<tool_call>\n{"name": <name>, "arguments": {...}}\n</tool_call>')


def test_the_tool_instructions_stay_within_a_small_token_budget(bundled_tokenizer):
    with_tools = render(bundled_tokenizer, EPISODE[:2], TOOLS, chat_template=hermes_template())
    without = render(bundled_tokenizer, EPISODE[:2], None, chat_template=hermes_template())
    specs = "\n".join(json.dumps(t.to_wire(), ensure_ascii=False, separators=(",", ":")) for t in TOOLS)
    overhead = len(with_tools) - len(without) - len(bundled_tokenizer(specs, add_special_tokens=False)["input_ids"])
    assert overhead <= 48


def test_tools_without_a_system_message_still_get_a_system_turn(bundled_tokenizer):
    text = text_of(bundled_tokenizer, EPISODE[1:2], TOOLS)
    assert text.startswith("<|im_start|>system\nYou are a helpful assistant.\n\nYou may call these tools:\n<tools>\n")


def test_a_whole_episode_renders_exactly(bundled_tokenizer):
    text = text_of(bundled_tokenizer, EPISODE, add_generation_prompt=False)
    assert text == (
        "<|im_start|>system\nBe brief.<|im_end|>\n"
        "<|im_start|>user\nAdd 'buy milk', then tell me 2+2.<|im_end|>\n"
        f"<|im_start|>assistant\n{ASSISTANT_TURNS[0]}\n"
        "<|im_start|>user\n<tool_response>\nAdded task 1: buy milk\n</tool_response>\n"
        "<tool_response>\n4\n</tool_response><|im_end|>\n"
        f"<|im_start|>assistant\n{ASSISTANT_TURNS[1]}\n"
        "<|im_start|>user\n<tool_response>\nerror: expression is required\n</tool_response><|im_end|>\n"
        f"<|im_start|>assistant\n{ASSISTANT_TURNS[2]}\n"
    )


def test_the_generation_prompt_opens_an_assistant_turn(bundled_tokenizer):
    assert text_of(bundled_tokenizer, EPISODE[:2]).endswith("<|im_end|>\n<|im_start|>assistant\n")


def test_the_assistant_mask_covers_exactly_the_assistant_turns_and_their_end_tokens(bundled_tokenizer):
    wire, specs = template_inputs(EPISODE, TOOLS)  # what a trainer hands to apply_chat_template
    out = bundled_tokenizer.apply_chat_template(
        wire,
        tools=specs,
        chat_template=hermes_template(),
        return_dict=True,
        return_assistant_tokens_mask=True,
        tokenize=True,
    )
    ids, mask = out["input_ids"], out["assistant_masks"]
    spans, current = [], []
    for token, masked in zip(ids, mask, strict=True):
        if masked:
            current.append(token)
        elif current:
            spans.append(bundled_tokenizer.decode(current))
            current = []
    assert spans == ASSISTANT_TURNS


def test_each_steps_prompt_is_a_strict_token_prefix_of_the_next_steps_prompt(bundled_tokenizer):
    steps = [2, 5, 7]  # after the user turn, after the grouped results, after the last result
    prompts = [render(bundled_tokenizer, EPISODE[:k], TOOLS, chat_template=hermes_template()) for k in steps]
    final = render(bundled_tokenizer, EPISODE, TOOLS, chat_template=hermes_template(), add_generation_prompt=False)
    for shorter, longer in zip(prompts, [*prompts[1:], final], strict=True):
        assert len(shorter) < len(longer) and longer[: len(shorter)] == shorter


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=CALLS, content=HERMES_CONTENT, spaced=st.booleans())
def test_the_template_trains_on_exactly_the_text_the_hermes_parser_renders(
    bundled_tokenizer, calls: list[ParsedCall], content: str | None, spaced: bool
):
    dump = json.dumps if spaced else arguments_json  # how a trace wrote its arguments does not matter
    tool_calls = [
        {"id": f"c{i}", "type": "function", "function": {"name": c.name, "arguments": dump(c.arguments)}}
        for i, c in enumerate(calls)
    ]
    user = parse_messages([{"role": "user", "content": "go"}])
    turn = parse_messages([{"role": "assistant", "content": content, "tool_calls": tool_calls or None}])
    prompt = text_of(bundled_tokenizer, user, TOOLS)
    full = text_of(bundled_tokenizer, user + turn, TOOLS, add_generation_prompt=False)
    assert full == prompt + hermes.render(calls, content) + "<|im_end|>\n"


@pytest.mark.parametrize(
    "output",
    [
        '<tool_call>\n{"name": "calc__evaluate", "arguments": {"expression" "2+2"}}\n</tool_call>',
        '<tool_call>{"name": "calc__evaluate"} trailing</tool_call>',
        '<tool_call>\n{"name": "calc__evaluate", "argu',
    ],
)
def test_a_malformed_hermes_call_re_renders_as_exactly_one_call_block(bundled_tokenizer, output: str):
    error = hermes.parse(output).errors[0]
    assert hermes.OPEN not in error.raw and hermes.CLOSE not in error.raw
    call = {"id": "c0", "type": "function", "function": {"name": "calc__evaluate", "arguments": error.raw}}
    turn = parse_messages([{"role": "assistant", "content": None, "tool_calls": [call]}])
    text = text_of(bundled_tokenizer, turn, add_generation_prompt=False).split("<|im_start|>assistant\n")[1]
    assert text.count(hermes.OPEN) == 1 and text.count(hermes.CLOSE) == 1
    assert text == hermes.call_prefix("calc__evaluate") + error.raw + hermes.CALL_SUFFIX + "<|im_end|>\n"


QWEN_LIKE = (
    "{%- if tools %}{{- '<tools>' }}{%- for tool in tools %}{{- tool | tojson }}{%- endfor %}"
    "{{- '</tools> return <tool_call>{\"name\": ..}</tool_call>' }}{%- endif %}"
)
LLAMA31_LIKE = (
    '{%- if tools is not none %}{{- \'Respond in the format {"name": function name, "parameters": dict}\' }}'
    "{%- endif %}{{- '<|python_tag|>' }}"
)
PYTHONIC_LIKE = "{%- if tools %}{{- 'Respond in the format [func_name1(params_name1=params_value1)]' }}{%- endif %}"
UNKNOWN_TOOLS = "{%- for tool in tools %}{{- tool.function.name }}{%- endfor %}"


@pytest.mark.parametrize(
    ("template", "parser"),
    [(QWEN_LIKE, "hermes"), (LLAMA31_LIKE, "llama3_json"), (PYTHONIC_LIKE, "pythonic")],
)
def test_a_template_that_renders_tools_is_kept_with_the_parser_its_format_needs(template: str, parser: str):
    assert supports(template)
    assert choose(template) == (template, parser)


def test_the_bundled_models_template_does_not_render_tools_so_the_hermes_template_is_used(bundled_tokenizer):
    assert not supports(bundled_tokenizer.chat_template)
    assert choose(bundled_tokenizer.chat_template) == (hermes_template(), "hermes")


@pytest.mark.parametrize("template", [None, "", UNKNOWN_TOOLS, "{# tools are not supported #}{{ messages }}"])
def test_no_template_or_an_unknown_tool_format_falls_back_to_the_hermes_template(template: str | None):
    assert choose(template) == (hermes_template(), "hermes")
