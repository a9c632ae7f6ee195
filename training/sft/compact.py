"""The loss on trained positions only: the LM head projects just the tokens whose next label is trained.

Assistant tokens are about a tenth of a tool-use trace (the rest is the
system prompt, tool schemas and tool results), so scoring every position
spends most of the head's 49k-row matmul, its softmax and their backward on
tokens that carry no loss. TRL compacts this way only on Triton devices
(elsewhere a varying count of positions recompiles its kernel); eager CPU
has no such cost. Same loss, same gradients, same normalisation as TRL's
(sum over trained tokens / `num_items_in_batch`). It knows nothing of the
data or the config.
"""

from __future__ import annotations

from typing import Any


def trained_positions(labels: Any) -> Any:
    """Positions t whose next-token label `labels[:, t + 1]` is trained in any row of the batch."""
    return (labels[:, 1:] != -100).any(dim=0).nonzero().squeeze(-1)


def compact_loss(model: Any, inputs: dict[str, Any], num_items: Any = None) -> tuple[Any, Any, Any]:
    """(loss, correct top-1 predictions, trained tokens) scoring only the trained positions."""
    import torch.nn.functional as F

    labels = inputs["labels"]
    keep = trained_positions(labels)
    outputs = model(
        input_ids=inputs["input_ids"],
        attention_mask=inputs.get("attention_mask"),
        logits_to_keep=keep,
        use_cache=False,
    )
    logits = outputs.logits.float()
    targets = labels[:, keep + 1]
    trained = targets != -100
    total = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-100, reduction="sum")
    count = trained.sum()
    loss = total / (count.clamp(min=1) if num_items is None else num_items)
    correct = ((logits.argmax(dim=-1) == targets) & trained).sum()
    return loss, correct.detach(), count


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
            mode = "train" if self.model.training else "eval"
            gather = self.accelerator.gather_for_metrics
            valid = gather(count).sum()
            self._metrics[mode]["mean_token_accuracy"].append((gather(correct).sum() / valid.clamp(min=1)).item())
            if mode == "train":
                mask = inputs.get("attention_mask")
                local = mask.sum() if mask is not None else count.new_tensor(inputs["input_ids"].numel())
                self._total_train_tokens += gather(local).sum().item()
            self._metrics[mode]["num_tokens"] = [self._total_train_tokens]

    return CompactSFTTrainer
