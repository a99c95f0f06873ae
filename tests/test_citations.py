"""Citation checking: markers must point at snippets that support their sentence."""
from assistant.answering.citations import CitationChecker, Snippet, split_sentences

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


def test_a_number_may_stand_in_the_passage_as_another_way_of_writing_its_value():
    from assistant.answering.citations import numbers_ok

    engineers = "面向主要创新型国家和制造业强国引进千名海外工程师。"
    assert numbers_ok("Zhejiang plans to bring in 1,000 overseas engineers.", engineers, min_len=1)
    assert numbers_ok("The prize pool was 44.6 million yuan.", "总奖金4460万元", min_len=1)
    assert numbers_ok("Deals worth 1.5 billion yuan were signed.", "签约金额达15亿元", min_len=1)
    assert numbers_ok("9 stations were built.", "建成九家博士后工作站", min_len=1)
    assert numbers_ok("There were 1200 guests.", "一千二百名嘉宾", min_len=1)
    # a value the passage does not state is still refused, however it is written
    assert not numbers_ok("Zhejiang plans to bring in 861 overseas engineers.", engineers, min_len=1)
    assert not numbers_ok("The prize pool was 44.6 billion yuan.", "总奖金4460万元", min_len=1)
    assert not numbers_ok("1 team.", "统一部署", min_len=1)  # a lone 一 inside a word is no value


def test_stated_values_reads_chinese_numerals_and_scale_words():
    from assistant.text.numbers import chinese_numeral, stated_values

    assert chinese_numeral("千") == 1000 and chinese_numeral("一千二百") == 1200
    assert chinese_numeral("十五") == 15 and chinese_numeral("三万") == 30000 and chinese_numeral("二〇二三") == 2023
    assert stated_values("总奖金4460万元,15亿元") == {4460.0, 44_600_000.0, 15.0, 1_500_000_000.0}


def test_the_prompt_gives_chinese_numerals_their_digits_and_leaves_words_alone():
    from assistant.text.numbers import gloss_numerals
    from assistant.answering.prompts import format_snippets

    assert gloss_numerals("引进千名海外工程师,三十家企业,两百多项成果") == \
        "引进千(1000)名海外工程师,三十(30)家企业,两百(200)多项成果"
    assert gloss_numerals("万众一心,百姓,总奖金4460万元,一名") == "万众一心,百姓,总奖金4460万元,一名"
    # large values in words an English answer can copy and a reader take in: not 100000000
    assert gloss_numerals("总投资超億元,十五亿元") == "总投资超億(100 million)元,十五亿(1.5 billion)元"
    snippet = Snippet(1, "c", "002.txt", "金华", "引进千名海外工程师。")
    assert "千(1000)名" in format_snippets([snippet])
    assert snippet.text == "引进千名海外工程师。"  # the citation keeps the article's own words


def test_a_number_taken_from_a_clause_that_counts_something_else_is_no_support():
    from assistant.answering.citations import numbers_ok

    talents = "瑞安市已累计引进海内外高层次人才861名,建成9家博士后工作站。"
    # the question asked for participants; 861 counts recruited talents
    assert not numbers_ok("瑞安大会的参加者数は861名", talents, min_len=1)
    text, cites = checker.check("瑞安大会的参加者数は861名[2]。", SNIPPETS)
    assert cites == () and "[" not in text
    # the same number, counting what the passage counts, in Chinese or in Japanese
    assert numbers_ok("瑞安已建成9家博士后工作站", talents, min_len=1)
    assert numbers_ok("瑞安は海内外の高度人材を861名引き入れました", talents, min_len=1)
    assert numbers_ok("金華の大会には約300名の国内外の専門家が招かれました", "大会邀请了300余名国内外专家学者", min_len=1)
    # English answers are judged by the other checks, not by the characters beside the number
    assert numbers_ok("Rui'an has recruited 861 high-level talents", talents, min_len=1)


