"""looptune's runtime: messages, the agent loop, backends, the MCP hub and the CLI.

This package imports neither `eval` nor `training`, and importing it never
imports torch or transformers: heavy backends load when first used.
"""

__version__ = "0.1.0"
