from mcp_servers._common import serve
from mcp_servers.calc import build

serve(build)
