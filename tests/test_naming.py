"""Model-facing tool names."""

from __future__ import annotations

import re

import pytest

from agent.naming import NameTable, ToolNameCollision, exposed_name, owner

VALID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def test_names_join_server_and_tool_with_a_double_underscore():
    assert exposed_name("time", "get_current_time") == "time__get_current_time"


def test_characters_outside_the_allowed_set_are_replaced():
    assert exposed_name("my.server", "tool/with spaces") == "my_server__tool_with_spaces"


def test_long_names_stay_within_64_characters_and_distinct():
    a = exposed_name("s" * 40, "t" * 40 + "a")
    b = exposed_name("s" * 40, "t" * 40 + "b")
    assert VALID.match(a) and VALID.match(b)
    assert a != b


def test_a_collision_names_both_servers():
    table = NameTable()
    table.add("a.b", "echo")
    with pytest.raises(ToolNameCollision, match="'a.b'.*'a_b'"):
        table.add("a_b", "echo")


def test_the_owner_of_a_name_is_found_through_the_sanitized_server_names():
    servers = ["my.toy", "my.toy__x", "time"]
    assert owner("my_toy__echo", servers) == "my.toy"
    assert owner("my_toy__x__echo", servers) == "my.toy__x"
    assert owner("time__get_current_time", servers) == "time"
    assert owner("justatool", servers) is None
