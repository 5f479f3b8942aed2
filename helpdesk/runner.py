"""The process runner: gateway, pipeline workers, scheduler and sender.

The main process runs the SMTP gateway (and the capture relay in the demo),
one IMAP fetcher per configured mailbox and the scheduler, each on its own
thread. The pipeline runs in `helpdesk worker` child processes (``[worker]
processes``), and worker 0 also runs the outbound sender, so neither parsing
and rules nor sending compete with accepting mail for the interpreter; with
``processes = 0`` all of it runs in threads of the main process. Workers
claim messages from the database, so any number can run, here or on other
machines.

Every process with a pipeline runs a rules keeper (``workflows.rulekeeper``)
that applies a changed, valid rule file within two seconds and refuses a
broken one, keeping the rules it has.

Worker processes are forked from the runner when it has no other thread
yet (``start()`` makes them first): they begin with everything imported and
built, in a tenth of a second, where a new interpreter needs about one
(imports, mostly), and that second counts against a backlog waiting at
start. A runner that already has threads (its caller's) starts them as new
interpreters instead, as forking a process with threads may copy a lock
some other thread holds.

``stop()`` ends things in order (stop taking mail, finish the message in
hand, stop sending) so nothing accepted is lost. A worker whose parent dies
(even by SIGKILL) finishes its message and exits.
"""
from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from helpdesk.build import build_mailboxes, build_services, load_ruleset, log_file
from helpdesk.config import ConfigError, Settings
from mailgateway.capture import CaptureRelay
from mailgateway.imap import MailboxFetcher
from mailgateway.outbound import OutboundSender, RelaySettings
from mailgateway.smtp import GatewayController, HelpdeskHandler, RateLimiter
from mailgateway.store import InboundWriter
from storage import Database, health, utcnow
from workflows.pipeline import Pipeline
from workflows.rulekeeper import RuleKeeper
from workflows.scheduler import Scheduler, SchedulerPolicy
from workflows.services import Services

log = logging.getLogger("helpdesk.runner")