def test_a_share_or_a_score_is_not_judged_as_a_count():
    from assistant.answering.citations import numbers_ok
    from assistant.text.numbers import share_or_score

    census = "根据 1901 年的人口普查，711,988 名居民中，天主教徒占 56.2%，新教徒占 2.8%。"
    game = "然后他们在美式足球联合会 (AFC) 锦标赛上以 20–18 击败了卫冕冠军新英格兰爱国者队。"
    # the words beside a share or a score name what it is (比例, 比分), not a thing it counts
    assert numbers_ok("华沙人口中新教徒的比例是2.8%", census, min_len=1)
    assert numbers_ok("AFC锦标赛的最终比分是20-18", game, min_len=1)
    assert numbers_ok("比分是 20：18", game, min_len=1)
    text, cites = checker.check("新教徒的比例是2.8%[1]。", [Snippet(1, "w", "x.txt", "华沙", census)])
    assert len(cites) == 1 and text.endswith("[1]。")
    # a count beside them is still judged: 711988 counts residents, not participants
    assert not numbers_ok("参加者数は711988名でした", census, min_len=1)
    # and a share's value must still stand in the passage
    assert not numbers_ok("新教徒的比例是3.8%", census, min_len=1)
    assert share_or_score("占2.8%", 1, 4) and share_or_score("20–18", 3, 5) and not share_or_score("861名", 0, 3)
    # a range of a count is still a count: 3-5名
    assert not share_or_score("3-5名代表", 0, 1) and not share_or_score("3-5名代表", 2, 3)
    assert not share_or_score("1-100000000000名", 0, 1)  # however long the second number


def test_a_sentence_citing_two_passages_is_judged_against_both_together():
    both = [Snippet(1, "a", "003.txt", "無錫出訪", "無錫高新區代表團出訪歐洲 | published 2023-06-13"),
            Snippet(2, "b", "004.txt", "魯港交流会", "魯港科技創新合作交流會 | published 2024-04-28")]
    text, cites = checker.check("無錫的報道在2023年6月13日發布,魯港的報道在2024年4月28日發布[1][2]。", both)
    assert [c.source for c in cites] == ["003.txt", "004.txt"] and text.endswith("[1][2]。")
    # together they still must state every number: a date neither gives is no support
    text, cites = checker.check("無錫的報道在2023年6月13日發布,魯港的報道在2024年5月2日發布[1][2]。", both)
    assert cites == ()


def test_an_iso_date_in_an_event_record_supports_a_date_written_in_words():
    from assistant.answering.citations import numbers_ok

    record = "無錫高新區代表團出訪歐洲 | date 2023-06-02/2023-06-09 | published 2023-06-13 | source 無錫日報"
    assert numbers_ok("該報道在2023年6月13日發布", record, min_len=1)
    # a number written among Han characters is still compared with what they count
    assert not numbers_ok("簽約了13個項目", "拜訪了13家企業。簽約7個項目。", min_len=1)


def test_numbers_the_question_gives_are_its_premise_not_the_sentences_claim():
    from assistant.answering.citations import numbers_ok, question_numbers

    passage = "黑豹队的防守只丢了308分,同时也以24次拦截领先国家橄榄球联盟。"
    given = question_numbers("How many interceptions did the Panthers make in 2015?")
    assert not numbers_ok("2015年黑豹队有24次拦截", passage)
    assert numbers_ok("2015年黑豹队有24次拦截", passage, given=given)
    assert not numbers_ok("2015年黑豹队有42次拦截", passage, given=given)  # the answer's own number still counts


def test_a_scaled_number_must_have_the_passages_value_not_only_its_digits():
    from assistant.answering.citations import numbers_ok

    snippet = "芬方已安排三年200万欧元的专项资金。"
    assert not numbers_ok("The Finnish side set aside 200 million euros.", snippet)  # 200万 is 2 million
    assert numbers_ok("The Finnish side set aside 2 million euros (200万欧元).", snippet)
    assert numbers_ok("44.6 million yuan", "总额4460万元")


def test_what_an_answer_says_beyond_the_question_must_stand_in_its_passages():
    from assistant.answering.citations import novel_support

    passage = ["本次大会邀请了近300名国内外知名学者,其中有诺贝尔奖获得者、外国驻华使节。"]
    q = "出席大会的诺贝尔奖得主叫什么名字?"
    assert novel_support("诺贝尔奖得主是阿瑟·阿什利[1]。", q, passage) == 0.0  # a name the passage never gives
    assert novel_support("大会邀请了近300名学者[1]。", "大会邀请了多少名学者?", passage) == 1.0
    # an answer that only gives the question back says nothing
    assert novel_support("三个层级的科技支持政策集中发布了[1]。", "现场集中发布了哪三个层级的科技支持政策?",
                         ["山东省、青岛市三个层级的科技支持政策集中发布。"]) is None


