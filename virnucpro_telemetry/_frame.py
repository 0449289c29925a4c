"""The layout of a frame: one running stage activation, or the root of a registry.

A frame is a plain list rather than an object because one is created per stage call, and a list
literal costs about a third of a slotted instance. Only ``_core``, ``_context``, ``_cuda`` and
the live log index into frames; everything else sees records and stats.

Frames live in one of two places. A *call frame* (a decorated plain function, which cannot
suspend) sits on its thread's call stack: cheap to push and pop. A *context frame* (a
``with stage()`` block, a coroutine, a generator, a ``use_registry`` root) is held in a
ContextVar, so asyncio tasks keep separate stacks across ``await``.
"""

REG = 0  # the StageRegistry the frame records into
NAME = 1  # stage name; None marks the root frame of a registry
PARENT = 2  # the enclosing stage frame, or None for a top-level stage
START = 3  # perf_counter_ns() when the stage started
TID = 4  # threading.get_ident() of the thread that started it
CHILD = 5  # ns spent in stages nested directly inside, from the same thread
XCHILD = 6  # the same from other threads (added under a lock)
METRICS = 7  # dict of add_metrics() values, or None
PEAK = 8  # peak allocated GPU bytes seen so far (own and nested), or None
OUTER = 9  # False when an enclosing frame runs the same stage (recursion)
LOG = 10  # logging level of the live start/end lines, 0 when not logged
TOKEN = 11  # context frame: the ContextVar token that restores the previous frame
CUDA = 12  # torch.cuda when this stage synchronises and tracks memory, else None
NVTX = 13  # True when an NVTX range was pushed for this stage
BASE = 14  # call frame: the context frame that was current when it was pushed
PREV = 15  # call frame: the thread's previous call frame

FRAME_SIZE = 16


def root_frame(registry: object) -> list:
    """Return the root frame that makes ``registry`` the target of top-level stages."""
    frame = [None] * FRAME_SIZE
    frame[REG] = registry
    return frame
