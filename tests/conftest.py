"""Shared fixtures: a published portal built from the sample datasets, and a real server process."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PORTAL = [sys.executable, "-m", "portal"]
SHARED_SERVER_QUOTAS = {"anonymous_per_minute": 100_000, "anonymous_rows_per_day": 100_000_000,
                        "register_per_hour": 1000, "codes_per_hour": 1000}


@pytest.fixture(scope="session")
def sample_datasets(tmp_path_factory) -> Path:
    """A private copy of datasets/ (tests may not touch the committed samples)."""
    dest = tmp_path_factory.mktemp("samples") / "datasets"
    shutil.copytree(ROOT / "datasets", dest, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return dest


def _toml(v) -> str:
    return str(v).lower() if isinstance(v, bool) else repr(v) if isinstance(v, (int, float)) else f'"{v}"'


def write_config(dir: Path, datasets: Path, build: Path | None = None, **extra) -> Path:
    """A portal.toml for a test portal (state in dir; build in dir unless shared); dicts become [sections]."""
    lines = [f'datasets_dir = "{datasets}"', f'build_dir = "{build or dir / "build"}"', f'state_dir = "{dir / "state"}"']
    lines += [f"{k} = {_toml(v)}" for k, v in extra.items() if not isinstance(v, dict)]
    for section, values in extra.items():
        if isinstance(values, dict):
            lines += [f"[{section}]", *(f"{k} = {_toml(v)}" for k, v in values.items())]
    path = dir / "portal.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def on_shared_build(built_portal: Path, work: Path, **extra) -> Path:
    """A portal.toml in `work` (its own state) that serves the session's shared build of the samples."""
    base = built_portal.parent
    return write_config(work, base / "datasets", build=base / "build", **extra)


def run_portal(config: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*PORTAL, "--config", str(config), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"portal {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def built_portal(tmp_path_factory, sample_datasets) -> Path:
    """A portal.toml whose build/ holds a full build (publish + site) of the sample datasets."""
    work = tmp_path_factory.mktemp("portal")
    # The shared server answers many tests from one client IP: quotas have their own tests and servers.
    config = write_config(work, sample_datasets, quotas=SHARED_SERVER_QUOTAS)
    run_portal(config, "build")
    return config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real `portal serve` process on a free loopback port."""

    def __init__(self, config: Path):
        self.config, self.port = config, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = config.parent / f"server-{self.port}.log"
        self.proc = None

    def start(self) -> "Server":
        self.proc = subprocess.Popen([*PORTAL, "--config", str(self.config), "serve", "--port", str(self.port)],
                                     cwd=ROOT, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()}")
            try:
                httpx.get(self.url + "/", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("server did not start in 60 s")

    def stop(self, sig=None) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig) if sig else self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture(scope="session")
def server(built_portal):
    srv = Server(built_portal).start()
    yield srv
    srv.stop()
