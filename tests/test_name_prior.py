"""The retrieval prior on a call's tool name: it steers which listed tool the first call names, nothing else."""

from __future__ import annotations

import pytest

from agent.backends.local.name_prior import NamePrior
from agent.messages import AssistantMessage, FunctionCall, SystemMessage, ToolCall, ToolMessage, UserMessage
from agent.shortlist import calls_since_user
from agent.toolcalls.parsers import hermes

torch = pytest.importorskip("torch")
pytest.importorskip("xgrammar")

from agent.backends.local.constrain import CallConstraint, ToolGrammar  # noqa: E402
from agent.messages import FunctionSpec, ToolSpec  # noqa: E402

VOCAB = 49152
OBJECT = {"type": "object", "properties": {"id": {"type": "string", "maxLength": 4}}, "required": ["id"]}
NAMES = ["shop-1__assignment_drop", "shop-1__create-assignment", "shop-1__send-assignment"]


def test_scores_are_normalised_by_the_best_one_and_no_match_gives_no_prior():
    prior = NamePrior.from_scores({"a__x": 4.0, "a__y": 1.0, "a__z": -2.0}, strength=3.0)
    assert prior is not None
    assert dict((p.decode(), w) for p, w in prior.prefixes) == {
        hermes.call_prefix("a__x"): 1.0,
        hermes.call_prefix("a__y"): 0.25,
        hermes.call_prefix("a__z"): 0.0,
    }
    assert NamePrior.from_scores({"a__x": 0.0, "a__y": 0.0}, strength=3.0) is None
    assert NamePrior.from_scores({"a__x": 1.0}, strength=0.0) is None


def test_a_token_gains_the_best_weight_of_the_names_it_can_still_lead_to():
    prior = NamePrior({"a__drop": 1.0, "a__draft": 0.5, "a__make": 0.2}, strength=4.0)
    opened = (hermes.OPEN + '\n{"name": "a__').encode()
    assert prior.bonus(opened, b"dr") == 4.0  # drop and draft both start so: the better one counts
    assert prior.bonus(opened, b"dra") == 2.0
    assert prior.bonus(opened, b"ma") == pytest.approx(0.8)
    assert prior.bonus(opened, b"zz") == 0.0
    assert prior.naming(opened + b"drop")
    assert not prior.naming(hermes.call_prefix("a__drop").encode() + b'{"')


def test_only_a_call_after_the_latest_user_turn_counts_as_mid_chain():
    call = ToolCall(id="c1", function=FunctionCall(name="a__x", arguments="{}"))
    asked = [SystemMessage(content="s"), UserMessage(content="do x")]
    assert not calls_since_user(asked)
    assert calls_since_user([*asked, AssistantMessage(tool_calls=[call]), ToolMessage(tool_call_id="c1", content="ok")])
    earlier = [*asked, AssistantMessage(tool_calls=[call]), ToolMessage(tool_call_id="c1", content="ok")]
    assert not calls_since_user([*earlier, AssistantMessage(content="done"), UserMessage(content="and y")])


def greedy_name(constraint: CallConstraint, tokenizer) -> str:
    """Decode a required call greedily from flat logits (the model has no opinion) until the name is written."""
    written = ""
    while '", "arguments"' not in written:
        token = int(constraint.mask(torch.zeros(VOCAB)).argmax())
        constraint.accept(token)
        written += tokenizer.decode([token])
    return written.split('"name": "')[1].split('"')[0]


@pytest.fixture(scope="module")
def grammar(bundled_tokenizer) -> ToolGrammar:
    tools = [ToolSpec(function=FunctionSpec(name=name, parameters=OBJECT)) for name in NAMES]
    return ToolGrammar.for_tools(bundled_tokenizer, tools, vocab_size=VOCAB)


@pytest.mark.parametrize("favoured", NAMES)
def test_with_no_opinion_from_the_model_the_call_names_the_favoured_tool(grammar, bundled_tokenizer, favoured):
    prior = NamePrior({name: 1.0 if name == favoured else 0.3 for name in NAMES}, strength=2.0)
    assert greedy_name(grammar.constraint(required=True, prior=prior), bundled_tokenizer) == favoured


def test_a_model_confident_enough_overrules_the_prior(grammar, bundled_tokenizer):
    prior = NamePrior({NAMES[0]: 1.0, NAMES[1]: 0.0, NAMES[2]: 0.0}, strength=2.0)
    constraint = grammar.constraint(required=True, prior=prior)
    sure = bundled_tokenizer.encode(hermes.call_prefix(NAMES[1]))
    written = ""
    for token in sure:
        logits = torch.zeros(VOCAB)
        logits[token] = 5.0  # the model's own preference, stronger than the prior's 2 logits
        chosen = int(constraint.mask(logits).argmax())
        constraint.accept(chosen)
        written += bundled_tokenizer.decode([chosen])
    assert written == hermes.call_prefix(NAMES[1])


def test_once_the_name_is_written_the_arguments_are_not_steered(grammar, bundled_tokenizer):
    prior = NamePrior({NAMES[0]: 1.0, NAMES[1]: 0.0, NAMES[2]: 0.0}, strength=2.0)
    constraint = grammar.constraint(required=True, prior=prior)
    for token in bundled_tokenizer.encode(hermes.call_prefix(NAMES[1])):
        constraint.mask(torch.zeros(VOCAB))
        constraint.accept(token)
    logits = constraint.mask(torch.zeros(VOCAB))
    finite = logits[torch.isfinite(logits)]
    assert finite.numel() > 0 and bool((finite == 0).all())
