"""Script classes and language detection (text/language.py): short texts, whole articles, questions."""
from __future__ import annotations

import re

import pytest

from assistant.text.language import (CJK, HAN, KANA, LANG_LABELS, LANG_NAMES, article_lang, detect_lang, han_count,
                                     has_han, has_kana, lang_family, question_lang)


@pytest.mark.parametrize("ch, han", [
    ("中", True), ("㐀", True),  # CJK Unified Ideographs, Extension A
    ("\uf900", True), ("\ufa11", True),  # compatibility ideographs (豈, 﨑 as in 山﨑)
    ("\u4dc0", False),  # a Yijing hexagram sits between Extension A and the unified block: not Han
    ("あ", False), ("ア", False), ("A", False), ("。", False),
])
def test_han_covers_the_unified_extension_a_and_compatibility_blocks(ch, han):
    assert bool(re.fullmatch(f"[{HAN}]", ch)) is han
    assert has_han(ch) is han and han_count(ch * 3) == (3 if han else 0)


@pytest.mark.parametrize("ch, kana", [
    ("あ", True), ("ゞ", True), ("ア", True), ("ー", True), ("ヾ", True),
    ("・", False),  # the middle dot of a transliterated Chinese name (尤卡・莫拉讷恩) is not Japanese
    ("゛", False), ("中", False), ("·", False),
])
def test_kana_is_the_letters_of_both_syllabaries(ch, kana):
    assert bool(re.fullmatch(f"[{KANA}]", ch)) is kana
    assert has_kana(ch) is kana


def test_cjk_words_include_the_iteration_mark_and_ideographic_zero():
    assert re.fullmatch(f"[{CJK}]+", "人々二〇一九年のニュース")
    assert not re.search(f"[{CJK}]", "abc 123 ・。、")


@pytest.mark.parametrize("text, lang", [
    ("瑞安建成了多少家博士后工作站?", "zh-Hans"),
    ("瑞安建成了多少家博士後工作站?", "zh-Hant"),
    ("無錫高新區代表團拜訪了哪家德國公司?", "zh-Hant"),
    ("日本で梅雨がないのは北海道とどこか。", "ja"),
    ("山東省副省長として交流会で挨拶したのは誰ですか?", "ja"),
    ("Which university signed a strategic cooperation project?", "en"),
    ("市长尤卡・莫拉讷恩出席了会议。", "zh-Hans"),  # ・ is no kana
    ("黑豹队的防守只丢了308分，在联赛中排名第六，被称为「最强の防守」。", "zh-Hans"),  # a kana amid Chinese: a quote
    ("日本", "zh-Hans"),  # Han that neither conversion changes: Simplified
    ("日本と中国", "ja"),  # ... unless kana say Japanese
    ("The Fraunhofer Institute (弗勞恩霍夫研究所) signed.", "zh-Hant"),  # a short text with Han is Chinese
])
def test_detect_lang_of_short_texts(text, lang):
    assert detect_lang(text) == lang


def test_detect_lang_without_letters_gives_the_default():
    assert detect_lang("2019 — 123!") == "en"
    assert detect_lang("2019 — 123!", default="") == ""


def test_article_lang_is_the_majority_script():
    english = "The delegation visited Munich and Lyon in June, meeting the mayor of 無錫 and the Sensitec board."
    assert detect_lang(english) == "zh-Hant"  # a short text: any Han makes it Chinese
    assert article_lang(english) == "en"  # an article: Latin outnumbers Han three to one
    assert article_lang("The delegation visited Munich and Lyon in June.") == "en"
    assert article_lang("") == "" and article_lang("2019-05-20 10:00") == ""
    assert article_lang("5月20日，2019中芬合作平台高层会谈在宁波市南苑饭店举行。" * 50) == "zh-Hans"
    assert article_lang("無錫高新區代表團拜訪了德國公司，雙方簽署了合作協議。" * 50) == "zh-Hant"
    assert article_lang("青島市党委員会副書記・市長の趙豪志氏が挨拶した。" * 50) == "ja"


def test_the_chinese_script_is_voted_by_every_character_in_context():
    # 著 is also Simplified in 著名: converting the characters in a row keeps it from voting Traditional
    assert detect_lang("著名") == "zh-Hans"
    # one Traditional character against many repeated Simplified ones: the occurrences decide
    assert article_lang("们" * 10 + "個這") == "zh-Hans"


def test_language_family_joins_the_chinese_scripts():
    assert lang_family("会谈在宁波举行") == lang_family("會談在寧波舉行") == "zh"
    assert lang_family("宁波で開催された") == "ja"
    assert lang_family("It was held in Ningbo") == "en"


@pytest.mark.parametrize("question, lang", [
    ("Who chaired the 2019中芬合作平台高层会谈?", "en"),  # an English frame around a Chinese name
    ("Satakunta University of Applied Sciences在哪里?", "zh-Hans"),  # a Chinese frame around an English name
    ("尤卡・莫拉讷恩是谁?", "zh-Hans"),
])
def test_question_lang_reads_the_sentence_frame(question, lang):
    assert question_lang(question) == lang


def test_one_table_names_each_language_for_prompts_and_for_the_ui():
    assert LANG_NAMES == {"en": "English", "zh-Hans": "Simplified Chinese (简体中文)",
                          "zh-Hant": "Traditional Chinese (繁體中文)", "ja": "Japanese (日本語)"}
    assert LANG_LABELS == {"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文", "ja": "日本語"}


def test_a_japanese_answer_writes_copied_simplified_characters_in_their_japanese_form():
    from assistant.text.language import match_script, to_japanese_kanji

    assert match_script("华鲁グループの党员会书记の职务です", "ja") == "華魯グループの党員会書記の職務です"
    # characters Japanese text can hold stay as written, whatever a Chinese converter would make of them
    for japanese in ("袴田里見", "創立30周年", "干鱈", "筑摩書房", "雇用関係"):
        assert to_japanese_kanji(japanese) == japanese


def test_a_chinese_answer_writes_japanese_kanji_it_copied_in_chinese():
    from assistant.text.language import match_script

    # 広 and 継 are Japanese only; a Chinese reader expects 广 / 廣 and 继 / 繼
    assert match_script("山东省政府办公厅副主任刘太広出席", "zh-Hans") == "山东省政府办公厅副主任刘太广出席"
    assert match_script("副省長宋軍継", "zh-Hant") == "副省長宋軍繼"
    # ordinary Chinese that a Japanese converter would rewrite (沪, 研) stays as written
    assert match_script("芬兰驻沪副总领事参观研究所", "zh-Hans") == "芬兰驻沪副总领事参观研究所"


def test_a_chinese_text_in_the_other_script():
    from assistant.text.language import other_script

    assert other_script("寧波在海外設立了合作中心") == "宁波在海外设立了合作中心"
    assert other_script("宁波在海外设立了合作中心") == "寧波在海外設立了合作中心"
    assert other_script("日本で梅雨がないのは北海道とどこか。") == ""  # Japanese kanji are not converted
    assert other_script("Who led the delegation?") == "" and other_script("日本") == ""  # the same in both
