"""atlas.atomic: versions beside DIR, DIR a relative symlink switched by one os.replace, fsync, keep, cleanup."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import atlas.atomic
from atlas.atomic import VERSION_NAME, atomic_directory, hold, is_version, versions_dir
from atlas.errors import InputError


def _write(target: Path, text: str, **options) -> Path:
    with atomic_directory(target, **options) as staging:
        (staging / "sub").mkdir()
        (staging / "manifest.json").write_text(text)
        (staging / "sub" / "data.txt").write_text(text * 3)
    return target.resolve()


def _versions(target: Path) -> list[str]:
    return sorted(p.name for p in versions_dir(target).iterdir() if not p.name.startswith("."))


def _hidden(target: Path) -> list[str]:
    """What is left besides the versions and the lock: staging, half-removed versions, switch links."""
    inside = [p.name for p in versions_dir(target).iterdir() if p.name.startswith(".") and p.name != ".lock"]
    beside = [p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]
    return sorted(inside + beside)


def test_dir_is_a_relative_symlink_to_a_version(tmp_path):
    target = tmp_path / "out"
    version = _write(target, "A")
    assert target.is_symlink()
    link = str(target.readlink())
    assert not Path(link).is_absolute() and link == f"out.versions/{version.name}"
    assert VERSION_NAME.match(version.name) and is_version(version)
    assert (target / "manifest.json").read_text() == "A" and (target / "sub" / "data.txt").read_text() == "AAA"
    assert _hidden(target) == []
    moved = tmp_path / "elsewhere"
    shutil.copytree(tmp_path, moved / "copy", symlinks=True)  # the folder moves as a whole
    assert (moved / "copy" / "out" / "manifest.json").read_text() == "A"


def test_a_new_version_replaces_the_link_and_old_ones_are_kept_up_to_keep(tmp_path):
    target = tmp_path / "out"
    first = _write(target, "A", keep=2)
    second = _write(target, "B", keep=2)
    assert second != first and _versions(target) == sorted([first.name, second.name])
    assert (target / "manifest.json").read_text() == "B"
    third = _write(target, "C", keep=2)
    assert _versions(target) == sorted([second.name, third.name])
    _write(target, "D", keep=1)
    assert _versions(target) == [target.resolve().name] and (target / "manifest.json").read_text() == "D"
    with pytest.raises(ValueError, match="keep"):
        _write(target, "E", keep=0)


def test_a_version_a_reader_holds_is_not_removed(tmp_path):
    target = tmp_path / "out"
    old = _write(target, "A")
    held = hold(old)
    assert held is not None
    for text in "BCDE":
        _write(target, text, keep=1)
    assert old.is_dir() and (old / "manifest.json").read_text() == "A"
    held.release()
    _write(target, "F", keep=1)
    assert not old.exists() and _versions(target) == [target.resolve().name]


def test_the_version_is_named_by_the_digest_file(tmp_path):
    one = _write(tmp_path / "one", "same", digest_file="manifest.json")
    with atomic_directory(tmp_path / "two", digest_file="manifest.json") as staging:
        (staging / "manifest.json").write_text("same")
    assert one.name.split("-", 1)[1] == (tmp_path / "two").resolve().name.split("-", 1)[1]


def test_a_failure_leaves_dir_and_no_staging(tmp_path):
    target = tmp_path / "out"
    before = _write(target, "A")
    with pytest.raises(RuntimeError), atomic_directory(target) as staging:
        (staging / "manifest.json").write_text("half")
        raise RuntimeError("stop")
    assert target.resolve() == before and (target / "manifest.json").read_text() == "A"
    assert _versions(target) == [before.name] and _hidden(target) == []


def test_a_file_at_dir_is_refused(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(InputError, match="not a directory"), atomic_directory(tmp_path / "out"):
        pass


def test_files_and_folders_are_fsynced_before_the_switch_and_the_parent_after(tmp_path, monkeypatch):
    events: list[tuple[str, Path]] = []
    fsync, switch = atlas.atomic._fsync, atlas.atomic._switch

    def record_fsync(path: Path, *, directory: bool = False) -> None:
        events.append(("fsync", Path(path)))
        fsync(path, directory=directory)

    def record_switch(target: Path, version: Path, digest_file: str | None) -> None:
        events.append(("switch", version))
        switch(target, version, digest_file)

    monkeypatch.setattr(atlas.atomic, "_fsync", record_fsync)
    monkeypatch.setattr(atlas.atomic, "_switch", record_switch)
    target = tmp_path / "out"
    version = _write(target, "A")
    at = events.index(("switch", version))
    synced = {path for kind, path in events[:at] if kind == "fsync"}
    staging = {p for p in synced if p.name.startswith(".staging-")}
    assert len(staging) == 1
    (root,) = staging
    assert {p.relative_to(root).as_posix() for p in synced if p.is_relative_to(root)} == {
        ".",
        "sub",
        "manifest.json",
        "sub/data.txt",
    }
    assert versions_dir(target) in synced  # the rename of the folder to its version name
    assert ("fsync", tmp_path) in events[at:]  # the new link


def _legacy_artifact(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "manifest.json").write_text(text)
    return folder


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "without-exchange"])
def test_an_old_layout_directory_becomes_a_version(tmp_path, monkeypatch, exchange):
    target = _legacy_artifact(tmp_path / "out", "OLD")
    if not exchange:
        monkeypatch.setattr(atlas.atomic, "_exchange", lambda a, b: False)
    new = _write(target, "NEW")
    assert target.is_symlink() and target.resolve() == new
    assert (target / "manifest.json").read_text() == "NEW"
    (old,) = [versions_dir(target) / n for n in _versions(target) if n != new.name]
    assert (old / "manifest.json").read_text() == "OLD" and is_version(old)
    assert _hidden(target) == []


def test_exchange_keeps_dir_present(tmp_path):
    """renameat2(RENAME_EXCHANGE) swaps a directory and a symlink in one step (where the kernel supports it)."""
    directory = _legacy_artifact(tmp_path / "out", "OLD")
    (tmp_path / "new").mkdir()
    link = tmp_path / "link"
    link.symlink_to("new")
    if not atlas.atomic._exchange(link, directory):
        pytest.skip("this kernel or file system cannot exchange names")
    assert directory.is_symlink() and str(directory.readlink()) == "new"
    assert (link / "manifest.json").read_text() == "OLD" and not link.is_symlink()


def test_leftovers_of_the_rename_scheme_are_cleaned(tmp_path):
    target = _legacy_artifact(tmp_path / "out", "CURRENT")
    _legacy_artifact(tmp_path / ".out.new-abc123", "HALF")
    _legacy_artifact(tmp_path / ".out.old-def456", "PREVIOUS")
    (tmp_path / ".out.switch-0000").symlink_to("out.versions/nothing")
    _legacy_artifact(tmp_path / ".other.new-abc123", "NOT OURS")
    past = time.time() - 60
    for name in (".out.new-abc123", ".out.old-def456", ".other.new-abc123"):
        os.utime(tmp_path / name, (past, past))
    os.utime(tmp_path / ".out.switch-0000", (past, past), follow_symlinks=False)
    _write(target, "NEW")
    texts = sorted((versions_dir(target) / n / "manifest.json").read_text() for n in _versions(target))
    assert texts == ["CURRENT", "NEW", "PREVIOUS"]
    assert _hidden(target) == [] and (tmp_path / ".other.new-abc123").is_dir()


def test_leftovers_newer_than_the_build_are_left_alone(tmp_path):
    target = tmp_path / "out"
    _write(target, "A")
    _legacy_artifact(tmp_path / ".out.new-running", "another build of the old scheme, still writing")
    future = time.time() + 60
    os.utime(tmp_path / ".out.new-running", (future, future))
    _write(target, "B")
    assert (tmp_path / ".out.new-running").is_dir()


def _staging(target: Path, name: str) -> tuple[Path, Path]:
    folder = versions_dir(target) / f".staging-{name}"
    folder.mkdir()
    (folder / "values.parquet").write_text("half")
    lock = folder.with_name(folder.name + ".lock")
    lock.touch()
    return folder, lock


def test_staging_of_a_dead_build_is_removed_and_of_a_running_one_kept(tmp_path):
    target = tmp_path / "out"
    _write(target, "A")
    dead, dead_lock = _staging(target, "1-dead")
    alive, alive_lock = _staging(target, "2-alive")
    lone_lock = versions_dir(target) / ".staging-3-gone.lock"
    lone_lock.touch()
    half_removed = versions_dir(target) / ".removing-20200101T000000.000000Z-000000000000"
    half_removed.mkdir()
    holder = subprocess.Popen(  # another process that holds the lock of its staging, as a running build does
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX);"
            " print('locked', flush=True); time.sleep(60)",
            str(alive_lock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        _write(target, "B")
        assert not dead.exists() and not dead_lock.exists() and not lone_lock.exists()
        assert not half_removed.exists()
        assert alive.is_dir() and alive_lock.exists()
    finally:
        holder.kill()
        holder.wait()
    _write(target, "C")
    assert _hidden(target) == []


def test_a_lock_on_the_version_blocks_removal_across_processes(tmp_path):
    target = tmp_path / "out"
    old = _write(target, "A")
    fd = os.open(old, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        _write(target, "B", keep=1)
        assert old.is_dir()
    finally:
        os.close(fd)
