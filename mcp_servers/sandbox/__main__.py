from mcp_servers._common import serve
from mcp_servers.sandbox import build

serve(build)