def test_what_an_english_answer_adds_must_stand_in_its_chinese_passages():
    from assistant.answering.citations import english_share

    passage = ["2019中芬合作平台高层会谈在宁波举行,宁波市副市长陈炳荣致辞,芬兰萨塔昆塔区域联盟主席出席。"]
    q = "Who gave a speech at the 2019 China-Finland talks?"
    # a name the passage never gives holds nothing; the same answer with the passage's name holds all
    assert english_share("The speech was given by Michael Jordan [1].", q, passage) == 0.0
    assert english_share("Chen Bingrong (陈炳荣), vice mayor of Ningbo, gave it [1].", q, passage) == 1.0
    # a dictionary rendering and a romanised place count as stated
    assert english_share("It was held in Ningbo city [1].", "Where were the talks held?", passage) == 1.0
    # a title, a possessive's 's and two words run together are no words of their own
    assert english_share("It was Mr. Chen Bingrong's speech [1].", q, passage) == 1.0
    assert english_share("It was theNingbo city talks [1].", "Where were the talks held?", passage) == 1.0
    # nor is a company's legal form ("Co., Ltd" for 有限公司, which no rendering of either word finds)
    assert english_share("Huaxing (华兴) Technology Co., Ltd of Ningbo organised it [1].", "Which company organised it?",
                         ["会议由宁波华兴科技有限公司承办。"]) == 1.0
    # one added word is too few to judge by a share, held or not
    assert english_share("It was held in Yuhang [1].", "Where were the talks held?", passage) is None
    # nothing added, or no English answer, or no Chinese passage: nothing to judge
    assert english_share("The talks [1].", "Which talks?", passage) is None
    assert english_share("宁波市副市长陈炳荣[1]。", q, passage) is None
    assert english_share("Chen Bingrong [1].", q, ["Chen Bingrong spoke."]) is None


def test_a_number_stands_in_a_passage_only_as_a_whole_number():
    from assistant.answering.citations import numbers_ok

    assert not numbers_ok("签约了1个项目", "14の新たな質の生産力プロジェクトが契約された。", min_len=1)
    assert not numbers_ok("成立于19年", "2019年成立。")
    assert numbers_ok("签约了14个项目", "现场签约14个项目。", min_len=1)


def test_a_snippet_or_citation_is_read_with_its_article_title_as_the_prompt_shows_it():
    from assistant.answering.citations import as_read
    from assistant.types import Citation

    snippet = Snippet(1, "c1", "001.txt", "李明率苏州代表团访问日本", "代表团与大阪商会会长田中健一会谈。")
    assert as_read(snippet) == "李明率苏州代表团访问日本\n代表团与大阪商会会长田中健一会谈。"
    cited = Citation(1, "001.txt", "李明率苏州代表团访问日本", "代表团与大阪商会会长田中健一会谈。", "c1")
    assert as_read(cited) == as_read(snippet)
    # no title, or a line that already carries it (a catalogue line): the text alone
    assert as_read(Snippet(1, "c1", "001.txt", "", "代表团会谈。")) == "代表团会谈。"
    assert as_read(Snippet(1, "c1", "001.txt", "苏州代表团", "苏州代表团 | date 2023-06-01")) == "苏州代表团 | date 2023-06-01"


def test_a_sentence_is_checked_against_its_passage_with_the_article_title_the_prompt_showed_above_it():
    # the year and the city stand only in the headline: the model read them there, under «title»
    headed = [Snippet(1, "c1", "007.txt", "2021洛阳智能制造博览会在洛阳开幕", "博览会由洛阳市政府主办,签约项目12个。"),
              Snippet(2, "c2", "008.txt", "成都科技周", "本届科技周共吸引观众超过8万人次。")]
    text, cites = checker.check("2021洛阳智能制造博览会由洛阳市政府主办[1]。", headed)
    assert text == "2021洛阳智能制造博览会由洛阳市政府主办[1]。" and [c.source for c in cites] == ["007.txt"]
    # another article's headline vouches for nothing here: the year is no number of this passage
    text, cites = checker.check("2021成都科技周由洛阳市政府主办[1]。", headed)
    assert cites == ()
