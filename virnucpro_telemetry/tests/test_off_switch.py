"""Environment switches read at import: VIRNUCPRO_TELEMETRY=0 and VIRNUCPRO_NVTX=1.

Each check runs in a fresh interpreter, since the switches are read when the package is
imported.
"""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter with extra environment variables; return stdout."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_telemetry_off_returns_the_function_itself():
    out = run_python(
        """
        import asyncio
        from virnucpro_telemetry import (PipelineTelemetry, add_metrics, current_registry,
                                         skip_stage, stage, stage_name, timed_stage)

        def work():
            add_metrics(sequences=3)
            return 1

        decorated = timed_stage("Work")(work)
        assert decorated is work
        assert stage_name(work) == "Work"
        with stage("Block"):
            work()

        async def main():
            async with stage("Async Block"):
                return 2

        assert asyncio.run(main()) == 2
        skip_stage("Skipped", "checkpoint")
        telemetry = PipelineTelemetry()
        telemetry.start_stage("Imperative")
        telemetry.end_stage("Imperative", {"files": 1})
        print(len(current_registry()))
        """,
        VIRNUCPRO_TELEMETRY="0",
    )
    assert out == "0"


def test_telemetry_is_on_by_default():
    out = run_python(
        """
        from virnucpro_telemetry import current_registry, timed_stage

        def work():
            return 1

        decorated = timed_stage("Work")(work)
        decorated()
        print(decorated is work, current_registry()["Work"].calls)
        """,
        VIRNUCPRO_TELEMETRY="",
    )
    assert out == "False 1"


def test_nvtx_switch_turns_ranges_on():
    out = run_python(
        """
        import sys, types
        calls = []
        nvtx = types.SimpleNamespace(range_push=calls.append, range_pop=lambda: calls.append("pop"))
        cuda = types.SimpleNamespace(is_initialized=lambda: False, is_available=lambda: True,
                                     nvtx=nvtx)
        sys.modules["torch"] = types.SimpleNamespace(cuda=cuda)
        from virnucpro_telemetry import timed_stage

        @timed_stage("Ranged")
        def ranged():
            return 1

        @timed_stage("Not Ranged", nvtx=False)
        def not_ranged():
            return 1

        ranged()
        not_ranged()
        print(calls)
        """,
        VIRNUCPRO_NVTX="1",
    )
    assert out == "['Ranged', 'pop']"


def test_the_package_never_imports_torch():
    out = run_python(
        """
        import sys
        import virnucpro_telemetry as telemetry

        @telemetry.timed_stage("Work", sync_cuda=True, nvtx=True)
        def work():
            return 1

        work()
        telemetry.format_summary(telemetry.current_registry())
        import virnucpro_telemetry.pytest_plugin
        print("torch" in sys.modules)
        """
    )
    assert out == "False"


def test_off_switch_keeps_every_transparency_property():
    transparency = Path(__file__).with_name("test_transparency.py")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(transparency)],
        env={**os.environ, "VIRNUCPRO_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(r"\d+ passed in .*", summary), summary
