"""The answering pipeline with LangChain's fake chat model: refusal, citations, language, history, input."""
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answering.pipeline import Chat
from assistant.config import Settings
from assistant.errors import InputError
from assistant.answering.prompts import NOT_FOUND, REFUSALS
from assistant.types import Answer, Passage, Refusal, Sources

import fakes

TEXT = "瑞安市已累计引进海内外高层次人才861名,柔性引进7家院士团队,建成9家博士后工作站。"


def FakeRetriever(dense=0.9):  # noqa: N802 (reads like the class it builds)
    return fakes.FakeRetriever([fakes.passage(TEXT, dense=dense)],
                               {"001.txt": "瑞安云江科创大会 | date 2021-11-14 | place 瑞安"})


def make_chat(responses, dense=0.9, **settings):
    # a trailing unused response: FakeListChatModel's counter `i` wraps to 0 after the last one
    model = FakeListChatModel(responses=[*responses, "UNUSED"])
    return Chat(Settings(**settings), FakeRetriever(dense), model), model


def recording(responses):
    """A fake chat model that keeps the last message of every call it gets, and that list."""
    seen = []

    class Recording(FakeListChatModel):
        def _stream(self, messages, *args, **kwargs):
            seen.append(messages[-1].content)
            return super()._stream(messages, *args, **kwargs)

    return Recording(responses=responses), seen


def test_answer_keeps_supported_citation_with_its_source_and_snippet():
    chat, _ = make_chat(["瑞安建成了9家博士后工作站[1]。"])
    result = chat.answer("瑞安建成了多少家博士后工作站?")
    assert result.text == "瑞安建成了9家博士后工作站[1]。"
    (cite,) = result.citations
    assert (cite.marker, cite.source, cite.chunk_id) == (1, "001.txt", "c1")
    assert "9家博士后工作站" in cite.snippet and len(cite.snippet) <= len(TEXT)
    assert result.passages and not result.refused


def test_model_refusal_token_becomes_a_refusal_in_the_question_language_without_citations():
    chat, _ = make_chat([NOT_FOUND])
    result = chat.answer("瑞安の大会の参加者数は何人でしたか?")
    assert result.refused and result.citations == () and result.text == REFUSALS["ja"]
    assert result.refused_by == Refusal.MODEL


def test_an_answer_the_passages_do_not_bear_out_is_refused_without_citations():
    # (a question about the Olympics is refused before the model is asked: no passage names them)
    chat, _ = make_chat(["瑞安的GDP是3000亿元[1]。"])
    result = chat.answer("瑞安建成了多少家博士后工作站?")
    assert result.refused and result.citations == () and result.text == REFUSALS["zh-Hans"]
    assert result.refused_by == Refusal.UNSUPPORTED


def test_weak_retrieval_refuses_without_calling_the_model():
    chat, model = make_chat(["should not be used"], dense=0.5)
    result = chat.answer("2022年北京冬奥会的吉祥物是什么?")
    assert result.refused and result.text == REFUSALS["zh-Hans"] and result.citations == ()
    assert model.i == 0  # i counts the calls made
    assert result.refused_by == Refusal.NO_EVIDENCE


def test_traditional_question_gets_a_traditional_answer():
    chat, _ = make_chat(["瑞安建成了9家博士后工作站[1]。"])
    result = chat.answer("瑞安建成了多少家博士後工作站?")
    assert "後" in result.text and "站[1]" in result.text


def test_stream_yields_the_sources_being_read_then_text_then_the_answer():
    chat, _ = make_chat(["瑞安建成了9家博士后工作站[1]。"])
    items = list(chat.stream("瑞安建成了多少家博士后工作站?"))
    assert isinstance(items[0], Sources) and items[0].final
    assert [(p.source, p.chunk_id) for p in items[0].passages] == [("001.txt", "c1")]
    assert "9家博士后工作站" in items[0].passages[0].text  # what the prompt holds, not the whole chunk
    assert isinstance(items[-1], Answer)
    assert "".join(i for i in items[1:-1]).startswith("瑞安建成了9家")
    assert not any(isinstance(i, Sources) for i in items[1:])


def test_an_english_question_shows_sources_before_the_translation_call_and_refines_them_after():
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", "Rui'an has built 9 postdoctoral workstations [1]."])
    items, calls_made = [], []
    for item in chat.stream("How many postdoctoral workstations has Rui'an built?"):
        items.append(item)
        if isinstance(item, Sources):
            calls_made.append(model.i)  # i counts the model calls made so far
    sources = [i for i in items if isinstance(i, Sources)]
    assert [s.final for s in sources] == [False, True]
    assert calls_made == [0, 1]  # before the translation call, then after it
    assert sources[0].passages and items.index(sources[1]) < next(n for n, i in enumerate(items) if isinstance(i, str))
    assert isinstance(items[-1], Answer)


def test_follow_up_is_condensed_first_and_searched_with_the_question_before_it():
    chat, _ = make_chat(["瑞安建成了多少家博士后工作站?", "瑞安建成了9家博士后工作站[1]。"])
    history = [("user", "瑞安引进了多少人才?"), ("assistant", "861名[1]。")]
    result = chat.answer("那博士后工作站呢?", history=history)
    # first the sources to show while the rewrite is made (the follow-up with the question before it)
    assert chat.retriever.queries[0] == "瑞安引进了多少人才? 那博士后工作站呢?"
    # then the rewrite, with the question before it: a rewrite that keeps the pronoun still finds the article
    assert chat.retriever.queries[1] == "瑞安建成了多少家博士后工作站? 瑞安引进了多少人才?"
    assert result.citations


def test_a_follow_up_rewritten_into_which_activities_is_not_a_question_across_articles():
    """「その大会では、どんな活動が…」 points back at one conference; its rewrite 哪些活动 is not the user's
    wording, so it is answered from that article's passages, not one line per article."""
    chat, _ = make_chat(["2020年云江科创大会启动了哪些活动?", "瑞安建成了9家博士后工作站[1]。"])
    history = [("user", "瑞安引进了多少人才?"), ("assistant", "861名[1]。")]
    items = list(chat.stream("那次大会启动了什么?", history=history))
    final = [i for i in items if isinstance(i, Sources) and i.final][0]
    assert [p.chunk_id for p in final.passages] == ["c1"]
    assert "date 2021-11-14" not in final.passages[0].text  # the passage, not the article's record line
    assert items[-1].citations


ZH_ANSWER = "瑞安建成了9家博士后工作站[1]。"
EN_ANSWER = "Rui'an has built 9 postdoctoral workstations (博士后工作站) [1]."
# as given: the article's name for Rui'an goes beside the model's spelling (answering/naming.py)
EN_GIVEN = "Rui'an (瑞安) has built 9 postdoctoral workstations (博士后工作站) [1]."


def test_english_question_is_answered_in_chinese_first_then_translated_with_its_markers():
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", ZH_ANSWER, EN_ANSWER], pivot="first")
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert chat.retriever.queries[1] == "瑞安建成了多少家博士后工作站?"  # [0]: the sources shown meanwhile
    assert model.i == 3  # translation for the search, the answer in Chinese, the checked answer in English
    assert result.text == EN_GIVEN and result.citations[0].source == "001.txt" and result.lang == "en"


def test_a_translation_that_drops_the_markers_gets_them_back():
    chat, _ = make_chat(["瑞安建成了多少家博士后工作站?", ZH_ANSWER, "Rui'an has built 9 postdoctoral workstations."], pivot="first")
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert result.text == "Rui'an (瑞安) has built 9 postdoctoral workstations [1]." and result.citations


def test_a_failed_translation_leaves_the_checked_answer():
    chat, _ = make_chat(["瑞安建成了多少家博士后工作站?", ZH_ANSWER, "瑞安建成了9家博士后工作站。"])
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert result.text == ZH_ANSWER and result.citations


