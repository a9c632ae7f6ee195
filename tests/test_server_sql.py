"""The bundled sql server through the real hub: reading, writing in transactions, and its errors.

What it refuses to hostile SQL (writes through query, ATTACH, extensions, pragmas, runaway
queries) is in tests/faults/test_sql_attacks.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
import pytest

from agent.hub import Hub
from agent.registry import ServerConfig
from mcp_servers.sql import build
from mcp_servers.sql.statements import _blank, split_statements
from tests.clirun import scripted_run, tool_texts
from tests.faults.bundled import CALL_LIMIT_S, sql_config
from tests.faults.bundled import SQL_SCHEMA as SCHEMA
from tests.faults.bundled import row_count as count


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "shop.db"


# --- statements ----------------------------------------------------------------------------------------


def test_scripts_split_on_semicolons_outside_strings_comments_and_trigger_bodies():
    script = (
        "INSERT INTO t VALUES ('a;b'); -- a comment; with a semicolon\n"
        'CREATE TABLE "x;y" (a);\n'
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 1; DELETE FROM t; END;\n"
        "/* only a comment; */ ;;\n"
        "SELECT 1"
    )
    assert [s.strip() for s in split_statements(script)] == [
        "INSERT INTO t VALUES ('a;b');",
        '-- a comment; with a semicolon\nCREATE TABLE "x;y" (a);',
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 1; DELETE FROM t; END;",
        "SELECT 1",
    ]


def test_a_script_of_only_comments_has_no_statements():
    assert split_statements("  -- nothing\n/* here */ ; ") == []


def test_many_semicolons_inside_a_string_literal_stay_in_one_statement():
    literal = "'" + "a;" * 40_000 + "'"
    script = f"INSERT INTO t VALUES ({literal}); SELECT 1"
    assert split_statements(script) == [f"INSERT INTO t VALUES ({literal});", " SELECT 1"]


def _split_by_complete_statement(sql: str) -> list[str]:
    """The reference: end a statement at every ; where sqlite3.complete_statement says it is complete."""
    statements, start = [], 0
    for end, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : end + 1]):
            statements.append(sql[start : end + 1])
            start = end + 1
    statements.append(sql[start:])
    return [statement for statement in statements if not _blank(statement)]


@pytest.mark.parametrize(
    "script",
    [
        "CREATE TEMP TRIGGER tr BEFORE DELETE ON t BEGIN SELECT 'x;'; END; SELECT 2;",
        "EXPLAIN CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM t; END; SELECT 1",
        'CREATE TABLE [a;b] (`c;d`, "e;f"); CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END /* ; */ ;',
        "SELECT 'it''s;'; SELECT $v, _w, é; SELECT 1 -- trailing; comment",
        "CREATE VIEW endx AS SELECT 1 AS temporary; SELECT 'unterminated; string",
        "SELECT 1 /* unterminated ; comment",
        ";;; SELECT 1 ; ; CREATE trigger t2 after update on t begin update t set a = 1; end ; x",
    ],
)
def test_splitting_agrees_with_sqlite_complete_statement(script):
    assert split_statements(script) == _split_by_complete_statement(script)


# --- the server through the hub ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_execute_builds_tables_that_list_tables_and_describe_table_show(db):
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            hints = {t.tool.name: t.tool.annotations for t in hub.tools()}
            empty = await hub.call("sql__list_tables", {})
            built = await hub.call("sql__execute", {"sql": SCHEMA})
            tables = await hub.call("sql__list_tables", {})
            orders = await hub.call("sql__describe_table", {"table": "ORDERS"})
    assert {name for name, h in hints.items() if h.read_only_hint} == {"list_tables", "describe_table", "query"}
    assert hints["execute"].destructive_hint and not hints["execute"].read_only_hint
    assert "no tables yet" in empty.text
    assert built.text == "Committed 4 statements; 5 rows changed; last inserted rowid 3."
    assert built.structured["rows_changed"] == 5
    assert tables.text == "customers (table, 2 rows)\norders (table, 3 rows)"
    assert tables.structured == {
        "tables": [
            {"name": "customers", "type": "table", "rows": 2},
            {"name": "orders", "type": "table", "rows": 3},
        ]
    }
    assert orders.text.splitlines() == [
        "orders (table, 3 rows) columns:",
        "- id INTEGER, primary key, not null",
        "- customer_id INTEGER, not null",
        "- total REAL, not null, default 0",
        "- foreign key customer_id -> customers.id",
    ]
    assert orders.structured["columns"][2] == {
        "name": "total",
        "type": "REAL",
        "nullable": False,
        "default": "0",
        "primary_key": False,
    }


@pytest.mark.anyio
async def test_query_returns_a_compact_table_and_the_rows_as_data(db):
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            await hub.call("sql__execute", {"sql": SCHEMA})
            joined = await hub.call(
                "sql__query",
                {
                    "sql": "SELECT c.name, c.city, sum(o.total) AS spent FROM customers c "
                    "JOIN orders o ON o.customer_id = c.id GROUP BY c.id ORDER BY c.id"
                },
            )
    assert joined.text == "name | city | spent\nAda | London | 29.5\nBo | NULL | 3.25\n(2 rows)"
    assert joined.structured == {
        "columns": ["name", "city", "spent"],
        "rows": [["Ada", "London", 29.5], ["Bo", None, 3.25]],
        "row_count": 2,
        "truncated": False,
    }


@pytest.mark.anyio
async def test_a_script_that_fails_midway_rolls_back_every_statement(db):
    script = "INSERT INTO customers (name) VALUES ('Cy'); UPDATE orders SET total = 0; INSERT INTO nowhere VALUES (1)"
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            await hub.call("sql__execute", {"sql": SCHEMA})
            failed = await hub.call("sql__execute", {"sql": script})
            bad_sql = await hub.call("sql__execute", {"sql": "INSRT INTO customers VALUES (1)"})
            totals = await hub.call("sql__query", {"sql": "SELECT sum(total) FROM orders"})
    assert failed.is_error and "SQLite error: no such table: nowhere" in failed.text
    assert bad_sql.is_error and 'SQLite error: near "INSRT": syntax error' in bad_sql.text
    assert totals.structured["rows"] == [[32.75]]
    assert count(db, "customers") == 2


@pytest.mark.anyio
async def test_query_shows_fifty_rows_and_says_how_many_more_there_are(db):
    fill = (
        "CREATE TABLE n (i INTEGER);"
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 120) INSERT INTO n SELECT x FROM c"
    )
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            await hub.call("sql__execute", {"sql": fill})
            outcome = await hub.call("sql__query", {"sql": "SELECT i FROM n ORDER BY i"})
    lines = outcome.text.splitlines()
    assert lines[:2] == ["i", "1"] and lines[50] == "50"
    assert lines[-1] == "(120 rows; showing the first 50, 70 more not shown: add LIMIT/WHERE)"
    assert outcome.structured["row_count"] == 120 and outcome.structured["truncated"] is True
    assert len(outcome.structured["rows"]) == 50


@pytest.mark.anyio
async def test_unknown_tables_are_tool_errors_that_list_the_tables(db):
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            await hub.call("sql__execute", {"sql": SCHEMA})
            described = await hub.call("sql__describe_table", {"table": "invoices"})
            queried = await hub.call("sql__query", {"sql": "SELECT * FROM invoices"})
    assert described.is_error and "no table named 'invoices'. Tables: customers, orders." in described.text
    assert queried.is_error and "no such table: invoices. Tables: customers, orders." in queried.text


@pytest.mark.anyio
async def test_in_process_servers_seed_once_and_keep_separate_databases(tmp_path):
    seed = tmp_path / "seed.sql"
    seed.write_text("BEGIN; CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello'); COMMIT;")

    def inproc(state: str) -> ServerConfig:
        return ServerConfig(
            factory="mcp_servers.sql:build", args=["--state-dir", str(tmp_path / state), "--seed-sql", str(seed)]
        )

    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"a": inproc("a"), "b": inproc("b")}) as hub:
            await hub.call("a__execute", {"sql": "INSERT INTO notes VALUES ('only in a')"})
            in_a = await hub.call("a__query", {"sql": "SELECT count(*) FROM notes"})
            in_b = await hub.call("b__query", {"sql": "SELECT count(*) FROM notes"})
        async with Hub({"a": inproc("a")}) as hub:
            reopened = await hub.call("a__query", {"sql": "SELECT count(*) FROM notes"})
    assert (in_a.structured["rows"], in_b.structured["rows"]) == ([[2]], [[1]])
    assert reopened.structured["rows"] == [[2]]
    assert (tmp_path / "a" / "sql.db").exists() and (tmp_path / "b" / "sql.db").exists()


def test_a_failing_seed_is_a_usage_error_that_leaves_no_database_behind(tmp_path, capsys):
    seed = tmp_path / "seed.sql"
    seed.write_text("CREATE TABLE t (a); INSERT INTO missing VALUES (1);")
    with pytest.raises(SystemExit) as exited:
        build(["--db", str(tmp_path / "x.db"), "--seed-sql", str(seed)])
    assert exited.value.code == 2
    message = capsys.readouterr().err.splitlines()[-1]
    assert message.endswith(
        f"error: cannot use {tmp_path / 'x.db'}: the seed SQL failed, so the database was not created: "
        "no such table: missing"
    )
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("seeded", [False, True])
def test_an_existing_file_that_is_not_sqlite_is_a_usage_error_and_survives_byte_for_byte(tmp_path, capsys, seeded):
    notes = tmp_path / "notes.db"
    content = b"my precious notes, not a database\n" * 200
    notes.write_bytes(content)
    seed = tmp_path / "seed.sql"
    seed.write_text("CREATE TABLE t (a);")
    with pytest.raises(SystemExit) as exited:
        build(["--db", str(notes), *(["--seed-sql", str(seed)] if seeded else [])])
    assert exited.value.code == 2
    message = capsys.readouterr().err.splitlines()[-1]
    assert message.endswith(f"error: cannot use {notes}: file is not a database")
    assert notes.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db", "seed.sql"]


def test_looptune_run_with_a_scripted_model_uses_sql_end_to_end(tmp_path: Path, db):
    turns = [
        {"tool_calls": [{"name": "sql__execute", "arguments": {"sql": SCHEMA}}]},
        {"tool_calls": [{"name": "sql__query", "arguments": {"sql": "SELECT name FROM customers ORDER BY id"}}]},
        {"content": "The customers are Ada and Bo."},
    ]
    servers = {"sql": ["-m", "mcp_servers.sql", "--db", str(db)]}
    done, events = scripted_run(tmp_path, servers, turns, "Who are the customers?")
    assert done.returncode == 0, done.stderr
    finished = tool_texts(events)
    assert finished == ["Committed 4 statements; 5 rows changed; last inserted rowid 3.", "name\nAda\nBo\n(2 rows)"]
    assert events[-1]["type"] == "final" and events[-1]["content"] == "The customers are Ada and Bo."
    assert count(db, "customers") == 2
