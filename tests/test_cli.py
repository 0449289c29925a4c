"""The command line's own duties: --version anywhere, OS errors outside a run as status 7."""

from __future__ import annotations

import errno

import pytest

from virnucpro import __version__, cli


@pytest.mark.parametrize("argv", [["--version"], ["predict", "--version"],
                                  ["preprocess", "--version"], ["demo-models", "--version"]])
def test_version_works_before_and_after_the_subcommand(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"virnucpro {__version__}\n"


def test_an_os_error_outside_a_run_is_explained_with_status_7(tmp_path, monkeypatch, capsys):
    target = tmp_path / "models" / "classifier.pth"

    def refused(args):
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    monkeypatch.setitem(cli.COMMANDS, "demo-models", refused)
    assert cli.main(["demo-models", str(tmp_path / "models")]) == 7
    errors = capsys.readouterr().err.splitlines()
    assert errors == [f"error: {target}: permission denied; fix the permissions of that folder "
                      "or choose another folder"]


def test_other_os_errors_stay_bugs(monkeypatch, capsys):
    def broken(args):
        raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setitem(cli.COMMANDS, "demo-models", broken)
    assert cli.main(["demo-models", "anywhere"]) == 1
    assert "unexpected OSError" in capsys.readouterr().err
