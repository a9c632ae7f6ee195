"""Compositional train wording: enough forms per intent, none near a held-out phrasing or an everyday exam request."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest

from eval.families import generate_tasks, load_family
from eval.families.base import Ctx, Draft, Family, Intent
from eval.families.build import contains
from eval.families.grammar import THRESHOLD, compose, widen, written_date
from eval.families.leakage import ratio
from eval.families.numbers import number_words

REPO = Path(__file__).resolve().parent.parent
BUNDLED = ("single_tool", "multi_step", "error_handling", "context", "no_tool")
EVERYDAY = [
    json.loads(line)["messages"][-1]["content"]
    for line in (REPO / "docs/results/everyday-12.jsonl").read_text().splitlines()
]


def _train_forms(intent: Intent) -> set[str]:
    return {intent.phrasing(k) for k in intent.phrasing_ids("train")}


@pytest.mark.parametrize("name", BUNDLED)
def test_every_intent_has_at_least_forty_distinct_train_forms(name):
    counts = {intent.name: len(_train_forms(intent)) for intent in load_family(name).all_intents}
    assert {n: c for n, c in counts.items() if c < 40} == {}


@pytest.mark.parametrize("name", BUNDLED)
def test_no_train_form_comes_near_an_everyday_exam_request(name):
    close = [
        (intent.name, form, request, round(ratio(form, request), 2))
        for intent in load_family(name).all_intents
        for form in _train_forms(intent)
        for request in EVERYDAY
        if ratio(form, request) >= THRESHOLD
    ]
    assert close == []


@pytest.mark.parametrize("name", BUNDLED)
def test_the_test_split_still_draws_only_the_hand_written_held_out_phrasings(name):
    for intent in load_family(name).all_intents:
        held_out = [intent.phrasing(k) for k in intent.phrasing_ids("test")]
        assert held_out == [p for k, p in enumerate(intent.phrasings) if k % 4 == 3]


def test_composition_adds_frames_synonyms_backgrounds_and_number_words():
    forms = set(compose(["Delete task {id}.", "Add '{title}' to my to-do list, due {when}."]))
    assert "Can you delete task {id}?" in forms
    assert "Would you mind deleting task {id}?" in forms
    assert "Erase task {id}." in forms
    assert "Delete task {id_words}." in forms
    assert "I'm planning my week. Delete task {id}." in forms
    assert "Add '{title}' to my todo list, due {when}." in forms
    assert "Due {when}: add '{title}' to my to-do list." in forms


def test_a_widened_intent_keeps_its_phrasings_and_drops_forms_that_reword_a_held_out_one():
    def build(ctx: Ctx) -> Draft:
        ctx.slots = {"id": 2}
        return Draft("no_tool", [], [], ctx.request(), [contains("x")])

    held = "Please delete task {id}."
    intent = Intent("t", ("Delete task {id}.", "Remove task {id}.", "Drop task {id}.", held), build)
    wide = widen([intent])[0]
    assert wide.phrasings == intent.phrasings
    assert held not in wide.train_only and len(wide.train_only) >= 40
    assert all(ratio(form, held) < THRESHOLD for form in wide.train_only)
    family = Family("t", (wide,))
    assert family.generate(12, "test", 0) == Family("t", (intent,)).generate(12, "test", 0)


def test_a_number_slot_is_offered_in_words_when_a_form_spells_it_out():
    ctx = Ctx(random.Random(0), "train", None, "Delete task {id_words}.")
    ctx.slots = {"id": 23}
    assert "twenty-three" in ctx.request().lower()
    assert [number_words(v) for v in (0, 7, 20, 99, 100, "3")] == ["zero", "seven", "twenty", "ninety-nine", None, None]


def test_written_dates_name_a_future_day_in_the_format_they_show():
    today = date(2026, 11, 20)
    seen = set()
    for seed in range(200):
        text, day = written_date(random.Random(seed), today)
        assert day > today
        assert day.isoformat() in text or str(day.day) in text
        seen.add(text.split(" ", 1)[1][:3])
    assert len(seen) >= 5  # ISO, month names, m/d and "the Nth" all occur


@pytest.mark.parametrize("name", BUNDLED)
def test_intents_added_after_the_held_out_set_train_but_never_reach_the_test_split(name):
    family = load_family(name)
    added = {intent.name for intent in family.added}
    train = {t.meta["intent"] for t in family.generate(4 * len(family.all_intents), "train", 0)}
    test = {t.meta["intent"] for t in family.generate(4 * len(family.all_intents), "test", 0)}
    assert added <= train
    assert not added & test
    for intent in family.added:
        assert intent.phrasing_ids("test"), intent.name  # held-out phrasings kept for the next held-out set


def test_at_least_a_tenth_of_default_train_tasks_call_no_tool():
    tasks = generate_tasks(None, "train", 600, 0)
    no_tool = [t for t in tasks if t.category == "no_tool"]
    assert len(no_tool) >= 60
    kinds = {t.meta["intent"].split(".")[0] for t in no_tool}
    assert {"irrelevant", "missing"} <= kinds
