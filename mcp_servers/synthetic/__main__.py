from mcp_servers._common import serve
from mcp_servers.synthetic import build

serve(build)
