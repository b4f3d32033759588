"""``dockyardd``: the composition root. Flags → Config → services, in dependency order.

Start-up order: lock the data root (one engine per data root), open the store, build the image
store, runtime and engine, restore every container (so nothing is served before the engine knows
what is true), then open the API socket. Shutdown runs the same list backwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockyard.config import DEFAULT_CONFIG_FILE, Config, build_config
from dockyard.errors import ConfigError, DockyardError

if TYPE_CHECKING:
    from dockyard.engine.context import EngineContext

log = logging.getLogger("dockyard")


def parse_args(argv: list[str] | None) -> tuple[dict[str, Any], Path | None, bool]:
    parser = argparse.ArgumentParser(
        prog="dockyardd", description="dockyard container engine (Docker Engine API compatible)"
    )
    parser.add_argument("-H", "--host", action="append", help="unix:///path/to/socket")
    parser.add_argument("--data-root", help="root of persistent state (default /var/lib/dockyard)")
    parser.add_argument("--exec-root", help="root of runtime state (default /run/dockyard)")
    parser.add_argument("-p", "--pidfile", help="path of the pid file (default /run/dockyard.pid)")
    parser.add_argument("--config-file", help=f"daemon.json (default {DEFAULT_CONFIG_FILE})")
    parser.add_argument("-l", "--log-level", choices=["debug", "info", "warn", "error", "fatal"])
    parser.add_argument("-D", "--debug", action="store_true", default=None)
    parser.add_argument("--live-restore", action="store_true", default=None)
    parser.add_argument("--cgroup-parent")
    parser.add_argument("--seccomp-profile")
    parser.add_argument("--default-runtime")
    parser.add_argument("--validate", action="store_true", help="validate the config and exit")
    args = parser.parse_args(argv)
    flags: dict[str, Any] = {}
    for key, value in (
        ("hosts", args.host),
        ("data-root", args.data_root),
        ("exec-root", args.exec_root),
        ("pidfile", args.pidfile),
        ("log-level", args.log_level),
        ("debug", args.debug),
        ("live-restore", args.live_restore),
        ("cgroup-parent", args.cgroup_parent),
        ("seccomp-profile", args.seccomp_profile),
        ("default-runtime", args.default_runtime),
    ):
        if value is not None:
            flags[key] = value
    config_file = Path(args.config_file) if args.config_file else DEFAULT_CONFIG_FILE
    if args.config_file and not config_file.exists():
        raise ConfigError(f"open {config_file}: no such file or directory")
    return flags, config_file, args.validate


class DataRootLock:
    """One engine per data root: an exclusive flock held for the engine's lifetime."""

    def __init__(self, data_root: Path) -> None:
        data_root.mkdir(parents=True, exist_ok=True, mode=0o711)
        self.path = data_root / "dockyardd.lock"
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 32, 0).decode().strip() or "?"
            os.close(self._fd)
            raise ConfigError(
                f"another dockyardd (pid {holder}) is already using data root {data_root}"
            ) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, str(os.getpid()).encode(), 0)

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


def engine_id(data_root: Path) -> str:
    path = data_root / "engine-id"
    if path.exists():
        return path.read_text().strip()
    value = str(uuid.uuid4())
    path.write_text(value + "\n")
    return value


