"""The scale benchmark's synthetic corpus: unique texts, reused vectors perturbed deterministically."""
import json

import numpy as np

from assistant.bench.scale import SETS, base_windows, questions, synth_batch
from assistant.config import Settings


def _windows(n=3, dim=8):
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    windows = [{"source": f"p{i}", "title": "t", "text": f"文本{i}", "lang": "zh-Hans", "start": 0, "end": 3}
               for i in range(n)]
    return windows, vectors


def test_copies_reuse_the_window_vector_with_a_small_deterministic_perturbation():
    windows, vectors = _windows()
    ids, texts, metas, vecs = synth_batch(windows, vectors, 0, 9)
    vecs = np.asarray(vecs)
    assert len(set(ids)) == len(set(texts)) == 9  # every chunk distinct, though windows repeat
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vecs[:3], vectors, atol=1e-6)  # copy 0 keeps the real vector
    cos = (vecs[3:] * vectors[[0, 1, 2, 0, 1, 2]]).sum(axis=1)
    assert (cos > 0.99).all() and (cos < 0.99999).all()
    assert metas[4]["source"] == "p1~1" and texts[4].startswith("文本1")
    assert np.allclose(np.asarray(synth_batch(windows, vectors, 0, 9)[3]), vecs)


def test_windows_and_questions_come_from_the_bench_files(tmp_path):
    for rel, _ in SETS:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(json.dumps({"id": rel, "title": "T", "text": "长文本。" * 200}) + "\n")
    for rel in ("cmrc2018_dev/questions.jsonl", "jsquad_valid/questions.jsonl", "xquad/questions_en.jsonl"):
        (tmp_path / rel).write_text("".join(json.dumps({"question": f"{rel}{i}"}) + "\n" for i in range(3)))
    windows = base_windows(tmp_path, Settings())
    assert [w["lang"] for w in windows] == ["zh-Hans", "ja", "zh-Hans", "en"]
    assert all(len(w["text"]) <= Settings().chunk_size for w in windows)
    qs = questions(tmp_path, 4)
    assert qs[0].startswith("cmrc") and qs[1].startswith("jsquad") and qs[2].startswith("xquad") and len(qs) == 4
