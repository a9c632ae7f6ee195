"""Schema-constrained tool calls: free text stays free, calls follow the mounted tools' schemas."""

from __future__ import annotations

import copy
import json
import logging
import re

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("xgrammar")

from agent.backends.local.constrain import (  # noqa: E402
    CallConstraint,
    ConstraintError,
    ToolGrammar,
    Trigger,
    apply_bitmask,
)
from agent.messages import FunctionSpec, ToolSpec  # noqa: E402
from agent.toolcalls import ParsedCall, arguments_json  # noqa: E402
from agent.toolcalls.parsers import hermes  # noqa: E402

VOCAB = 49152
SCHEMAS = {
    "calc__evaluate": {
        "type": "object",
        "properties": {"expression": {"type": "string", "maxLength": 6}},
        "required": ["expression"],
    },
    "tasks__add": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 5},
            "priority": {"enum": ["low", "normal", "high"], "default": "normal"},
            "done": {"type": "boolean"},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2},
        },
        "required": ["title"],
    },
    "files__move": {
        "type": "object",
        "properties": {
            "src": {
                "type": "object",
                "properties": {
                    "dir": {"enum": ["in", "out"]},
                    "depth": {"type": "integer", "minimum": 0, "maximum": 9},
                },
                "required": ["dir"],
            },
            "overwrite": {"type": "boolean", "default": False},
        },
        "required": ["src"],
    },
    "sql__count": {
        "type": "object",
        "$defs": {"Table": {"enum": ["items", "users"]}},
        "properties": {
            "table": {"$ref": "#/$defs/Table"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
        },
        "required": ["table"],
        "additionalProperties": False,
    },
    "sql__list_tables": {"type": "object", "properties": {}},
}
CALL = re.compile(r'<tool_call>\n(\{"name": .*?\})\n</tool_call>', re.DOTALL)


def spec(name: str, schema: object) -> ToolSpec:
    return ToolSpec(function=FunctionSpec(name=name, parameters=schema))


TOOLS = [spec(name, schema) for name, schema in SCHEMAS.items()]


@pytest.fixture(scope="module")
def grammar(bundled_tokenizer) -> ToolGrammar:
    return ToolGrammar.for_tools(bundled_tokenizer, TOOLS, vocab_size=VOCAB)


def feed(constraint: CallConstraint, ids: list[int]) -> None:
    for token_id in ids:
        constraint.mask(torch.zeros(VOCAB))
        constraint.accept(token_id)


def ended(constraint: CallConstraint, eos: int) -> bool:
    """The turn is over: only end-of-turn is allowed and accepting it again is an error."""
    if allowed_ids(constraint) != [eos]:
        return False
    with pytest.raises(ConstraintError, match="already ended"):
        constraint.accept(eos)
    return True


def allowed_ids(constraint: CallConstraint) -> list[int]:
    logits = constraint.mask(torch.zeros(constraint.grammar.vocab.size))
    return torch.isfinite(logits).nonzero().flatten().tolist()


def allowed(constraint: CallConstraint) -> set[str]:
    decoded = constraint.grammar.vocab.decoded
    return {decoded[i].decode(errors="replace") for i in allowed_ids(constraint)}


def only_prefixes(tokens: set[str], *continuations: str) -> bool:
    """Every token starts one of the continuations (or is a prefix of one)."""
    return all(any(c.startswith(t) or t.startswith(c) for c in continuations) for t in tokens)


def call_text(name: str, arguments: dict) -> str:
    """A call exactly as the template renders it: wrapper with spaces, minified arguments."""
    return hermes.render_call(ParsedCall(name, arguments))


def test_call_text_is_what_the_template_renders(bundled_tokenizer):
    from agent.messages import parse_messages
    from agent.toolcalls import hermes_template, render_text

    arguments = {"title": "milk", "tags": ["a", "b"], "note": 'é "q"'}
    call = {"id": "c0", "type": "function", "function": {"name": "tasks__add", "arguments": json.dumps(arguments)}}
    turn = parse_messages([{"role": "assistant", "content": None, "tool_calls": [call]}])
    text = render_text(bundled_tokenizer, turn, None, chat_template=hermes_template(), add_generation_prompt=False)
    assert text.endswith(f"<|im_start|>assistant\n{call_text('tasks__add', arguments)}<|im_end|>\n")
    assert arguments_json(arguments) in call_text("tasks__add", arguments)


def test_free_text_before_a_call_is_not_constrained(grammar, bundled_tokenizer):
    constraint = grammar.constraint()
    for token_id in bundled_tokenizer.encode("Sure, 2 < 3 and I can <b>help</b> with that."):
        logits = torch.randn(VOCAB)
        assert torch.equal(constraint.mask(logits.clone()), logits)
        constraint.accept(token_id)
    logits = torch.randn(VOCAB)
    assert torch.equal(constraint.mask(logits.clone()), logits) and constraint.forced_text() == ""
    constraint.accept(bundled_tokenizer.eos_token_id)
    assert ended(constraint, bundled_tokenizer.eos_token_id)


