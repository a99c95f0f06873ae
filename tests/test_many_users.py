"""Many users on one machine, with a fake slow model: the queue shows places, a full queue turns questions away
at once, a cancelled or abandoned question frees the model, a per-user rate, and sign-in off loopback."""
from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import ValidationError
from gradio_client.utils import Status
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from assistant.bench.servers import free_port
from assistant.errors import AssistantError
from assistant.ui.app import Handlers, Warmup, launch
from assistant.ui.auth import Authenticator, check_password, hash_password, is_loopback, load_users
from reliability import ProbeModel, make
from test_ingest import cli_command, cli_env

QUESTION = "瑞安建成了多少家博士后工作站?"
LONG_REPLY = "瑞安已建成9家博士后工作站[1]。" * 12  # ~50 chunks of 4 characters


class SlowStream(ProbeModel):
    """Streams its reply one 4-character chunk per `pace` seconds and counts the chunks it produced."""

    pace: float = 0.1

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        answering = "Passages:" in str(messages[-1].content)  # not the warm-up's prefix calls
        for chunk in super()._stream(messages, stop, run_manager, **kwargs):
            time.sleep(self.pace)
            if answering:
                self._state["chunks"] = self._state.get("chunks", 0) + 1
            yield chunk

    @property
    def chunks(self) -> int:
        """Chunks of answers produced so far."""
        return self._state.get("chunks", 0)


def serve(seeded, embeddings, model, host="127.0.0.1", **settings):
    assistant = make(seeded, embeddings, model, **settings)
    port = free_port()
    app = launch(assistant, host=host, port=port, ingest=False, prevent_thread_lock=True, quiet=True)
    return app, f"http://127.0.0.1:{port}/"


