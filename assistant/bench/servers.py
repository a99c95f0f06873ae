"""Local Chroma and llama.cpp servers on 127.0.0.1, started and stopped by tests and benchmarks."""
from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

from ..errors import AssistantError

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now (closed again at once: also a 'server down' address)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def chroma_command(path: Path, port: int) -> list[str]:
    return [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path), "--host", HOST, "--port", str(port)]


def llama_command(gguf: Path, port: int, n_ctx: int = 4096, n_threads: int = 2) -> list[str]:
    return [sys.executable, "-m", "assistant.llm.server", "--model", str(gguf), "--host", HOST, "--port", str(port),
            "--n_ctx", str(n_ctx), "--n_threads", str(n_threads)]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def running(cmd: list[str], health_url: str, log: Path, timeout: float = 120.0) -> Iterator[subprocess.Popen]:
    """Start cmd, wait (at most timeout s) until health_url answers 200, stop it on exit."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(health_url):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                raise AssistantError(f"{cmd[0]} did not come up at {health_url} within {timeout:g} s:\n{tail}")
            time.sleep(0.25)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 15 s; only this process, which we started."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
