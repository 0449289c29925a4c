"""Frame: one stage activation (running, then recorded), or the root of a registry.

When a stage ends, its frame is appended to its registry's record list as it is (an atomic
list append, so threads need no lock); ``StageRegistry`` reads ended frames into StageRecords.

Frames live in one of two places. A *call frame* (a decorated plain function, which cannot
suspend) sits on its thread's call stack: cheap to push and pop. A *context frame* (a
``with stage()`` block, a coroutine, a generator, a ``use_registry`` root) is held in a
ContextVar, so asyncio tasks keep separate stacks across ``await``. Only ``_core``,
``_context``, ``_cuda`` and the live log see frames; everything else sees records and stats.
"""

from __future__ import annotations

from ._records import OK


class Frame:
    """One stage activation: where it records, where it nests, what it added up, how it ended.

    One is created per stage call, by ``__init__`` (the decorator's hot path builds the frame
    of a top-level call inline, setting the same slots: see ``_core.fast_call``). A frame
    made without ``under`` is the root frame of ``registry``: its ``name`` is None and
    top-level stages start under it.

    Args:
        registry: the StageRegistry the frame records into.
        name: the stage name; None for a root frame.
        under: the frame that was innermost when the stage started (a root frame or a stage).
        thread: ``threading.get_ident()`` of the thread that starts the stage.
        log_level: logging level of the live start/end lines, 0 when they are not logged.
        base: call frames only: the context frame that was current when it was pushed.
        previous: call frames only: the thread's previous call frame.
    """

    # What every call sets lives in slots; what most calls leave as it is lives on the class,
    # and a frame that changes it gets a __dict__ (benchmarks/bench_telemetry.py: slots make
    # building a frame about twice as fast as instance attributes).
    __slots__ = ("registry", "name", "parent", "thread", "base", "previous", "start", "end",
                 "__dict__")
    log_level = 0  # the logging level of its live lines, 0 when they are not logged

    active_ns: int | None = None  # generators: the time inside the body, if not end - start
    # The union of the intervals of the stages nested directly inside (any thread or task):
    # a _tally.Union from the first one on.
    children = None
    metrics: dict | None = None  # add_metrics() values
    peak_gpu_bytes: int | None = None  # peak allocated GPU memory, own and nested
    status = OK  # "ok", "failed" or "skipped"
    error_type: str | None = None  # a failed stage's exception type and message
    error: str | None = None
    reason: str | None = None  # why the stage was skipped
    token = None  # context frames: the ContextVar token that restores the previous
    cuda = None  # torch.cuda when this stage synchronises and tracks memory
    nvtx = False  # whether an NVTX range was pushed for this stage
    span = None  # the OpenTelemetry span of this call, when the bridge is on
    # False when an enclosing frame runs the same stage: a recursive call counts once.
    outermost = True
    # False once it has children or metrics, or when it is not outermost: one test tells the
    # decorator's hot path whether it may defer the call (benchmarks/bench_telemetry.py).
    deferrable = True

    def __init__(
        self,
        registry,
        name: str | None = None,
        under: Frame | None = None,
        thread: int = 0,
        log_level: int = 0,
        base: Frame | None = None,
        previous: Frame | None = None,
    ) -> None:
        self.registry = registry
        self.name = name
        # The enclosing stage, or None for a top-level stage (one started under a root frame).
        self.parent = None if under is None or under.name is None else under
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.name == name:
                self.outermost = self.deferrable = False
                break
            ancestor = ancestor.parent
        self.thread = thread
        if log_level:
            self.log_level = log_level
        self.base = base
        self.previous = previous
        self.start = 0  # the registry's clock when the stage started
        self.end: int | None = None  # the registry's clock when it ended; None while running

    def duration_ns(self) -> int:
        """The ended stage's time: end minus start, or a generator's time inside its body."""
        return self.end - self.start if self.active_ns is None else self.active_ns

    def children_ns(self) -> int:
        """The time covered by the stages nested directly inside (their union)."""
        children = self.children
        return 0 if children is None else children.wall()

    def __repr__(self) -> str:
        return f"<Frame {self.name!r} of origin {self.registry.origin!r}>"

