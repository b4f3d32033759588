"""Restart policies: validation and every restart decision, as pure functions.

Nothing here does I/O or keeps time; ``RestartManager`` applies these decisions. The numbers are
dockerd's (``restartmanager.go``): the first delay is 100 ms, each further restart doubles it up
to one minute, and a run that lasted at least 10 s resets it. That reset is how dockyard reads the
seed's "10 s rule" — the seed's own ``startstop`` example exits after 5 s and *is* restarted, so
the rule cannot mean "no restart before 10 s of uptime".

Where the seed and dockerd disagree, the seed wins: after an engine restart ``on-failure``
containers are not started again (dockerd does start them when their stored exit code is non-zero).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockyard.errors import InvalidParameter

FIRST_DELAY = 0.1
MAX_DELAY = 60.0
BACKOFF_MULTIPLIER = 2
RESET_AFTER = 10.0

POLICIES = ("no", "always", "on-failure", "unless-stopped")


@dataclass(frozen=True)
class RestartPolicy:
    name: str = "no"
    maximum_retry_count: int = 0

    @property
    def is_none(self) -> bool:
        return self.name in ("", "no")

    def to_docker(self) -> dict[str, Any]:
        return {"Name": self.name, "MaximumRetryCount": self.maximum_retry_count}


def parse_policy(value: Any) -> RestartPolicy:
    """Validate ``HostConfig.RestartPolicy`` with the messages of current dockerd (all 400)."""
    if value is None:
        return RestartPolicy()
    if not isinstance(value, dict):
        raise InvalidParameter("invalid restart policy: expected an object")
    name = value.get("Name") or ""
    count = value.get("MaximumRetryCount") or 0
    if not isinstance(name, str) or not isinstance(count, int) or isinstance(count, bool):
        raise InvalidParameter("invalid restart policy: malformed Name or MaximumRetryCount")
    if name in ("always", "unless-stopped", "no"):
        if count != 0:
            msg = "invalid restart policy: maximum retry count can only be used with 'on-failure'"
            if count < 0:
                msg += " and cannot be negative"
            raise InvalidParameter(msg)
    elif name == "on-failure":
        if count < 0:
            raise InvalidParameter("invalid restart policy: maximum retry count cannot be negative")
    elif name != "":
        raise InvalidParameter(
            f"invalid restart policy: unknown policy '{name}'; use one of 'no', 'always', "
            "'on-failure', or 'unless-stopped'"
        )
    return RestartPolicy(name=name, maximum_retry_count=count)


def check_auto_remove(policy: RestartPolicy, auto_remove: bool) -> None:
    if auto_remove and not policy.is_none:
        raise InvalidParameter("can't create 'AutoRemove' container with restart policy")


def next_delay(previous: float, execution_duration: float) -> float:
    """The wait before the next policy restart, given the last one and how long the run lasted."""
    if execution_duration >= RESET_AFTER or previous <= 0:
        return FIRST_DELAY
    return min(previous * BACKOFF_MULTIPLIER, MAX_DELAY)


def should_restart_on_exit(
    policy: RestartPolicy, *, exit_code: int, manually_stopped: bool, restart_count: int
) -> bool:
    """Does a container that just exited on its own get restarted by its policy?"""
    if policy.is_none or manually_stopped:
        return False
    if policy.name in ("always", "unless-stopped"):
        return True
    if policy.name == "on-failure":
        if exit_code == 0:
            return False
        return policy.maximum_retry_count == 0 or restart_count < policy.maximum_retry_count
    return False


def should_start_on_engine_start(
    policy: RestartPolicy, *, manually_stopped: bool, started_before: bool
) -> bool:
    """The seed's table for an engine (re)start.

    ``always``: yes, even after a manual stop. ``unless-stopped``: only if not stopped by hand.
    ``on-failure`` and ``no``: never.
    """
    if not started_before:
        return False
    if policy.name == "always":
        return True
    if policy.name == "unless-stopped":
        return not manually_stopped
    return False
