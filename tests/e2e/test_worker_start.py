"""Worker processes: forked from a runner that has no other thread yet, new interpreters otherwise."""
import os
import signal
import threading
import time
from pathlib import Path

from helpdesk.config import load_settings
from helpdesk import runner
from helpdesk.runner import ForkedWorker, Helpdesk, ParentWatch, WakePipe, WakeUp, relay_wakes, work_loop
from tests.e2e.test_end_to_end import _replies, _send, request_mail
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


def _helpdesk(config_env, **settings) -> Helpdesk:
    env = {**config_env, **{f"HELPDESK__WORKER__{key.upper()}": str(value) for key, value in settings.items()}}
    return Helpdesk(load_settings(ROOT / "config.toml", environ=env))


def _answers_a_request(helpdesk: Helpdesk) -> None:
    _send(helpdesk.settings, request_mail())
    (reply,) = wait_for(lambda: _replies(helpdesk.settings), timeout=10.0)
    assert reply["Subject"].startswith("[IT-000001]")


def test_workers_are_forked_when_the_runner_has_no_other_thread(config_env, monkeypatch, tmp_path):
    assert threading.active_count() == 1  # pytest runs the test on its only thread
    built, original = tmp_path / "built", runner.build_services

    def build_services(settings):  # notes which process built services (a forked child inherits this)
        with built.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return original(settings)
    monkeypatch.setattr(runner, "build_services", build_services)
    helpdesk = _helpdesk(config_env, processes=2)
    started = time.monotonic()
    helpdesk.start()
    try:
        elapsed = time.monotonic() - started
        assert [type(process) for process in helpdesk._processes] == [ForkedWorker, ForkedWorker]
        assert [process.args[-1] == "--send" for process in helpdesk._processes] == [True, False]  # worker 0 sends
        assert all(process.returncode is None for process in helpdesk._processes)
        assert elapsed < 5.0, elapsed  # no interpreter to start and import into (about a second each)
        _answers_a_request(helpdesk)
    finally:
        helpdesk.stop()
    assert [process.returncode for process in helpdesk._processes] == [0, 0]
    # The workers start on the services (rules loaded and compiled) the runner built before forking.
    assert built.read_text().split() == [str(os.getpid())]


def test_forked_workers_are_woken_by_new_mail_not_by_their_poll(config_env):
    """Each forked worker takes its share of the mail; the runner wakes each when mail is committed."""
    helpdesk = _helpdesk(config_env, processes=2, idle_poll_seconds=60)
    helpdesk.start()
    try:
        started = time.monotonic()
        for _ in range(4):  # by id, both workers get some
            _send(helpdesk.settings, request_mail())
        replies = wait_for(lambda: len(found := _replies(helpdesk.settings)) >= 4 and found, timeout=20.0)
        assert len(replies) == 4 and time.monotonic() - started < 20.0  # not a minute's poll
    finally:
        stopping = time.monotonic()
        helpdesk.stop()
    assert time.monotonic() - stopping < 10.0  # idle workers are woken to stop, too
    assert [process.returncode for process in helpdesk._processes] == [0, 0]


def test_wake_pipe_wakes_a_waiting_worker_and_never_blocks_the_runner():
    wake = WakePipe()
    try:
        assert wake.wait(0.01) is False
        wake.set()
        started = time.monotonic()
        assert wake.wait(5.0) is True and time.monotonic() - started < 1.0
        assert wake.wait(0.01) is False  # the wake-up was taken
        for _ in range(100_000):  # far more than a pipe holds: set never blocks
            wake.set()
        assert wake.wait(0.01) is True
    finally:
        wake.close()
    wake.set()  # closed: nothing is written anywhere


class _Looking:
    """A pipeline stand-in that never finds mail; ``during_first_look`` runs inside its first look."""

    def __init__(self, during_first_look=None) -> None:
        self.during_first_look = during_first_look
        self.looks = 0
        self.looked_again = threading.Event()

    def process_next(self) -> int:
        self.looks += 1
        if self.looks == 1 and self.during_first_look is not None:
            self.during_first_look()
        elif self.looks > 1:
            self.looked_again.set()
        return 0


