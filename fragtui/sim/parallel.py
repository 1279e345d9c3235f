"""Independent jobs on every core when it pays.

Comparing allocators runs the same requests four times (Orca Max, Pow2, Oracle, paged), and a
capacity curve replays one trace once per capacity; the runs share nothing but their input, so
on a machine with cores to spare they run side by side: this process and a forked helper per
further core take the jobs one at a time from a shared counter until none are left. A job is
a call with no arguments: helpers inherit what it reads (a million requests) instead of being
sent it, and send back only its result. Small work stays in this process, where forking would
cost more than it saves; either way the results are the same, job for job.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from typing import Callable, Hashable, Iterator, Mapping, TypeVar

Key = TypeVar("Key", bound=Hashable)
Result = TypeVar("Result")


def run_all(jobs: Mapping[Key, Callable[[], Result]], pays: bool, workers: int | None = None) -> dict[Key, Result]:
    """Each job's result, in the jobs' order (list the longest first). `pays`: whether the work
    is long enough for forking to pay; `workers`: processes to use, this one included (by
    default one per core, up to one per job, where it pays; 1 runs them all here)."""
    todo = list(jobs.values())
    if workers is None:
        workers = min(len(todo), _cores()) if pays else 1
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return dict(zip(jobs, (job() for job in todo)))
    context = multiprocessing.get_context("fork")
    claim = context.Value("i", 0)  # the next job to take
    reader, writer = context.Pipe(duplex=False)
    helpers = []
    # Frozen, the input's objects are never walked by a helper's cycle collector, which would
    # write to each of them and so copy every page the two processes could have shared.
    gc.freeze()
    try:
        for _ in range(workers - 1):
            helper = context.Process(target=_help, args=(todo, claim, writer), daemon=True)
            helper.start()
            helpers.append(helper)
        results = dict(_claimed(todo, claim))  # this process's share
        while len(results) < len(todo):
            if reader.poll(1.0):
                index, outcome = reader.recv()
                if isinstance(outcome, BaseException):
                    raise outcome
                results[index] = outcome
            elif not any(helper.is_alive() for helper in helpers) and not reader.poll(0):
                raise RuntimeError("a helper process ended without its results")
    finally:
        gc.unfreeze()
        for helper in helpers:
            helper.terminate()  # (done already, unless this process was interrupted)
            helper.join()
    return {key: results[index] for index, key in enumerate(jobs)}


def _claimed(todo: list[Callable[[], Result]], claim: Synchronized[int]) -> Iterator[tuple[int, Result]]:
    """Take the next job from the shared counter and run it, until none are left."""
    while True:
        with claim.get_lock():
            index = claim.value
            claim.value += 1
        if index >= len(todo):
            return
        yield index, todo[index]()


def _help(todo: list[Callable[[], Result]], claim: Synchronized[int], writer: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is the parent's to handle: it ends helpers
    try:
        for index, result in _claimed(todo, claim):
            writer.send((index, result))
    except Exception as error:  # the parent raises it
        writer.send((-1, error))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
