"""Script folding (width, case, Traditional/Japanese kanji → Simplified) and tokenisers for BM25."""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter

import opencc

from .language import CJK, HAN, has_kana

DEFAULT_SCHEME = "bigram_words"  # chosen by `assistant bench tokenizers`, see docs/retrieval.md
SCHEMES = ("bigram", "unibigram", "jieba", "sudachi", "ja_sudachi", "bigram_jieba", "bigram_sudachi", "bigram_words")
TOKENS_VERSION = "1"  # bump when fold() or a tokeniser changes: indexes built before are stale

# Japanese forms that Chinese also writes differently but OpenCC's jp2t→hk2s chain misses or
# sends to an old form (挙→擧); Japanese-only kokuji (働, 込, 畑) have no Chinese twin and stay.
_JP_EXTRA = dict(zip("挙闘鉱郷渋値戸隣舎窓舗汚繋隷聡讃嚢漑喩駄倣搾", "举斗矿乡涩值户邻舍窗铺污系隶聪赞囊溉喻驮仿榨"))

_WORD = "0-9a-z\u00b5\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\uac00-\ud7a3"
# One token per match: a run of Han/kana (split further by the scheme) or a Latin/digit word;
# a decimal point inside digits stays so that 3.5 and 4460 are matched whole.
_TOKEN_RE = re.compile(f"(?P<cjk>[{CJK}]+)|(?P<word>[{_WORD}]+(?:\\.[0-9]+)*)")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# English function words: they say nothing about what a text is about, in a query word's translation
# or in an answer's support
STOP_WORDS = frozenset("""a an the of in on at to for from by with and or but is are was were be been being do does
did what which who whom whose when where why how many much that this these those it its as into about after before
than then there their they them he she his her we our you your i me my not no yes any all each every some
described most more also has have had will would can could should may might shall""".split())

_lock = threading.Lock()
_state: dict = {}
_local = threading.local()  # SudachiPy tokenizers are not safe to share between threads


def _converters():
    """hk2s (t2s plus HK variants) and the Japanese→Simplified table, built once per process."""
    if "fold" not in _state:
        with _lock:
            if "fold" not in _state:
                # hk2s = HKVariantsRev + t2s: same round trip as t2s on s2t/s2tw text, and it also
                # folds HK forms (衞, 敍) that t2s leaves; measured in docs/retrieval.md.
                t2s, jp2t = opencc.OpenCC("hk2s"), opencc.OpenCC("jp2t")
                table = _japanese_table(t2s, jp2t)
                _state["fold"] = (t2s, str.maketrans(table), re.compile("[" + "".join(table) + "]"))
    return _state["fold"]


def _japanese_table(t2s, jp2t) -> dict[str, str]:
    """Shinjitai → Simplified, only for characters Simplified Chinese does not use itself."""
    table = {}
    for cp in range(0x3400, 0xA000):
        ch = chr(cp)
        # jp2t also rewrites characters that are ordinary Simplified Chinese (研→硏, 沪→滤,
        # 欠→缺); applying it blindly damaged 544 characters of CMRC, so skip GB2312 ones.
        if _is_gb2312(ch) or t2s.convert(ch) != ch:
            continue
        target = t2s.convert(jp2t.convert(ch))
        if len(target) == 1 and target != ch and _is_gb2312(target):
            table[ch] = target
    table.update(_JP_EXTRA)
    return table


def _is_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def normalize(text: str) -> str:
    """NFKC (full-width → half-width) and lower case: the part of fold() that needs no dictionary."""
    return unicodedata.normalize("NFKC", text).lower()


def fold(text: str) -> str:
    """Fold width, case and script variants so zh-Hant, zh-Hans and Japanese kanji compare equal."""
    t2s, jp, jp_re = _converters()
    text = normalize(text)
    if jp_re.search(text):  # a C-speed scan spares Chinese text the slower per-char translate
        text = text.translate(jp)
    return t2s.convert(text)


