"""One test per kind of callable that @timed_stage decorates, and the decorator's options.

What a transparent decorator keeps (names, signature, pickling, copying...) is tested in
test_transparency.py.
"""

import asyncio
import copy
import inspect
import pickle

import pytest

from virnucpro_telemetry import TelemetryError, stage_name, timed_stage


@timed_stage("Module Function")
def module_function(a, b=2, *, c=3):
    """Add three numbers."""
    return a + b + c


class Widget:
    """A class with every kind of method decorated."""

    def __init__(self, base):
        self.base = base

    @timed_stage("Method")
    def method(self, x):
        """Add x to the base."""
        return self.base + x

    @classmethod
    @timed_stage("Classmethod Inside")
    def class_inside(cls, x):
        return (cls, x)

    @timed_stage("Classmethod Outside")
    @classmethod
    def class_outside(cls, x):
        return (cls, x)

    @staticmethod
    @timed_stage("Staticmethod Inside")
    def static_inside(x):
        return x * 2

    @timed_stage("Staticmethod Outside")
    @staticmethod
    def static_outside(x):
        return x * 3


class Switched:
    """A method decorated with an ``enabled`` callable: wrapt binds it."""

    def __init__(self, base):
        self.base = base

    @timed_stage("Switched Method", enabled=lambda: True)
    def method(self, x):
        return self.base + x


def test_function(registry):
    assert module_function(1, c=10) == 13
    assert registry["Module Function"].calls == 1
    assert registry["Module Function"].status == "ok"


def test_nested_function(registry):
    def outer(n):
        @timed_stage("Inner Function")
        def inner(x):
            return x + n

        return inner

    assert outer(5)(1) == 6
    assert registry["Inner Function"].calls == 1


def test_method(registry):
    widget = Widget(10)
    assert widget.method(5) == 15
    assert Widget.method(widget, 1) == 11
    assert registry["Method"].calls == 2
    assert inspect.ismethod(widget.method)
    assert str(inspect.signature(widget.method)) == "(x)"
    assert widget.method.__doc__ == "Add x to the base."


@pytest.mark.parametrize("name", ["class_inside", "class_outside"])
def test_classmethod(registry, name):
    call = getattr(Widget, name)
    assert call(4) == (Widget, 4)
    assert getattr(Widget(0), name)(5) == (Widget, 5)
    stage_name = "Classmethod Inside" if name == "class_inside" else "Classmethod Outside"
    assert registry[stage_name].calls == 2


@pytest.mark.parametrize(
    "name, factor", [("static_inside", 2), ("static_outside", 3)]
)
def test_staticmethod(registry, name, factor):
    assert getattr(Widget, name)(4) == 4 * factor
    assert getattr(Widget(0), name)(5) == 5 * factor
    stage_name = "Staticmethod Inside" if name == "static_inside" else "Staticmethod Outside"
    assert registry[stage_name].calls == 2


def test_callable_object(registry):
    class Doubler:
        def __call__(self, x):
            return 2 * x

    doubled = timed_stage("Callable Object")(Doubler())
    assert doubled(21) == 42
    assert registry["Callable Object"].calls == 1


def test_async_function(registry, clock):
    @timed_stage("Async")
    async def fetch(seconds):
        await asyncio.sleep(0)
        clock.advance(seconds)
        return "done"

    coroutine = fetch(0.05)
    clock.advance(1.0)  # not counted: the stage starts when the coroutine is awaited
    assert asyncio.run(coroutine) == "done"
    assert registry["Async"].calls == 1
    assert registry["Async"].total_s == pytest.approx(0.05)


def test_generator_function(registry):
    @timed_stage("Generator")
    def numbers(n):
        yield from range(n)
        return "finished"

    assert inspect.isgeneratorfunction(numbers)
    assert list(numbers(4)) == [0, 1, 2, 3]
    assert registry["Generator"].calls == 1


def test_async_generator_function(registry, clock):
    @timed_stage("Async Generator")
    async def ticks(n):
        for i in range(n):
            await asyncio.sleep(0)
            clock.advance(0.01)
            yield i

    async def collect():
        items = []
        async for i in ticks(3):
            clock.advance(0.5)  # the consumer's time is left out
            items.append(i)
        return items

    assert inspect.isasyncgenfunction(ticks)
    assert asyncio.run(collect()) == [0, 1, 2]
    assert registry["Async Generator"].calls == 1
    assert registry["Async Generator"].total_s == pytest.approx(0.03)


def test_enabled_false_leaves_function_undecorated():
    def plain():
        return 1

    assert timed_stage("Off", enabled=False)(plain) is plain


def test_enabled_callable_is_asked_at_every_call(registry):
    switch = {"on": False}

    @timed_stage("Switchable", enabled=lambda: switch["on"])
    def work():
        return 7

    assert work() == 7
    assert "Switchable" not in registry
    switch["on"] = True
    assert work() == 7
    assert registry["Switchable"].calls == 1


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_stage_name_must_be_a_string(bad):
    with pytest.raises(TelemetryError, match="non-empty string"):
        timed_stage(bad)


def test_bare_decorator_names_the_fix():
    with pytest.raises(TelemetryError, match=r'write @timed_stage\("Sequence Chunking"\)'):

        @timed_stage
        def oops():
            pass


def test_sync_cuda_option_is_checked():
    with pytest.raises(TelemetryError, match="sync_cuda='sometimes' is not an option"):
        timed_stage("X", sync_cuda="sometimes")


def test_async_and_generator_methods(registry):
    class Client:
        @timed_stage("Async Method")
        async def fetch(self, x):
            return x

        @timed_stage("Generator Method")
        def items(self, n):
            yield from range(n)

    client = Client()
    assert inspect.iscoroutinefunction(client.fetch)
    assert inspect.isgeneratorfunction(client.items)
    assert asyncio.run(client.fetch(3)) == 3
    assert list(client.items(2)) == [0, 1]
    assert registry["Async Method"].calls == registry["Generator Method"].calls == 1


def test_stage_name_reads_the_decorators_name():
    @timed_stage("Named Stage")
    def work():
        return 1

    class Holder:
        @timed_stage("Method Stage")
        def method(self):
            return 2

    assert stage_name(work) == "Named Stage"
    assert stage_name(Holder.method) == "Method Stage"
    assert stage_name(Holder().method) == "Method Stage"


def test_stage_name_of_an_undecorated_function_is_an_error():
    with pytest.raises(TelemetryError, match="not decorated"):
        stage_name(len)


def test_enabled_callable_on_a_method_binds_copies_and_pickles(registry):
    widget = Switched(10)
    assert widget.method(1) == 11
    copied = copy.deepcopy(widget.method)
    assert copied.__self__ is not widget and copied.__self__.base == 10
    assert copied(2) == 12
    assert copy.copy(widget.method)(3) == 13
    assert pickle.loads(pickle.dumps(widget.method))(4) == 14
    assert registry["Switched Method"].calls == 4
