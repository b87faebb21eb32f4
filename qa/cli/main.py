"""The `qa` command line: index, add, delete, list, ask, chat, stats (and the front ends built on them)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from qa import limits
from qa.errors import QAError
from qa.settings import BACKEND_ENV, BACKENDS, MILVUS_URI_ENV, Settings

if TYPE_CHECKING:
    from qa.answer.result import Answer
    from qa.engine import QA

DEFAULT_CORPUS = "seeds"
# What a process killed by SIGPIPE exits with, as any Unix tool whose reader went away.
BROKEN_PIPE_STATUS = 128 + 13


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # The backend options stand for their variables: every process this command starts (the workers
    # of serve, the engine, the server) reads them from the settings.
    for variable, value in ((BACKEND_ENV, args.backend), (MILVUS_URI_ENV, args.milvus_uri)):
        if value is not None:
            os.environ[variable] = value
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # The reader (head, less) has gone: end quietly. Python would flush stdout again at exit and
        # fail once more, so stdout is pointed at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE_STATUS
    except QAError as error:
        print(f"qa: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as error:
        print(f"qa: error: {error}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Cited extractive answers from Chinese news")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--data-dir", help="index directory (default $QA_DATA_DIR or ./data)")
        sub.add_argument("--model", help="sentence-transformers model name or path "
                         "(default $QA_EMBEDDING_MODEL or the bundled multilingual-e5-small)")
        sub.add_argument("--backend", choices=BACKENDS, help="where the index lives: local (SQLite + FAISS in "
                         "--data-dir) or milvus (default $QA_BACKEND or local)")
        sub.add_argument("--milvus-uri", metavar="URI", help="the milvus backend's Milvus: http://HOST:19530, or a "
                         "milvus-lite file (default $QA_MILVUS_URI or DATA_DIR/milvus.db)")
        sub.set_defaults(run=run)
        return sub

    index = command("index", run_index, "index files or folders (default: seeds/)")
    index.add_argument("paths", nargs="*", type=Path, help="files or folders (.txt, .md, .html, .jsonl)")
    _write_options(index)

    add = command("add", run_index, "add files or folders to the index; a changed file replaces its old version")
    # "*", checked in run_index: with "+" argparse would refuse `qa add --ray PATH` before --ray gives PATH back.
    add.add_argument("paths", nargs="*", type=Path, help="files or folders (.txt, .md, .html, .jsonl)")
    add.set_defaults(needs_paths=add)
    _write_options(add)

    delete = command("delete", run_delete, "delete documents by id; they are never retrieved again")
    delete.add_argument("doc_ids", nargs="+", metavar="DOC_ID")

    listing = command("list", run_list, "list the indexed documents: id, date, source, title")
    listing.add_argument("--source", help="only the documents of this source file")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")

    ask = command("ask", run_ask, "answer one question")
    ask.add_argument("question")
    _answer_options(ask)

    chat = command("chat", run_chat, "interactive conversation; follow-up questions are read in context")
    _answer_options(chat)

    command("stats", run_stats, "what the index holds")

    evaluate = command("eval", run_eval, "score answers on a JSONL question set, beside BM25-only and dense-only")
    evaluate.add_argument("questions", type=Path, help="JSONL: id, type, question, answers, source_file, ...")
    evaluate.add_argument("--retriever", default=",".join(limits.RETRIEVERS),
                          help="comma-separated retrievers to compare (default: hybrid,dense,bm25)")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    evaluate.add_argument("--out", type=Path, help="write one JSON row per question (and retriever) here")

    serve = command("serve", run_serve, "serve the REST API, the OpenAI-compatible API and the web UI")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    serve.add_argument("--threads", type=_positive, help="questions and searches answered at once "
                       "(default $QA_READ_THREADS or 4)")
    serve.add_argument("--queue", type=_count, help="questions and searches that may wait for them; beyond, the "
                       "server answers 503 with Retry-After (default $QA_READ_QUEUE or 8)")
    serve.add_argument("--workers", metavar="N", help="processes answering on the one port, each with its own "
                       "engine and lanes (default $QA_WORKERS or 1)")
    # Internal: what the parent of --workers N hands each child (see qa.server.workers).
    serve.add_argument("--worker", help=argparse.SUPPRESS)
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be at least 0")
    return number


def _write_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    # const "": --ray without an address starts a local Ray.
    parser.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                        help="parse, chunk, tag and embed on a Ray Data pipeline: a local Ray, or the cluster at "
                        "ADDRESS (auto, HOST:PORT) from one of its nodes; needs the [ray] extra")
    parser.add_argument("--ray-workers", type=_positive, metavar="N",
                        help="embedder actors of --ray (default: one per CPU the cluster has free)")


def _answer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the answer object as JSON")
    parser.add_argument("-k", type=int, default=5, help="passages to return (default 5)")
    parser.add_argument("--retriever", default="hybrid", help=f"{', '.join(limits.RETRIEVERS)} (default hybrid)")


def open_qa(args: argparse.Namespace, create: bool = False) -> QA:
    # The engine is imported by the commands that open one: `qa serve --workers N`'s parent only supervises
    # (180 MB of imports it had no use for), and `qa --help` answers at once.
    from qa.engine import QA

    return QA.open(args.data_dir, model=args.model, create=create)


def run_index(args: argparse.Namespace) -> int:
    if args.ray and args.ray != "auto" and ":" not in args.ray:
        # Not an address (auto, HOST:PORT, ray://HOST:PORT) but a path that `--ray PATH` put here.
        args.paths.insert(0, Path(args.ray))
        args.ray = ""
    if not args.paths and getattr(args, "needs_paths", None):
        args.needs_paths.error("the following arguments are required: paths")
    paths = args.paths or [Path(DEFAULT_CORPUS)]
    for path in paths:
        if not path.exists():
            raise QAError(f"{path}: no such file or folder")
    if args.ray_workers is not None and args.ray is None:
        raise QAError("--ray-workers needs --ray")
    from qa.engine import RaySettings

    ray = None if args.ray is None else RaySettings(args.ray or None, args.ray_workers)
    started = time.perf_counter()
    qa = open_qa(args, create=True)
    report, errors = qa.add_paths(paths, progress=not args.quiet, ray=ray)
    for line in errors:
        print(f"qa: skipped {line}", file=sys.stderr)
    stats = qa.stats()
    print(f"indexed {len(report.added_sources)} new or changed files ({report.documents} articles, "
          f"{report.chunks} chunks, {report.sentences} sentences), {len(report.unchanged_sources)} unchanged, "
          f"{len(errors)} skipped in {time.perf_counter() - started:.1f}s; index now holds "
          f"{stats['documents']} articles, {stats['chunks']} chunks")
    return 1 if errors and not (report.added_sources or report.unchanged_sources) else 0


def run_delete(args: argparse.Namespace) -> int:
    deleted = set(open_qa(args).delete(args.doc_ids))
    for doc_id in args.doc_ids:
        if doc_id in deleted:
            print(f"deleted {doc_id}")
    missing = [doc_id for doc_id in args.doc_ids if doc_id not in deleted]
    if missing:
        raise QAError(f"no document with id {', '.join(missing)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    for info in open_qa(args).documents(args.source):
        if args.json:
            print(json.dumps(info.summary(), ensure_ascii=False))
        else:
            print(f"{info.doc_id}\t{info.date or '-'}\t{info.source}\t{info.title}")
    return 0


def run_ask(args: argparse.Namespace) -> int:
    question = limits.question(args.question)
    result = open_qa(args).ask(question, k=args.k, retriever=args.retriever)
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else format_answer(result))
    return 0


def run_chat(args: argparse.Namespace) -> int:
    qa = open_qa(args)
    history: list[dict[str, str]] = []
    interactive = sys.stdin.isatty()
    if interactive:
        print("输入问题，回车提问；空行或 Ctrl-D 退出。")
    while True:
        try:
            line = input("问> " if interactive else "")
        except EOFError:
            return 0
        if not line.strip():
            return 0
        try:
            result = qa.ask(line, history=history, k=args.k, retriever=args.retriever)
        except QAError as error:
            print(f"qa: error: {error}", file=sys.stderr)
            continue
        print(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else format_answer(result), flush=True)
        history += [{"role": "user", "content": line}, {"role": "assistant", "content": result.answer}]


def run_stats(args: argparse.Namespace) -> int:
    print(json.dumps(open_qa(args).stats(), ensure_ascii=False, indent=2))
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from qa.cli.evaluate import evaluate, format_reliability, format_table, load_items

    retrievers = [limits.choice(name.strip(), "retriever", limits.RETRIEVERS) for name in args.retriever.split(",")
                  if name.strip()]
    if not retrievers:
        raise QAError(f"no retriever given; choose from {', '.join(limits.RETRIEVERS)}")
    items = load_items(args.questions)
    refused = [item for item in items if item.refused]
    if refused:
        named = "; ".join(f"{item.id}: {item.refused}" for item in refused[:3]) + ("; …" if len(refused) > 3 else "")
        print(f"qa eval: {len(refused)} of {len(items)} questions are refused as input and scored as abstentions "
              f"({named})", file=sys.stderr)
    qa = open_qa(args)
    # Asked as a server answers: warmed first, so that no question's latency holds the loading of a dictionary.
    qa.warm()
    summaries, all_rows = {}, []
    for retriever in retrievers:
        summaries[retriever], rows = evaluate(qa, items, retriever)
        all_rows += [{"retriever": retriever, **row} for row in rows]
    if args.out:
        args.out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in all_rows), encoding="utf-8")
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False))
    else:
        print(f"{len(items)} questions from {args.questions}\n")
        print(format_table(summaries))
        for name, summary in summaries.items():
            print("\n" + format_reliability(name, summary["reliability"]))
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from qa.server.workers import Worker, supervise

    if args.worker:
        from qa.server.serve import serve

        return serve(args.data_dir, args.model, args.host, args.port, args.threads, args.queue,
                     Worker.decode(args.worker))
    # Checked here, in one line, before any process starts (the children read the same settings).
    workers = Settings.from_env(args.data_dir, args.model, read_threads=args.threads, read_queue=args.queue,
                                workers=args.workers).workers
    if workers == 1:
        from qa.server.serve import serve

        return serve(args.data_dir, args.model, args.host, args.port, args.threads, args.queue)
    options: list[str] = []
    for flag, value in (("--data-dir", args.data_dir), ("--model", args.model), ("--threads", args.threads),
                        ("--queue", args.queue)):
        if value is not None:
            options += [flag, str(value)]
    return supervise(workers, args.host, args.port, options)


def format_answer(result: Answer) -> str:
    lines = [result.answer]
    if note := result.uncertainty_note():
        lines.append(note)
    if result.span:
        lines.append(f"答案：{result.span}")
    for item in result.citations:
        date = f"，{item.date}" if item.date else ""
        lines.append(f"[{item.n}] {item.title}{date}（{item.source}，第{item.start}–{item.end}字）")
    if not result.answerable and result.passages:
        lines.append("最接近的段落：")
        lines += [f"- {p.title}（{p.source}）：{p.text[:80]}" for p in result.passages[:3]]
    return "\n".join(lines)