def test_an_unsupported_chinese_answer_is_refused_in_english_without_a_translation_call():
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", "瑞安的GDP是3000亿元[1]。"], pivot="first")
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert result.refused and result.text == REFUSALS["en"] and model.i == 2


def test_a_refused_english_answer_is_tried_again_in_chinese_and_translated():
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", "Rui'an has a GDP of 300 billion yuan [1].", ZH_ANSWER,
                             EN_ANSWER])
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert model.i == 4  # translation, the English answer (refused: unsupported), the Chinese one, its translation
    assert result.text == EN_GIVEN and result.citations and not result.refused


def test_an_english_question_refused_in_english_and_again_in_chinese_names_both_gates():
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", "Rui'an has a GDP of 300 billion yuan [1].", NOT_FOUND])
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert result.refused and model.i == 3 and result.text == REFUSALS["en"]
    assert result.refused_by == f"{Refusal.UNSUPPORTED}>{Refusal.MODEL}"


def test_an_english_answer_that_holds_needs_no_chinese_pass():
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", EN_ANSWER])
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert model.i == 2 and result.text == EN_GIVEN


def test_an_answer_over_non_chinese_evidence_in_the_wrong_language_is_put_into_the_question_language():
    text = "瑞安市はこれまでに博士研究員ステーションを9か所建設した。"
    retriever = fakes.FakeRetriever([fakes.passage(text, "004.txt", "瑞安")])
    model = FakeListChatModel(responses=["瑞安建成了多少家博士后工作站?", "瑞安市は博士研究員ステーションを9か所建設した[1]。",
                                         "Rui'an has built 9 postdoctoral stations [1].", "UNUSED"])
    result = Chat(Settings(), retriever, model).answer("How many postdoctoral stations has Rui'an built?")
    assert model.i == 3  # translation, answer, the answer put into English
    assert result.text.startswith("Rui'an (瑞安) has built 9") and result.citations


@pytest.mark.parametrize("answer, wrong", [
    ("Rui'an has built 9 postdoctoral workstations (博士后工作站) [1].", False),
    ("The conference in金华 was held on April 19-21, 2023 [1].", False),  # a name left in Chinese
    ("The 2019中芬合作平台高层会谈及项目对接会在宁波市南苑饭店[1]。 The首届国际科技开放合作大会(浙江)在金华开幕[2]。", True),
    ("瑞安建成了9家博士后工作站[1]。", True),
])
def test_an_english_answer_mostly_in_chinese_is_the_wrong_language(answer, wrong):
    from assistant.answering.pipeline import wrong_language

    assert wrong_language(answer, "en") is wrong


@pytest.mark.parametrize("answer, wrong", [
    ("瑞安は博士研究員ステーションを9か所建設しました[1]。", False),
    ("中国 SAE 为瑞安的汽车产业设计了「オーダーメイド」平台[1]。", True),  # its only kana is a quoted term
    ("瑞安建成了9家博士后工作站[1]。", True),
])
def test_a_japanese_answer_needs_kana_of_its_own(answer, wrong):
    from assistant.answering.pipeline import wrong_language

    assert wrong_language(answer, "ja") is wrong


@pytest.mark.parametrize("question, lang", [
    ("Who chaired the 2019中芬合作平台高层会谈?", "en"), ("Where is 無錫?", "en"),
    ("What is the theme of the 瑞安雲江科創大會?", "en"), ("瑞安雲江科創大會的主題是什麼?", "zh-Hant"),
    ("UCLA的校长是谁?", "zh-Hans"), ("Satakunta University of Applied Sciences在哪里?", "zh-Hans"),
    ("魯港科学技術革新協力交流会はどこで開催されましたか?", "ja"), ("How many engineers?", "en"),
])
def test_an_english_question_quoting_a_chinese_name_is_english(question, lang):
    from assistant.text.language import question_lang

    assert question_lang(question) == lang


def test_an_english_question_quoting_a_chinese_name_is_translated_and_answered_in_english():
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", ZH_ANSWER, EN_ANSWER], pivot="first")
    result = chat.answer("How many 博士后工作站 has Rui'an built?")
    assert model.i == 3 and result.lang == "en"  # translated for the search, answered in English
    assert result.text.startswith("Rui'an (瑞安) has built 9") and result.citations


@pytest.mark.parametrize("question, answer, why", [
    ("瑞安建成了多少家博士后工作站?", "瑞安建成了博士后工作站[1]。", Refusal.KIND),  # no count in the answer
    ("谁为瑞安博士后工作站揭牌?", "瑞安建成了9家博士后工作站[1]。", Refusal.KIND),  # the passage names nobody
    ("瑞安的博士后工作站是哪天建成的?", "瑞安建成了9家博士后工作站[1]。", Refusal.KIND),  # nor any date
    ("第二届大会上瑞安建成了多少家博士后工作站?", "瑞安建成了9家博士后工作站[1]。", Refusal.PREMISE),  # nor a 2nd edition
    ("温州建成了多少家博士后工作站?", "温州建成了9家博士后工作站[1]。", Refusal.UNHEARD_OF),  # no passage names 温州
])
def test_support_that_does_not_state_what_was_asked_is_a_refusal(question, answer, why):
    chat, _ = make_chat([answer])
    result = chat.answer(question)
    assert result.refused and not result.citations and result.text == REFUSALS["zh-Hans"]
    assert result.refused_by == why


def test_a_year_the_question_gives_must_stand_in_an_article_that_dates_its_event():
    dated = "2021年,瑞安市已累计引进海内外高层次人才861名,建成9家博士后工作站。"
    retriever = fakes.FakeRetriever([fakes.passage(dated, dense=0.9)])
    chat = Chat(Settings(), retriever, FakeListChatModel(responses=["瑞安建成了9家博士后工作站[1]。", "UNUSED"]))
    assert chat.answer("2019年瑞安建成了多少家博士后工作站?").refused  # the article is about 2021
    # the article's record dates it (2021-11-14) though the passage names no year
    chat, _ = make_chat(["2019年瑞安建成了9家博士后工作站[1]。"])
    assert chat.answer("2019年瑞安建成了多少家博士后工作站?").refused


def test_an_article_that_states_no_year_is_not_held_to_the_questions_year():
    """It cannot say which year it is about: the answer restating the question's year is checked on its
    other numbers, and a count the passage does not state is still refused."""
    def chat_for(answer):
        retriever = fakes.FakeRetriever([fakes.passage(TEXT, dense=0.9)])  # no record, no year
        return Chat(Settings(), retriever, FakeListChatModel(responses=[answer, "UNUSED"]))

    result = chat_for("2019年瑞安建成了9家博士后工作站[1]。").answer("2019年瑞安建成了多少家博士后工作站?")
    assert not result.refused and result.citations and "9家" in result.text
    assert chat_for("2019年瑞安建成了19家博士后工作站[1]。").answer("2019年瑞安建成了多少家博士后工作站?").refused


def test_an_english_question_naming_a_place_the_cited_article_does_not_hold_is_refused():
    """The glossary maps the question's Wenzhou to 温州, a corpus name: an article without it answers
    another question, whatever the English answer says."""
    names = {"Wenzhou": "温州", "Rui'an": "瑞安"}
    retriever = fakes.FakeRetriever([fakes.passage(TEXT)], names=names)
    model = FakeListChatModel(responses=["温州建成了多少家博士后工作站?", "Wenzhou has built 9 postdoctoral workstations [1].",
                                         "温州建成了9家博士后工作站[1]。", "UNUSED"])
    result = Chat(Settings(), retriever, model).answer("How many postdoctoral workstations has Wenzhou built?")
    assert result.refused and not result.citations and result.text == REFUSALS["en"]
    model = FakeListChatModel(responses=["瑞安建成了多少家博士后工作站?", EN_ANSWER, "UNUSED"])
    result = Chat(Settings(), retriever, model).answer("How many postdoctoral workstations has Rui'an built?")
    assert not result.refused and result.citations


