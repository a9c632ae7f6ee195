"""Serving a model: `looptune serve` (the OpenAI API over the in-process backend) and `looptune vllm`.

schema (request bodies in, ChatRequest out), replies (OpenAI's response,
chunk and error shapes), models (served ids: the base and its adapters),
admission (a bounded wait line), app (the Starlette routes), contained
(a bug answers 500, not a dropped connection), cli (start
`looptune serve`); vllm and launch compose, check and start `vllm serve`;
push hot-loads a trained adapter into either server. It knows nothing of MCP
or the loop: clients bring their own tools.
"""
