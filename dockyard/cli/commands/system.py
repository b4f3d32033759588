"""Engine-wide verbs: info, version and events."""

from __future__ import annotations

import argparse
import json
import platform
from datetime import datetime
from typing import Any

from dockyard import __version__
from dockyard._internal.humanize import bytes_size
from dockyard.cli.context import CommandContext, Subcommands
from dockyard.cli.failures import CliFailure, OptionError
from dockyard.cli.formatting import template_errors_reported
from dockyard.cli.options import parse_filters
from dockyard.cli.template import Template, TemplateError
from dockyard.cli.timestamps import api_timestamp, rfc3339_nano_fixed
from dockyard.cli.transport import ConnectionFailure


def register(commands: Subcommands) -> None:
    info = commands.add_parser(
        "info", usage="%(prog)s [OPTIONS]", help="Display system-wide information"
    )
    info.add_argument("-f", "--format", help="Format output using a Go template")
    info.set_defaults(handler=show_info)

    version = commands.add_parser(
        "version", usage="%(prog)s [OPTIONS]", help="Show the dockyard version information"
    )
    version.add_argument("-f", "--format", help="Format output using a Go template")
    version.set_defaults(handler=show_version)

    events = commands.add_parser(
        "events", usage="%(prog)s [OPTIONS]", help="Get real time events from the server"
    )
    events.add_argument("--since", help="Show all events created since timestamp")
    events.add_argument("--until", help="Stream events until this timestamp")
    events.add_argument("-f", "--filter", action="append", default=[], help="Filter output")
    events.add_argument("--format", help="Format output using a Go template")
    events.set_defaults(handler=stream_events)


def _machine() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def _template(spec: str) -> Template:
    with template_errors_reported():
        return Template(spec)


def _render(template: Template, value: Any) -> str:
    try:
        return template.render(value)
    except TemplateError as error:
        raise CliFailure(f"template: {error}") from None


def info_lines(info: dict[str, Any]) -> list[str]:
    """The Server section of `docker info`, for the fields this engine reports."""
    lines = [
        f" Containers: {info.get('Containers', 0)}",
        f"  Running: {info.get('ContainersRunning', 0)}",
        f"  Paused: {info.get('ContainersPaused', 0)}",
        f"  Stopped: {info.get('ContainersStopped', 0)}",
        f" Images: {info.get('Images', 0)}",
        f" Server Version: {info.get('ServerVersion', '')}",
    ]
    if info.get("Driver"):
        lines.append(f" Storage Driver: {info['Driver']}")
        lines.extend(f"  {key}: {value}" for key, value in info.get("DriverStatus") or [])
    for key, label in (
        ("LoggingDriver", "Logging Driver"),
        ("CgroupDriver", "Cgroup Driver"),
        ("CgroupVersion", "Cgroup Version"),
    ):
        if info.get(key):
            lines.append(f" {label}: {info[key]}")
    runtimes = info.get("Runtimes") or {}
    if runtimes:
        lines.append(f" Runtimes: {' '.join(sorted(runtimes))}")
        lines.append(f" Default Runtime: {info.get('DefaultRuntime', '')}")
    if info.get("InitBinary"):
        lines.append(f" Init Binary: {info['InitBinary']}")
    for key, label in (("ContainerdCommit", "containerd version"), ("RuncCommit", "runc version")):
        commit = info.get(key) or {}
        if commit.get("ID"):
            lines.append(f" {label}: {commit['ID']}")
    lines += [
        f" Kernel Version: {info.get('KernelVersion', '')}",
        f" Operating System: {info.get('OperatingSystem', '')}",
        f" OSType: {info.get('OSType', '')}",
        f" Architecture: {info.get('Architecture', '')}",
        f" CPUs: {info.get('NCPU', 0)}",
        f" Total Memory: {bytes_size(float(info.get('MemTotal', 0)))}",
        f" Name: {info.get('Name', '')}",
        f" ID: {info.get('ID', '')}",
        f" Docker Root Dir: {info.get('DockerRootDir', '')}",
        f" Debug Mode: {str(bool(info.get('Debug'))).lower()}",
    ]
    labels = info.get("Labels") or []
    if labels:
        lines.append(" Labels:")
        lines.extend(f"  {label}" for label in labels)
    lines.append(f" Experimental: {str(bool(info.get('ExperimentalBuild'))).lower()}")
    lines.append(f" Live Restore Enabled: {str(bool(info.get('LiveRestoreEnabled'))).lower()}")
    return lines


