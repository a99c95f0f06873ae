"""The one switch between the bundled llama.cpp model and any OpenAI-compatible endpoint."""
from __future__ import annotations

import contextlib
import re
import threading
import time
import warnings
from typing import Iterator

from ..config import Settings
from ..errors import AssistantError, InputError, LLMError, ModelError

_LOCAL: dict[tuple, object] = {}
_LOCAL_LOCKS: dict[tuple, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()


def _local_key(settings: Settings) -> tuple:
    return (str(settings.gguf_path), settings.n_ctx, settings.n_threads)


def build_chat_model(settings: Settings):
    """A LangChain chat model: ChatOpenAI when ASSISTANT_LLM_BASE_URL is set, else local ChatLlamaCpp."""
    if settings.llm_base_url:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key,
                          temperature=settings.temperature, max_tokens=settings.max_tokens,
                          timeout=settings.llm_timeout, max_retries=1, streaming=True)
    key = _local_key(settings)
    with _REGISTRY_LOCK:
        if key not in _LOCAL:
            _LOCAL[key] = _load_local(settings)
            _LOCAL_LOCKS[key] = threading.Lock()
        return _LOCAL[key]


_BACKENDS_LOCK = threading.Lock()


def load_cpu_backend() -> str:
    """Load llama.cpp's CPU code built for this machine's instruction set, before any model is loaded.

    The wheel `make install` builds (GGML_BACKEND_DL, GGML_CPU_ALL_VARIANTS) holds one CPU library per x86
    generation (libggml-cpu-haswell.so … -zen4.so, -sapphirerapids.so), none linked in; ggml scores each against
    the CPU and loads the best. On the AVX-512 machines here it read prompts ~1.4x and wrote ~1.25x faster than
    the one AVX2 build it replaced, and the same wheel still runs on a CPU without AVX-512. llama-cpp-python
    looks for them only beside the Python executable, and pip puts them in site-packages/bin, so they are
    loaded from there, into the libggml that libllama itself links. Returns the folder loaded from, "" when
    there was nothing to load (a build with its CPU code linked in, as llama-cpp-python builds by default)."""
    with _BACKENDS_LOCK:  # a second caller waits until the first has loaded them, then finds them registered
        return _load_cpu_libraries()


def _load_cpu_libraries() -> str:
    import ctypes
    from importlib import metadata
    from pathlib import Path

    import llama_cpp

    try:
        files = metadata.files("llama_cpp_python") or []
    except metadata.PackageNotFoundError:
        return ""
    found = [f for f in files if f.name.startswith("libggml-cpu-") and f.name.endswith(".so")]
    if not found:
        return ""
    folder = Path(str(found[0].locate())).parent
    ggml = ctypes.CDLL(str(Path(llama_cpp.__file__).parent / "lib" / "libggml.so.0"))  # the one libllama links
    ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    if ggml.ggml_backend_reg_count():  # loaded already (ggml's registry is the state)
        return ""
    ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    from llama_cpp._utils import suppress_stdout_stderr  # ggml names the library it loaded on stderr

    with suppress_stdout_stderr(disable=False):
        ggml.ggml_backend_load_all_from_path(str(folder).encode())
    if not ggml.ggml_backend_reg_count():
        raise ModelError(f"llama.cpp found no CPU library in {folder} that this CPU can run. "
                         "Rebuild it with `make install` after removing ~/.cache/assistant/wheels.")
    return str(folder)


def _load_local(settings: Settings):
    from ..provision.models import ensure_llm

    path = ensure_llm(settings, progress=False)
    load_cpu_backend()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's sunset notice
        from langchain_community.chat_models import ChatLlamaCpp
    try:
        model = ChatLlamaCpp(model_path=str(path), n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                             n_batch=settings.n_batch, max_tokens=settings.max_tokens, temperature=settings.temperature,
                             top_p=1.0, repeat_penalty=1.05, seed=0, verbose=False, streaming=True,
                             # ChatLlamaCpp's defaults (base 10000, scale 1) would override the GGUF's own
                             # RoPE settings (Qwen2.5: base 1e6); 0 tells llama.cpp to read them from the file
                             rope_freq_base=0.0, rope_freq_scale=0.0)
        # several evaluated prefixes (answer prompt, follow-up rewrite prompt) survive in RAM,
        # so switching between them does not re-read the fixed system prompt and examples
        _slim_states(model.client)
        _read_in_batches(model.client)
        model.client.set_cache(_family_cache(settings.prompt_cache_mb << 20))
        return model
    except Exception as exc:
        raise ModelError(f"The language model at {path} could not be loaded ({exc}). "
                         "Run `assistant models --prepare` to rebuild it, or set ASSISTANT_LLM_PATH "
                         "to a working GGUF file.") from exc


