"""Trace files: generating them from tasks, checking them as fine-tuning APIs would, counting and exporting them.

Nothing is imported here: `agent.cli.traces_cmd` imports the submodule a
subcommand needs when it runs, so `import training.traces` stays cheap and
knows nothing of torch or transformers.
"""