def _looping(pipeline, stop, ready) -> threading.Thread:
    thread = threading.Thread(target=work_loop, args=(pipeline, stop, ready, 60.0), daemon=True)
    thread.start()
    return thread


def test_a_stop_that_comes_while_a_worker_looks_for_mail_ends_its_wait_at_once():
    """A worker may handle SIGTERM only after its thread took the runner's wake-up: the stop itself wakes it."""
    ready = WakeUp()
    stop = ParentWatch(None, wake=ready)
    thread = _looping(_Looking(during_first_look=stop.set), stop, ready)
    thread.join(5.0)
    assert not thread.is_alive()  # not a minute's poll


def test_new_mail_wakes_every_idle_pipeline_thread_even_one_still_looking():
    """Two pipeline threads of one process: the one waiting wakes first; it must not use up the wake-up
    of the other, which was still looking (and had found nothing yet) when the mail was committed."""
    ready, stop = WakeUp(), threading.Event()
    waiting = _Looking()

    def committed_meanwhile() -> None:
        assert wait_for(lambda: waiting.looks == 1)  # the other thread is waiting
        ready.set()
        assert waiting.looked_again.wait(5.0)  # it woke, looked, and waits again
    looking = _Looking(during_first_look=committed_meanwhile)
    threads = [_looping(waiting, stop, ready), _looping(looking, stop, ready)]
    try:
        assert looking.looked_again.wait(5.0)  # at once, not after a minute
    finally:
        stop.set()
        ready.set()
    for thread in threads:
        thread.join(5.0)
        assert not thread.is_alive()


def test_a_forked_worker_relays_the_runner_wake_ups_and_stops_waiting_when_told():
    pipe, ready = WakePipe(), WakeUp()
    stop = ParentWatch(None, wake=ready)
    relay = threading.Thread(target=relay_wakes, args=(pipe, ready, stop, 0.05), daemon=True)
    relay.start()
    try:
        seen = ready.seen()
        pipe.set()
        assert ready.wait(seen, 5.0)
        seen = ready.seen()
        stop.flag.set()  # as the parent's death looks: nothing announces it
        assert ready.wait(seen, 5.0)
        relay.join(5.0)
        assert not relay.is_alive()
    finally:
        stop.set()
        pipe.close()


def test_a_runner_with_threads_starts_new_interpreters(config_env):
    """Forking a process with threads could copy a lock another thread holds: not done."""
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    helpdesk = _helpdesk(config_env, processes=1)
    try:
        helpdesk.start()
    finally:
        release.set()
    try:
        (process,) = helpdesk._processes
        assert not isinstance(process, ForkedWorker)
        assert "helpdesk.cli" in process.args and "worker" in process.args
        _answers_a_request(helpdesk)
    finally:
        helpdesk.stop()
    assert helpdesk._processes[0].returncode == 0


def test_a_forked_worker_ends_when_its_runner_is_gone(config_env):
    """The parent's death (even SIGKILL, which runs no clean-up) ends a forked worker too."""
    read, write = os.pipe()
    runner = os.fork()
    if runner == 0:  # the runner: start, report the worker's pid, then die without stopping anything
        try:
            os.close(read)
            helpdesk = _helpdesk(config_env, processes=1)
            helpdesk.start()
            os.write(write, f"{helpdesk._processes[0].pid}\n".encode())
            time.sleep(60)
        finally:
            os._exit(1)
    os.close(write)
    with os.fdopen(read) as reader:  # a line: the worker holds the pipe open too
        worker = int(reader.readline() or 0)
    os.kill(runner, signal.SIGKILL)
    os.waitpid(runner, 0)
    assert worker > 0

    def gone() -> bool:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return True
        return False  # still running, or a zombie until init reaps it
    assert wait_for(lambda: gone() or _zombie(worker), timeout=15.0)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True
