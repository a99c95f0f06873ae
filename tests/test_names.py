"""The names a question gives, and whether passages state them (the name premise of the refusal policy)."""
import pytest

from assistant.text.names import names_stated, question_names


@pytest.mark.parametrize("question, expected", [
    ("《战国无双3》是由哪两个公司合作开发的？", ["战国无双3"]),  # a title in book-title brackets
    ("广茂铁路全长多少公里?", ["广茂"]),
    ("莱昂德罗·内托的国籍是什么？", ["莱昂", "德罗"]),  # a transliterated name, by its parts
    ("無錫高新區在里昂設立了什麼?", ["无锡", "高新区", "里昂"]),  # Traditional, folded to Simplified
    ("金華の大会には何人が参加しましたか?", ["金华"]),  # Japanese: Sudachi's proper nouns, folded
])
def test_question_names(question, expected):
    names = question_names(question)
    assert all(name in names for name in expected), names


@pytest.mark.parametrize("question, name, common", [
    ("刘德一的籍贯在哪？", "刘德一", "籍贯"), ("涞滩镇隶属于哪个城市？", None, "城市"),
    ("部分人抗议什么?", None, "抗议"), ("哪位著名印度人士的行为被认为是公民不服从?", "印度", None),
])
def test_a_common_word_jieba_tags_as_a_name_is_no_name(question, name, common):
    """jieba's dictionary tags 籍贯 nr, 城市 ns, 抗议 nz; CC-CEDICT lists them only as common words, and a
    passage need not state them (CMRC 2018: names missing from the question's own passage 76 -> 49 of
    3,219 questions). 印度 is a name in both."""
    names = question_names(question)
    assert (name is None or name in names) and common not in names, names


@pytest.mark.parametrize("question", ["Who won the Nobel Prize?", "Which company did Aaden work with?"])
def test_a_question_in_latin_script_gives_no_names_to_check(question):
    assert question_names(question) == []


def test_latin_names_in_a_cjk_question_are_not_required():
    # the reader's spelling: the article may write Ulvila as 于尔维拉
    assert "ulvila" not in question_names("Ulvila市的产业分布中包括几大海港?")


def test_names_must_stand_in_passages_of_the_questions_language():
    q = "广茂铁路全长多少公里?"
    assert names_stated(q, ["广茂铁路全长364.6公里。"])
    assert not names_stated(q, ["河茂铁路全长61公里。"])
    assert names_stated("廣茂鐵路全長多少公里?", ["广茂铁路全长364.6公里。"])  # scripts fold together


def test_names_are_not_checked_across_languages():
    # a Chinese question against a Japanese passage (or the reverse) writes names another way: 欧州 / 欧洲
    assert names_stated("无锡代表团访问了欧洲哪些城市?", ["無錫高新区代表団は欧州を訪問しました。"])
    assert names_stated("無錫の代表団は欧州のどの都市を訪れましたか?", ["无锡代表团访问了欧洲。"])
    assert not names_stated("金華の大会には何人が参加しましたか?", ["無錫の大会には300人が参加しました。"])


def test_romanise_reads_words_and_names():
    from assistant.retrieval.crosslingual import romanise

    assert romanise("萨塔昆塔") == "Satakunta"
    assert romanise("陆青江", person=True) == "Lu Qingjiang"
    assert romanise("浙江省人民政府") == "Zhejiangsheng Renminzhengfu"
    assert romanise("孫學光", person=True) == "Sun Xueguang"  # Traditional folds first


def test_common_words_have_their_dictionary_english_and_names_none():
    from assistant.retrieval.crosslingual import english_gloss

    assert english_gloss("负责人") == "person in charge" and english_gloss("對接") == "join up"  # no "to"
    assert english_gloss("名片") == "card"  # the aside "(business)" dropped
    assert english_gloss("宁波") == "" and english_gloss("朋友圈") == ""  # names (capitalised pinyin): pinyin stays


