"""What the fine-tuning service accepts as data and how OpenAI's hyperparameters become a `looptune train` config."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from training.service import dataset
from training.service.hyper import Hyperparameters, JobRequest, resolve, train_config

CHAT = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}


def lines(*records: object) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in records)


def test_openai_chat_examples_without_tools_become_traces_with_an_empty_tool_list():
    verdict = dataset.check(lines(CHAT, {**CHAT, "parallel_tool_calls": False}))
    assert verdict.ok and verdict.details().startswith("2 lines: 2 valid, 0 invalid")
    assert [r["tools"] for r in verdict.records] == [[], []]
    assert all("parallel_tool_calls" not in r for r in verdict.records)


def test_blank_lines_are_skipped_but_line_numbers_stay_the_editors():
    verdict = dataset.check(b"\n" + lines(CHAT) + b"\n{oops\n")
    assert verdict.problems[0][0] == 4 and verdict.problems[0][1].startswith("not JSON")
    assert verdict.lines == 2 and not verdict.ok


def test_a_weight_of_zero_and_the_legacy_functions_format_are_reported_not_silently_changed():
    weighted = {"messages": [CHAT["messages"][0], {**CHAT["messages"][1], "weight": 0}]}
    trained = {"messages": [CHAT["messages"][0], {**CHAT["messages"][1], "weight": 1}]}
    legacy = {**CHAT, "functions": [{"name": "f", "parameters": {"type": "object"}}]}
    verdict = dataset.check(lines(weighted, trained, legacy))
    assert [line for line, _ in verdict.problems] == [1, 3]
    assert "weight 0 is not supported" in verdict.problems[0][1] and "'functions'" in verdict.problems[1][1]
    assert "weight" not in json.dumps(verdict.records)


def test_an_empty_file_is_an_error_that_says_so():
    verdict = dataset.check(b"\n\n")
    assert not verdict.ok and verdict.details() == "the file has no examples (no non-blank lines)"


def test_the_details_show_the_first_fifty_problems_and_count_the_rest():
    verdict = dataset.check(b"x\n" * 60)
    shown = verdict.details().splitlines()
    assert shown[0] == "60 lines: 0 valid, 60 invalid (not JSON 60)"
    assert shown[-1] == "... and 10 more problems" and len(shown) == 52


@pytest.mark.parametrize(
    ("examples", "epochs", "batch"), [(10, 3, 1), (63, 3, 1), (64, 3, 8), (1000, 2, 8), (10000, 1, 8)]
)
def test_auto_hyperparameters_depend_on_the_number_of_examples(examples, epochs, batch):
    resolved = resolve(Hyperparameters(n_epochs="auto"), examples)
    assert (resolved.n_epochs, resolved.batch_size, resolved.learning_rate_multiplier) == (epochs, batch, 1.0)


def test_given_hyperparameters_map_onto_the_train_config_and_the_mapping_says_how():
    resolved = resolve(Hyperparameters(n_epochs=2, batch_size=4, learning_rate_multiplier=0.5), 40)
    config, mapping = train_config(
        resolved, base="bundled", data="d.jsonl", validation="v.jsonl", output_dir="out", examples=40, seed=3
    )
    assert (config.epochs, config.batch_size, config.grad_accumulation, config.learning_rate) == (2, 1, 4, 1e-4)
    assert config.eval_data == ["v.jsonl"] and config.seed == 3 and config.save_steps == 5  # 20 steps / 4
    assert mapping["batch_size"].startswith("grad_accumulation = 4")
    assert mapping["learning_rate_multiplier"] == "learning_rate = 0.0002 x 0.5"


def test_a_job_request_prefers_methods_hyperparameters_and_refuses_unknown_keys_and_long_suffixes():
    request = JobRequest.model_validate(
        {
            "model": "m",
            "training_file": "file-x",
            "hyperparameters": {"n_epochs": 9},
            "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
        }
    )
    assert request.chosen().n_epochs == 2
    with pytest.raises(ValidationError, match="suffix"):
        JobRequest.model_validate({"model": "m", "training_file": "f", "suffix": "s" * 65})
    with pytest.raises(ValidationError, match="epochs"):
        JobRequest.model_validate({"model": "m", "training_file": "f", "epochs": 3})
