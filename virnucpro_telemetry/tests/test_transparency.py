"""@timed_stage is as transparent as functools.wraps: one test per property a user relies on.

The same tests run with telemetry off (``VIRNUCPRO_TELEMETRY=0``, see test_off_switch.py),
where the decorator returns the function itself: every property holds and nothing records.
Nothing here imports torch; ``ModuleLike`` has the layout of a ``torch.nn.Module`` that matters
to ``copy.deepcopy``.
"""

import asyncio
import copy
import functools
import inspect
import multiprocessing
import pickle
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest

from virnucpro_telemetry import current_registry, timed_stage


def _probe():
    return None


# False when VIRNUCPRO_TELEMETRY=0 was set at import: the decorator then returns the function.
RECORDING = timed_stage("Probe")(_probe) is not _probe


@timed_stage("Add")
def add(a: int, b: int = 2, *, c: int = 3) -> int:
    """Add three numbers."""
    return a + b + c


@timed_stage("Fetch")
async def fetch(x: int) -> int:
    """Return ``x`` after one turn of the event loop."""
    await asyncio.sleep(0)
    return x


@timed_stage("Count")
def count(n: int) -> Iterator[int]:
    """Yield 0 to n - 1."""
    yield from range(n)


@timed_stage("Ticks")
async def ticks(n: int) -> AsyncIterator[int]:
    """Yield 0 to n - 1, one turn of the event loop each."""
    for i in range(n):
        await asyncio.sleep(0)
        yield i


@timed_stage("Countdown")
def countdown(n: int) -> int:
    """Call itself down to zero."""
    return 0 if n == 0 else 1 + countdown(n - 1)


def calls_recorded_here(x: int) -> tuple[int, int]:
    """Runs in a worker process: call ``add`` there and count the calls its registry holds."""
    result = add(x)
    stats = current_registry().get("Add")
    return result, 0 if stats is None else stats.calls


