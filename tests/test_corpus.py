"""Reading, cleaning and metadata on the real seed articles."""
from __future__ import annotations

import importlib.util
import json
import random
import re
import shutil
from pathlib import Path

import pytest

from assistant.corpus.cleaning import clean_text, clean_with_stats
from assistant.config import PROJECT_ROOT
from assistant.corpus.reader import article_hash, cleaning_report, iter_article_paths, load_articles, read_article
from assistant.errors import InputError

SEEDS = PROJECT_ROOT / "seeds"
FIXTURES = Path(__file__).parent / "fixtures"
EVAL = PROJECT_ROOT.parent / "shared" / "eval"
S0, S1, S2, S3, S4 = sorted(p.name for p in SEEDS.glob("*.txt"))


def seed_raw(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def articles():
    found, warnings = load_articles(SEEDS)
    assert warnings == []
    return {a.source: a for a in found}


def test_pinyin_glosses_all_found_and_removed():
    report = {row["source"]: row for row in cleaning_report(SEEDS)}
    assert report[S1]["pinyin_found"] == 215
    assert all(row["pinyin_left"] == 0 for row in report.values())
    assert all(row["pinyin_found"] == 0 for name, row in report.items() if name != S1)


def test_no_tone_marks_survive_in_001(articles):
    assert not re.search("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", articles[S1].text)
    assert "網溫州" in articles[S1].text and "科學家峰會" in articles[S1].text


def test_pinyin_inside_ordinary_parentheses():
    assert clean_text("試點縣(市、區(qū))。") == "試點縣(市、區)。"
    assert clean_text("網(wǎng)與橋(qiáo liáng)。") == "網與橋。"
    assert clean_text("西安（Xī'ān）的網（wǎng）。") == "西安的網。"
    assert clean_text("瑞安(Rui'an)和(Sensitec Gmbh)。") == "瑞安(Rui'an)和(Sensitec Gmbh)。"  # no tone mark


def test_question_mark_before_rare_words_is_not_mojibake():
    text = "这是问题吗?鳄鱼皮鞋很贵。"
    cleaned, stats = clean_with_stats(text)
    assert cleaned == text
    assert (stats.mojibake_repaired, stats.mojibake_suspect) == (0, ["?鳄鱼皮鞋很贵。"])


@pytest.mark.parametrize("name, kept", [
    (S1, "(記者 范宇斌)"), (S1, "縣(市、區)"), (S1, "3萬臺(套)"), (S1, "國家(省級)"),
    (S3, "(Sensitec Gmbh)"), (S3, "(UnternehmerTUM)"), (S3, "(LABORATOIRE FEMMEILLEUR SAS)"),
    (S3, "無錫高新區(新吳區)"), (S0, "区县(市)"), (S2, "(简称国合大会)"),
])
def test_ordinary_parentheses_stay(articles, name, kept):
    assert kept in articles[name].text


@pytest.mark.parametrize("name, furniture", [
    (S0, "注册"), (S0, "好文"), (S0, "钦佩"), (S0, "喜欢"), (S0, "泪奔"), (S0, "可爱"), (S0, "思考"),
    (S0, "热点推荐"), (S0, "热点聚焦"), (S0, "凤凰新闻 天天有料"), (S0, "分享到:"), (S0, "[责任编辑:王秀秀]"),
    (S0, "来源:凤凰网宁波综合"), (S3, "文字大小"), (S3, "瀏覽次數"), (S3, "發布時間"), (S3, "來源:無錫日報"),
    (S4, "分かち合う"), (S4, "图片关键词"), (S4, "Powered by"), (S4, "admin"),
])
def test_page_furniture_removed(articles, name, furniture):
    text = articles[name].text
    assert furniture not in text.split("\n")
    assert furniture not in text or len(furniture) <= 2  # two-character words may occur in prose


def test_duplicated_lead_collapsed(articles):
    text = articles[S0].text
    assert text.count("5月20日,2019中芬合作平台高层会谈及项目对接会在宁波市南苑饭店举行。") == 1
    assert "副总领事任爱丽女士任爱丽,芬兰乌尔维拉市长尤卡·莫拉讷恩" in text


@pytest.mark.parametrize("gone", ["過敏", "白銀期貨", "關鍵詞", "切爾西", "佛山", "五一", "音樂類院校"])
def test_unrelated_tail_headlines_removed(articles, gone):
    assert gone not in articles[S1].text


def test_tail_ends_at_article_end(articles):
    assert articles[S1].text.endswith("人才資源總量連續三年居溫州第一。")
    assert articles[S2].text.endswith("兰溪浙江欣旺达电子有限公司供图")
    assert articles[S3].text.endswith("不斷增強高新區發展的內生動力。")
    assert articles[S4].text.endswith("指導者がイベントに参加した。")


def test_mojibake_run_recovered_or_dropped(articles):
    text = articles[S1].text
    assert not re.search("[蹦壳埃扔钤菏繄]", text)
    # The run re-decodes as GBK read one byte out of step: 目前 … 院士團 come back; "，谷" was lost.
    assert "是我首選之地”目前宇院士團隊已簽約智能傳感器研究院項目并入駐東新科創園" in text


def test_paragraphs_split_by_layout_rejoined(articles):
    text = articles[S2].text
    assert "实施关键核心技术攻坚突破行动。建设产教融合、科教融汇的创新联合体50个" in text
    assert "在大会现场展示,开展对接洽商。" in text
    assert "亮点纷呈\n首届国合大会有哪些新意?" in text  # headings stay lines of their own


@pytest.mark.parametrize("name", [S0, S1, S2, S3, S4])
def test_every_article_sentence_kept(name):
    """Each sentence of every line not removed as furniture survives cleaning verbatim."""
    raw = re.sub(r"(?<=[\u4e00-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]+\)", "", seed_raw(name))
    text, stats = clean_with_stats(raw)
    kept = [line.strip() for line in raw.split("\n") if line.strip() and line.strip() not in stats.removed]
    assert len(kept) >= 8
    for line in kept:
        for sentence in re.split(r"(?<=[。！？])", line):
            if sentence and "?!" not in sentence:  # the mojibake sentence is tested on its own
                assert sentence in text


def test_cleaning_is_idempotent(articles):
    for article in articles.values():
        assert clean_text(article.text) == article.text


def test_cleaning_report_rows():
    rows = {row["source"]: row for row in cleaning_report(SEEDS)}
    assert set(rows) == {S0, S1, S2, S3, S4}
    for row in rows.values():
        assert row["chars_after"] < row["chars_before"]
        assert row["lines_removed"] == len(row["removed"])
    assert (rows[S1]["mojibake_repaired"], rows[S1]["mojibake_suspect"]) == (1, [])
    assert rows[S1]["lines_removed"] == 19  # the keyword line and 18 headline teasers
    assert "[责任编辑:王秀秀]" in rows[S0]["removed"]


def _load_scorer():
    path = EVAL / "score.py"
    if not path.exists():
        pytest.skip("../shared/eval is not beside the project")
    spec = importlib.util.spec_from_file_location("shared_eval_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dev_questions():
    path = EVAL / "dev_qa.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("item", [q for q in _dev_questions() if q["docs"] and q["all"]], ids=lambda q: q["id"])
def test_dev_answers_survive_cleaning(articles, item):
    """Every fact the dev questions ask for is still in the cleaned gold article(s), as the scorer matches."""
    scorer = _load_scorer()
    gold = "\n".join(articles[name].text for name in item["docs"])
    for group in item["all"]:
        assert scorer.matches(gold, [group]), group


@pytest.mark.parametrize("item", [q for q in _dev_questions() if q["docs"] and q["all"]], ids=lambda q: q["id"])
def test_dev_answers_stand_whole_in_one_stored_chunk(articles, item):
    """...and each stands whole inside one chunk as ingest cuts it (default sizes), not split by a boundary."""
    from assistant.corpus.chunking import chunk_article
    from assistant.config import Settings

    scorer = _load_scorer()
    settings = Settings()
    chunks = [c.text for name in item["docs"]
              for c in chunk_article(articles[name], settings.chunk_size, settings.chunk_overlap)]
    for group in item["all"]:
        assert any(scorer.matches(text, [group]) for text in chunks), group


EXPECTED = {
    S0: dict(title="奋力开创科技创新与人才智力合作“升级加力”新局面 2019中芬合作平台高层会谈及项目对接会在甬举行",
             published="", event_dates=("2019-05-20",), place="宁波市南苑饭店", outlet="凤凰网宁波综合", lang="zh-Hans"),
    S1: dict(title="2021世界青年科學家峰會瑞安云江科創大會暨長三角汽車部件產業創新論壇在浙江溫州瑞安東新科創園舉行",
             published="2021-11-14", event_dates=("2021-11-14",), place="浙江溫州瑞安東新科創園", outlet="中新網",
             lang="zh-Hant"),
    S2: dict(title="首届国际科技开放合作大会(浙江)在金华开幕 续写创新篇章 共绘世界蓝图", published="",
             event_dates=(), place="金华", outlet="", lang="zh-Hans"),  # it states no year for its event
    S3: dict(title="無錫高新區黨工委委員、新吳區委常委、組織部部長韓楊率無錫高新區歐洲科技創新交流代表團一行出訪歐洲",
             published="2023-06-13", event_dates=("2023-06-02/2023-06-09",), place="法國、德國", outlet="無錫日報",
             lang="zh-Hant"),
    S4: dict(title="魯港科学技術革新協力交流会が上海協力機構モデル区で開催", published="2024-04-28",
             event_dates=("2024-03-25",), place="上海協力機構モデル区", outlet="", lang="ja"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_metadata_of_each_seed(articles, name):
    article = articles[name]
    got = {key: getattr(article, key) for key in EXPECTED[name]}
    assert got == EXPECTED[name]
    assert article.source == name and article.path == str(SEEDS / name)
    assert article.raw_chars == len(seed_raw(name))


def _encodable(text: str, encoding: str) -> str:
    """The text less the few characters the legacy encoding has no code for (e.g. 厅 in Shift-JIS)."""
    return "".join(c for c in text if _fits(c, encoding))


def _fits(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


@pytest.mark.parametrize("name, encoding", [
    (S0, "gb18030"), (S2, "gb18030"), (S0, "gbk"), (S3, "big5"), (S1, "big5"), (S4, "shift_jis"),
    (S4, "cp932"), (S4, "euc_jp"), (S0, "utf-16"), (S4, "utf-16"), (S1, "utf-8-sig"), (S3, "utf-8-sig"),
])
@pytest.mark.parametrize("length", [None, 300, 120])
def test_encodings_round_trip(tmp_path, name, encoding, length):
    text = _encodable(seed_raw(name)[:length], encoding)
    (tmp_path / "utf8.txt").write_text(text, encoding="utf-8")
    (tmp_path / "legacy.txt").write_bytes(text.encode(encoding))
    want, got = read_article(tmp_path / "utf8.txt"), read_article(tmp_path / "legacy.txt")
    assert got.text == want.text == clean_text(text)
    assert (got.title, got.event_dates, got.lang) == (want.title, want.event_dates, want.lang)


@pytest.mark.parametrize("content, what", [
    (b"", "empty"), (b"  \n\t\n", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary"),
    (bytes(b | 0x80 for b in random.Random(0).randbytes(4000)), "encoding"), (random.Random(0).randbytes(4000), "binary"), (bytes(range(1, 32)) * 40, "binary"),
])
def test_unreadable_files_raise_naming_the_file(tmp_path, content, what):
    path = tmp_path / "bad_article.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=what) as info:
        read_article(path)
    assert "bad_article.txt" in str(info.value)


def test_load_articles_skips_bad_files_with_warnings(tmp_path):
    shutil.copy(SEEDS / S0, tmp_path / S0)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.htm").write_bytes(b"\x00\x01\x02" * 100)
    found, warnings = load_articles([tmp_path, tmp_path / "missing.txt"])
    assert [a.source for a in found] == [S0]
    assert len(warnings) == 3
    assert any("empty.txt" in w for w in warnings) and any("image.htm" in w for w in warnings)
    assert any("missing.txt" in w for w in warnings)


def test_iter_article_paths_expands_folders_sorted(tmp_path):
    for rel in ["b.md", "a.txt", "c.HTML", "sub/d.htm", "e.PDF", "notes.docx", ".hidden.txt", ".git/x.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    names = [p.relative_to(tmp_path).as_posix() for p in iter_article_paths(tmp_path)]
    assert names == ["a.txt", "b.md", "c.HTML", "e.PDF", "sub/d.htm"]
    assert iter_article_paths([tmp_path / "a.txt", tmp_path / "notes.docx"]) == [tmp_path / "a.txt"]
    assert len(iter_article_paths(SEEDS)) == 5


def test_same_text_under_two_names_has_one_hash(tmp_path, articles):
    raw = seed_raw(S0)
    (tmp_path / "copy.txt").write_text(raw, encoding="utf-8")
    (tmp_path / "copy_gbk.txt").write_bytes(_encodable(raw, "gb18030").encode("gb18030"))
    copies = [read_article(tmp_path / "copy.txt"), read_article(tmp_path / "copy_gbk.txt")]
    assert {article_hash(a) for a in copies} == {article_hash(articles[S0])}
    assert len({article_hash(a) for a in articles.values()}) == 5


def test_markdown_article(tmp_path):
    md = "# 瑞安召开云江科创大会\n\n**11月14日**,大会在[瑞安](https://example.org)举行。\n\n![图](a.png)\n"
    (tmp_path / "a.md").write_text(md, encoding="utf-8")
    article = read_article(tmp_path / "a.md")
    assert article.title == "瑞安召开云江科创大会"
    assert article.text == "瑞安召开云江科创大会\n11月14日,大会在瑞安举行。"


def test_html_main_content_extracted(tmp_path):
    pytest.importorskip("lxml_html_clean", reason="trafilatura needs lxml_html_clean; add it to the requirements")
    article = read_article(FIXTURES / "ningbo.html")
    assert article.title == "2019中芬合作平台高层会谈及项目对接会在甬举行"
    assert "芬兰萨塔昆塔大区是芬兰工业化程度最高的一个区" in article.text
    assert "200万欧元的专项资金" in article.text
    for chrome in ["白银期货", "首页", "热点推荐", "Powered by", "关于我们", "AD_SLOTS", "责任编辑", "分享到"]:
        assert chrome not in article.text
    assert (article.event_dates, article.place, article.lang) == (("2019-05-20",), "宁波市南苑饭店", "zh-Hans")
    assert article.published == "2019-05-21"
    # The same page saved in GB18030 as its meta tag says reads the same.
    gbk = (FIXTURES / "ningbo.html").read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="gb18030"')
    (tmp_path / "ningbo_gbk.html").write_bytes(gbk.encode("gb18030"))
    assert read_article(tmp_path / "ningbo_gbk.html").text == article.text
