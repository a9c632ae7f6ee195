"""The loss on trained positions only: the LM head projects just the tokens whose next label is trained.

Assistant tokens are about a tenth of a tool-use trace (the rest is the
system prompt, tool schemas and tool results), so scoring every position
spends most of the head's 49k-row matmul, its softmax and their backward on
tokens that carry no loss. TRL compacts this way only on Triton devices
(elsewhere a varying count of positions recompiles its kernel); eager CPU
has no such cost. Same loss, same gradients, same normalisation as TRL's
(sum over trained tokens / `num_items_in_batch`). A prefix-sharing group
(training.sft.groups) runs its prefix once and each member on its KV cache.
It knows nothing of the data or the config.
"""

from __future__ import annotations

from typing import Any


def trained_positions(labels: Any) -> Any:
    """Positions t whose next-token label `labels[:, t + 1]` is trained in any row of the batch."""
    return (labels[:, 1:] != -100).any(dim=0).nonzero().squeeze(-1)


def scored(model: Any, input_ids: Any, labels: Any, attention_mask: Any = None, past: Any = None):
    """(summed cross-entropy, correct top-1 predictions, trained tokens) over the trained positions only."""
    import torch.nn.functional as F

    keep = trained_positions(labels)
    outputs = model(
        input_ids=input_ids,
        attention_mask=attention_mask,
        past_key_values=past,
        logits_to_keep=keep,
        use_cache=past is not None,
    )
    logits = outputs.logits.float()
    targets = labels[:, keep + 1]
    trained = targets != -100
    total = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-100, reduction="sum")
    correct = ((logits.argmax(dim=-1) == targets) & trained).sum()
    return total, correct.detach(), trained.sum()


def compact_loss(model: Any, inputs: dict[str, Any], num_items: Any = None) -> tuple[Any, Any, Any]:
    """(loss, correct top-1 predictions, trained tokens) scoring only the trained positions."""
    if "lengths" in inputs:
        total, correct, count = group_scored(model, inputs["input_ids"], inputs["labels"], inputs["lengths"][0])
    else:
        total, correct, count = scored(model, inputs["input_ids"], inputs["labels"], inputs.get("attention_mask"))
    loss = total / (count.clamp(min=1) if num_items is None else num_items)
    return loss, correct, count


def group_scored(model: Any, input_ids: Any, labels: Any, lengths: Any):
    """`scored` summed over a group's members (training.sft.groups), running their shared prefix once."""
    from transformers import DynamicCache

    prefix, *tails = (int(n) for n in lengths)
    kv = None
    if prefix:
        # One logit row, not P: the prefix trains nothing, and the LM head over it would cost a fifth of its run.
        cache = model(input_ids=input_ids[:, :prefix], use_cache=True, logits_to_keep=1).past_key_values
        kv = [(layer.keys, layer.values) for layer in cache.layers]
    results, start = [], prefix
    for n in tails:
        # A fresh cache per member over the same prefix tensors: appending copies (torch.cat), so members
        # never see each other's tokens, and the prefix's gradient sums over all of them.
        past = DynamicCache(ddp_cache_data=kv, config=model.config) if kv else None
        results.append(scored(model, input_ids[:, start : start + n], labels[:, start : start + n], past=past))
        start += n
    return tuple(sum(parts) for parts in zip(*results, strict=True))


def compact_trainer_class() -> type:
    """SFTTrainer whose training and eval loss score only the trained positions (metrics kept)."""
    from trl import SFTTrainer

    class CompactSFTTrainer(SFTTrainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if return_outputs:  # a caller that wants the logits gets TRL's full path
                return super().compute_loss(model, inputs, True, num_items_in_batch)
            loss, correct, count = compact_loss(model, inputs, num_items_in_batch)
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes  # as TRL: DDP averages, num_items counts every rank
            self._record(correct, count, inputs)
            return loss

        def _record(self, correct, count, inputs) -> None:
            assert self.model is not None  # typed optional on Trainer; this one is always built with a model
            mode = "train" if self.model.training else "eval"
            gather = self.accelerator.gather_for_metrics
            valid = gather(count).sum()
            self._metrics[mode]["mean_token_accuracy"].append((gather(correct).sum() / valid.clamp(min=1)).item())
            if mode == "train":
                local = _example_tokens(inputs, count)
                self._total_train_tokens += gather(local).sum().item()
            self._metrics[mode]["num_tokens"] = [self._total_train_tokens]

    return CompactSFTTrainer


def _example_tokens(inputs: dict[str, Any], like: Any) -> Any:
    """Tokens of the examples in a batch (a group counts its shared prefix once per member, as trained alone)."""
    if "lengths" in inputs:
        prefix, tails = inputs["lengths"][0, 0], inputs["lengths"][0, 1:]
        return prefix * len(tails) + tails.sum()
    mask = inputs.get("attention_mask")
    return mask.sum() if mask is not None else like.new_tensor(inputs["input_ids"].numel())