class Helpdesk:
    """Everything `helpdesk run` starts, built from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        url = settings.storage_url()
        # SQLite checkpoints run on a thread of their own (``checkpoint_loop``), not in a writer's commit.
        self.db = Database(url, pool_size=settings.worker.threads + 4, autocheckpoint=False)
        # The intake connection syncs every commit: we promised the sender we have it
        # (and an IMAP message leaves its folder only once its row is on disk).
        self.intake_db = Database(url, synchronous="FULL", pool_size=2 + len(settings.imap.mailboxes),
                                  write_priority=True, autocheckpoint=False)
        self.services = build_services(settings)
        self.rule_keeper = RuleKeeper(functools.partial(load_ruleset, settings), self.services, self.db)
        self.work_ready = WakeUp()  # the pipeline threads of this process (``processes = 0``)
        self.wakes: list[WakePipe] = []  # one per forked worker process: new mail was committed
        self.writer = InboundWriter(self.intake_db, on_commit=self._work_arrived)
        self.fetchers = [MailboxFetcher(mailbox, self.intake_db, on_commit=self._work_arrived)
                         for mailbox in build_mailboxes(settings)]
        # One scheduler for the process's life: it remembers its last sweep (so the next looks only at
        # what came due since) and which tickets another worker held.
        self.scheduler = Scheduler(self.db, self.services,
                                   SchedulerPolicy(**settings.scheduler.model_dump(exclude={"interval_seconds"})))
        self.scheduler_interval = settings.scheduler.interval_seconds
        self.sender = OutboundSender(self.db, _relay(settings))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._processes: list[subprocess.Popen | ForkedWorker] = []
        self.capture: CaptureRelay | None = None
        self.gateway: GatewayController | None = None

    def start(self) -> None:
        self.db.upgrade()
        self.rule_keeper.check()  # records the version we start with
        self._launch_workers()  # before this process starts a thread, so they can be forked
        self._spawn("rules", functools.partial(self.rule_keeper.run, self._stop))
        if self.settings.capture.enabled:
            self.capture = CaptureRelay(self.settings.path(self.settings.capture.maildir),
                                        host=self.settings.outbound.relay_host,
                                        port=self.settings.outbound.relay_port)
            self.capture.start()
        self.writer.start()
        self.gateway = self._gateway()
        self.gateway.start()
        for fetcher in self.fetchers:
            self._spawn(f"imap-{fetcher.mailbox.name}", functools.partial(fetcher.run, self._stop))
        self._start_workers()
        if self.settings.worker.processes == 0:
            self._spawn("sender", functools.partial(send_loop, self.sender, self._stop, self.services.outbox_ready))
        self._spawn("scheduler", self._schedule)
        if self.db.is_sqlite:
            self._spawn("checkpoint", functools.partial(checkpoint_loop, self.db, self._stop))
        gw = self.settings.gateway
        log.info("event=started smtp=%s:%s storage=%s", gw.smtp_host, gw.smtp_port, self.db.url.render_as_string())

    def _work_arrived(self) -> None:
        self.work_ready.set()
        for wake in self.wakes:
            wake.set()

    def _launch_workers(self) -> None:
        """Start the worker processes: forked if this process has no other thread, else new interpreters."""
        worker = self.settings.worker
        if worker.processes == 0:
            return
        level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
        fork = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        # Each worker takes its own share of the pending mail, so each has its own wake-up call.
        self.wakes = [WakePipe() for _ in range(worker.processes)] if fork else []
        # Worker 0 also runs the outbound sender, so sending replies never competes
        # with accepting mail for this process's interpreter.
        self._processes = [
            ForkedWorker(self.settings, number, send=number == 0, inherited=(self.db, self.intake_db),
                         services=self.services, wake=self.wakes[number]) if fork
            else start_worker_process(self.settings, level, number, send=number == 0)
            for number in range(worker.processes)]

    def _start_workers(self) -> None:
        """Pipeline threads (``processes = 0``), or wait until the worker processes are ready."""
        worker = self.settings.worker
        if worker.processes == 0:
            for number in range(worker.threads):
                pipeline = Pipeline(self.db, self.services, shard=(number, worker.threads))
                self._spawn(f"worker-{number}", functools.partial(self._work, pipeline))
            return
        for process in self._processes:
            process.await_ready() if isinstance(process, ForkedWorker) else await_ready(process)

    def stop(self) -> None:
        log.info("event=stopping")
        if self.gateway is not None:
            self.gateway.stop()
        self.writer.stop()
        self._stop.set()
        for process in self._processes:
            process.send_signal(signal.SIGTERM)
        self._work_arrived()  # wakes idle workers to see the stop at once
        self.services.outbox_ready.set()
        for process in self._processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for thread in self._threads:
            thread.join(timeout=15)
        if self.capture is not None:
            self.capture.stop()
        for wake in self.wakes:
            wake.close()
        self.db.dispose()
        self.intake_db.dispose()
        log.info("event=stopped")

    def request_stop(self) -> None:
        """Ask wait() to return (safe from a signal handler)."""
        self._stop.set()

    def wait(self) -> None:
        """Block until request_stop() is called from another thread or a signal handler."""
        while not self._stop.wait(0.5):
            pass

    def _gateway(self) -> GatewayController:
        gw = self.settings.gateway
        handler = HelpdeskHandler(
            self.writer,
            lambda address: self.services.department_for_address(address) is not None,
            max_recipients=gw.max_recipients,
            rate_limiter=RateLimiter(gw.max_messages_per_minute_per_peer),
        )
        return GatewayController(handler, host=gw.smtp_host, port=gw.smtp_port, hostname=gw.hostname,
                                 max_message_bytes=gw.max_message_bytes, max_sessions=gw.max_sessions)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=guarded, args=(name, target, self._stop), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _work(self, pipeline: Pipeline) -> None:
        work_loop(pipeline, self._stop, self.work_ready, self.settings.worker.idle_poll_seconds)

    def _schedule(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            now = utcnow()
            counts = self.scheduler.run_once(now)
            with self.db.transaction() as session:  # the Health page shows when it last ran
                health.beat(session, "scheduler", now, counts)
            self._stop.wait(max(0.0, self.scheduler_interval - (time.monotonic() - started)))


def guarded(name: str, target: Callable[[], None], stop) -> None:
    """Run a loop; if it fails (database down ...), log and restart it with backoff."""
    backoff = 0.5
    while not stop.is_set():
        try:
            target()
            return
        except Exception:
            log.exception("event=loop_failed loop=%s retry_in=%.1fs", name, backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, 30.0)


#: How often the runner checkpoints the SQLite write-ahead log.
CHECKPOINT_SECONDS = 1.0


def checkpoint_loop(db: Database, stop, interval: float = CHECKPOINT_SECONDS) -> None:
    """Checkpoint the SQLite write-ahead log every ``interval`` seconds (see ``storage.db``).

    The runner's processes write with automatic checkpoints off, so a commit
    never stops to copy the log into the database file while holding the
    write turn; this thread does it beside them.
    """
    while not stop.wait(interval):
        db.checkpoint()


def work_loop(pipeline: Pipeline, stop, ready: WakeUp, idle_seconds: float,
              caught_up: threading.Event | None = None) -> None:
    """Process pending mail; ``caught_up`` (if given) is set while nothing is pending, clear while working.

    Idle, it waits for ``ready`` (new mail was committed, or stop), at most
    ``idle_seconds``. It notes ``ready`` before it looks at the stop flag and
    for mail, so a wake-up that comes while it looks ends the wait at once.
    """
    while True:
        seen = ready.seen()
        if stop.is_set():
            return
        if pipeline.process_next():
            if caught_up is not None:
                caught_up.clear()
            continue
        if caught_up is not None:
            caught_up.set()
        ready.wait(seen, idle_seconds)


def send_loop(sender: OutboundSender, stop, ready: threading.Event,
              caught_up: threading.Event | None = None, yield_seconds: float = 0.0) -> None:
    """Send what is due; wait to be woken by the pipeline (or look again soon: workers elsewhere cannot wake us).

    Beside a pipeline in the same process (``caught_up``), a backlog comes
    first: while the pipeline is working one off, the sender waits for it to
    catch up, but at most ``yield_seconds`` at a time; then it sends
    everything due before it yields again, so replies are late by seconds
    during a burst and never starve.
    """
    while not stop.is_set():
        if caught_up is not None and yield_seconds > 0 and not caught_up.wait(yield_seconds):
            while not stop.is_set() and sender.send_due():
                pass
            continue
        if not sender.send_due():
            ready.wait(0.5)
            ready.clear()


def start_worker_process(settings: Settings, log_level: str, number: int, *, send: bool = False) -> subprocess.Popen:
    """`helpdesk worker` child ``number`` with these exact settings (sent as JSON on its stdin)."""
    logs = log_file()
    process = subprocess.Popen(
        [sys.executable, "-m", "helpdesk.cli", "--log-level", log_level, "worker", "--settings-stdin",
         "--parent-pid", str(os.getpid()), "--index", str(number), *(["--send"] if send else []),
         *(["--log-file", logs] if logs else [])],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    process.stdin.write(settings.model_dump_json().encode())
    process.stdin.close()
    return process


def await_ready(process: subprocess.Popen, timeout: float = 120.0) -> None:
    """Wait for the worker's "ready" line: started means ready to work."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else b""
    process.stdout.close()
    if line.strip() != b"ready":
        process.kill()
        process.wait()
        raise RuntimeError(f"a worker process failed to start (exit code {process.returncode})")