def fold_aligned(text: str) -> str:
    """fold(), one character for each of text's, so that a place found in the folded text is the same place in
    text. NFKC writes some characters as several ("…" → "...", "½" → "1⁄2"): a name found after one in fold(text)
    was cut out of text two characters late (the evidence's " … " turned 波兰人队于 2013 年 into 波兰人队Yuer (于 2)013
    年 in an English prompt). Those characters are kept as they are, the runs between them folded whole."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded

    def run(piece: str) -> str:
        whole = fold(piece)
        return whole if len(whole) == len(piece) else \
            "".join(f if len(f := fold(ch)) == 1 else ch for ch in piece)

    out, start = [], 0
    for i, ch in enumerate(text):
        if len(normalize(ch)) != 1:
            out += [run(text[start:i]), ch]
            start = i + 1
    return "".join(out) + run(text[start:])


def simplified_kanji(text: str) -> str:
    """Japanese shinjitai that Simplified Chinese writes otherwise in their Chinese form (広 → 广, 継 → 继,
    経 → 经), nothing else touched: a Chinese answer copied from a Japanese article is Chinese to its reader.
    The folding table, without fold()'s case, width and Traditional → Simplified steps."""
    _, jp, jp_re = _converters()
    return text.translate(jp) if jp_re.search(text) else text


def tokenize(text: str, scheme: str = DEFAULT_SCHEME, folding: bool = True) -> list[str]:
    """Tokens for BM25 under the chosen scheme; folding=False keeps only NFKC + lower case."""
    try:
        tokenizer = _SCHEME_FUNCS[scheme]
    except KeyError:
        raise ValueError(f"unknown tokenisation scheme {scheme!r}; choose one of {SCHEMES}") from None
    text = _THOUSANDS_RE.sub("", text)
    return tokenizer(text, fold if folding else normalize)


def tokenizer_signature(scheme: str = DEFAULT_SCHEME, folding: bool = True) -> str:
    """Identifies tokenisation output: an index built under another signature must be rebuilt."""
    from importlib.metadata import version

    tools = [f"opencc-{opencc.__version__}"]
    tools += [f"jieba-{version('jieba')}"] if "jieba" in scheme or scheme == "bigram_words" else []
    tools += [f"sudachi-{version('sudachidict-core')}"] if "sudachi" in scheme or scheme == "bigram_words" else []
    return "/".join([scheme, f"v{TOKENS_VERSION}", "fold" if folding else "nfkc", *tools])


def _grams(text: str, unigrams: bool) -> list[str]:
    out: list[str] = []
    for m in _TOKEN_RE.finditer(text):
        run = m.group()
        if m.lastgroup == "word" or len(run) == 1:
            out.append(run)
            continue
        out.extend([run[i:i + 2] for i in range(len(run) - 1)])
        if unigrams:
            out.extend(run)
    return out


def _bigram(text, fold_fn):
    return _grams(fold_fn(text), unigrams=False)


def _unibigram(text, fold_fn):
    return _grams(fold_fn(text), unigrams=True)


def _keep(tokens) -> list[str]:
    """Word tokens minus punctuation and spaces, re-split where a tool glued CJK to Latin."""
    return [m.group() for tok in tokens for m in _TOKEN_RE.finditer(tok)]


def _jieba(text, fold_fn):
    return _jieba_words(fold_fn(text))


def _jieba_words(folded: str) -> list[str]:
    # precise mode without the HMM: on CMRC 1.4x faster than search mode and better (MRR .988
    # vs .983): out-of-dictionary runs fall to single characters instead of guessed words
    return _keep(_jieba_module().lcut(folded, HMM=False))


def _sudachi(text, fold_fn):
    # Sudachi's dictionary is Japanese: segment the original script, fold the words after.
    words = [m.surface() for m in _sudachi_morphemes(text)]
    # fold once over the newline-joined words (4x faster than per word); no token spans "\n"
    return _keep([fold_fn("\n".join(words))])


def _ja_sudachi(text, fold_fn):
    return _sudachi(text, fold_fn) if has_kana(text) else _bigram(text, fold_fn)


def _bigram_jieba(text, fold_fn):
    return _bigram(text, fold_fn) + _jieba(text, fold_fn)


def _bigram_sudachi(text, fold_fn):
    extra = _sudachi(text, fold_fn) if has_kana(text) else []
    return _bigram(text, fold_fn) + extra


