"""The amauta-node command line: one module per subcommand, `main` the entry point."""

from server.cli.main import main

__all__ = ["main"]
