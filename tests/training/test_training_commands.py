"""make-dataset, train and evaluate through the command line (``virnucpro.cli.main``).

The end-to-end runs use the demo models, 300 bp chunks and a few epochs, so the module stays
within seconds; ``train --demo`` at full length is timed by ``make train-demo``, not here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from virnucpro.cli import main
from virnucpro.training.dataset import read_dataset_table
from virnucpro.training.model_file import read_trained_model

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example.fa"


def inputs(genbank_dir: Path) -> list[str]:
    return ["--viral", str(genbank_dir / "gbvrl1_start.seq"),
            "--other", str(genbank_dir / "NC_005816.gb"), str(genbank_dir / "NC_000932.gb")]


def demo_options(cache: Path) -> list[str]:
    return ["--demo", "--cache-dir", str(cache), "--no-progress", "-l", "300"]


def train_arguments(genbank_dir: Path, cache: Path, out: Path, *extra: str) -> list[str]:
    return ["train", *inputs(genbank_dir), *demo_options(cache), "-o", str(out), "--epochs", "3",
            *extra]


@pytest.fixture(scope="module")
def trained(genbank_dir, model_cache_dir, tmp_path_factory) -> Path:
    """The output folder of one ``train --demo`` run (3 epochs), with its log file and trace."""
    out = tmp_path_factory.mktemp("trained") / "run"
    log, trace = out.parent / "train.log", out.parent / "train.trace.json"
    assert main([*train_arguments(genbank_dir, model_cache_dir, out), "--log-file", str(log),
                 "--trace", str(trace)]) == 0
    return out


def test_make_dataset_runs_without_torch_and_keeps_records_on_one_side(genbank_dir, tmp_path):
    out = tmp_path / "dataset"
    script = (
        "import sys\n"
        "from virnucpro.cli import main\n"
        f"status = main({['make-dataset', *inputs(genbank_dir), '-o', str(out), '-q']!r})\n"
        "assert status == 0, status\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    side_of: dict[str, set[str]] = {}
    for row, split in read_dataset_table(out / "dataset.tsv"):
        side_of.setdefault(row.record_id, set()).add(split)
    assert side_of and all(len(sides) == 1 for sides in side_of.values())
    assert {split for sides in side_of.values() for split in sides} == {"train", "val", "test"}
    assert not (out / "work").exists()  # intermediates removed


def test_train_demo_writes_the_three_files_and_ends_with_the_summary(trained):
    log = (trained.parent / "train.log").read_text()
    for stage in ("GenBank Reading", "Frame Splitting", "DNABERT-S Feature Extraction",
                  "ESM-2 Feature Extraction", "Feature Merging", "Model Training",
                  "Training Epoch", "Model Evaluation"):
        assert stage in log
    assert "TRAINING SUMMARY" in log and "Test F1:" in log and "Best epoch:" in log
    assert "Sequences processed: 5" in log, "the five GenBank records, not a frame count"
    assert len((trained / "training_log.tsv").read_text().splitlines()) == 1 + 3
    assert (trained / "test_metrics.tsv").read_text().startswith("metric\tvalue\naccuracy\t")
    state, metadata = read_trained_model(trained / "model.pt")
    assert metadata.chunk_length == 300 and (metadata.dnabert, metadata.esm) == ("demo", "demo")
    assert metadata.training_options["epochs"] == 3 and 1 <= metadata.best_epoch <= 3
    assert state["hidden_layer.weight"].shape[1] == metadata.input_dim
    assert not (trained / "work").exists()


def test_train_trace_nests_the_epochs_in_model_training(trained):
    events = json.loads((trained.parent / "train.trace.json").read_text())["traceEvents"]
    slices = [event for event in events if event["ph"] == "X"]
    training = [event for event in slices if event["name"] == "Model Training"]
    epochs = [event for event in slices if event["name"] == "Training Epoch"]
    assert len(training) == 1 and len(epochs) == 3
    start, end = training[0]["ts"], training[0]["ts"] + training[0]["dur"]
    assert all(start <= epoch["ts"] and epoch["ts"] + epoch["dur"] <= end for epoch in epochs)
    assert {"GenBank Reading", "ESM-2 Feature Extraction", "Model Evaluation"} <= {
        event["name"] for event in slices}


def test_the_trained_model_runs_in_predict_at_its_own_chunk_length(trained, model_cache_dir,
                                                                   tmp_path):
    out = tmp_path / "predicted"
    without_l = [option for option in demo_options(model_cache_dir) if option not in ("-l", "300")]
    status = main(["predict", str(EXAMPLE), "-m", str(trained / "model.pt"), "-o", str(out),
                   "-k", *without_l])
    assert status == 0
    assert len((out / "prediction_results.txt").read_text().splitlines()) > 1
    assert (out / "example_chunked300.fa").is_file(), "the model's 300, not the default 500"


def test_predict_refuses_a_model_of_another_chunk_length(trained, model_cache_dir, tmp_path,
                                                          capsys):
    options = [option for option in demo_options(model_cache_dir) if option != "300"] + ["500"]
    out = tmp_path / "refused"
    status = main(["predict", str(EXAMPLE), "-m", str(trained / "model.pt"), "-o", str(out),
                   *options])
    assert status == 2
    assert "chunk length 300 (the run uses 500)" in capsys.readouterr().err
    assert not out.exists()
    allowed = main(["predict", str(EXAMPLE), "-m", str(trained / "model.pt"), "-o", str(out),
                    "--allow-model-mismatch", *options])
    assert allowed == 0


def test_evaluate_on_the_test_split_gives_the_test_metrics(trained, model_cache_dir, tmp_path,
                                                           capsys):
    out = tmp_path / "evaluated"
    status = main(["evaluate", "-m", str(trained / "model.pt"), "--dataset", str(trained),
                   "-o", str(out), *demo_options(model_cache_dir), "-q"])
    assert status == 0
    table = (trained / "test_metrics.tsv").read_text()
    assert (out / "evaluation_metrics.tsv").read_text() == table
    assert capsys.readouterr().out == table


def test_evaluate_on_labelled_files_counts_every_selected_frame(trained, genbank_dir,
                                                                 model_cache_dir, tmp_path):
    out = tmp_path / "labelled"
    status = main(["evaluate", "-m", str(trained / "model.pt"), *inputs(genbank_dir)[:4],
                   "-o", str(out), *demo_options(model_cache_dir), "-q"])
    assert status == 0
    rows = dict(line.split("\t") for line in
                (out / "evaluation_metrics.tsv").read_text().splitlines()[1:])
    counted = sum(int(rows[name]) for name in ("true_positives", "false_positives",
                                               "true_negatives", "false_negatives"))
    frames = sum(1 for path in (trained / "frames").glob("gbvrl1_start_*nucleotide.fa")
                 for line in path.read_text().splitlines() if line.startswith(">"))
    frames += sum(1 for line in (trained / "frames" / "NC_005816_identified_nucleotide.fa")
                  .read_text().splitlines() if line.startswith(">"))
    assert counted == frames


@pytest.mark.parametrize(
    ("arguments", "status", "message"),
    [
        (["--other", "{gb}/NC_005816.gb"], 2, "no --viral file given"),
        (["--viral", "{gb}/gbvrl1_start.seq", "--other", "{gb}/NC_005816.gb",
          "--val-fraction", "0.6", "--test-fraction", "0.5"], 2, "must be below 1"),
        (["--viral", "{gb}/absent.gb", "--other", "{gb}/NC_005816.gb"], 3,
         "absent.gb: input file not found"),
        (["--viral", "{example}", "--other", "{gb}/NC_005816.gb"], 3, "example.fa"),
        (["--viral", "{gb}/NC_005816.gb", "--other", "{gb}/gbvrl1_start.seq",
          "--test-fraction", "0.5"], 3, "split would be empty"),
    ],
)
def test_bad_input_exits_with_one_line_and_writes_no_dataset(genbank_dir, tmp_path, capsys,
                                                             arguments, status, message):
    filled = [argument.format(gb=genbank_dir, example=EXAMPLE) for argument in arguments]
    out = tmp_path / "out"
    assert main(["make-dataset", *filled, "-o", str(out), "--no-progress"]) == status
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in errors[0]
    assert not (out / "dataset.tsv").exists()
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_failed_start_does_not_trap_the_corrected_rerun(genbank_dir, tmp_path, capsys):
    not_genbank = tmp_path / "contigs.gb"
    not_genbank.write_text(">x\nACGT\n")
    out = tmp_path / "out"
    bad = ["make-dataset", "--viral", str(not_genbank), "--other",
           str(genbank_dir / "NC_005816.gb"), "-l", "300", "-o", str(out), "--no-progress"]
    assert main(bad) == 3
    assert "SUMMARY" not in capsys.readouterr().err, "no stage finished: the error line only"
    assert main(["make-dataset", *inputs(genbank_dir), "-l", "300", "-o", str(out),
                 "--no-progress"]) == 0
    assert (out / "dataset.tsv").is_file()


def test_an_unknown_option_value_is_a_usage_error(genbank_dir, tmp_path):
    with pytest.raises(SystemExit) as stopped:
        main(["make-dataset", *inputs(genbank_dir), "-l", "400", "-o", str(tmp_path / "o")])
    assert stopped.value.code == 2


def test_evaluate_needs_a_dataset_or_labelled_files(tmp_path, capsys):
    assert main(["evaluate", "-m", "300", "-o", str(tmp_path / "o")]) == 2
    assert "either --dataset DIR or labelled" in capsys.readouterr().err


EPOCHS = ["--epochs", "12", "--patience", "12", "--batch-size", "4", "-d", "cpu"]


@pytest.fixture(scope="module")
def whole_training(genbank_dir, model_cache_dir, tmp_path_factory) -> Path:
    """A training run of :data:`EPOCHS` never interrupted."""
    whole = tmp_path_factory.mktemp("whole") / "run"
    assert main(train_arguments(genbank_dir, model_cache_dir, whole, *EPOCHS)) == 0
    return whole


STOPS = {"SIGKILL": (signal.SIGKILL, -signal.SIGKILL), "SIGTERM": (signal.SIGTERM, 143),
         "SIGHUP": (signal.SIGHUP, 129)}


@pytest.mark.slow
@pytest.mark.parametrize("stop", list(STOPS))
def test_a_stop_during_training_then_resume_gives_the_same_weights(
    stop, genbank_dir, model_cache_dir, tmp_path, whole_training
):
    """Stopped once epoch 2's checkpoint is written (the run signals it through the test hook),
    resumed: the weights of a run never interrupted, bit for bit (CPU)."""
    number, status = STOPS[stop]
    stopped = tmp_path / "stopped"
    command = [sys.executable, "-m", "virnucpro",
               *train_arguments(genbank_dir, model_cache_dir, stopped, *EPOCHS)]
    fifo = tmp_path / "hook.fifo"
    os.mkfifo(fifo)
    env = {**os.environ, "VIRNUCPRO_TEST_POINT": "Training Epoch 2 checkpointed",
           "VIRNUCPRO_TEST_FIFO": str(fifo)}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, env=env)
    with open(fifo, encoding="utf-8") as handle:
        assert handle.readline().strip() == "Training Epoch 2 checkpointed"
    process.send_signal(number)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == status, stderr
    checkpoint = stopped / ".virnucpro" / "training_checkpoint.pt"
    assert torch.load(checkpoint, weights_only=True)["progress"]["epoch"] == 2
    assert not (stopped / "model.pt").exists()
    if number != signal.SIGKILL:
        assert "TRAINING SUMMARY" in stderr and "interrupted" in stderr, stderr
        assert not (stopped / ".virnucpro.lock").exists()

    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert ("taking over" in resumed.stderr) == (number == signal.SIGKILL)
    assert "Frame Splitting skipped (checkpoint)" in resumed.stderr
    resumed_state, _ = read_trained_model(stopped / "model.pt")
    whole_state, _ = read_trained_model(whole_training / "model.pt")
    assert resumed_state.keys() == whole_state.keys()
    for name, tensor in whole_state.items():
        assert torch.equal(resumed_state[name], tensor), name
    assert (stopped / "training_log.tsv").read_text().count("\n") == 13


def _train_process(launcher: list[str], arguments: list[str],
                   env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*launcher, "-m", "virnucpro", *arguments], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_train_under_torchrun_shares_the_features_and_gives_the_one_process_model(
    genbank_dir, model_cache_dir, tmp_path
):
    def arguments(out: Path) -> list[str]:  # 34 frames, 8 a split file: each rank gets files
        return train_arguments(genbank_dir, model_cache_dir, out, "--sequences-per-file", "8")

    # rank 0 trains alone with every core, as one process does by default
    single = _train_process([sys.executable], arguments(tmp_path / "one"),
                            {"OMP_NUM_THREADS": str(os.cpu_count() or 1)})
    assert single.returncode == 0, single.stderr[-3000:]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                "--nproc-per-node", "2"]
    launched = _train_process(torchrun, arguments(tmp_path / "two"))
    assert launched.returncode == 0, launched.stderr[-3000:]

    shared = [line for line in launched.stderr.splitlines() if "Feature Extraction ." in line]
    assert len(shared) == 2 and all("x2 ranks" in line for line in shared), shared
    assert launched.stderr.count("TRAINING SUMMARY") == 1
    assert launched.stderr.count("Training Epoch") == single.stderr.count("Training Epoch")
    expected, _ = read_trained_model(tmp_path / "one" / "model.pt")
    state, metadata = read_trained_model(tmp_path / "two" / "model.pt")
    assert state.keys() == expected.keys()
    assert all(torch.equal(state[name], expected[name]) for name in expected)
    assert metadata.training_options["epochs"] == 3
    assert not (tmp_path / "two" / "work").exists()
