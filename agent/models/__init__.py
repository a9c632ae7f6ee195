"""Model and adapter loading, shared by the local backend and by training.

Where a model's weights come from (`source`: bundled GGUF, a directory, a GGUF file), loading them into
transformers (`loader`), PEFT adapters on a loaded model (`adapters`), what `--adapter` means (`shipped`,
with the LoRA that ships in `bundled_adapter/`) and token-sequence helpers (`tokens`). This layer knows
nothing of prompts, decoding, tool calls, the agent loop or training loops; agent/backends/local and
training/ both build on it, and it imports neither.
"""
