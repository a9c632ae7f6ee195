"""Attacks on the sql server: writes through the read-only tool, other files, extensions, pragmas, runaways.

`query` must only read and `execute` must stay inside its one database file;
neither may load code, change how the file is kept, or run past its time limit.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import anyio
import pytest

from agent.hub import Hub
from mcp_servers.sql.store import MAX_SQL_CHARS, MAX_VALUE_BYTES
from tests.faults.bundled import CALL_LIMIT_S, sql_config
from tests.faults.bundled import SQL_SCHEMA as SCHEMA
from tests.faults.bundled import row_count as count

RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "shop.db"


@pytest.mark.anyio
async def test_writes_through_query_are_refused_and_leave_the_table_intact(db):
    writes = {
        "DROP TABLE orders": "DROP TABLE is refused",
        "DELETE FROM orders": "DELETE is refused",
        "INSERT INTO orders (customer_id) VALUES (1)": "INSERT is refused",
        "UPDATE orders SET total = 0": "UPDATE is refused",
        "CREATE TABLE sneaky (a)": "CREATE TABLE is refused",
        "PRAGMA journal_mode = DELETE": "PRAGMA journal_mode = DELETE is refused",
        "BEGIN": "BEGIN is refused",
    }
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            await hub.call("sql__execute", {"sql": SCHEMA})
            refused = {sql: await hub.call("sql__query", {"sql": sql}) for sql in writes}
            after = await hub.call("sql__query", {"sql": "SELECT count(*) AS n FROM orders"})
    for sql, message in writes.items():
        assert refused[sql].is_error and message in refused[sql].text, sql
        assert "Use execute to change the database" in refused[sql].text
    assert after.structured["rows"] == [[3]]
    assert count(db, "orders") == 3


@pytest.mark.anyio
async def test_query_runs_one_statement_only_so_a_piggybacked_drop_never_runs(db):
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            await hub.call("sql__execute", {"sql": SCHEMA})
            outcome = await hub.call("sql__query", {"sql": "SELECT 1; DROP TABLE orders"})
    assert outcome.is_error and "exactly one statement" in outcome.text
    assert count(db, "orders") == 3


@pytest.mark.anyio
async def test_attach_is_refused_by_both_tools(db, tmp_path):
    other = tmp_path / "other.db"
    attach = f"ATTACH DATABASE '{other}' AS other"
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            via_query = await hub.call("sql__query", {"sql": attach})
            via_execute = await hub.call("sql__execute", {"sql": f"{attach}; CREATE TABLE other.t (a)"})
            vacuum_into = await hub.call("sql__execute", {"sql": f"VACUUM INTO '{other}'"})
            after = await hub.call("sql__list_tables", {})
    for outcome in (via_query, via_execute):
        assert outcome.is_error and "ATTACH, DETACH and VACUUM INTO are refused" in outcome.text
    assert vacuum_into.is_error
    assert not other.exists()
    assert not after.is_error


@pytest.mark.anyio
async def test_a_runaway_query_is_stopped_by_the_time_limit_and_the_server_keeps_answering(db):
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            await hub.call("sql__execute", {"sql": SCHEMA})
            runaway = await hub.call("sql__query", {"sql": RUNAWAY})
            runaway_write = await hub.call(
                "sql__execute",
                {
                    "sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                    "INSERT INTO orders (customer_id) SELECT 1 FROM c"
                },
            )
            after = await hub.call("sql__query", {"sql": "SELECT count(*) FROM orders"})
    for outcome in (runaway, runaway_write):
        assert outcome.is_error and "stopped after the 1 s time limit" in outcome.text
        assert outcome.duration_s < 10
    assert after.structured["rows"] == [[3]]


@pytest.mark.anyio
async def test_execute_refuses_transaction_control_and_journal_mode_changes_with_a_reason(db):
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            begin = await hub.call("sql__execute", {"sql": "BEGIN; CREATE TABLE t (a); COMMIT"})
            journal = await hub.call("sql__execute", {"sql": "PRAGMA journal_mode = DELETE"})
            returning = await hub.call(
                "sql__execute",
                {"sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, a); INSERT INTO t (a) VALUES (7) RETURNING id, a"},
            )
    assert begin.is_error and "already runs all its statements in one transaction" in begin.text
    assert journal.is_error and "PRAGMA journal_mode cannot be changed" in journal.text
    assert (
        returning.text
        == "Committed 2 statements; 1 row changed; last inserted rowid 1. Returned:\nid | a\n1 | 7\n(1 row)"
    )
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.anyio
async def test_sql_longer_than_the_limit_is_refused_naming_the_limit(db):
    too_long = "SELECT 1" + " " * MAX_SQL_CHARS
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            via_query = await hub.call("sql__query", {"sql": too_long})
            via_execute = await hub.call("sql__execute", {"sql": "CREATE TABLE t (a);" + too_long})
            after = await hub.call("sql__list_tables", {})
    for outcome in (via_query, via_execute):
        assert outcome.is_error and f"the limit is {MAX_SQL_CHARS:,}" in outcome.text
    assert "no tables yet" in after.text


@pytest.mark.anyio
async def test_loading_an_extension_is_refused_by_both_tools(db, tmp_path):
    library = tmp_path / "evil.so"
    library.write_bytes(b"not really a library")
    load = f"SELECT load_extension('{library}')"
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            await hub.call("sql__execute", {"sql": SCHEMA})
            via_query = await hub.call("sql__query", {"sql": load})
            via_execute = await hub.call("sql__execute", {"sql": f"INSERT INTO customers (name) VALUES ('x'); {load}"})
            in_a_view = await hub.call("sql__execute", {"sql": f"CREATE VIEW v AS {load}"})
            through_view = await hub.call("sql__query", {"sql": "SELECT * FROM v"})
    for outcome in (via_query, via_execute):
        assert outcome.is_error and "load_extension is refused: extensions cannot be loaded" in outcome.text
    # A view may hold the call, but SQLite refuses to run it from one ("unsafe use of load_extension()").
    assert not in_a_view.is_error and through_view.is_error and "load_extension" in through_view.text
    assert count(db, "customers") == 2


@pytest.mark.anyio
async def test_pragmas_that_change_how_the_file_is_kept_are_refused_and_reading_ones_allowed(db):
    changes = {
        "PRAGMA writable_schema = ON": "PRAGMA writable_schema cannot be changed",
        "PRAGMA query_only = OFF": "PRAGMA query_only cannot be changed",
        "PRAGMA locking_mode = EXCLUSIVE": "PRAGMA locking_mode cannot be changed",
        "PRAGMA mmap_size = 268435456": "PRAGMA mmap_size cannot be changed",
        "PRAGMA temp_store_directory = '/tmp'": "PRAGMA temp_store_directory cannot be changed",
        "PRAGMA journal_mode = OFF": "PRAGMA journal_mode cannot be changed",
    }
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            await hub.call("sql__execute", {"sql": SCHEMA})
            by_execute = {sql: await hub.call("sql__execute", {"sql": sql}) for sql in changes}
            by_query = {sql: await hub.call("sql__query", {"sql": sql}) for sql in changes}
            reading = await hub.call("sql__query", {"sql": "PRAGMA table_info(orders)"})
    for sql, message in changes.items():
        assert by_execute[sql].is_error and message in by_execute[sql].text, sql
        assert by_query[sql].is_error and "is refused: query is read-only" in by_query[sql].text, sql
    assert not reading.is_error and reading.structured["row_count"] == 3


@pytest.mark.anyio
async def test_a_value_past_the_size_cap_is_refused_before_it_is_built(db):
    with anyio.fail_after(CALL_LIMIT_S):
        async with Hub({"sql": sql_config(db)}) as hub:
            built = await hub.call("sql__query", {"sql": f"SELECT length(zeroblob({MAX_VALUE_BYTES + 1}))"})
            stored = await hub.call(
                "sql__execute", {"sql": f"CREATE TABLE b (v); INSERT INTO b VALUES (randomblob({2 * MAX_VALUE_BYTES}))"}
            )
            after = await hub.call("sql__list_tables", {})
    for outcome in (built, stored):
        assert outcome.is_error and "string or blob too big" in outcome.text and outcome.duration_s < 10
    assert "no tables yet" in after.text  # the failed script was rolled back whole
