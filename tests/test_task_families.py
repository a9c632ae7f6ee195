"""Task families: valid, deterministic, split by template and entity, and 100 % solvable by the oracle."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import anyio
import pytest

from agent.cli.main import main
from eval.families import (
    BUILTIN,
    NOT_BY_DEFAULT,
    FamilyError,
    available_families,
    generate_tasks,
    load_family,
    shares,
)
from eval.families.base import Ctx, Draft, Family, Intent, in_split
from eval.families.build import contains
from eval.families.dates import next_weekday, relative_date
from eval.families.leakage import closest_pairs, ratio
from eval.families.selfcheck import oracle_failures
from eval.tasks import load_tasks, parse_task

FAMILIES = list(BUILTIN)
REPO = Path(__file__).resolve().parent.parent
SEEDS = (0, 1, 2)


def test_every_builtin_family_is_registered_through_the_entry_point_group():
    assert available_families()[: len(BUILTIN)] == FAMILIES


@pytest.mark.parametrize("name", FAMILIES)
def test_a_family_generates_valid_deterministic_tasks_for_several_seeds(name):
    family = load_family(name)
    for seed in SEEDS:
        tasks = family.generate(25, "train", seed)
        assert [parse_task(t.to_json_line()) for t in tasks] == tasks  # valid JSONL, lossless
        assert len({t.id for t in tasks}) == 25
        assert family.generate(25, "train", seed) == tasks
    texts = {seed: [t.messages[-1].content for t in family.generate(25, "train", seed)] for seed in SEEDS}
    assert texts[0] != texts[1] != texts[2]


@pytest.mark.parametrize("name", FAMILIES)
def test_train_and_test_share_no_template_and_each_intent_has_both(name):
    family = load_family(name)
    train, test = family.template_ids("train"), family.template_ids("test")
    assert not train & test
    assert len(train | test) >= 20
    for intent in family.intents:
        assert intent.phrasing_ids("train") and intent.phrasing_ids("test"), intent.name
    for split, allowed in (("train", train), ("test", test)):
        used = {t.meta["template"] for seed in SEEDS for t in family.generate(30, split, seed)}
        assert used <= allowed


@pytest.mark.parametrize("name", FAMILIES)
def test_the_oracle_passes_every_task_of_a_family_through_the_real_loop(name):
    family = load_family(name)
    tasks = [t for seed in SEEDS for split in ("train", "test") for t in family.generate(20, split, seed)]

    async def bounded():
        with anyio.fail_after(240):
            return await oracle_failures(tasks)

    failed = anyio.run(bounded)
    assert [f"{e.task.id}: {e.reason}" for e in failed] == []


def _echo(ctx: Ctx) -> Draft:
    return Draft("no_tool", [], [], ctx.request(), [contains("a")])


def test_train_only_phrasings_are_drawn_by_training_and_never_by_the_test_split():
    intent = Intent("echo", ("a0.", "a1.", "a2.", "held out.", "a4."), _echo, train_only=("b0.", "b1."))
    family = Family("echo", (intent,))
    assert intent.phrasing_ids("test") == [3]
    assert intent.phrasing_ids("train") == [0, 1, 2, 4, 5, 6]
    used = {t.meta["template"].rsplit("/", 1)[1] for t in family.generate(200, "train", 0)}
    assert used == {"0", "1", "2", "4", "5", "6"}
    bare = Family("echo", (Intent("echo", intent.phrasings, _echo),))
    assert bare.generate(20, "test", 0) == family.generate(20, "test", 0)


@pytest.mark.parametrize("name", FAMILIES)
def test_no_train_only_phrasing_rewords_a_held_out_one(name):
    # 0.75: the closest pair among the original train/test phrasings scores 0.71
    close = [p for p in closest_pairs(load_family(name)) if p.ratio >= 0.75]
    assert close == []


def test_phrasing_similarity_ignores_case_punctuation_and_slot_names():
    assert ratio("Add '{title}' now!", "add {name} now") == 1.0
    assert ratio("Mark task {id} as done.", "What is the capital of {country}?") < 0.3


def test_the_committed_held_out_tasks_still_regenerate_byte_for_byte(tmp_path):
    out = tmp_path / "test.jsonl"
    assert main(["tasks", "generate", "--split", "test", "--n", "100", "--seed", "1", "-o", str(out)]) == 0
    assert out.read_bytes() == (REPO / "docs" / "results" / "heldout-test.jsonl").read_bytes()


def test_entities_of_the_test_split_never_appear_in_train():
    pool = [f"item-{i}" for i in range(12)]
    train = {Ctx(random.Random(s), "train", None, "").pick(pool) for s in range(200)}
    test = {Ctx(random.Random(s), "test", None, "").pick(pool) for s in range(200)}
    assert not train & test
    assert test == {pool[i] for i in range(12) if in_split(i, "test")}


def test_next_weekday_is_strictly_after_today():
    sunday = date(2026, 11, 22)
    assert next_weekday(sunday, 4) == date(2026, 11, 27)
    assert next_weekday(date(2026, 11, 27), 4) == date(2026, 12, 4)


def test_relative_date_phrases_name_future_days():
    today = date(2026, 11, 22)
    for seed in range(100):
        _, day = relative_date(random.Random(seed), today)
        assert day > today


def test_n_is_spread_evenly_over_families():
    assert shares(10, 4) == [3, 3, 2, 2]
    tasks = generate_tasks(["single_tool", "no_tool"], "test", 5, 7)
    assert [t.meta["family"] for t in tasks].count("single_tool") == 3


def test_unknown_families_and_splits_are_refused():
    with pytest.raises(FamilyError, match="unknown task family 'weather'; available: single_tool"):
        load_family("weather")
    with pytest.raises(FamilyError, match="unknown split 'dev'"):
        generate_tasks(None, "dev", 3, 0)


def test_tasks_generate_writes_the_requested_tasks(tmp_path, capsys):
    out = tmp_path / "tasks.jsonl"
    code = main(["tasks", "generate", "--n", "12", "--seed", "3", "--split", "test", "-o", str(out)])
    assert code == 0
    tasks = load_tasks(out)
    assert len(tasks) == 12 and {t.meta["split"] for t in tasks} == {"test"}
    assert {t.meta["family"] for t in tasks} == set(FAMILIES) - set(NOT_BY_DEFAULT)  # universe only when named
    assert f"wrote 12 test tasks (seed 3) to {out}" in capsys.readouterr().out


def test_tasks_families_lists_template_counts(capsys):
    assert main(["tasks", "families"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in FAMILIES)


def lazy_failures(tasks) -> list:
    """Tasks a teacher that just says "OK." would pass: their checks verify nothing."""

    async def run():
        from agent.backends.scripted import ScriptedBackend
        from eval.runner import run_episode

        with anyio.fail_after(240):
            return [t.id for t in tasks if (await run_episode(t, ScriptedBackend(["OK."]))).passed]

    return anyio.run(run)


@pytest.mark.parametrize("name", [f for f in FAMILIES if f != "no_tool"])
def test_a_teacher_that_does_nothing_fails_every_task_that_needs_a_tool(name):
    tasks = [t for seed in SEEDS for t in load_family(name).generate(20, "train", seed)]
    assert lazy_failures(tasks) == []


# One harmless call per bundled server: what an over-eager model would do.
EAGER = {
    "knowledge": ("knowledge__search", {"query": "x"}),
    "files": ("files__list_dir", {}),
    "sandbox": ("sandbox__run_python", {"code": "print(1)"}),
    "sql": ("sql__list_tables", {}),
    "calc": ("calc__evaluate", {"expression": "1"}),
    "tasks": ("tasks__list_tasks", {}),
}


def test_a_teacher_that_calls_a_tool_fails_every_no_tool_task():
    from agent.backends.scripted import ScriptedBackend
    from eval.runner import run_episode

    async def passed(tasks) -> list[str]:
        ids = []
        with anyio.fail_after(120):
            for t in tasks:
                name, arguments = EAGER[t.servers[0]]
                script = [{"tool_calls": [{"name": name, "arguments": arguments}]}, t.reference_answer]
                if (await run_episode(t, ScriptedBackend(script))).passed:
                    ids.append(t.id)
        return ids

    tasks = [t for seed in SEEDS for t in load_family("no_tool").generate(20, "train", seed)]
    assert anyio.run(passed, tasks) == []
