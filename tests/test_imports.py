"""Import boundaries of DESIGN.md: `import agent` stays light."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import agent, agent.cli.main, agent.hub, agent.loop, agent.backends.scripted, agent.toolcalls
heavy = sorted(m for m in ("torch", "transformers", "peft", "trl", "eval", "training") if m in sys.modules)
print(",".join(heavy))
"""


def test_importing_the_runtime_and_cli_loads_no_heavy_or_sibling_packages():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
