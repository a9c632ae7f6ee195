"""The `looptune` command line. Subcommands live one per module and load heavy parts lazily."""