async def serve(config: Config, *, flags: dict[str, Any], config_file: Path | None) -> None:
    from dockyard.api.server import build_app, serve_unix
    from dockyard.engine.context import EngineContext
    from dockyard.engine.events import EventBus
    from dockyard.engine.lifecycle import Lifecycle
    from dockyard.engine.restore import restore
    from dockyard.engine.service import Engine
    from dockyard.engine.shutdown import remove_empty_cgroup_parent, shutdown_containers
    from dockyard.images import ImageStore, RootfsManager
    from dockyard.network import NetnsManager
    from dockyard.runtime import RuntimeRegistry, ShimRuntime
    from dockyard.runtime.seccomp import load_seccomp_profile
    from dockyard.runtime.types import TaskEvent
    from dockyard.store import Database
    from dockyard.store.container_repo import ContainerRepo

    lock = DataRootLock(config.data_root)
    config.exec_root.mkdir(parents=True, exist_ok=True, mode=0o711)
    config.pidfile.parent.mkdir(parents=True, exist_ok=True)
    config.pidfile.write_text(f"{os.getpid()}\n")
    db = Database(config.data_root / "dockyard.db")
    holder: dict[str, EngineContext] = {}

    def users_of_image(image_id: str) -> list[str]:
        ctx = holder.get("ctx")
        if ctx is None:
            return []
        return [c.id for c in ctx.containers.values() if c.image_id == image_id]

    events = EventBus()

    def publish_image_event(action: str, actor: str, attributes: dict[str, str]) -> None:
        events.publish("image", action, actor, attributes)

    def container_running(container_id: str) -> bool:
        ctx = holder.get("ctx")
        container = ctx.containers.get(container_id) if ctx else None
        return bool(container and container.state.running)

    def on_task_event(event: TaskEvent) -> None:
        ctx = holder.get("ctx")
        if ctx is None:
            return
        container = ctx.containers.get(event.container_id)
        if container is not None and event.topic == "/tasks/oom":
            ctx.live_of(container).oom = True
            ctx.emit(container, "oom")

    seccomp_profile = None
    if config.seccomp_profile != "unconfined":
        seccomp_profile = load_seccomp_profile(
            Path(config.seccomp_profile) if config.seccomp_profile else None
        )
    runtime = ShimRuntime(
        exec_root=config.exec_root, namespace=config.shim_namespace, on_event=on_task_event
    )
    ctx = EngineContext(
        config=config,
        repo=ContainerRepo(db),
        runtime=runtime,
        registry=RuntimeRegistry(),
        images=ImageStore(
            root=config.data_root / "images",
            db=db,
            users=users_of_image,
            running=container_running,
            on_event=publish_image_event,
        ),
        rootfs=RootfsManager(root=config.data_root / "rootfs"),
        netns=NetnsManager(root=config.exec_root / "netns"),
        events=events,
        seccomp_profile=seccomp_profile,
        engine_id=engine_id(config.data_root),
    )
    holder["ctx"] = ctx
    lifecycle = Lifecycle(ctx=ctx)
    runner = None
    engine: Engine | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: reload_config(ctx, flags, config_file))
    try:
        await runtime.open()
        await restore(ctx, lifecycle)
        engine = Engine(ctx=ctx, lifecycle=lifecycle)
        runner = await serve_unix(build_app(engine), config.host)
        log.info("API listen on %s", config.host)
        await stop.wait()
        log.info("Processing signal 'terminated'")
    finally:
        if runner is not None:
            await runner.cleanup()
        if engine is not None:
            await engine.close()
        await shutdown_containers(ctx, lifecycle)
        remove_empty_cgroup_parent(config.cgroup_parent)
        await lifecycle.close()
        await runtime.close()
        db.close()
        with contextlib.suppress(FileNotFoundError):
            config.pidfile.unlink()
        with contextlib.suppress(FileNotFoundError):
            config.host.unlink()
        lock.release()
        log.info("Daemon shutdown complete")


def reload_config(ctx: EngineContext, flags: dict[str, Any], config_file: Path | None) -> None:
    """SIGHUP: re-read daemon.json; a bad file keeps the running configuration, as dockerd."""
    log.info("Got signal to reload configuration, reloading from: %s", config_file)
    try:
        new = build_config(flags, config_file)
        ctx.registry.validate(new.default_runtime)
    except (ConfigError, DockyardError) as exc:
        log.error("Error reloading configuration: %s", exc)
        return
    ctx.config = dataclasses.replace(
        ctx.config,
        live_restore=new.live_restore,
        debug=new.debug,
        log_level=new.log_level,
        default_runtime=new.default_runtime,
        runtimes=new.runtimes,
        raw=new.raw,
    )
    logging.getLogger().setLevel(_log_level(new.log_level))
    attributes = {
        "debug": str(new.debug).lower(),
        "live-restore": str(new.live_restore).lower(),
        "default-runtime": new.default_runtime,
        "log-level": new.log_level,
    }
    ctx.events.publish("daemon", "reload", ctx.engine_id, attributes)
    log.info("Reloaded configuration: %s", json.dumps(attributes))


def _log_level(name: str) -> int:
    return {"warn": logging.WARNING, "fatal": logging.CRITICAL}.get(
        name, getattr(logging, name.upper(), logging.INFO)
    )


def main(argv: list[str] | None = None) -> int:
    try:
        flags, config_file, validate_only = parse_args(argv)
        config = build_config(flags, config_file)
    except ConfigError as exc:
        print(f"failed to start daemon: {exc}", file=sys.stderr)
        return 1
    if validate_only:
        print("configuration OK")
        return 0
    logging.basicConfig(
        level=_log_level(config.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if os.geteuid() != 0:
        print(
            "failed to start daemon: dockyardd needs to be started with root privileges",
            file=sys.stderr,
        )
        return 1
    try:
        asyncio.run(serve(config, flags=flags, config_file=config_file))
    except (ConfigError, DockyardError) as exc:
        print(f"failed to start daemon: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
