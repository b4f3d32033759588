"""One module per family of verbs; each exposes `register(subcommands)`."""
