"""The unanswerable-question builders of bench/sets/, run as `make models` runs them, on a slice of CMRC trial."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.answer.question import analyze
from qa.ingest import load_path
from qa.text.normalize import compact

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "bench" / "sets"


def run(script: str, *args: str | Path) -> None:
    subprocess.run([sys.executable, str(SETS / script), *map(str, args)], check=True, capture_output=True, cwd=ROOT)


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def trial_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trial") / "set"
    run("open_domain.py", "--input", ROOT / "bench/data/cmrc2018/cmrc2018_trial.json", "--limit-paragraphs", "24",
        "--out-dir", folder)
    return folder


def test_a_sentence_removed_set_takes_only_the_answering_sentence_out(trial_slice: Path, tmp_path: Path) -> None:
    changed = tmp_path / "removed"
    run("sentence_removed.py", "--set", trial_slice, "--out-dir", changed)
    log = {entry["file"]: entry for entry in rows(changed / "removed.jsonl")}
    questions = {row["id"]: row for row in rows(trial_slice / "questions.jsonl")}
    assert len(log) == 24
    for path in sorted((trial_slice / "corpus").iterdir()):
        before, after = path.read_text(encoding="utf-8"), (changed / "corpus" / path.name).read_text(encoding="utf-8")
        entry = log[path.name]
        # The one sentence goes, and nothing else changes.
        assert entry["removed"] in before and entry["removed"] not in after
        assert before.replace(entry["removed"], "", 1) == after
    near_misses = rows(changed / "questions.jsonl")
    assert near_misses, "no question lost its answer"
    for row in near_misses:
        original = questions[row["id"]]
        assert row["type"] == "unanswerable" and row["answers"] == [] and row["question"] == original["question"]
        assert row["near"]["source_file"] == original["source_file"] and row["near"]["why"] == "gold sentence removed"
        left = compact((changed / "corpus" / original["source_file"]).read_text(encoding="utf-8"))
        assert not any(compact(answer) in left for answer in original["answers"])
    dropped = [number for entry in log.values() for number in entry["dropped"]]
    for number in dropped:  # its sentence went, but its answer is said elsewhere: not a near miss
        source = (changed / "corpus" / questions[number]["source_file"]).read_text(encoding="utf-8")
        assert any(compact(answer) in compact(source) for answer in questions[number]["answers"])


def test_a_sentence_removed_set_is_the_same_for_the_same_seed(trial_slice: Path, tmp_path: Path) -> None:
    def build(name: str, seed: str) -> dict[str, bytes]:
        run("sentence_removed.py", "--set", trial_slice, "--out-dir", tmp_path / name, "--seed", seed, "--share", "0.5")
        return {str(path.relative_to(tmp_path / name)): path.read_bytes()
                for path in sorted((tmp_path / name).rglob("*")) if path.is_file()}

    first, again, other = build("first", "0"), build("again", "0"), build("other", "1")
    assert first == again
    assert first != other
    assert len(rows(tmp_path / "first" / "removed.jsonl")) == 12


def test_off_topic_questions_are_a_sets_answerable_questions_with_nothing_to_answer(trial_slice: Path,
                                                                                  tmp_path: Path) -> None:
    run("off_topic.py", "--questions", trial_slice / "questions.jsonl", "--out", tmp_path / "off.jsonl",
        "--limit", "10")
    answerable = [row for row in rows(trial_slice / "questions.jsonl") if row["answers"]]
    made = rows(tmp_path / "off.jsonl")
    assert len(made) == 10 and len(answerable) > 10
    by_id = {row["id"]: row for row in answerable}
    for row in made:
        original = by_id[row["near"]["original_id"]]
        assert row["id"] == f"{original['id']}-off-topic" and row["question"] == original["question"]
        assert row["type"] == "unanswerable" and row["answers"] == [] and row["source_file"] == ""
    # Evenly spaced, so the first answerable question is always among them.
    assert made[0]["near"]["original_id"] == answerable[0]["id"]


@pytest.mark.parametrize(("name", "questions", "near_misses"), [
    ("seed_probe", 26, 10),  # stop 30
    ("seed_probe2", 36, 12),  # stop 40
    ("seed_probe3", 17, 4),  # stop 41
    ("seed_probe4", 30, 11),  # stop 42: lists, follow-ups, English and traditional-script questions among them
    ("seed_probe5", 35, 12),  # stop 44: articles the other sets ask least of
    ("seed_probe6", 34, 12),  # stop 46: written before the probes above joined the training data
    ("seed_probe7", 34, 12),  # stop 47: written blind, before the sixth probe joined the training data
    ("seed_probe8", 34, 12),  # stop 48: written blind, before the seventh probe joined the training data
    ("seed_probe9", 40, 14),  # stop 49: written blind, before the eighth probe joined the training data
    ("seed_probe10", 40, 14),  # stop 50: written blind, before the ninth probe joined the training data
    ("seed_probe11", 40, 14),  # stop 51: written blind, before the tenth probe joined the training data
    ("seed_probe12", 40, 14),  # stop 52: written blind, before any model of this stop read it
    ("seed_probe13", 40, 14),  # stop 53: written blind, before any model of this stop read it
    ("seed_probe14", 40, 14),  # stop 55: written blind, before any model of this stop read it
    ("seed_probe15", 39, 14),  # stop 56: written blind, before any model of this stop read it
    ("seed_probe16", 40, 14),  # stop 57: written blind, before any model of this stop read it
    ("seed_probe17", 40, 14),  # stop 58: written blind, before any model of this stop read it
    ("seed_probe18", 40, 14),  # stop 59: written blind, before any model of this stop read it
    ("seed_probe19", 40, 14),  # stop 60: written blind, before any model of this stop read it
    ("seed_probe20", 40, 14),  # stop 61: written blind, before any model of this stop read it
    ("seed_probe21", 40, 14),  # stop 61: written blind, after this stop's models were made
])
def test_each_seed_probe_points_into_the_seeds(name: str, questions: int, near_misses: int) -> None:
    """eval/seed_probe*.jsonl (each written after the models it was first read with; the first five are training
    data since stop 46, the sixth since stop 47, the seventh since stop 48, the eighth since stop 49, the ninth
    since stop 50, the tenth since stop 51, the eleventh to the sixteenth since stop 59, the seventeenth and the
    eighteenth since stop 60, the nineteenth since stop 61; the twentieth and twenty-first are report only): every
    answer is said in its evidence, every evidence in its source; every near miss names an article of the seeds that
    does not say its question's answer."""
    probe = rows(ROOT / "eval" / f"{name}.jsonl")
    assert len({row["id"] for row in probe}) == len(probe) == questions
    assert sum(row["type"] == "unanswerable" for row in probe) == near_misses
    # qa eval scores a list by how many of its items the answer quotes only where the record asks for all of them.
    assert all(row.get("mode") == "all" for row in probe if row["type"] == "list")
    _points_into(probe)


