"""Prefix sharing in training: grouping, and a group's loss and gradients against its members trained alone."""

from __future__ import annotations

import json

import pytest

from training.sft.data import Example
from training.sft.groups import Group, GroupCollator, group_examples, group_rows, split_point, take


def example(ids: list[int], first_trained: int, name: str) -> Example:
    return Example(ids, [0] * first_trained + [1] * (len(ids) - first_trained), name)


def test_examples_that_open_alike_group_and_the_split_stays_before_each_first_trained_token():
    servers_a = [7] * 12
    a1 = example([*servers_a, 1, 2, 3, 4], 14, "a1")
    a2 = example([*servers_a, 1, 5, 6], 13, "a2")
    a3 = example([*servers_a, 9, 9, 9, 9], 13, "a3")  # shares 12 tokens too, but the group is full
    lone = example([3] * 10 + [4, 4], 10, "lone")
    alike = example([*servers_a, 1, 2, 3, 8], 15, "a1-alike")

    groups = group_examples([a3, lone, a1, alike, a2], size=3, min_shared=8)

    assert [[e.source for e in g.examples] for g in groups] == [["lone"], ["a1", "a1-alike", "a2"], ["a3"]]
    assert [g.prefix for g in groups] == [0, 12, 0]  # a1 trains from 14: position 13 predicts it, so 13 is kept
    assert split_point([a1, alike]) == 13
    assert groups[1].tokens == 12 + 4 + 4 + 3


def test_a_sample_is_drawn_in_whole_groups_but_the_last():
    servers = [[k] * 70 for k in range(1, 5)]
    examples = [example([*s, 100 + i, 200], 71, f"{s[0]}-{i}") for s in servers for i in range(4)]
    examples += [example([50 + i] * 3, 1, f"lone-{i}") for i in range(4)]

    for seed in range(5):
        drawn = take(examples, 9, size=4, seed=seed)
        assert len(drawn) == 9 and len({e.source for e in drawn}) == 9
        counts = [sum(e.input_ids[0] == s[0] for e in drawn) for s in servers]
        assert sum(c not in (0, 4) for c in counts) <= 1  # only the last group drawn may be cut


def test_a_group_row_holds_the_prefix_once_then_each_members_tail_with_labels_aligned():
    a = example([5, 5, 5, 1, 2], 4, "a")
    b = example([5, 5, 5, 3], 3, "b")
    rows = group_rows([Group([a, b], 2)])
    assert rows == {
        "input_ids": [[5, 5, 5, 1, 2, 5, 3]],
        "labels": [[-100, -100, -100, -100, 2, -100, 3]],
        "lengths": [[2, 3, 2]],
    }
    batch = GroupCollator()([{key: values[0] for key, values in rows.items()}])
    assert batch["lengths"].tolist() == [[2, 3, 2]] and batch["input_ids"].shape == (1, 7)
    with pytest.raises(ValueError, match="batch_size 1"):
        GroupCollator()([{key: values[0] for key, values in rows.items()}] * 2)


def test_a_groups_loss_and_gradients_equal_its_members_trained_alone(tiny_model_dir):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from training.sft.compact import compact_loss

    torch.manual_seed(0)
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(tiny_model_dir),
        LoraConfig(r=4, target_modules=["q_proj", "v_proj", "down_proj"], init_lora_weights=False),
    )
    model.train()
    prefix = torch.randint(0, model.config.vocab_size, (20,)).tolist()
    tails = [torch.randint(0, model.config.vocab_size, (n,)).tolist() for n in (9, 14, 6)]
    members = [example(prefix + tail, 23, f"m{i}") for i, tail in enumerate(tails)]
    members[1].assistant_masks[28:31] = [0, 0, 0]  # a tool result between two trained turns
    row = group_rows([Group(members, split_point(members))])
    batch = GroupCollator()([{key: values[0] for key, values in row.items()}])
    trained = int((batch["labels"] != -100).sum())

    alone = 0
    for m in members:
        labels = torch.tensor([[t if k else -100 for t, k in zip(m.input_ids, m.assistant_masks, strict=True)]])
        loss, _, _ = compact_loss(model, {"input_ids": torch.tensor([m.input_ids]), "labels": labels}, trained)
        alone = alone + loss
    alone.backward()
    expected = [p.grad.clone() for p in model.parameters() if p.requires_grad]
    model.zero_grad()
    grouped, correct, count = compact_loss(model, batch, trained)
    grouped.backward()

    assert batch["lengths"][0, 0] == 20 and int(count) == trained
    assert torch.allclose(grouped, alone, atol=1e-5)
    got = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(got, expected, strict=True))


def test_sharing_needs_one_group_per_micro_batch(tmp_path):
    from training.sft.config import ConfigError, load_config

    path = tmp_path / "c.yaml"
    path.write_text("data: a.jsonl\nshare_prefix: 4\nbatch_size: 2\n")
    with pytest.raises(ConfigError, match="set batch_size 1"):
        load_config(str(path), {})
    with pytest.raises(ConfigError, match="set loss_positions trained"):
        load_config(str(path), {"batch-size": "1", "loss-positions": "all"})


def test_training_with_shared_prefixes_lowers_the_loss_and_reports_the_groups(tmp_path, tiny_model_dir):
    from tests.test_train import looptune_train, write_config

    config = write_config(tmp_path, tiny_model_dir, share_prefix=4, max_steps=4, save_steps=4)
    done = looptune_train(str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "prefix sharing: 16 examples in 4 groups (16 share a prefix)" in done.stderr
    assert "GiB estimated for the largest step" in done.stderr
    log = [json.loads(line) for line in (tmp_path / "out" / "train_log.jsonl").read_text().splitlines()]
    losses = [e["loss"] for e in log if "loss" in e]
    assert len(losses) == 4 and losses[-1] < losses[0] - 0.1
    assert (tmp_path / "out" / "adapter_model.safetensors").exists()


def test_the_memory_line_counts_a_groups_prefix_once_and_a_batch_at_its_longest_member(tiny_model_dir):
    from training.sft.cli import memory_line
    from training.sft.config import TrainConfig
    from training.sft.memory import GIB, estimate, from_config

    shape = from_config(tiny_model_dir)
    members = [example([1, 2, 3, 4, 5, 6, k, k], 6, f"e{k}") for k in (7, 8, 9)]
    groups = group_examples(members, 4, 2)
    shared = TrainConfig(data=["t.jsonl"], share_prefix=4, batch_size=1, lora_r=8)
    expected = estimate(shape, rank=8, seq=5 + 3 * 3, scored=0.25).total / GIB
    assert memory_line(shared, shape, "cpu", groups, 0.25) == (
        f"memory: ~{expected:.1f} GiB estimated for the largest step (14 tokens kept for backward)"
    )
    batched = TrainConfig(data=["t.jsonl"], batch_size=2, loss_positions="all")
    line = memory_line(batched, shape, "cpu", group_examples(members, 1, 2), 0.25)
    assert line.endswith("(16 tokens kept for backward)")