class ForkedWorker:
    """A worker process forked from the runner, with what of ``subprocess.Popen`` the runner uses.

    The child drops the runner's database connections without closing them
    (they stay the runner's; SQLite and PostgreSQL connections must not be
    used across a fork), runs :func:`run_worker` as ``helpdesk worker`` would
    but on the services the runner built (its rules already compiled) and
    woken by the runner's ``wake`` pipe, and says "ready" over a pipe.
    """

    def __init__(self, settings: Settings, number: int, *, send: bool = False,
                 inherited: tuple[Database, ...] = (), services: Services | None = None,
                 wake: WakePipe | None = None) -> None:
        context = multiprocessing.get_context("fork")
        self._ready, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_run_forked, args=(settings, os.getpid(), child_end, number, send, inherited, services, wake),
            name=f"helpdesk-worker-{number}", daemon=True)  # daemon: ended, not waited for, if the runner exits
        self._process.start()
        child_end.close()
        self.pid = self._process.pid
        self.args = ["forked worker", str(number), *(["--send"] if send else [])]

    def await_ready(self, timeout: float = 120.0) -> None:
        """Wait for the worker's "ready": started means ready to work."""
        try:
            ready = self._ready.poll(timeout) and self._ready.recv() == "ready"
        except (EOFError, OSError):  # it died before saying so
            ready = False
        finally:
            self._ready.close()
        if not ready:
            self.kill()
            self._process.join()
            raise RuntimeError(f"a worker process failed to start (exit code {self.returncode})")

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, number)

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            self._process.kill()


