"""Chains on the to-do list that name a task by its title: list to find its id, then finish, delete or change it.

Three to-dos are seeded per episode, so ids are 1..3 and the reference plan
is exact. This module knows nothing of the other chains, nor of the order
the family draws intents in (the package's __init__ fixes that).
"""

from __future__ import annotations

from eval.families.base import Ctx, Draft, Intent
from eval.families.build import call, called, optional, state
from eval.families.grammar import spoken_date
from eval.families.multi_step.common import draft
from eval.families.single_tool import todo_setup


def _by_title(ctx: Ctx) -> tuple[list[str], int, list[dict]]:
    """Three seeded to-dos, the 1-based id of the one the request names (by title), setup."""
    titles, seeded = todo_setup(ctx, 3)
    task_id = ctx.rng.randrange(1, 4)
    ctx.slots = {"title": titles[task_id - 1]}
    return titles, task_id, seeded


def _listed() -> dict:
    return call("tasks__list_tasks", status=optional("open"))


def finish_by_title(ctx: Ctx) -> Draft:
    titles, task_id, seeded = _by_title(ctx)
    title = titles[task_id - 1]
    calls = [_listed(), call("tasks__complete_task", task_id=task_id)]
    done = state("tasks__list_tasks", {"status": "done"}, has=title)
    checks = [done, called("tasks__complete_task", {"task_id": task_id})]
    return draft(["tasks"], calls, f"Marked task {task_id} '{title}' as done.", checks, setup=seeded)


def delete_by_title(ctx: Ctx) -> Draft:
    titles, task_id, seeded = _by_title(ctx)
    keep = titles[task_id % 3]
    calls = [_listed(), call("tasks__delete_task", task_id=task_id)]
    kept = state("tasks__list_tasks", {"status": "all"}, has=keep)
    checks = [kept, called("tasks__delete_task", {"task_id": task_id})]
    answer = f"Deleted task {task_id} '{titles[task_id - 1]}'."
    return draft(["tasks"], calls, answer, checks, setup=seeded)


def reschedule_by_title(ctx: Ctx) -> Draft:
    titles, task_id, seeded = _by_title(ctx)
    when, day = spoken_date(ctx)
    ctx.slots["when"] = when
    calls = [_listed(), call("tasks__update_task", task_id=task_id, due=day.isoformat())]
    checks = [state("tasks__list_tasks", has=f"id {task_id}: {titles[task_id - 1]} | due {day.isoformat()}")]
    answer = f"Moved task {task_id} '{titles[task_id - 1]}' to {day.isoformat()}."
    return draft(["tasks"], calls, answer, checks, setup=seeded)


def prioritize_by_title(ctx: Ctx) -> Draft:
    titles, task_id, seeded = _by_title(ctx)
    priority = ctx.choice(("high", "low"))
    ctx.slots["priority"] = priority
    calls = [_listed(), call("tasks__update_task", task_id=task_id, priority=priority)]
    listed = f"id {task_id}: {titles[task_id - 1]} | no due date | priority {priority}"
    checks = [state("tasks__list_tasks", has=listed)]
    answer = f"Task {task_id} '{titles[task_id - 1]}' now has {priority} priority."
    return draft(["tasks"], calls, answer, checks, setup=seeded)


# Intents in the order they held when the held-out set was fixed, phrasings too: the test split is every
# fourth phrasing by index, so this order is a contract (see the package docstring).
INTENTS = (
    Intent(
        "tasks.finish_by_title",
        (
            "I finished '{title}', mark it as done.",
            "Tick off the task '{title}' -- it's done.",
            "'{title}' is complete now, update my to-do list.",
            "Please complete the to-do called '{title}'.",
            "Done with '{title}'! Check it off.",
        ),
        finish_by_title,
        train_only=(
            "Mark '{title}' as finished on my task list.",
            "I've done '{title}', so close that task.",
            "Can you find '{title}' on my to-dos and set it to done?",
            "'{title}' -- finished. Mark it complete.",
            "Just wrapped up '{title}', so it can come off my open tasks as done.",
            "Look up the task '{title}' on my list and mark it completed.",
            "Finally got '{title}' done! Update the task to reflect that.",
            "Set the status of my to-do '{title}' to done.",
            # Everyday ways of checking a to-do off by its title, not its id.
            "Cross '{title}' off my to-dos, it's taken care of.",
            "You can mark '{title}' finished now.",
            "Got '{title}' sorted this morning. Close it on my list.",
            "'{title}' happened already -- check that one off.",
            "That '{title}' to-do is done; record it as complete.",
            "All done with '{title}'. Take it off my open tasks by completing it.",
        ),
    ),
    Intent(
        "tasks.delete_by_title",
        (
            "Remove '{title}' from my to-do list.",
            "Delete the task '{title}', I won't do it.",
            "I no longer need the to-do '{title}', delete it.",
            "Drop the to-do called '{title}'.",
            "Get '{title}' off my task list for good.",
        ),
        delete_by_title,
        train_only=(
            "Take '{title}' off my list completely.",
            "Find the task '{title}' and delete it.",
            "Can you erase the to-do '{title}'? It's not happening.",
            "'{title}' isn't relevant anymore -- remove that task.",
            "Scrap '{title}' from my tasks.",
            "I've decided against '{title}'. Delete it from my to-dos.",
            "Get rid of the '{title}' task.",
            "There's a task '{title}' on my list that I don't need. Delete it.",
        ),
    ),
    Intent(
        "tasks.reschedule_by_title",
        (
            "Move my task '{title}' so it's due {when}.",
            "Change the due date of '{title}' to {when}.",
            "The to-do '{title}' should be due {when} -- update it.",
            "Reschedule '{title}': make it due {when}.",
            "Set '{title}' on my list to be due {when}.",
        ),
        reschedule_by_title,
        train_only=(
            "'{title}' needs a new due date: {when}.",
            "Shift '{title}' so that it's due {when}.",
            "Could you change when '{title}' is due? It should be {when}.",
            "Find the to-do '{title}' and set its deadline so it's due {when}.",
            "I won't get to '{title}' as planned; it should now be due {when}.",
            "Update the deadline on '{title}' -- due {when}.",
            "Let's have '{title}' due {when} instead.",
            "I'd like my to-do '{title}' to be due {when}.",
        ),
    ),
    Intent(
        "tasks.prioritize_by_title",
        (
            "Make '{title}' {priority} priority.",
            "Change the priority of my task '{title}' to {priority}.",
            "Set the to-do '{title}' to {priority} priority, please.",
            "'{title}' should be {priority} priority -- update it.",
            "Mark '{title}' as {priority} priority on my list.",
        ),
        prioritize_by_title,
        train_only=(
            "Give the task '{title}' a {priority} priority.",
            "Can you set '{title}' on my to-do list to {priority} priority?",
            "Priority for '{title}': {priority}.",
            "I'd like '{title}' flagged as {priority} priority.",
            "Look up '{title}' in my tasks and switch it to {priority} priority.",
            "Make the to-do '{title}' a {priority}-priority item.",
            "Update '{title}' so its priority is {priority}.",
            "On my list, '{title}' needs {priority} priority.",
        ),
    ),
)
