"""The build's deferred processes: started early, told what to do later, and never left behind."""

from __future__ import annotations

import multiprocessing
import operator
import subprocess
import sys

import pytest

from budgetkg.processes import Deferred

FORKSERVER = multiprocessing.get_context("forkserver")


def test_a_deferred_process_runs_with_the_arguments_sent_later_and_returns_the_result() -> None:
    deferred = Deferred(FORKSERVER, operator.add, "test-add")
    assert deferred.process.is_alive()
    deferred.run(20, 22)
    assert deferred.result() == 42
    deferred.close()
    assert deferred.process.exitcode == 0


def test_a_deferred_process_closed_unused_ends_without_running() -> None:
    deferred = Deferred(FORKSERVER, operator.add, "test-unused")
    deferred.close()
    assert deferred.process.exitcode == 0


def test_a_failing_deferred_process_is_reported_by_name() -> None:
    deferred = Deferred(FORKSERVER, operator.truediv, "test-divide")
    deferred.run(1, 0)
    with pytest.raises(RuntimeError, match="test-divide failed"):
        deferred.result()
    deferred.close()


def test_a_deferred_fork_of_a_single_threaded_process_runs_and_ends_when_closed_unused() -> None:
    """As the CLI's build forks its indexer: in a fresh interpreter (this one may run other threads)."""
    script = """
import multiprocessing, operator
from budgetkg.processes import Deferred, single_threaded
assert single_threaded()
fork = multiprocessing.get_context("fork")
used, unused = Deferred(fork, operator.add, "used"), Deferred(fork, operator.add, "unused")
used.run(20, 22)
print(used.result())
unused.close()
used.close()
print(used.process.exitcode, unused.process.exitcode)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["42", "0", "0"]
