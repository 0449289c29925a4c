"""CUDA synchronisation, peak memory and NVTX, against a fake ``torch`` in sys.modules.

None of these tests needs torch: the library only looks for ``sys.modules["torch"]``.
"""

import sys
import types

import pytest

from virnucpro_telemetry import format_summary, stage, timed_stage

GIB = 1024**3


class FakeCuda:
    """Just enough of ``torch.cuda`` for the telemetry: a call log and a memory counter."""

    def __init__(self, clock, initialized=True, available=True):
        self.clock = clock
        self.initialized = initialized
        self.available = available
        self.sync_seconds = 0.0
        self.calls = []
        self.allocated = 0
        self.peak = 0
        self.nvtx = types.SimpleNamespace(
            range_push=lambda name: self.calls.append(("push", name)),
            range_pop=lambda: self.calls.append(("pop",)),
        )

    def is_initialized(self):
        return self.initialized

    def is_available(self):
        return self.available

    def synchronize(self):
        """Wait for the device: the kernels still queued take ``sync_seconds``."""
        self.calls.append("sync")
        self.clock.advance(self.sync_seconds)

    def reset_peak_memory_stats(self):
        self.calls.append("reset")
        self.peak = self.allocated

    def max_memory_allocated(self):
        return self.peak

    def alloc(self, size):
        self.allocated += size
        self.peak = max(self.peak, self.allocated)

    def free(self, size):
        self.allocated -= size


@pytest.fixture
def fake_cuda(monkeypatch, clock):
    """Install a fake torch whose CUDA is initialised; return its ``cuda`` object."""
    cuda = FakeCuda(clock)
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=cuda))
    return cuda


def test_auto_synchronises_at_entry_and_exit(registry, fake_cuda):
    @timed_stage("Embed")
    def embed():
        fake_cuda.calls.append("work")

    embed()
    assert fake_cuda.calls == ["sync", "reset", "work", "sync"]


def test_exit_sync_is_timed_and_entry_sync_is_not(registry, fake_cuda):
    fake_cuda.sync_seconds = 0.05
    with stage("Kernels"):
        pass
    assert registry["Kernels"].total_s == pytest.approx(0.05)


def test_auto_does_nothing_before_cuda_is_initialised(registry, fake_cuda):
    fake_cuda.initialized = False
    with stage("CPU only"):
        pass
    assert fake_cuda.calls == []
    assert registry["CPU only"].peak_gpu_bytes is None


def test_sync_false_never_touches_the_device(registry, fake_cuda):
    @timed_stage("Untouched", sync_cuda=False)
    def untouched():
        return 1

    untouched()
    assert fake_cuda.calls == []


def test_sync_true_works_before_initialisation(registry, fake_cuda):
    fake_cuda.initialized = False
    with stage("Forced", sync_cuda=True):
        pass
    assert fake_cuda.calls == ["sync", "reset", "sync"]


def test_no_torch_means_no_gpu_work(registry, monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    with stage("Plain", sync_cuda=True, nvtx=True):
        pass
    assert registry["Plain"].peak_gpu_bytes is None


def test_peak_memory_is_recorded(registry, fake_cuda):
    with stage("Allocate"):
        fake_cuda.alloc(3 * GIB)
        fake_cuda.free(3 * GIB)
    assert registry["Allocate"].peak_gpu_bytes == 3 * GIB
    assert "peak GPU 3.0 GiB" in format_summary(registry)


def test_parent_peak_includes_its_children(registry, fake_cuda):
    with stage("Parent"):
        fake_cuda.alloc(1 * GIB)
        with stage("Child"):
            fake_cuda.alloc(5 * GIB)
            fake_cuda.free(5 * GIB)
    assert registry["Child"].peak_gpu_bytes == 6 * GIB
    assert registry["Parent"].peak_gpu_bytes == 6 * GIB


def test_child_reset_does_not_lose_the_parents_earlier_peak(registry, fake_cuda):
    with stage("Parent"):
        fake_cuda.alloc(8 * GIB)
        fake_cuda.free(8 * GIB)
        with stage("Child"):
            fake_cuda.alloc(2 * GIB)
            fake_cuda.free(2 * GIB)
    assert registry["Child"].peak_gpu_bytes == 2 * GIB
    assert registry["Parent"].peak_gpu_bytes == 8 * GIB


def test_parent_without_gpu_tracking_still_carries_the_childs_peak(registry, fake_cuda):
    @timed_stage("Launcher", sync_cuda=False)
    def launcher():
        with stage("Gpu Child"):
            fake_cuda.alloc(GIB)

    launcher()
    assert registry["Launcher"].peak_gpu_bytes == GIB


def test_failed_stage_skips_the_exit_sync_but_keeps_its_peak(registry, fake_cuda):
    @timed_stage("Out Of Memory")
    def oom():
        fake_cuda.alloc(4 * GIB)
        raise MemoryError("CUDA out of memory")

    with pytest.raises(MemoryError):
        oom()
    assert fake_cuda.calls == ["sync", "reset"]
    assert registry["Out Of Memory"].peak_gpu_bytes == 4 * GIB
    assert registry["Out Of Memory"].status == "failed"


def test_nvtx_ranges_wrap_each_stage(registry, fake_cuda):
    @timed_stage("Ranged", nvtx=True, sync_cuda=False)
    def ranged():
        with stage("Inner", nvtx=True, sync_cuda=False):
            pass

    ranged()
    assert fake_cuda.calls == [("push", "Ranged"), ("push", "Inner"), ("pop",), ("pop",)]


def test_nvtx_needs_a_cuda_build(registry, fake_cuda):
    fake_cuda.available = False
    with stage("Ranged", nvtx=True, sync_cuda=False):
        pass
    assert fake_cuda.calls == []


def test_generator_synchronises_around_each_resumption(registry, fake_cuda):
    @timed_stage("Batches")
    def batches():
        yield 1
        yield 2

    assert list(batches()) == [1, 2]
    assert fake_cuda.calls[:2] == ["sync", "reset"]
    assert fake_cuda.calls.count("sync") == 6  # entry, 2 suspends, 2 resumes, exit


def test_generator_counts_the_syncs_that_wait_for_its_own_work(registry, fake_cuda, clock):
    fake_cuda.sync_seconds = 0.01

    @timed_stage("Batches")
    def batches():
        yield 1
        yield 2

    for _ in batches():
        clock.advance(1.0)  # the consumer's time is left out
    # Counted: the two syncs on suspending and the one at the end (each waits for kernels the
    # body queued); not counted: the entry sync and the two on resuming (earlier work).
    assert registry["Batches"].total_s == pytest.approx(0.03)
