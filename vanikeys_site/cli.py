"""The base of every VaniKeys management command: bad input is one line on stderr, exit 2."""
from django.core.management.base import BaseCommand, CommandError, CommandParser


class OneLineParser(CommandParser):
    """argparse prints its whole usage on a bad argument; this prints only the reason."""

    def error(self, message: str):
        if self.called_from_command_line:
            self.exit(2, f"{self.prog}: {message}\n")
        raise CommandError(f"Error: {message}", returncode=2)


class VaniKeysCommand(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = OneLineParser  # Django builds a CommandParser itself; only error() differs
        return parser


def usage_error(message: str) -> CommandError:
    """A refusal the command line shows as one line with exit code 2."""
    return CommandError(message.splitlines()[0] if message else "invalid input", returncode=2)