def test_a_translation_that_drops_what_is_asked_is_neither_shown_nor_answered_in_chinese():
    chat, model = make_chat(["瑞安建成了博士后工作站。", "Rui'an has a GDP of 300 billion yuan [1].", ZH_ANSWER, EN_ANSWER])
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert chat.retriever.queries[1] == "瑞安建成了博士后工作站。"  # it still finds the passages
    assert result.refused and model.i == 2  # the English answer, refused; no Chinese pass on a wrong question


def test_a_date_only_the_translation_asks_for_is_not_required_of_the_answer():
    """"…を俗に何という?" came back from the translation as 什么时候 (a date): the answer, a name, is not
    refused for stating no date (text.asked.translated_kind)."""
    text = "梅雨期間の終了の発表は、俗に梅雨明け宣言と呼ばれる。"
    retriever = fakes.FakeRetriever([fakes.passage(text, title="梅雨")])
    model = FakeListChatModel(responses=["梅雨结束的发布俗称是什么时候?", "俗に梅雨明け宣言という[1]。", "UNUSED"])
    result = Chat(Settings(), retriever, model).answer("梅雨期間の終了発表のことを俗に何という？")
    assert not result.refused and result.citations and "梅雨明け宣言" in result.text


def test_a_name_written_the_same_in_another_script_or_folded_is_still_stated():
    chat, _ = make_chat(["瑞安建成了9家博士後工作站[1]。"])
    assert not chat.answer("瑞安建成了多少家博士後工作站?").refused  # Traditional question, Simplified passage


def test_a_name_stated_elsewhere_in_the_cited_article_is_stated():
    import fakes as f

    other = f.passage("2021年11月14日,云江科创大会在瑞安开幕。", title="瑞安新闻", chunk_id="c0", start=0, dense=0.2)
    retriever = f.FakeRetriever([f.passage(TEXT, title="瑞安新闻", dense=0.9), other], {"001.txt": "瑞安新闻"})
    model = FakeListChatModel(responses=["瑞安建成了9家博士后工作站[1]。", "UNUSED"])
    several = Settings(tuning={"sure_margin": 0.0})  # both passages in the prompt, whichever the fake scores best
    result = Chat(several, retriever, model).answer("云江科创大会上瑞安建成了多少家博士后工作站?")
    assert not result.refused and result.citations[0].chunk_id == "c1"
    assert "云江" not in result.citations[0].snippet  # the name stands only in the article's other chunk
    assert Chat(Settings(), retriever, FakeListChatModel(responses=["瑞安建成了9家博士后工作站[1]。", "UNUSED"])) \
        .answer("温州云江科创大会上建成了多少家博士后工作站?").refused  # 温州 stands nowhere in it


def test_stream_gives_a_refused_draft_once_and_the_refusal_in_the_final_answer():
    chat, _ = make_chat(["瑞安建成了19家博士后工作站[1]。"])  # a number the passage does not state
    items = list(chat.stream("瑞安建成了多少家博士后工作站?"))
    texts, final = [i for i in items if isinstance(i, str)], items[-1]
    assert "".join(texts) == "瑞安建成了19家博士后工作站[1]。"  # the draft as written, no refusal text after it
    assert final.refused and final.text == REFUSALS["zh-Hans"]


def test_a_question_of_two_parts_answers_each_the_second_as_a_follow_up_of_the_first():
    chat, _ = make_chat(["瑞安建成了9家博士后工作站[1]。", "瑞安柔性引进了几家院士团队?", "瑞安柔性引进了7家院士团队[1]。"])
    items = list(chat.stream("瑞安建成了多少家博士后工作站?柔性引进了几家院士团队?"))
    result = items[-1]
    assert result.text == "瑞安建成了9家博士后工作站[1]。\n\n瑞安柔性引进了7家院士团队[1]。"
    assert [c.marker for c in result.citations] == [1] and not result.refused  # one passage, one number
    # the second part was rewritten with the first and its answer before it
    assert chat.retriever.queries[-1].startswith("瑞安柔性引进了几家院士团队?")
    draft = "".join(i for i in items if isinstance(i, str))
    assert draft.startswith("瑞安建成了9家") and "\n\n瑞安柔性引进了7家" in draft


def test_a_second_part_naming_what_it_asks_about_is_asked_as_it_stands_without_a_rewrite():
    chat, model = make_chat(["瑞安建成了9家博士后工作站[1]。", "瑞安柔性引进了7家院士团队[1]。"])
    result = chat.answer("瑞安建成了多少家博士后工作站?瑞安柔性引进了几家院士团队?")
    assert result.text == "瑞安建成了9家博士后工作站[1]。\n\n瑞安柔性引进了7家院士团队[1]。"
    assert model.i == 2  # two answers, no rewrite call


def test_a_pronoun_after_a_who_the_articles_do_not_answer_is_refused_without_a_model_call():
    chat, model = make_chat([NOT_FOUND, "瑞安建成了9家博士后工作站[1]。"])
    result = chat.answer("瑞安大会由谁主持?他担任什么职务?")
    assert result.refused and result.citations == () and model.i == 1
    assert result.refused_by == f"{Refusal.MODEL} | {Refusal.NOBODY}"  # each part's gate


def test_a_part_the_articles_do_not_answer_is_named_with_the_refusal_and_the_rest_kept():
    chat, _ = make_chat(["瑞安建成了9家博士后工作站[1]。", "瑞安的GDP是多少?", NOT_FOUND])
    result = chat.answer("瑞安建成了多少家博士后工作站?它的GDP是多少?")
    assert result.text == f"瑞安建成了9家博士后工作站[1]。\n\n它的GDP是多少? {REFUSALS['zh-Hans']}"
    assert len(result.citations) == 1 and not result.refused


def test_a_question_whose_parts_are_all_unanswered_is_one_refusal_without_citations():
    chat, _ = make_chat([NOT_FOUND, "瑞安的GDP是多少?", NOT_FOUND])
    result = chat.answer("瑞安的人口是多少?它的GDP是多少?")
    assert result.refused and result.citations == () and result.text == REFUSALS["zh-Hans"]


def test_no_history_means_no_rewrite_call():
    chat, model = make_chat(["瑞安建成了9家博士后工作站[1]。"])
    chat.answer("瑞安建成了多少家博士后工作站?")
    assert model.i == 1


@pytest.mark.parametrize("bad", ["", "   \n\t ", "\x00\x01"])
def test_empty_question_is_refused_clearly_before_any_model_call(bad):
    chat, model = make_chat(["x"])
    with pytest.raises(InputError, match="empty"):
        chat.answer(bad)
    assert model.i == 0


def test_overlong_question_is_refused_with_the_limit():
    chat, model = make_chat(["x"])
    with pytest.raises(InputError, match="limit is 2,000"):
        chat.answer("问" * 20_000)
    assert model.i == 0


@pytest.mark.parametrize("question, focus", [
    ("瑞安雲江科創大會的主題是什麼?", ["主題"]), ("浙江计划引进多少海外工程师?", ["海外工程师"]),
    ("海创汇科技创业发展股份有限公司的董事长是谁?", ["董事长"]), ("Who came?", [])])
def test_focus_terms_are_the_words_beside_the_question_word(question, focus):
    from assistant.retrieval.hybrid import focus_terms

    assert focus_terms(question) == focus


def test_a_long_sentence_is_trimmed_to_its_best_clauses_with_exact_offsets():
    from assistant.answering.evidence import SentenceScorer, sentences_of, trim

    text = ("引育更多具有全球影响力的战略科学家,打造一流科技领军人才和创新团队,培育领军型创新创业团队100个以上,"
            "支持有条件的科研力量积极参与国际大科学计划,加快布局建设国际科技合作载体,面向主要创新型国家和制造业强国引进千名海外工程师。")
    passage = Passage("c9", "002.txt", "t", text, 0.1, 500, 500 + len(text))
    scorer = SentenceScorer(None, overlap=lambda q, texts: [float("工程师" in t) for t in texts])
    (sentence,) = sentences_of(passage)
    cut = trim(sentence, "引进多少海外工程师?", scorer, max_chars=60)
    assert cut.text.endswith("引进千名海外工程师。") and len(cut.text) <= 60
    assert text[cut.start - 500:cut.end - 500] == cut.text


