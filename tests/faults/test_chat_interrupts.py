"""Ctrl+C in `looptune chat` on the local backend, in a real terminal: while the model writes, while it reads.

Each case interrupts a turn of the endless tiny model (it never picks a stop
token), then sends a normal turn, which must answer: no traceback on screen,
the partial answer shown once, and no turn left hanging at "thinking".
"""

from __future__ import annotations

import time

import pytest

from agent.sessions.store import SessionStore
from tests.faults import local_models
from tests.ptychat import PtyChat

# One torch thread: on a shared 2-core machine spinning OpenMP threads make every step erratic.
ENV = {"OMP_NUM_THREADS": "1"}
SYSTEM = "You are a helpful assistant."  # no {today}: the same prompt, so the same greedy text, every day
POEM = "write a long poem about the sea"
WORDS = r"[A-Za-z]{12,}"  # answer text: the spinner's own words are shorter

endless_model_dir = local_models.endless_model_dir  # a fixture


@pytest.fixture
def chat_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LOOPTUNE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def local_chat(model_dir, cwd, *flags: str, system: str = SYSTEM) -> PtyChat:
    args = ["--backend", "local", "--model", str(model_dir), "--servers", "calc", "--system", system, *flags]
    return PtyChat(*args, cwd=cwd, env=ENV)


def stored_turns() -> tuple[list[str], list]:
    with SessionStore() as store:
        session = store.resolve(None)
        return [t.outcome for t in store.turns(session)], store.messages(session)


def shown_answer(screen: str, question: str, summary: str) -> str:
    """The screen lines between the question's prompt line and the turn's summary line, whitespace removed."""
    lines = screen.splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith(f"you> {question}"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith(summary))
    return "".join("".join(lines[start + 1 : end]).split())


def test_ctrl_c_while_the_local_model_writes_cancels_the_turn_and_the_next_turn_answers(chat_dir, endless_model_dir):
    chat = local_chat(endless_model_dir, chat_dir, "--max-tokens", "1000", "--plain-decode")
    try:
        chat.expect("you>")
        chat.line(POEM)
        chat.expect_re(WORDS)  # the answer is streaming
        chat.interrupt()
        chat.expect("─ cancelled", timeout=20)
        chat.expect("you>")
        chat.line("hi")
        chat.expect("─ 1 step", timeout=60)
        chat.expect("you>")
        screen = chat.screen()
        chat.line("/exit")
        assert chat.wait_exit() == 0
    finally:
        chat.kill()
    assert "Traceback" not in chat.seen and "Error" not in chat.seen, screen[-3000:]
    outcomes, messages = stored_turns()
    assert outcomes == ["cancelled", "final"]
    partial = next(m.content for m in messages if m.role == "assistant").removesuffix(" [cancelled]")
    assert partial
    assert shown_answer(screen, POEM, "─ cancelled") == "".join(partial.split()), screen[-3000:]


def test_ctrl_c_while_the_local_model_reads_a_long_prompt_stops_at_once_and_the_next_turn_answers(
    chat_dir, endless_model_dir
):
    # About 15,000 tokens: seconds of prefill even for the tiny model, read in chunks.
    system = SYSTEM + " Remember these: " + " ".join(f"item{i}" for i in range(5000))
    chat = local_chat(endless_model_dir, chat_dir, "--max-tokens", "32", system=system)
    try:
        chat.expect("you>")
        chat.line("hello")
        chat.expect("thinking")  # the turn has begun: the prompt is being read
        interrupted = time.monotonic()
        chat.interrupt()
        chat.expect("─ cancelled", timeout=60)
        cancel_s = time.monotonic() - interrupted
        chat.expect("you>")
        asked = time.monotonic()
        chat.line("hi")
        chat.expect("─ 1 step", timeout=120)
        answer_s = time.monotonic() - asked
        chat.expect("you>")
        chat.line("/exit")
        assert chat.wait_exit() == 0
    finally:
        chat.kill()
    assert "Traceback" not in chat.seen and "Error" not in chat.seen, chat.seen[-3000:]
    outcomes, _ = stored_turns()
    assert outcomes == ["cancelled", "final"]
    # The next turn reads (almost) the whole prompt; the interrupted one stopped after one chunk of it.
    assert cancel_s < answer_s / 3, (cancel_s, answer_s)