def _bigram_words(text, fold_fn):
    """Bigrams bridge scripts and languages; dictionary words (Sudachi for ja, else jieba) add precision."""
    if has_kana(text):
        return _bigram(text, fold_fn) + _sudachi(text, fold_fn)
    folded = fold_fn(text)
    return _grams(folded, unigrams=False) + _jieba_words(folded)


def _pieces(text: str, size: int = 4000) -> list[str]:
    """Sudachi refuses inputs over ~49 kB: cut long text into pieces at a safe size."""
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def cut_words(text: str) -> list[str]:
    """The text cut into jieba's words as written (no folding, nothing dropped): "".join gives it back."""
    return _jieba_module().lcut(text, HMM=False)


def _jieba_module():
    import jieba  # lazy: its dictionary takes ~1 s to load

    if not jieba.dt.initialized:
        with _lock:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
    return jieba


def _tagged(folded: str, hmm: bool = True):
    """jieba's words with their parts of speech (.word, .flag), its dictionary loaded first."""
    import jieba.posseg as pseg

    _jieba_module()
    return pseg.lcut(folded, HMM=hmm)


def _sudachi_tokenizer():
    tok = getattr(_local, "sudachi", None)
    if tok is None:
        from sudachipy import Dictionary, SplitMode

        with _lock:
            if "sudachi_dict" not in _state:
                _state["sudachi_dict"] = Dictionary()  # ~0.15 s; shared, tokenizers are per thread
        # Mode A (shortest units) so compounds also match their parts, as bigrams do.
        tok = _local.sudachi = _state["sudachi_dict"].tokenizer(mode=SplitMode.A)
    return tok


def _sudachi_morphemes(text: str):
    """Sudachi's morphemes of a text, normalised and read in pieces short enough for its tokenizer."""
    tok = _sudachi_tokenizer()
    return (m for piece in _pieces(normalize(text)) for m in tok.tokenize(piece))


_SCHEME_FUNCS = {
    "bigram": _bigram, "unibigram": _unibigram, "jieba": _jieba, "sudachi": _sudachi,
    "ja_sudachi": _ja_sudachi, "bigram_jieba": _bigram_jieba, "bigram_sudachi": _bigram_sudachi,
    "bigram_words": _bigram_words,
}


def mistagged_name(word: str) -> bool:
    """Whether a word jieba's dictionary tags as a name (籍贯 nr, 安静 nr, 城市 ns, 抗议 nz) is a common word:
    CC-CEDICT lists it only as one (text.cedict.common_only), and not every character of it spells sounds
    (拉德, CC-CEDICT's "rad", is half of 拉德芳斯). For the names a question gives (proper_nouns): taken for
    names, 籍贯 and 城市 were what a question's passage had to state: of 3,219 CMRC 2018 questions, 76 named
    something their own passage lacks, 49 now. The other name finders keep jieba's own tags (person_names)."""
    from .cedict import common_only

    return common_only(word) and not all(ch in transliteration_characters() for ch in word)


# the commonest Chinese surnames (they cover ~90 % of people): jieba's nr tag alone also fires on 博士后, 瑞安
_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
                "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
                "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
                "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
                "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文")


def person_names(text: str) -> list[str]:
    """Chinese personal names in the Simplified form of text: jieba's nr words of 2–4 characters that
    start with a surname."""
    # jieba's own tags, not corrected by mistagged_name: the who-rule and the English prompt's names were
    # calibrated with them, and some right answers stand on a common word tagged nr (docs/answers.md,
    # twenty-third session)
    return [w.word for w in _tagged(fold(text)) if w.flag in ("nr", "nrfg", "nrt")
            and 2 <= len(w.word) <= 4 and (w.word[0] in _SURNAMES or w.word.startswith(_COMPOUND_SURNAMES))]


def japanese_person_names(text: str) -> list[str]:
    """The personal names (surnames, given names) Sudachi's dictionary reads in Japanese text (宮本, 顕治, 志位);
    none in text without kana. jieba's nr tag misses them (江口寿史 is a place and a noun to it)."""
    if not has_kana(text):
        return []
    return [m.surface() for m in _sudachi_morphemes(text) if m.part_of_speech()[2] == "人名"]


