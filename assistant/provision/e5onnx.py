"""The embedder on onnxruntime: exported once from the sentence-transformers folder (offline, no hub),
then encoded with the same tokenizer, prompts, mean pooling and normalisation.

sentence-transformers' own ONNX backend needs optimum-onnx, which pins transformers below 4.58 (this
stack runs 5.x), so the export and the session are done here, with torch.onnx and onnxruntime, the
libraries that backend uses underneath. `assistant bench embed` compares the vectors and the speed
with the torch reference.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ModelError

_FILES = {"onnx": "model.onnx", "onnx-int8": "model_int8.onnx", "openvino": "model.onnx"}


def _source_id(st_dir: Path) -> str:
    """What the export was made from: the weights file's size and modification time."""
    weights = next((st_dir / n for n in ("model.safetensors", "pytorch_model.bin") if (st_dir / n).exists()), None)
    if weights is None:
        raise ModelError(f"No weights in {st_dir} to export to ONNX. Run `assistant models --prepare`.")
    stat = weights.stat()
    return f"{weights.name}:{stat.st_size}:{int(stat.st_mtime)}"


def onnx_file(st_dir: Path, backend: str) -> Path:
    return st_dir / "onnx" / _FILES[backend]


def ensure_onnx(st_dir: Path, backend: str) -> Path:
    """The ONNX file for the backend (onnx and openvino: fp32; onnx-int8: weights quantised to int8),
    exported from the sentence-transformers folder on first use and again whenever its weights change.
    Written atomically."""
    st_dir = Path(st_dir)
    path = onnx_file(st_dir, backend)
    stamp = path.with_suffix(".source")
    source = _source_id(st_dir)
    if path.exists() and stamp.exists() and stamp.read_text() == source:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fp32 = onnx_file(st_dir, "onnx")
    if path != fp32:
        ensure_onnx(st_dir, "onnx")
    else:
        _export(st_dir, fp32)
    if backend == "onnx-int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
            out = Path(tmp) / path.name
            quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
            os.replace(out, path)
    stamp.write_text(source)
    return path


def _export(st_dir: Path, path: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(st_dir), device="cpu", local_files_only=True)
    body = st[0].auto_model.eval()

    class Body(torch.nn.Module):  # token type 0 always, as the encoder is used
        def __init__(self):
            super().__init__()
            self.body = body

        def forward(self, input_ids, attention_mask):
            return self.body(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    sample = st.tokenizer(["passage: 样例 sample サンプル"], return_tensors="pt")
    axes = {0: "batch", 1: "tokens"}
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp, torch.no_grad():
        out = Path(tmp) / path.name
        torch.onnx.export(Body(), (sample["input_ids"], sample["attention_mask"]), str(out),
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
                          opset_version=17, dynamo=False)
        os.replace(out, path)


class OnnxEncoder:
    """encode() as SentenceTransformer has it (prompt_name, batch_size, normalize_embeddings), on
    onnxruntime, or on OpenVINO's runtime reading the same ONNX file (backend="openvino")."""

    def __init__(self, st_dir: Path, model_path: Path, threads: int, backend: str = "onnx"):
        from tokenizers import Tokenizer

        st_dir = Path(st_dir)
        config = st_dir / "config_sentence_transformers.json"
        self.prompts = json.loads(config.read_text()).get("prompts", {}) if config.exists() else {}
        self.tokenizer = Tokenizer.from_file(str(st_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=512)
        pad = self.tokenizer.token_to_id("<pad>")
        self.pad_id = 0 if pad is None else pad
        if backend == "openvino":
            import openvino as ov

            compiled = ov.Core().compile_model(str(model_path), "CPU", {"INFERENCE_NUM_THREADS": max(1, threads)})
            self._run = lambda feeds: compiled(feeds)[0]
        else:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = max(1, threads)
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
            self._run = lambda feeds: session.run(None, feeds)[0]

    def encode(self, texts, prompt_name: str | None = None, batch_size: int = 4, normalize_embeddings: bool = True,
               convert_to_numpy: bool = True, show_progress_bar: bool = False) -> np.ndarray:
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        prefix = self.prompts.get(prompt_name, "") if prompt_name else ""
        encodings = self.tokenizer.encode_batch([prefix + t for t in texts])
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))  # little padding per batch
        out = np.zeros((len(texts), 0), dtype=np.float32)
        for lo in range(0, len(order), max(1, batch_size)):
            batch = order[lo:lo + batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.full((len(batch), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n], mask[row, :n] = encodings[i].ids, 1
            hidden = np.asarray(self._run({"input_ids": ids, "attention_mask": mask}))
            weights = mask[..., None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            if normalize_embeddings:
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[batch] = vectors
        return out[0] if single else out
