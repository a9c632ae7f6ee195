"""The `universe` family: unseen tools for the test split, compositional wording, irrelevance and asking back."""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter, defaultdict

import anyio
import pytest

from agent.backends.scripted import ScriptedBackend
from agent.cli.main import main
from agent.naming import exposed_name
from eval.families import load_family
from eval.families.base import in_split
from eval.families.selfcheck import oracle_failures
from eval.families.universe import BACKGROUND, CHAIN_FRAMES, FRAMES, VERBS
from eval.runner import run_episode
from eval.tasks import load_tasks
from mcp_servers.synthetic.universe import DOMAINS, draw_toolset
from mcp_servers.synthetic.universe.tools import plural

FAMILY = load_family("universe")
HELD_OUT = {d.key for d in DOMAINS if d.held_out}


def _seed(server: str) -> int:
    return int(server.split("-")[1])


def _share(pool, split: str) -> list:
    return [item for i, item in enumerate(pool) if in_split(i, split)]


@pytest.fixture(scope="module")
def train():
    return FAMILY.generate(1200, "train", 0, {"masked": 0.3})


def _verb(text: str, action: str, split: str) -> str:
    """The request verb a task used: the longest of its split's verbs found as whole words."""
    lower = text.lower()
    found = [v for v in _share(VERBS[action], split) if re.search(rf"(^|[^a-z]){re.escape(v)}([^a-z]|$)", lower)]
    return max(found, key=len)


def test_no_train_task_touches_a_held_out_domain_and_every_test_task_only_held_out_ones(train):
    test = FAMILY.generate(300, "test", 0, {"masked": 0.3})
    for tasks, split in ((train, "train"), (test, "test")):
        for task in tasks:
            toolset = draw_toolset(_seed(task.servers[0]), task.servers[0].endswith("-masked"))
            assert toolset.split == split
            assert {t.domain.key in HELD_OUT for t in toolset.tools} == {split == "test"}, task.id
    for task in train:
        if task.meta["intent"] == "irrelevant":
            named = [d for d in DOMAINS if f" {plural(d.noun)}." in task.reference_answer]
            assert named and not any(d.held_out for d in named), task.id


def test_train_draws_at_least_forty_surface_forms_per_action_and_test_a_disjoint_grammar(train):
    forms = defaultdict(set)
    for task in train:
        intent = task.meta["intent"]
        if intent.startswith("call."):
            action = intent.split(".", 1)[1]
            forms[action].add((task.meta["template"], _verb(task.messages[0].content, action, "train")))
    assert set(forms) == set(VERBS)
    assert min(len(f) for f in forms.values()) >= 40, {a: len(f) for a, f in forms.items()}
    for pool in (FRAMES, CHAIN_FRAMES, BACKGROUND, *VERBS.values()):
        assert not set(_share(pool, "train")) & set(_share(pool, "test"))
    assert not FAMILY.template_ids("train") & FAMILY.template_ids("test")


def test_irrelevance_and_missing_arguments_make_at_least_a_tenth_of_the_tasks(train):
    intents = Counter(t.meta["intent"] for t in train)
    assert (intents["irrelevant"] + intents["missing"]) / len(train) >= 0.10
    assert intents["chain"] and all(intents[f"call.{a}"] for a in VERBS)


VERBATIM = frozenset(("person", "company", "city", "email", "uri", "title", "note", "code", "phone"))


def test_requests_say_every_verbatim_argument_value_the_expected_call_holds(train):
    for task in train[:300]:
        if not task.meta["intent"].startswith("call."):
            continue
        server, text = task.servers[0], task.messages[0].content
        toolset = draw_toolset(_seed(server), server.endswith("-masked"))
        tool = next(t for t in toolset.tools if exposed_name(server, t.name) == task.expected_calls[0].name)
        for p in tool.params:
            value = task.expected_calls[0].arguments.get(p.name)
            if p.spec.role == "id" or (p.spec.field.kind.key in VERBATIM and value is not None):
                assert value in text, (task.id, value, text)