def transliteration_characters(min_names: int = 5) -> frozenset[str]:
    """The characters Chinese spells foreign names with (卡, 斯, 德, 普, 兹…): those of at least min_names
    of jieba's transliterated names (its nrt words, ~5,900). A run of them is a foreign name in Chinese
    (拉德芳斯, 普利兹), whose English spelling a 1.5B model guesses."""
    if "transliteration" not in _state:
        import jieba

        counts: Counter = Counter()
        with jieba.dt.get_dict_file() as lines:
            for line in lines:
                word, _, tag = line.decode("utf-8").split()
                if tag == "nrt":
                    counts.update(set(word))
        _state["transliteration"] = counts
    return frozenset(ch for ch, n in _state["transliteration"].items() if n >= min_names)


def dotted_name_end(name: str) -> str:
    """尤卡·莫拉讷恩出席 → 尤卡·莫拉讷恩: a dotted foreign name read by a pattern of Han characters runs on
    into the words after it (出席, 就, 表示); the jieba words after its last dot that hold no character of
    transliterated names are cut from its end, the first of them always kept."""
    cut = max(name.rfind("·"), name.rfind("・"))
    if cut < 0:
        return name
    words = cut_words(name[cut + 1:])
    sounds = transliteration_characters()
    while len(words) > 1 and not any(ch in sounds for ch in words[-1]):
        words.pop()
    return name[:cut + 1] + "".join(words)


# jieba's proper-noun tags: people (nr, nrt transliterated, nrfg), places (ns), organisations (nt), other (nz)
_PROPER_TAGS = ("nr", "nrt", "nrfg", "ns", "nt", "nz")


# characters of grammar: a word jieba's HMM makes of one of them and a neighbour (市是 of 乌尔维拉市是在) is
# no word of the text
_FUNCTION_CHARS = re.compile("[是的了在和与及为等有于其该此这那将已被把对向从到也都并且就而之]")


# a word more frequent than this (per million words of jieba's dictionary counts) is of the question's
# frame (来源, 分别, 方面, 活动, 项目: 74-458), not of its subject (传感器 8, 机器人 6, 零部件 25)
COMMON_PER_MILLION = 30.0


def common_word(word: str) -> bool:
    """Whether a Chinese word is common in general text (jieba's dictionary frequencies)."""
    dt = _jieba_module().dt
    return dt.FREQ.get(fold(word), 0) * 1e6 / dt.total >= COMMON_PER_MILLION


def verbs(text: str) -> set[str]:
    """The words a Chinese or Japanese text uses as verbs, folded: jieba's v* tags but vn (活动, a noun
    made of a verb), Sudachi's 動詞 for a text with kana. A question's verbs are its frame (注明, 提到,
    涉及, 関わる), not what it asks about."""
    if has_kana(text):
        return {fold(m.surface()) for m in _sudachi_morphemes(text) if m.part_of_speech()[0] == "動詞"}
    return {w.word for w in _tagged(fold(text), hmm=False) if w.flag.startswith("v") and w.flag != "vn"}


def unknown_or_proper(text: str) -> list[str]:
    """A Chinese text's words of 2+ Han characters that jieba's dictionary lacks (found by its HMM, not
    made with a grammar character) or tags as proper nouns, folded."""
    # jieba's own tags (not corrected by mistagged_name): its "names" that are common words (籍贯, 城市) are
    # as rare in a corpus as names are; with them the rule refuses more questions whose passage is left out
    # (bench unheard, 1,000 CMRC questions: .739 against .71 without, false refusals .006 either way)
    dictionary = _jieba_module().dt.FREQ
    return list(dict.fromkeys(w.word for w in _tagged(fold(text)) if len(w.word) >= 2
                              and re.fullmatch(f"[{HAN}]+", w.word)
                              and (w.flag in _PROPER_TAGS or (w.word not in dictionary
                                                              and not _FUNCTION_CHARS.search(w.word)))))


# a name jieba's dictionary holds at least this often (宁波 538, 慕尼黑 485, 金华 224, 里昂 247) is one a
# translation writes right (Ningbo, Munich); below it (南苑 63, 瑞安 35, 拉德 19) or unknown (萨塔昆, 申思特) it
# guesses: "Sakhtan" for 萨塔昆塔, "SouthYuan" for 南苑, "Law, US, and Music" for 法美乐
WELL_KNOWN_NAME = 100
_NAME_TAGS = ("nr", "nrt", "nrfg", "ns", "nz")  # not nt: jieba tags 商务区 and 管委会 so


