"""The output folder's lock: taken atomically, refused while held, stale locks taken over."""

from __future__ import annotations

import json
import logging
import os
import shlex
import socket
import subprocess
import sys
import time

import pytest

from virnucpro.errors import UsageError
from virnucpro.pipeline.folder import run_lock
from virnucpro.pipeline.folder.run_lock import LockHolder, output_folder_lock


@pytest.fixture
def lock_path(tmp_path):
    return tmp_path / "out" / ".virnucpro.lock"


@pytest.fixture
def warnings_seen(caplog, monkeypatch):
    """caplog, also after an in-process ``cli.main`` made the ``virnucpro`` logger private."""
    monkeypatch.setattr(logging.getLogger("virnucpro"), "propagate", True)
    with caplog.at_level(logging.WARNING, logger="virnucpro"):
        yield caplog


def write_lock(lock_path, **fields) -> LockHolder:
    """A lock file as another run would have left it."""
    holder = LockHolder(**{"pid": os.getpid(), "host": socket.gethostname(),
                           "started": time.time() - 3 * 3600 - 60,
                           "command": "virnucpro predict reads.fa -o out", **fields})
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path.write_bytes(holder.to_bytes())
    return holder


def finished_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                             capture_output=True, text=True, check=True)
    return int(process.stdout)


def test_the_lock_names_this_run_and_goes_when_the_run_ends(lock_path):
    with output_folder_lock(lock_path):
        held = json.loads(lock_path.read_text())
        assert held["pid"] == os.getpid() and held["host"] == socket.gethostname()
        assert abs(held["started"] - time.time()) < 60
        assert held["command"] == shlex.join(sys.argv)
    assert not lock_path.exists()


def test_the_lock_goes_also_when_the_run_fails_or_is_interrupted(lock_path):
    for failure in (RuntimeError("stage failed"), KeyboardInterrupt()):
        with pytest.raises(type(failure)), output_folder_lock(lock_path):
            raise failure
        assert not lock_path.exists()


def test_a_running_local_holder_is_refused_with_pid_host_start_and_advice(lock_path):
    holder = write_lock(lock_path)  # this very process: it runs
    with pytest.raises(UsageError) as refused:
        run_lock.acquire(lock_path)
    message = str(refused.value)
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.started))
    assert f"pid {os.getpid()} on host {socket.gethostname()}, started {started}" in message
    assert "in use by another virnucpro run" in message and "wait for it to finish" in message
    assert lock_path.read_bytes() == holder.to_bytes(), "the holder's lock is left alone"


def test_a_dead_local_holder_is_taken_over_with_a_warning(lock_path, warnings_seen):
    write_lock(lock_path, pid=finished_pid())
    run_lock.acquire(lock_path)
    assert json.loads(lock_path.read_text())["pid"] == os.getpid()
    assert "taking over the lock of a run that no longer runs" in warnings_seen.text


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc")
def test_a_pid_now_used_by_another_process_counts_as_dead(lock_path):
    write_lock(lock_path, process_start="1")  # our pid, but not our start time
    run_lock.acquire(lock_path)
    assert json.loads(lock_path.read_text())["process_start"] != "1"


def test_another_hosts_lock_is_reported_with_its_age_and_break_lock(lock_path):
    write_lock(lock_path, host="node-17", pid=4242)
    with pytest.raises(UsageError) as refused:
        run_lock.acquire(lock_path)
    message = str(refused.value)
    assert "another host: pid 4242 on host node-17" in message
    assert "(3 h 1 min ago)" in message and "--break-lock" in message


def test_break_lock_takes_over_another_hosts_lock(lock_path, warnings_seen):
    write_lock(lock_path, host="node-17", pid=4242)
    content = run_lock.acquire(lock_path, break_lock=True)
    assert lock_path.read_bytes() == content
    assert "--break-lock: taking over" in warnings_seen.text and "node-17" in warnings_seen.text


def test_an_unreadable_lock_needs_break_lock(lock_path):
    lock_path.parent.mkdir()
    lock_path.write_bytes(b"")
    with pytest.raises(UsageError, match="cannot be read.*--break-lock"):
        run_lock.acquire(lock_path)
    run_lock.acquire(lock_path, break_lock=True)
    assert LockHolder.from_bytes(lock_path.read_bytes()).pid == os.getpid()


def test_release_leaves_a_lock_that_another_run_broke(lock_path):
    content = run_lock.acquire(lock_path)
    other = write_lock(lock_path, host="node-17")
    run_lock.release(lock_path, content)
    assert lock_path.read_bytes() == other.to_bytes()


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("a file")
    with pytest.raises(UsageError, match="exists and is not a folder"):
        run_lock.acquire(tmp_path / "out" / ".virnucpro.lock")


@pytest.mark.parametrize("seconds, shown", [(59, "0 min"), (7260, "2 h 1 min"),
                                            (3 * 86400, "3 days")])
def test_ages_read_naturally(seconds, shown):
    assert run_lock._age(seconds) == shown


def age_lock(lock_path, seconds: float) -> None:
    """Make the lock look last refreshed ``seconds`` ago (its modification time)."""
    then = time.time() - seconds
    os.utime(lock_path, (then, then))


