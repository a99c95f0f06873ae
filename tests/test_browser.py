"""End to end in headless Chromium: `assistant serve` with the real bundled models over the seeds."""
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.bench.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
SOURCE = "001_b2cf538a030ad554.txt"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LAST_BOT = "#chat [data-testid='bot']"


def wait_for_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`assistant serve` exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"`assistant serve` did not answer on {url} in {seconds:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real CLI in its own process; it ingests the seeds into a fresh store while the page loads."""
    tmp = tmp_path_factory.mktemp("serve")
    port, log = free_port(), tmp / "serve.log"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))  # works without `pip install -e`
    env = {**os.environ, "ASSISTANT_STORE_DIR": str(tmp / "store"), "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)],
                                cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install -y chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def ask(page, question: str, timeout_s: float = 600, reading_shot: Path | None = None) -> list[str]:
    """Type the question, press Enter and return the answer's successive states until it is finished;
    reading_shot: where to save the page the first time it shows the sources being read."""
    before = page.locator(LAST_BOT).count()
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    states: list[str] = []
    idle = 0  # Gradio marks an event's outputs `.generating` until the handler's last yield
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        bots = page.locator(LAST_BOT)
        if bots.count() > before:
            text = bots.last.inner_text()
            if not states or states[-1] != text:
                states.append(text)
                if reading_shot and "Reading…" in text:
                    page.screenshot(path=str(reading_shot), full_page=True)
                    reading_shot = None
            idle = 0 if page.locator(".generating").count() else idle + 1
            if idle >= 3:
                return states
        page.wait_for_timeout(200)
    pytest.fail(f"no finished answer to {question!r} in {timeout_s:.0f} s; last states: {states[-3:]}")


def check_answer(page, states: list[str], expected: tuple[str, ...]) -> None:
    bot = page.locator(LAST_BOT).last
    final = bot.inner_text()
    assert "⚠" not in final, final
    answer_text = final.split("Sources")[0]
    assert any(e in answer_text for e in expected), final
    entry = bot.locator("#src-1-1")
    assert entry.count() == 1 and SOURCE in entry.inner_text(), final
    assert bot.locator("a.cite[href='#src-1-1']").count() >= 1
    assert bot.locator("#src-1-1 mark").count() == 1
    assert len(states) >= 2, states  # the answer was seen growing before its sources came
    # the sources being read were on screen before the answer was done, and gave way to what it cites
    assert any("Reading…" in s for s in states[:-1]) and "Reading…" not in final, states


def test_questions_in_chinese_and_english_are_answered_with_their_source(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(server, wait_until="load")  # never "networkidle": Gradio keeps a connection open
        page.locator("#question textarea").wait_for(timeout=60_000)
        page.screenshot(path=str(SHOTS / "01_first_load.png"))

        states = ask(page, "瑞安建成了多少家博士后工作站?", reading_shot=SHOTS / "02a_reading_zh.png")
        check_answer(page, states, ("9",))
        page.screenshot(path=str(SHOTS / "02_answer_zh.png"), full_page=True)

        page.locator("#new-chat").click()
        page.wait_for_function("document.querySelectorAll(\"#chat [data-testid='bot']\").length === 0")
        states = ask(page, "Which university signed a strategic cooperation project with the Rui'an city government?",
                     reading_shot=SHOTS / "03a_reading_en.png")
        check_answer(page, states, ("Kean", "肯恩"))
        page.screenshot(path=str(SHOTS / "03_answer_en.png"), full_page=True)

        # the cited article in full, in its own script (繁體), the cited span marked and in view
        page.locator(LAST_BOT).last.locator("#src-1-1 a.open-article").click()
        page.wait_for_function("document.querySelector('#article-view mark#cited') !== null", timeout=30_000)
        reader = page.locator("#article-view").inner_text()
        assert SOURCE in reader and len(reader) > 1000 and "瑞安" in reader  # the whole article, not a snippet
        page.wait_for_timeout(500)  # the page scrolls to the mark 150 ms after it is shown
        assert 0 <= page.locator("#article-view mark#cited").bounding_box()["y"] < 1000

        assert re.search(r"\b[1-9]\d* articles? indexed", page.locator("#status").inner_text())
        assert "瑞安" in page.locator("#articles").inner_text()  # the panel lists the articles by title
    except BaseException:
        page.screenshot(path=str(SHOTS / "99_failure.png"), full_page=True)
        raise
    finally:
        page.close()


UPLOADS = ROOT / "tests" / "fixtures" / "uploads"
LAB_QUESTION = "青溪市与奥卢大学共建的联合实验室首批派驻了多少名研究人员？"
EVIL_NAME = '<img src=x onerror="window.__xss=1">.txt'


def wait_ready(page) -> None:
    page.locator("#question textarea").wait_for(timeout=60_000)
    page.wait_for_function("document.querySelector('#status').innerText.includes('Ready')", timeout=600_000)


def no_script_ran(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#injected").count() == 0


def test_an_uploaded_article_is_answered_read_in_full_kept_over_a_reload_and_removed(server, browser, tmp_path):
    """Issue 18 end to end: upload an HTML news page (furniture, a script) and a PDF, plus a text file whose
    name and text are markup; ask what only the page answers; open the cited article; reload; export;
    remove the page; the same question is then refused."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    evil = tmp_path / EVIL_NAME
    evil.write_text("<script>window.__xss=2</script>青溪测试页面\n2026年6月1日，青溪市举行安全测试活动"
                    '<img src=x onerror="window.__xss=3">，参加者300名。', encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        page.goto(server, wait_until="load")
        wait_ready(page)
        page.locator("#manage").get_by_text("Add or remove articles").click()
        page.locator("#upload input[type=file]").set_input_files(
            [str(UPLOADS / "qingxi_lab.html"), str(UPLOADS / "qingxi_fair.pdf"), str(evil)])
        page.wait_for_function("(document.querySelector('#upload-status').innerText.match(/Added|Not added/g)"
                               " || []).length >= 3", timeout=300_000)
        status = page.locator("#upload-status").inner_text()
        assert status.count("Added") == 3 and "Not added" not in status, status
        evil_source = re.search(r" as (\S*onerror\S*\.txt):", status).group(1)
        assert re.fullmatch(r"[\w.\-()\[\]]+", evil_source), evil_source  # sanitised: no markup, no path
        panel = page.locator("#articles").inner_text()
        assert "青溪市与奥卢大学共建智能传感联合实验室" in panel and "青溪市举办科技合作对接会" in panel
        assert "<script>window.__xss=2</script>青溪测试页面" in panel  # shown as text, not run
        no_script_ran(page)
        page.screenshot(path=str(SHOTS / "04_uploaded.png"), full_page=True)

        ask(page, LAB_QUESTION)
        bot = page.locator(LAST_BOT).last
        final = bot.inner_text()
        assert "45" in final.split("Sources")[0] and "qingxi_lab.html" in bot.locator("#src-1-1").inner_text(), final
        page.screenshot(path=str(SHOTS / "05_answer_from_upload.png"), full_page=True)

        bot.locator("#src-1-1 a.open-article").click()
        page.wait_for_function("document.querySelector('#article-view mark#cited') !== null", timeout=30_000)
        reader = page.locator("#article-view")
        marked = "".join(reader.locator("mark").all_inner_texts())
        assert "首批派驻研究人员45名" in marked
        assert "周明远表示" in reader.inner_text() and "热门推荐" not in reader.inner_text()  # the whole, cleaned
        assert 'onerror="window.__xss=' in reader.inner_text()  # the page's own markup text, escaped
        page.wait_for_timeout(500)
        box = page.locator("#article-view mark#cited").bounding_box()
        assert box is not None and 0 <= box["y"] <= 1000, box  # scrolled into view
        no_script_ran(page)
        page.screenshot(path=str(SHOTS / "06_cited_article.png"), full_page=False)

        # the text file: opened through the same link a source carries
        page.evaluate("""() => { const a = document.createElement('a');
            a.href = '#article:' + encodeURIComponent(SOURCE) + ':0:0';
            a.textContent = 'open'; document.body.appendChild(a); a.click(); }""".replace("SOURCE", repr(evil_source)))
        page.wait_for_function("document.querySelector('#article-view').innerText.includes('参加者300名')",
                               timeout=30_000)
        no_script_ran(page)

        page.reload(wait_until="load")
        wait_ready(page)
        page.wait_for_function("document.querySelectorAll(\"#chat [data-testid='bot']\").length === 1", timeout=30_000)
        assert "45" in page.locator(LAST_BOT).last.inner_text()
        page.screenshot(path=str(SHOTS / "07_after_reload.png"), full_page=True)
        with page.expect_download(timeout=30_000) as download:
            page.locator("#export").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert f"**Q:** {LAB_QUESTION}" in exported and "- [1] " in exported and "qingxi_lab.html" in exported

        page.locator("#manage").get_by_text("Add or remove articles").click()
        page.locator("#remove-choice input").click()
        page.get_by_role("option").filter(has_text="qingxi_lab.html").first.click()
        page.locator("#remove").click()
        page.wait_for_function("document.querySelector('#upload-status').innerText.includes('Removed')",
                               timeout=60_000)
        assert "青溪市与奥卢大学共建智能传感联合实验室" not in page.locator("#articles").inner_text()
        ask(page, LAB_QUESTION)
        refused = page.locator(LAST_BOT).last.inner_text()
        assert "文章中没有找到这个问题的答案" in refused and "Sources" not in refused, refused
        page.screenshot(path=str(SHOTS / "08_removed_then_refused.png"), full_page=True)
    except BaseException:
        page.screenshot(path=str(SHOTS / "99_upload_failure.png"), full_page=True)
        raise
    finally:
        page.close()