def ManyArticles():  # noqa: N802
    """Twenty articles; the search ranks them from s19 down to s00."""
    sources = [f"s{i:02d}.txt" for i in range(19, -1, -1)]
    return fakes.FakeRetriever([fakes.passage(TEXT, s, s, chunk_id=f"c-{s}") for s in sources],
                               {f"s{i:02d}.txt": f"event {i} | date 2021-11-14" for i in range(20)})


def test_a_question_across_many_articles_reads_only_the_best_ranked_articles():
    MAX_CATALOGUE = Settings().tuning.max_catalogue
    chat = Chat(Settings(), ManyArticles(), FakeListChatModel(responses=["UNUSED"]))
    passages, snippets = chat.across_evidence("列出所有活动的日期")
    assert [s.source for s in snippets] == [f"s{i:02d}.txt" for i in range(19, 19 - MAX_CATALOGUE, -1)]
    assert [s.marker for s in snippets] == list(range(1, MAX_CATALOGUE + 1))
    record = chat.retriever.records()["s19.txt"]
    assert snippets[0].text.startswith(record.line() + " — ")  # the event record, then the best sentence


def ThreeEvents(ruian: str, wuxi: str):  # noqa: N802
    """Rui'an (001), Wuxi (003) and Jinhua (002), with these texts for the first two."""
    return fakes.FakeRetriever(
        [fakes.passage(ruian, "001.txt", "瑞安大会", chunk_id="a"), fakes.passage(wuxi, "003.txt", "无锡出访", chunk_id="b"),
         fakes.passage("金华举办了工博会。", "002.txt", "金华大会", chunk_id="c")],
        {"001.txt": "瑞安大会 | date 2021-11-14", "003.txt": "无锡出访 | date 2023-06-02", "002.txt": "金华大会"})


def test_a_question_across_articles_is_asked_of_each_article_and_each_answer_checked_alone():
    retriever = ThreeEvents("瑞安建成了9家博士后工作站。", "无锡建成了5家博士后工作站。")
    # one call per article that has the words asked about (sorted by source): 001, 003 (a number it does not
    # state); 002 never mentions a 工作站 and is not asked
    model = FakeListChatModel(responses=["瑞安建成了9家博士后工作站[1]。", "无锡建成了15家博士后工作站[1]。"])
    chat = Chat(Settings(), retriever, model)
    pieces = list(chat.stream("各个活动分别建成了多少家工作站?"))
    result = pieces[-1]
    assert model.i == 0  # two calls (FakeListChatModel wraps round to 0)
    # each line names its event by the article's record; the wrong count (15) is no line: the article, read
    # for the word asked about, is answered by its sentence holding it
    assert result.text == ("- 《瑞安大会》, 2021-11-14: 瑞安建成了9家博士后工作站[1]。\n"
                           "- 《无锡出访》, 2023-06-02: 无锡建成了5家博士后工作站。[2]") and not result.refused
    assert "15" not in result.text and [c.source for c in result.citations] == ["001.txt", "003.txt"]
    assert "".join(p for p in pieces[:-1] if isinstance(p, str)) == result.text  # streamed line by line


def test_a_question_across_articles_reads_the_articles_it_names():
    retriever = ThreeEvents("瑞安大会在东新科创园举行。", "无锡代表团出访欧洲。")
    chat = Chat(Settings(), retriever, FakeListChatModel(responses=["UNUSED"]))
    _, snippets = chat.across_evidence("瑞安大会和无锡出访分别是哪天?")
    assert [s.source for s in snippets] == ["001.txt", "003.txt"]
    _, snippets = chat.across_evidence("各个活动分别是哪天?")  # no name: every article
    assert len(snippets) == 3


def DatedEvents():  # noqa: N802
    """Rui'an held in 2021, Wuxi in 2023, Jinhua undated."""
    return fakes.FakeRetriever(
        [fakes.passage("瑞安。", "001.txt", "瑞安大会", chunk_id="a"), fakes.passage("无锡。", "003.txt", "无锡", chunk_id="b"),
         fakes.passage("金华。", "002.txt", "金华", chunk_id="c")],
        {"001.txt": "瑞安大会 | date 2021-11-14", "003.txt": "无锡出访 | date 2023-06-02", "002.txt": "金华大会"})


def test_a_year_keeps_the_articles_dated_then():
    chat = Chat(Settings(), DatedEvents(), FakeListChatModel(responses=["UNUSED"]))
    _, snippets = chat.across_evidence("Which events were held in 2023?")
    assert [s.source for s in snippets] == ["003.txt"]  # not the undated Jinhua: nothing shows it was 2023


def test_a_bound_in_time_keeps_the_articles_whose_event_is_within_it():
    chat = Chat(Settings(), DatedEvents(), FakeListChatModel(responses=["UNUSED"]))
    # the bound's year names no event: 2022 keeps no article dated 2022, it keeps those before it
    _, snippets = chat.across_evidence("2022年より前に開かれたイベントはどれですか?")
    assert [s.source for s in snippets] == ["001.txt"]
    _, snippets = chat.across_evidence("Which events were held after 2022?")
    assert [s.source for s in snippets] == ["003.txt"]


def test_an_article_kept_for_a_name_whose_own_answer_fails_is_answered_by_its_sentence_holding_it():
    """Shown one article, the model answers "which articles mention Ukraine?" with NOT_FOUND; the article
    kept for that name is answered by its sentence holding it, cited there."""
    text = "宁波与芬兰开展科技合作交流活动。宁波引进建设了乌克兰国家科学院材料研究所中国中心。"
    retriever = fakes.FakeRetriever([fakes.passage(text, "000.txt", "中芬会谈", chunk_id="a"),
                                     fakes.passage("瑞安开展科技合作交流活动。", "001.txt", "瑞安大会", chunk_id="b")],
                                    {"000.txt": "中芬会谈 | date 2019-05-20", "001.txt": "瑞安大会"})
    chat = Chat(Settings(), retriever, FakeListChatModel(responses=["NOT_FOUND"]))
    result = chat.answer("哪些文章提到乌克兰的科技合作交流活动?")
    assert result.text == "- 《中芬会谈》, 2019-05-20: 宁波引进建设了乌克兰国家科学院材料研究所中国中心。[1]"
    (cited,) = result.citations
    article = retriever.article("000.txt")["text"]
    assert cited.source == "000.txt" and article[cited.start:cited.end] == cited.snippet == "宁波引进建设了乌克兰国家科学院材料研究所中国中心。"
    # an article read for no name the question gives is not quoted: its failed answer is no line
    chat = Chat(Settings(), ThreeEvents("瑞安大会在东新科创园举行。", "无锡代表团出访欧洲。"),
                FakeListChatModel(responses=["NOT_FOUND"]))
    assert chat.answer("各个活动分别是哪天?").refused


def test_an_article_whose_record_dates_it_in_the_year_asked_answers_a_question_across_articles():
    """The Wuxi text says only 6月2日; its record (published or held 2023-06-02) states the year."""
    retriever = ThreeEvents("瑞安建成了9家博士后工作站。", "无锡建成了5家博士后工作站。")
    # the undated Jinhua article (002) is kept by the year, but never mentions a 工作站 and is not asked
    model = FakeListChatModel(responses=["无锡建成了5家博士后工作站[1]。", "UNUSED"])
    result = Chat(Settings(), retriever, model).answer("2023年各个活动分别建成了多少家工作站?")
    assert not result.refused and [c.source for c in result.citations] == ["003.txt"]


