from __future__ import annotations

from pathlib import Path

import pytest

from atlas.layers.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def small_registry() -> Registry:
    return load_registry(FIXTURES / "registry_small.yaml")


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real Zwolle data not available: {REALDATA} does not exist")
    return REALDATA


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory) -> Path:
    """The demo inputs, generated once per test session."""
    from atlas.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo") / "bron")


@pytest.fixture(scope="session")
def demo_build(demo_sources, tmp_path_factory) -> Path:
    """The demo built once per test session."""
    from atlas.build.pipeline import build

    out = tmp_path_factory.mktemp("demo-build") / "build"
    build(demo_sources, out)
    return out
