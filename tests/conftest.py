"""Fixtures shared by the test modules."""
import pytest

from assistant.app import Assistant
from assistant.config import Settings, force_offline


@pytest.fixture(scope="session")
def embeddings():
    """One real e5 model for every Assistant in the run (stores check its id, not the object), loaded and
    run once before anything is timed."""
    from assistant.provision.models import STEmbeddings, ensure_embedder

    force_offline()
    ensure_embedder(Settings())
    emb = STEmbeddings(Settings())
    emb.embed_documents(["warm-up"])
    return emb


@pytest.fixture(scope="session")
def seeded(embeddings, tmp_path_factory) -> Settings:
    """Settings of a store holding the five seeds (ingested once: 15-45 s on 2 cores); tests only read it."""
    settings = Settings(store_dir=tmp_path_factory.mktemp("seeded") / "store")
    Assistant(settings, embeddings=embeddings).ensure_ingested()
    return settings


@pytest.fixture
def local_probe(monkeypatch):
    """The product's own local-model path (build_chat_model + model_lock) with a ProbeModel as the 'GGUF'."""
    from reliability import ProbeModel
    from assistant.llm import adapters as llm

    probe = ProbeModel(hold=0.02)
    monkeypatch.setattr(llm, "_LOCAL", {})
    monkeypatch.setattr(llm, "_LOCAL_LOCKS", {})
    monkeypatch.setattr(llm, "_load_local", lambda settings: probe.loads.append(settings) or probe)
    return probe


@pytest.fixture(scope="session")
def seeded_assistant(seeded, embeddings):
    """An Assistant over the seeded store (read only: tests must not write to it)."""
    return Assistant(seeded, embeddings=embeddings)