def test_model_calls_are_recorded_only_inside_a_recording_block():
    from assistant.llm.adapters import recording_calls

    chat, _ = make_chat(["瑞安建成了多少家博士后工作站?", "Rui'an has built 9 postdoctoral workstations [1]."])
    with recording_calls() as calls:
        chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert len(calls) == 2  # the translation, then the answer
    assert all(c["start_s"] <= c["first_s"] for c in calls) and calls[0]["first_s"] <= calls[1]["start_s"]
    assert "prompt_tokens" not in calls[0]  # only llama.cpp reports what it read
    chat.answer("瑞安建成了多少家博士后工作站?")
    assert len(calls) == 2


def Mayors():  # noqa: N802
    """Two articles whose records name a mayor among other office holders, and one naming none."""
    from assistant.types import EventRecord, RecordField

    ningbo = "芬兰乌尔维拉市长尤卡·莫拉讷恩、副总领事任爱丽等30余位外方嘉宾来甬考察。"
    qingdao = "青岛市市长赵豪志致辞。副省长宋军继出席。"
    passages = [fakes.passage(ningbo, "000.txt", "中芬会谈", chunk_id="n", start=0),
                fakes.passage(qingdao, "004.txt", "鲁港交流会", chunk_id="q", start=50),
                fakes.passage("金华举办了工博会。", "002.txt", "金华大会", chunk_id="j", start=0)]
    end = ningbo.index("。") + 1
    records = {
        "000.txt": EventRecord("000.txt", "中芬会谈", fields=(
            RecordField("people", "市长 尤卡·莫拉讷恩", 0, end), RecordField("people", "副总领事 任爱丽", 0, end))),
        "004.txt": EventRecord("004.txt", "鲁港交流会", fields=(
            RecordField("people", "市长 赵豪志", 50, 61), RecordField("people", "副省长 宋军继", 61, 70))),
        "002.txt": EventRecord("002.txt", "金华大会"),
    }
    return fakes.FakeRetriever(passages, records=records)


def test_a_question_about_the_holders_of_an_office_across_articles_is_answered_from_the_records():
    """No model call: each article's mayor as its record names them, cited to the sentence they stand in;
    a vice consul or vice governor is no mayor, and an article naming no mayor has no line."""
    model = FakeListChatModel(responses=["UNUSED"])
    result = Chat(Settings(), Mayors(), model).answer("这些报道中有哪些市长?")
    assert result.text == "- 《中芬会谈》: 市长尤卡·莫拉讷恩[1]\n- 《鲁港交流会》: 市长赵豪志[2]"
    assert [(c.marker, c.source, c.chunk_id) for c in result.citations] == [(1, "000.txt", "n"), (2, "004.txt", "q")]
    assert result.citations[0].snippet.startswith("芬兰乌尔维拉市长尤卡·莫拉讷恩")
    assert result.citations[1].snippet == "青岛市市长赵豪志致辞。"
    assert model.i == 0


def test_an_english_answer_across_articles_keeps_the_articles_names_romanised_with_the_original():
    """The translation is given "Youka Molaneen (尤卡·莫拉讷恩)", not left to guess a name; when the joined
    translation comes back in Chinese, each line is translated on its own."""
    from assistant.answering.naming import romanised_names

    assert romanised_names("- 市长尤卡·莫拉讷恩[1]\n- 市長趙豪志[2]", ["尤卡·莫拉讷恩", "赵豪志"]) == \
        "- 市长Youka Molaneen (尤卡·莫拉讷恩)[1]\n- 市長Zhao Haozhi (趙豪志)[2]"
    model = FakeListChatModel(responses=["这些报道中有哪些市长?", "- 市长尤卡·莫拉讷恩[1]\n- 市长赵豪志[2]",
                                         "Mayor Youka Molaneen (尤卡·莫拉讷恩) [1]", "Mayor Zhao Haozhi (赵豪志) [2]",
                                         "UNUSED"])
    result = Chat(Settings(), Mayors(), model).answer("Which mayors are named in these articles?")
    assert result.text == "- Mayor Youka Molaneen (尤卡·莫拉讷恩) [1]\n- Mayor Zhao Haozhi (赵豪志) [2]"
    assert not result.refused and len(result.citations) == 2


def test_names_a_translation_would_guess_at_are_romanised_with_the_original_before_it():
    """A checked Chinese answer is translated with its unfamiliar names written "Pinyin (原名)": the 1.5B
    model wrote "Sakhtan" for 萨塔昆塔 and "SouthYuan" for 南苑 and lost them; names it knows (宁波, 巴黎,
    德国) are left to it, and a name jieba splits (萨塔昆|塔, 拉德|芳斯, 普|利兹) is read whole."""
    from assistant.answering.naming import romanised_names

    cases = {"萨塔昆塔大区是芬兰工业化程度最高的一个区[1]。": "Satakunta (萨塔昆塔)大区是芬兰工业化程度最高的一个区[1]。",
             "代表团参观了法国巴黎拉德芳斯中心商务区[1]。": "代表团参观了法国巴黎Ladefangsi (拉德芳斯)中心商务区[1]。",
             "会谈在宁波市南苑饭店举行[1]。": "会谈在宁波市Nanyuan (南苑)饭店举行[1]。",
             "芬兰普利兹公司业务发展协调员海基·佩尔科": "芬兰Pulizi (普利兹)公司业务发展协调员Haiji Peierke (海基·佩尔科)",
             "代表团在德国慕尼黑举行会议": "代表团在德国慕尼黑举行会议",
             # the dictionary's English name where it has one; a dotted name whole, though one half is familiar
             "野马队击败了匹兹堡钢人队。": "野马队击败了Pittsburgh (匹兹堡)钢人队。",
             "由玛丽·麦特琳翻译。": "由Mary Maitelin (玛丽·麦特琳)翻译。"}
    for text, glossed in cases.items():
        assert romanised_names(text) == glossed
    # a person named as such keeps surname and given name; a name already glossed is left as it is
    assert romanised_names("董事长樊军出席[1]。", ["樊军"]) == "董事长Fan Jun (樊军)出席[1]。"
    assert romanised_names("Satakunta (萨塔昆塔)大区") == "Satakunta (萨塔昆塔)大区"


def test_an_english_answer_through_chinese_gives_the_translation_the_names_romanised():
    model, seen = recording(["芬兰哪个地区是工业化程度最高的地区?", "NOT_FOUND",
                            "萨塔昆塔大区是芬兰工业化程度最高的一个区[1]。",
                            "The Satakunta (萨塔昆塔) region is the most industrialised region of Finland [1].",
                            "UNUSED"])
    store = fakes.FakeRetriever([fakes.passage("芬兰萨塔昆塔大区是芬兰工业化程度最高的一个区。", dense=0.9)])
    result = Chat(Settings(), store, model).answer("Which region is the most industrialised region of Finland?")
    assert "Satakunta (萨塔昆塔)大区" in seen[3]
    assert not result.refused and "Satakunta (萨塔昆塔)" in result.text


def test_a_question_about_the_articles_as_a_whole_is_a_question_across_them():
    from assistant.answering.evidence import is_cross_article

    for question in ("这些报道中,哪两地的活动涉及传感器方面的项目?", "這幾篇文章提到了哪些大學?",
                     "これらの記事に出てくる大学はどこですか?", "Which universities do these articles mention?"):
        assert is_cross_article(question), question
    for question in ("这篇报道的作者是谁?", "九龙巴士7号线来往于哪两个地方?", "What did the article say about Wuxi?"):
        assert not is_cross_article(question), question


def test_an_article_kept_for_a_name_the_question_gives_is_read_at_that_name():
    """The question names Ukraine; the sentence naming it is the article's evidence, not the one most like
    the question as a whole."""
    text = "宁波与芬兰开展科技合作交流活动。宁波引进建设了乌克兰国家科学院材料研究所中国中心。"
    retriever = fakes.FakeRetriever([fakes.passage(text, "000.txt", "中芬会谈", chunk_id="a"),
                                     fakes.passage("瑞安开展科技合作交流活动。", "001.txt", "瑞安大会", chunk_id="b")],
                                    {"000.txt": "中芬会谈", "001.txt": "瑞安大会"})
    chat = Chat(Settings(), retriever, FakeListChatModel(responses=["UNUSED"]))
    _, snippets = chat.across_evidence("哪些文章提到乌克兰的科技合作交流活动?")
    assert [s.source for s in snippets] == ["000.txt"]
    assert "乌克兰国家科学院" in snippets[0].text


