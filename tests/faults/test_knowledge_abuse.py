"""Abuse of the knowledge server: documents and queries built to make a search run for minutes.

FTS5's own snippet() is quadratic in a document's matches (a 1 MB document of
one repeated word took minutes), so snippets are cut from bounded passages and
every search has a time limit.
"""

from __future__ import annotations

import time

import anyio
import pytest

from agent.hub import Hub
from mcp_servers.knowledge.store import SCAN_CHARS, DocumentStore, SearchTimeout, insert
from tests.faults.bundled import add_knowledge_corpus as add_corpus
from tests.faults.bundled import knowledge_stdio as stdio

ONE_MEGABYTE_OF_ONE_WORD = "word " * 200_000
# Seconds, on a loaded machine: the searches below take well under one; before snippets were bounded, minutes.
PROMPT_S = 10


@pytest.mark.anyio
async def test_a_one_megabyte_document_of_one_repeated_word_is_searched_in_seconds_with_a_marked_snippet(tmp_path):
    with anyio.fail_after(60):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            await hub.call("knowledge__add", {"title": "Repeated", "text": ONE_MEGABYTE_OF_ONE_WORD})
            await hub.call("knowledge__add", {"title": "Other", "text": "a short note on another word"})
            found = await hub.call("knowledge__search", {"query": "word"})
            after = await hub.call("knowledge__search", {"query": "note"})
    assert not found.is_error and found.duration_s < PROMPT_S, found.text[:200]
    snippets = {r["title"]: r["snippet"] for r in found.structured["results"]}
    assert snippets["Repeated"].startswith("[word] [word]") and snippets["Repeated"].endswith("…")
    assert len(snippets["Repeated"]) < 200
    assert snippets["Other"] == "a short note on another [word]"
    assert after.structured["results"][0]["title"] == "Other" and after.duration_s < PROMPT_S


def test_fifty_large_documents_full_of_the_query_words_are_searched_in_seconds(tmp_path):
    store = DocumentStore(tmp_path / "k.db")
    for n in range(50):
        store.add(f"Doc {n}", "alpha beta " * 30_000, [])
    started = time.monotonic()
    hits = store.search('"alpha" OR "beta"', 50)
    assert time.monotonic() - started < PROMPT_S
    assert len(hits) == 50 and all("[alpha] [beta]" in hit.snippet for hit in hits)


def test_a_match_past_the_scanned_start_of_a_huge_document_is_found_with_the_opening_as_its_snippet(tmp_path):
    store = DocumentStore(tmp_path / "k.db")
    store.add("Deep", "filler " * (SCAN_CHARS // 7 + 1000) + "needle", [])
    [hit] = store.search('"needle"', 5)
    assert hit.title == "Deep" and hit.snippet.startswith("filler filler") and hit.snippet.endswith("…")


def test_a_search_past_its_time_limit_stops_with_advice_instead_of_running_on(tmp_path):
    store = DocumentStore(tmp_path / "k.db")
    with store.connect() as conn:
        for n in range(300):
            insert(conn, f"Doc {n}", f"common text number {n}", [])
    with pytest.raises(SearchTimeout, match="took longer than 0 s; search with fewer, more specific keywords"):
        store.search('"common"', 5, time_limit=0)
    assert len(store.search('"common"', 5)) == 5


@pytest.mark.anyio
async def test_fts_syntax_in_a_query_is_plain_text_and_never_a_traceback(tmp_path):
    queries = ['"unbalanced', "AND OR NOT", "*", "-", ":", "NEAR(", "title:password", "-password", "pass*", "a^b )("]
    with anyio.fail_after(30):
        async with Hub(stdio(tmp_path / "k.db")) as hub:
            await add_corpus(hub)
            await hub.call("knowledge__add", {"title": "Quotes", "text": 'An "unbalanced quote and NEAR( a paren.'})
            outcomes = {q: await hub.call("knowledge__search", {"query": q}) for q in queries}
            after = await hub.call("knowledge__search", {"query": "invoices"})
    for query, outcome in outcomes.items():
        assert "Traceback" not in outcome.text and "fts5" not in outcome.text.lower(), query
    for query in ("*", "-", ":"):
        assert outcomes[query].is_error and "no words to search for" in outcomes[query].text
    assert outcomes['"unbalanced'].structured["results"][0]["title"] == "Quotes"
    assert outcomes["NEAR("].structured["results"][0]["title"] == "Quotes"
    assert {r["title"] for r in outcomes["title:password"].structured["results"]} >= {"Resetting your password"}
    assert outcomes["pass*"].structured["results"], "a trailing * stays a prefix search"
    assert not outcomes["AND OR NOT"].is_error and not outcomes["a^b )("].is_error
    assert after.structured["results"][0]["title"] == "Billing and invoices"