FAMILY_TOKENS = 32  # prompts sharing this many leading tokens share their fixed prefix; kinds share < 8


def _family_cache(capacity_bytes: int):
    """llama-cpp-python's RAM prompt cache, holding one state per prompt family.

    The cache saves the whole context after every completion. Two answer prompts share only their
    fixed prefix (rules and worked examples), so an older answer state restores no more of a new prompt
    than the newest one does; keeping every one of them filled the cache towards its cap (+6.6 % RSS after
    3 minutes of 10-user load, still growing) for nothing. A new state therefore replaces the states of its family (at least
    FAMILY_TOKENS leading tokens in common): memory stays at one state per prompt kind (answer, search
    translation, follow-up rewrite, answer translation per language), all of which still hit."""
    from llama_cpp import Llama, LlamaRAMCache

    class FamilyRAMCache(LlamaRAMCache):
        def __setitem__(self, key, value) -> None:
            key = tuple(key)
            for old in [k for k in self.cache_state if Llama.longest_token_prefix(k, key) >= FAMILY_TOKENS]:
                del self.cache_state[old]
            super().__setitem__(key, value)

    return FamilyRAMCache(capacity_bytes=capacity_bytes)


def _slim_states(llama) -> None:
    """Prompt-cache states of the KV cache alone, without llama-cpp-python's copy of its score buffer.

    Llama.save_state copies n_batch x n_vocab floats of scores (296 MB for Qwen2.5, 0.64 s) after every
    completion, and load_state copies them back; LlamaRAMCache counts only the KV part against its
    capacity, so each cached prompt also held 296 MB unaccounted. The scores are never read back:
    generate() always evaluates at least the prompt's last token, which writes fresh logits.
    """
    import ctypes
    import types

    import llama_cpp
    import numpy as np
    from llama_cpp import LlamaState

    no_scores = np.zeros((0, 0), dtype=np.single)

    def save_state(self) -> LlamaState:
        size = llama_cpp.llama_state_get_size(self._ctx.ctx)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_get_data(self._ctx.ctx, buffer, size)
        if written > size:
            raise RuntimeError("Failed to copy llama state data")
        return LlamaState(input_ids=self.input_ids.copy(), scores=no_scores, n_tokens=self.n_tokens,
                          llama_state=buffer, llama_state_size=written, seed=self._seed)

    def load_state(self, state: LlamaState) -> None:
        self.input_ids = state.input_ids.copy()
        self.n_tokens = state.n_tokens
        self._requires_eval = True
        self._seed = state.seed
        if llama_cpp.llama_state_set_data(self._ctx.ctx, state.llama_state, state.llama_state_size) \
                != state.llama_state_size:
            raise RuntimeError("Failed to set llama state data")

    llama.save_state = types.MethodType(save_state, llama)
    llama.load_state = types.MethodType(load_state, llama)


def _turn_start(llama) -> list[int]:
    """The tokens that open the last user turn of a ChatML prompt ("<|im_start|>user\\n"), or [] for a model
    whose chat template is not ChatML."""
    cached = getattr(llama, "_turn_start_tokens", None)
    if cached is None:
        opener = llama.tokenize(b"<|im_start|>", add_bos=False, special=True)
        cached = opener + llama.tokenize(b"user\n", add_bos=False, special=False) if len(opener) == 1 else []
        llama._turn_start_tokens = cached
    return cached


def boundary(llama, tokens) -> int:
    """Where the prompt's last user turn begins: what comes before it (rules, worked examples) is the fixed
    part of its prompt kind, what comes after is this question's. 0 when it cannot be told."""
    opener = _turn_start(llama)
    n = len(opener)
    if not n:
        return 0
    for i in range(len(tokens) - n, -1, -1):
        if list(tokens[i:i + n]) == opener:
            return i + n
    return 0


def reusable(llama, tokens) -> int:
    """How many leading prompt tokens the context may keep for this prompt (at least the last one is read again,
    for fresh logits): of what it holds of the prompt, whole batches counted from the start, or, past the
    prompt's fixed part (boundary()), the fixed part and whole batches counted from its end.

    llama.cpp's numbers for a token depend on the batches it was read in: the same prompt read as [1,037 cached
    tokens] + [the rest] and as [1,250 cached] + [the rest] gave logits up to 0.6 apart, and the greedy answer to
    a question then depended on the questions asked before it. Prompts are always read in the same batches,
    those of an empty context (read_in_batches): the same question gets the same answer."""
    from llama_cpp import Llama

    held = Llama.longest_token_prefix(llama._input_ids.tolist(), list(tokens)[:-1])  # noqa: SLF001
    fixed, size = boundary(llama, tokens), llama.n_batch
    if fixed and held >= fixed:
        return held - (held - fixed) % size
    return held - held % size