@pytest.mark.parametrize("answer, snippet, expected", [
    # a guessed romanisation close to a name in the cited passage gets the original after it
    ("The consul general was Mr. Li Qingjiang [1].", "中国驻里昂总领事陆青江会见了代表团。",
     "The consul general was Mr. Li Qingjiang (陆青江) [1]."),
    ("It is the Satakunta Greater Region [1].", "萨塔昆塔大区是芬兰工业化程度最高的地区。",
     "It is the Satakunta (萨塔昆塔) Greater Region [1]."),
    # Chinese left in an English sentence gets its pinyin in front
    ("The president is 孙学光 [1].", "法中孵化器联盟协会会长孙学光。", "The president is Sun Xueguang (孙学光) [1]."),
    # ... common words their dictionary English, not pinyin (a reader learns nothing from "Fuzeren"), and
    # apart from the word the model glued them to ("The main负责人")
    ("The main负责人 of the city spoke [1].", "市政府主要负责人表示", "The main person in charge (负责人) of the city spoke [1]."),
    ("It opened channels for中外 cooperation [1].", "搭建中外合作渠道", "It opened channels for Sino-foreign (中外) cooperation [1]."),
    ("The Steelmen队 lost [1].", "钢人队输了。", "The Steelmen Dui (队) lost [1]."),  # one character: many senses
    ("Figaro (费加罗)集团下属公司 is a provider [1].", "费加罗集团下属公司",
     "Figaro (费加罗) group subordinate company (集团下属公司) is a provider [1]."),
    # a Japanese article's 氏 marks a person: the name without it, as surname and given name
    ("陳嘉賢氏 spoke [1].", "香港貿易発展局の首席代表の陳嘉賢氏", "Chen Jiaxian (陳嘉賢氏) spoke [1]."),
    # ... once, when the model already put the original after it
    ("范宇斌 (范宇斌) wrote the report [1].", "(记者 范宇斌)", "Fan Yubin (范宇斌) wrote the report [1]."),
    # ... and once when the two brackets differ only in script (黄 beside 黃)
    ("Huang Keqiang (黄克強) (黃克強) attended [1].", "香港科技園公司行政總裁黃克強",
     "Huang Keqiang (黄克強) attended [1]."),
    ("He hopes to build a \"Pengyouquan (朋友圈)\" (朋友圈) [1].", "共建朋友圈",
     "He hopes to build a \"Pengyouquan (朋友圈)\" [1]."),
    # a name already given with its original, or English words, stay as they are
    ("The Fraunhofer Institute (弗勞恩霍夫研究所) signed it [1].", "與德國弗勞恩霍夫研究所簽署合作備忘錄",
     "The Fraunhofer Institute (弗勞恩霍夫研究所) signed it [1]."),
    ("The Ministry of Science and Technology guided it [1].", "由科技部和浙江省人民政府指导。",
     "The Ministry of Science and Technology guided it [1]."),
    # a foreign name the passage transliterates, spelt by sound (Prizy ~ 普利兹 pulizi: p-l-s both)
    ("He works for Prizy Technology Co., Ltd. [1].", "普利兹科技有限公司业务发展协调员海基·佩尔科",
     "He works for Prizy (普利兹) Technology Co., Ltd. [1]."),
    # an r after a vowel is silent where Chinese transliterates it (Marconi ~ 马可尼: m-k-n, Martin ~ 马丁)
    ("Guglielmo Marconi made the first transmission [1].", "1901 年，古列尔莫·马可尼首次完成了跨大西洋无线电传输",
     "Guglielmo Marconi (马可尼) made the first transmission [1]."),
    ("Trevor Martin played the role [1].", "20世纪70年代初，特雷弗·马丁在演出中扮演了一个角色。",
     "Trevor Martin (马丁) played the role [1]."),
    ("The logo was designed by Pittard Sullivan [1].", "该网络开始使用由 皮塔德·沙利文 设计的极简主义图形标识",
     "The logo was designed by Pittard Sullivan (皮塔德·沙利文) [1]."),  # as the passage writes it, dot kept
    # ... but not a short English word, nor a name the passage does not hold
    ("Three sacks were made [1].", "多尔完成了擒杀。", "Three sacks were made [1]."),
    ("John Elway made the sack [1].", "卡万·肖特完成了擒杀。", "John Elway made the sack [1]."),
    # of two stretches that read alike (zhe jiang), the passage's word, not one across words (这 / 将)
    ("It was the Government of Zhejiang Province [1].", "这将为金华集聚更多资源。浙江中西部人才科创中心",
     "It was the Government of Zhejiang (浙江) Province [1]."),
    # a sentence's "The" spells no syllable: it is not read into the name (和浙江, he zhejiang)
    ("The Zhejiang centre opened [1].", "围绕金华和浙江中西部人才科创中心建设",
     "The Zhejiang (浙江) centre opened [1]."),
    # ... but "An" may be one (安德森, an de sen)
    ("An Desen was the receiver [1].", "接球手是安德森。", "An Desen (安德森) was the receiver [1]."),
    # a spelling of the model's own ("Ke'an" for 肯恩) shares as many letters with a cut of the name (嘉兴肯) as with
    # the name: the stretch that cuts no word; and "Centre", whose "en" matches 恩 too, is no part of the name
    ("The Jiaxing Ke'an Centre signed it [1].", "嘉兴肯恩中心与市政府签约。",
     "The Jiaxing Ke'an (嘉兴肯恩) Centre signed it [1]."),
    ("The Jiaxing Ke'an centre signed it [1].", "嘉兴肯恩中心与市政府签约。",
     "The Jiaxing Ke'an (嘉兴肯恩) centre signed it [1]."),
])
def test_english_answers_carry_the_articles_names(answer, snippet, expected):
    from assistant.answering.naming import gloss_english_names

    assert gloss_english_names(answer, [snippet]) == expected


