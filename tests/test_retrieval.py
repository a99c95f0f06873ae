"""Hybrid retrieval over the real seed store: across scripts (zh ↔ ja) and across languages (en → zh)."""
import pytest


@pytest.mark.parametrize("question, source", [
    # Chinese questions whose answer is only in the Japanese article
    ("鲁港科技创新合作交流会在哪里举行?", "004_24e069c5cde581db.txt"),
    ("山东省副省长宋军继在交流会上做了什么?", "004_24e069c5cde581db.txt"),
    ("魯港科技創新合作交流會的主辦地點在哪裡?", "004_24e069c5cde581db.txt"),
    # Japanese questions whose answer is only in a Chinese article
    ("瑞安市の博士研究員ワークステーションはいくつ建設されましたか?", "001_b2cf538a030ad554.txt"),
    ("無錫高新区の代表団はドイツのどの会社を訪問しましたか?", "003_59be5dbb8590826c.txt"),
])
def test_a_question_finds_the_article_in_the_other_script(seeded_assistant, question, source):
    passages = seeded_assistant.search(question, k=3)
    assert passages[0].source == source, [(p.source, p.score) for p in passages]


def test_passages_in_the_languages_a_question_is_far_from_are_lifted_for_fusion(seeded_assistant, monkeypatch):
    """e5 scores a question higher against passages in its own language and script: each passage's cosine is
    lifted by the question's distance to its language's anchor. A Traditional-Chinese question whose answer
    is only in the Japanese article (上合 is written 上海協力機構 there) found it only at rank 15 without;
    `dense` stays the passage's cosine."""
    from assistant.retrieval import hybrid
    from assistant.retrieval.hybrid import language_lift

    retriever = seeded_assistant.retriever
    question = "上合示範區黨工委書記是誰?"
    vector = seeded_assistant.embeddings.embed_query(question)
    lift = language_lift(vector, seeded_assistant.embeddings.model_id)
    assert lift["zh-Hant"] == 0.0 and lift["ja"] > 0.01 and lift["en"] > lift["ja"] > lift["zh-Hans"]
    passages = retriever.search(question, k=3, vector=vector)
    assert "004_24e069c5cde581db.txt" in [p.source for p in passages], [(p.source, p.score) for p in passages]
    monkeypatch.setattr(hybrid, "LIFT_SHARE", 0.0)
    assert "004_24e069c5cde581db.txt" not in [p.source for p in retriever.search(question, k=3, vector=vector)]
    cosines = {c.chunk_id: c.score for c in retriever.store.dense_search(vector, 100)}
    assert all(abs(p.dense - cosines[p.chunk_id]) < 1e-6 for p in passages)


def test_the_language_anchors_belong_to_the_configured_embedder(seeded_assistant):
    """The anchors were measured with the bundled e5 (`assistant bench languages --write`); with another
    embedder they mean nothing and nothing is lifted."""
    from assistant.retrieval.anchors import ANCHORS, EMBEDDER
    from assistant.retrieval.hybrid import language_lift

    assert EMBEDDER == seeded_assistant.embeddings.model_id
    assert set(ANCHORS) == {"zh-Hans", "zh-Hant", "ja", "en"} and all(len(v) == 384 for v in ANCHORS.values())
    assert language_lift([0.1] * 384, "another-embedder") == {}


def test_passages_carry_typed_relevance(seeded_assistant):
    top = seeded_assistant.search("瑞安建成了多少家博士后工作站?", k=2)[0]
    assert top.source == "001_b2cf538a030ad554.txt" and 0.7 < top.dense <= 1.0 and top.keyword_evidence


def test_a_romanised_name_maps_to_the_articles_own_characters(seeded_assistant):
    names = dict(seeded_assistant.retriever.glossary("What did the Jinhua conference and the Rui'an forum sign?"))
    assert names.get("Jinhua") == "金华" and names.get("Rui'an") in ("瑞安", "瑞安")


