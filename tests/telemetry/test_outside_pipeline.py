"""The library used from outside, as a new user would: a log-processing job, no biology.

``examples/telemetry_demo.py`` runs asyncio downloads, a thread pool and a process pool whose
workers send back snapshots. Only the structure of its summary and trace is checked here, never
how long anything took.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), str(ROOT / "virnucpro_telemetry" / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=True)


def test_a_non_biology_pipeline_gets_honest_numbers_and_a_trace(tmp_path):
    trace = tmp_path / "demo.trace.json"
    result = _run([str(ROOT / "examples" / "telemetry_demo.py"), "--trace", str(trace)],
                  tmp_path)
    summary = result.stderr[result.stderr.index("PIPELINE SUMMARY"):]
    assert "lines/s" in summary
    assert "seq/s" not in summary and "Sequences processed" not in summary
    assert "summed over 3 concurrent calls" in summary  # the gathered downloads
    assert "summed over 4 concurrent calls" in summary  # the thread pool
    assert "Compress Shard" in summary and "skipped (dry run)" in summary
    assert max(float(v) for v in re.findall(r"([\d.]+)%", summary)) <= 100.0
    rows = [line for line in summary.splitlines()
            if re.match(r"\s+\d+\. ", line) or "(unattributed)" in line]
    shares = [float(m.group(1)) for m in (re.search(r"\(\s*([\d.]+)%\)", r) for r in rows) if m]
    assert abs(sum(shares) - 100.0) < 0.5, summary
    events = json.loads(trace.read_text())["traceEvents"]
    processes = {e["args"]["name"] for e in events if e["name"] == "process_name"}
    assert processes == {"main", "worker0", "worker1", "worker2"}


def test_a_script_that_never_set_up_logging_still_sees_the_summary(tmp_path):
    script = tmp_path / "quiet.py"
    script.write_text(
        "from virnucpro_telemetry import log_summary, stage\n"
        "with stage('Work'):\n"
        "    pass\n"
        "log_summary()\n"
    )
    result = _run([str(script)], tmp_path)
    assert "PIPELINE SUMMARY" in result.stderr and "1. Work" in result.stderr
