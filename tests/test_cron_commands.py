"""The options and failure report shared by the commands run from cron (web/cron_commands.py)."""

from __future__ import annotations

from datetime import date, datetime

import click
from click.testing import CliRunner

from ap_forms.web.cron_commands import now_option, report_failures, today_option


@click.command()
@now_option
@today_option
@click.option("--fail", multiple=True)
def job(now, today, fail):
    click.echo(f"{now!r} {today!r}")
    report_failures(list(fail))


def test_the_times_are_parsed_and_default_to_none():
    assert CliRunner().invoke(job, []).output == "None None\n"
    result = CliRunner().invoke(job, ["--now", "2026-11-30T10:05", "--today", "2026-11-30"])
    assert result.output == f"{datetime(2026, 11, 30, 10, 5)!r} {date(2026, 11, 30)!r}\n"


def test_a_time_that_is_not_one_is_a_usage_error_naming_the_format():
    result = CliRunner().invoke(job, ["--now", "yesterday"])
    assert result.exit_code == 2
    assert "Invalid value for --now: Give the time as YYYY-MM-DDTHH:MM, like 2026-11-30T10:05" in result.output
    result = CliRunner().invoke(job, ["--today", "yesterday"])
    assert result.exit_code == 2
    assert "Invalid value for --today: Give the day as YYYY-MM-DD, like 2026-11-30" in result.output


def test_failures_go_to_stderr_and_exit_1():
    result = CliRunner().invoke(job, ["--fail", "a@example.org", "--fail", "b@example.org"])
    assert result.exit_code == 1
    assert result.stderr == "Not sent: a@example.org\nNot sent: b@example.org\n"
    assert CliRunner().invoke(job, []).exit_code == 0