_PLACE_SUFFIX = "市省县縣区區镇鎮州村"


def _well_known(word: str, freq: dict) -> bool:
    """A name held often enough (WELL_KNOWN_NAME), or made of such names (法国巴黎) or of one and a place
    suffix (宁波市)."""
    if freq.get(word, 0) >= WELL_KNOWN_NAME:
        return True
    if word[-1] in _PLACE_SUFFIX and freq.get(word[:-1], 0) >= WELL_KNOWN_NAME:
        return True
    return any(freq.get(word[:i], 0) >= WELL_KNOWN_NAME and _well_known(word[i:], freq)
               for i in range(2, len(word) - 1))


def unfamiliar_names(text: str) -> list[str]:
    """The names of a Chinese text that a translation would guess at, as the text writes them: runs of
    jieba's proper nouns (people, places, other) that its dictionary lacks or holds rarely
    (WELL_KNOWN_NAME), joined with the unknown words and lone transliteration characters beside them,
    since jieba splits a transliterated name (萨塔昆|塔, 拉德|芳斯, 普|利兹)."""
    freq = _jieba_module().dt.FREQ
    sounds = transliteration_characters()
    folded = fold_aligned(text)  # the names are cut out of text at its places
    words = _tagged(folded)
    names, at, start, end, proper = [], 0, -1, -1, False

    def close():
        if proper and end - start >= 2:
            names.append(text[start:end])

    before = (-1, -1)  # the word before this one, if of Han characters: the first half of 玛丽·麦特琳
    dotted = False  # the word before this one is a middle dot: this one is the name's second half
    for w in words:
        lo, hi = at, at + len(w.word)
        at = hi
        han = re.fullmatch(f"[{HAN}]+", w.word) is not None
        if w.word in "·・" and start < 0 and before[0] >= 0:
            start, end, dotted = before[0], hi, True  # a name with a middle dot is one name, however familiar
            continue
        if dotted and han:
            end, dotted, before = hi, False, (lo, hi)
            proper = proper or (w.flag in _NAME_TAGS and not _well_known(w.word, freq))
            continue
        dotted = w.word in "·・" and start >= 0
        before = (lo, hi) if han else (-1, -1)
        rare = han and w.flag in _NAME_TAGS and len(w.word) >= 2 and not _well_known(w.word, freq)
        # an unknown word of two sounds continues a name of sounds (芳斯 of 拉德|芳斯), not one of meanings
        # (东新科创园) or a longer one (东新科 of 瑞安|东新科|创园)
        unknown = han and len(w.word) == 2 and w.word not in freq and all(ch in sounds for ch in w.word)
        sound = han and len(w.word) == 1 and w.word in sounds and not _FUNCTION_CHARS.search(w.word)
        foreign = start >= 0 and all(ch in sounds for ch in text[start:end] if ch not in "·・")
        if rare or (start >= 0 and (sound or w.word in "·・" or (foreign and unknown))):
            start, end, proper = (start if start >= 0 else lo), hi, proper or rare
        elif sound and start < 0:
            start, end = lo, hi  # a lone sound before a name (普 of 普|利兹) starts it, if one follows
        else:
            close()
            start, end, proper = -1, -1, False
    close()
    return [n.strip("·・") for n in dict.fromkeys(names)]


def proper_nouns(text: str) -> list[str]:
    """The proper nouns of a Chinese or Japanese text, in folded (Simplified, lower-case) form: jieba's
    proper-noun tags for Chinese, Sudachi's 固有名詞 for Japanese (consecutive ones joined)."""
    folded = fold(text)
    if not has_kana(text):
        return [w.word for w in _tagged(folded) if w.flag in _PROPER_TAGS and len(w.word) >= 2
                and not mistagged_name(w.word)]
    names, run = [], ""
    for piece in _pieces(text):
        for m in _sudachi_tokenizer().tokenize(piece):
            if m.part_of_speech()[1] == "固有名詞":
                run += m.surface()
                continue
            if len(run) >= 2:
                names.append(fold(run))
            run = ""
    if len(run) >= 2:
        names.append(fold(run))
    return names
