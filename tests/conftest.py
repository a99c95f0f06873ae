"""Fixtures shared by the test modules."""
import pytest

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
