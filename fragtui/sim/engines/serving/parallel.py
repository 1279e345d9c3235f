"""Independent serving runs on the same stream, on every core when it pays.

Comparing allocators runs the same requests four times (Orca Max, Pow2, Oracle, paged), and the
runs share nothing but the stream, so on a machine with cores to spare they run side by side:
this process and a forked helper per further core take the runs one at a time from a shared
counter until none are left. Helpers inherit the stream instead of being sent a million
requests, and send back only metrics. Short streams stay in this process, where forking would
cost more than it saves; either way the results are the same, run for run.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from typing import Any, Hashable, Iterator, Mapping, TypeVar

from fragtui.sim.engines.serving.stream import Stream
from fragtui.sim.measures.metrics import ServingMetrics

PARALLEL_FROM = 20_000  # requests in the stream: below this a run takes well under a second

Key = TypeVar("Key", bound=Hashable)
Job = dict[str, Any]  # a ServingRun's keyword arguments


def run_all(stream: Stream, jobs: Mapping[Key, Job], workers: int | None = None) -> dict[Key, ServingMetrics]:
    """Each job run to the end on `stream`: its metrics, in the jobs' order (list the longest
    first). `workers`: processes to use, this one included (by default one per core, up to one
    per job, once the stream is PARALLEL_FROM requests long; 1 runs them all here)."""
    todo = list(jobs.values())
    if workers is None:
        workers = min(len(todo), _cores()) if len(stream.requests) >= PARALLEL_FROM else 1
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return dict(zip(jobs, (_metrics(stream, job) for job in todo)))
    context = multiprocessing.get_context("fork")
    claim = context.Value("i", 0)  # the next job to take
    reader, writer = context.Pipe(duplex=False)
    helpers = []
    # Frozen, the stream's objects are never walked by a helper's cycle collector, which would
    # write to each of them and so copy every page the two processes could have shared.
    gc.freeze()
    try:
        for _ in range(workers - 1):
            helper = context.Process(target=_help, args=(stream, todo, claim, writer), daemon=True)
            helper.start()
            helpers.append(helper)
        results = dict(_claimed(stream, todo, claim))  # this process's share
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


def _claimed(stream: Stream, todo: list[Job], claim: Synchronized[int]) -> Iterator[tuple[int, ServingMetrics]]:
    """Take the next job from the shared counter and run it, until none are left."""
    while True:
        with claim.get_lock():
            index = claim.value
            claim.value += 1
        if index >= len(todo):
            return
        yield index, _metrics(stream, todo[index])


def _help(stream: Stream, todo: list[Job], claim: Synchronized[int], writer: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is the parent's to handle: it ends helpers
    try:
        for index, metrics in _claimed(stream, todo, claim):
            writer.send((index, metrics))
    except Exception as error:  # the parent raises it
        writer.send((-1, error))


def _metrics(stream: Stream, job: Job) -> ServingMetrics:
    from fragtui.sim.engines.serving.run import ServingRun

    return ServingRun(stream, history=False, **job).run().metrics()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
