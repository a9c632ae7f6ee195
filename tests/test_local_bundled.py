"""The real bundled SmolLM2 through the loop against a real MCP server (slow: loads real weights)."""

from __future__ import annotations

import json

import anyio
import jsonschema
import pytest

from agent.backends import BackendOptions, create_backend
from agent.environments import fresh_environment
from agent.loop import AgentLoop, LoopConfig, ToolCallFinished
from agent.messages import UserMessage

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_the_bundled_model_makes_a_schema_valid_call_that_reaches_a_real_server():
    backend = create_backend("local", BackendOptions(model="bundled"))
    config = LoopConfig(max_steps=2, max_tokens=64, first_tool_choice="required", system_prompt="Use the tools.")
    try:
        with anyio.fail_after(300):
            async with fresh_environment(["calc"], inproc=False) as hub:
                result = await AgentLoop(backend, hub, config).run([UserMessage(content="What is 17 * 23?")])
                schemas = {tool.name: tool.function.parameters for tool in hub.specs()}
    finally:
        await backend.aclose()
    finished = [e for e in result.events if isinstance(e, ToolCallFinished)]
    assert finished, result.error
    call = finished[0].call
    assert call.name in schemas
    jsonschema.validate(json.loads(call.function.arguments), schemas[call.name])
    assert "missing required argument" not in finished[0].outcome.text
