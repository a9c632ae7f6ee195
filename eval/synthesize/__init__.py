"""Tasks for any MCP server, built from its tool schemas and kept only when the call really executes.

APIGen's recipe on one server: sample arguments from each tool's JSON schema
(`schema`), say the request in English (`speak`, or the user's own templates
from `examples`), run the call on fresh server instances (`execute`: format
check, execution check, determinism check) and write what survived as Task
JSONL (`writer`). `build` ties them together. This package knows servers only
through the hub and registry configs; it knows nothing of the CLI or of
training.
"""

from __future__ import annotations

from eval.synthesize.build import SynthesisResult, synthesize
from eval.synthesize.examples import ExamplesError, load_examples

__all__ = ["ExamplesError", "SynthesisResult", "load_examples", "synthesize"]
