"""The command line: parse arguments, set up logging, call one command, map errors to exit codes.

Each subcommand is one module of ``virnucpro.commands`` with a ``main(args)``; they are imported
here statically and import nothing from this module. Heavy libraries (torch, transformers, esm)
are imported only once a command runs the stages that need them, so ``virnucpro --help`` and
``virnucpro preprocess`` start fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from virnucpro import __version__
from virnucpro.commands import (
    classify,
    demo_models,
    evaluate,
    make_dataset,
    plot,
    predict,
    preprocess,
    report,
    train,
)
from virnucpro.config import (
    DEFAULT_DNABERT,
    DEFAULT_ESM,
    DEFAULT_MIN_SCORE,
    ClassifierChoice,
    chunk_length,
    command_line_type,
    min_score,
)
from virnucpro.errors import VirNucProError, file_system_error
from virnucpro.logs import configure_logging, verbosity_level

logger = logging.getLogger("virnucpro")

# subcommand -> the function that runs it
COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "predict": predict.main,
    "preprocess": preprocess.main,
    "demo-models": demo_models.main,
    "plot": plot.main,
    "report": report.main,
    "classify": classify.main,
    "make-dataset": make_dataset.main,
    "train": train.main,
    "evaluate": evaluate.main,
}

_MIN_SCORE_HELP = ("the P(virus) a chunk needs to count as viral in sequence_summary.tsv "
                   "(default: {}, the original's rule; the two original tables never change)")


# The option types are the settings' own checks (virnucpro.config), never a second copy.
_PROBABILITY = command_line_type(min_score)
_CHUNK_LENGTH = command_line_type(chunk_length)


def _add_chunk_length_option(parser: argparse.ArgumentParser, default: str) -> None:
    """``-l``: None when left out, so that a command can tell "not given" from 500."""
    parser.add_argument("-l", "--expected-length", dest="chunk_length", type=_CHUNK_LENGTH,
                        default=None, metavar="{300,500}",
                        help=f"chunk length in bp (default: {default})")


def _add_logging_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--version", action="version", version=f"virnucpro {__version__}")
    group.add_argument("-v", "--verbose", action="count", default=0,
                       help="debug messages, and the full traceback of any error")
    group.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    group.add_argument("--log-file", type=Path, help="also write a detailed log to this file")
    group.add_argument("--no-progress", dest="progress", action="store_false",
                       help="no progress bars (they are off anyway when stderr is not a terminal)")


def _add_preprocess_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path,
                        help="FASTA file, plain or gzip-compressed (predict: '-' reads "
                             "standard input)")
    _add_chunk_length_option(parser, "the -m model's, else 500")
    parser.add_argument("--sequences-per-file", type=int, default=10000, metavar="N",
                        help="records per split file (default: 10000)")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="CPU processes for six-frame translation (default: 1)")


def _add_predict_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--model", type=ClassifierChoice.parse, default=None,
                        metavar="300|500|PATH",
                        help="classifier: the published 300 or 500 bp model (downloaded and "
                             "cached), or a local file (default: the one matching -l)")
    parser.add_argument("-o", "--output-dir", type=Path, default=None,
                        help="output folder (default: <input stem>_virnucpro)")
    _add_model_options(parser)
    parser.add_argument("--classifier-batch-size", type=int, default=256, metavar="N",
                        help="rows per classifier batch (default: 256)")
    parser.add_argument("--min-score", type=_PROBABILITY, default=DEFAULT_MIN_SCORE, metavar="S",
                        help=_MIN_SCORE_HELP.format(DEFAULT_MIN_SCORE))
    parser.add_argument("-k", "--keep-intermediate", action="store_true",
                        help="keep chunk, frame, split and feature files (needed by classify)")
    _add_folder_reuse_options(parser)
    parser.add_argument("--baseline-seconds", type=float, default=None, metavar="S",
                        help="wall time of a reference run, for a speedup line in the summary")
    _add_trace_option(parser)
    parser.add_argument("--report", action="store_true",
                        help="also write OUTPUT_DIR/report.html at the end of a successful run")


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    """The DNABERT-S and ESM-2 options (predict, train and evaluate embed alike)."""
    parser.add_argument("-d", "--device", default="auto",
                        help="auto, cpu, cuda or cuda:N (default: auto)")
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "fp16", "bf16"),
                        help="GPU precision; auto picks bf16 where supported (CPU runs fp32)")
    parser.add_argument("--dnabert", default=None, metavar="HUB_ID|DIR",
                        help=f"DNABERT-S model (default: {DEFAULT_DNABERT}; with --demo the "
                             "demo model)")
    parser.add_argument("--esm", default=None, metavar="NAME|PATH",
                        help=f"ESM-2 model (default: {DEFAULT_ESM}; with --demo the demo model)")
    parser.add_argument("--dnabert-tokens-per-batch", type=int, default=16384, metavar="N",
                        help="padded tokens per DNABERT-S batch (default: 16384)")
    parser.add_argument("--esm-tokens-per-batch", type=int, default=4096, metavar="N",
                        help="tokens per ESM-2 batch (default: 4096)")
    parser.add_argument("--demo", action="store_true",
                        help="use small random offline models for every model not given "
                             "explicitly (the results are meaningless)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="model cache (default: $XDG_CACHE_HOME/virnucpro, "
                             "else ~/.cache/virnucpro)")


def _add_folder_reuse_options(parser: argparse.ArgumentParser) -> None:
    """What to do with an output folder that holds a run already (``folder.run_folder``)."""
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument("--resume", action="store_true",
                        help="continue a run in an existing output folder")
    resume.add_argument("--force", action="store_true",
                        help="delete an existing output folder's results and start over")
    parser.add_argument("--break-lock", action="store_true",
                        help="take over the output folder from a run that holds its lock but "
                             "no longer runs (one on another host, which cannot be checked)")
    parser.add_argument("--stale-lock-minutes", type=float, default=10.0, metavar="N",
                        help="take over another host's lock not refreshed for N minutes (a "
                             "running holder refreshes it every 30 s; default: 10)")


def _add_dataset_options(parser: argparse.ArgumentParser, *, evaluate: bool = False) -> None:
    """The GenBank inputs of make-dataset, train and evaluate, and how they become a dataset."""
    parser.add_argument("--viral", nargs="+", action="extend", default=[], metavar="FILE",
                        help="viral GenBank files (.gb .gbk .gbff .seq, plain or gzip)")
    parser.add_argument("--other", nargs="+", action="extend", default=[],
                        metavar="[GROUP=]FILE",
                        help="non-viral GenBank files; GROUP (default: the file's stem) is the "
                             "group the balancing draws evenly from")
    _add_chunk_length_option(parser, "the -m model's, else 500" if evaluate else "500")
    if not evaluate:
        parser.add_argument("--val-fraction", type=float, default=0.1, metavar="F",
                            help="share of each class's frames, by record, for validation "
                                 "(default: 0.1)")
        parser.add_argument("--test-fraction", type=float, default=0.1, metavar="F",
                            help="share of each class's frames, by record, for the final test "
                                 "(default: 0.1)")
    parser.add_argument("--seed", type=int, default=42,
                        help="seeds balancing, the record split and training (default: 42)")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="CPU processes, each reading whole input files (default: 1)")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """The output folder of make-dataset, train and evaluate and its life cycle."""
    parser.add_argument("-o", "--output-dir", type=Path, required=True, help="output folder")
    parser.add_argument("-k", "--keep-intermediate", action="store_true",
                        help="keep work/ (sequences, chunks, split and feature files)")
    _add_folder_reuse_options(parser)
    _add_trace_option(parser)


def _add_trace_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trace", type=Path, default=None, metavar="FILE",
                        help="also write the stage timings as a Chrome trace-event JSON file "
                             "(open it in Perfetto UI or chrome://tracing)")


def _add_embedding_options(parser: argparse.ArgumentParser) -> None:
    """The model options of predict, and how many frames go into one feature file."""
    _add_model_options(parser)
    parser.add_argument("--sequences-per-file", type=int, default=10000, metavar="N",
                        help="frames per feature file (default: 10000)")


def _add_training_options(parser: argparse.ArgumentParser) -> None:
    """The training options; the defaults are the published tool's (``TrainingOptions``)."""
    group = parser.add_argument_group("training (defaults: the published tool's)")
    group.add_argument("--epochs", type=int, metavar="N", help="at most N epochs (200)")
    group.add_argument("--patience", type=int, metavar="N",
                       help="stop after N epochs without a lower validation loss (5)")
    group.add_argument("--batch-size", type=int, metavar="N", help="examples per SGD step (32)")
    group.add_argument("--lr", type=float, help="SGD learning rate (2e-4)")
    group.add_argument("--momentum", type=float, help="SGD momentum (0.9)")
    group.add_argument("--step-size", type=int, metavar="N",
                       help="epochs between learning-rate decays (10)")
    group.add_argument("--gamma", type=float, help="learning-rate decay factor (0.85)")


