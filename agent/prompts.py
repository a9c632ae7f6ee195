"""The default system prompt, shared by chat, run, eval and trace generation.

Training traces and live chats must see the same words, or a fine-tuned model
meets a prompt it was never trained on. This module knows nothing of models
or tools.
"""

from __future__ import annotations

from datetime import date, datetime

SYSTEM_PROMPT = (
    "You are a helpful assistant that can call tools. Call a tool when it helps answer; "
    "otherwise answer directly. Today is {today}."
)


def today_text(now: date | datetime) -> str:
    """`Friday 2026-11-20`: the weekday lets a model resolve "next Friday"."""
    day = now.date() if isinstance(now, datetime) else now
    return f"{day.strftime('%A')} {day.isoformat()}"


def system_prompt(now: date | datetime | None = None, template: str = SYSTEM_PROMPT) -> str:
    """The system prompt with `{today}` filled in (default: the real date)."""
    return template.replace("{today}", today_text(now or date.today()))
