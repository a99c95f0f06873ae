"""llama.cpp's OpenAI-compatible server for the bundled model (`python -m assistant.llm.server --model …`, the
arguments of `python -m llama_cpp.server`), with the CPU backend for this machine loaded first: the server alone
looks for it only beside the Python executable and would find none."""
from __future__ import annotations

import runpy

from .adapters import load_cpu_backend

if __name__ == "__main__":
    load_cpu_backend()
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