def test_an_opened_call_must_name_a_mounted_tool_and_follow_its_schema(grammar, bundled_tokenizer):
    constraint = grammar.constraint()
    feed(constraint, bundled_tokenizer.encode('Let me count. <tool_call>\n{"name": "sql__'))
    assert only_prefixes(allowed(constraint), 'count", "arguments": {', 'list_tables", "arguments": {')
    feed(constraint, bundled_tokenizer.encode('count", "arguments": {"table":'))
    assert only_prefixes(allowed(constraint), '"items"', '"users"')
    number = bundled_tokenizer.convert_tokens_to_ids("7")
    assert number not in allowed_ids(constraint)
    with pytest.raises(ConstraintError):
        constraint.accept(number)


def test_arguments_are_minified_json_as_the_template_renders_them(grammar, bundled_tokenizer):
    minified = grammar.constraint(required=True)
    feed(minified, bundled_tokenizer.encode(call_text("tasks__add", {"title": "milk", "tags": ["a", "b"]})))
    spaced = grammar.constraint(required=True)
    feed(spaced, bundled_tokenizer.encode('<tool_call>\n{"name": "tasks__add", "arguments": {"title'))
    assert '":"' in allowed(spaced) and only_prefixes(allowed(spaced), '":"')
    with pytest.raises(ConstraintError):
        feed(spaced, bundled_tokenizer.encode('": "milk"'))


def test_after_a_call_only_another_call_or_the_end_of_turn_may_follow(grammar, bundled_tokenizer):
    constraint = grammar.constraint()
    feed(constraint, bundled_tokenizer.encode("Counting. " + call_text("sql__count", {"table": "items"})))
    assert allowed(constraint) == {"\n", bundled_tokenizer.eos_token}
    feed(constraint, bundled_tokenizer.encode("\n"))
    assert allowed(constraint) == {"<"}
    feed(constraint, bundled_tokenizer.encode(call_text("sql__list_tables", {})))
    constraint.accept(bundled_tokenizer.eos_token_id)
    assert ended(constraint, bundled_tokenizer.eos_token_id)


def test_required_turns_must_open_with_a_call(grammar, bundled_tokenizer):
    constraint = grammar.constraint(required=True)
    assert allowed(constraint) == {"<"}
    assert constraint.forced_text() == '<tool_call>\n{"name": "'
    with pytest.raises(ConstraintError):
        constraint.accept(bundled_tokenizer.eos_token_id)


def test_a_partial_opener_bans_only_tokens_that_complete_it_with_garbage(grammar, bundled_tokenizer):
    constraint = grammar.constraint()
    feed(constraint, bundled_tokenizer.encode("Ok <tool_call"))
    banned = {bundled_tokenizer.decode([i]) for i in set(range(VOCAB)) - set(allowed_ids(constraint))}
    assert {"></", '>"', ">{"} & banned == {"></", '>"'} and ">" not in banned
    assert len(banned) < 30
    constraint.accept(bundled_tokenizer.convert_tokens_to_ids(">"))
    assert allowed(constraint) == {"\n"}


def test_a_token_straddling_the_opener_starts_the_call_mid_token(bundled_tokenizer):
    tokenizer = copy.deepcopy(bundled_tokenizer)
    tokenizer.add_tokens([">\n", ">{", 'x<tool_call>\n{"'])
    grammar = ToolGrammar.for_tools(tokenizer, TOOLS, vocab_size=len(tokenizer))
    newline, brace, whole = tokenizer.convert_tokens_to_ids([">\n", ">{", 'x<tool_call>\n{"'])
    constraint = grammar.constraint()
    feed(constraint, tokenizer.encode("Ok <tool_call", add_special_tokens=False))
    logits = constraint.mask(torch.zeros(len(tokenizer)))
    assert torch.isinf(logits[brace]) and torch.isfinite(logits[newline])
    constraint.accept(newline)
    assert allowed(constraint) == {"{", '{"'}
    merged = grammar.constraint()
    merged.accept(whole)
    assert only_prefixes(allowed(merged), 'name": "') and "name" in allowed(merged)


