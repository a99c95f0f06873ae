"""Citation checking: markers must point at snippets that support their sentence."""
from assistant.citations import CitationChecker, Snippet, split_sentences

SNIPPETS = [
    Snippet(1, "c1", "000.txt", "中芬会谈", "5月20日,2019中芬合作平台高层会谈及项目对接会在宁波市南苑饭店举行。此次会议是由宁波市政府主办。"),
    Snippet(2, "c2", "001.txt", "瑞安", "瑞安市已累计引进海内外高层次人才861名,建成9家博士后工作站。"),
    Snippet(3, "c3", "003.txt", "無錫", "在德國申思特,代表團與Sensitec董事、總經理Peter Radde等企業負責人展開務實會談。"),
]
checker = CitationChecker()


def test_wrong_marker_is_moved_to_the_supporting_snippet():
    text, cites = checker.check("会谈由宁波市政府主办[2]。", SNIPPETS)
    assert text == "会谈由宁波市政府主办[1]。"
    assert [c.source for c in cites] == ["000.txt"]


def test_unmarked_supported_sentence_gets_a_marker():
    text, cites = checker.check("瑞安建成了9家博士后工作站。", SNIPPETS)
    assert text == "瑞安建成了9家博士后工作站[1]。"
    assert cites[0].source == "001.txt" and cites[0].chunk_id == "c2"


def test_number_not_in_snippet_loses_its_marker():
    text, cites = checker.check("瑞安建成了19家博士后工作站[2]。", SNIPPETS)
    assert "[" not in text and cites == ()


def test_marker_to_a_passage_that_was_not_in_the_prompt_is_removed():
    text, cites = checker.check("The weather was sunny [7].", SNIPPETS)
    assert text == "The weather was sunny." and cites == ()


def test_script_folding_lets_simplified_answer_cite_traditional_passage():
    text, cites = checker.check("代表团拜访了德国申思特公司(Sensitec)[3]。", SNIPPETS)
    assert [c.source for c in cites] == ["003.txt"] and text.endswith("[1]。")


def test_citations_hold_only_what_the_text_cites_renumbered_in_order():
    text, cites = checker.check("Sensitec 的总经理是 Peter Radde[3]。会议由宁波市政府主办[1]。", SNIPPETS)
    assert text == "Sensitec 的总经理是 Peter Radde[1]。会议由宁波市政府主办[2]。"
    assert [(c.marker, c.source) for c in cites] == [(1, "003.txt"), (2, "000.txt")]


def test_a_single_shared_number_is_not_support():
    text, cites = checker.check("It had 861 visitors.", SNIPPETS)
    assert cites == ()


def test_sentences_split_after_markers_and_keep_decimals():
    assert split_sentences("总奖金4460万元[1]。共8项任务[2]。") == ["总奖金4460万元[1]。", "共8项任务[2]。"]
    assert split_sentences("It was 44.6 million yuan [1]. Then more.") == ["It was 44.6 million yuan [1].", " Then more."]


def test_list_items_are_sentences_and_keep_their_line_breaks():
    text = "The events held in 2023 were:\n1. 会谈在宁波市南苑饭店举行\n2. 瑞安建成了9家博士后工作站"
    shown, cites = checker.check(text, SNIPPETS)
    assert shown.splitlines() == ["The events held in 2023 were:", "1. 会谈在宁波市南苑饭店举行[1]",
                                  "2. 瑞安建成了9家博士后工作站[2]"]
    assert [c.source for c in cites] == ["000.txt", "001.txt"]
