"""MCP hub: servers from the registry, exposed as one namespace of model-callable tools."""

from agent.hub.catalog import HubTool
from agent.hub.connection import ServerStatus
from agent.hub.errors import ServerError
from agent.hub.hub import Hub
from agent.hub.peer import ElicitAnswer, Elicitor, Sampler
from agent.hub.results import ToolOutcome

__all__ = ["ElicitAnswer", "Elicitor", "Hub", "HubTool", "Sampler", "ServerError", "ServerStatus", "ToolOutcome"]