def test_another_hosts_lock_left_two_hours_ago_is_taken_over_with_a_warning(
        lock_path, warnings_seen):
    write_lock(lock_path, host="node-17", pid=4242)
    age_lock(lock_path, 2 * 3600)
    content = run_lock.acquire(lock_path)
    assert lock_path.read_bytes() == content
    assert LockHolder.from_bytes(content).host == socket.gethostname()
    warning = warnings_seen.text
    assert "taking over a stale lock" in warning and "pid 4242 on host node-17" in warning
    assert "not refreshed for 2 h 0 min" in warning and "stale after 10 min" in warning


def test_a_fresh_lock_of_another_host_is_refused_with_its_refresh_age_and_the_option(lock_path):
    write_lock(lock_path, host="node-17", pid=4242)
    age_lock(lock_path, 9 * 60)
    with pytest.raises(UsageError) as refused:
        run_lock.acquire(lock_path)
    message = str(refused.value)
    assert "lock refreshed 9 min ago" in message and "--stale-lock-minutes" in message
    assert "not refreshed for 10 min" in message and "--break-lock" in message


def test_the_stale_age_is_an_option(lock_path, warnings_seen):
    write_lock(lock_path, host="node-17", pid=4242)
    age_lock(lock_path, 3 * 60)
    with pytest.raises(UsageError):
        run_lock.acquire(lock_path, stale_minutes=5)
    run_lock.acquire(lock_path, stale_minutes=2)
    assert "stale after 2 min" in warnings_seen.text


def test_a_running_local_holder_is_never_stale(lock_path):
    write_lock(lock_path)  # this very process, which runs
    age_lock(lock_path, 5 * 3600)
    with pytest.raises(UsageError, match="in use by another virnucpro run"):
        run_lock.acquire(lock_path)


def test_an_unreadable_lock_left_long_ago_is_stale(lock_path, warnings_seen):
    lock_path.parent.mkdir()
    lock_path.write_bytes(b"")
    age_lock(lock_path, 3600)
    run_lock.acquire(lock_path)
    assert LockHolder.from_bytes(lock_path.read_bytes()).pid == os.getpid()
    assert "unreadable lock file" in warnings_seen.text


def test_the_heartbeat_refreshes_the_lock_while_the_run_holds_it(lock_path):
    with output_folder_lock(lock_path, heartbeat_seconds=0.001) as heartbeat:
        age_lock(lock_path, 3600)
        aged = lock_path.stat().st_mtime
        # A beat may be under way while the file is aged: two more beats means one began after.
        assert heartbeat.wait_for_beats(heartbeat.beats + 2, timeout=60)
        assert lock_path.stat().st_mtime > aged + 3000
    assert not heartbeat._thread.is_alive(), "leaving the block stops the heartbeat"
    assert not lock_path.exists()


def test_the_default_heartbeat_beats_at_least_once_a_minute():
    assert run_lock.HEARTBEAT_SECONDS <= 60
    assert run_lock.HEARTBEAT_SECONDS * 2 < run_lock.DEFAULT_STALE_MINUTES * 60


def test_the_heartbeat_never_touches_a_lock_another_run_took(lock_path, warnings_seen):
    with output_folder_lock(lock_path, heartbeat_seconds=3600) as heartbeat:
        other = write_lock(lock_path, host="node-17")  # --break-lock on another host
        age_lock(lock_path, 3600)
        aged = lock_path.stat().st_mtime
        assert not heartbeat.beat()
        assert lock_path.stat().st_mtime == aged
    assert lock_path.read_bytes() == other.to_bytes(), "the other run's lock stays"


def test_a_heartbeat_that_finds_the_lock_taken_stops_with_a_warning(lock_path, warnings_seen):
    content = run_lock.acquire(lock_path)
    heartbeat = run_lock.Heartbeat(lock_path, content, interval=0.001)
    write_lock(lock_path, host="node-17")
    heartbeat.start()
    assert heartbeat.wait_for_beats(1, timeout=60)
    heartbeat._thread.join(timeout=60)
    assert not heartbeat._thread.is_alive()
    assert "no longer this run's" in warnings_seen.text


def test_stopping_the_heartbeat_is_prompt_even_with_a_long_interval(lock_path):
    content = run_lock.acquire(lock_path)
    heartbeat = run_lock.Heartbeat(lock_path, content, interval=24 * 3600).start()
    heartbeat.stop()  # returns at once: the thread waits on an event, not a sleep
    assert not heartbeat._thread.is_alive() and heartbeat.beats == 0


@pytest.mark.parametrize("output", ["a_file", "a_file/sub", "a_file/sub/deeper"])
def test_an_output_path_that_is_or_lies_under_a_file_is_refused_before_anything_is_made(
        tmp_path, output):
    (tmp_path / "a_file").write_text("a file")
    with pytest.raises(UsageError, match="a_file exists and is not a folder"):
        with output_folder_lock(tmp_path / output / ".virnucpro.lock"):
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]
    assert (tmp_path / "a_file").read_text() == "a file"
