"""Test-wide settings: layer markers by folder, and a hypothesis profile fit for CI."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "kiosk", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.load_profile("kiosk")

_LAYERS = {"unit", "integration", "ui"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "unit: pure domain tests, no I/O")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = set(Path(str(item.fspath)).parts)
        for layer in _LAYERS & parts:
            item.add_marker(getattr(pytest.mark, layer))
