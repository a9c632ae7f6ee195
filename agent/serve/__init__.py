"""`looptune serve`: the OpenAI chat-completions API (and vLLM's LoRA routes) over an in-process backend.

schema (request bodies in, ChatRequest out), replies (OpenAI's response,
chunk and error shapes), models (served ids: the base and its adapters),
admission (a bounded wait line), app (the Starlette routes). It knows
nothing of MCP or the loop: clients bring their own tools.
"""
