"""The bundled `knowledge` server (document store, FTS5/BM25 search) through the real hub.

Hostile queries and documents are in tests/faults/test_knowledge_abuse.py.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import anyio
import pytest

from agent.hub import Hub
from agent.registry import ServerConfig
from mcp_servers.knowledge import build
from tests.clirun import scripted_run
from tests.faults.bundled import add_knowledge_corpus as add_corpus
from tests.faults.bundled import knowledge_stdio as stdio

pytestmark = pytest.mark.anyio


def inproc(db: Path, *extra: str) -> dict[str, ServerConfig]:
    """The knowledge server built inside this process (the SDK's in-memory transport)."""
    return {"knowledge": ServerConfig(factory="mcp_servers.knowledge:build", args=["--db", str(db), *extra])}


def fts_integrity(db: Path) -> None:
    """Raises if the FTS5 index disagrees with the documents table."""
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)")
    conn.close()


async def test_the_four_catalog_tools_carry_read_only_additive_and_destructive_hints(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            tools = {t.tool.name: t.tool for t in hub.tools()}
            needs_approval = {name: hub.needs_approval(f"knowledge__{name}") for name in tools}
    assert set(tools) == {"search", "read", "add", "delete"}
    assert tools["search"].annotations.read_only_hint and tools["read"].annotations.read_only_hint
    assert tools["add"].annotations.read_only_hint is False and tools["add"].annotations.destructive_hint is False
    assert needs_approval == {"search": False, "read": False, "add": True, "delete": True}  # add changes things
    k = tools["search"].input_schema["properties"]["k"]
    assert (k["default"], k["minimum"], k["maximum"]) == (5, 1, 50)
    assert tools["add"].input_schema["properties"]["tags"]["default"] == []


async def test_search_puts_the_most_relevant_document_first_with_the_match_marked(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            ids = await add_corpus(hub)
            outcome = await hub.call("knowledge__search", {"query": "how do I reset my password?"})
    results = outcome.structured["results"]
    assert not outcome.is_error
    assert results[0]["doc_id"] == ids[0] and results[0]["title"] == "Resetting your password"
    assert "[password]" in results[0]["snippet"] and "[reset]" in results[0]["snippet"]
    assert [r["doc_id"] for r in results] == [ids[0], ids[2]]  # only the two documents that mention either word
    assert results[0]["score"] > results[1]["score"] > 0
    assert set(results[0]) == {"doc_id", "title", "snippet", "score", "tags"}
    first_line = outcome.text.splitlines()[1]
    assert ids[0] in first_line and "Resetting your password" in first_line and "score" in first_line


async def test_a_search_that_matches_nothing_says_so_without_an_error(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            await add_corpus(hub)
            outcome = await hub.call("knowledge__search", {"query": "kubernetes"})
    assert not outcome.is_error
    assert outcome.text == "No documents match 'kubernetes'."
    assert outcome.structured["results"] == []


async def test_an_empty_query_is_a_tool_error_asking_for_keywords(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            outcome = await hub.call("knowledge__search", {"query": "   "})
    assert outcome.is_error and "query is empty" in outcome.text and "keywords" in outcome.text


async def test_k_caps_the_number_of_results_and_must_be_between_1_and_50(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            for n in range(8):
                await hub.call("knowledge__add", {"title": f"Note {n}", "text": f"common word and number {n}"})
            default = await hub.call("knowledge__search", {"query": "common"})
            two = await hub.call("knowledge__search", {"query": "common", "k": 2})
            zero = await hub.call("knowledge__search", {"query": "common", "k": 0})
            too_many = await hub.call("knowledge__search", {"query": "common", "k": 51})
    assert len(default.structured["results"]) == 5 and len(two.structured["results"]) == 2
    assert zero.is_error and "'k'" in zero.text
    assert too_many.is_error and "'k'" in too_many.text


async def test_read_returns_the_full_text_title_and_tags(tmp_path):
    text = "Line one.\nLine two with more detail."
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            added = await hub.call("knowledge__add", {"title": "Onboarding", "text": text, "tags": ["HR", "guide"]})
            outcome = await hub.call("knowledge__read", {"doc_id": added.structured["doc_id"]})
    assert outcome.structured["text"] == text and outcome.structured["title"] == "Onboarding"
    assert outcome.structured["tags"] == ["hr", "guide"] and outcome.structured["truncated"] is False
    assert outcome.text == f"doc-1 'Onboarding' tags: hr, guide\n\n{text}"


async def test_reading_an_unknown_id_names_it_and_suggests_search(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            missing = await hub.call("knowledge__read", {"doc_id": "doc-42"})
            odd = [await hub.call("knowledge__read", {"doc_id": d}) for d in ("the billing doc", "doc-²", "9" * 30)]
    assert missing.is_error and "'doc-42'" in missing.text and "use search" in missing.text
    assert all(o.is_error and "no document" in o.text for o in odd)


async def test_a_long_document_is_read_capped_with_a_note_saying_how_much_is_shown(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            await hub.call("knowledge__add", {"title": "Big", "text": "word " * 5000})
            outcome = await hub.call("knowledge__read", {"doc_id": "doc-1"})
    assert outcome.structured["truncated"] is True and outcome.structured["chars"] == 25000
    assert len(outcome.structured["text"]) == 8000
    assert outcome.text.endswith("[showing the first 8,000 of 25,000 characters]")


async def test_add_returns_new_ids_and_rejects_a_blank_title_or_text(tmp_path):
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            first = await hub.call("knowledge__add", {"title": "One", "text": "first"})
            second = await hub.call("knowledge__add", {"title": "Two", "text": "second", "tags": ["a, b", "A"]})
            blank_title = await hub.call("knowledge__add", {"title": "  ", "text": "x"})
            blank_text = await hub.call("knowledge__add", {"title": "T", "text": "\n"})
    assert (first.structured["doc_id"], second.structured["doc_id"]) == ("doc-1", "doc-2")
    assert second.text == "Added doc-2 'Two' tags: a, b." and second.structured["tags"] == ["a", "b"]
    assert blank_title.is_error and "title must be" in blank_title.text
    assert blank_text.is_error and "text is empty" in blank_text.text


async def test_delete_removes_a_document_from_search_and_read_and_keeps_the_index_consistent(tmp_path):
    db = tmp_path / "k.db"
    with anyio.fail_after(30):
        async with Hub(stdio(db)) as hub:
            ids = await add_corpus(hub)
            deleted = await hub.call("knowledge__delete", {"doc_id": ids[1]})
            search = await hub.call("knowledge__search", {"query": "invoices billing"})
            read = await hub.call("knowledge__read", {"doc_id": ids[1]})
            again = await hub.call("knowledge__delete", {"doc_id": ids[1]})
            fts_integrity(db)
    assert not deleted.is_error and deleted.text == "Deleted doc-2 'Billing and invoices'."
    assert search.structured["results"] == []
    assert read.is_error and again.is_error and f"'{ids[1]}'" in again.text


async def test_documents_and_their_ids_survive_a_restart_and_ids_are_never_reused(tmp_path):
    db = tmp_path / "k.db"
    with anyio.fail_after(60):
        async with Hub(stdio(db)) as hub:
            await hub.call("knowledge__add", {"title": "Keep", "text": "persistent knowledge", "tags": ["x"]})
            await hub.call("knowledge__add", {"title": "Drop", "text": "temporary"})
            await hub.call("knowledge__delete", {"doc_id": "doc-2"})
        async with Hub(stdio(db)) as hub:
            kept = await hub.call("knowledge__read", {"doc_id": "doc-1"})
            found = await hub.call("knowledge__search", {"query": "persistent"})
            added = await hub.call("knowledge__add", {"title": "New", "text": "after restart"})
    assert kept.structured["text"] == "persistent knowledge" and kept.structured["tags"] == ["x"]
    assert found.structured["results"][0]["doc_id"] == "doc-1"
    assert added.structured["doc_id"] == "doc-3"


def write(path: Path, text: str, mtime_ns: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime_ns is not None:  # an explicit mtime, so "changed" never depends on clock resolution
        os.utime(path, ns=(mtime_ns, mtime_ns))


async def titles_for(hub: Hub, query: str) -> dict[str, str]:
    outcome = await hub.call("knowledge__search", {"query": query, "k": 50})
    return {r["title"]: r["doc_id"] for r in outcome.structured["results"]}


async def test_a_docs_folder_is_indexed_incrementally_across_restarts(tmp_path):
    docs, db = tmp_path / "docs", tmp_path / "k.db"
    write(docs / "setup.md", "Intro line\n\n## Installing the widget\n\nRun the installer.", 1_000_000_000)
    write(docs / "faq.txt", "Widget questions: the widget is blue.", 1_000_000_000)
    write(docs / "sub" / "old.md", "# Old widget\n\nLegacy widget notes.", 1_000_000_000)
    write(docs / ".hidden" / "secret.md", "# Secret widget", 1_000_000_000)
    write(docs / "image.png", "not text", 1_000_000_000)
    with anyio.fail_after(30):
        async with Hub(inproc(db, "--docs", str(docs))) as hub:
            before = await titles_for(hub, "widget")
        assert set(before) == {"Installing the widget", "faq", "Old widget"}

        write(docs / "faq.txt", "Widget questions: the widget is now green.", 2_000_000_000)
        (docs / "sub" / "old.md").unlink()
        write(docs / "new.md", "# New widget\n\nFresh widget docs.", 1_000_000_000)
        second = build(["--db", str(db), "--docs", str(docs)])
        assert "1 added, 1 updated, 1 unchanged, 1 removed" in second.instructions

        async with Hub(inproc(db, "--docs", str(docs))) as hub:
            after = await titles_for(hub, "widget")
            green = await titles_for(hub, "green")
            blue = await titles_for(hub, "blue")
    assert set(after) == {"Installing the widget", "faq", "New widget"}
    assert after["faq"] == before["faq"] and green == {"faq": before["faq"]} and blue == {}
    fts_integrity(db)


def test_an_unchanged_docs_folder_is_not_reindexed_on_the_next_start(tmp_path):
    docs, db = tmp_path / "docs", tmp_path / "k.db"
    write(docs / "a.md", "# A\n\nalpha")
    first = build(["--db", str(db), "--docs", str(docs)])
    second = build(["--db", str(db), "--docs", str(docs)])
    assert "1 added, 0 updated, 0 unchanged, 0 removed" in first.instructions
    assert "0 added, 0 updated, 1 unchanged, 0 removed" in second.instructions


def test_a_folder_of_200_files_is_indexed_well_under_two_seconds(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(200):
        body = " ".join(f"topic{n % 17} term{(n * 7 + i) % 97} filler word" for i in range(60))
        (docs / f"note-{n:03}.md").write_text(f"# Note {n}\n\n{body}\n")
    started = time.perf_counter()
    server = build(["--db", str(tmp_path / "k.db"), "--docs", str(docs)])
    elapsed = time.perf_counter() - started
    assert "200 added" in server.instructions
    assert elapsed < 2.0, f"indexing 200 files took {elapsed:.2f} s"


def test_without_db_the_store_lives_in_the_state_dir(tmp_path):
    build(["--state-dir", str(tmp_path / "state")])
    with sqlite3.connect(tmp_path / "state" / "knowledge.db") as conn:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert mode == "wal"


def test_a_docs_path_that_is_not_a_folder_or_a_db_that_is_not_sqlite_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "junk.db").write_text("not a database")
    with pytest.raises(SystemExit):
        build(["--db", str(tmp_path / "k.db"), "--docs", str(tmp_path / "missing")])
    with pytest.raises(SystemExit):
        build(["--db", str(tmp_path / "junk.db")])
    errors = capsys.readouterr().err
    assert "not a folder" in errors and "file is not a database" in errors


def test_looptune_run_searches_the_knowledge_server_end_to_end(tmp_path):
    docs = tmp_path / "docs"
    write(docs / "refunds.md", "# Refund policy\n\nRefunds are paid within 14 days of a return.")
    servers = {"knowledge": ["-m", "mcp_servers.knowledge", "--db", str(tmp_path / "k.db"), "--docs", str(docs)]}
    turns = [
        {"tool_calls": [{"name": "knowledge__search", "arguments": {"query": "refund days"}}]},
        {"content": "Refunds are paid within 14 days."},
    ]
    done, events = scripted_run(tmp_path, servers, turns, "How long do refunds take?")
    assert done.returncode == 0, done.stderr
    finished = next(e for e in events if e["type"] == "tool_call_finished")
    assert not finished["outcome"]["is_error"]
    assert "Refund policy" in finished["outcome"]["text"] and "[Refunds]" in finished["outcome"]["text"]
    assert events[-1] == {"type": "final", "content": "Refunds are paid within 14 days.", "steps": 2}
