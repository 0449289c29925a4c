"""virnucpro and its stage-timing library: two distributions, one pytest plugin owner.

The library's own tests live in virnucpro_telemetry/tests and run without torch; these check
how the tool uses the library, in the tool's environment.
"""

from importlib.metadata import distribution, entry_points

from packaging.requirements import Requirement

import virnucpro_telemetry
from virnucpro_telemetry import PipelineTelemetry


def _requirements(name):
    return {Requirement(line).name: Requirement(line) for line in distribution(name).requires}


def test_pipeline_telemetry_is_the_librarys_documented_api():
    assert PipelineTelemetry.__module__.startswith("virnucpro_telemetry")
    assert callable(PipelineTelemetry.start_stage) and callable(PipelineTelemetry.end_stage)


def test_virnucpro_depends_on_the_library_which_depends_only_on_wrapt():
    assert "virnucpro-telemetry" in _requirements("virnucpro")
    library = {name for name, req in _requirements("virnucpro-telemetry").items()
               if not req.marker}  # extras (the test tools) carry a marker
    assert library == {"wrapt"}


def test_the_library_alone_owns_the_pytest_plugin():
    [plugin] = [ep for ep in entry_points(group="pytest11") if ep.name == "virnucpro_telemetry"]
    assert plugin.value == "virnucpro_telemetry.pytest_plugin"
    assert plugin.dist.name == "virnucpro-telemetry"
    assert not [ep for ep in distribution("virnucpro").entry_points if ep.group == "pytest11"]


def test_the_library_version_is_its_distributions():
    assert distribution("virnucpro-telemetry").version == virnucpro_telemetry.__version__
