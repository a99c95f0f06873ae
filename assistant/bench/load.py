"""`assistant bench load`: simulated users asking through the running app's own API (gradio_client threads).

Each user asks a question from the pool through /ask (the same queue, admission and answer path as the
chat), waits for the answer, thinks (exponential, mean --think seconds) and asks again until the time is
up; questions still in flight then finish. Wait = submitted → started (the queue), answer = started →
done, measured by the client from the queue's own status messages. A question turned away at once with
the busy message counts as rejected_busy; any other error, or an answer that is an error message,
as failed. Without --url the bench starts `assistant serve` itself (`serving`) and reads its RSS (with children).
"""
from __future__ import annotations

import contextlib
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .runs import read_jsonl

BUSY_MARK = "busy"  # in the admission message (ui/app.py BUSY): how a rejection is told from a failure
RATE_MARK = "questions in the last minute"


@dataclass
class Tally:
    answered: int = 0
    failed: int = 0
    rejected_busy: int = 0
    rejected_rate: int = 0
    uploads: int = 0
    waits: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, wait: float | None = None, answer: float | None = None, error: str = "") -> None:
        with self.lock:
            setattr(self, kind, getattr(self, kind) + 1)
            if wait is not None:
                self.waits.append(wait)
            if answer is not None:
                self.answers.append(answer)
            if error and len(self.errors) < 20:
                self.errors.append(error[:300])


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 2)


def question_pool(paths: list[Path]) -> list[str]:
    """Standalone questions from JSONL files (the eval's "q", or "question"; follow-ups, which need their
    conversation, left out), else the UI's examples. The eval files' key is "q": reading only "question"
    left the pool at the UI's handful of examples, and the load was mostly exact repeats."""
    rows = [r for path in paths if path.is_file() for r in read_jsonl(path) if not r.get("history")]
    pool = [q for r in rows if (q := r.get("q") or r.get("question"))]
    if pool:
        return pool
    from ..ui.render import EXAMPLES

    return list(EXAMPLES)


def _ask_once(client, question: str, tally: Tally) -> None:
    from gradio_client.exceptions import ValidationError
    from gradio_client.utils import Status

    t0 = time.monotonic()
    try:
        job = client.submit(question, api_name="/ask")
        started = None
        while not job.done():
            if started is None and job.status().code in (Status.PROCESSING, Status.ITERATING, Status.PROGRESS):
                started = time.monotonic()
            time.sleep(0.05)
        result = job.result()
    except ValidationError as exc:  # turned away at once, before queueing
        text = str(exc)
        kind = "rejected_busy" if BUSY_MARK in text else "rejected_rate" if RATE_MARK in text else "failed"
        tally.add(kind, error="" if kind != "failed" else text)
        return
    except Exception as exc:  # noqa: BLE001 - any other error is a failure the bench reports
        tally.add("failed", error=f"{type(exc).__name__}: {exc}")
        return
    done = time.monotonic()
    started = started or done
    text = result[0] if isinstance(result, (list, tuple)) else str(result)
    if str(text).startswith("⚠️"):
        tally.add("failed", error=str(text))
    else:
        tally.add("answered", wait=started - t0, answer=done - started)


def _upload_once(client, tally: Tally, n: int) -> None:
    from gradio_client import handle_file

    folder = Path(tempfile.mkdtemp(prefix="load-upload-"))
    path = folder / f"load_article_{n}.txt"
    path.write_text(f"负载测试文章{n}\n2026年1月{1 + n % 28}日，测试市举行第{n}次负载测试活动，参加者{100 + n}名。",
                    encoding="utf-8")
    try:
        client.predict([handle_file(str(path))], api_name="/add_articles")
        tally.add("uploads")
    except Exception as exc:  # noqa: BLE001
        tally.add("failed", error=f"upload: {type(exc).__name__}: {exc}")


def run_load(url: str, users: int, seconds: float, questions: list[str], think_s: float = 5.0,
             upload_every_s: float = 0.0, auth: tuple[str, str] | None = None, seed: int = 0,
             rss=None, progress: bool = True) -> dict:
    from gradio_client import Client

    rng = random.Random(seed)
    tally = Tally()
    deadline = time.monotonic() + seconds
    rss_start = rss() if rss else None
    clients = [Client(url, auth=auth, verbose=False) for _ in range(users)]

    def user(i: int) -> None:
        local = random.Random(rng.random())
        time.sleep(local.uniform(0, min(think_s, 5.0)))  # users do not all arrive in the same instant
        last_upload, n = time.monotonic(), 0
        while time.monotonic() < deadline:
            if i == 0 and upload_every_s and time.monotonic() - last_upload >= upload_every_s:
                n += 1
                _upload_once(clients[i], tally, n)
                last_upload = time.monotonic()
            _ask_once(clients[i], local.choice(questions), tally)
            time.sleep(min(local.expovariate(1 / think_s) if think_s else 0, max(0, deadline - time.monotonic())))

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        time.sleep(5)
        if progress:
            print(f"  {time.monotonic() - deadline + seconds:5.0f} s: answered {tally.answered}, "
                  f"rejected busy {tally.rejected_busy}, failed {tally.failed}", file=sys.stderr, flush=True)
    for c in clients:
        try:
            c.close()
        except Exception:  # noqa: BLE001
            pass
    return {
        "users": users, "seconds": seconds, "answered": tally.answered, "failed": tally.failed,
        "rejected_busy": tally.rejected_busy, "rejected_rate": tally.rejected_rate, "uploads": tally.uploads,
        "wait_p50_s": _pct(tally.waits, 50), "wait_p95_s": _pct(tally.waits, 95),
        "answer_p50_s": _pct(tally.answers, 50), "answer_p95_s": _pct(tally.answers, 95),
        "rss_start_mb": rss_start, "rss_end_mb": rss() if rss else None, "errors": tally.errors,
    }


def rss_of(pid: int):
    """A callable giving the process's RSS with its children, in MB."""
    import psutil

    def measure() -> float:
        proc = psutil.Process(pid)
        total = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
        return round(total / 1e6, 1)

    return measure


@contextlib.contextmanager
def serving(log: Path | None = None) -> Iterator[tuple[str, int]]:
    """`assistant serve` on a free loopback port in its own process, warm (models loaded by one question):
    yields (url, pid), stops it on exit."""
    from gradio_client import Client

    from .servers import free_port, running

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = log or Path(tempfile.mkdtemp(prefix="load-serve-")) / "serve.log"
    with running([sys.executable, "-m", "assistant", "serve", "--port", str(port)], url, log, timeout=600) as proc:
        Client(url, verbose=False).predict("瑞安建成了多少家博士后工作站?", api_name="/ask")
        yield url, proc.pid
