"""The flags `run` and `create` share, and the `POST /containers/create` body they produce."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockyard.cli.failures import OptionError
from dockyard.cli.options import (
    parse_env,
    parse_labels,
    parse_memory_bytes,
    parse_nano_cpus,
    parse_publish,
    parse_restart_policy,
)


def add_container_flags(parser: argparse.ArgumentParser) -> None:
    """Add docker's container configuration flags; `--help` only, since `-h` is --hostname."""
    parser.add_argument("--help", action="help", help="Print usage")
    parser.add_argument("--name", help="Assign a name to the container")
    parser.add_argument("-i", "--interactive", action="store_true", help="Keep STDIN open")
    parser.add_argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY")
    parser.add_argument("-e", "--env", action="append", default=[], help="Set variables")
    parser.add_argument("--entrypoint", help="Overwrite the default ENTRYPOINT of the image")
    parser.add_argument("-w", "--workdir", help="Working directory inside the container")
    parser.add_argument("-u", "--user", help="Username or UID (format: <name|uid>[:<group|gid>])")
    parser.add_argument("-h", "--hostname", help="Container host name")
    parser.add_argument("-m", "--memory", help="Memory limit (e.g. 64m, 1g)")
    parser.add_argument("--cpus", help="Number of CPUs (e.g. 1.5)")
    parser.add_argument("--network", help="Connect a container to a network (none, host, …)")
    parser.add_argument("--restart", default="no", help="Restart policy (default: no)")
    parser.add_argument("-l", "--label", action="append", default=[], help="Set metadata")
    parser.add_argument("--runtime", help="Runtime to use for this container")
    parser.add_argument("--stop-signal", help="Signal to stop the container")
    parser.add_argument("--stop-timeout", type=int, help="Timeout (in seconds) to stop it")
    parser.add_argument("--cap-add", action="append", default=[], help="Add Linux capabilities")
    parser.add_argument("--cap-drop", action="append", default=[], help="Drop capabilities")
    parser.add_argument("--privileged", action="store_true", help="Give extended privileges")
    parser.add_argument("--read-only", action="store_true", help="Mount rootfs as read only")
    parser.add_argument("-p", "--publish", action="append", default=[], help="Publish a port")
    parser.add_argument(
        "--rm", action="store_true", help="Automatically remove the container when it exits"
    )
    parser.add_argument("image", metavar="IMAGE")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="[COMMAND] [ARG...]")


@dataclass(frozen=True, kw_only=True)
class CreateRequest:
    """What `POST /containers/create` is sent: the query name and the JSON body."""

    name: str | None
    body: dict[str, Any]

    @property
    def image(self) -> str:
        return str(self.body["Image"])

    @property
    def tty(self) -> bool:
        return bool(self.body["Tty"])

    @property
    def auto_remove(self) -> bool:
        return bool(self.body["HostConfig"]["AutoRemove"])


def _flag_value(flag: str, value: str, parse: Any) -> Any:
    try:
        return parse(value)
    except OptionError as error:
        raise OptionError(f'invalid argument "{value}" for "{flag}" flag: {error}') from None


def _entrypoint(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [value]


def build_create_request(
    args: argparse.Namespace, *, environ: Mapping[str, str], detach: bool = False
) -> CreateRequest:
    """Validate the flags like docker's `parse()` and shape the create body."""
    restart = parse_restart_policy(args.restart)
    if args.rm and not restart.is_none:
        raise OptionError("conflicting options: cannot specify both --restart and --rm")
    memory = 0
    if args.memory is not None:
        memory = _flag_value("-m, --memory", args.memory, parse_memory_bytes)
    nano_cpus = 0
    if args.cpus is not None:
        nano_cpus = _flag_value("--cpus", args.cpus, parse_nano_cpus)
    ports = parse_publish(args.publish)
    if args.stop_timeout is not None and args.stop_timeout < -1:
        raise OptionError(f"invalid stop timeout: {args.stop_timeout}")
    config: dict[str, Any] = {
        "Hostname": args.hostname or "",
        "Domainname": "",
        "User": args.user or "",
        "AttachStdin": args.interactive and not detach,
        "AttachStdout": not detach,
        "AttachStderr": not detach,
        "Tty": args.tty,
        "OpenStdin": args.interactive,
        "StdinOnce": args.interactive and not detach,
        "Env": parse_env(args.env, environ=environ),
        "Cmd": list(args.command) or None,
        "Image": args.image,
        "Volumes": {},
        "WorkingDir": args.workdir or "",
        "Entrypoint": _entrypoint(args.entrypoint),
        "OnBuild": None,
        "Labels": parse_labels(args.label),
    }
    if ports.exposed:
        config["ExposedPorts"] = ports.exposed
    if args.stop_signal:
        config["StopSignal"] = args.stop_signal
    if args.stop_timeout is not None:
        config["StopTimeout"] = args.stop_timeout
    host_config: dict[str, Any] = {
        "NetworkMode": args.network or "default",
        "RestartPolicy": restart.to_api(),
        "AutoRemove": args.rm,
        "Memory": memory,
        "NanoCpus": nano_cpus,
        "PortBindings": ports.bindings,
        "CapAdd": args.cap_add or None,
        "CapDrop": args.cap_drop or None,
        "Privileged": args.privileged,
        "ReadonlyRootfs": args.read_only,
    }
    if args.runtime:
        host_config["Runtime"] = args.runtime
    config["HostConfig"] = host_config
    return CreateRequest(name=args.name, body=config)