@pytest.mark.parametrize("share, refused", [(0.1, True), (0.9, False), (None, False)])
def test_the_model_asked_whether_its_cited_passage_states_the_answer_decides_last(monkeypatch, share, refused):
    from assistant.answering import pipeline
    from assistant.config import Tuning

    asked = []
    monkeypatch.setattr(pipeline, "yes_probability", lambda model, messages, settings, lock: asked.append(messages) or share)
    chat, _ = make_chat(["瑞安建成了9家博士后工作站[1]。"], tuning=Tuning(verify_min_yes=0.2))
    result = chat.answer("瑞安建成了多少家博士后工作站?")
    assert result.refused is refused
    if refused:  # below the floor: a refusal in the question's language, nothing cited
        assert result.text == REFUSALS["zh-Hans"] and result.citations == () and result.refused_by == Refusal.CHECK
    # None: a model that cannot tell (a fake, an endpoint without log-probabilities) leaves the answer alone
    (messages,) = asked  # the question, the answer without its markers and the passage it cites
    prompt = messages[-1][1]
    assert "Question: 瑞安建成了多少家博士后工作站?" in prompt and "Proposed answer: 瑞安建成了9家博士后工作站。" in prompt
    assert "9家博士后工作站" in prompt.split("Question:")[0]


@pytest.mark.parametrize("named, refused", [("王立新", False), ("陈立新", True)])
def test_a_right_answer_citing_the_wrong_passage_is_checked_again_on_the_passage_holding_it(monkeypatch, named, refused):
    """The model check reads only what the answer cites: "…王立新[1]" over the opening sentence fails it. The
    passage of the prompt holding most of what the answer adds is cited instead and checked again; an answer
    no passage of the prompt holds stays refused."""
    from assistant.answering import pipeline
    from assistant.config import Tuning

    def yes(model, messages, settings, lock):  # the model says yes where the passage names the answer's person
        passages = messages[-1][1].split("Question:")[0]
        return 0.9 if named in passages else 0.05

    monkeypatch.setattr(pipeline, "yes_probability", yes)
    opening = fakes.passage("5月8日,杭州科技论坛在杭州饭店举行。此次会议由杭州市政府主办。", "001.txt", "杭州科技论坛", chunk_id="a")
    speaker = fakes.passage("市科技局局长王立新在会上介绍了合作情况。", "001.txt", "杭州科技论坛", chunk_id="b", start=300)
    retriever = fakes.FakeRetriever([opening, speaker], {"001.txt": "杭州科技论坛"})
    model = FakeListChatModel(responses=[f"杭州市政府科技局局长{named}[1]。", "UNUSED"])
    chat = Chat(Settings(tuning=Tuning(verify_min_yes=0.2, sure_margin=0.0)), retriever, model)  # both in the prompt
    result = chat.answer("杭州市科技局局长叫什么名字?")
    assert result.refused is refused
    if refused:  # no passage of the prompt names 陈立新: still the model check's refusal
        assert result.refused_by == Refusal.CHECK and result.citations == ()
    else:
        (cite,) = result.citations
        assert cite.chunk_id == "b" and "王立新" in cite.snippet and result.text.endswith("[1]。")


def test_the_answer_check_by_the_model_is_not_asked_when_turned_off_or_when_the_rules_refuse(monkeypatch):
    from assistant.answering import pipeline
    from assistant.config import Tuning

    asked = []
    monkeypatch.setattr(pipeline, "yes_probability", lambda *a: asked.append(a) or 0.0)
    chat, _ = make_chat(["瑞安建成了9家博士后工作站[1]。"], tuning=Tuning(verify_min_yes=0))  # 0 turns it off
    assert not chat.answer("瑞安建成了多少家博士后工作站?").refused
    chat, _ = make_chat(["2022年北京冬奥会的吉祥物是冰墩墩[1]。"], tuning=Tuning(verify_min_yes=0.2))
    assert chat.answer("2022年北京冬奥会的吉祥物是什么?").refused
    assert asked == []  # the rules refused first: no model call spent on it


JA_TEXT = "梅雨は、北海道と小笠原諸島を除く日本で、5月から7月にかけて見られる雨の多い期間である。"


class _ByScript(fakes.FakeRetriever):
    """Passages by query: what a search by the question as asked (kana) finds, and what its Chinese
    translation finds, given per script."""

    def __init__(self, passages, kana: list[str], other: list[str]):
        super().__init__(passages)
        self.found = {True: kana, False: other}

    def search(self, query, k=5, vector=None, source=None, **filters):
        self.queries.append(query)
        ids = self.found[any("\u3040" <= ch <= "\u30ff" for ch in query)]
        return [p for cid in ids for p in self.passages if p.chunk_id == cid][:k]


def _recording(chat):
    prompts = []
    generate = chat._generate

    def recorded(messages):
        prompts.append(messages[-1][1])
        yield from generate(messages)
    chat._generate = recorded
    return prompts


JA_OTHER = "梅雨前線は華南や南西諸島付近に停滞する。"


def test_a_japanese_question_over_japanese_passages_is_read_by_its_own_words_without_its_translation():
    """The translation found Japanese passages too, but not the one that answers: the passages the
    question's own words found come first, and the model does not see the translation beside them."""
    retriever = _ByScript([fakes.passage(JA_TEXT, source="ja.txt", title="梅雨", chunk_id="j1"),
                           fakes.passage(JA_OTHER, source="ja.txt", title="梅雨", chunk_id="j2", start=300)],
                          kana=["j1"], other=["j2"])
    model = FakeListChatModel(responses=["梅雨在日本何时可见?", "梅雨は5月から7月にかけて見られます[1]。", "UNUSED"])
    chat = Chat(Settings(), retriever, model)
    prompts = _recording(chat)
    result = chat.answer("梅雨が見られるのはいつですか?")
    assert retriever.queries[:2] == ["梅雨が見られるのはいつですか?", "梅雨在日本何时可见?"]
    assert [p.chunk_id for p in result.passages] == ["j1", "j2"]
    assert "5月から7月" in prompts[-1] and "梅雨在日本何时可见" not in prompts[-1]
    assert not result.refused and result.citations[0].chunk_id == "j1"


def test_a_japanese_question_whose_translation_finds_chinese_passages_keeps_them_alone():
    """Over Chinese passages the translation's search stands: another article's Japanese sentence found by
    the question's own words is not added to the prompt."""
    retriever = _ByScript([fakes.passage(JA_OTHER, source="ja.txt", title="梅雨", chunk_id="j2"),
                           fakes.passage(TEXT, chunk_id="c1")], kana=["j2"], other=["c1"])
    model = FakeListChatModel(responses=["瑞安建成了多少家博士后工作站?", "瑞安は9つのポスドク工作站を建設しました[1]。",
                                         "UNUSED"])
    chat = Chat(Settings(), retriever, model)
    prompts = _recording(chat)
    result = chat.answer("瑞安はいくつのポスドク工作站を建設しましたか?")
    assert [p.chunk_id for p in result.passages] == ["c1"]
    assert "梅雨前線" not in prompts[1]
    assert "(The same question in Chinese, to find it in the passages: 瑞安建成了多少家博士后工作站?)" in prompts[1]


def test_an_english_question_over_chinese_passages_still_shows_the_model_its_chinese_search_form():
    chat, _ = make_chat(["瑞安建成了多少家博士后工作站?", EN_ANSWER])
    prompts = _recording(chat)
    chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert "(The same question in Chinese, to find it in the passages: 瑞安建成了多少家博士后工作站?)" in prompts[1]