@pytest.mark.parametrize(("name", "questions", "near_misses"), [
    ("seed_english_probe", 32, 10),  # stop 37: facts of the seed dev set, the first probe and the near misses
    ("seed_english_probe2", 27, 12),  # stop 45: facts of the second to fifth probes
])
def test_each_english_probe_asks_in_english_what_a_chinese_set_asks(name: str, questions: int,
                                                                    near_misses: int) -> None:
    """eval/seed_english_probe*.jsonl (report only): each question is an English one about a fact a Chinese
    seed question asks (or a near miss one does not answer), pointing into the seeds as the probes do. The
    Chinese question is named by its id, or by its set and id (seed_probe3:r01) where ids repeat across sets."""
    chinese = {row["id"]: row for asked in ("seed_dev", "seed_probe", "seed_near_miss_dev")
               for row in rows(ROOT / "eval" / f"{asked}.jsonl")}
    chinese |= {f"{asked}:{row['id']}": row for asked in ("seed_probe2", "seed_probe3", "seed_probe4", "seed_probe5")
                for row in rows(ROOT / "eval" / f"{asked}.jsonl")}
    english = rows(ROOT / "eval" / f"{name}.jsonl")
    assert len({row["id"] for row in english}) == len(english) == questions
    assert sum(row["type"] == "unanswerable" for row in english) == near_misses
    for row in english:
        assert analyze(row["question"]).english
        assert row["answers"] == chinese[row["asked_in_chinese"]]["answers"]
    _points_into(english)


def _points_into(questions: list[dict]) -> None:
    """Every answer is said in its evidence, every evidence in its source; every near miss names an article
    of the seeds."""
    articles = load_path(ROOT / "seeds").articles
    text_of = {(article.source, article.title): compact("".join(p.text for p in article.paragraphs))
               for article in articles}
    sources = {source: "".join(text for (name, _), text in text_of.items() if name == source)
               for source, _ in text_of}
    for row in questions:
        if row["type"] == "unanswerable":
            assert row["answers"] == [] and (row["near"]["source_file"], row["near"]["headline"]) in text_of
            assert row["near"]["why"]
        else:
            evidence = compact(row["evidence"])
            assert evidence in sources[row["source_file"]]
            assert any(compact(answer) in evidence for answer in row["answers"])
