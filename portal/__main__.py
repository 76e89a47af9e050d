"""`python -m portal` is the `portal` command."""
from .cli import cli

cli()
