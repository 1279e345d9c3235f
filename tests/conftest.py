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


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run `async def` tests (Textual's Pilot) on a fresh event loop, without another plugin."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
        return True
    return None
