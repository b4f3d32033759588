"""Starting a container's task, watching it exit, and stopping it.

Start is a sequence of host steps (rootfs mount, etc files, bundle, FIFOs, shim task); each one
that succeeded is undone when a later one fails, so a failed start leaves no mount, FIFO, bundle
or shim behind. Exit handling is the only path from "running" to "exited" or "restarting": it
runs in the container's monitor task whether the exit was asked for (stop, kill) or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal as _signal
import time
from pathlib import Path

from dockyard.engine.container import Container, ShimRecord, now_rfc3339, parse_rfc3339
from dockyard.engine.context import EngineContext, Live
from dockyard.engine.etc_files import write_etc_files
from dockyard.engine.restart_manager import RestartManager
from dockyard.engine.restart_policy import parse_policy, should_restart_on_exit
from dockyard.engine.start_errors import start_error_exit_code, start_failure
from dockyard.engine.stdio import ProcessStdio, remove_fifo_dir
from dockyard.errors import DockyardError, InvalidParameter, NotFound, RuntimeFailure
from dockyard.runtime.oci_mounts import create_missing_bind_sources
from dockyard.runtime.oci_spec import build_spec
from dockyard.runtime.types import ExitStatus, ShimHandle

log = logging.getLogger(__name__)

KILL_GRACE = 10.0  # after SIGKILL, how long to wait for the exit before giving up


def execution_seconds(container: Container) -> float:
    started = parse_rfc3339(container.state.started_at)
    if started is None:
        return 0.0
    return max(0.0, time.time() - started.timestamp())


class Lifecycle:
    def __init__(self, *, ctx: EngineContext) -> None:
        self.ctx = ctx
        self.restarts = RestartManager(restart=self._policy_restart)

    # -- start ----------------------------------------------------------------------------
    async def start(self, container: Container, *, manual: bool) -> None:
        """Start the task. Caller holds the container's lock."""
        live = self.ctx.live_of(container)
        if manual:
            await self.restarts.reset(container.id)
            container.restart_count = 0
            container.has_been_manually_stopped = False
        undo: list[tuple[str, object]] = []
        try:
            handle = await self._prepare(container, live, undo)
            await self._launch(container, live, handle)
        except BaseException as exc:
            await self._undo(container, live, undo)
            self._record_start_failure(container, live, exc)
            if isinstance(exc, OSError):
                raise RuntimeFailure(str(exc)) from exc
            raise

    def _record_start_failure(self, container: Container, live: Live, exc: BaseException) -> None:
        if not isinstance(exc, DockyardError | OSError):
            return
        message = str(exc)
        container.state.error = message
        container.state.exit_code = start_error_exit_code(message)
        if container.state.restarting or container.state.running:
            container.state.set_stopped(container.state.exit_code)
            live.stopped.set()
            _resolve(live.stop_waiters, container.state.exit_code)
        self.ctx.save(container)

    async def _prepare(
        self, container: Container, live: Live, undo: list[tuple[str, object]]
    ) -> ShimHandle:
        """Everything up to a created (not yet started) task; each step noted in ``undo``."""
        ctx = self.ctx
        t0 = time.perf_counter()
        netns_path = None
        if ctx.wants_netns(container):
            # Made in parallel with the rootfs and bundle; awaited before the task needs it.
            netns_path = str(ctx.netns.path(container.id))
            netns_task = asyncio.create_task(ctx.netns.create(container.id))
            undo.append(("netns", netns_task))
        image = await asyncio.to_thread(ctx.images.resolve, container.image_id)
        rootfs: Path = await asyncio.to_thread(ctx.rootfs.mount, container.id, image.layer_dirs)
        t1 = time.perf_counter()
        undo.append(("rootfs", None))
        etc_files = write_etc_files(ctx.container_dir(container.id), container)
        create_missing_bind_sources(container.host_config)
        spec = build_spec(
            container_id=container.id,
            config=container.config,
            host_config=container.host_config,
            rootfs=rootfs,
            cgroups_path=ctx.cgroups_path(container),
            etc_files=etc_files,
            seccomp_profile=ctx.seccomp_profile,
            netns_path=netns_path,
        )
        bundle = ctx.bundle_dir(container.id)
        if bundle.exists():
            shutil.rmtree(bundle)
        bundle.mkdir(parents=True, mode=0o711)
        undo.append(("bundle", bundle))
        (bundle / "config.json").write_text(json.dumps(spec))
        writer = ctx.log_writer(container)
        stdio = ProcessStdio(
            directory=ctx.fifo_dir(container.id),
            prefix="init",
            tty=bool(container.config.get("Tty")),
            stdin=bool(container.config.get("OpenStdin")),
            sink=self._sink(live, writer),
            on_stdin_close=lambda: ctx.runtime.close_io(container.id),
        )
        undo.append(("stdio", stdio))  # before open(): a half-open stdio is closed too
        stdio.open()
        live.hub.bind(stdio)
        live.stdio = stdio
        resolved = ctx.registry.resolve(container.runtime)
        if netns_path is not None:
            await netns_task
        t2 = time.perf_counter()
        try:
            handle, _pid = await ctx.runtime.create(
                container_id=container.id, bundle=bundle, runtime=resolved, io=stdio.task_io
            )
        except RuntimeFailure as exc:
            raise start_failure(str(exc)) from exc
        undo.append(("task", handle))
        stdio.mark_task_created()
        log.debug(
            "prepared %s: rootfs %.1f ms, bundle %.1f ms, task create %.1f ms",
            container.short_id,
            (t1 - t0) * 1e3,
            (t2 - t1) * 1e3,
            (time.perf_counter() - t2) * 1e3,
        )
        return handle

    async def _launch(self, container: Container, live: Live, handle: ShimHandle) -> None:
        """Let the created task run its process; from here on the container is running."""
        ctx = self.ctx
        pid = await ctx.runtime.start(container.id)
        live.oom = False
        live.exiting = False
        live.stopped.clear()
        container.state.set_running(pid)
        container.shim = ShimRecord(
            address=handle.address, bundle=str(handle.bundle), binary=handle.binary, pid=handle.pid
        )
        container.has_been_started_before = True
        ctx.save(container)
        ctx.emit(container, "start")
        self.watch(container)

    def _sink(self, live: Live, writer):  # type: ignore[no-untyped-def]
        def sink(stream: str, chunk: bytes) -> None:
            writer.write(stream, chunk)
            live.hub.publish(stream, chunk)

        return sink

    async def _undo(self, container: Container, live: Live, undo: list[tuple[str, object]]) -> None:
        ctx = self.ctx
        for kind, item in reversed(undo):
            try:
                if kind == "task":
                    await self.dispose_task(container.id, kill=True)
                elif kind == "stdio":
                    assert isinstance(item, ProcessStdio)
                    item.drain_and_close()
                    live.hub.end_run()
                    live.stdio = None
                    remove_fifo_dir(ctx.fifo_dir(container.id))
                elif kind == "bundle":
                    shutil.rmtree(str(item), ignore_errors=True)
                elif kind == "rootfs":
                    await asyncio.to_thread(ctx.rootfs.unmount, container.id)
                elif kind == "netns":
                    assert isinstance(item, asyncio.Task)
                    item.cancel()
                    with contextlib.suppress(BaseException):
                        await item
                    await asyncio.to_thread(ctx.netns.remove, container.id)
            except Exception:
                log.exception("cleanup step %s failed for %s", kind, container.short_id)

    # -- watching exits -------------------------------------------------------------------
    def watch(self, container: Container) -> None:
        live = self.ctx.live_of(container)
        live.monitor = asyncio.create_task(
            self._monitor(container), name=f"monitor-{container.short_id}"
        )

    async def _monitor(self, container: Container) -> None:
        try:
            status = await self.ctx.runtime.wait(container.id)
        except asyncio.CancelledError:
            return
        except DockyardError as exc:
            if self.ctx.shutting_down:
                return
            log.warning("lost the shim of %s (%s); cleaning up", container.short_id, exc)
            status = await self._reap_dead_shim(container)
        if self.ctx.shutting_down and not self.ctx.live_of(container).engine_stop:
            return
        await self.handle_exit(container, status)

    async def _reap_dead_shim(self, container: Container) -> ExitStatus:
        shim = container.shim
        if shim is None:
            return ExitStatus(exit_code=255, exited_at=now_rfc3339())
        handle = ShimHandle(address=shim.address, bundle=Path(shim.bundle), binary=shim.binary)
        try:
            return await self.ctx.runtime.cleanup_dead_shim(container.id, handle)
        except DockyardError:
            log.exception("shim cleanup of %s failed", container.short_id)
            return ExitStatus(exit_code=255, exited_at=now_rfc3339())

    async def dispose_task(self, container_id: str, *, kill: bool) -> None:
        """Delete the task and make sure its shim is gone, whatever fails on the way.

        A shim that will not shut down (a failed delete leaves it tracking the container) would
        otherwise outlive its bundle and block the next start; it is killed (by the pid this
        engine started, checked against its command line) and cleaned up with its own
        ``delete`` subcommand, as containerd does.
        """
        runtime = self.ctx.runtime
        try:
            handle: ShimHandle | None = runtime.handle(container_id)
        except DockyardError:
            handle = None
        if kill:
            with contextlib.suppress(DockyardError):
                await runtime.kill(container_id, _signal.SIGKILL, all=True)
            with contextlib.suppress(DockyardError, TimeoutError):
                async with asyncio.timeout(KILL_GRACE):
                    await runtime.wait(container_id)
        with contextlib.suppress(DockyardError):
            await runtime.delete(container_id)
        try:
            await runtime.shutdown(container_id)
        except DockyardError as exc:
            if handle is None:
                return
            log.warning("shim of %s did not shut down (%s); killing it", container_id[:12], exc)
            _kill_own_shim(handle, self.ctx.config.exec_root)
            with contextlib.suppress(DockyardError):
                await runtime.cleanup_dead_shim(container_id, handle)

    async def handle_exit(self, container: Container, status: ExitStatus) -> None:
        """Record an exit, tear the run down, then let the policy decide."""
        ctx = self.ctx
        live = ctx.live_of(container)
        live.exiting = True
        container.pending_exit_code = status.exit_code
        container.pending_exit_at = status.exited_at or now_rfc3339()
        ctx.save(container)
        await self.dispose_task(container.id, kill=False)
        if live.stdio is not None:
            live.stdio.drain_and_close()
            live.stdio = None
        if live.log is not None:
            live.log.flush()
        live.hub.end_run()
        remove_fifo_dir(ctx.fifo_dir(container.id))
        shutil.rmtree(ctx.bundle_dir(container.id), ignore_errors=True)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(ctx.rootfs.unmount, container.id)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(ctx.netns.remove, container.id)
        container.shim = None

        exit_code = status.exit_code
        duration = execution_seconds(container)
        ctx.emit(container, "die", exitCode=str(exit_code), execDuration=str(int(duration)))
        policy = parse_policy(container.host_config.get("RestartPolicy"))
        manually = container.has_been_manually_stopped or live.engine_stop or live.manual_restart
        restart = not ctx.shutting_down and should_restart_on_exit(
            policy,
            exit_code=exit_code,
            manually_stopped=manually,
            restart_count=container.restart_count,
        )
        finished = status.exited_at or now_rfc3339()
        if restart:
            container.restart_count += 1
            container.state.set_restarting(exit_code, finished_at=finished)
            delay = self.restarts.next_delay(container.id, duration)
            self.restarts.schedule(container.id, delay)
        else:
            container.state.set_stopped(exit_code, finished_at=finished)
        container.state.oom_killed = live.oom
        container.pending_exit_code, container.pending_exit_at = None, ""
        ctx.save(container)
        _resolve(live.exit_waiters, exit_code)
        # dockerd wakes "not-running" waiters when a container goes restarting too, which is
        # what lets `docker attach`/`docker wait` return at each exit of an `always` container.
        _resolve(live.stop_waiters, exit_code)
        if live.log is not None:
            live.log.end_followers()  # `logs -f` ends at every exit, as with dockerd
        if not restart:
            live.stopped.set()
        if (
            not restart
            and container.host_config.get("AutoRemove")
            and not live.manual_restart
            and not live.removing
        ):
            await self._auto_remove(container)

    async def _auto_remove(self, container: Container) -> None:
        from dockyard.engine.removal import remove_container

        try:
            await remove_container(self.ctx, self, container)
        except DockyardError:
            log.exception("auto-remove of %s failed", container.short_id)

    async def _policy_restart(self, container_id: str, delay: float) -> None:
        """Restart after ``delay``, with the task already created while the delay runs.

        Creating the task (shim, runc create) takes most of a start; doing it during the backoff
        leaves only ``Task.Start`` after it, so the process still starts no earlier than the
        backoff allows, but with little delay on top. A stop during the backoff cancels this
        task, which then tears the created task down again.
        """
        container = self.ctx.containers.get(container_id)
        if container is None:
            return
        live = self.ctx.live_of(container)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        undo: list[tuple[str, object]] = []
        try:
            async with live.lock:
                if not container.state.restarting:
                    return
                handle = await self._prepare(container, live, undo)
            await asyncio.sleep(max(0.0, deadline - loop.time()))
            async with live.lock:
                if not container.state.restarting:
                    await self._undo(container, live, undo)
                    return
                await self._launch(container, live, handle)
        except asyncio.CancelledError:
            await self._undo(container, live, undo)
            raise
        except (DockyardError, OSError) as exc:
            log.warning("policy restart of %s failed: %s", container.short_id, exc)
            await self._undo(container, live, undo)
            self._record_start_failure(container, live, exc)

    # -- stop / kill ----------------------------------------------------------------------
    async def cancel_restart(self, container: Container) -> bool:
        """Stop a pending policy restart; the container becomes exited at once."""
        if not container.state.restarting:
            return False
        await self.restarts.cancel(container.id)
        live = self.ctx.live_of(container)
        container.state.set_stopped(
            container.state.exit_code, finished_at=container.state.finished_at
        )
        self.ctx.save(container)
        live.stopped.set()
        _resolve(live.stop_waiters, container.state.exit_code)
        return True

    async def signal(self, container: Container, signum: int) -> None:
        if self.ctx.live_of(container).exiting:
            return  # the task is gone already; the exit is being recorded
        try:
            await self.ctx.runtime.kill(container.id, signum, all=signum == _signal.SIGKILL)
        except NotFound:
            pass  # exited meanwhile: the monitor records it
        except RuntimeFailure as exc:
            # The shim may be going away with its task; a stop then waits for the exit.
            log.warning("signal %d to %s failed: %s", signum, container.short_id, exc)

    async def stop(self, container: Container, *, timeout: float, signum: int) -> None:
        """Signal, wait up to ``timeout``, then SIGKILL; returns once the task is gone."""
        live = self.ctx.live_of(container)
        self.ctx.emit(container, "kill", signal=str(signum))
        await self.signal(container, signum)
        if timeout != 0:
            try:
                async with asyncio.timeout(None if timeout < 0 else timeout):
                    await live.stopped.wait()
                return
            except TimeoutError:
                pass
        if not live.stopped.is_set():
            if signum != _signal.SIGKILL:
                self.ctx.emit(container, "kill", signal=str(int(_signal.SIGKILL)))
                await self.signal(container, _signal.SIGKILL)
            try:
                async with asyncio.timeout(KILL_GRACE):
                    await live.stopped.wait()
            except TimeoutError:
                raise RuntimeFailure(
                    f"container {container.id} did not exit within the kill grace period"
                ) from None

    def stop_signal(self, container: Container) -> int:
        from dockyard.engine.signals import parse_signal

        try:
            return parse_signal(container.config.get("StopSignal"), _signal.SIGTERM)
        except InvalidParameter:
            return int(_signal.SIGTERM)

    async def close(self) -> None:
        await self.restarts.close()


def _kill_own_shim(handle: ShimHandle, exec_root: Path) -> None:
    """SIGKILL a shim this engine started, if the pid still runs that shim."""
    if not handle.pid:
        return
    try:
        cmdline = Path(f"/proc/{handle.pid}/cmdline").read_bytes()
    except OSError:
        return
    if Path(handle.binary).name.encode() in cmdline and str(exec_root).encode() in cmdline:
        with contextlib.suppress(ProcessLookupError):
            os.kill(handle.pid, _signal.SIGKILL)


def _resolve(waiters: list[asyncio.Future[int]], code: int) -> None:
    for future in waiters:
        if not future.done():
            future.set_result(code)
    waiters.clear()
