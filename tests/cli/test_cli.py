"""The `qa` command line as a user runs it: real processes, real index, real model."""

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from qa.engine import QA
from tests.builders import CMRC_CORPUS, assert_one_line_error, run_qa

ANSWER_KEYS = {"question", "answer", "answerable", "confidence", "uncertain", "span", "citations", "passages"}
CITATION_KEYS = {"n", "doc_id", "title", "date", "source", "paragraph", "quote", "start", "end"}
PASSAGE_KEYS = {"doc_id", "title", "source", "text", "score", "start", "end"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for name in ("cmrc_train_00001.txt", "cmrc_train_00002.txt", "cmrc_train_00003.txt"):
        shutil.copy(CMRC_CORPUS / name, folder / name)
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02binary\xff\xfe" * 50)
    return folder


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, corpus) -> Path:
    directory = tmp_path_factory.mktemp("data")
    result = run_qa("index", str(corpus), "--data-dir", str(directory), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "indexed 3 new or changed files" in result.stdout
    assert "broken.txt" in result.stderr and "Traceback" not in result.stderr
    return directory


def test_ask_json_follows_the_answer_contract_and_quotes_the_source(data_dir, corpus):
    result = run_qa("ask", "墨西哥土拨鼠栖息在海拔多少米的平原上？", "--json", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == ANSWER_KEYS
    assert answer["answerable"] and "1600-2200米" in answer["answer"]
    citation = answer["citations"][0]
    assert set(citation) == CITATION_KEYS and citation["source"] == "cmrc_train_00002.txt"
    source_text = (corpus / citation["source"]).read_text(encoding="utf-8")
    assert source_text[citation["start"] : citation["end"]] == citation["quote"]
    assert f"{citation['quote']}[1]" in answer["answer"]
    assert all(set(passage) == PASSAGE_KEYS for passage in answer["passages"])


def test_ask_prints_a_readable_answer_with_numbered_citations(data_dir):
    result = run_qa("ask", "范廷颂是何时去世的？", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert "2009年2月22日" in result.stdout
    assert "[1] 范廷颂" in result.stdout and "cmrc_train_00001.txt" in result.stdout


def test_reindexing_unchanged_files_is_a_no_op(data_dir, corpus):
    result = run_qa("index", str(corpus / "cmrc_train_00001.txt"), "--data-dir", str(data_dir), "--quiet")
    assert result.returncode == 0
    assert "indexed 0 new or changed files" in result.stdout and "1 unchanged" in result.stdout


def test_chat_reads_follow_ups_in_context(data_dir):
    turns = "墨西哥土拨鼠又名什么？\n它们栖息在海拔多少米的平原上？\n"
    result = run_qa("chat", "--json", "--data-dir", str(data_dir), stdin=turns)
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert first["citations"][0]["source"] == "cmrc_train_00002.txt"
    assert second["answerable"] and "1600-2200米" in second["answer"]


def test_stats_reports_what_is_indexed(data_dir):
    stats = json.loads(run_qa("stats", "--data-dir", str(data_dir)).stdout)
    assert stats["sources"] == 3 and stats["chunks"] >= 3 and stats["index_size"] == stats["chunks"]


@pytest.mark.parametrize(("args", "fragment"), [
    (["ask", ""], "question is empty"),
    (["ask", "   "], "question is empty"),
    (["ask", "问" * 2001], "longer than 2000"),
    (["index", "/no/such/folder"], "no such file or folder"),
])
def test_bad_input_gets_one_line_and_a_non_zero_exit(args, fragment):
    assert_one_line_error(run_qa(*args), fragment)


@pytest.mark.parametrize(("variable", "value", "fragment"), [
    ("QA_READ_QUEUE", "many", "QA_READ_QUEUE must be a whole number"),
    ("QA_READ_THREADS", "0", "QA_READ_THREADS must be at least 1"),
    ("QA_WRITE_QUEUE", "-1", "QA_WRITE_QUEUE must be at least 0"),
])
def test_serve_refuses_a_bad_lane_size_in_one_line(tmp_path, monkeypatch, variable, value, fragment):
    monkeypatch.setenv(variable, value)
    assert_one_line_error(run_qa("serve", "--port", "0", "--data-dir", str(tmp_path)), fragment)


def test_serve_options_for_the_read_lane_are_checked(tmp_path):
    for option, value in (("--threads", "0"), ("--queue", "-1"), ("--queue", "some")):
        result = run_qa("serve", option, value, "--data-dir", str(tmp_path))
        assert result.returncode == 2 and f"argument {option}" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("option", "environment", "fragment"), [
    (["--workers", "0"], {}, "--workers must be at least 1, not 0"),
    (["--workers", "two"], {}, "--workers must be a whole number, not 'two'"),
    ([], {"QA_WORKERS": "-3"}, "QA_WORKERS must be at least 1, not -3"),
])
def test_serve_refuses_a_bad_number_of_workers_in_one_line(tmp_path, monkeypatch, option, environment, fragment):
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert_one_line_error(run_qa("serve", "--port", "0", "--data-dir", str(tmp_path), *option), fragment)


def test_asking_without_an_index_says_how_to_make_one(tmp_path):
    assert_one_line_error(run_qa("ask", "问题", "--data-dir", str(tmp_path / "empty")), "qa index")


def test_a_folder_of_only_bad_files_fails_and_keeps_the_existing_index(data_dir, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    result = run_qa("index", str(tmp_path), "--data-dir", str(data_dir), "--quiet")
    assert result.returncode != 0 and "empty.txt" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(run_qa("stats", "--data-dir", str(data_dir)).stdout)["sources"] == 3


def test_a_reader_that_goes_away_ends_the_command_quietly(data_dir):
    # Many answers, each written as soon as it is ready: far more than a pipe buffer holds, so the
    # command is still writing when its reader (here, as `| head -1` would) has closed the pipe.
    questions = "墨西哥土拨鼠栖息在海拔多少米的平原上？\n" * 200
    process = subprocess.Popen([sys.executable, "-m", "qa", "chat", "--json", "-k", "50", "--data-dir",
                                str(data_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdin.write(questions)
    process.stdin.close()
    first = process.stdout.readline()
    process.stdout.close()
    status = process.wait(timeout=300)
    stderr = process.stderr.read()
    assert json.loads(first)["answerable"]
    assert status == 141 and stderr == "", stderr


def test_milvus_backend_errors_are_one_line(tmp_path, data_dir, monkeypatch):
    # A Milvus nothing answers on, and a milvus-lite file another process holds (this test's, opened below).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert_one_line_error(run_qa("stats", "--backend", "milvus", "--milvus-uri", f"http://127.0.0.1:{port}",
                                 "--data-dir", str(tmp_path)), f"cannot reach Milvus at http://127.0.0.1:{port}")
    monkeypatch.setenv("QA_BACKEND", "milvus")
    holder = QA.open(tmp_path / "lite", create=True)
    try:
        assert_one_line_error(run_qa("stats", "--data-dir", str(tmp_path / "lite")), "another process may hold it")
    finally:
        holder.index.store.close()
    monkeypatch.setenv("QA_BACKEND", "elastic")
    assert_one_line_error(run_qa("stats", "--data-dir", str(data_dir)), "QA_BACKEND must be one of local, milvus")
    code = "import sys; sys.modules['pymilvus'] = None; from qa.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run([sys.executable, "-c", code, "index", str(CMRC_CORPUS), "--backend", "milvus",
                             "--data-dir", str(tmp_path / "no-extra")], capture_output=True, text=True, timeout=120)
    assert_one_line_error(result, "the milvus backend needs the [milvus] extra")
