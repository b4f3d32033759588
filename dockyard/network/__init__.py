"""Container networking: the per-container network namespace (bridges and IPAM come later)."""

from dockyard.network.netns import NetnsManager

__all__ = ["NetnsManager"]
