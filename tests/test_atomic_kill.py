"""Kill a build at every step and at random moments: DIR always opens as a whole version, the next build cleans up.

Two artifacts A and B of the small test sources are built once. A child process (``tests/atomic_child.py``)
writes B over A with :func:`atlas.atomic.atomic_directory` and kills itself with SIGKILL before its k-th
file-system step, for every k; then DIR must open with ``Artifact.open`` as A or B, every file matching that
manifest's hashes, and a following build must leave no staging behind. The same for a first build (no DIR), for a
DIR of the old layout (a real directory) and, with real timing, for ``atlas build`` itself killed after random
delays.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atlas.artifact import Artifact, reader
from atlas.atomic import VERSION_NAME, atomic_directory, versions_dir
from atlas.layers.registry import Registry, load_registry
from atlas.pipeline.run import build

from .test_build import VALUES, _sources

CHILD = Path(__file__).with_name("atomic_child.py")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _registry_parsed_once(monkeypatch):
    """``Artifact.open`` parses the registry YAML (a third of a second); the same bytes are parsed once here."""
    parsed: dict[bytes, Registry] = {}

    def load(path: Path) -> Registry:
        text = Path(path).read_bytes()
        if text not in parsed:
            parsed[text] = load_registry(path)
        return parsed[text]

    monkeypatch.setattr(reader, "load_registry", load)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> dict[str, Path]:
    """Two different whole artifacts, as plain folders: A (the test values) and B (other values)."""
    out: dict[str, Path] = {}
    for name, values in (("A", VALUES), ("B", VALUES.replace("1200", "1500"))):
        folder = tmp_path_factory.mktemp(f"src-{name}")
        build(_sources(folder, values), folder / "out")
        out[name] = (folder / "out").resolve()
    return out


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _which(target: Path, artifacts: dict[str, Path]) -> str:
    """Which whole artifact ``target`` is: it opens, and every file matches its manifest."""
    art = Artifact.open(target)
    manifest = _manifest(art.path)
    for relative, digest in manifest["files"].items():
        assert hashlib.sha256((art.path / relative).read_bytes()).hexdigest() == digest, relative
    (name,) = [n for n, folder in artifacts.items() if _manifest(folder) == manifest]
    return name


def _leftovers(target: Path) -> list[str]:
    versions = versions_dir(target)
    inside = [p.name for p in versions.iterdir() if not VERSION_NAME.match(p.name) and p.name != ".lock"]
    beside = [p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]
    return sorted(inside + beside)


def _child(target: Path, source: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHILD), str(target), str(source), str(kill_at), "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def _place(target: Path, scenario: str, artifacts: dict[str, Path]) -> None:
    """DIR before the child runs: missing, the old layout (a real folder with A), or versioned with A current."""
    if scenario == "old-layout":
        shutil.copytree(artifacts["A"], target)
    elif scenario == "versioned":
        with atomic_directory(target) as staging:
            shutil.copytree(artifacts["A"], staging, dirs_exist_ok=True)


def _then_build_again(target: Path, artifacts: dict[str, Path]) -> None:
    """A following build finishes, makes B current and removes what the killed one left."""
    with atomic_directory(target, keep=2) as staging:
        shutil.copytree(artifacts["B"], staging, dirs_exist_ok=True)
    assert _manifest(target) == _manifest(artifacts["B"])
    assert _leftovers(target) == []
    assert len([p for p in versions_dir(target).iterdir() if VERSION_NAME.match(p.name)]) <= 2


@pytest.mark.parametrize("scenario", ["first-build", "old-layout", "versioned"])
def test_kill_at_every_step(tmp_path, artifacts, scenario):
    steps = int(_child(tmp_path / "count" / "out", artifacts["B"], 0).stdout)
    assert steps > 15  # the copy, fsync of every file and folder, renames, the switch
    seen = set()
    for k in range(1, steps + 1):
        target = tmp_path / f"k{k}" / "out"
        target.parent.mkdir()
        _place(target, scenario, artifacts)
        result = _child(target, artifacts["B"], k)
        assert result.returncode in (-signal.SIGKILL, 0), result.stderr
        if scenario == "first-build" and not target.exists():
            assert result.returncode == -signal.SIGKILL  # killed before the first version was made current
        else:
            seen.add(_which(target, artifacts))
        _then_build_again(target, artifacts)
        shutil.rmtree(target.parent)
    assert seen == ({"B"} if scenario == "first-build" else {"A", "B"})


def test_kill_at_random_moments(tmp_path, artifacts):
    rng = random.Random(12)
    target = tmp_path / "out"
    _place(target, "versioned", artifacts)
    start = time.perf_counter()
    assert _child(tmp_path / "probe" / "out", artifacts["B"], 0).returncode == 0
    duration = time.perf_counter() - start
    for turn in range(30):
        source = artifacts["B" if turn % 2 == 0 else "A"]
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(target), str(source), "0", "2"],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            stdout=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert _which(target, artifacts) in ("A", "B")
    _then_build_again(target, artifacts)


def test_atlas_build_killed_after_random_delays(tmp_path, artifacts):
    """The real command, killed by the clock; the sources of A and of B take turns."""
    rng = random.Random(7)
    target = tmp_path / "out"
    sources = {}
    for name, values in (("A", VALUES), ("B", VALUES.replace("1200", "1500"))):
        (tmp_path / f"src-{name}").mkdir()
        sources[name] = _sources(tmp_path / f"src-{name}", values)
    command = [sys.executable, "-c", "from atlas.cli import main; main()", "build", "--out", str(target), "--sources"]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    start = time.perf_counter()
    subprocess.run([*command, str(sources["A"])], check=True, cwd=ROOT, env=env, capture_output=True)
    duration = time.perf_counter() - start
    for turn in range(3):
        name = "B" if turn % 2 == 0 else "A"
        child = subprocess.Popen([*command, str(sources[name])], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.6, 1.05) * duration)
        child.send_signal(signal.SIGKILL)
        child.wait()
        art = Artifact.open(target)  # whole: A's or B's values
        assert art.values[(art.values.indicator == "inwoners") & (art.values.code == "BU01930101")].value.iloc[0] in (
            1200,
            1500,
        )
    subprocess.run([*command, str(sources["B"])], check=True, cwd=ROOT, env=env, capture_output=True)
    assert _leftovers(target) == []
