"""The files Docker bind-mounts over ``/etc`` in every container: hostname, hosts, resolv.conf.

They live in the container's directory, so they survive restarts of the container; ``hosts``
and ``resolv.conf`` are written once (a user may edit them inside the container, as with
Docker), ``hostname`` at every start.
"""

from __future__ import annotations

from pathlib import Path

from dockyard.engine.container import Container


def write_etc_files(directory: Path, container: Container) -> dict[str, Path]:
    """Write the files; return container path → host path, for the bind mounts."""
    directory.mkdir(parents=True, exist_ok=True)
    hostname = container.config.get("Hostname") or container.short_id
    files = {
        "/etc/hostname": (directory / "hostname", f"{hostname}\n"),
        "/etc/hosts": (
            directory / "hosts",
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
            f"ff02::2\tip6-allrouters\n127.0.1.1\t{hostname}\n",
        ),
        "/etc/resolv.conf": (directory / "resolv.conf", host_resolv_conf()),
    }
    for path, text in files.values():
        if not path.exists() or path.name == "hostname":
            path.write_text(text)
    return {target: path for target, (path, _text) in files.items()}


def host_resolv_conf() -> str:
    """The host's resolv.conf without loopback resolvers (unreachable from the container)."""
    try:
        text = Path("/etc/resolv.conf").read_text()
    except OSError:
        text = ""
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("nameserver 127.")]
    return "\n".join(lines) + "\n" if lines else "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"
