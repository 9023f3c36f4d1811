"""`python -m compliance` runs the command line."""

from .cli import main

main()
