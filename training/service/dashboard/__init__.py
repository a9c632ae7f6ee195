"""The fine-tuning dashboard: pages `looptune serve` answers at `/` for people who prefer a browser.

The pages are server-rendered shells (jinja2); a small script in static/
fills them from the same JSON routes the `openai` client uses (files, jobs,
events, checkpoints, models, chat completions), so the browser can do
nothing an API client cannot. Besides those, the dashboard adds what only a
browser needs: the loss curve as an SVG (matplotlib), the machine's load,
the registry's MCP tools for the playground, and evaluations of a job's
model (`looptune eval` in a subprocess). The API key is checked before any
of it runs (agent.serve.guard). It knows nothing of how training or
decoding work.
"""