def test_a_tag_inside_an_argument_string_does_not_close_the_call(bundled_tokenizer):
    notes = spec("notes__add", {"type": "object", "properties": {"text": {"type": "string"}}})
    constraint = ToolGrammar.for_tools(bundled_tokenizer, [notes], vocab_size=VOCAB).constraint(required=True)
    feed(constraint, bundled_tokenizer.encode('<tool_call>\n{"name": "notes__add", "arguments": {"text":"a \\"</'))
    feed(constraint, bundled_tokenizer.encode('tool_call>\\""'))
    inside = allowed(constraint)
    assert inside and only_prefixes(inside, "}}\n</tool_call>")  # the object still has to close
    assert "\n" not in inside and bundled_tokenizer.eos_token not in inside
    feed(constraint, bundled_tokenizer.encode("}}\n</tool_call>"))
    assert allowed(constraint) == {"\n", bundled_tokenizer.eos_token}


def test_length_bounded_strings_admit_no_raw_control_characters(grammar, bundled_tokenizer):
    constraint = grammar.constraint(required=True)
    feed(constraint, bundled_tokenizer.encode('<tool_call>\n{"name": "calc__evaluate", "arguments": {"expression":"'))
    decoded = grammar.vocab.decoded
    assert not [i for i in allowed_ids(constraint) if any(byte < 0x20 for byte in decoded[i])]


def test_grammars_are_compiled_once_per_tool_set(bundled_tokenizer, grammar):
    assert ToolGrammar.for_tools(bundled_tokenizer, TOOLS[::-1], vocab_size=VOCAB) is grammar
    described = [spec(t.name, t.function.parameters) for t in TOOLS]
    described[0].function.description = "a new description changes no grammar"
    assert ToolGrammar.for_tools(bundled_tokenizer, described, vocab_size=VOCAB) is grammar
    fewer = ToolGrammar.for_tools(bundled_tokenizer, TOOLS[:2], vocab_size=VOCAB)
    assert fewer is not grammar
    constraint = fewer.constraint(required=True)
    feed(constraint, bundled_tokenizer.encode('<tool_call>\n{"name": "'))
    assert only_prefixes(allowed(constraint), 'calc__evaluate"', 'tasks__add"')


def test_an_uncompilable_schema_falls_back_to_any_object_and_is_logged_once(bundled_tokenizer, caplog):
    broken = {
        "bad__ref": {"type": "object", "properties": {"x": {"$ref": "#/$defs/missing"}}},
        "bad__lengths": {"type": "object", "properties": {"x": {"type": "string", "minLength": 5, "maxLength": 3}}},
        "bad__type": {"type": "string"},
    }
    tools = [spec(name, schema) for name, schema in broken.items()] + TOOLS[:1]
    with caplog.at_level(logging.WARNING, logger="agent.backends.local.constrain"):
        grammar = ToolGrammar.for_tools(bundled_tokenizer, tools, vocab_size=VOCAB)
        ToolGrammar.for_tools(bundled_tokenizer, tools[:2], vocab_size=VOCAB)
    assert sorted(grammar.fallbacks) == sorted(broken)
    assert sorted(r.getMessage().split(":")[0] for r in caplog.records) == sorted(f"tool {n}" for n in broken)
    constraint = grammar.constraint(required=True)
    feed(constraint, bundled_tokenizer.encode(call_text("bad__ref", {"anything": [1, {"y": None}]})))
    feed(constraint, bundled_tokenizer.encode("\n" + call_text("calc__evaluate", {"expression": "1+1"})))
    with pytest.raises(ConstraintError):
        feed(constraint, bundled_tokenizer.encode("\n" + call_text("calc__evaluate", {"other": 1})))


def test_if_the_tools_do_not_compile_together_every_tool_falls_back_to_any_object(grammar, caplog):
    class Flaky:
        """The real compiler, except that the first two grammars of whole calls fail."""

        def __init__(self, compiler) -> None:
            self.compiler, self.failures = compiler, 2

        def compile_grammar(self, compiled):
            if "tool_call" in str(compiled) and self.failures:
                self.failures -= 1
                raise RuntimeError("out of luck\nsecond line")
            return self.compiler.compile_grammar(compiled)

    vocab = copy.copy(grammar.vocab)
    vocab.compiler = Flaky(grammar.vocab.compiler)
    tools = [spec("flaky__a", SCHEMAS["calc__evaluate"]), spec("flaky__b", {"type": "object"})]
    with caplog.at_level(logging.WARNING, logger="agent.backends.local.constrain"):
        flaky = ToolGrammar(vocab, tools)
    assert vocab.compiler.failures == 0
    assert set(flaky.fallbacks) == {"flaky__a", "flaky__b"}
    assert all("out of luck" in reason and "\n" not in reason for reason in flaky.fallbacks.values())
    assert sorted(r.getMessage().split(":")[0] for r in caplog.records) == ["tool flaky__a", "tool flaky__b"]
    matcher = flaky.matcher()
    assert matcher.accept_string(call_text("flaky__a", {"any": [1, {"thing": None}]}).encode())


