"""The one exception hierarchy of virnucpro, each class carrying its process exit status.

Exit statuses (documented in the README):

====  ===========================================================
0     success
1     any other failure (a bug: please report it with ``-v`` output)
2     command-line usage: bad option, existing output directory, settings
      that do not match the run being resumed
3     bad input: the FASTA file is unreadable, malformed or not nucleotide
4     bad model file: unreadable, wrong format, or not an allowed type
5     out of memory on the GPU even at batch size 1
6     a distributed rank failed
130   interrupted (Ctrl-C)
====  ===========================================================
"""


class VirNucProError(Exception):
    """Base class: an error the user can act on; the CLI prints its message without a traceback."""

    exit_code = 1


class UsageError(VirNucProError):
    """The command line asks for something that cannot be done as given."""

    exit_code = 2


class InputError(VirNucProError):
    """The input file cannot be used; the message names the file, record and line."""

    exit_code = 3


class ModelFileError(VirNucProError):
    """A model file is missing, malformed, or holds types that are not allowed."""

    exit_code = 4


class GpuOutOfMemoryError(VirNucProError):
    """The GPU ran out of memory even for a batch of one sequence."""

    exit_code = 5


class RankFailedError(VirNucProError):
    """Another rank of a distributed run failed."""

    exit_code = 6
