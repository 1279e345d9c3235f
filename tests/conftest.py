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
