"""Chat models: the bundled llama.cpp model or any OpenAI-compatible endpoint, and the model lock."""
