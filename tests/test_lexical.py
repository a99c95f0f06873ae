"""Behaviour of script folding, tokenisation and the BM25 keyword index."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.errors import StoreError
from assistant.index.keyword import KeywordIndex
from assistant.text.lexical import SCHEMES, fold, fold_aligned, tokenize

ROOT = Path(__file__).resolve().parent.parent
ZH_DOCS = {
    "z1": "德国传感器企业Sensitec公司宣布在宁波设立中国总部，首期投资4460万元。",
    "z2": "宁波市政府与芬兰合作平台举行高层会谈，签约项目总投资超过10亿元。",
    "z3": "2019中芬合作平台项目对接会在宁波市南苑饭店举行，芬兰驻华大使出席。",
    "z4": "台湾网络安全研究机构发布报告，称去年网络攻击增长三成。",
    "z5": "金华举办首届国际科技开放合作大会，共绘世界蓝图。",
}


@pytest.fixture(scope="module")
def index() -> KeywordIndex:
    return KeywordIndex.build(list(ZH_DOCS), list(ZH_DOCS.values()), fingerprint="fp-1")


def test_fold_traditional_to_simplified():
    assert fold("網絡") == "网络"
    assert fold("中國經濟增長") == "中国经济增长"


def test_fold_width_and_case():
    assert fold("ＡＢＣ１２３") == "abc123"
    assert fold("ｶﾀｶﾅ") == "カタカナ"


def test_fold_japanese_shinjitai_meets_chinese():
    assert fold("経済") == fold("经济") == fold("經濟")
    assert fold("検査 広告 発展 気候") == "检查 广告 发展 气候"


@pytest.mark.parametrize("text", ["臺灣隊於 2013 年降級。 … 波蘭人隊", "5½ 次擒殺", "㈱東京の網絡", "ＡＢＣ網絡"])
def test_fold_aligned_keeps_each_characters_place(text):
    aligned = fold_aligned(text)
    assert len(aligned) == len(text)
    # what fold() folds is folded alike; a character NFKC writes as several (…, ½, ㈱) stays itself
    assert aligned.replace("…", "").replace("½", "").replace("㈱", "") == \
        fold(text.replace("…", "").replace("½", "").replace("㈱", ""))
    at = aligned.find(fold("隊"))
    assert at < 0 or text[at] == "隊"


def test_fold_leaves_ordinary_simplified_alone():
    # jp2t alone would turn these into 硏/滤/缺: they are common Simplified characters
    assert fold("研究 上海沪 欠款") == "研究 上海沪 欠款"


def test_fold_is_thread_safe():
    out: list[str] = []
    threads = [threading.Thread(target=lambda: out.append(fold("中國經濟 経済"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == ["中国经济 经济"] * 8


def test_tokenize_chinese_bigrams_and_whole_numbers():
    bigrams = ["中国", "国经", "经济", "济增", "增长", "4460", "万元"]
    assert tokenize("中国经济增长4460万元", scheme="bigram") == bigrams
    # the default adds jieba's words to the bigrams for Chinese text
    assert tokenize("中国经济增长4460万元") == bigrams + ["中国", "经济", "增长", "4460", "万元"]


def test_tokenize_folds_traditional_and_thousands_separator():
    assert tokenize("中國經濟 4,460萬元") == tokenize("中国经济 4460万元")


def test_tokenize_japanese_and_english():
    assert tokenize("経済成長", scheme="bigram") == ["经济", "济成", "成长"]
    # kana marks Japanese: SudachiPy's words (folded) join the bigrams
    tokens = tokenize("経済成長率は高い")
    assert tokens[:3] == ["经济", "济成", "成长"] and {"经济", "成长", "率", "高い"} <= set(tokens[6:])
    assert tokenize("The Panthers scored 3.5 points.", scheme="bigram") == ["the", "panthers", "scored", "3.5", "points"]


def test_tokenize_mixed_and_single_characters():
    assert tokenize("Sensitec社 (GmbH) 与 BMW", scheme="bigram") == ["sensitec", "社", "gmbh", "与", "bmw"]
    assert tokenize("，。！ ") == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_scheme_keeps_names_and_numbers(scheme):
    tokens = tokenize("德国Sensitec公司投资4460万元", scheme=scheme)
    assert "sensitec" in tokens and "4460" in tokens


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="scheme"):
        tokenize("x", scheme="nope")


def test_index_finds_exact_name_and_number(index):
    assert index.search("Sensitec", k=3)[0][0] == "z1"
    assert index.search("4460万元", k=3)[0][0] == "z1"
    assert index.search("網絡攻擊", k=3)[0][0] == "z4"  # zh-Hant query, zh-Hans text


def test_index_respects_allowed_ids(index):
    hits = index.search("宁波 合作 项目", k=5, allowed_ids={"z3", "z5", "unknown"})
    assert hits and {h[0] for h in hits} <= {"z3", "z5"}
    assert hits[0][0] == "z3"
    assert index.search("Sensitec", allowed_ids=set()) == []


def test_index_returns_only_matching_docs_sorted(index):
    hits = index.search("芬兰", k=10)
    assert {h[0] for h in hits} == {"z2", "z3"}
    assert hits[0][1] >= hits[1][1] > 0


def test_no_keyword_evidence_for_english_over_chinese(index):
    _, evidence = index.search_with_evidence("How much did the German sensor company invest?")
    assert not evidence.has_evidence and evidence.coverage < 0.1
    assert not index.query_has_keyword_evidence("What did the Finnish ambassador attend?")
    assert index.query_has_keyword_evidence("芬兰驻华大使出席了什么会")


def test_add_replace_and_remove():
    ix = KeywordIndex.build(list(ZH_DOCS), list(ZH_DOCS.values()))
    ix.add(["z6"], ["杭州亚运会开幕，Sensitec赞助"])
    assert {h[0] for h in ix.search("Sensitec")} == {"z1", "z6"}
    ix.add(["z6"], ["杭州亚运会开幕"])  # same id: replaced, not duplicated
    assert [h[0] for h in ix.search("Sensitec")] == ["z1"]
    ix.remove(["z1", "missing"])
    assert ix.search("Sensitec") == [] and len(ix) == 5 and "z1" not in ix
    ix.compact()
    assert ix.search("亚运会")[0][0] == "z6"


def test_save_load_round_trip(index, tmp_path):
    index.save(tmp_path)
    index.save(tmp_path)  # a second save replaces the first generation
    assert KeywordIndex.stored_fingerprint(tmp_path) == "fp-1"
    loaded = KeywordIndex.load(tmp_path)
    assert loaded.fingerprint == "fp-1" and len(loaded) == len(index)
    for query in ("Sensitec", "4460万元", "宁波 合作"):
        assert loaded.search(query) == index.search(query)
    assert len(list(tmp_path.iterdir())) == 4  # manifest + one generation of data files


def test_load_missing_index_names_the_fix(tmp_path):
    assert KeywordIndex.stored_fingerprint(tmp_path) is None
    with pytest.raises(StoreError, match="rebuild"):
        KeywordIndex.load(tmp_path)


def test_empty_index_and_empty_query():
    ix = KeywordIndex()
    assert ix.search("anything") == []
    hits, evidence = KeywordIndex.build(["a"], ["中文"]).search_with_evidence("。")
    assert hits == [] and not evidence.has_evidence


def test_wide_filter_walk_matches_lookup(index, monkeypatch):
    from assistant.index import keyword as keyword_index

    allowed = ["z2", "z3", "z5"]
    expected = index.search("宁波 合作 项目", k=2, allowed_ids=set(allowed))
    monkeypatch.setattr(keyword_index, "FILTER_LOOKUP_MAX", 0)  # force the ranking walk
    assert index.search("宁波 合作 项目", k=2, allowed_ids=allowed) == expected
    assert index.search("Sensitec", allowed_ids={"z2"}) == []


def test_load_refuses_another_tokenisation(tmp_path):
    KeywordIndex.build(["a"], ["中文新闻"], scheme="unibigram").save(tmp_path)
    with pytest.raises(StoreError, match="rebuild"):
        KeywordIndex.load(tmp_path)  # today's default scheme differs
    assert KeywordIndex.load(tmp_path, scheme=None).search("新闻")[0][0] == "a"


def test_ids_lists_live_chunks(index):
    assert index.ids() == set(ZH_DOCS)


def test_japanese_first_in_a_fresh_process():
    # regression: loading SudachiPy before the OpenCC converters once broke fold()
    code = "from assistant.text.lexical import tokenize; print(tokenize('経済成長率は高い')[0])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "经济", out.stderr


def test_common_words_are_the_frame_of_a_question_not_its_subject():
    from assistant.text.lexical import common_word

    assert common_word("来源") and common_word("方面") and common_word("活动")
    assert not common_word("传感器") and not common_word("机器人") and not common_word("零部件")


def test_verbs_are_told_from_nouns_in_chinese_and_japanese():
    from assistant.text.lexical import verbs

    assert {"注明", "涉及"} <= verbs("哪些报道注明了来源媒体?哪些活动涉及传感器?")
    assert not {"活动", "媒体", "传感器"} & verbs("哪些报道注明了来源媒体?哪些活动涉及传感器?")
    assert "北欧" not in verbs("北欧の国が関わる活動はどれですか?")


def test_a_common_word_tagged_as_a_name_is_mistagged_unless_it_spells_sounds():
    """CC-CEDICT corrects jieba's name tags: 安静 (an1 jing4) and 卫星 are common words, 伽利略 (Jia1 li4 lu:e4) a
    name; 拉德 (CC-CEDICT's "rad") is half of 拉德芳斯, all of it sounds, and stays what jieba says."""
    from assistant.text.cedict import common_only
    from assistant.text.lexical import mistagged_name, proper_nouns

    assert common_only("城市") and common_only("安静") and not common_only("印度") and not common_only("申思特")
    assert mistagged_name("安静") and mistagged_name("卫星") and not mistagged_name("伽利略")
    assert not mistagged_name("拉德")
    names = proper_nouns("居民住进更安静的郊区,伽利略发现木星的卫星,参观拉德芳斯中心")
    assert "安静" not in names and "卫星" not in names and "伽利略" in names and "拉德" in names
