"""The ways a command fails, each carrying the exit status docker would use.

Handlers raise these; `main` prints the message and exits with the status, so
no handler calls `sys.exit` or prints its own error banner.
"""

from __future__ import annotations


class CliFailure(Exception):
    """A command failed: print `message` (when there is one) to stderr, exit `status`."""

    def __init__(self, message: str | None = None, *, status: int = 1) -> None:
        super().__init__(message or "")
        self.message = message
        self.status = status


class OptionError(ValueError):
    """A flag value the client refuses before sending anything (docker exits 125)."""


class UsageError(CliFailure):
    """Wrong flags or arguments, reported with the command's usage line like docker.

    docker exits 125 for a bad flag, but 1 when positional arguments are missing.
    """

    def __init__(
        self,
        message: str,
        *,
        command: str,
        usage: str | None = None,
        missing_arguments: bool = False,
    ) -> None:
        super().__init__(message, status=1 if missing_arguments else 125)
        self.command = command
        self.usage = usage
        self.missing_arguments = missing_arguments

    def render(self) -> str:
        """The text docker prints for this kind of misuse."""
        usage = f"\n\nUsage:  {self.usage}" if self.usage else ""
        if self.missing_arguments:
            # cobra's RequiresMinArgs says "See", its exact-count checks say "Run".
            verb = "See" if "requires at least" in (self.message or "") else "Run"
            hint = f"{verb} '{self.command} --help' for more information"
            return f"dockyard: {self.message}{usage}\n\n{hint}"
        return f"{self.message}{usage}\n\nRun '{self.command} --help' for more information"
