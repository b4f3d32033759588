"""How a failed start is reported: the exit code recorded and the error the API returns."""

from __future__ import annotations

from dockyard.errors import DockyardError, InvalidParameter, RuntimeFailure


def start_error_exit_code(message: str) -> int:
    """The exit code dockerd records for a start that failed (CLI maps these the same way)."""
    lowered = message.lower()
    if "executable file not found" in lowered or "no such file or directory" in lowered:
        return 127
    if "permission denied" in lowered:
        return 126
    return 128


def start_failure(message: str) -> DockyardError:
    """A task-create failure worded and classified as dockerd reports it.

    dockerd answers 400 when the command cannot be found or executed (the CLI turns those into
    exit codes 127 and 126) and 500 otherwise; the text carries containerd's prefix and code.
    """
    if message.startswith("OCI runtime"):
        message = f"failed to create shim task: {message}: unknown"
    if start_error_exit_code(message) in (126, 127):
        return InvalidParameter(message)
    return RuntimeFailure(message)
