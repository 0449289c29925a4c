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
from virnucpro.commands import demo_models, predict, preprocess
from virnucpro.config import CHUNK_LENGTHS, DEFAULT_DNABERT, DEFAULT_ESM
from virnucpro.errors import VirNucProError
from virnucpro.logs import configure_logging, verbosity_level

logger = logging.getLogger("virnucpro")

# subcommand -> the function that runs it
COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "predict": predict.main,
    "preprocess": preprocess.main,
    "demo-models": demo_models.main,
}


def _add_logging_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("-v", "--verbose", action="count", default=0,
                       help="debug messages, and the full traceback of any error")
    group.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    group.add_argument("--log-file", type=Path, help="also write a detailed log to this file")
    group.add_argument("--no-progress", dest="progress", action="store_false",
                       help="no progress bars (they are off anyway when stderr is not a terminal)")


def _add_preprocess_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, help="FASTA file, plain or gzip-compressed")
    parser.add_argument("-l", "--expected-length", dest="chunk_length", type=int, default=500,
                        choices=CHUNK_LENGTHS, help="chunk length in bp (default: 500)")
    parser.add_argument("--sequences-per-file", type=int, default=10000, metavar="N",
                        help="records per split file (default: 10000)")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="CPU processes for six-frame translation (default: 1)")


def _add_predict_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--model", default=None, metavar="300|500|PATH",
                        help="classifier: the published 300 or 500 bp model (downloaded and "
                             "cached), or a local file (default: the one matching -l)")
    parser.add_argument("-o", "--output-dir", type=Path, default=None,
                        help="output folder (default: <input stem>_virnucpro)")
    parser.add_argument("-d", "--device", default="auto",
                        help="auto, cpu, cuda or cuda:N (default: auto)")
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "fp16", "bf16"),
                        help="GPU precision; auto picks bf16 where supported (CPU runs fp32)")
    parser.add_argument("--dnabert", default=DEFAULT_DNABERT, metavar="HUB_ID|DIR",
                        help=f"DNABERT-S model (default: {DEFAULT_DNABERT})")
    parser.add_argument("--esm", default=DEFAULT_ESM, metavar="NAME|PATH",
                        help=f"ESM-2 model (default: {DEFAULT_ESM})")
    parser.add_argument("--dnabert-tokens-per-batch", type=int, default=16384, metavar="N",
                        help="padded tokens per DNABERT-S batch (default: 16384)")
    parser.add_argument("--esm-tokens-per-batch", type=int, default=4096, metavar="N",
                        help="tokens per ESM-2 batch (default: 4096)")
    parser.add_argument("--classifier-batch-size", type=int, default=256, metavar="N",
                        help="rows per classifier batch (default: 256)")
    parser.add_argument("-k", "--keep-intermediate", action="store_true",
                        help="keep chunk, frame, split and feature files")
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument("--resume", action="store_true",
                        help="continue a run in an existing output folder")
    resume.add_argument("--force", action="store_true",
                        help="delete an existing output folder's results and start over")
    parser.add_argument("--demo", action="store_true",
                        help="use small random offline models (the calls are meaningless)")
    parser.add_argument("--baseline-seconds", type=float, default=None, metavar="S",
                        help="wall time of a reference run, for a speedup line in the summary")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="model cache (default: $XDG_CACHE_HOME/virnucpro, "
                             "else ~/.cache/virnucpro)")


def build_parser() -> argparse.ArgumentParser:
    """The ``virnucpro`` argument parser with its three subcommands."""
    parser = argparse.ArgumentParser(
        prog="virnucpro",
        description="Identify viral sequences with DNABERT-S, ESM-2 and the VirNucPro classifier.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    predict = sub.add_parser("predict", help="run all nine stages: FASTA in, viral calls out")
    _add_preprocess_options(predict)
    _add_predict_options(predict)
    _add_logging_options(predict)

    preprocess = sub.add_parser("preprocess", help="run stages 1-4 only (chunk, translate, split)")
    _add_preprocess_options(preprocess)
    preprocess.add_argument("-o", "--output-dir", type=Path, required=True, help="output folder")
    _add_logging_options(preprocess)

    demo = sub.add_parser("demo-models", help="write the small offline demo models to a folder")
    demo.add_argument("directory", type=Path, help="folder to write the models into")
    _add_logging_options(demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status (see ``virnucpro.errors``)."""
    args = build_parser().parse_args(argv)
    configure_logging(verbosity_level(args.verbose, args.quiet), args.log_file)
    try:
        COMMANDS[args.command](args)
    except VirNucProError as error:
        logger.error("%s", error, exc_info=args.verbose > 0)
        return error.exit_code
    except KeyboardInterrupt:
        logger.error("interrupted")
        return 130
    except Exception as error:  # a bug: say so plainly, show the traceback with -v
        logger.error("unexpected %s: %s", type(error).__name__, error, exc_info=args.verbose > 0)
        if args.verbose == 0:
            logger.error("run again with -v for the full traceback, and please report it")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
