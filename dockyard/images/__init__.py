"""Images: the image store (import, load, save, tags, removal) and container root filesystems."""

from dockyard.images.rootfs import RootfsManager
from dockyard.images.store import Image, ImageStore

__all__ = ["Image", "ImageStore", "RootfsManager"]