def test_a_question_across_articles_reads_the_articles_holding_the_words_it_asks_about():
    # no name tells the articles apart, the word asked about does: only 无锡 mentions a sensor
    retriever = ThreeEvents("瑞安大会在东新科创园举行。", "无锡代表团达成了传感器项目合作。")
    chat = Chat(Settings(), retriever, FakeListChatModel(responses=["UNUSED"]))
    _, snippets = chat.across_evidence("哪些活动涉及传感器项目?")
    assert [s.source for s in snippets] == ["003.txt"]
    _, snippets = chat.across_evidence("哪些活动涉及机器人?")  # no article holds it: every article is read
    assert len(snippets) == 3


def test_a_verb_of_the_question_does_not_pick_the_articles_across():
    # 注明 is rare but a verb, the question's frame: one article writing it is no reason to read it alone
    retriever = ThreeEvents("瑞安大会在东新科创园举行。", "本文注明来源为无锡日报。")
    chat = Chat(Settings(), retriever, FakeListChatModel(responses=["UNUSED"]))
    _, snippets = chat.across_evidence("这几篇报道中,哪些注明了来源媒体?")
    assert len(snippets) == 3


@pytest.mark.parametrize("answer, wrong", [
    ("鲁港科技合作创新中心将集聚人工智能、生物医药等要素[1]。", False),
    ("鲁港科技合作创新中心将集聚人工知能、バイオメディカル等要素[1]。", True),  # Japanese words read off the passage
    ("中国 SAE 为瑞安设计了「オーダーメイド」平台[1]。", False),  # a quoted term keeps its own words
])
def test_a_chinese_answer_with_kana_is_the_wrong_language(answer, wrong):
    from assistant.answering.pipeline import wrong_language

    assert wrong_language(answer, "zh-Hans") is wrong


def test_a_question_about_something_no_article_mentions_is_refused_before_the_model_is_asked():
    chat, model = make_chat(["温州建成了9家博士后工作站[1]。"])
    items = list(chat.stream("温州建成了多少家博士后工作站?"))  # 温州 stands in no indexed passage
    assert items[-1].refused and model.i == 0


def test_a_year_the_passages_never_state_is_dropped_from_an_answer_that_otherwise_holds():
    chat, _ = make_chat(["瑞安建成了多少家博士后工作站?", "By 2021, Rui'an had built 9 postdoctoral workstations [1]."])
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert not result.refused and "2021" not in result.text and "9 postdoctoral" in result.text


def test_an_english_answer_naming_what_its_chinese_passage_never_does_goes_to_the_chinese_answer():
    """"…built by Michael Jordan" over a passage naming nobody: refused in English at the calibrated floor, the
    question is answered in Chinese and translated; with the floor at 0 (the default) the invented name is given."""
    invented = "Rui'an has built 9 postdoctoral workstations, all founded by Michael Jordan and Pippen [1]."
    question = "How many postdoctoral workstations has Rui'an built?"
    strict = Settings().tuning.model_copy(update={"english_min": 0.34})
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", invented, ZH_ANSWER, EN_ANSWER], tuning=strict)
    result = chat.answer(question)
    assert result.text == EN_GIVEN and model.i == 4 and result.citations
    lax = Settings().tuning.model_copy(update={"english_min": 0.0})
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", invented, ZH_ANSWER, EN_ANSWER], tuning=lax)
    assert "Michael Jordan" in chat.answer(question).text and model.i == 2


def test_a_translation_of_the_checked_answer_adding_what_its_passage_never_says_is_refused():
    invented = "Rui'an has built 9 postdoctoral workstations, all founded by Michael Jordan and Pippen [1]."
    strict = Settings().tuning.model_copy(update={"english_min": 0.34})
    chat, model = make_chat(["瑞安建成了多少家博士后工作站?", ZH_ANSWER, invented], pivot="first", tuning=strict)
    result = chat.answer("How many postdoctoral workstations has Rui'an built?")
    assert model.i == 3 and result.refused and result.text == REFUSALS["en"] and result.citations == ()
    assert result.refused_by == Refusal.ENGLISH


def test_a_translated_answer_spelling_its_sources_name_by_sound_keeps_it_with_the_original():
    """The English translation of a checked Chinese answer writes its name as it sounds ("Shao Jun" for 萧峻,
    .71 of its letters alike and no run of transliteration characters): the name of the answer it translates
    goes beside it, and what the translation adds then stands in the passage."""
    text = "研究院由青年学者萧峻教授在海外创立,总部设在宁波。"
    strict = Settings().tuning.model_copy(update={"english_min": 0.34})
    translated = "The institute was founded overseas by Professor Shao Jun, a young scholar [1]."
    model = FakeListChatModel(responses=["研究院由谁创立?", "研究院由萧峻教授在海外创立[1]。", translated, "UNUSED"])
    chat = Chat(Settings(pivot="first", tuning=strict), fakes.FakeRetriever([fakes.passage(text)]), model)
    result = chat.answer("Who founded the institute?")
    assert result.text == "The institute was founded overseas by Professor Shao Jun (萧峻), a young scholar [1]."
    assert result.citations and not result.refused


def SeasonalEvents():  # noqa: N802
    """Ningbo in May 2019, Jinhua on 4月19日至21日 of no stated year, Rui'an in November 2021, one undated."""
    from assistant.types import EventRecord, RecordField

    texts = {"000.txt": ("宁波会谈", "5月20日,中芬会谈在宁波举行。"), "002.txt": ("金华大会", "4月19日至21日,国合大会在金华召开。"),
             "001.txt": ("瑞安大会", "11月14日,瑞安大会在东新科创园举行。"), "005.txt": ("某论坛", "某论坛在杭州举行。")}
    dates = {"000.txt": ("2019-05-20",), "001.txt": ("2021-11-14",)}
    records = {}
    for src, (title, text) in texts.items():
        stated = text.split(",")[0] if "月" in text else ""
        fields = (RecordField("dates", stated, 100, 100 + len(text)),) if stated else ()  # fakes.passage's offsets
        records[src] = EventRecord(src, title, event_dates=dates.get(src, ()), fields=fields)
    return fakes.FakeRetriever([fakes.passage(text, src, title, chunk_id=src) for src, (title, text) in texts.items()],
                               records=records)


def test_the_time_asked_keeps_the_articles_whose_event_is_dated_within_it():
    from assistant.answering.pipeline import in_time

    records = SeasonalEvents().records()
    kept, timed = in_time(records, "这几篇报道中,哪些活动是在春季(3月至5月)举行的?")
    assert sorted(kept) == sorted(timed) == ["000.txt", "002.txt"]  # 4月19日 without a year is still April
    # Jinhua gives no year: it cannot be shown to be before 2020 (the undated 005 no month either)
    kept, timed = in_time(records, "Which events were held before 2020 in spring?", "哪些活动在2020年之前的春季举行?")
    assert list(kept) == ["000.txt"] and timed == {"000.txt"}
    assert in_time(records, "哪些活动涉及传感器?") == (records, set())  # no time named: nothing judged
    assert in_time(records, "Which events were held in July?") == (records, set())  # none: it rules none out


def test_an_article_kept_for_the_time_asked_is_answered_by_its_events_label_cited_to_the_dating_sentence():
    """Shown one article, the 1.5B model answered "which events were held in spring?" with NOT_FOUND, the
    question again, or an event the article does not name; the code compared the record's date with the
    months asked, so the event's label is the line, cited to the sentence dating it; the model is not asked."""
    model = FakeListChatModel(responses=["2019年5月20日的青岛海洋科技大会是在春季举行的[1]。", "UNUSED", "UNUSED"])
    chat = Chat(Settings(), SeasonalEvents(), model)
    result = chat.answer("这几篇报道中,哪些活动是在春季举行的?")
    assert model.i == 0  # no call: the two articles kept are dated in spring (005, undated, is not read)
    assert result.text == "- 《宁波会谈》, 2019-05-20[1]\n- 《金华大会》, 4月19日至21日[2]"
    assert [c.source for c in result.citations] == ["000.txt", "002.txt"]
    assert result.citations[1].snippet == "4月19日至21日,国合大会在金华召开。"
    # no time asked: an answer that fails is no line
    assert Chat(Settings(), SeasonalEvents(), FakeListChatModel(responses=[NOT_FOUND])).answer(
        "这几篇报道中,哪些活动有外国嘉宾参加?").refused


