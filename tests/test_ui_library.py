"""The web UI's side of the user's own articles: escaping, the upload/remove/read handlers, the conversation
kept in the browser and its export (tests/test_browser.py drives the same through Chromium)."""
from __future__ import annotations

import json
from pathlib import Path

from assistant.ui import render
from test_library import FAIR, LAB, assistant_at


# -- what the page shows: always escaped -----------------------------------------------------------

EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def test_article_text_and_titles_are_escaped_in_every_view():
    article = {"source": "evil<b>.txt", "title": EVIL, "text": f"{EVIL}\n正文{EVIL}。", "published": EVIL}
    shown = render.article_view(article, 0, 10)
    assert "<img" not in shown and "<script" not in shown and "&lt;script&gt;" in shown
    assert 'id="cited"' in shown
    rows = render.article_rows([{**article, "chunks": 1}])
    assert rows[0][0] == EVIL  # the table shows text: Gradio's Dataframe does not render it as HTML
    assert "<img" not in render.upload_summary([f"Not added: {EVIL}"])
    link = render.article_link('x"><script>.txt', 1, 2)
    assert '"' not in link and "<" not in link and render.parse_article_link(link) == ('x"><script>.txt', 1, 2)


def test_a_span_out_of_range_shows_the_article_without_a_mark():
    shown = render.article_view({"source": "a.txt", "title": "T", "text": "第一段。\n第二段。"}, 5, 999)
    assert "<mark" not in shown and shown.count("<p>") == 2


# -- the handlers ---------------------------------------------------------------------------------

def ready_handlers(assistant):
    from assistant.ui.app import Handlers, Warmup

    warmup = Warmup(assistant)
    warmup.done.set()  # no model to load for adding, removing or reading articles
    return Handlers(assistant, warmup, keep="KEEP")


def test_the_upload_handler_reports_each_step_and_each_file_and_refreshes_the_panel(tmp_path):
    assistant = assistant_at(tmp_path)
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK\x03\x04")
    states = list(ready_handlers(assistant).add_files([str(LAB), str(bad), str(FAIR), str(LAB)]))
    statuses = [s[0] for s in states if s[0] != "KEEP"]
    assert any("Embedding" in s for s in statuses)  # progress while it works
    final = statuses[-1]
    assert final.count("\n- ") == 3 and "Added “青溪市与奥卢大学共建智能传感联合实验室”" in final
    assert "Not added: notes.docx: unsupported file type .docx" in final
    assert "already indexed as qingxi_lab.html; nothing changed" in final
    panels = [s for s in states if s[2] != "KEEP"]
    assert "2 articles indexed" in panels[-1][1] and len(panels[-1][2]) == 2
    assert states[-1][4] is None  # the file box is emptied when done


def test_the_remove_and_read_handlers(tmp_path):
    assistant = assistant_at(tmp_path)
    assistant.add_article(LAB, "qingxi_lab.html")
    handlers = ready_handlers(assistant)
    text = assistant.article("qingxi_lab.html")["text"]
    start = text.index("联合实验室首批")
    shown, panel = handlers.open_article(render.article_link("qingxi_lab.html", start, start + 20))
    assert '<mark id="cited">联合实验室首批派驻研究人员45名' in shown and panel.open is True
    assert "&lt;img src=x" in shown and "<img" not in shown
    status, line, rows, _, reader = handlers.remove("qingxi_lab.html")
    assert "Removed qingxi_lab.html" in status and "0 articles indexed" in line and rows == [] and reader == ""
    shown, _ = handlers.open_article(render.article_link("qingxi_lab.html", 0, 5))
    assert "not an indexed article" in shown
    assert "Choose an article" in handlers.remove(None)[0]


def test_the_conversation_round_trips_through_browser_storage_and_exports_as_markdown():
    from assistant.ui.app import Handlers
    from assistant.types import Answer, Citation, Passage

    chat = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a [1]"}]
    saved = json.loads(json.dumps(Handlers.save(chat, [("user", "q"), ("assistant", "a [1]")], ["entry"])))
    assert Handlers.restore(saved) == (chat, [("user", "q"), ("assistant", "a [1]")], ["entry"])
    assert Handlers.restore({"chat": "junk", "history": [1]}) == ([], [], [])
    assert Handlers.restore(None) == ([], [], [])
    passage = Passage("c1", "a.txt", "标题", "瑞安建成了9家博士后工作站。", 1.0)
    answer = Answer("瑞安建成了9家博士后工作站[1]。", (Citation(1, "a.txt", "标题", "瑞安建成了9家博士后工作站。", "c1"),),
                    (passage,))
    entry = render.transcript_entry("瑞安建成了多少家博士后工作站?", answer)
    path = Handlers.export([entry, entry])
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("# News assistant: conversation") and text.count("**Q:** 瑞安建成了多少家博士后工作站?") == 2
    assert "\n- [1] 标题 (a.txt): \"瑞安建成了9家博士后工作站。\"" in text
    assert Handlers.export([]) is None