def show_info(ctx: CommandContext, args: argparse.Namespace) -> int:
    info = ctx.engine.get_json("/info")
    if args.format:
        ctx.out(_render(_template(args.format), info))
        return 0
    ctx.out("Client:")
    ctx.out(f" Version:    {__version__}")
    ctx.out("")
    ctx.out("Server:")
    for line in info_lines(info):
        ctx.out(line)
    for warning in info.get("Warnings") or []:
        ctx.err(warning)
    return 0


def _client_version(ctx: CommandContext) -> dict[str, Any]:
    return {
        "Version": __version__,
        "PythonVersion": platform.python_version(),
        "Os": "linux",
        "Arch": _machine(),
    }


def _aligned(pairs: list[tuple[str, Any]], *, indent: str, width: int) -> list[str]:
    return [f"{indent}{(key + ':').ljust(width)}{value}" for key, value in pairs]


def version_lines(client: dict[str, Any], api_version: str | None, server: Any) -> list[str]:
    """`docker version`'s layout: a Client block, then the server's components."""
    lines = ["Client:"]
    lines += _aligned(
        [
            ("Version", client["Version"]),
            ("API version", api_version or "unknown"),
            ("Python version", client["PythonVersion"]),
            ("OS/Arch", f"{client['Os']}/{client['Arch']}"),
        ],
        indent=" ",
        width=19,
    )
    if server is None:
        return lines
    lines += ["", f"Server: {server.get('Platform', {}).get('Name') or 'dockyard'}"]
    components = server.get("Components") or [
        {"Name": "Engine", "Version": server.get("Version", ""), "Details": {}}
    ]
    for component in components:
        details = component.get("Details") or {}
        lines.append(f" {component.get('Name', '')}:")
        if component.get("Name") == "Engine":
            pairs: list[tuple[str, Any]] = [
                ("Version", server.get("Version", "")),
                (
                    "API version",
                    f"{server.get('ApiVersion', '')} "
                    f"(minimum version {server.get('MinAPIVersion', '')})",
                ),
                ("Git commit", server.get("GitCommit", "")),
                ("Built", server.get("BuildTime", "")),
                ("OS/Arch", f"{server.get('Os', '')}/{server.get('Arch', '')}"),
                ("Experimental", str(bool(server.get("Experimental"))).lower()),
            ]
        else:
            pairs = [("Version", component.get("Version", ""))]
            pairs += [(key, value) for key, value in details.items()]
        lines += _aligned(pairs, indent="  ", width=18)
    return lines


def show_version(ctx: CommandContext, args: argparse.Namespace) -> int:
    client = _client_version(ctx)
    try:
        server = ctx.engine.get_json("/version")
        api_version: str | None = ctx.engine.api_version
        failure: Exception | None = None
    except ConnectionFailure as error:
        server, api_version, failure = None, None, error
    if args.format:
        ctx.out(_render(_template(args.format), {"Client": client, "Server": server}))
    else:
        for line in version_lines(client, api_version, server):
            ctx.out(line)
    if failure is not None:
        raise failure
    return 0


def event_line(event: dict[str, Any]) -> str:
    """One event as `docker events` prints it: time, type, action, actor, sorted attributes."""
    parts = []
    if event.get("timeNano"):
        nanos = int(event["timeNano"])
        parts.append(rfc3339_nano_fixed(nanos // 1_000_000_000, nanos % 1_000_000_000) + " ")
    elif event.get("time"):
        parts.append(rfc3339_nano_fixed(int(event["time"]), 0) + " ")
    actor = event.get("Actor") or {}
    parts.append(f"{event.get('Type', '')} {event.get('Action', '')} {actor.get('ID', '')}")
    attributes = actor.get("Attributes") or {}
    if attributes:
        joined = ", ".join(f"{key}={attributes[key]}" for key in sorted(attributes))
        parts.append(f" ({joined})")
    return "".join(parts)


def events_params(args: argparse.Namespace, *, now: datetime) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if args.since:
        params["since"] = api_timestamp(args.since, now=now)
    if args.until:
        params["until"] = api_timestamp(args.until, now=now)
    filters = parse_filters(args.filter)
    if filters:
        params["filters"] = json.dumps(filters)
    return params


def stream_events(ctx: CommandContext, args: argparse.Namespace) -> int:
    try:
        params = events_params(args, now=datetime.now().astimezone())
    except OptionError as error:
        raise CliFailure(str(error)) from None
    template = _template(args.format) if args.format else None
    response = ctx.engine.request("GET", "/events", params=params, stream=True, timeout=None)
    try:
        for event in ctx.engine.stream_json(response):
            ctx.out(event_line(event) if template is None else _render(template, event))
    finally:
        response.close()
    return 0