def _run_forked(settings: Settings, parent_pid: int, ready, number: int, send: bool,
                inherited: tuple[Database, ...], services: Services | None, wake: WakePipe | None) -> None:
    for db in inherited:
        db.engine.dispose(close=False)
    run_worker(settings, parent_pid=parent_pid, announce=lambda: ready.send("ready"), index=number, send=send,
               services=services, wake=wake)


class WakeUp:
    """The wake-up call of one process's idle pipeline threads: new mail was committed, or stop.

    A count of calls, not a flag that a waiter clears: a thread notes the
    count (``seen``) before it looks for work and waits only until the count
    moves on from it (``wait``). So a call that comes while a thread looks
    is not lost, and one call wakes every waiting thread, not only the first
    to take it. ``set`` may be called from a signal handler.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()  # reentrant: a signal handler may call set() on a thread inside it
        self._count = 0

    def set(self) -> None:
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def seen(self) -> int:
        return self._count

    def wait(self, seen: int, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a call after ``seen``; True if one came."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count != seen, timeout)


def relay_wakes(pipe: WakePipe | None, ready: WakeUp, stop: ParentWatch, tick: float = 0.5) -> None:
    """A worker process's thread that passes the runner's wake-ups (``pipe``) on to its pipeline threads.

    It also looks every ``tick`` seconds whether the worker should stop (its
    parent may have died, which nothing announces) and then wakes them too.
    """
    while not stop.is_set():
        if pipe is None:
            stop.wait(tick)
        elif pipe.wait(tick):
            ready.set()
    ready.set()


class WakePipe:
    """A wake-up call from the runner to the worker processes it forked: a byte in a pipe.

    The runner's intake writes a byte when it commits new mail (``set``, which
    never blocks: a full pipe already says "wake up"); in the worker one
    thread waits on the pipe (``relay_wakes``) and wakes the idle pipeline
    threads, instead of them only looking again every ``idle_poll_seconds``,
    so a new message is worked on at once. Each worker has its own (it takes
    its own share of the pending mail). Unlike a lock shared across
    processes, a worker killed while waiting cannot block the runner.
    """

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._closed = False

    def set(self) -> None:
        if self._closed:  # its descriptors' numbers may belong to other files by now
            return
        try:
            os.write(self._write, b"\0")
        except OSError:  # full (nobody is waiting), or closed at stop
            pass

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a wake-up; True if one came (all waiting bytes are taken)."""
        try:
            ready, _, _ = select.select([self._read], [], [], timeout)
            return bool(ready) and bool(os.read(self._read, 4096))
        except (BlockingIOError, InterruptedError):  # another thread of the worker took the bytes
            return False
        except (OSError, ValueError):  # closed
            return False

    def clear(self) -> None:
        """Nothing to do: ``wait`` takes the bytes it was woken by."""

    def close(self) -> None:
        self._closed = True
        for descriptor in (self._read, self._write):
            try:
                os.close(descriptor)
            except OSError:
                pass


