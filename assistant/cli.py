"""The `assistant` command: ingest | search | ask | models | serve | bench — each delegates to the library."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .config import Settings, force_offline
from .errors import AssistantError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks that print figures.")
app.add_typer(bench_app, name="bench")
users_app = typer.Typer(no_args_is_help=True, help="Sign-in users of the web UI (passwords kept as scrypt hashes).")
app.add_typer(users_app, name="users")


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _print_json(obj) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=1))


def _assistant():
    force_offline()
    from .app import Assistant

    return Assistant(Settings())


@app.command()
def ingest(paths: List[Path] = typer.Argument(None, help="Articles (.txt .md .html .pdf) or folders "
                                                          "(default: seeds/ and the uploads)."),
           json_out: bool = typer.Option(False, "--json"),
           prune: Optional[bool] = typer.Option(None, help="Remove articles no longer present (default: for folders)."),
           rebuild: bool = typer.Option(False, help="Drop the collection first (e.g. after changing the embedder).")):
    """Clean, chunk and embed articles into the store; only changes are written."""
    try:
        for p in paths or []:
            if not p.exists():
                raise AssistantError(f"{p} does not exist. Name article files (.txt, .md, .html, .pdf) or folders.")
        if rebuild:
            from .index.store import drop_collection

            drop_collection(Settings())
        report = _assistant().ingest(paths or None, prune=prune, progress=not json_out)
    except AssistantError as exc:
        _fail(exc)
    for w in report.warnings:
        typer.secho(f"warning: {w}", fg=typer.colors.YELLOW, err=True)
    if json_out:
        _print_json(report.as_dict())
    else:
        typer.echo(f"{report.articles} articles: {report.chunks_added} chunks added, {report.chunks_removed} removed, "
                   f"{report.chunks_unchanged} unchanged in {report.seconds:.1f} s")


@app.command()
def articles(json_out: bool = typer.Option(False, "--json")):
    """List the indexed articles: SOURCE (what `remove` takes), title, date, language, passages."""
    try:
        rows = _assistant().articles()
    except AssistantError as exc:
        _fail(exc)
    if json_out:
        _print_json([{k: v for k, v in row.items() if k != "record"} for row in rows])
        return
    for row in rows:
        typer.echo(f"{row['source']}\t{row.get('title', '')}\t{row.get('published') or row.get('event_dates', '')}\t"
                   f"{row.get('lang', '')}\t{row.get('chunks', 0)} passages")


@app.command()
def show(source: str = typer.Argument(..., help="The article's SOURCE name, as `assistant articles` lists it."),
         json_out: bool = typer.Option(False, "--json")):
    """Print a whole indexed article as it was cleaned (citation offsets point into this text)."""
    try:
        article = _assistant().article(source)
    except AssistantError as exc:
        _fail(exc)
    if json_out:
        _print_json(article)
    else:
        typer.echo(article["text"])


@app.command()
def remove(source: str = typer.Argument(..., help="The article's SOURCE name, as `assistant articles` lists it."),
           json_out: bool = typer.Option(False, "--json")):
    """Remove an article: its passages, keyword entries, event record and uploaded file."""
    try:
        result = _assistant().remove(source)
    except AssistantError as exc:
        _fail(exc)
    if json_out:
        _print_json({"source": result.source, "chunks_removed": result.chunks, "message": result.message})
    else:
        typer.echo(result.message)


@app.command()
def search(query: str, k: int = typer.Option(5, "--k"), json_out: bool = typer.Option(False, "--json"),
           source: Optional[str] = None, lang: Optional[str] = None,
           date_from: Optional[str] = None, date_to: Optional[str] = None):
    """Hybrid search over the stored chunks."""
    try:
        passages = _assistant().search(query, k=k, source=source, lang=lang, date_from=date_from, date_to=date_to)
    except AssistantError as exc:
        _fail(exc)
    if json_out:
        _print_json([{"source": p.source, "title": p.title, "text": p.text, "score": p.score,
                      "chunk_id": p.chunk_id, "start": p.start, "end": p.end} for p in passages])
        return
    for i, p in enumerate(passages, 1):
        typer.echo(f"{i}. [{p.score:.4f}] {p.source} «{p.title}» {p.start}-{p.end}\n   {p.text[:160]}")


@app.command()
def ask(question: str, json_out: bool = typer.Option(False, "--json")):
    """Answer a question from the articles, streamed, with its sources."""
    from .types import Answer, Sources

    try:
        result, reading = None, []
        for item in _assistant().stream_answer(question):
            if isinstance(item, Answer):
                result = item
            elif isinstance(item, Sources):  # what is being read, on stderr: stdout stays the answer
                titles = list(dict.fromkeys(p.title or p.source for p in item.passages))
                if titles and titles != reading and not json_out:
                    typer.echo(("Reading: " if item.final else "Searching: ") + " · ".join(titles), err=True)
                reading = titles
            elif not json_out:
                typer.echo(item, nl=False)
    except AssistantError as exc:
        _fail(exc)
    if json_out:
        _print_json({"text": result.text, "citations": [
            {"marker": c.marker, "source": c.source, "title": c.title, "snippet": c.snippet} for c in result.citations],
            "refused": result.refused, "refused_by": result.refused_by})
        return
    typer.echo("\n\n" + result.text)
    if result.refused:  # the gate that refused it, for the operator (types.Refusal), on stderr
        typer.echo(f"(refused: {result.refused_by})", err=True)
    for c in result.citations:
        typer.echo(f"  [{c.marker}] {c.source} «{c.title}» {c.snippet[:120]}")


@app.command()
def models(json_out: bool = typer.Option(False, "--json"),
           prepare: bool = typer.Option(False, help="Build missing models; skip the load-time check."),
           verify: bool = typer.Option(False, help="Re-hash the LLM file in full.")):
    """Report each model: path, size, checksum state, load time."""
    force_offline()
    from .provision.models import ensure_backend, ensure_embedder, ensure_llm, model_report

    settings = Settings()
    try:
        if prepare:
            ensure_backend(settings, ensure_embedder(settings))  # the ONNX export too, when that is the backend
            ensure_llm(settings, progress=not json_out, verify=verify)
        report = model_report(settings, load=not prepare, verify=verify)
    except AssistantError as exc:
        _fail(exc)
    if json_out:
        _print_json(report)
        return
    for name, info in report.items():
        typer.echo(f"{name}: " + ", ".join(f"{k}={v}" for k, v in info.items()))


@app.command()
def serve(host: str = "127.0.0.1", port: int = 7860, no_ingest: bool = typer.Option(False, "--no-ingest")):
    """Start the web chat UI (bound to 127.0.0.1 unless told otherwise)."""
    from .ui.app import launch

    try:
        launch(_assistant(), host=host, port=port, ingest=not no_ingest)
    except AssistantError as exc:
        _fail(exc)


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(name: str, admin: bool = typer.Option(False, "--admin", help="May add and remove articles."),
              password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin.")):
    """Add a user (or set a user's password) in the users file; only a scrypt hash is stored."""
    from .ui.auth import save_user

    try:
        path = save_user(Settings(), name, _password(password_stdin), "admin" if admin else "user")
    except AssistantError as exc:
        _fail(exc)
    typer.echo(f"{name} ({'admin' if admin else 'user'}) saved in {path}")


@users_app.command("remove")
def users_remove(name: str):
    """Remove a user from the users file."""
    from .ui.auth import delete_user

    try:
        if not delete_user(Settings(), name):
            raise AssistantError(f"{name} is not in the users file; `assistant users list` shows who is")
    except AssistantError as exc:
        _fail(exc)
    typer.echo(f"{name} removed")


@users_app.command("list")
def users_list():
    """The users who can sign in (from the users file and ASSISTANT_USERS), with their role."""
    from .ui.auth import load_users

    try:
        for user in load_users(Settings()).values():
            typer.echo(f"{user.name}\t{user.role}")
    except AssistantError as exc:
        _fail(exc)


@users_app.command("hash")
def users_hash(password_stdin: bool = typer.Option(False, "--password-stdin")):
    """Print a password's scrypt hash, for ASSISTANT_USERS=NAME:HASH[:admin]."""
    from .ui.auth import hash_password

    try:
        typer.echo(hash_password(_password(password_stdin)))
    except AssistantError as exc:
        _fail(exc)


@bench_app.command("load")
def bench_load(users: int = typer.Option(10, "--users", min=1), minutes: float = typer.Option(3.0, "--minutes"),
               url: Optional[str] = typer.Option(None, "--url", help="A running app; default: start one here."),
               questions: list[Path] = typer.Option([Path("../shared/eval/dev_qa.jsonl"),
                                                     Path("../shared/eval/dev_qa_more.jsonl")],
                                                    help="JSONL files with 'q' or 'question' (repeatable)."),
               think: float = typer.Option(5.0, help="Mean seconds a user thinks between questions."),
               upload_every: float = typer.Option(0.0, help="Seconds between uploads by one user (0: none)."),
               user: Optional[str] = typer.Option(None, help="Sign in as this user (password: ASSISTANT_LOAD_PASSWORD)."),
               pid: Optional[int] = typer.Option(None, help="The server's pid for RSS, with --url."),
               json_out: bool = typer.Option(False, "--json")):
    """Simulated users asking through the app's API: answered, failed, rejected busy, wait and answer p50/p95, RSS."""
    import contextlib
    import os

    from .bench.load import question_pool, rss_of, run_load, serving

    auth = (user, os.environ.get("ASSISTANT_LOAD_PASSWORD", "")) if user else None
    try:
        with serving() if url is None else contextlib.nullcontext((url, pid)) as (url, pid):
            report = run_load(url, users, minutes * 60, question_pool(questions), think_s=think,
                              upload_every_s=upload_every, auth=auth, rss=rss_of(pid) if pid else None,
                              progress=not json_out)
    except AssistantError as exc:
        _fail(exc)
    if json_out:
        _print_json(report)
        return
    for key, value in report.items():
        typer.echo(f"{key}: {value}")


@bench_app.command("retrieval")
def bench_retrieval(passages: Path = typer.Option(..., exists=True, dir_okay=False),
                    questions: Path = typer.Option(..., exists=True, dir_okay=False),
                    limit: int = 500, k: int = typer.Option(10, "--k"),
                    mode: str = typer.Option("hybrid", help="hybrid | dense | keyword"),
                    translate: bool = typer.Option(False, "--translate", help="search each English or Japanese "
                                                   "question by the model's Chinese translation too, as answers do"),
                    json_out: bool = typer.Option(False, "--json")):
    """Index the passages into a temporary store and measure hit@1/@5, MRR@10, answer-string hits and latency."""
    force_offline()
    from .bench.runs import bench_retrieval as run

    result = run(passages, questions, limit=limit, k=k, mode=mode, translate=translate)
    _print_json(result) if json_out else typer.echo(" ".join(f"{k}={v}" for k, v in result.items()))


@bench_app.command("answers")
def bench_answers(questions: Path = typer.Option(Path("../shared/eval/dev_qa.jsonl"), exists=True),
                  limit: int = 0, pipeline: List[str] = typer.Option(["grounded", "tutorial"]),
                  json_out: bool = typer.Option(False, "--json")):
    """Sources on screen, first token (with the prompt tokens read before it, the floor they set at the
    measured prompt-eval rate, TTFT / floor) and full answer: this pipeline beside the plain tutorial chain."""
    force_offline()
    from .bench.runs import bench_answers as run

    result = run(questions, limit=limit, pipelines=tuple(pipeline))
    if json_out:
        _print_json(result)
        return
    for name, r in result.items():
        typer.echo(f"{name}: " + " ".join(f"{k}={v}" for k, v in r.items() if k != "rows"))
        for row in r["rows"]:
            typer.echo(f"  {row['id']:>4} visible {row['first_visible_s']:5.2f} s  ttft {row['ttft_s']:5.2f} s  "
                       f"prompt tokens read {row['prompt_tokens']:4} in {row['calls_before_first_token']} call(s)  "
                       f"floor {row['floor_s']} s  ttft/floor {row['ttft_over_floor']}  total {row['total_s']:5.2f} s")


@bench_app.command("gold")
def bench_gold(passages: Path = typer.Option(..., exists=True, dir_okay=False),
               questions: Path = typer.Option(..., exists=True, dir_okay=False),
               limit: int = 100, distractors: int = typer.Option(200, help="Other passages indexed beside the gold ones."),
               leave_out_gold: bool = typer.Option(False, "--leave-out-gold",
                                                   help="Answerability: index no passage that answers; all must be refused."),
               only: list[str] = typer.Option([], "--only", help="Ask only these question ids of the first LIMIT, "
                                              "over the same index (to replay a change that can move only them)."),
               json_out: bool = typer.Option(False, "--json")):
    """Gold-answer-in-answer rate of the whole answer pipeline on a public QA set (false refusals: `refused`);
    with --leave-out-gold, the refusal rate when no indexed passage answers."""
    force_offline()
    from .bench.runs import bench_gold as run

    try:
        result = run(passages, questions, limit=limit, distractors=distractors, show=not json_out,
                     leave_out_gold=leave_out_gold, only=set(only))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--only") from None
    if json_out:
        _print_json(result)
    else:
        typer.echo(" ".join(f"{k}={v}" for k, v in result.items() if k != "answers"))


@bench_app.command("names")
def bench_names(passages: Path = typer.Option(..., exists=True, dir_okay=False),
                questions: Path = typer.Option(..., exists=True, dir_okay=False),
                limit: int = 300, distractors: int = 200, k: int = 3,
                json_out: bool = typer.Option(False, "--json")):
    """The name premise on a public set, no LLM: names stated in the gold passage (false refusals to be)
    and in the top-k passages found with every answering passage left out (refusals it can make)."""
    force_offline()
    from .bench.names import bench_names as run

    result = run(passages, questions, limit=limit, distractors=distractors, k=k)
    _print_json(result) if json_out else typer.echo(" ".join(f"{k}={v}" for k, v in result.items()))


@bench_app.command("leads")
def bench_leads(passages: Path = typer.Option(..., exists=True, dir_okay=False),
                questions: Path = typer.Option(..., exists=True, dir_okay=False),
                limit: int = 100, distractors: int = 200,
                run: Optional[Path] = typer.Option(None, exists=True, dir_okay=False,
                                                   help="a `bench gold --json` run of the same questions"),
                translate: bool = typer.Option(False, help="search English and Japanese questions by their "
                                               "translation, as an answer does (LLM: translation only)"),
                json_out: bool = typer.Option(False, "--json")):
    """The best sentence's lead over the next and whether it holds the gold answer, no LLM (with --translate,
    the translations only): the calibration of Tuning.sure_margin (docs/answers.md, thirty-fourth session)."""
    from .bench.leads import bench_leads as run_leads

    result = run_leads(passages, questions, limit=limit, distractors=distractors, run=run, translate=translate)
    _print_json(result) if json_out else typer.echo(" ".join(
        f"{k}={v}" if not isinstance(v, dict) else f"{k}:" + ",".join(f"{a}={b}" for a, b in v.items())
        for k, v in result.items()))


@bench_app.command("unheard")
def bench_unheard(passages: Path = typer.Option(..., exists=True, dir_okay=False),
                  questions: Path = typer.Option(..., exists=True, dir_okay=False),
                  limit: int = 100, distractors: int = 200, json_out: bool = typer.Option(False, "--json")):
    """The rule refusing a question whose rare word no indexed passage holds, no LLM: refused on the index
    `bench gold` builds (false refusals) and on its left-out index (refusals it makes)."""
    from .bench.refusals import bench_unheard as run

    result = run(passages, questions, limit=limit, distractors=distractors)
    _print_json(result) if json_out else typer.echo(" ".join(f"{k}={v}" for k, v in result.items()
                                                              if not k.endswith("_ids")))


@bench_app.command("novel")
def bench_novel(runs: List[Path] = typer.Argument(..., exists=True, dir_okay=False,
                                                  help="JSON of `assistant bench gold --json` runs."),
                questions: List[Path] = typer.Option(..., "--questions", exists=True, dir_okay=False)):
    """What an answer adds to its question standing in its cited passages, replayed on recorded runs: per
    floor, the answers refused and how many of them held the gold answer."""
    from .bench.refusals import bench_novel as run

    _print_json(run(list(runs), list(questions)))


@bench_app.command("checks")
def bench_checks(runs: List[Path] = typer.Argument(..., exists=True, dir_okay=False,
                                                   help="JSON of `assistant bench gold --json` runs."),
                 questions: List[Path] = typer.Option(..., "--questions", exists=True, dir_okay=False),
                 check: List[str] = typer.Option(["answer", "claim"], "--check",
                                                 help="answer (the check answers use), claim, or own (the answer "
                                                      "check asked in the question's language).")):
    """The model's checks of an answer (to its question; as a claim of its own; in the question's language)
    replayed on recorded runs' Chinese and Japanese answers: per floor, the right, wrong and left-out answers
    each would refuse."""
    force_offline()
    from .bench.refusals import CHECKS, bench_checks as run

    if unknown := set(check) - set(CHECKS):
        raise typer.BadParameter(f"unknown check {', '.join(sorted(unknown))}: use {', '.join(CHECKS[:-1])} or {CHECKS[-1]}",
                                 param_hint="--check")
    _print_json(run(list(runs), list(questions), checks=tuple(check)))


@bench_app.command("names-en")
def bench_names_en(passages: Path = typer.Option(..., exists=True, dir_okay=False),
                   questions: Path = typer.Option(..., exists=True, dir_okay=False),
                   skeleton_min: list[float] = typer.Option([], "--skeleton-min", help="Floors to compare."),
                   chinese: Optional[Path] = typer.Option(None, "--chinese-passages", exists=True, dir_okay=False,
                                                          help="Also gloss the proper nouns of these Chinese "
                                                               "passages, romanised, over their passage."),
                   limit: int = typer.Option(300, help="Chinese passages read (--chinese-passages)."),
                   json_out: bool = typer.Option(False, "--json")):
    """Names in English answers glossed with the article's own form, no LLM (XQuAD en→zh's aligned
    English/Chinese answers): glossed right or wrong, and names absent from the passage glossed anyway;
    with --chinese-passages (CMRC 2018), Chinese names in pinyin glossed over their whole passage."""
    from .bench.glossing import bench_chinese_names, bench_english_names

    result = bench_english_names(passages, questions, tuple(skeleton_min))
    if chinese is not None:
        result["chinese_names"] = bench_chinese_names(chinese, limit)
    label = {k: f"skeleton_min {k}" for k in result if k != "chinese_names"}
    _print_json(result) if json_out else typer.echo("\n".join(
        f"{label.get(k, k)}: " + " ".join(f"{a}={b}" for a, b in v.items()) for k, v in result.items()))


@bench_app.command("counts")
def bench_counts(passages: Path = typer.Option(..., exists=True, dir_okay=False),
                 questions: Path = typer.Option(..., exists=True, dir_okay=False),
                 limit: int = 0, json_out: bool = typer.Option(False, "--json")):
    """The people-count rule on a public set, no LLM: how often the sentence holding the gold answer states
    a count of people (false refusals to be), and how many of the passage's other numbered sentences it
    refuses."""
    from .bench.counts import bench_counts as run

    result = run(passages, questions, limit=limit)
    _print_json(result) if json_out else typer.echo(" ".join(f"{k}={v}" for k, v in result.items()))


@bench_app.command("kinds")
def bench_kinds(passages: Path = typer.Option(..., exists=True, dir_okay=False),
                questions: Path = typer.Option(..., exists=True, dir_okay=False),
                limit: int = 0, json_out: bool = typer.Option(False, "--json")):
    """The answer-kind rule (how many / when / who) on a public set, no LLM: per kind, how often the sentence
    holding the gold answer states that kind (false refusals to be), and how many of the passage's other
    sentences it refuses."""
    from .bench.counts import bench_kinds as run

    result = run(passages, questions, limit=limit)
    _print_json(result) if json_out else typer.echo("\n".join(f"{k}: " + " ".join(f"{a}={b}" for a, b in v.items())
                                                               for k, v in result.items()))


@bench_app.command("translated-kinds")
def bench_translated_kinds(questions: Path = typer.Option(..., exists=True, dir_okay=False),
                           limit: int = 100, show: int = 3, json_out: bool = typer.Option(False, "--json")):
    """Where a translation asks a kind of fact (a count, a date, a person) that the English or Japanese question
    itself does not: per kind its translation asks, how many questions and the first few. LLM: translation only."""
    from .bench.counts import bench_translated_kinds as run

    result = run(questions, limit=limit, show=show)
    _print_json(result) if json_out else typer.echo("\n".join(
        f"{k}: {v}" if not isinstance(v, dict) else f"{k}: {v['questions']}\n  " + "\n  ".join(v["examples"])
        for k, v in result.items()))


@bench_app.command("parts")
def bench_parts(questions: Path = typer.Option(..., exists=True, dir_okay=False), limit: int = 0,
                json_out: bool = typer.Option(False, "--json")):
    """The two-part question rule on a question set, no LLM: how many questions are split into parts (each
    answered on its own), how many later parts point back at the one before, and the first few split."""
    from .bench.counts import bench_parts as run

    result = run(questions, limit=limit)
    _print_json(result) if json_out else typer.echo(
        " ".join(f"{k}={v}" for k, v in result.items() if k != "examples") + "".join(
            "\n  " + " | ".join(parts) for parts in result["examples"]))


@bench_app.command("scripts")
def bench_scripts(passages: Path = typer.Option(..., exists=True, dir_okay=False),
                  questions: Path = typer.Option(..., exists=True, dir_okay=False),
                  limit: int = 400, json_out: bool = typer.Option(False, "--json")):
    """Chinese questions in either script over passages in either script (a Simplified set and its OpenCC
    Traditional twin), no LLM: hit@1/@5, hybrid and dense, searched as asked and by both scripts' vector."""
    force_offline()
    from .bench.languages import bench_scripts as run

    result = run(passages, questions, limit=limit)
    if json_out:
        _print_json(result)
        return
    typer.echo(f"{result['questions']} questions, {result['passages']} passages")
    for key, row in result.items():
        if isinstance(row, dict):
            typer.echo(f"  {key:38s} hit@1 {row['hit@1']:.3f}  hit@5 {row['hit@5']:.3f}")


@bench_app.command("languages")
def bench_languages(bench_dir: Path = typer.Option(Path("../shared/bench"), "--bench-dir", exists=True, file_okay=False),
                    n: int = 150, write: bool = typer.Option(False, "--write"),
                    json_out: bool = typer.Option(False, "--json")):
    """How much higher e5 scores questions against unrelated passages of their own language than of another
    (public sets): the lift hybrid search gives each passage language; --write stores the language anchors
    it corrects with (retrieval/anchors.py)."""
    from .bench.languages import bench_languages as run

    result = run(bench_dir, n=n, write=write)
    if json_out:
        _print_json(result)
        return
    langs = list(result["mean_cosine"])
    typer.echo(f"embedder {result['embedder']}, {result['questions_per_language']} questions and passages per language")
    typer.echo("mean cosine, question language (rows) x passage language; then the lift of each passage language")
    typer.echo(f"{'':8s}" + "".join(f"{lang:>9s}" for lang in langs) + "   |" + "".join(f"{lang:>9s}" for lang in langs))
    for ql in langs:
        typer.echo(f"{ql:8s}" + "".join(f"{result['mean_cosine'][ql][pl]:9.4f}" for pl in langs) + "   |" +
                   "".join(f"{result['lift'][ql][pl]:9.4f}" for pl in langs))
    if result["written"]:
        typer.echo(f"anchors written to {result['written']}")


@bench_app.command("mixed")
def bench_mixed(bench_dir: Path = typer.Option(Path("../shared/bench"), "--bench-dir", exists=True, file_okay=False),
                limit: int = 100, distractors: int = 150, json_out: bool = typer.Option(False, "--json")):
    """A store of JSQuAD and CMRC passages: hit@1/@5 of ja->ja, zh->zh and zh->ja (JSQuAD questions put into
    Chinese by the translation call) for each share of the language bias lifted (calibrates LIFT_SHARE)."""
    from .bench.languages import bench_mixed as run

    result = run(bench_dir, limit=limit, distractors=distractors)
    if json_out:
        _print_json(result)
        return
    typer.echo(f"{result['passages']} passages (JSQuAD + CMRC 2018) in one store")
    for name, by_share in result.items():
        if isinstance(by_share, dict):
            for share, r in by_share.items():
                typer.echo(f"{name:20s} lift share {share:5s} hit@1 {r['hit@1']:.3f} hit@5 {r['hit@5']:.3f} "
                           f"other-language top-5 {r['other_language_top5']:.3f} (n={r['questions']})")


@bench_app.command("embed")
def bench_embed(passages: Path = typer.Option(..., exists=True, dir_okay=False),
                questions: Path = typer.Option(..., exists=True, dir_okay=False),
                chunks: int = typer.Option(300, min=1), queries: int = typer.Option(50, min=1),
                json_out: bool = typer.Option(False, "--json")):
    """The embedder's backends (torch, onnx, onnx-int8, openvino) in one run: chunks/s over chunks of a
    public set, cosine to the torch vectors (mean, min), query-embedding p50. Exports the ONNX files once."""
    force_offline()
    from .bench.embed import BACKENDS, bench_embed as run

    result = run(passages, questions, chunks=chunks, queries=queries)
    if json_out:
        _print_json(result)
        return
    typer.echo(f"{result['chunks']} chunks, {result['queries']} queries")
    for backend in BACKENDS:
        r = result[backend]
        typer.echo(f"{backend:10} {r['chunks_per_s']:7.2f} chunks/s ({r['speedup']}x)  cos mean {r['cos_mean']:.5f} "
                   f"min {r['cos_min']:.5f}  query p50 {r['query_p50_ms']} ms")


@bench_app.command("scale")
def bench_scale(chunks: int = typer.Option(10000, "--chunks", min=1),
                server: bool = typer.Option(False, "--server", help="Also a Chroma server started on 127.0.0.1."),
                bench_dir: Path = typer.Option(Path("../shared/bench"), exists=True, file_okay=False),
                queries: int = typer.Option(100, min=3, help="Questions timed (zh, ja, en in turn)."),
                json_out: bool = typer.Option(False, "--json")):
    """N chunks (real vectors reused+perturbed) in the store: insert rate, search p50/p95, memory, disk."""
    force_offline()
    from .bench.scale import bench_scale as run, summary

    try:
        result = run(chunks, bench_dir, server=server, n_queries=queries)
    except AssistantError as exc:
        _fail(exc)
    _print_json(result) if json_out else typer.echo(summary(result))


@bench_app.command("tokenizers")
def bench_tokenizers(bench_dir: Path = typer.Option(Path("../shared/bench"), exists=True, file_okay=False),
                     limit: int = 500, schemes: str = typer.Option("", help="Comma-separated; default: all."),
                     scale: str = typer.Option("", help="Chunk counts to time the keyword index at, e.g. 1000,10000."),
                     scale_queries: int = 200, json_out: bool = typer.Option(False, "--json")):
    """BM25-only retrieval per tokenisation scheme on the public sets (or keyword-index timings at scale)."""
    force_offline()
    from .bench.tokenizers import SCHEMES, run

    result = run(bench_dir, schemes.split(",") if schemes else list(SCHEMES), limit,
                 [int(n) for n in scale.split(",")] if scale else None, scale_queries)
    _print_json(result) if json_out else typer.echo(result.get("table") or json.dumps(result, indent=1))


@bench_app.command("fusion")
def bench_fusion(set_dir: Path = typer.Argument(..., exists=True, file_okay=False),
                 questions: str = "questions.jsonl", limit: int = 500,
                 keyword_weights: str = "0,0.3,0.5,0.7", crosslingual_weights: str = "0.3"):
    """Index a public set once, then print hit@1/@5/MRR@10 for each fusion weight (docs/retrieval.md)."""
    force_offline()
    from .bench.fusion import sweep

    sweep(set_dir, questions, limit, keyword_weights, crosslingual_weights)


def main() -> None:  # python -m assistant
    app(prog_name="assistant")


if __name__ == "__main__":
    sys.exit(main())
