from mcp_servers._common import serve
from mcp_servers.knowledge import build

serve(build)
