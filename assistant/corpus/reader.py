"""Read article files (.txt, .md, .html, .pdf) into cleaned Article records with their metadata."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterable

from .cleaning import clean_with_stats
from .decoding import decode_bytes
from ..errors import InputError
from .metadata import extract_metadata
from ..text.language import HAN
from ..types import Article

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
_HTML = (".html", ".htm")
_PDF = ".pdf"
_MARKDOWN = (".md", ".markdown")
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.IGNORECASE)
PathsArg = str | Path | Iterable[str | Path]
_CJK = f"{HAN}\u3040-\u30ff\u3000-\u303f\uff00-\uffef"
_PDF_GAP = re.compile(f"(?<=[{_CJK}])[ \t]+(?=[0-9A-Za-z])|(?<=[0-9A-Za-z%])[ \t]+(?=[{_CJK}])")


def iter_article_paths(paths: PathsArg) -> list[Path]:
    """Article files among paths as absolute paths, folders searched recursively (hidden entries
    skipped), each once, sorted."""
    found: set[Path] = set()
    for path in (p.absolute() for p in _as_paths(paths)):
        if path.is_dir():
            # a dangling link is kept, so that reading it fails with a warning instead of dropping it unseen
            found.update(f for f in path.rglob("*")
                         if (f.is_file() or f.is_symlink()) and _supported(f) and not _hidden(f, path))
        elif path.is_file() and _supported(path):
            found.add(path)
    return sorted(found)


def load_articles(paths: PathsArg, max_mb: float | None = None) -> tuple[list[Article], list[str]]:
    """Every readable article under paths, and one warning for each path or file that was skipped
    (max_mb: files larger than this are skipped unread)."""
    paths = _as_paths(paths)
    warnings = [f"{p}: no such file or folder; check the path" for p in paths if not p.exists()]
    warnings += [f"{p}: not an article file; use {', '.join(SUFFIXES)}"
                 for p in paths if p.is_file() and not _supported(p)]
    articles = []
    for path in iter_article_paths(paths):
        try:
            if max_mb is not None:
                check_size(path, max_mb)
            articles.append(read_article(path))
        except InputError as exc:
            warnings.append(str(exc))
    return articles, warnings


def read_article(path: str | Path) -> Article:
    """One article file, decoded, cleaned and described; InputError naming the file when it cannot be."""
    path = Path(path)
    file_text, raw, html_meta = _load(path)
    text, _ = clean_with_stats(raw)
    if not text:
        raise InputError(f"{path}: no article text left once page furniture is removed; check the file")
    meta = extract_metadata(raw, text)
    meta["title"] = html_meta.get("title") or meta["title"]
    meta["published"] = meta["published"] or html_meta.get("published", "")
    meta["outlet"] = meta["outlet"] or html_meta.get("outlet", "")
    return Article(source=path.name, text=text, raw_chars=len(file_text), path=str(path), **meta)


def check_size(path: Path, max_mb: float, name: str | None = None) -> None:
    """InputError before anything is read when the file is larger than max_mb megabytes."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{name or path}: cannot be read ({exc.strerror}); check the path") from exc
    if size > max_mb * 1_000_000:
        raise InputError(f"{name or path}: {size / 1_000_000:.1f} MB is over the {max_mb:g} MB limit for an article; "
                         "split it, or raise ASSISTANT_MAX_UPLOAD_MB")