def test_a_translated_answer_names_its_sources_people_by_their_sound():
    from assistant.answering.naming import gloss_english_names

    passage = ["研究院由青年学者萧峻在海外创立。"]
    answer = "The institute was founded by Shao Jun [1]."
    # "Shao Jun" shares .71 of its letters with xiaojun and 萧峻 is no run of transliteration characters: alone,
    # the passage's name is not found; the checked answer it was translated from holds it, and it sounds alike
    assert gloss_english_names(answer, passage) == answer
    assert gloss_english_names(answer, passage, "研究院的创立者是萧峻[1]。") == \
        "The institute was founded by Shao Jun (萧峻) [1]."
    # a source name the passages do not hold, or one of another sound, is no gloss
    assert gloss_english_names(answer, passage, "研究院的创立者是萧峻[1]。".replace("萧峻", "萧俊杰")) == answer
    assert gloss_english_names("It was founded by Li Ming [1].", passage, "研究院的创立者是萧峻[1]。") == \
        "It was founded by Li Ming [1]."
    # whole words only: "Long" (of 长三角) sounds like 兰国, which straddles 芬兰 | 国家
    assert gloss_english_names("The Long Triangle forum [1].", ["芬兰国家外贸部"], "芬兰国家外贸部部长") == \
        "The Long Triangle forum [1]."


def test_names_after_an_ellipsis_are_written_where_they_stand():
    from assistant.answering.naming import romanised_names
    from assistant.text.lexical import person_names

    # the evidence joins sentences apart with " … ", which NFKC writes as three characters: a name found in the
    # folded text was cut out two characters late ("Yuer (于 2)013 年" for 波兰人队于 2013 年)
    text = "他们夺得了全国冠军。 … 由于糟糕的财务状况，波兰人队于 2013 年降级。 … 托马斯·戴维斯有5½次擒杀。"
    out = romanised_names(text, person_names(text))
    assert "(波兰人)队于 2013 年" in out
    assert "Thomas Davis (托马斯·戴维斯)有5½次" in out


def test_a_chinese_answer_drops_the_honorific_a_japanese_passage_writes_after_a_name():
    from assistant.answering.naming import drop_honorifics

    japanese = ["山東省副省長の宋軍継氏、青島市政府秘書長の李虎成氏がイベントに出席した。"]
    assert drop_honorifics("山东省副省长宋军继氏出席[1]。秘书长是李虎成氏[1]。", japanese) == \
        "山东省副省长宋军继出席[1]。秘书长是李虎成[1]。"
    # 氏 that is no honorific of a cited Japanese passage's name stays: 摄氏, 王氏集团, a Chinese passage
    assert drop_honorifics("气温为摄氏20度,王氏集团出资[1]。", japanese) == "气温为摄氏20度,王氏集团出资[1]。"
    assert drop_honorifics("李虎成氏出席[1]。", ["李虎成氏出席了会议。"]) == "李虎成氏出席[1]。"


def test_a_chinese_questions_people_must_stand_in_passages_of_either_language():
    # a Japanese article writes a Chinese name in the same characters: 宋軍継 folds to 宋军继
    japanese = ["山東省副省長の宋軍継氏がイベントに出席し、挨拶を行った。"]
    assert names_stated("宋军继在交流会上说了什么?", japanese)
    assert not names_stated("李家超在交流会上说了什么?", japanese)


def test_a_quoted_title_is_checked_by_its_parts_whatever_quotes_the_article_uses():
    q = "《瑞安市「科創中國」省級試點三年行動實施方案》圍繞哪三大方面?"
    assert "科创中国" in question_names(q)
    assert names_stated(q, ["根據《瑞安市“科創中國”省級試點三年行動實施方案》,該市將重點圍繞科創平臺等三大方面"])


@pytest.mark.parametrize("question, han, katakana", [
    ("大莱龙铁路位于哪里?", ["大莱龙"], []),  # a name jieba's dictionary lacks
    ("瑞安建成了多少家博士后工作站?", ["瑞安", "博士后"], []),
    ("冬の間、シベリア気団が覆っている範囲はどこか?", [], ["シベリア"]),
    ("Which university signed with Rui'an?", [], []),
])
def test_rare_words_are_what_only_a_text_about_the_questions_subject_holds(question, han, katakana):
    from assistant.text.names import rare_words

    assert rare_words(question) == (han, katakana)


def test_a_chinese_answer_drops_a_bracket_repeating_the_name_before_it():
    from assistant.answering.naming import drop_echoed_brackets

    assert drop_echoed_brackets("孙海生 (孫海生) [1]") == "孙海生 [1]"
    assert drop_echoed_brackets("宁波市政府(宁波市人民政府)主办[1]") == "宁波市政府(宁波市人民政府)主办[1]"