def _add_training_commands(sub) -> None:
    """The make-dataset, train and evaluate subcommands."""
    make = sub.add_parser("make-dataset",
                          help="GenBank files -> training frames and dataset.tsv (no torch)")
    _add_dataset_options(make)
    _add_run_options(make)
    _add_logging_options(make)

    train = sub.add_parser("train", help="make a dataset, embed it, train and test a classifier")
    _add_dataset_options(train)
    _add_run_options(train)
    _add_embedding_options(train)
    _add_training_options(train)
    _add_logging_options(train)

    evaluate = sub.add_parser("evaluate",
                              help="a classifier's metrics on a dataset or labelled files")
    evaluate.add_argument("-m", "--model", required=True, type=ClassifierChoice.parse,
                          metavar="300|500|PATH",
                          help="classifier: the published 300 or 500 bp model, or a file "
                               "(a model.pt of virnucpro train)")
    evaluate.add_argument("--dataset", type=Path, metavar="DIR",
                          help="a make-dataset or train output folder: evaluate on its test "
                               "split (else give --viral and --other)")
    _add_dataset_options(evaluate, evaluate=True)
    _add_run_options(evaluate)
    _add_embedding_options(evaluate)
    evaluate.add_argument("--allow-model-mismatch", action="store_true",
                          help="evaluate a trained model although its chunk length or "
                               "embedding models differ (experts)")
    _add_logging_options(evaluate)


