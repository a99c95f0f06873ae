"""`assistant bench retrieval` on a tiny set: id-based and answer-string hits, and the printed keys."""
import json

import pytest

from assistant.bench.runs import answer_rank, bench_retrieval, rank_of
from assistant.types import Passage


def _write_set(folder, passages: list[dict], questions: list[dict]):
    """A public-set pair of JSONL files, as `assistant bench` reads them."""
    paths = folder / "passages.jsonl", folder / "questions.jsonl"
    for path, rows in zip(paths, (passages, questions)):
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return paths


def _write_run(path, passage: str, answers: list[tuple[str, bool, str]], **fields):
    """A recorded `bench gold --json` run: (id, ok, answer text) each, an answer with a marker citing passage and
    one without (a refusal) citing nothing; fields: the run's others (gold_left_out)."""
    path.write_text(json.dumps({**fields, "answers": [
        {"id": i, "ok": ok, "answer": text, "cited": [{"snippet": passage}] if "[1]" in text else []}
        for i, ok, text in answers]}, ensure_ascii=False), encoding="utf-8")
    return path


def _p(source: str) -> Passage:
    return Passage(chunk_id=f"{source}#0", source=source, title="", text="", score=0.0)


def test_ranks_count_distinct_passages_and_answer_strings():
    hits = [_p("a"), _p("a"), _p("b"), _p("c")]
    texts = {"a": "梅雨\n梅雨の期間はどの地方でも40日から50日前後", "b": "梅雨\n1か月から1か月半程度", "c": "サケ"}
    q = {"passage_id": "b", "answers": ["1か月から1か月半程度"]}
    assert rank_of("b", hits, 10) == 2  # chunk a#0 twice is one passage
    assert rank_of("c", hits, 1) is None
    assert answer_rank(q, hits, texts, 10) == 2
    # another paragraph that holds the gold answer counts for the answer-string hit, not the id hit
    q2 = {"passage_id": "c", "answers": ["40日から50日前後"]}
    assert rank_of("c", hits, 10) == 3 and answer_rank(q2, hits, texts, 10) == 1
    # cross-lingual sets give the answer in the passage's language as answers_zh
    q3 = {"passage_id": "c", "answers": ["one month"], "answers_zh": ["1か月"]}
    assert answer_rank(q3, hits, texts, 10) == 2
    assert answer_rank({"passage_id": "z", "answers": ["不在"]}, hits, texts, 10) is None


def test_bench_retrieval_indexes_into_a_temporary_store_and_reports(tmp_path, embeddings):
    passages = [
        {"id": "p1", "title": "宁波", "text": "2019中芬合作平台高层会谈在宁波举行,芬兰萨塔昆塔大学参加。"},
        {"id": "p2", "title": "金华", "text": "首届国际科技开放合作大会在金华开幕,签约项目三十个。"},
        {"id": "p3", "title": "無錫", "text": "無錫高新區代表團出訪歐洲,走訪德國和芬蘭的企業。"},
    ]
    questions = [
        {"id": "q1", "question": "中芬合作平台高层会谈在哪里举行?", "answers": ["宁波"], "passage_id": "p1"},
        {"id": "q2", "question": "国际科技开放合作大会签约了多少项目?", "answers": ["三十个"], "passage_id": "p2"},
    ]
    pf, qf = _write_set(tmp_path, passages, questions)
    result = bench_retrieval(pf, qf, limit=10, k=3, embeddings=embeddings)
    for key in ("hit@1", "hit@5", "mrr@10", "answer_hit@1", "answer_hit@5", "questions", "passages",
                "index_chunks_per_s", "p50_ms", "p95_ms"):
        assert key in result
    assert result["questions"] == 2 and result["passages"] == 3
    assert result["hit@1"] == 1.0 and result["answer_hit@5"] == 1.0
    assert result["index_chunks_per_s"] > 0 and result["p50_ms"] > 0


