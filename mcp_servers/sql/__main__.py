from mcp_servers._common import serve
from mcp_servers.sql import build

serve(build)
