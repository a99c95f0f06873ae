"""The user's own articles: add one file (an upload), remove an article, and repair what a killed add left.

An added file is checked (type, size) before it is read, read and chunked from a private staging
folder, embedded all-or-nothing, and only then moved into the uploads folder under a sanitised name;
no path is ever taken from the upload. A kill in between leaves chunks whose article is incomplete,
or a staged file whose chunks are all stored: `repair` (run at every start) undoes the first and
finishes the second.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ..config import Settings
from ..corpus.chunking import chunk_article
from ..corpus.reader import article_hash, check_size, check_type, read_article
from ..errors import InputError
from .ingest import embed_and_store

log = logging.getLogger(__name__)

STAGING = ".staging"
_MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\-()\[\]]+")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class AddResult:
    source: str  # the name the article is stored under
    added: bool  # False: the same text was already indexed, nothing changed
    chunks: int
    title: str
    message: str
    seconds: float = 0.0


@dataclass(frozen=True)
class RemoveResult:
    source: str
    chunks: int
    message: str


def safe_name(name: str) -> str:
    """A file name fit to store: the last path component only, NFC, no control or shell characters,
    no leading dot, at most 120 characters with its suffix kept. InputError when nothing is left."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", str(name or "")))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"_{2,}", "_", _UNSAFE.sub("_", re.sub(r"\s+", "_", base))).strip(" ._")
    stem, suffix = os.path.splitext(base)
    stem = stem.strip(" ._")[: _MAX_NAME - len(suffix)]
    if not stem:
        raise InputError(f"{name!r}: no usable file name; rename the file (e.g. article.html) and add it again")
    return f"{stem}{suffix.lower()}"


def _free_name(name: str, taken: set[str]) -> str:
    """name, or name-2, name-3… when another article already has it."""
    if name not in taken:
        return name
    stem, suffix = os.path.splitext(name)
    n = 2
    while f"{stem}-{n}{suffix}" in taken:
        n += 1
    return f"{stem}-{n}{suffix}"


def add_file(settings: Settings, store, refresh: Callable[[], None], path: str | Path, name: str | None = None,
             progress: Progress | None = None) -> AddResult:
    """Index one article file as an upload; the store is unchanged if anything fails.

    path: where the file is now (e.g. the web server's temporary copy); name: the name the user gave it.
    refresh(): brings the keyword side and the saved index in step once the chunks are written.
    """
    t0 = time.perf_counter()
    say = progress or (lambda message: None)
    path = Path(path)
    name = safe_name(name or path.name)
    check_type(name)  # by the user's name, before anything is read
    check_size(path, settings.max_upload_mb, name)
    staging = settings.uploads_dir / STAGING / uuid.uuid4().hex
    staging.mkdir(parents=True, exist_ok=True)
    written = False
    try:
        staged = staging / name
        shutil.copyfile(path, staged)
        say(f"Reading and cleaning {name}…")
        try:
            article = read_article(staged)
        except InputError as exc:  # name the file as the user knows it, not the staging path
            raise InputError(str(exc).replace(str(staged), name)) from None
        ids, hashes = store.stored_articles()
        same = hashes.get(article_hash(article))
        if same:
            message = f"{name}: the same text is already indexed as {same}; nothing changed."
            return AddResult(same, False, len(ids.get(same, ())), article.title, message, time.perf_counter() - t0)
        # a name no stored article, upload or seed has: never replace another article by accident
        taken = set(ids) | {p.name for p in settings.uploads_dir.glob("*")} | \
            ({p.name for p in settings.seeds_dir.glob("*")} if settings.seeds_dir.is_dir() else set())
        source = _free_name(name, taken)
        final = settings.uploads_dir / source
        article = replace(article, source=source, path=str(final))
        chunks = chunk_article(article, settings.chunk_size, settings.chunk_overlap)
        say(f"Embedding {_passages(len(chunks))} of {source}…")
        store.set_generation("dirty")
        embed_and_store(settings, store, chunks,
                        on_progress=lambda done, total: say(f"Embedding {source}: {done}/{total} passages…"))
        written = True
        os.replace(staged, final)  # the upload is kept only once its chunks are all stored
        refresh()
        note = f" ({name} is another article)" if source != name else ""
        message = (f"Added “{article.title or source}” as {source}{note}: {_passages(len(chunks))}, "
                   "ready for questions.")
        return AddResult(source, True, len(chunks), article.title, message, time.perf_counter() - t0)
    except BaseException:
        if written:  # stored, but the file could not be kept: take the chunks out again
            store.delete([c.chunk_id for c in chunks])
            refresh()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.parent.rmdir()  # only when no other upload is staged there
        except OSError:
            pass


def remove_article(settings: Settings, store, refresh: Callable[[], None], source: str) -> RemoveResult:
    """Delete an article's chunks (its keyword entries and event record go with them) and its uploaded file.

    A seed stays out of later ingests of the seeds folder until its file is named to `assistant ingest`."""
    ids = store.ids_by_source().get(source)
    if not ids:
        raise InputError(f"{source!r} is not an indexed article; `assistant articles` lists them by SOURCE")
    store.set_generation("dirty")
    store.delete(sorted(ids))
    notes = []
    bare = Path(source).name == source  # a stored source is a bare file name: never a path out of a folder
    upload = settings.uploads_dir / source
    if bare and upload.is_file():
        upload.unlink()
        notes.append("its uploaded file was deleted")
    if bare and (settings.seeds_dir / source).is_file():
        store.set_removed(store.removed_sources() | {source})
        notes.append(f"it stays out of later ingests until `assistant ingest {settings.seeds_dir / source}`")
    refresh()
    extra = f"; {'; '.join(notes)}" if notes else ""
    return RemoveResult(source, len(ids), f"Removed {source}: {_passages(len(ids))}{extra}.")


def _passages(n: int) -> str:
    return f"{n} passage{'' if n == 1 else 's'}"


def repair(settings: Settings, store, refresh: Callable[[], None]) -> list[str]:
    """After a kill: a staged upload whose chunks are all stored is kept; chunks of an article stored
    only in part, with no file the seeds or uploads would restore them from, are deleted."""
    notes: list[str] = []
    counts = store.chunk_counts()
    staging = settings.uploads_dir / STAGING
    for staged in sorted(staging.glob("*/*")) if staging.is_dir() else []:
        stored, expected = counts.get(staged.name, (0, 0))
        if stored and stored == expected and not (settings.uploads_dir / staged.name).exists():
            os.replace(staged, settings.uploads_dir / staged.name)
            notes.append(f"{staged.name}: its interrupted upload was complete; kept")
    if staging.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
    by_source = None
    for source, (stored, expected) in counts.items():
        if expected and stored < expected:
            by_source = by_source or store.ids_by_source()
            store.delete(sorted(by_source.get(source, ())))
            notes.append(f"{source}: only {stored} of its {expected} passages were stored (an interrupted "
                         "ingest); removed, add it again")
    if notes:
        refresh()
        for note in notes:
            log.warning(note)
    return notes
