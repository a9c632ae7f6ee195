"""The MCP server registry: the `mcpServers` JSON of Claude Desktop, Cursor and VS Code.

The registry only reads, validates and writes configuration; it never starts
a server (that is the hub's job) and never writes expanded `${VAR}` values.
"""

from agent.registry.model import RegistryError, ServerConfig, ToolFilter
from agent.registry.store import Registry, default_registry_path, load_registry

__all__ = [
    "Registry",
    "RegistryError",
    "ServerConfig",
    "ToolFilter",
    "default_registry_path",
    "load_registry",
]
