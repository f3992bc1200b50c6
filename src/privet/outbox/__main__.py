"""`python -m privet.outbox …`: the outbox commands without the rest of the CLI (handy for a worker service)."""

from privet.outbox.cli import app

if __name__ == "__main__":
    app(prog_name="privet outbox")
