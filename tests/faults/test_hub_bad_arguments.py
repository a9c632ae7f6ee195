"""Model tool calls the hub refuses with a readable tool error: arguments that are not JSON
or break the schema, and tools that do not exist.
"""

from __future__ import annotations

import anyio
import pytest

from agent.hub import Hub
from tests.conftest import toy_config

pytestmark = pytest.mark.anyio


async def test_arguments_that_are_not_json_come_back_as_a_tool_error():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            outcome = await hub.call("toy__echo", '{"text": "unterminated')
    assert outcome.is_error
    assert "not valid JSON" in outcome.text


async def test_arguments_violating_the_schema_name_the_field():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            wrong_type = await hub.call("toy__add", '{"a": "two", "b": 1}')
            missing = await hub.call("toy__add", '{"a": 1}')
    assert wrong_type.is_error and "'a'" in wrong_type.text and "number" in wrong_type.text
    assert missing.is_error and "missing required argument 'b'" in missing.text


async def test_an_unknown_tool_is_a_tool_error_that_suggests_the_closest_name():
    with anyio.fail_after(30):
        async with Hub({"toy": toy_config()}) as hub:
            outcome = await hub.call("toy__ecko", "{}")
    assert outcome.is_error
    assert "unknown tool 'toy__ecko'" in outcome.text
    assert "Did you mean 'toy__echo'?" in outcome.text
