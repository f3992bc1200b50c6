"""`python -m privet` runs the command line."""

from privet.cli import main

main()