def start_reading(llama, tokens, keep: bool = True) -> None:
    """Before a prompt is read: name it as the one being read (eval, as read_in_batches patches it, splits its
    reading at the prompt's fixed part only for that prompt) and, with keep, let the context hold only what
    reusable() allows of it. Generation and the yes/no check both start here, so both read a prompt in the
    batches of an empty context."""
    llama._reading = list(tokens)  # noqa: SLF001
    if keep:
        llama.n_tokens = reusable(llama, tokens) if llama.n_tokens > 0 else 0


def _read_in_batches(llama) -> None:
    """llama-cpp-python's generate keeps the longest prefix the context holds of a prompt and reads the rest
    in n_batch pieces from there; here it keeps reusable() and reads the rest in the batches of an empty
    context: n_batch pieces from the start up to the prompt's fixed part, then n_batch pieces from its end."""
    import types

    generate, evaluate = llama.generate, llama.eval

    def generate_same(self, tokens, *args, **kwargs):
        start_reading(self, tokens, keep=kwargs.get("reset", True))
        return generate(tokens, *args, **kwargs)

    def eval_same(self, tokens):
        prompt = getattr(self, "_reading", None)
        start, tokens = self.n_tokens, list(tokens)
        fixed = boundary(self, prompt) if prompt and prompt[start:start + len(tokens)] == tokens else 0
        if start < fixed < start + len(tokens):
            evaluate(tokens[:fixed - start])
            tokens = tokens[fixed - start:]
        evaluate(tokens)

    llama.generate = types.MethodType(generate_same, llama)
    llama.eval = types.MethodType(eval_same, llama)


def model_lock(settings: Settings):
    """llama.cpp's context is not thread-safe: one generation at a time per local model."""
    if settings.llm_base_url:
        return contextlib.nullcontext()
    build_chat_model(settings)
    return _LOCAL_LOCKS[_local_key(settings)]


_INJECTED: dict[int, tuple[object, threading.Lock]] = {}


def lock_for(model) -> threading.Lock:
    """One lock per chat model object, however many Assistants share it (an injected model too)."""
    with _REGISTRY_LOCK:
        for key, lock in _LOCAL_LOCKS.items():
            if _LOCAL.get(key) is model:
                return lock
        held = _INJECTED.setdefault(id(model), (model, threading.Lock()))  # the model is kept: ids stay unique
        return held[1]


def translate_error(exc: Exception, settings: Settings) -> Exception:
    """Endpoint failures become LLMError with what to do; an overlong prompt an InputError; everything
    else passes through."""
    if isinstance(exc, AssistantError):
        return exc
    name = type(exc).__name__
    if "context window" in str(exc) or "maximum context length" in str(exc):
        return InputError(f"The question with its passages is too long for the model's context of "
                          f"{settings.n_ctx} tokens ({exc}). Shorten the question (rare characters count as "
                          "several tokens each) or raise ASSISTANT_N_CTX.")
    if settings.llm_base_url:  # a page instead of JSON, a broken event stream: the endpoint failed all the same
        what = (f"did not answer within the {settings.llm_timeout:g} s timeout (ASSISTANT_LLM_TIMEOUT)"
                if "Timeout" in name else f"failed ({name}: {exc})")
        return LLMError(f"The LLM endpoint {settings.llm_base_url} {what}. Check that the server is up "
                        "and ASSISTANT_LLM_BASE_URL / ASSISTANT_LLM_MODEL are right, or unset "
                        "ASSISTANT_LLM_BASE_URL to use the bundled local model.")
    return exc


_RECORDING = threading.local()


@contextlib.contextmanager
def recording_calls():
    """Within this block (in this thread), each model call appends a record: when it started and gave its
    first text (perf_counter seconds) and, for the local llama.cpp model, the prompt tokens it evaluated
    (those not reused from the prompt cache) and the milliseconds that took. For `assistant bench answers`."""
    _RECORDING.calls = []
    try:
        yield _RECORDING.calls
    finally:
        _RECORDING.calls = None


def _llama_context(model):
    ctx = getattr(getattr(getattr(model, "client", None), "_ctx", None), "ctx", None)
    return ctx if ctx is not None and type(model).__name__ == "ChatLlamaCpp" else None


def stream_text(model, messages, settings: Settings, lock) -> Iterator[str]:
    """Stream the model's text for LangChain messages, holding the model's lock throughout."""
    calls = getattr(_RECORDING, "calls", None)
    with lock:
        ctx = _llama_context(model) if calls is not None else None
        if ctx is not None:
            import llama_cpp

            llama_cpp.llama_perf_context_reset(ctx)
        record = {"start_s": time.perf_counter()} if calls is not None else None
        try:
            for chunk in model.stream(messages):
                if chunk.content:
                    if record is not None:  # the prompt is read: what it cost
                        record["first_s"] = time.perf_counter()
                        if ctx is not None:
                            perf = llama_cpp.llama_perf_context(ctx)
                            record.update(prompt_tokens=int(perf.n_p_eval), prompt_ms=float(perf.t_p_eval_ms))
                        calls.append(record)
                        record = None
                    yield str(chunk.content)
        except Exception as exc:
            err = translate_error(exc, settings)
            if err is exc:
                raise
            raise err from exc


