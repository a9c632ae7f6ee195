from mcp_servers._common import serve
from mcp_servers.tasks import build

serve(build)
