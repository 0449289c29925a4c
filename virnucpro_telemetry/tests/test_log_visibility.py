"""log_summary() is never lost silently when logging would not show it."""

import logging

from virnucpro_telemetry import _summary, log_summary, stage


def test_without_any_handler_the_block_goes_to_stderr(registry, clock, capsys):
    lonely = logging.Logger("lonely")  # outside the hierarchy: no handler anywhere above it
    with stage("Work"):
        clock.advance(1.0)
    text = log_summary(logger=lonely)
    assert capsys.readouterr().err == text + "\n"


def test_with_handlers_that_hide_info_one_warning_says_how_to_see_it(
        registry, clock, monkeypatch, caplog):
    monkeypatch.setattr(_summary, "_WARNED_HIDDEN", [])
    log = logging.getLogger("telemetry-test.quiet")
    log.setLevel(logging.WARNING)
    with stage("Work"):
        clock.advance(1.0)
    with caplog.at_level(logging.WARNING, logger="telemetry-test.quiet"):
        log_summary(logger=log)
        log_summary(logger=log)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "logging.basicConfig(level=logging.INFO)" in warnings[0].getMessage()
    log.setLevel(logging.NOTSET)


def test_shown_info_needs_no_warning(registry, clock, caplog):
    with stage("Work"):
        clock.advance(1.0)
    with caplog.at_level(logging.INFO, logger="virnucpro.telemetry"):
        caplog.clear()  # the stage's own live lines
        text = log_summary()
    assert [r.getMessage() for r in caplog.records] == text.splitlines()