def test_a_region_the_question_names_keeps_the_articles_naming_its_countries():
    retriever = fakes.FakeRetriever(
        [fakes.passage("宁波与芬兰开展科技合作。", "000.txt", "中芬会谈", chunk_id="a"),
         fakes.passage("金华举办挪威绿色技术专场对接会。", "002.txt", "金华大会", chunk_id="b"),
         fakes.passage("无锡代表团赴法国、德国交流。", "003.txt", "无锡出访", chunk_id="c")],
        {"000.txt": "中芬会谈", "002.txt": "金华大会", "003.txt": "无锡出访"})
    chat = Chat(Settings(), retriever, FakeListChatModel(responses=["UNUSED"]))
    _, snippets = chat.across_evidence("これらの記事のうち、北欧の国が関わる活動はどれですか?", "这些文章中,哪些活动涉及北欧国家?")
    assert [s.source for s in snippets] == ["000.txt", "002.txt"]
    assert snippets[0].held == ("芬兰",) and snippets[1].held == ("挪威",)


def Turnouts():  # noqa: N802
    """Ningbo with 30 foreign guests, Jinhua with 300 guests, Rui'an counting no one."""
    from assistant.types import EventRecord, RecordField

    texts = {"000.txt": ("宁波会谈", "30余位外方嘉宾应邀出席。", "30余位外方嘉宾"),
             "002.txt": ("金华大会", "共有300余名来宾参加本次大会。", "300余名来宾"),
             "001.txt": ("瑞安大会", "瑞安引进人才861名。", "")}
    records = {src: EventRecord(src, title, fields=(RecordField("attended", n, 100, 100 + len(t)),) if n else ())
               for src, (title, t, n) in texts.items()}
    return fakes.FakeRetriever([fakes.passage(t, src, title, chunk_id=src) for src, (title, t, _) in texts.items()],
                               records=records)


def test_a_bound_on_how_many_took_part_keeps_the_events_whose_record_counts_within_it():
    from assistant.answering.pipeline import by_turnout

    records = Turnouts().records()
    kept, fields = by_turnout(records, "哪些活動的參加人數達到200人以上?")
    assert list(kept) == ["002.txt"] and fields["002.txt"].value == "300余名来宾"
    kept, _ = by_turnout(records, "Which events had fewer than 100 guests?", "哪些活动的嘉宾少于100人?")
    assert list(kept) == ["000.txt"]  # Rui'an counts no one: it cannot bear out either bound
    assert by_turnout(records, "Which events had more than 5000 participants?") == (records, {})  # none: rules none out
    assert by_turnout(records, "哪些活动涉及传感器?") == (records, {})


def test_an_event_kept_for_how_many_took_part_is_answered_by_its_records_count():
    model = FakeListChatModel(responses=["金华大会有200人参加[1]。", "UNUSED"])
    result = Chat(Settings(), Turnouts(), model).answer("这几篇报道中,哪些活动的参加人数达到200人以上?")
    assert result.text == "- 《金华大会》: 300余名来宾[1]"  # 300 meets 200人以上, though the article never says 200
    assert result.citations[0].snippet == "共有300余名来宾参加本次大会。" and model.i == 0  # no call


def test_a_japanese_answer_through_chinese_gives_the_translation_the_countries_in_japanese():
    model, seen = recording(["宁波与哪个国家开展合作?", "宁波与芬兰开展合作[1]。",
                            "寧波はフィンランドと協力しています[1]。", "UNUSED"])
    store = fakes.FakeRetriever([fakes.passage("宁波与芬兰开展科技合作交流活动。", dense=0.9)])
    result = Chat(Settings(pivot="first"), store, model).answer("寧波はどの国と協力していますか?")
    assert "宁波与フィンランド开展合作[1]。" in seen[2]  # the checked answer, as given to the translation
    assert not result.refused and "フィンランド" in result.text


def test_lines_across_articles_go_into_a_japanese_translation_with_the_countries_in_japanese():
    retriever = fakes.FakeRetriever(
        [fakes.passage("宁波与芬兰开展科技合作。", "000.txt", "中芬会谈", chunk_id="a"),
         fakes.passage("无锡代表团赴法国、德国交流。", "003.txt", "无锡出访", chunk_id="c")],
        {"000.txt": "中芬会谈", "003.txt": "无锡出访"})
    model, seen = recording(["这些文章中,哪些活动涉及北欧国家?", "宁波与芬兰开展科技合作[1]。",
                            "- 《中芬会谈》: 寧波はフィンランドと科学技術協力を行った[1]。", "UNUSED"])
    result = Chat(Settings(), retriever, model).answer("これらの記事のうち、北欧の国が関わる活動はどれですか?")
    assert "フィンランド" in seen[-1] and "芬兰" not in seen[-1]  # the lines, as given to the translation
    assert "フィンランド" in result.text and [c.source for c in result.citations] == ["000.txt"]


def test_a_sure_best_sentence_is_given_alone_only_when_scored_by_the_questions_own_words(monkeypatch):
    from assistant.answering import pipeline
    margins = []
    real = pipeline.select_snippets

    def spy(*args):
        margins.append(args[9])
        return real(*args)

    monkeypatch.setattr(pipeline, "select_snippets", spy)
    chat = Chat(Settings(tuning={"sure_margin": 0.3}), ManyArticles(), FakeListChatModel(responses=["UNUSED"]))
    chat.evidence("瑞安建成了多少家博士后工作站?")
    assert margins == [0.3]
    chat.evidence("How many postdoctoral workstations has Rui'an built?", "瑞安建成了多少家博士后工作站?")
    assert margins == [0.3, 0.0]  # scored by a translation's words: never alone
    chat.across_evidence("列出所有活动的日期")
    assert margins[2:] and set(margins[2:]) == {0.0}  # one snippet per article, each with its own best sentences


def test_what_an_answer_adds_from_the_article_title_shown_above_its_passage_is_borne_out(monkeypatch):
    """The prompt shows each article's title above its snippets, and a news headline names who led a visit
    or which event it was: an answer restating it with the fact asked is borne out by what the model read.
    The word-share gates and the model check read the title with the passage; words in neither still fail."""
    from assistant.answering import pipeline
    from assistant.config import Tuning

    checked = []
    monkeypatch.setattr(pipeline, "yes_probability",
                        lambda model, messages, settings, lock: checked.append(messages[-1][1]) or 0.9)
    title = "苏州工业园区党工委委员李明率科技创新交流代表团一行出访日本"
    met = fakes.passage("访问期间,代表团与大阪商工会议所会长田中健一进行了会谈。", "001.txt", title)
    retriever = fakes.FakeRetriever([met], {"001.txt": title})
    question = "苏州工业园区代表团访问期间会谈的大阪商工会议所会长是谁?"
    told = "苏州工业园区党工委委员李明率科技创新交流代表团一行出访日本期间会谈的大阪商工会议所会长是田中健一[1]。"
    model = FakeListChatModel(responses=[told, "UNUSED"])
    result = Chat(Settings(tuning=Tuning(verify_min_yes=0.2)), retriever, model).answer(question)
    assert not result.refused and result.text == told
    (prompt,) = checked
    assert title in prompt.split("Question:")[0]  # the model check reads the headline too
    invented = "会谈的大阪商工会议所会长是山本一郎[1]。"  # a name neither the title nor the passage holds
    model = FakeListChatModel(responses=[invented, "UNUSED"])
    result = Chat(Settings(tuning=Tuning(verify_min_yes=0.2)), retriever, model).answer(question)
    assert result.refused and result.refused_by == Refusal.UNSUPPORTED
