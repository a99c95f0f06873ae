"""Where chunks are kept: the Chroma adapter (the only chromadb import), the keyword index, ingest."""
