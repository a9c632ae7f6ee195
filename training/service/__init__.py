"""The fine-tuning service behind `looptune serve`: OpenAI's Files and Fine-tuning jobs APIs.

Uploads are validated and kept under a data dir (files), jobs and their
events live in SQLite (store, jobs), and one `looptune train` process at a
time runs them (runner); `service.FineTuning` mounts it all on the server
through agent.serve.extension. It knows nothing of how the served model
decodes, and the CLI, not agent.serve, composes it with the server.
"""
