"""Reports of eval runs: `report.json`, `report.html` and the terminal table, rebuilt from a run directory.

Everything here reads a RunDir (settings + episode journal) and writes or
prints; nothing runs a model or a server.
"""