def test_bench_retrieval_can_search_english_questions_by_their_translation(tmp_path, embeddings):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    passages = [{"id": "p1", "title": "宁波", "text": "2019中芬合作平台高层会谈在宁波举行,芬兰萨塔昆塔大学参加。"},
                {"id": "p2", "title": "金华", "text": "首届国际科技开放合作大会在金华开幕,签约项目三十个。"}]
    questions = [{"id": "q1", "question": "Where were the China-Finland talks held?", "answers": ["宁波"],
                  "passage_id": "p1", "lang": "en"}]
    pf, qf = _write_set(tmp_path, passages, questions)
    model = FakeListChatModel(responses=["预热", "中芬合作平台高层会谈在哪里举行?", "UNUSED"])
    result = bench_retrieval(pf, qf, limit=10, k=3, embeddings=embeddings, translate=True, chat_model=model)
    assert model.i == 2  # the warm-up, then one translation per question
    assert result["hit@1"] == 1.0 and result["translate_p50_ms"] > 0


def test_bench_gold_scores_answers_keeps_their_citations_and_refuses_without_the_gold(tmp_path, embeddings):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.answering.prompts import NOT_FOUND
    from assistant.bench.runs import bench_gold

    passages = [
        {"id": "p1", "title": "宁波", "text": "2019中芬合作平台高层会谈在宁波市南苑饭店举行,芬兰萨塔昆塔大学参加。"},
        {"id": "p2", "title": "金华", "text": "首届国际科技开放合作大会在金华开幕,签约项目三十个。"},
        {"id": "p3", "title": "無錫", "text": "無錫高新區代表團出訪歐洲,走訪德國和芬蘭的企業。"},
    ]
    questions = [
        # the gold a span with its full stop: the answer's [1] before it is notation, not a word of the answer
        {"id": "q1", "question": "中芬合作平台高层会谈在哪里举行?", "answers": ["南苑饭店举行。"], "passage_id": "p1"},
        {"id": "q2", "question": "国际科技开放合作大会签约了多少项目?", "answers": ["三十个"], "passage_id": "p2"},
    ]
    pf, qf = _write_set(tmp_path, passages, questions)
    model = FakeListChatModel(responses=["中芬合作平台高层会谈在宁波市南苑饭店举行[1]。", NOT_FOUND, "UNUSED"])
    result = bench_gold(pf, qf, limit=10, chat_model=model, embeddings=embeddings)
    assert (result["questions"], result["gold_in_answer"], result["refused"]) == (2, 0.5, 0.5)
    first, second = result["answers"]
    assert first["ok"] and "南苑饭店" in first["cited"][0]["snippet"] and first["cited"][0]["source"] == "p1"
    assert not second["ok"] and second["cited"] == []
    assert second["refused_by"] == "model" and result["refused_by"] == {"model": 1}  # the gate that refused it
    # the answerability run indexes neither gold passage: nothing the model says can be cited
    model = FakeListChatModel(responses=["中芬合作平台高层会谈在宁波市南苑饭店举行[1]。", "签约项目三十个[1]。", "UNUSED"])
    out = bench_gold(pf, qf, limit=10, chat_model=model, embeddings=embeddings, leave_out_gold=True)
    assert out["gold_left_out"] and out["passages_indexed"] == 1 and out["refused"] == 1.0
    assert out["gold_in_answer"] == 0.0 and sum(out["refused_by"].values()) == 2


# two passages and a question about each
TWO_PASSAGES = [{"id": "p1", "title": "宁波", "text": "2019中芬合作平台高层会谈在宁波市南苑饭店举行。"},
                {"id": "p2", "title": "金华", "text": "首届国际科技开放合作大会在金华开幕,签约项目三十个。"}]