class ModuleLike:
    """The part of ``torch.nn.Module`` that ``copy.deepcopy`` sees: parameters and submodules
    kept in dicts and reached through ``__getattr__``, and ``__call__`` running ``forward``."""

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        self.training = True

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, ModuleLike):
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> object:
        modules = self.__dict__.get("_modules", {})
        if name in modules:
            return modules[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __call__(self, *args):
        return self.forward(*args)


class Head(ModuleLike):
    """A submodule with a decorated forward."""

    @timed_stage("Head")
    def forward(self, values: list[float]) -> float:
        return sum(values)


class Encoder(ModuleLike):
    """Every kind of stage callable a model might hold, as methods and as attributes."""

    def __init__(self, weights: list[float]) -> None:
        super().__init__()
        self._parameters["weight"] = weights
        self.head = Head()
        self.activation = add  # a decorated function held as an attribute
        self.hook = self.project  # a bound decorated method of the model itself
        self.stream = self.batches  # a bound decorated generator method

    @timed_stage("Encode")
    def forward(self, x: float) -> float:
        return self.head(self.project(x))

    @timed_stage("Project")
    def project(self, x: float) -> list[float]:
        """Scale ``x`` by every weight."""
        return [w * x for w in self._parameters["weight"]]

    @timed_stage("Batches")
    def batches(self, n: int) -> Iterator[int]:
        yield from range(n)

    @timed_stage("Load")
    async def load(self) -> str:
        return "loaded"

    @classmethod
    @timed_stage("Build Inside")
    def build_inside(cls) -> "Encoder":
        return cls([1.0])

    @timed_stage("Build Outside")
    @classmethod
    def build_outside(cls) -> "Encoder":
        return cls([2.0])

    @staticmethod
    @timed_stage("Scale Inside")
    def scale_inside(x: float) -> float:
        return 2 * x

    @timed_stage("Scale Outside")
    @staticmethod
    def scale_outside(x: float) -> float:
        return 3 * x


def assert_recorded(registry, **calls: int) -> None:
    """Each named stage was called that often (with telemetry off: nothing was recorded)."""
    if RECORDING:
        assert {name: registry[name].calls for name in calls} == calls
    else:
        assert len(registry) == 0


def every_kind_of_callable(encoder: Encoder) -> dict[str, tuple]:
    """Stage name -> (callable, arguments, expected result) for each kind the issue lists."""
    return {
        "Add": (add, (1,), 6),
        "Project": (encoder.project, (2.0,), [2.0, 4.0]),
        "Build Inside": (Encoder.build_inside, (), Encoder),
        "Build Outside": (Encoder.build_outside, (), Encoder),
        "Scale Inside": (Encoder.scale_inside, (1.0,), 2.0),
        "Scale Outside": (encoder.scale_outside, (1.0,), 3.0),
        "Fetch": (fetch, (7,), 7),
        "Count": (count, (3,), [0, 1, 2]),
    }


def run(func, args):
    """Call ``func`` and finish what it returns: await a coroutine, exhaust a generator."""
    result = func(*args)
    if inspect.iscoroutine(result):
        return asyncio.run(result)
    if inspect.isgenerator(result):
        return list(result)
    return type(result) if isinstance(result, Encoder) else result


def test_name_qualname_doc_module_and_annotations(registry):
    originals = {add: "add", fetch: "fetch", count: "count", ticks: "ticks",
                 Encoder.project: "Encoder.project"}
    for func, qualname in originals.items():
        assert func.__name__ == qualname.rsplit(".", 1)[-1]
        assert func.__qualname__ == qualname
        assert func.__module__ == __name__
        assert func.__doc__ == inspect.unwrap(func).__doc__ and func.__doc__
    assert add.__annotations__ == {"a": int, "b": int, "c": int, "return": int}


def test_signature(registry):
    assert str(inspect.signature(add)) == "(a: int, b: int = 2, *, c: int = 3) -> int"
    assert str(inspect.signature(fetch)) == "(x: int) -> int"
    assert str(inspect.signature(Encoder([1.0]).project)) == "(x: float) -> list[float]"
    assert str(inspect.signature(Encoder.build_outside)) == "() -> 'Encoder'"
    assert str(inspect.signature(Encoder.scale_outside)) == "(x: float) -> float"


def test_wrapped_is_the_undecorated_function(registry):
    original = inspect.unwrap(add)
    assert (add.__wrapped__ if RECORDING else add) is original
    assert original(1) == 6
    assert len(registry) == 0  # calling the original records nothing
    assert add(1) == 6
    assert_recorded(registry, Add=1)


def test_coroutine_and_generator_detection(registry):
    encoder = Encoder([1.0])
    assert inspect.iscoroutinefunction(fetch) and inspect.iscoroutinefunction(encoder.load)
    assert inspect.isgeneratorfunction(count) and inspect.isgeneratorfunction(encoder.batches)
    assert inspect.isasyncgenfunction(ticks)
    assert not inspect.iscoroutinefunction(add) and not inspect.isgeneratorfunction(add)


def test_pickle_round_trip(registry):
    encoder = Encoder([1.0, 2.0])
    for name, (func, args, expected) in every_kind_of_callable(encoder).items():
        restored = pickle.loads(pickle.dumps(func))
        assert run(restored, args) == expected, name
    assert pickle.loads(pickle.dumps(add)) is add
    assert pickle.loads(pickle.dumps(encoder))(1.0) == 3.0
    assert_recorded(registry, Add=1, Project=2, Encode=1, Head=1, Fetch=1, Count=1)


def test_spawn_process_pool_map(registry):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert list(pool.map(add, [1, 2, 3])) == [6, 7, 8]
        result, calls = pool.submit(calls_recorded_here, 10).result()
    assert result == 15
    assert calls >= (1 if RECORDING else 0) and (RECORDING or calls == 0)
    assert len(registry) == 0  # recorded in the workers, not here


def test_functools_partial(registry):
    add_one = functools.partial(add, 1, c=10)
    assert add_one() == 13 and add_one(b=0) == 11
    assert str(inspect.signature(add_one)) == "(b: int = 2, *, c: int = 10) -> int"
    project = functools.partial(Encoder([3.0]).project, 2.0)
    assert project() == [6.0]
    assert pickle.loads(pickle.dumps(add_one))() == 13
    assert_recorded(registry, Add=3, Project=1)


def test_copy_copy(registry):
    encoder = Encoder([1.0, 2.0])
    for name, (func, args, expected) in every_kind_of_callable(encoder).items():
        assert run(copy.copy(func), args) == expected, name
    assert copy.copy(add) is add
    assert_recorded(registry, **dict.fromkeys(every_kind_of_callable(encoder), 1))


def test_copy_deepcopy(registry):
    encoder = Encoder([1.0, 2.0])
    for name, (func, args, expected) in every_kind_of_callable(encoder).items():
        assert run(copy.deepcopy(func), args) == expected, name
    assert copy.deepcopy(add) is add  # a module-level function is its own copy, as without us
    copied_method = copy.deepcopy(encoder.project)
    assert copied_method.__self__ is not encoder  # a bound method copies its instance
    assert_recorded(registry, **dict.fromkeys(every_kind_of_callable(encoder), 1))


def test_deepcopy_of_a_module_like_object_holding_stage_callables(registry):
    encoder = Encoder([1.0, 2.0])
    copied = copy.deepcopy(encoder)
    assert copied is not encoder and copied.head is not encoder.head
    assert copied._parameters["weight"] == [1.0, 2.0]
    assert copied._parameters["weight"] is not encoder._parameters["weight"]
    assert copied.activation is add
    assert copied.hook.__self__ is copied and copied.stream.__self__ is copied
    copied._parameters["weight"][0] = 10.0
    assert copied(1.0) == 12.0 and encoder(1.0) == 3.0
    assert copied.hook(1.0) == [10.0, 2.0]
    assert list(copied.stream(2)) == [0, 1]
    assert copied.activation(1) == 6
    assert_recorded(registry, Encode=2, Project=3, Head=2, Batches=1, Add=1)


def test_descriptors_on_classes(registry):
    encoder = Encoder([1.0])
    assert encoder.project(2.0) == [2.0] and Encoder.project(encoder, 3.0) == [3.0]
    assert inspect.ismethod(encoder.project)
    assert isinstance(Encoder.build_inside(), Encoder)
    assert isinstance(encoder.build_inside(), Encoder)
    assert Encoder.build_outside().__class__ is Encoder
    assert encoder.build_outside()._parameters["weight"] == [2.0]
    assert Encoder.scale_inside(1.0) == encoder.scale_inside(1.0) == 2.0
    assert Encoder.scale_outside(1.0) == encoder.scale_outside(1.0) == 3.0
    assert encoder(1.0) == 1.0  # __call__ -> forward
    assert asyncio.run(encoder.load()) == "loaded"
    assert_recorded(registry, Project=3, **{"Build Inside": 2, "Build Outside": 2},
                    **{"Scale Inside": 2, "Scale Outside": 2}, Encode=1, Head=1, Load=1)


def test_recursion_is_counted_once(registry):
    assert countdown(3) == 3
    if not RECORDING:
        assert len(registry) == 0
        return
    stats = registry["Countdown"]
    assert stats.calls == 4
    assert [r.outermost for r in registry.records] == [True, False, False, False]
    assert stats.total_s == registry.records[0].duration_s


@pytest.mark.parametrize("kind", ["function", "coroutine", "generator"])
def test_a_local_stage_function_does_not_pickle_as_any_local_function(kind):
    def local():
        return 1

    async def local_coroutine():
        return 1

    def local_generator():
        yield 1

    func = {"function": local, "coroutine": local_coroutine, "generator": local_generator}[kind]
    with pytest.raises((AttributeError, pickle.PicklingError), match="local object"):
        pickle.dumps(func)
    with pytest.raises((AttributeError, pickle.PicklingError), match="local object"):
        pickle.dumps(timed_stage("Local")(func))
