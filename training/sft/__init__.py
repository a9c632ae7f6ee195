"""Supervised fine-tuning (LoRA / QLoRA) on the loop's verified traces: config, data, trainer, outputs.

`looptune train` imports these modules only when it runs; nothing here is
imported by `agent` or `eval`.
"""