TWO_QUESTIONS = [{"id": "q1", "question": "中芬合作平台高层会谈在哪里举行?", "answers": ["南苑饭店"], "passage_id": "p1"},
                 {"id": "q2", "question": "国际科技开放合作大会签约了多少项目?", "answers": ["三十个"], "passage_id": "p2"}]


def test_bench_gold_only_asks_the_chosen_questions_over_the_whole_runs_index(tmp_path, embeddings):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.bench.runs import bench_gold

    pf, qf = _write_set(tmp_path, TWO_PASSAGES, TWO_QUESTIONS)
    model = FakeListChatModel(responses=["国际科技开放合作大会签约项目三十个[1]。", "UNUSED"])
    result = bench_gold(pf, qf, limit=10, distractors=0, chat_model=model, embeddings=embeddings, only={"q2"})
    assert result["questions"] == 1 and [a["id"] for a in result["answers"]] == ["q2"]
    assert result["gold_in_answer"] == 1.0 and result["passages_indexed"] == 2  # both gold passages, as in the full run
    with pytest.raises(ValueError, match="q9"):
        bench_gold(pf, qf, limit=10, chat_model=model, embeddings=embeddings, only={"q9"})


def test_bench_parts_counts_questions_split_and_parts_pointing_back(tmp_path):
    from assistant.bench.counts import bench_parts

    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "q1", "question": "会议由谁主持?他担任什么职务?"},
        {"id": "q2", "question": "When was the fair held, and how many firms in Xiamen took part?"},
        {"id": "q3", "question": "会议由哪个单位主办?"},
    ]) + "\n", encoding="utf-8")
    result = bench_parts(questions)
    assert (result["questions"], result["split"], result["parts_pointing_back"]) == (3, 2, 1)
    assert result["examples"][0] == ["会议由谁主持?", "他担任什么职务?"]


def test_bench_translated_kinds_counts_what_each_translation_asks(tmp_path, monkeypatch):
    """Only English or Japanese questions asking no kind of their own are translated (a Chinese one, or one
    asking "when" itself, is not), and each is counted under the kind its translation asks."""
    from assistant import app
    from assistant.bench.counts import bench_translated_kinds

    translations = {"梅雨の期間は?": "梅雨的时期是什么时候?", "What actress signed the anthem?": "谁用手语翻译了国歌?",
                    "Which team won?": "哪支球队赢了?"}
    asked = []

    class Chat:
        def search_form(self, question, lang, history):
            asked.append(question)
            return translations[question]

    monkeypatch.setattr(app.Assistant, "chat", property(lambda self: Chat()))
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps({"id": f"q{i}", "question": q}, ensure_ascii=False) for i, q in enumerate(
        [*translations, "会议由哪个单位主办?", "When did the fair open?"])) + "\n", encoding="utf-8")
    result = bench_translated_kinds(questions)
    assert asked == list(translations)
    assert result["translated"] == 3
    assert {k: v["questions"] for k, v in result.items() if k != "translated"} == {"date": 1, "person": 1, "none": 1}
    assert result["date"]["examples"] == ["q0: 梅雨の期間は? → 梅雨的时期是什么时候?"]


def test_bench_kinds_counts_gold_sentences_stating_the_kind_and_other_sentences_refused(tmp_path):
    from assistant.bench.counts import bench_kinds

    passages = tmp_path / "p.jsonl"
    questions = tmp_path / "q.jsonl"
    passages.write_text(json.dumps({"id": "p1", "text": "会议于2019年5月20日举行。会议由宁波市政府主办。梅雨季节很长。"},
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "q1", "passage_id": "p1", "question": "会议是什么时候举行的?", "answers": ["2019年5月20日"]},
        {"id": "q2", "passage_id": "p1", "question": "梅雨季节什么时候?", "answers": ["很长"]},
        {"id": "q3", "passage_id": "p1", "question": "会议由哪个单位主办?", "answers": ["宁波市政府"]},
    ]) + "\n", encoding="utf-8")
    result = bench_kinds(passages, questions)
    assert result["date"]["questions"] == 2 and result["date"]["with_gold_sentence"] == 2
    assert result["date"]["gold_sentence_states_kind"] == 0.5  # 梅雨季节很长 states no date
    assert result["date"]["other_sentences"] == 4 and result["date"]["other_refused"] == 0.75
    assert result["number"]["questions"] == 0 and result["person"]["questions"] == 0