def test_a_tool_set_is_never_empty(bundled_tokenizer):
    with pytest.raises(ValueError, match="no tools"):
        ToolGrammar.for_tools(bundled_tokenizer, [], vocab_size=VOCAB)


def test_a_tokenizer_without_eos_is_a_one_line_value_error_found_once():
    class NoEos:
        reads = 0

        @property
        def eos_token_id(self):
            self.reads += 1

    tokenizer = NoEos()
    for _ in range(2):
        with pytest.raises(ValueError, match="no eos token") as raised:
            ToolGrammar.for_tools(tokenizer, TOOLS, vocab_size=VOCAB)
        assert "\n" not in str(raised.value)
    assert tokenizer.reads == 1


def test_the_trigger_finds_the_opener_across_any_split():
    trigger, text = Trigger(b"<tool_call>"), b"a <<tool_<tool_call>\nrest"
    for cut in range(1, len(text)):
        state, end = trigger.advance(0, text[:cut])
        if end is None:
            state, end = trigger.advance(state, text[cut:])
            end += cut
        assert text[end:] == b"\nrest"


def test_both_bitmask_paths_mask_the_same_tokens():
    import xgrammar as xgr

    generator = torch.Generator().manual_seed(0)
    for density in (0.01, 0.99):
        bits = torch.rand(VOCAB, generator=generator) < density
        packed = (bits.view(-1, 32).to(torch.int64) << torch.arange(32)).sum(-1)
        bitmask = torch.where(packed >= 2**31, packed - 2**32, packed).to(torch.int32)
        ours, theirs = torch.zeros(VOCAB), torch.zeros(VOCAB)
        apply_bitmask(ours, bitmask)
        xgr.apply_token_bitmask_inplace(theirs, bitmask, vocab_size=VOCAB)
        assert torch.equal(torch.isfinite(ours), bits) and torch.equal(torch.isfinite(theirs), bits)


def test_constrained_decoding_never_emits_an_unknown_tool_or_schema_invalid_arguments_over_200_random_model_samples(
    grammar, bundled_tokenizer
):
    import jsonschema

    from tests.tiny import tiny_llama

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # spinning OpenMP threads on a shared 2-core machine cost more than they save
    try:
        texts, finished = sample(tiny_llama(seed=0), grammar, bundled_tokenizer, n=200, max_tokens=96)
    finally:
        torch.set_num_threads(threads)
    calls = [json.loads(body) for text in texts for body in CALL.findall(text)]
    assert sum(finished) >= 80 and len(calls) >= 150  # seed 0: 103 finished turns, 217 calls
    for call in calls:
        assert list(call) == ["name", "arguments"] and call["name"] in SCHEMAS
        jsonschema.validate(call["arguments"], SCHEMAS[call["name"]])
    assert len({call["name"] for call in calls}) == len(SCHEMAS)
    for text, done in zip(texts, finished, strict=True):
        assert text.startswith("<tool_call>\n")
        if done:
            assert CALL.sub("", text).strip("\n") == "", text


def sample(model, grammar: ToolGrammar, tokenizer, *, n: int, max_tokens: int) -> tuple[list[str], list[bool]]:
    """Sample n required-call turns at temperature 1, in one batch with a KV cache."""
    generator = torch.Generator().manual_seed(0)
    constraints = [grammar.constraint(required=True) for _ in range(n)]
    prompt = tokenizer.encode("<|im_start|>assistant\n")
    tokens, outputs, past = torch.tensor([prompt] * n), [[] for _ in range(n)], None
    finished = [False] * n  # the grammar's only stop token is eos: accepting it ends the turn
    with torch.no_grad():
        for _ in range(max_tokens):
            active = [row for row in range(n) if not finished[row]]
            if not active:
                break
            out = model(input_ids=tokens, past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[active, -1].float()
            for index, row in enumerate(active):
                constraints[row].mask(logits[index])
            picked = sample_rows(logits, generator).flatten().tolist()
            for row, token_id in zip(active, picked, strict=True):
                constraints[row].accept(token_id)
                finished[row] = token_id == tokenizer.eos_token_id
                outputs[row].append(token_id)
                tokens[row, -1] = token_id
            tokens = tokens[:, -1:]
    texts = [tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=False) for ids in outputs]
    return texts, finished


def sample_rows(logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One token per row from softmax(logits), by inverse CDF (torch.multinomial is slow on 49k tokens)."""
    cumulative = torch.softmax(logits, -1).cumsum(-1)
    point = torch.rand(logits.shape[0], 1, generator=generator) * cumulative[:, -1:]
    return torch.searchsorted(cumulative, point, right=True).clamp_(max=logits.shape[-1] - 1)
