"""Eval metrics on hand-built episodes whose right figures are known."""

from __future__ import annotations

import pytest

from eval.checks import CallRecord
from eval.metrics import compute_metrics, meets, pass_hat_k, percentile, summary
from eval.records import EpisodeRecord
from eval.scoring import CallScore, confusion_pairs, score_episode
from eval.significance import bootstrap_ci, mcnemar_exact, paired
from eval.tasks import ToolUse

SCHEMAS = {
    "tasks__add_task": {
        "type": "object",
        "properties": {"title": {"type": "string"}, "due": {"type": "string"}},
        "required": ["title"],
        "additionalProperties": False,
    },
    "calc__evaluate": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]},
}
ADD = ToolUse(name="tasks__add_task", arguments={"title": "buy milk", "due": "2026-11-27"})
CALC = ToolUse(name="calc__evaluate", arguments={"expression": "2+2"})


def call(name, arguments, is_error=False):
    return CallRecord(name, arguments, is_error)


def test_the_same_tools_in_the_same_order_is_a_right_selection():
    score = score_episode(
        [ADD, CALC], [call("tasks__add_task", {"title": "Buy milk."}), call("calc__evaluate", {})], SCHEMAS
    )
    assert score.selection_ok


def test_an_extra_call_or_a_swapped_order_is_a_wrong_selection():
    extra = [call("calc__evaluate", {"expression": "1"}), call("tasks__add_task", {}), call("calc__evaluate", {})]
    assert not score_episode([ADD, CALC], extra, SCHEMAS).selection_ok
    swapped = [call("calc__evaluate", {}), call("tasks__add_task", {})]
    assert not score_episode([ADD, CALC], swapped, SCHEMAS).selection_ok


def test_arguments_follow_the_design_matching_rules():
    right = call("tasks__add_task", {"title": "  Buy Milk ", "due": "2026-11-27"})
    wrong_date = call("tasks__add_task", {"title": "buy milk", "due": "2026-11-28"})
    score = score_episode([ADD], [right], SCHEMAS)
    assert (score.params_checked, score.params_ok) == (1, 1)
    score = score_episode([ADD], [wrong_date], SCHEMAS)
    assert (score.params_checked, score.params_ok) == (1, 0)
    assert score.param_problems == ["tasks__add_task: argument 'due' is '2026-11-28', expected '2026-11-27'"]


def test_a_retry_with_the_right_arguments_counts_as_right_arguments_but_not_right_selection():
    calls = [call("tasks__add_task", {"title": "milk"}, is_error=False), call("tasks__add_task", {**ADD.arguments})]
    score = score_episode([ADD], calls, SCHEMAS)
    assert (score.params_checked, score.params_ok, score.selection_ok) == (1, 1, False)


def test_an_expected_tool_never_called_is_not_an_argument_check():
    score = score_episode([ADD, CALC], [call("calc__evaluate", {"expression": "2 + 2"})], SCHEMAS)
    assert (score.params_checked, score.params_ok) == (1, 1)  # whitespace folds away: "2 + 2" matches "2+2"
    assert not score.selection_ok and score.pairs == [("tasks__add_task", "none"), ("calc__evaluate", "calc__evaluate")]


def test_unknown_tools_and_unparsable_or_invalid_arguments_are_hallucinations():
    calls = [
        call("tasks__remove_everything", {}, is_error=True),
        call("tasks__add_task", None),
        call("tasks__add_task", {"priority": "high"}),
        call("calc__evaluate", {"expression": "1"}),
    ]
    kinds = [c.hallucination for c in score_episode([], calls, SCHEMAS).calls]
    assert kinds == ["unknown tool", "unparsable arguments", "schema-invalid arguments", ""]


def test_a_call_that_ran_on_a_mounted_tool_the_shortlist_left_out_is_no_hallucination():
    ran = call("tasks__list_tasks", {}, is_error=False)  # mounted, not in the shown schemas, and it ran
    refused = call("tasks__list_everything", {}, is_error=True)  # the hub: unknown tool
    kinds = [c.hallucination for c in score_episode([], [ran, refused], SCHEMAS).calls]
    assert kinds == ["", "unknown tool"]


@pytest.mark.parametrize(
    ("expected", "called", "pairs"),
    [
        ([], [], [("none", "none")]),
        ([], ["a"], [("none", "a")]),
        (["a"], [], [("a", "none")]),
        (["a", "b"], ["a", "c"], [("a", "a"), ("b", "c")]),
        (["a", "b"], ["a", "x", "b"], [("a", "a"), ("none", "x"), ("b", "b")]),
        (["a", "b", "c"], ["a", "c"], [("a", "a"), ("b", "none"), ("c", "c")]),
    ],
)
def test_confusion_pairs_align_expected_and_called_tools(expected, called, pairs):
    assert confusion_pairs(expected, called) == pairs


def record(task_id, passed, pairs=(), trial=0, category="single_tool", expected=(), calls=(), **more):
    return EpisodeRecord(
        task_id=task_id,
        trial=trial,
        category=category,
        passed=passed,
        pairs=list(pairs),
        expected=None if expected is None else list(expected),
        calls=[CallScore(name, False, why) for name, why in calls],
        **more,
    )