def test_bench_languages_measures_the_lift_of_each_passage_language_on_unrelated_pairs(tmp_path, embeddings):
    """`assistant bench languages` on a tiny copy of the public sets' layout: every question language gets a
    row of mean cosines and lifts (its best language lifted by 0), and nothing is written without --write."""
    from assistant.bench import languages

    texts = {"cmrc2018_dev": ("瑞安建成博士后工作站12家。", "瑞安建成了多少家博士后工作站?"),
             "jsquad_valid": ("北海道には梅雨がない。", "梅雨がないのはどこか。"),
             "xquad": ("The Panthers defense gave up just 308 points.", "How many points did the defense give up?")}
    for folder, (passage, question) in texts.items():
        (tmp_path / folder).mkdir()
        stem = "_en" if folder == "xquad" else ""
        _write_set(tmp_path / folder, [{"id": f"{folder}-p{i}", "text": passage} for i in range(3)],
                   [{"id": f"{folder}-q{i}", "question": question, "passage_id": f"{folder}-p0"} for i in range(3)])
        if stem:
            for name in ("passages", "questions"):
                (tmp_path / folder / f"{name}.jsonl").rename(tmp_path / folder / f"{name}{stem}.jsonl")
    before = languages.ANCHORS.read_text(encoding="utf-8")
    result = languages.bench_languages(tmp_path, n=3, embeddings=embeddings)
    assert set(result["lift"]) == set(languages.SETS) and not result["written"]
    for row in result["lift"].values():
        assert min(row.values()) == 0.0 and all(v >= 0 for v in row.values())
    assert result["mean_cosine"]["ja"]["ja"] > result["mean_cosine"]["ja"]["en"]
    assert languages.ANCHORS.read_text(encoding="utf-8") == before


