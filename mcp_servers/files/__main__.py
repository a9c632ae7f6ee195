from mcp_servers._common import serve
from mcp_servers.files import build

serve(build)
