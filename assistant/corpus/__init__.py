"""Articles from files: reading, decoding, cleaning, metadata, chunking."""
