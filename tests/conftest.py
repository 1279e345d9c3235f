from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
AZURE = SHARED / "data" / "azure-llm-2023"


@pytest.fixture
def azure_dir() -> Path:
    if not AZURE.is_dir():
        pytest.skip("../shared/data/azure-llm-2023 is not here")
    return AZURE

import sys

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers: strategies, invariants

import asyncio
import inspect


def pytest_configure(config):
    """The suite makes millions of small objects that hold no cycles (streams, histories,
    pictures), as the app does. Like the app during work (bulk.collector_paused), it runs with
    the cycle collector paused and collects after each test module: 5.6 minutes on the 2-core
    machine, where with the collector on it took 13.5 (a pass walks everything still alive,
    again and again, and finds little)."""
    import gc

    gc.disable()


@pytest.fixture(autouse=True, scope="module")
def _collect_after_each_module():
    yield
    import gc

    gc.collect()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run `async def` tests (Textual's Pilot) on a fresh event loop, without another plugin."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
        return True
    return None


@pytest.fixture
def no_idle_wait(monkeypatch):
    """Pilot waits ~40 ms of wall time after every key (and up to a second after a pause while
    autoplay keeps the process busy) to see it go idle. A test that presses keys by the
    hundred and checks the state itself lets the event loop turn instead (1,200 keys in
    seconds, not minutes); one that reads focus or a timer's work needs the waits."""
    import textual.app
    import textual.pilot

    async def turn(*args, **kwargs):
        await asyncio.sleep(0)

    monkeypatch.setattr(textual.app, "wait_for_idle", turn)
    monkeypatch.setattr(textual.pilot, "wait_for_idle", turn)  # (a pause under autoplay waited up to 1 s)