class ParentWatch:
    """A stop flag that is also set when the parent process has gone (even by SIGKILL).

    Setting it wakes ``wake`` (the idle pipeline threads) after the flag is
    up, so a thread that looked at the flag just before sees it at once.
    """

    def __init__(self, parent_pid: int | None, wake: WakeUp | None = None) -> None:
        self.parent_pid = parent_pid
        self.flag = threading.Event()
        self.wake = wake

    def set(self) -> None:
        self.flag.set()
        if self.wake is not None:
            self.wake.set()

    def is_set(self) -> bool:
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            return True
        return self.flag.is_set()

    def wait(self, seconds: float) -> bool:
        self.flag.wait(seconds)
        return self.is_set()


def run_worker(settings: Settings, parent_pid: int | None = None, announce=None, index: int = 0,
               send: bool = False, services: Services | None = None, wake: WakePipe | None = None) -> None:
    """The pipeline loop of `helpdesk worker` until SIGTERM/SIGINT or the parent's death.

    With ``send`` the process also runs the outbound sender. ``services`` are
    those a forked worker inherited from its runner (built from the same
    settings, its rules loaded and compiled); otherwise they are built here.
    ``wake`` is the runner's signal that new mail was committed (forked
    workers); without it an idle worker looks every ``idle_poll_seconds``.
    A stop (SIGTERM, or the parent's death) wakes idle pipeline threads at
    once either way.

    Worker process ``index`` of a runner takes its share of pending messages
    on SQLite (each thread one shard); on PostgreSQL row locks share the work.
    """
    idle = WakeUp()
    stop = ParentWatch(parent_pid, wake=idle)
    if parent_pid is not None:
        # Beside the gateway, accepting mail comes first: processing is a queue and can lag.
        os.nice(settings.worker.nice)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, (lambda *_: None) if parent_pid else (lambda *_: stop.set()))
    # Under a runner, its checkpoint thread keeps the SQLite log short (see ``checkpoint_loop``).
    db = Database(settings.storage_url(), pool_size=settings.worker.threads + 1, autocheckpoint=parent_pid is None)
    services = services or build_services(settings)
    keeper = RuleKeeper(functools.partial(load_ruleset, settings), services, db)
    threads_per_process = settings.worker.threads
    shards = threads_per_process * (settings.worker.processes if parent_pid is not None else 1)
    caught_up = threading.Event()
    threads = [threading.Thread(target=guarded, args=("rules", functools.partial(keeper.run, stop), stop),
                                daemon=True),
               threading.Thread(target=relay_wakes, args=(wake, idle, stop), name="wakes", daemon=True)]
    for n in range(threads_per_process):
        pipeline = Pipeline(db, services, shard=(index * threads_per_process + n, shards))
        loop = functools.partial(work_loop, pipeline, stop, idle, settings.worker.idle_poll_seconds, caught_up)
        threads.append(threading.Thread(target=guarded, args=(f"pipeline-{n}", loop, stop), daemon=True))
    if send:
        loop = functools.partial(send_loop, OutboundSender(db, _relay(settings)), stop, services.outbox_ready,
                                 caught_up, settings.worker.send_yield_seconds)
        threads.append(threading.Thread(target=guarded, args=("sender", loop, stop), daemon=True))
    for thread in threads:
        thread.start()
    if announce:
        announce()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(0.5)
    db.dispose()


def _relay(settings: Settings) -> RelaySettings:
    out = settings.outbound
    password = ""
    if out.relay_user is not None:
        password = os.environ.get(out.relay_password_env, "")
        if not password:
            raise ConfigError(f"outbound.relay_password_env: the environment variable {out.relay_password_env} "
                              "is not set")
    return RelaySettings(host=out.relay_host, port=out.relay_port, timeout=out.relay_timeout_seconds,
                         max_attempts=out.max_attempts, retry_base_seconds=out.retry_base_seconds,
                         retry_max_seconds=out.retry_max_seconds, security=out.relay_security,
                         ca_file=str(settings.path(out.relay_ca_file)) if out.relay_ca_file else None,
                         user=out.relay_user, password=password)
