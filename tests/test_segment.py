"""Sentence and clause splitting (text/segment.py): offsets index the original text, and what ends a
sentence or a clause is the same for every caller."""
from __future__ import annotations

import pytest

from assistant.text.segment import (clause_spans, clauses, has_marker, keep_markers, marker_numbers,
                                    sentence_cuts, sentence_pieces, sentence_spans, sentences, strip_markers)

ARTICLE = ("  5月20日，2019中芬合作平台高层会谈在宁波举行。芬兰驻华大使出席；双方签约7个项目！\n"
           "他说：“我们很高兴。”Sensitec GmbH invested 44.6 million yuan. Dr. Wang agreed.\n\n"
           "最后一句没有句号")


def test_sentence_offsets_index_the_original_text_without_white_space():
    spans = sentence_spans(ARTICLE)
    assert [ARTICLE[a:b] for a, b in spans] == [
        "5月20日，2019中芬合作平台高层会谈在宁波举行。", "芬兰驻华大使出席；", "双方签约7个项目！",
        "他说：“我们很高兴。”", "Sensitec GmbH invested 44.6 million yuan.", "Dr. Wang agreed.", "最后一句没有句号"]
    assert spans[0][0] == 2  # the leading spaces are not part of the first sentence
    assert sentences(ARTICLE) == [ARTICLE[a:b] for a, b in spans]


def test_a_semicolon_ends_a_sentence_only_when_asked():
    assert sentences("芬兰驻华大使出席；双方签约7个项目。") == ["芬兰驻华大使出席；", "双方签约7个项目。"]
    assert sentences("芬兰驻华大使出席；双方签约7个项目。", semicolons=False) == ["芬兰驻华大使出席；双方签约7个项目。"]
    assert sentences("It rained; we left.") == ["It rained;", "we left."]


@pytest.mark.parametrize("text, expected", [
    ("总奖金4460万元[1]。共8项任务[2]。", ["总奖金4460万元[1]。", "共8项任务[2]。"]),
    ("会谈在宁波举行。[1][2] 大使出席。【3】", ["会谈在宁波举行。[1][2]", "大使出席。【3】"]),  # markers stay behind
    ("It was 44.6 million yuan [1]. Then more.", ["It was 44.6 million yuan [1].", "Then more."]),
    ("It was held in 2019.[1] Then more.", ["It was held in 2019.[1]", "Then more."]),
    ("真的吗？！他问。", ["真的吗？！", "他问。"]),  # a run of stops is one end
    ("他说“好。”「行！」然后走了", ["他说“好。”", "「行！」", "然后走了"]),  # closers stay with their sentence
    ("Visit example.com or pay 3.5 yuan.", ["Visit example.com or pay 3.5 yuan."]),
    ("The events were:\n1. 会谈\n12. 签约", ["The events were:", "1. 会谈", "12. 签约"]),  # list numbers
    ("He met Dr. Wang and R. d. Smith at St. Paul. They left.", ["He met Dr. Wang and R. d. Smith at St. Paul.",
                                                                "They left."]),
    ("And Thou Shalt Trust... the Seer", ["And Thou Shalt Trust... the Seer"]),
])
def test_where_a_sentence_ends(text, expected):
    assert sentences(text) == expected


def test_sentence_pieces_join_back_into_the_text():
    text = "The events were:\n1. 会谈 [1]\n2. 签约[2]\n\n共8项。 It ended."
    pieces = sentence_pieces(text)
    assert "".join(pieces) == text
    assert pieces[:3] == ["The events were:\n", "1. 会谈 [1]\n", "2. 签约[2]\n"]
    assert pieces[-1] == " It ended."
    assert sentence_cuts(text)[:3] == [len(pieces[0]), len(pieces[0]) + len(pieces[1]),
                                       len(pieces[0]) + len(pieces[1]) + len(pieces[2])]


def test_clause_offsets_index_the_original_text_and_end_with_their_mark():
    text = "5月20日，会谈在宁波举行；大使出席：引进人才1,000名、项目30个,at 10:30。"
    spans = clause_spans(text)
    assert [text[a:b] for a, b in spans] == ["5月20日，", "会谈在宁波举行；", "大使出席：引进人才1,000名、项目30个,",
                                             "at 10:30。"]
    assert [text[a:b] for a, b in clause_spans(text, colons=True)][2:4] == ["大使出席：", "引进人才1,000名、项目30个,"]
    assert [text[a:b] for a, b in clause_spans(text, lists=True, colons=True)][3:5] == ["引进人才1,000名、", "项目30个,"]
    assert clauses("at 10:30: done", colons=True) == ["at 10:30", "done"]


def test_clauses_are_the_words_without_the_mark_that_ends_them():
    assert clauses("5月20日，会谈在宁波举行。大使出席") == ["5月20日", "会谈在宁波举行", "大使出席"]
    assert clauses("A、B和C在宁波举办，签约") == ["A、B和C在宁波举办", "签约"]
    assert clauses("A、B和C在宁波举办，签约", lists=True) == ["A", "B和C在宁波举办", "签约"]
    assert clauses("参会人数：300人，领奏的师傅称为：「鼓佬」") == ["参会人数：300人", "领奏的师傅称为：「鼓佬」"]
    assert clauses("参会人数：300人", colons=True) == ["参会人数", "300人"]
    assert clauses("，。 ") == []


def test_a_clause_never_crosses_a_sentence_end():
    assert clauses("引进人才861名。建成9家工作站") == ["引进人才861名", "建成9家工作站"]


def test_markers_are_read_stripped_and_filtered():
    text = "会谈由宁波主办 [2]。大使出席【3】［ 1 ］。"
    assert marker_numbers(text) == [2, 3, 1]
    assert strip_markers(text) == "会谈由宁波主办。大使出席。"
    assert keep_markers(text, lambda n: n != 2) == "会谈由宁波主办。大使出席【3】［ 1 ］。"
    assert has_marker(text) and not has_marker("共[八]项, 3]")


def test_empty_and_blank_text():
    assert sentence_spans("") == [] and sentence_spans(" \n\n ") == [] and clauses("") == []
    assert sentence_pieces("") == []