_ROLES = {"human": "user", "ai": "assistant"}


def yes_probability(model, messages, settings: Settings, lock) -> float | None:
    """The model's probability of answering "Yes" rather than "No" to messages that ask a yes/no question,
    read from its next-token distribution (no text is generated). None when the model cannot tell: a chat
    model other than the two this module builds (the fakes of the tests), or an endpoint that returns
    neither log-probabilities nor a Yes or No."""
    kind = type(model).__name__
    try:
        if kind == "ChatLlamaCpp":
            return _local_yes(model.client, messages, lock)
        if kind == "ChatOpenAI":
            return _remote_yes(model, messages)
    except Exception as exc:
        err = translate_error(exc, settings)
        if err is exc:
            raise
        raise err from exc
    return None


def _yes_share(logprobs: dict[str, float]) -> float | None:
    """P(yes) / (P(yes) + P(no)) from the log-probabilities of candidate first tokens."""
    import math

    yes = [math.exp(lp) for tok, lp in logprobs.items() if tok.strip().lower() == "yes"]
    no = [math.exp(lp) for tok, lp in logprobs.items() if tok.strip().lower() == "no"]
    if not yes and not no:
        return None
    return sum(yes) / (sum(yes) + sum(no))


def _yes_no_reader(llama):
    """The GGUF's chat formatter and the token ids of Yes/yes/No/no, built once per loaded model."""
    reader = getattr(llama, "_assistant_yes_no", None)
    if reader is None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError("The language model's GGUF file has no chat template, which the answer check needs. "
                             "Use a chat (instruct) GGUF in ASSISTANT_LLM_PATH.")
        token_text = llama._model.token_get_text  # noqa: SLF001 (llama-cpp-python builds its own formatter so)
        eos, bos = llama.token_eos(), llama.token_bos()
        formatter = Jinja2ChatFormatter(template=template, eos_token=token_text(eos) if eos != -1 else "",
                                        bos_token=token_text(bos) if bos != -1 else "", stop_token_ids=[eos])
        words = {word: llama.tokenize(word.encode("utf-8"), add_bos=False, special=False)[0]
                 for word in ("Yes", "yes", "No", "no")}
        reader = llama._assistant_yes_no = (formatter, words)
    return reader


def _local_yes(llama, messages, lock) -> float:
    import numpy as np

    formatter, words = _yes_no_reader(llama)
    result = formatter(messages=[{"role": _ROLES.get(role, role), "content": text} for role, text in messages])
    tokens = llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
    with lock:
        # keep what the context holds of this prompt in the batches an empty context reads it in (reusable), as
        # generation does, and read the logits after the last prompt token
        start_reading(llama, tokens)
        llama.eval(tokens[llama.n_tokens:])
        logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),)).astype(np.float64)  # noqa: SLF001
    top = logits.max()
    return _yes_share({word: float(logits[i] - top) for word, i in words.items()})


def _remote_yes(model, messages) -> float | None:
    reply = model.invoke(messages, max_tokens=1, logprobs=True, top_logprobs=10)
    content = ((reply.response_metadata or {}).get("logprobs") or {}).get("content") or []
    if content:
        share = _yes_share({t["token"]: t["logprob"] for t in content[0].get("top_logprobs") or []})
        if share is not None:
            return share
    word = str(reply.content).strip().lower()
    return 1.0 if word.startswith("yes") else 0.0 if word.startswith("no") else None


def cpu_features() -> str:
    """The instruction sets llama.cpp's loaded CPU code uses ("AVX2 AVX512 AVX512_VNNI …"), as it reports them."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    return " ".join(re.findall(r"\b(AVX\w*|FMA|F16C|S?SSE\w*|AMX\w*) = 1", info))


def time_load(path, n_threads: int) -> float:
    """Seconds llama.cpp takes to load the GGUF at path (for `assistant models`)."""
    import time

    from llama_cpp import Llama

    load_cpu_backend()
    start = time.perf_counter()
    try:
        llm = Llama(model_path=str(path), n_ctx=512, n_threads=n_threads, verbose=False)
    except Exception as exc:
        raise ModelError(f"llama.cpp could not load {path} ({exc}). Run `assistant models --prepare --verify` "
                         "to rebuild the bundled model, or set ASSISTANT_LLM_PATH to a working GGUF file.") from exc
    seconds = round(time.perf_counter() - start, 2)
    llm.close()  # free ~1 GB now rather than whenever the collector runs
    return seconds