def wait_for(predicate, seconds: float = 60.0, step: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


@pytest.fixture
def slow_app(seeded, embeddings):
    model = SlowStream(reply=LONG_REPLY, pace=0.05)
    app, url = serve(seeded, embeddings, model, queue_limit=2, rate_limit=0)
    Client(url, verbose=False).predict(QUESTION, api_name="/ask")  # warm-up done, one answer timed
    yield app, url, model
    app.close()


def test_waiting_users_see_their_place_in_the_queue_and_a_full_queue_turns_the_next_away_at_once(slow_app):
    app, url, model = slow_app
    clients = [Client(url, verbose=False) for _ in range(4)]
    first = clients[0].submit(QUESTION, api_name="/ask")
    wait_for(lambda: first.status().code in (Status.PROCESSING, Status.ITERATING))
    waiting = [c.submit(QUESTION, api_name="/ask") for c in clients[1:3]]
    ranks = wait_for(lambda: [j.status().rank for j in waiting if j.status().code == Status.IN_QUEUE and
                              j.status().rank is not None] if len(
        [j for j in waiting if j.status().code == Status.IN_QUEUE]) == 2 else None)
    assert sorted(ranks) == [0, 1]  # each waiting user knows their place (0: next)
    etas = [j.status().eta for j in waiting if j.status().code == Status.IN_QUEUE]
    assert etas and all(eta is not None and eta > 0 for eta in etas), etas  # and an estimate of the wait

    t0 = time.monotonic()
    with pytest.raises(ValidationError, match="busy: 2 questions are already waiting. Try again in a moment"):
        clients[3].predict(QUESTION, api_name="/ask")
    assert time.monotonic() - t0 < 3.0  # at once, not after the queue
    results = [job.result(timeout=120) for job in [first, *waiting]]
    assert all(r.startswith("瑞安已建成9家博士后工作站") for r in results), results
    assert model.max_inside == 1  # the local model answered one at a time


def test_a_cancelled_question_stops_generating_and_leaves_the_model_free(slow_app):
    app, url, model = slow_app
    client = Client(url, verbose=False)
    before = model.chunks
    job = client.submit(QUESTION, [], api_name="/respond_kept")
    wait_for(lambda: model.chunks >= before + 3)  # the answer is being streamed
    job.cancel()
    time.sleep(1.0)
    after_cancel = model.chunks
    time.sleep(1.0)
    assert model.chunks == after_cancel < before + 40  # generation stopped well before its ~50 chunks
    t0 = time.monotonic()
    text = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
    assert text.startswith("瑞安已建成9家博士后工作站") and time.monotonic() - t0 < 30  # the model was free


@pytest.mark.browser
def test_a_user_who_closes_the_tab_leaves_the_queue_and_their_generation_stops(slow_app):
    from test_browser import CHROMIUM, CHROMIUM_ARGS, SHOTS
    from playwright.sync_api import sync_playwright

    app, url, model = slow_app
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = [browser.new_page() for _ in range(2)]
        for page in pages:
            page.goto(url, wait_until="load")
            page.locator("#question textarea").wait_for(timeout=60_000)
        pages[0].locator("#question textarea").fill(QUESTION)
        before = model.chunks
        pages[0].locator("#question textarea").press("Enter")
        wait_for(lambda: model.chunks >= before + 3, 120)
        pages[1].locator("#question textarea").fill(QUESTION)
        pages[1].locator("#question textarea").press("Enter")
        shown = wait_for(lambda: re.search(r"queue: \d+/\d+", pages[1].locator("body").inner_text()), 30)
        assert shown.group(0) == "queue: 1/1"  # the second user sees their place in the queue
        SHOTS.mkdir(parents=True, exist_ok=True)
        pages[1].screenshot(path=str(SHOTS / "09_queue_position.png"), full_page=True)
        prompts_before = len(model.answer_calls())
        pages[1].close()  # leaves the queue before being served
        pages[0].close()  # abandons the answer being streamed
        time.sleep(2.0)
        stopped = model.chunks
        time.sleep(1.5)
        assert model.chunks == stopped < before + 45
        browser.close()
    time.sleep(1.0)
    assert len(model.answer_calls()) == prompts_before  # the closed tab's question was never answered
    text = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
    assert text.startswith("瑞安已建成9家博士后工作站")


def test_a_user_past_the_rate_limit_is_told_when_to_ask_again(seeded, embeddings):
    app, url = serve(seeded, embeddings, ProbeModel(), rate_limit=2)
    try:
        client = Client(url, verbose=False)
        for _ in range(2):
            assert client.predict(QUESTION, api_name="/ask").count("博士后工作站")
        with pytest.raises(ValidationError, match=r"You asked 2 questions in the last minute; the limit is 2\. "
                                                  r"Try again in \d+ s"):
            client.predict(QUESTION, api_name="/ask")
        assert Client(url, verbose=False).predict(QUESTION, api_name="/ask").count("博士后工作站")  # another user
    finally:
        app.close()


# -- sign-in ---------------------------------------------------------------------------------------

def test_passwords_are_kept_as_scrypt_hashes_only(tmp_path):
    digest = hash_password("correct horse")
    assert digest.startswith("scrypt$") and "correct horse" not in digest
    assert check_password("correct horse", digest) and not check_password("wrong horse!", digest)
    assert not check_password("x", "plain-text") and not check_password("x", "scrypt$1$2")
    with pytest.raises(AssistantError, match="shorter than 8"):
        hash_password("short")


def test_the_users_cli_stores_hashes_and_env_users_need_hashes(tmp_path):
    env = cli_env(tmp_path / "store")
    run = lambda *args, stdin="": subprocess.run([*cli_command(), "users", *args], env=env, input=stdin,
                                                 capture_output=True, text=True, timeout=120)
    assert run("add", "alice", "--admin", "--password-stdin", stdin="s3cret-pass\n").returncode == 0
    assert run("add", "bob", "--password-stdin", stdin="bob-pass-123\n").returncode == 0
    stored = (tmp_path / "store" / "users.json").read_text()
    assert "s3cret-pass" not in stored and "bob-pass-123" not in stored and stored.count("scrypt$") == 2
    assert oct((tmp_path / "store" / "users.json").stat().st_mode & 0o777) == "0o600"
    assert run("list").stdout.split() == ["alice", "admin", "bob", "user"]
    hashed = run("hash", "--password-stdin", stdin="carol-pass-1\n").stdout.strip()
    from assistant.config import Settings

    users = load_users(Settings(store_dir=tmp_path / "store", users=f"carol:{hashed}:admin"))
    assert users["carol"].role == "admin" and check_password("carol-pass-1", users["carol"].hash)
    with pytest.raises(AssistantError, match="plain passwords are not accepted"):
        load_users(Settings(store_dir=tmp_path / "none", users="carol:carol-pass-1"))


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("0.0.0.0", False), ("192.168.1.20", False), ("::", False)])
def test_loopback_is_told_from_other_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_serving_off_loopback_without_users_refuses_to_start_and_says_how(seeded, embeddings, tmp_path):
    assistant = make(seeded, embeddings, ProbeModel(), users_file=tmp_path / "none.json")
    with pytest.raises(AssistantError, match=r"Refusing to serve on 0\.0\.0\.0 without sign-in.*assistant users "
                                             r"add NAME --admin.*ASSISTANT_USERS"):
        launch(assistant, host="0.0.0.0", port=free_port(), ingest=False, prevent_thread_lock=True, quiet=True)
    done = subprocess.run([*cli_command(), "serve", "--host", "0.0.0.0", "--port", str(free_port())],
                          env=cli_env(tmp_path / "store"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Refusing to serve on 0.0.0.0 without sign-in" in done.stderr


@pytest.fixture
def signed_in_app(seeded, embeddings, tmp_path):
    users = f"alice:{hash_password('alice-pass-1')}:admin;bob:{hash_password('bob-pass-12')}"
    model = ProbeModel()
    shutil.copytree(seeded.store_dir, tmp_path / "store")  # this test adds an article: not to the shared store
    app, url = serve(seeded, embeddings, model, host="0.0.0.0", users=users, rate_limit=0,
                     store_dir=tmp_path / "store")
    yield app, url, seeded.model_copy(update={"users": users})
    app.close()


def test_every_route_needs_sign_in_off_loopback(signed_in_app):
    app, url, _ = signed_in_app
    api = url + "gradio_api/"
    with httpx.Client(timeout=30, follow_redirects=False) as http:
        page = http.get(url)
        assert page.status_code == 401 and '"auth_required":true' in page.text.replace(" ", "")  # the sign-in form
        assert "Indexed articles" not in page.text and "瑞安" not in page.text  # and nothing of the app
        denied = {
            "config": http.get(url + "config").status_code,
            "info": http.get(api + "info").status_code,
            "join": http.post(api + "queue/join", json={"data": [QUESTION], "fn_index": 0,
                                                        "session_hash": "x"}).status_code,
            "ask": http.post(api + "call/ask", json={"data": [QUESTION]}).status_code,
            "upload": http.post(api + "upload", files={"files": ("a.txt", b"x")}).status_code,
            "file": http.get(api + "file=/etc/hostname").status_code,
        }
        assert all(code in (401, 403) for code in denied.values()), denied
        login = http.post(url + "login", data={"username": "bob", "password": "wrong-pass"})
        assert login.status_code in (400, 401)
        login = http.post(url + "login", data={"username": "bob", "password": "bob-pass-12"})
        assert login.status_code == 200, login.text
        assert http.get(url + "config").status_code == 200
        assert http.get(url).status_code == 200 and "Indexed articles" in http.get(url).text


def test_only_admins_may_add_or_remove_articles(signed_in_app, tmp_path):
    app, url, settings = signed_in_app
    article = tmp_path / "note.txt"
    article.write_text("青溪测试\n2026年1月1日，青溪市举行测试活动，参加者300名。", encoding="utf-8")
    from gradio_client import handle_file

    bob = Client(url, auth=("bob", "bob-pass-12"), verbose=False)
    said = bob.predict([handle_file(str(article))], api_name="/add_articles")
    assert "Only administrators can add or remove articles" in said[0]
    alice = Client(url, auth=("alice", "alice-pass-1"), verbose=False)
    said = alice.predict([handle_file(str(article))], api_name="/add_articles")
    assert "Added “青溪测试” as note.txt" in said[0]
    assert alice.predict(QUESTION, api_name="/ask").count("博士后工作站")  # and questions work signed in

    handlers = Handlers(None, Warmup(None), keep="KEEP", auth=Authenticator(settings))
    assert handlers.may_manage(SimpleNamespace(username="alice")) is True
    assert handlers.may_manage(SimpleNamespace(username="bob")) is False
    assert handlers.remove("note.txt", SimpleNamespace(username="bob"))[0].endswith(
        "Only administrators can add or remove articles; sign in as one (`assistant users add NAME --admin`).")



@pytest.mark.browser
def test_a_question_turned_away_as_busy_says_so_on_the_page_and_keeps_the_question(seeded, embeddings):
    from test_browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    app, url = serve(seeded, embeddings, ProbeModel(), queue_limit=0)  # every question finds the queue full
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url, wait_until="load")
            page.locator("#question textarea").wait_for(timeout=60_000)
            page.locator("#question textarea").fill(QUESTION)
            page.locator("#question textarea").press("Enter")
            page.get_by_text("The assistant is busy").wait_for(timeout=10_000)
            assert "Try again in a moment" in page.locator("body").inner_text()
            assert page.locator("#question textarea").input_value() == QUESTION  # nothing lost
            assert page.locator("#chat [data-testid='bot']").count() == 0
            browser.close()
    finally:
        app.close()


def test_an_endpoint_with_concurrency_2_answers_two_at_once_and_queues_the_third(seeded, embeddings):
    """ASSISTANT_CONCURRENCY applies to an OpenAI-compatible endpoint (the URL only selects the setting
    here; the slow fake model stands in for the server)."""
    model = SlowStream(reply=LONG_REPLY, pace=0.05)
    app, url = serve(seeded, embeddings, model, llm_base_url="http://127.0.0.1:9/v1", concurrency=2,
                     queue_limit=5, rate_limit=0)
    try:
        Client(url, verbose=False).predict(QUESTION, api_name="/ask")  # warm-up done
        jobs = [Client(url, verbose=False).submit(QUESTION, api_name="/ask") for _ in range(3)]
        running = (Status.PROCESSING, Status.ITERATING, Status.PROGRESS)

        def two_running_one_waiting():
            codes = [j.status().code for j in jobs]
            return sum(c in running for c in codes) == 2 and codes.count(Status.IN_QUEUE) == 1

        wait_for(two_running_one_waiting, 60)
        assert all(j.result(timeout=120).count("博士后工作站") for j in jobs)
    finally:
        app.close()
    assert make(seeded, embeddings, model, concurrency=4).settings.answer_concurrency == 1  # local model: 1


def test_the_load_pool_reads_the_eval_files_standalone_questions(tmp_path):
    """The eval files key their questions "q"; follow-ups need their conversation and are left out."""
    from assistant.bench.load import question_pool
    from assistant.ui.render import EXAMPLES

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text('{"q": "问题一?", "history": []}\n{"q": "那个呢?", "history": [["user", "x"], ["assistant", "y"]]}\n',
                 encoding="utf-8")
    b.write_text('{"question": "Question two?"}\n', encoding="utf-8")
    assert question_pool([a, b]) == ["问题一?", "Question two?"]
    assert question_pool([tmp_path / "missing.jsonl"]) == list(EXAMPLES)