def test_a_name_is_mapped_only_to_characters_the_corpus_holds(seeded_assistant):
    """The tokeniser drops characters it has no class for: a candidate with one (吴縰 for Wuxi, 謆东 for
    Shandong) must not pass as a corpus word because its other character is one."""
    retriever = seeded_assistant.retriever
    names = dict(retriever.glossary("Which company did the Wuxi delegation meet before the Shandong meeting?"))
    assert names == {"Wuxi": "无锡", "Shandong": "山东"}
    assert not retriever._in_corpus("吴縰") and retriever._in_corpus("无锡")


def test_article_text_is_the_whole_article_in_order(seeded_assistant):
    retriever = seeded_assistant.retriever
    source = next(a["source"] for a in retriever.articles() if a["source"].startswith("000_"))
    text = retriever.article_text(source)
    assert "陈炳荣" in text and "246" in text  # the speaker and what he said, from whichever chunks
    assert text.index("陈炳荣在讲话中指出") < text.index("“246”")
    assert retriever.article_text("no-such-article.txt") == ""


def test_a_romanised_name_is_spelt_with_chinese_characters_only():
    """CC-CEDICT lists letters as characters (T in T恤, read 't'): Matlin was split ma-t-lin → 马T林."""
    from assistant.retrieval.crosslingual import QueryTranslator

    translator = QueryTranslator(lambda word: True)  # a corpus that holds every word
    assert translator.transliterate("Matlin") == []  # t is no syllable
    assert all(len(c) == 2 for c in translator.transliterate("Jinhua"))


def test_a_record_fields_offsets_point_at_its_sentence_in_the_stored_article(seeded_assistant):
    """An answer from the event records cites the sentence a field came from: its offsets index the
    article the store puts back together, and passage_at finds the chunk that holds it."""
    retriever = seeded_assistant.retriever
    fields = [(src, f) for src, r in retriever.records().items() for f in r.fields if f.name == "people"]
    assert len(fields) >= 5
    for src, f in fields:
        name = f.value.split(" ", 1)[1]
        assert name in retriever.article(src)["text"][f.start:f.end], (src, f)
        chunk = retriever.passage_at(src, f.start)
        assert chunk is not None and chunk.source == src and chunk.start <= f.start < chunk.end
    assert retriever.passage_at(fields[0][0], 10**9) is None


def test_the_index_tells_which_words_some_article_mentions(seeded_assistant):
    retriever = seeded_assistant.retriever
    assert retriever.mentions("申思特") and retriever.mentions("宋軍継")  # a Japanese form folds to the index's
    assert not retriever.mentions("李家超") and not retriever.mentions("大莱龙")
    assert retriever.mentions("プロジェクト") and not retriever.mentions("シベリア")  # katakana: the whole word


def test_a_chinese_question_is_searched_by_both_its_scripts():
    """The vector halfway between the question's Traditional and Simplified forms; as asked when turned off,
    and for a question in another language (Japanese kanji are not Chinese)."""
    import math

    from assistant.retrieval.hybrid import question_vector

    class Recording:
        def __init__(self):
            self.seen = []

        def embed_query(self, text):
            self.seen.append(text)
            return [1.0, 0.0] if len(self.seen) == 1 else [0.0, 1.0]

    emb = Recording()
    vector = question_vector(emb, "寧波在海外設立了哪些合作中心?")
    assert emb.seen == ["寧波在海外設立了哪些合作中心?", "宁波在海外设立了哪些合作中心?"]
    assert vector == pytest.approx([1 / math.sqrt(2), 1 / math.sqrt(2)])
    for question, both in (("寧波在海外設立了哪些合作中心?", False), ("瑞安の大会はいつでしたか?", True)):
        emb = Recording()
        assert question_vector(emb, question, both) == [1.0, 0.0] and emb.seen == [question]


def test_a_traditional_question_finds_the_simplified_sentence_that_answers_it(seeded_assistant):
    """Asked in Traditional, the sentence of a Simplified article naming the countries of Ningbo's overseas
    centres is found as it is in Simplified (as asked, the Traditional question's vector missed it)."""
    question = "寧波在海外設立合作中心的國家裡,除了美國和德國以外,還提到了哪兩個國家?"
    passages = seeded_assistant.search(question, k=5)
    assert any("澳大利亚" in p.text for p in passages), [p.text[:40] for p in passages]