def build_parser() -> argparse.ArgumentParser:
    """The ``virnucpro`` argument parser with its subcommands (``COMMANDS``)."""
    parser = argparse.ArgumentParser(
        prog="virnucpro",
        description="Identify viral sequences with DNABERT-S, ESM-2 and the VirNucPro classifier.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    predict = sub.add_parser("predict", help="run all nine stages: FASTA in, viral calls out")
    _add_preprocess_options(predict)
    _add_predict_options(predict)
    predict.add_argument("--allow-model-mismatch", action="store_true",
                         help="run a trained model (-m model.pt) although its chunk length or "
                              "embedding models differ from this run's (experts)")
    _add_logging_options(predict)

    preprocess = sub.add_parser("preprocess", help="run stages 1-4 only (chunk, translate, split)")
    _add_preprocess_options(preprocess)
    preprocess.add_argument("-o", "--output-dir", type=Path, required=True, help="output folder")
    _add_folder_reuse_options(preprocess)
    _add_trace_option(preprocess)
    _add_logging_options(preprocess)

    demo = sub.add_parser("demo-models", help="write the small offline demo models to a folder")
    demo.add_argument("directory", type=Path, help="folder to write the models into")
    _add_logging_options(demo)
    _add_result_commands(sub)
    _add_training_commands(sub)
    return parser


def _add_result_commands(sub) -> None:
    """``plot``, ``report`` and ``classify``: commands on a finished run's folder."""
    run_dir = {"type": Path, "metavar": "RUN_DIR", "help": "the output folder of a predict run"}
    shown = ("threshold drawn and counted (default: the run's --min-score, else "
             f"{DEFAULT_MIN_SCORE})")
    plot = sub.add_parser("plot", help="draw each sequence's chunk scores along it")
    plot.add_argument("run_dir", **run_dir)
    plot.add_argument("--sequence", nargs="+", metavar="ID",
                      help="draw these sequences, in this order (default: the most viral)")
    plot.add_argument("--top", type=int, default=20, metavar="N",
                      help="how many sequences without --sequence (default: 20)")
    plot.add_argument("-o", "--output", type=Path, metavar="FILE",
                      help="PNG, SVG or PDF by extension (default: RUN_DIR/score_tracks.png)")
    plot.add_argument("--min-score", type=_PROBABILITY, metavar="S", help=shown)
    _add_logging_options(plot)

    report = sub.add_parser("report", help="write a finished run's self-contained HTML report")
    report.add_argument("run_dir", **run_dir)
    report.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="the page to write (default: RUN_DIR/report.html)")
    report.add_argument("--min-score", type=_PROBABILITY, metavar="S", help=shown)
    _add_logging_options(report)

    classify = sub.add_parser("classify", help="re-run stages 8-9 on a run kept with -k "
                                               "(another classifier or threshold, no embedding)")
    classify.add_argument("run_dir", **run_dir)
    classify.add_argument("-m", "--model", default=None, metavar="300|500|PATH",
                          help="classifier (default: the file the run used)")
    classify.add_argument("--min-score", type=_PROBABILITY, default=DEFAULT_MIN_SCORE,
                          metavar="S", help=_MIN_SCORE_HELP.format(DEFAULT_MIN_SCORE))
    classify.add_argument("--classifier-batch-size", type=int, default=256, metavar="N",
                          help="rows per classifier batch (default: 256)")
    classify.add_argument("-d", "--device", default="auto",
                          help="auto, cpu, cuda or cuda:N (default: auto)")
    classify.add_argument("--cache-dir", type=Path, default=None,
                          help="model cache, for -m 300 / -m 500")
    _add_logging_options(classify)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status (see ``virnucpro.errors``)."""
    args = build_parser().parse_args(argv)
    configure_logging(verbosity_level(args.verbose, args.quiet), args.log_file)
    try:
        COMMANDS[args.command](args)
    except VirNucProError as error:
        logger.error("%s", error, exc_info=args.verbose > 0)
        return error.exit_code
    except KeyboardInterrupt as interrupt:  # Ctrl-C, or SIGTERM / SIGHUP (errors.StopSignal)
        logger.error("%s", interrupt if str(interrupt) else "interrupted")
        return getattr(interrupt, "exit_code", 130)
    except Exception as error:  # a bug: say so plainly, show the traceback with -v
        return _unexpected(error, args.verbose)
    return 0


def _unexpected(error: Exception, verbose: int) -> int:
    """Report an error that no command turned into a ``VirNucProError``; return the status."""
    explained = file_system_error(error) if isinstance(error, OSError) else None
    if explained is not None:  # a system refusal outside a run's output folder
        logger.error("%s", explained, exc_info=verbose > 0)
        return explained.exit_code
    logger.error("unexpected %s: %s", type(error).__name__, error, exc_info=verbose > 0)
    if verbose == 0:
        logger.error("run again with -v for the full traceback, and please report it")
    return 1


if __name__ == "__main__":
    sys.exit(main())