def test_bench_mixed_measures_each_lift_share_in_a_store_of_two_languages(tmp_path, embeddings):
    """`assistant bench mixed` on a tiny JSQuAD + CMRC layout: one store of both, three question runs (the
    Japanese questions also through the translation call, here a fake), every share measured, and the
    module's share put back afterwards."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.bench.languages import bench_mixed
    from assistant.retrieval import hybrid

    sets = {"jsquad_valid": ([{"id": "j1", "title": "梅雨", "text": "北海道には梅雨がない。"},
                              {"id": "j2", "title": "富士山", "text": "富士山の高さは3776メートルである。"}],
                             [{"id": "jq1", "question": "梅雨がないのはどこか。", "passage_id": "j1"}]),
            "cmrc2018_dev": ([{"id": "c1", "title": "瑞安", "text": "瑞安建成博士后工作站12家。"},
                              {"id": "c2", "title": "金华", "text": "金华举办国际科技开放合作大会。"}],
                             [{"id": "cq1", "question": "瑞安建成了多少家博士后工作站?", "passage_id": "c1"}])}
    for folder, (passages, questions) in sets.items():
        (tmp_path / folder).mkdir()
        _write_set(tmp_path / folder, passages, questions)
    model = FakeListChatModel(responses=["哪里没有梅雨?"] * 3)
    result = bench_mixed(tmp_path, limit=5, distractors=5, shares=(0.0, 0.5), chat_model=model, embeddings=embeddings)
    assert result["passages"] == 4 and result["shares"] == [0.0, 0.5]
    for name in ("ja->ja", "zh->zh", "zh->ja (translated)"):
        assert set(result[name]) == {"0.0", "0.5"} and result[name]["0.5"]["questions"] == 1
    assert result["ja->ja"]["0.5"]["hit@1"] == 1.0 and result["zh->zh"]["0.0"]["hit@5"] == 1.0
    assert hybrid.LIFT_SHARE == 0.5


def test_bench_names_en_counts_names_glossed_right_wrong_and_absent(tmp_path):
    """`assistant bench names-en` on a tiny XQuAD-like set: a transliterated name is glossed right by sound,
    and with the sound matcher off (a floor above 1) it is not; names of other questions get no gloss."""
    from assistant.bench.glossing import bench_english_names

    passages = tmp_path / "p.jsonl"
    questions = tmp_path / "q.jsonl"
    passages.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in [
        {"id": "p1", "text": "他在普利兹公司工作。会议在上海举行。"},
        {"id": "p2", "text": "本场比赛由卡万·肖特完成擒杀。"},
    ]) + "\n", encoding="utf-8")
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "q1", "passage_id": "p1", "question": "Which company?", "answers": ["Prizy"], "answers_zh": ["普利兹"]},
        {"id": "q2", "passage_id": "p2", "question": "Who?", "answers": ["Kawann Short"], "answers_zh": ["卡万·肖特"]},
        {"id": "q3", "passage_id": "p1", "question": "How many?", "answers": ["12"], "answers_zh": ["12"]},
    ]) + "\n", encoding="utf-8")
    result = bench_english_names(passages, questions, (0.9, 2.0), absent_per_name=2)
    assert result["0.9"]["names"] == 2 and result["0.9"]["glossed_right"] == 1.0  # Kawann (卡万) by letters
    assert result["2.0"]["glossed_right"] == 0.5  # Prizy needs the sound matcher
    assert result["0.9"]["glossed_wrong"] == 0.0 and result["0.9"]["absent_glossed"] == 0.0


def test_bench_names_en_glosses_chinese_names_in_pinyin_back_to_themselves(tmp_path):
    """The Chinese-names population: each proper noun of a passage, romanised, glossed over the whole passage,
    where a stretch across words reads the same (这将 of 这将为…: zhe jiang) and a sentence's "The" precedes it."""
    from assistant.bench.glossing import bench_chinese_names

    passages = tmp_path / "p.jsonl"
    passages.write_text(json.dumps({"id": "p1", "text": "这将为金华集聚更多资源。会议在浙江举行。"},
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    result = bench_chinese_names(passages)
    assert result["names"] == 2  # 金华, 浙江
    assert result["alone"] == {"glossed_right": 1.0, "glossed_wrong": 0.0}
    assert result["after_the"] == {"glossed_right": 1.0, "glossed_wrong": 0.0}


def test_bench_unheard_refuses_questions_whose_rare_word_no_indexed_passage_holds(tmp_path):
    from assistant.bench.refusals import bench_unheard

    passages, questions = _write_set(tmp_path, [
        {"id": "p1", "text": "大莱龙铁路位于山东省北部。"}, {"id": "p2", "text": "河茂铁路全长61公里。"},
    ], [{"id": "q1", "passage_id": "p1", "question": "大莱龙铁路位于哪里?", "answers": ["山东省北部"]}])
    result = bench_unheard(passages, questions)
    assert result["normal_refused"] == 0.0  # its passage names 大莱龙
    assert result["left_out_refused"] == 1.0 and result["left_out_ids"] == ["q1"]
    # the names check: 大莱龙 stands in the gold passage, not in the one keyword search finds without it
    assert result["normal_names_refused"] == 0.0 and result["left_out_names_refused"] == 1.0
    assert result["normal_either_refused"] == 0.0 and result["left_out_either_refused"] == 1.0


def test_bench_novel_replays_the_rule_on_a_recorded_run(tmp_path):
    from assistant.bench.refusals import bench_novel

    _, questions = _write_set(tmp_path, [], [
        {"id": "q1", "question": "出席大会的诺贝尔奖得主叫什么名字?"}, {"id": "q2", "question": "大会邀请了多少名学者?"}])
    passage = "本次大会邀请了近300名学者,其中有诺贝尔奖获得者。"
    run = _write_run(tmp_path / "run.json", passage, [("q1", False, "得主是阿瑟·阿什利[1]。"),
                                                       ("q2", True, "大会邀请了近300名学者[1]。")])
    result = bench_novel([run], [questions])["run.json"]
    assert result["answered"] == 2 and result["floor_0.2"] == {"refused": 1, "of_them_right": 0}


def test_bench_checks_replays_both_model_checks_on_recorded_runs(tmp_path, monkeypatch):
    from assistant.bench.refusals import bench_checks
    from assistant.llm import adapters

    _, questions = _write_set(tmp_path, [], [
        {"id": "q1", "question": "大会邀请了多少名学者?"}, {"id": "q2", "question": "大会在哪里举行?"},
        {"id": "q3", "question": "Where was it held?"}])
    passage = "本次大会邀请了近300名学者。"
    normal = _write_run(tmp_path / "run.json", passage, [
        ("q1", True, "大会邀请了近300名学者[1]。"), ("q2", False, "大会在300名学者中举行[1]。"),
        ("q3", False, "In Ningbo [1].")])  # English: skipped
    left_out = _write_run(tmp_path / "run_lo.json", passage, [
        ("q2", False, "大会在学者中举行[1]。"),
        ("q1", False, "文章中没有找到这个问题的答案。")], gold_left_out=True)  # refused: not judged
    seen = []

    def yes(model, messages, settings, lock):  # the claim check says no to what the passage does not say
        prompt = messages[-1][1]
        seen.append(prompt)
        return 0.1 if "Claim:" in prompt and "举行" in prompt else 0.9

    monkeypatch.setattr(adapters, "yes_probability", yes)
    result = bench_checks([normal, left_out], [questions], floors=(0.3,), chat_model=object())
    assert result["run.json"]["judged"] == 2 and result["run.json"]["claim_0.3"] == {"right": 0, "wrong": 1, "left_out": 0}
    assert result["run.json"]["answer_0.3"] == {"right": 0, "wrong": 0, "left_out": 0}
    assert result["run_lo.json"]["claim_0.3"] == {"right": 0, "wrong": 0, "left_out": 1}
    assert len(seen) == 6 and not any("In Ningbo" in p for p in seen)


def test_bench_checks_asks_the_check_in_the_question_language_when_told(tmp_path, monkeypatch):
    """--check own: the answer check's words in a Chinese question's language, English for others; only the
    checks named are asked."""
    from assistant.bench.refusals import bench_checks
    from assistant.llm import adapters

    _, questions = _write_set(tmp_path, [], [{"id": "q1", "question": "大会邀请了多少名学者?"},
                                            {"id": "q2", "question": "大会には何人の学者が招かれましたか?"}])
    passage = "本次大会邀请了近300名学者。"
    run = _write_run(tmp_path / "run.json", passage, [("q1", True, "大会邀请了近300名学者[1]。"),
                                                       ("q2", True, "大会には300名近くの学者が招かれました[1]。")])
    seen = []
    monkeypatch.setattr(adapters, "yes_probability", lambda model, messages, settings, lock: seen.append(messages) or 0.5)
    result = bench_checks([run], [questions], floors=(0.6,), chat_model=object(), checks=("own",))["run.json"]
    assert result["own_0.6"] == {"right": 2, "wrong": 0, "left_out": 0} and "claim_0.6" not in result
    assert [m[-1][1].split("\n")[0] for m in seen] == ["文章：", "Passage:"]  # a Japanese question: the English words
    assert all("Yes" in m[-1][1] and "No" in m[-1][1] for m in seen)  # the reader compares those tokens


def test_bench_novel_judges_an_english_answer_by_the_dictionary(tmp_path):
    from assistant.bench.refusals import bench_novel

    _, questions = _write_set(tmp_path, [], [{"id": "q1", "question": "Who took the ball from Newton?"},
                                            {"id": "q2", "question": "How many points did the defense give up?"}])
    passage = "黑豹队的防守只丢了308分。沃德从牛顿手中抢断了球。"
    run = _write_run(tmp_path / "run.json", passage, [("q1", False, "It was Michael Jordan [1]."),
                                                       ("q2", True, "The defense surrendered 308 points [1].")])
    result = bench_novel([run], [questions])["run.json"]
    assert result["judged"] == 2 and result["floor_0.34"] == {"refused": 1, "of_them_right": 0}


def test_bench_scripts_searches_each_script_over_each_as_asked_and_by_both(tmp_path, embeddings):
    from assistant.bench.languages import bench_scripts

    passages = [{"id": "p1", "title": "宁波", "text": "宁波在美国、德国、澳大利亚、意大利设立了海外合作中心。"},
                {"id": "p2", "title": "金华", "text": "首届国际科技开放合作大会在金华开幕,签约项目三十个。"}]
    questions = [{"id": "q1", "question": "宁波在哪些国家设立了海外合作中心?", "answers": ["澳大利亚"], "passage_id": "p1"},
                 {"id": "q2", "question": "金华的大会签约了多少项目?", "answers": ["三十个"], "passage_id": "p2"}]
    pf, qf = _write_set(tmp_path, passages, questions)
    result = bench_scripts(pf, qf, limit=10, embeddings=embeddings)
    assert result["questions"] == 2 and result["passages"] == 2
    rows = [k for k in result if "->" in k]
    assert len(rows) == 16  # 2 question scripts x 2 passage scripts x hybrid/dense x as asked/both
    assert result["hant->hans hybrid both scripts"]["hit@1"] == 1.0


def test_bench_leads_counts_by_the_best_sentences_lead_whether_it_holds_the_gold(tmp_path, embeddings):
    from assistant.bench.leads import bench_leads

    pf, qf = _write_set(tmp_path, TWO_PASSAGES, TWO_QUESTIONS)
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"answers": [{"id": "q1", "ok": True}, {"id": "q2", "ok": False}]}), encoding="utf-8")
    result = bench_leads(pf, qf, limit=10, run=run, embeddings=embeddings, margins=(0.0, 0.05, 99.0))
    assert result["questions"] == 2 and result["with_evidence"] == 2
    assert result["lead_0.0"] == {"questions": 2, "gold_in_best": 2, "right_in_run": 1}  # each best sentence holds it
    assert result["lead_99.0"] == {"questions": 0, "gold_in_best": 0, "right_in_run": 0}
    assert result["lead_0.0"]["questions"] >= result["lead_0.05"]["questions"] >= 0
    assert "right_in_run" not in bench_leads(pf, qf, limit=10, embeddings=embeddings)["lead_0.0"]


def test_bench_leads_with_translate_scores_an_english_question_by_its_translation(tmp_path, embeddings):
    """--translate: an English question is translated by the product's call (the one model call) and its
    sentences scored as an answer scores them; a Chinese one is asked as it is, with no call."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.bench.leads import bench_leads

    english = [{**TWO_QUESTIONS[0], "question": "Where was the China-Finland platform meeting held?"},
               TWO_QUESTIONS[1]]
    pf, qf = _write_set(tmp_path, TWO_PASSAGES, english)
    model = FakeListChatModel(responses=["中芬合作平台高层会谈在哪里举行?", "UNUSED"])
    result = bench_leads(pf, qf, limit=10, embeddings=embeddings, translate=True, chat_model=model,
                         margins=(0.0,))
    assert result["with_evidence"] == 2 and result["lead_0.0"]["gold_in_best"] == 2
    assert model.i == 1  # one translation, for the English question only