def test_pass_hat_k_is_the_chance_that_all_k_trials_pass():
    records = [record("a", p, trial=i) for i, p in enumerate([True, True, False])]
    records += [record("b", True, trial=i) for i in range(3)]
    # a: C(2,k)/C(3,k) = 2/3, 1/3, 0; b: 1 for every k.
    assert pass_hat_k(records) == {"1": round((2 / 3 + 1) / 2, 4), "2": round((1 / 3 + 1) / 2, 4), "3": 0.5}


def test_per_tool_precision_recall_f1_and_the_confusion_matrix_are_read_off_the_pairs():
    records = [
        record("1", True, [("add", "add")]),
        record("2", False, [("add", "list")]),
        record("3", False, [("list", "list"), ("none", "add")]),
        record("4", True, [("none", "none")]),
    ]
    metrics = compute_metrics(records)
    assert metrics["confusion"] == {
        "labels": ["add", "list", "none"],
        "matrix": [[1, 1, 0], [0, 1, 0], [1, 0, 1]],
    }
    add, listing = metrics["by_tool"]["add"], metrics["by_tool"]["list"]
    assert (add["precision"], add["recall"], add["f1"]) == (0.5, 0.5, 0.5)
    assert (listing["precision"], listing["recall"], listing["f1"]) == (0.5, 1.0, 0.6667)


def test_headline_figures_count_what_the_seeds_define():
    records = [
        record("1", True, expected=["add"], calls=[("add", "")], selection_ok=True, params_checked=1, params_ok=1),
        record("2", False, expected=["add"], calls=[("nope", "unknown tool")], params_checked=0),
        record("3", False, category="no_tool", calls=[("add", ""), ("add", "")]),
        record("4", True, category="no_tool", selection_ok=True),
    ]
    s = summary(records)
    assert (s["completion"], s["selection"], s["parameters"]) == (0.5, 0.5, 1.0)
    assert (s["calls"], s["hallucinated_calls"], s["hallucinations_per_100_calls"]) == (4, 1, 25.0)
    assert (s["no_tool_tasks"], s["no_tool_false_call_rate"]) == (2, 0.5)
    assert compute_metrics(records)["by_category"]["no_tool"]["completion"] == 0.5


def test_latency_and_speed_come_from_the_step_timings():
    records = [
        record("1", True, step_s=[1.0, 3.0], duration_s=4.5, model_s=3.0, completion_tokens=60, steps=2),
        record("2", True, step_s=[2.0], duration_s=2.5, model_s=1.0, completion_tokens=20, steps=1),
    ]
    s = summary(records)
    assert s["step_latency_s"] == {"mean": 2.0, "p50": 2.0, "p95": 2.9}
    assert s["step_latency_mean_s"] == 2.0 and s["tokens_per_s"] == 20.0
    assert s["steps_per_task"]["mean"] == 1.5


def test_percentiles_interpolate_and_bars_compare_the_right_way():
    assert percentile([1, 2, 3, 4], 50) == 2.5 and percentile([], 50) is None
    assert meets("completion", 0.81) and not meets("completion", 0.8)
    assert meets("hallucinations_per_100_calls", 9.9) and not meets("hallucinations_per_100_calls", 10)
    assert meets("tokens_per_s", 5.0) is None


def test_mcnemar_exact_p_values_match_the_binomial_test():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(0, 6) == pytest.approx(2 / 64)
    assert mcnemar_exact(3, 5) == pytest.approx(2 * (1 + 8 + 28 + 56) / 256)


def test_a_two_point_change_on_sixty_tasks_is_not_significant_and_a_large_one_is():
    base = {f"t{i}": float(i < 30) for i in range(60)}
    small = {**base, "t30": 1.0}
    large = {f"t{i}": float(i < 55) for i in range(60)}
    assert not paired(base, small).significant
    result = paired(base, large)
    assert result.significant and (result.only_a, result.only_b) == (0, 25)
    assert result.ci_low > 0 and result.delta == pytest.approx(25 / 60)


def test_the_bootstrap_is_seeded():
    diffs = [1.0, 0.0, -1.0, 1.0, 1.0, 0.0]
    assert bootstrap_ci(diffs, seed=3) == bootstrap_ci(diffs, seed=3)


def test_a_task_that_states_no_calls_is_not_scored_for_selection_and_is_not_a_no_tool_task():
    from eval.tasks import parse_task

    outcome_only = parse_task(
        '{"id": "o1", "category": "single_tool", "messages": [{"role": "user", "content": "hi"}],'
        ' "checks": [{"type": "answer_contains", "value": "x"}]}'
    )
    assert outcome_only.expected_calls is None and outcome_only.plan is None
    no_tool = outcome_only.model_copy(update={"id": "n1", "category": "no_tool"})
    assert no_tool.plan == []  # a no_tool task's plan is "no calls", stated or not
    records = [
        record("o1", True, calls=[("add", "")], expected=None, selection_ok=None),
        record("o2", True, calls=[("add", ""), ("list", "")], expected=None, selection_ok=None),
        record("s1", True, [("add", "add")], expected=["add"], calls=[("add", "")], selection_ok=True),
        record("n1", True, [("none", "none")], category="no_tool", selection_ok=True),
    ]
    s = summary(records)
    assert (s["selection"], s["selection_not_scored"]) == (1.0, 2)  # 2 of 2 scored episodes right, 2 not scored
    assert (s["no_tool_tasks"], s["no_tool_false_call_rate"]) == (1, 0.0)
    assert compute_metrics(records)["confusion"]["labels"] == ["add", "none"]  # unscored calls stay out of it
