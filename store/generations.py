"""Atomic rebuilds: every build writes a fresh generation folder and publishes it with one rename.

    DATA/current -> generations/<id>      (a symlink, replaced atomically)
    DATA/generations/<id>/{store,index,records,manifest.json}
    DATA/build.lock                       (one build at a time)

A build that fails or is killed never touches `current`, so readers (the CLI, a running server) keep
answering from the previous generation; a reader that opened an old generation keeps its files until
the next build's clean-up, which spares the two newest generations.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class BuildLockedError(RuntimeError):
    """Another build holds the lock on this data folder."""


class Generations:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.root = data_dir / "generations"
        self.link = data_dir / "current"

    def current(self) -> Path | None:
        """The published generation, or None before the first successful build."""
        if not self.link.is_symlink():
            return None
        target = (self.data_dir / os.readlink(self.link)).resolve()
        return target if (target / "manifest.json").exists() else None

    def manifest(self) -> dict[str, Any] | None:
        current = self.current()
        if current is None:
            return None
        return json.loads((current / "manifest.json").read_text(encoding="utf-8"))

    def new(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        path = self.root / f"{stamp}-{os.getpid()}-{time.monotonic_ns() % 100000:05d}"
        path.mkdir()
        return path

    def publish(self, generation: Path, manifest: dict[str, Any]) -> None:
        """Write the manifest last, then swap the symlink in one rename."""
        tmp = generation / "manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, generation / "manifest.json")
        staging = self.data_dir / f".current.{os.getpid()}"
        if staging.is_symlink() or staging.exists():
            staging.unlink()
        os.symlink(os.path.relpath(generation, self.data_dir), staging)
        os.replace(staging, self.link)

    def collect_garbage(self, keep: int = 2) -> None:
        """Remove leftovers of builds that died and all but the `keep` newest published generations.

        Call it holding the lock: then no other build is writing, so an unpublished folder is dead.
        """
        if not self.root.exists():
            return
        current = self.current()
        published = sorted(
            (p for p in self.root.iterdir() if (p / "manifest.json").exists()), key=lambda p: p.name
        )
        keep_set = set(published[-keep:]) | ({current} if current else set())
        for path in self.root.iterdir():
            if path in keep_set or path.name.startswith("."):
                continue
            shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def lock(self) -> Iterator[None]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "build.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise BuildLockedError(f"another build is running on {self.data_dir}") from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