def check_type(name: str) -> str:
    """The file name's suffix when the reader takes it, else InputError listing the ones it takes."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{name}: unsupported file type {suffix or '(none)'}; add {', '.join(SUFFIXES)} files")
    return suffix


def article_hash(article: Article) -> str:
    """Content hash of the cleaned text: the same article under two file names hashes the same."""
    return hashlib.sha256(article.text.encode("utf-8")).hexdigest()[:32]


def cleaning_report(paths: PathsArg) -> list[dict]:
    """Per article: characters before/after cleaning, pinyin glosses found/left, lines removed."""
    rows = []
    for path in iter_article_paths(paths):
        try:
            _, raw, _ = _load(path)
        except InputError as exc:
            rows.append({"source": path.name, "error": str(exc)})
            continue
        text, stats = clean_with_stats(raw)
        rows.append({"source": path.name, "chars_before": stats.chars_before, "chars_after": stats.chars_after,
                     "pinyin_found": stats.pinyin_found, "pinyin_left": stats.pinyin_left,
                     "mojibake_repaired": stats.mojibake_repaired, "mojibake_suspect": stats.mojibake_suspect,
                     "lines_removed": len(stats.removed),
                     "removed": list(stats.removed)})
    return rows


def _load(path: Path) -> tuple[str, str, dict]:
    """(the file's text, the article's raw text, metadata the HTML declares)."""
    suffix = check_type(str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}); check the path and its permissions") from exc
    if suffix == _PDF:
        return _pdf_text(data, path)
    hint = m.group(1).decode("ascii") if suffix in _HTML and (m := _META_CHARSET.search(data[:4096])) else ""
    file_text = decode_bytes(data, str(path), hint)
    if suffix in _HTML:
        return (file_text, *_html_text(file_text, path))
    if suffix in _MARKDOWN:
        return file_text, _markdown_text(file_text), {}
    return file_text, file_text, {}


def _html_text(html: str, path: Path) -> tuple[str, dict]:
    """The page's main content by trafilatura (menus, sidebars, footers dropped), its title first."""
    try:
        import trafilatura
    except ImportError as exc:
        raise InputError(f"{path}: reading HTML needs trafilatura, which failed to import ({exc}); "
                         "install the project's requirements or save the article as .txt") from exc
    doc = trafilatura.bare_extraction(
        html, include_comments=False, with_metadata=True,
        # only dates the page declares: a date found in running text may be any date
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None or not (doc.text or "").strip():
        raise InputError(f"{path}: no article text found in the HTML; save the article's text as .txt")
    title = (doc.title or "").strip()
    body = doc.text if not title or doc.text.startswith(title) else f"{title}\n{doc.text}"
    return body, {"title": title, "published": doc.date or "", "outlet": doc.sitename or ""}


def _pdf_text(data: bytes, path: Path) -> tuple[str, str, dict]:
    """The PDF's text layer by pypdf, page after page (the cleaning re-joins lines the layout broke),
    and the title its document information declares."""
    if not data.startswith(b"%PDF-"):
        raise InputError(f"{path}: not a PDF file (it does not start with %PDF-); save the article as .pdf, "
                         ".html or .txt with the matching name")
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:
        raise InputError(f"{path}: reading PDF needs pypdf, which failed to import ({exc}); "
                         "install the project's requirements or save the article as .txt") from exc
    import io
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings on odd but readable files are noise here
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{path}: the PDF is password-protected; save an unprotected copy and add that")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{path}: the PDF cannot be read ({type(exc).__name__}: {exc}); "
                         "export it again or save the article as .txt") from exc
    text = _pdf_spacing("\n".join(p.strip() for p in pages if p.strip()))
    if not text.strip():
        raise InputError(f"{path}: the PDF has no text layer (a scan or images only); OCR is not supported, "
                         "so add the article as text, HTML or a PDF with selectable text")
    title = str(info.get("/Title") or "").strip()
    if re.search(r"\.\w{2,4}$|^untitled", title, re.IGNORECASE):  # a file name or a tool's placeholder
        title = ""
    # no date from /CreationDate: that is when the PDF was made, often long after the article appeared
    return text, text, {"title": title}


def _pdf_spacing(text: str) -> str:
    """Spaces a PDF's glyph layout puts between Chinese/Japanese characters and digits or Latin letters
    ("2026 年 3 月", "项目 17 个") out: the dates and numbers are then read as written in the article."""
    return _PDF_GAP.sub("", text)


def _markdown_text(text: str) -> str:
    """Markdown markup off, words kept: front matter, heading marks, images, link targets, emphasis."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
    text = re.sub(r"^\s{0,3}#{1,6}\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)


def _as_paths(paths: PathsArg) -> list[Path]:
    return [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]


def _supported(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)