def test_the_oracle_passes_train_and_unseen_toolset_tasks_through_the_real_loop():
    tasks = FAMILY.generate(40, "train", 5, {"masked": 0.3}) + FAMILY.generate(20, "test", 5, {"masked": 0.3})

    async def bounded():
        with anyio.fail_after(240):
            return await oracle_failures(tasks)

    assert [f"{e.task.id}: {e.reason}" for e in anyio.run(bounded)] == []


def _passes(task, script) -> bool:
    async def run():
        with anyio.fail_after(60):
            return (await run_episode(task, ScriptedBackend(script))).passed

    return anyio.run(run)


def test_a_teacher_that_invents_the_missing_argument_or_skips_the_lookup_fails():
    tasks = FAMILY.generate(120, "train", 3)
    missing = next(t for t in tasks if t.meta["intent"] == "missing")
    chain = next(t for t in tasks if t.meta["intent"] == "chain")
    toolset = draw_toolset(_seed(missing.servers[0]))
    guess = next(t for t in toolset.tools if t.domain == toolset.focus)
    name = exposed_name(missing.servers[0], guess.name)
    invented = {p.name: p.spec.field.kind.sample(random.Random(0)) for p in guess.params}
    assert not _passes(missing, [{"tool_calls": [{"name": name, "arguments": invented}]}, missing.reference_answer])
    second = chain.expected_calls[1]
    made_up = {**second.arguments}
    id_key = next(k for k, v in made_up.items() if isinstance(v, str) and re.fullmatch(r"[A-Z]+-[A-Z0-9]{6}", v))
    made_up[id_key] = "XX-000000"
    script = [{"tool_calls": [{"name": second.name, "arguments": made_up}]}, chain.reference_answer]
    assert not _passes(chain, script)


def test_tasks_generate_writes_an_unseen_toolset_split_from_the_cli(tmp_path, capsys):
    out = tmp_path / "unseen.jsonl"
    args = ["tasks", "generate", "--family", "universe", "--split", "test", "--n", "30", "--seed", "4"]
    assert main([*args, "-o", str(out)]) == 0
    tasks = load_tasks(out)
    assert len(tasks) == 30 and {t.meta["family"] for t in tasks} == {"universe"}
    assert all(t.servers[0].startswith("universe-") for t in tasks)
    assert f"wrote 30 test tasks (seed 4) to {out}" in capsys.readouterr().out


def test_generation_is_fast_enough_for_tens_of_thousands_of_tasks():
    FAMILY.generate(10, "train", 0)  # the universe itself is built once per process
    start = time.perf_counter()
    FAMILY.generate(400, "train", 11)
    assert time.perf_counter() - start < 5.0


def test_looptune_eval_mounts_universe_toolsets_and_the_oracle_completes_them(tmp_path):
    tasks = tmp_path / "unseen.jsonl"
    assert main(["tasks", "generate", "--family", "universe", "--split", "test", "--n", "6", "-o", str(tasks)]) == 0
    run = tmp_path / "run"
    assert main(["eval", str(tasks), "--backend", "oracle", "-o", str(run)]) == 0
    report = json.loads((run / "report.json").read_text())
    assert report["metrics"]["overall"]["completion"] == 1.0 and report["episodes_done"] == 6


def test_naming_intents_generates_only_those_and_an_unknown_one_is_refused_with_the_ones_there_are():
    from eval.families import FamilyError, generate_tasks

    tasks = generate_tasks(["universe", "no_tool"], "train", 12, seed=5, intents=["irrelevant", "missing"])
    assert len(tasks) == 12 and {t.meta["intent"] for t in tasks} == {"irrelevant", "missing"}
    assert {t.meta["family"] for t in tasks} == {"universe"}  # no_tool has neither: the 12 all go to universe
    assert all(not t.expected_calls for t in tasks)
    with pytest.raises(FamilyError, match="no train intent refuse.*they have: .*irrelevant"):
        generate_tasks(["universe"], "train", 4, seed=5, intents=["refuse"])
