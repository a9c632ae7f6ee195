"""The tool universe: thousands of distinct tools generated from typed parts, served as `universe-<seed>`.

Parts: domains (entity nouns, synonyms, a group, typed fields; `domains`),
field kinds (schema, sampler, spoken forms; `fields`), action archetypes
(`actions`), and naming / description variation (`tools`). `toolset` draws the
tools one episode mounts. Every fourth domain is held out for the test split.
The synthetic server serves a drawn toolset (`python -m mcp_servers.synthetic
--seed N --universe [--masked]`). This package knows nothing of tasks or of
how requests are worded.
"""

from mcp_servers.synthetic.universe.domains import DOMAINS, Domain, split_domains
from mcp_servers.synthetic.universe.tools import UniverseTool, universe
from mcp_servers.synthetic.universe.toolset import Toolset, draw_toolset, seed_split

__all__ = ["DOMAINS", "Domain", "Toolset", "UniverseTool", "draw_toolset", "seed_split", "split_domains", "universe"]
