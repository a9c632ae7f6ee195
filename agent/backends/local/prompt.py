"""From a chat request to prompt token ids: template choice, context fitting, stop tokens.

The model's own template is used when it renders tools; otherwise the
project's Hermes template (DESIGN.md), whose parser and grammar then apply.
A tool choice that only the grammar can enforce ("required", a named tool)
is refused where the grammar does not apply. A conversation longer than the
context window loses its oldest turns, with a notice. This module knows
nothing of caches or decoding.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from jinja2 import TemplateError

from agent.backends.base import BackendError, ChatRequest, ContextOverflow, UnsupportedRequest
from agent.backends.local.name_prior import NamePrior
from agent.messages import Message, SystemMessage, ToolSpec, UserMessage
from agent.models.tokens import common_prefix
from agent.toolcalls import get_parser
from agent.toolcalls.template import choose, hermes_template, render

MIN_ROOM = 64  # fewer free tokens than this for the answer and the prompt is cut
SYSTEM_TURNS = 16  # rendered system turns remembered: every step of a conversation renders the same one
STOP_TOKENS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>")


@dataclass
class Prompt:
    ids: list[int]
    pinnable: tuple[int, ...] = ()  # the system turn with the tools: shared by every step
    room: int = 0  # tokens left in the context window
    notices: list[str] = field(default_factory=list)


class PromptBuilder:
    """Renders requests for one tokenizer/model pair."""

    def __init__(self, tokenizer: Any, config: Any) -> None:
        self.tokenizer = tokenizer
        self.template, self.parser_name = choose(getattr(tokenizer, "chat_template", None))
        self.parser = get_parser(self.parser_name)
        self.context = int(getattr(config, "max_position_embeddings", 0) or 2048)
        self.vocab_size = int(config.vocab_size)
        self.stop_ids = frozenset(_stop_ids(tokenizer, config))
        self._system_turns: OrderedDict[str, list[int]] = OrderedDict()

    def build(self, request: ChatRequest, max_tokens: int) -> Prompt:
        """Token ids for the request, dropping the oldest turns if it does not fit."""
        messages, tools = list(request.messages), self._tools(request)
        wanted = min(request.max_tokens or max_tokens, self.context // 2)
        ids, dropped = self._ids(messages, tools), 0
        while len(ids) + max(MIN_ROOM, wanted) > self.context:
            messages, lost = _drop_oldest_turn(messages) if request.truncate else (messages, 0)
            if not lost:
                raise ContextOverflow(
                    f"the prompt is {len(ids)} tokens and the answer needs {max(MIN_ROOM, wanted)}, but the model's"
                    f" context window is {self.context}: shorten the messages or send fewer tools"
                )
            dropped += lost
            ids = self._ids(messages, tools)
        notices = [f"dropped the {dropped} oldest messages to fit the {self.context}-token context"] if dropped else []
        return Prompt(ids, self._pinnable(messages, tools, ids), self.context - len(ids), notices)

    def constraint(self, request: ChatRequest, prior: NamePrior | None = None):
        """The grammar of the reply (its response schema), else of its tool calls; None when neither applies.

        `prior` steers which tool the first call names (agent.backends.local.name_prior).
        """
        if request.requires_call():
            self._check_call_can_be_required(request)
        if request.response_schema is not None:  # the whole reply is JSON, whichever template renders it
            from agent.backends.local.constrain import ReplyGrammar

            try:
                reply = ReplyGrammar.for_schema(self.tokenizer, request.response_schema, vocab_size=self.vocab_size)
            except (ValueError, RuntimeError) as exc:
                raise BackendError(f"cannot build the reply grammar: {str(exc).strip().splitlines()[0]}") from exc
            return reply.constraint()
        tools = self._tools(request)
        # The grammar writes calls exactly as hermes.jinja renders them; a model's own template may space
        # its JSON differently, and forcing ours on it would push it off the format it was trained on.
        if not tools or self.template != hermes_template():
            return None
        from agent.backends.local.constrain import ToolGrammar

        try:
            grammar = ToolGrammar.for_tools(self.tokenizer, tools, vocab_size=self.vocab_size)
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"cannot build the tool-call grammar: {str(exc).strip().splitlines()[0]}") from exc
        return grammar.constraint(required=request.requires_call(), prior=prior)

    def _check_call_can_be_required(self, request: ChatRequest) -> None:
        """UnsupportedRequest unless the tool-call grammar can make this turn call a tool."""
        choice = f"tool_choice {request.choice_text()}"
        if request.response_schema is not None:
            problem = f"{choice} cannot go with a response schema: the whole reply is then one JSON value"
        elif not request.tools:
            problem = f"{choice} needs tools, and the request has none"
        elif self.template != hermes_template():
            problem = (
                f"{choice} needs the tool-call grammar, which follows the bundled Hermes template; this model"
                " renders tools with its own chat template: use tool_choice 'auto'"
            )
        else:
            return
        raise UnsupportedRequest(problem, param="tool_choice")

    def _tools(self, request: ChatRequest) -> list[ToolSpec]:
        return request.offered_tools()

    def _ids(self, messages: list[Message], tools: list[ToolSpec]) -> list[int]:
        return render(self.tokenizer, messages, tools, chat_template=self.template)

    def _pinnable(self, messages: list[Message], tools: list[ToolSpec], ids: list[int]) -> tuple[int, ...]:
        """The system turn with the tools, as it starts `ids`; () when the template renders no such prefix.

        Without a system message the template's default system turn still carries the tools: clients that
        send none (most OpenAI-style ones) share it across questions too.
        """
        try:
            head = self._system_turn(messages, tools)
        except TemplateError:  # a model's own template may refuse a conversation of one user turn
            return ()
        return tuple(head) if head and ids[: len(head)] == head and len(head) < len(ids) else ()

    def _system_turn(self, messages: list[Message], tools: list[ToolSpec]) -> list[int]:
        system = messages[:1] if messages and isinstance(messages[0], SystemMessage) else []
        key = json.dumps([[m.model_dump(mode="json") for m in system], [t.model_dump(mode="json") for t in tools]])
        if (head := self._system_turns.get(key)) is None:
            head = self._render_system_turn(system, tools)
            self._system_turns[key] = head
            if len(self._system_turns) > SYSTEM_TURNS:
                self._system_turns.popitem(last=False)
        return head

    def _render_system_turn(self, system: list[Message], tools: list[ToolSpec]) -> list[int]:
        if system:
            return render(self.tokenizer, system, tools, chat_template=self.template, add_generation_prompt=False)
        # transformers renders no empty conversation: the default system turn is what two one-question
        # conversations share.
        a, b = (
            render(
                self.tokenizer,
                [UserMessage(content=q)],
                tools,
                chat_template=self.template,
                add_generation_prompt=False,
            )
            for q in ("a", "b")
        )
        return a[: common_prefix(tuple(a), tuple(b))]


def _drop_oldest_turn(messages: list[Message]) -> tuple[list[Message], int]:
    """Remove the oldest exchange after the system prompt, keeping the conversation starting at a user turn."""
    start = 1 if messages and isinstance(messages[0], SystemMessage) else 0
    users = [i for i, m in enumerate(messages) if i > start and isinstance(m, UserMessage)]
    if not users:
        return messages, 0
    cut = users[0]
    return messages[:start] + messages[cut:], cut - start


def _stop_ids(tokenizer: Any, config: Any) -> set[int]:
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    eos = getattr(config, "eos_token_id", None)
    ids.update(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    vocab = tokenizer.get_vocab()
    ids.update(vocab[t] for t in STOP_TOKENS if t in vocab)
    return ids
