"""The trained ranker and verifier on the real seed index: what they read, what they decide, and that
the documented commands re-create them."""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from qa.answer import reader
from qa.answer.features import FEATURES, candidate_units, describe, unit_text
from qa.answer.models import VERIFIER_FEATURES, TreeEnsemble, bundled, field_features, judged, load
from qa.answer.question import analyze
from qa.answer.spans import fitting
from qa.cli.evaluate import load_items
from qa.engine import QA
from qa.index.records import Hit
from qa.settings import QUERY_ENCODERS
from qa.text.lexicon import AVERAGES, SUPERLATIVES
from qa.text.normalize import match_form
from tests.builders import ROOT, SEED_DEV


def candidates_for(qa, question: str):
    snapshot = qa.index.snapshot
    query = reader.understand(question, None, snapshot)
    vector = qa.index.encoder.encode_query(query.retrieval_query)
    hits = qa.index.search(query.retrieval_query, reader.CANDIDATE_PASSAGES, "hybrid", query_vector=vector,
                           snapshot=snapshot)
    return query, hits, describe(query.question, hits, snapshot, vector, query.context_terms)


def test_the_bundled_models_read_the_features_that_describe_writes():
    models = bundled()
    assert models.ranker.features == FEATURES
    assert models.verifier.features == VERIFIER_FEATURES
    assert 0.0 < models.threshold < 1.0
    assert models.about["tuned_on"] and models.about["trained_on"]


def training_script():
    spec = importlib.util.spec_from_file_location("train_answer", ROOT / "bench" / "train_answer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("train_answer", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_service_walks_the_ranker_trees_to_the_scores_lightgbm_gives():
    generator = np.random.default_rng(0)
    matrix = generator.normal(size=(400, len(FEATURES)))
    for rule in ("role_unsaid", "average_for_extreme", "must_hold"):  # every candidate can answer
        matrix[:, FEATURES.index(rule)] = 0
    labels = (matrix[:, 0] + 0.5 * matrix[:, 3] * matrix[:, 5] > 0).astype(float)
    script = training_script()
    split = script.Split("synthetic", matrix, labels, np.arange(0, 401, 20), np.ones(20, bool), "model")
    boosters = script.fit_ranker(split, np.arange(20))
    trees, _ = script.walked(boosters, FEATURES, matrix)
    raw = [booster.predict(matrix, raw_score=True) for booster in boosters]
    # Fits with different seeds differ, and the service walks the mean of their scores.
    assert len(boosters) == script.SEEDS > 1 and np.abs(raw[0] - raw[1]).max() > 1e-3
    assert np.abs(trees.decision(matrix) - np.mean(raw, axis=0)).max() < 1e-9


def test_rankers_learn_only_from_the_candidates_the_service_could_judge():
    matrix = np.zeros((6, len(FEATURES)))
    matrix[:3, FEATURES.index("must_hold")] = 1
    matrix[:3, FEATURES.index("typed_new")] = [0, 1, 1]  # 多少: the first unit says no quantity, passed over
    matrix[3:, FEATURES.index("role_unsaid")] = [0, 1, 1]  # 谁是主任: only the first unit says the title
    labels = np.array([0, 1, 0, 0, 1, 0], float)  # the second question's gold is passed over: nothing to learn
    script = training_script()
    split = script.Split("rules", matrix, labels, np.array([0, 3, 6]), np.ones(2, bool), "model")
    assert script.ranking_rows(split, np.arange(2)).tolist() == [False, True, True, False, False, False]


def test_the_service_walks_verifier_trees_to_the_probabilities_lightgbm_gives():
    generator = np.random.default_rng(1)
    matrix = generator.normal(size=(600, len(VERIFIER_FEATURES)))
    labels = (matrix[:, 0] - matrix[:, 2] > 0.3).astype(float)
    script = training_script()
    boosters = script.fit_trees(matrix, labels, VERIFIER_FEATURES)
    trees, _ = script.walked(boosters, VERIFIER_FEATURES, matrix)
    raw = [booster.predict(matrix, raw_score=True) for booster in boosters]
    # Fits with different seeds differ, and the service walks the mean of their scores.
    assert len(boosters) == script.SEEDS > 1 and np.abs(raw[0] - raw[1]).max() > 1e-3
    assert np.abs(trees.probability(matrix) - 1 / (1 + np.exp(-np.mean(raw, axis=0)))).max() < 1e-9


def walked_by_hand(tree: dict, row: np.ndarray) -> float:
    node = 0
    while node >= 0:
        node = tree["left"][node] if row[tree["feature"][node]] <= tree["threshold"][node] else tree["right"][node]
    return tree["leaf"][~node]


def test_every_tree_exits_at_the_leaf_a_walk_reaches_lone_leaves_and_missing_values_included():
    generator = np.random.default_rng(2)
    deep = {"feature": [], "threshold": [], "left": [], "right": [], "leaf": []}
    for depth in range(15):  # a chain of 16 leaves, each split's right child the next split
        deep["feature"].append(depth % 3)
        deep["threshold"].append(-2.0 + 0.25 * depth)  # ever more rows turn left: some exit at every leaf
        deep["left"].append(~depth)
        deep["right"].append(depth + 1 if depth < 14 else ~15)
        deep["leaf"].append(float(depth))
    deep["leaf"].append(15.0)
    balanced = {"feature": [1, 0, 2], "threshold": [0.0, -0.5, 0.5], "left": [1, ~0, ~2], "right": [2, ~1, ~3],
                "leaf": [0.1, 0.2, 0.3, 0.4]}
    lone = {"feature": [0], "threshold": [float("inf")], "left": [-1], "right": [-1], "leaf": [0.5]}
    trees = [deep, balanced, lone, balanced]
    ensemble = TreeEnsemble.from_dict({"features": ["a", "b", "c"], "trees": trees}, ("a", "b", "c"))
    rows = generator.normal(size=(1000, 3))
    rows[generator.random(rows.shape) < 0.1] = np.nan  # a missing value turns right, as in LightGBM's "None"
    by_hand = [sum(walked_by_hand(tree, row) for tree in trees) for row in rows]
    assert np.allclose(ensemble.decision(rows), by_hand, rtol=0, atol=1e-12)
    assert len({walked_by_hand(deep, row) for row in rows}) == 16  # every leaf of the chain is some row's exit


@pytest.mark.parametrize(("question", "typed_new", "expected"), [
    ("新疆今年新增了多少工会会员？", [0, 1, 1], 1),  # the best-ranked unit says no quantity: the next one that does
    ("全国总工会是哪一年出台这项措施的？", [0, 0, 0], None),  # none says a year: nothing to judge, abstained on
    ("乡里组织什么时候开始瓦解的？", [0, 0, 0], 0),  # an event or a period answers 什么时候: left to the verifier
    ("谁获得了这个称号？", [0, 1, 1], 0),  # names are left to the verifier
])
def test_the_judged_candidate_of_a_question_that_must_hold_its_answer(question, typed_new, expected):
    matrix = np.zeros((3, len(FEATURES)))
    matrix[:, FEATURES.index("must_hold")] = analyze(question).must_hold
    matrix[:, FEATURES.index("typed_new")] = typed_new
    assert judged(matrix, np.array([3.0, 2.0, 1.0])) == expected


def test_a_unit_that_cannot_answer_is_no_rival_of_the_judged_one():
    matrix = np.zeros((3, len(FEATURES)))
    matrix[:, FEATURES.index("must_hold")] = analyze("新疆今年新增了多少工会会员？").must_hold
    matrix[:, FEATURES.index("typed_new")] = [0, 1, 1]  # the best-ranked unit says no quantity: passed over
    scores = np.array([3.0, 2.0, 1.0])
    fields = dict(zip(VERIFIER_FEATURES, field_features(matrix, scores, judged(matrix, scores)), strict=True))
    assert fields["best_typed_new"] == 1 and fields["rank_score"] == 2.0
    assert fields["rank_margin"] == 1.0  # over the unit that can answer, not under the one passed over
    assert fields["rank_share"] == pytest.approx(1 / (1 + np.exp(-1.0)))
    alone = field_features(matrix[1:], scores[1:], 0)  # the same without the passed-over unit
    assert np.array_equal(alone[len(FEATURES):-1], field_features(matrix, scores, 1)[len(FEATURES):-1])


def role_said(seed_qa: QA, question: str, role: str) -> tuple[np.ndarray, list[bool]]:
    """The question's candidates, and per candidate whether it says the role, checked against role_unsaid."""
    _, _, candidates = candidates_for(seed_qa, question)
    unsaid = candidates.matrix[:, FEATURES.index("role_unsaid")]
    says = [role in unit_text(seed_qa.index.snapshot, unit) for unit in candidates.units]
    assert [bool(flag) for flag in unsaid] == [not said for said in says]
    return candidates.matrix, says


def test_a_question_for_the_holder_of_a_title_is_judged_only_on_a_unit_that_says_the_title(seed_qa):
    question = "太原市外卖配送行业联合会经费审查委员会的主任是谁？"  # the article names the committee, not its head
    matrix, says = role_said(seed_qa, question, "主任")
    assert not all(says)
    scores = seed_qa.models.rank(matrix)
    best = judged(matrix, scores)
    assert not says[int(np.argmax(scores))] and (best is None or says[best])
    assert not seed_qa.ask(question).answerable
    _, _, untitled = candidates_for(seed_qa, "谁获得了这个称号？")
    assert not untitled.matrix[:, FEATURES.index("role_unsaid")].any()
    silent = np.zeros((3, len(FEATURES)))
    silent[:, FEATURES.index("role_unsaid")] = [1, 1, 1]
    assert judged(silent, np.array([3.0, 2.0, 1.0])) is None


def test_a_museum_director_is_named_only_by_a_unit_that_says_the_title(seed_qa):
    # The one 馆长 of the seeds runs 穆棱市博物馆; the 八路军太行纪念馆 article names a former head of research.
    assert "李金" in seed_qa.ask("穆棱市博物馆馆长是谁？").answer
    question = "八路军太行纪念馆的馆长是谁？"
    _, says = role_said(seed_qa, question, "馆长")
    assert not all(says)
    assert not seed_qa.ask(question).answerable


@pytest.mark.parametrize(("question", "role"), [
    ("石家庄市快递员职业技能大赛的冠军来自哪家快递公司？", "冠军"),  # any answer type: here a name
    ("哪个国家获得了亚军？", "亚军"),
    ("他获得过几次冠軍？", "冠军"),  # traditional script, read in simplified
    ("谁获得了欧洲冠军联赛的冠军？", "冠军"),  # the contest's name is passed over, its winner is asked
    ("欧洲冠军联赛在哪里举行？", None),
    ("冠军赛几点开始？", None),
    ("主任去了哪里？", None),  # a title binds only a question for a person
    ("谁是主任？", "主任"),
])
def test_a_place_in_a_contest_binds_the_answer_as_a_title_does(question, role):
    assert analyze(question).role == role


def test_a_question_for_the_winner_is_judged_only_on_a_unit_that_says_the_place(seed_qa):
    question = "石家庄市快递员职业技能大赛的冠军来自哪家快递公司？"  # the article names contestants, no winner
    matrix, says = role_said(seed_qa, question, "冠军")
    assert not any(says)
    assert judged(matrix, seed_qa.models.rank(matrix)) is None
    assert not seed_qa.ask(question).answerable


def test_an_average_does_not_answer_a_number_question_for_an_extreme(seed_qa):
    snapshot = seed_qa.index.snapshot
    question = "暑运期间铁路旅客发送量最高的一天发送了多少人次？"  # the article gives the total and a daily mean
    _, _, candidates = candidates_for(seed_qa, question)
    flagged = candidates.matrix[:, FEATURES.index("average_for_extreme")]
    texts = [unit_text(snapshot, unit) for unit in candidates.units]
    gives_a_mean = [any(word in text for word in AVERAGES) and not any(word in text for word in SUPERLATIVES)
                    for text in texts]
    assert [bool(flag) for flag in flagged] == gives_a_mean
    assert any("1386万" in text and flag for text, flag in zip(texts, flagged, strict=True))
    best = judged(candidates.matrix, seed_qa.models.rank(candidates.matrix))
    assert best is None or not flagged[best]
    assert not seed_qa.ask(question).answerable
    for unbound in ("暑运期间铁路平均每天最多发送多少人次？",  # asks after a mean itself
                    "暑运期间铁路旅客发送量最高的是哪条线路？"):  # no number asked
        _, _, others = candidates_for(seed_qa, unbound)
        assert not others.matrix[:, FEATURES.index("average_for_extreme")].any()


def test_a_sentence_split_at_a_semicolon_is_a_candidate_as_clauses_and_as_a_whole(seed_qa):
    snapshot = seed_qa.index.snapshot
    chunk = next(chunk for chunk in snapshot.chunks
                 if any(snapshot.sentences[row].text.rstrip().endswith("；")
                        and snapshot.sentences[row + 1].paragraph == snapshot.sentences[row].paragraph
                        for row in range(chunk.first_row, chunk.last_row)))
    units = candidate_units([Hit(chunk, 1.0, 1.0)], snapshot)
    clauses = {(unit.first, unit.last) for unit in units if unit.first == unit.last}
    whole = [unit for unit in units if unit.last > unit.first]
    assert clauses == {(row, row) for row in range(chunk.first_row, chunk.last_row + 1)}
    assert whole
    for unit in whole:  # clauses that each end at a semicolon, then the one that ends the sentence
        assert all(snapshot.sentences[row].text.rstrip().endswith("；") for row in range(unit.first, unit.last))
        assert unit_text(snapshot, unit) == "".join(snapshot.sentences[row].text
                                                    for row in range(unit.first, unit.last + 1))


def test_a_figure_in_another_clause_of_the_sentence_is_read_by_what_its_own_clause_says(seed_qa):
    """The whole sentence says 光明康复行动 in one clause and gives 5000万元 in another, about another programme: the
    clause that holds the figure says less of the question than the sentence does."""
    snapshot = seed_qa.index.snapshot
    _, _, candidates = candidates_for(seed_qa, "大连市总工会的“光明康复行动”累计投入了多少资金？")
    said = candidates.matrix[:, FEATURES.index("unit_coverage")]
    by_clause = candidates.matrix[:, FEATURES.index("typed_coverage")]
    new = candidates.matrix[:, FEATURES.index("typed_new")]
    texts = [unit_text(snapshot, unit) for unit in candidates.units]
    whole = [index for index, (unit, text) in enumerate(zip(candidates.units, texts, strict=True))
             if unit.last > unit.first and "5000万元" in text and "光明康复" in text]
    assert whole
    for index in whole:
        assert new[index] and by_clause[index] < said[index] - 0.3
    for index, unit in enumerate(candidates.units):
        if unit.first == unit.last:  # a clause alone: what it says is what its figure's clause says
            assert by_clause[index] == pytest.approx(said[index] if new[index] else 0.0)


def test_every_candidate_gets_every_feature_as_a_finite_number(seed_qa):
    _, hits, candidates = candidates_for(seed_qa, "新疆今年新增了多少工会会员？")
    assert len(candidates) >= len({row for hit in hits[:reader.CANDIDATE_PASSAGES]
                                   for row in seed_qa.index.snapshot.chunk_sentences(hit.chunk)})
    assert candidates.matrix.shape == (len(candidates), len(FEATURES))
    assert np.isfinite(candidates.matrix).all()


def test_a_type_left_unmet_is_marked_apart_where_the_unit_is_news(seed_qa):
    """A unit without a candidate of the asked type is marked again where its article is a signed or datelined
    report (four of the seeds' 49 articles are neither: 守牢安全“生命线” is one)."""
    snapshot = seed_qa.index.snapshot
    seen: set[tuple[float, float]] = set()
    for question in ("守牢安全生命线，谁强化了管理？", "全总执委会会议是在哪座城市召开的？"):
        _, _, candidates = candidates_for(seed_qa, question)
        unmet = candidates.matrix[:, FEATURES.index("type_unmet")]
        marked = candidates.matrix[:, FEATURES.index("unmet_in_report")]
        for unit, left, value in zip(candidates.units, unmet, marked, strict=True):
            info = snapshot.documents[snapshot.sentences[unit.first].doc_id]
            assert value == left * float(bool(info.byline or info.dateline or info.reporters))
            seen.add((float(left), float(value)))
    assert seen == {(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)}


def test_a_term_the_unit_does_not_say_counts_by_how_near_its_words_come(seed_qa):
    _, _, candidates = candidates_for(seed_qa, "全国总工会是何时出台快递员入会措施的？")
    literal = candidates.matrix[:, FEATURES.index("unit_coverage")]
    soft = candidates.matrix[:, FEATURES.index("soft_coverage")]
    assert np.all(soft >= literal - 1e-6) and np.all(soft <= 1.0 + 1e-6)
    said_all = literal > 1 - 1e-6
    assert np.allclose(soft[said_all], 1.0) and (soft[~said_all] > literal[~said_all]).any()


@pytest.mark.parametrize(("term", "question"), [("由", "《见屏如面》这首歌是由谁作曲的？"),
                                              ("2021", "2021年新疆新增了多少工会会员？")])
def test_a_han_character_or_a_number_that_a_question_holds_alone_weighs_by_the_passages_that_say_it(
        seed_qa, term, question):
    # Counted nowhere, 由 of 是由谁作曲的 or a year had weighed as a word no passage says: the most of all.
    assert term in analyze(question).terms
    snapshot = seed_qa.index.snapshot
    alone = re.compile(rf"(?<![a-z0-9]){term}(?![a-z0-9])")
    saying = sum(bool(alone.search(match_form(chunk.text))) for chunk in snapshot.chunks)
    assert saying > 1
    assert snapshot.term_weight(term) == pytest.approx(math.log((len(snapshot.chunks) + 1) / (saying + 0.5)))
    assert snapshot.term_weight(term) < snapshot.term_weight("𠀀𠀀")


def test_only_the_question_words_the_headline_does_not_say_count_as_untitled_coverage(seed_qa):
    # The headline (新疆…工会组建) says the subject; the unit that answers says what was asked (新增, 会员).
    _, _, candidates = candidates_for(seed_qa, "新疆今年新增了多少工会会员？")
    snapshot = seed_qa.index.snapshot
    said = candidates.matrix[:, FEATURES.index("unit_coverage")]
    untitled = candidates.matrix[:, FEATURES.index("untitled_coverage")]
    answer = next(number for number, unit in enumerate(candidates.units) if "21.97万" in unit_text(snapshot, unit))
    article = snapshot.sentences[candidates.units[answer].first].doc_id
    same_article = [number for number, unit in enumerate(candidates.units)
                    if snapshot.sentences[unit.first].doc_id == article]
    assert untitled[answer] == max(untitled[number] for number in same_article) > 0
    # Units that say only the headline's words cover some of the question, none of what it asks.
    assert any(said[number] > 0 and untitled[number] == 0 for number in same_article)
    # A question in its headline's words alone leaves the article's units nothing more to say: complete (1), not
    # empty-handed (0), or a unit of it would look like one that misses what was asked.
    headline = "淮河能源集团“一户一策”帮扶特困职工"
    _, _, headlined = candidates_for(seed_qa, f"{headline}是什么？")
    own = [number for number, unit in enumerate(headlined.units)
           if snapshot.documents[snapshot.sentences[unit.first].doc_id].title == headline]
    assert own and all(headlined.matrix[number, FEATURES.index("untitled_coverage")] == 1.0 for number in own)


@pytest.mark.parametrize(("question", "item_type"), [
    ("那些项目部分布在哪些省份？", "place"),  # read as 哪个省份
    ("黄花镇是由哪几个乡镇组建而成的？", "place"),
    ("会议选举了哪几位副主席？", "person"),
    ("公交1路在哪几年停驶过？", "date"),
    ("两国希望在哪些领域推进合作？", None),  # 在哪个领域 asks which one, not where
    ("骑手餐厅由哪两家企业经营？", None),  # names: too often not found by form or tag
    ("北京有什么好玩的？", None),  # no 哪: nothing to read for one item
])
def test_a_list_question_says_the_type_of_its_items(question, item_type):
    analyzed = analyze(question)
    assert analyzed.answer_type == "list"
    assert analyzed.item_type == item_type
    # Without a type of their own, a list's candidates are the items of an enumeration.
    assert analyzed.candidate_type == (item_type or "list")


def test_a_unit_holding_no_item_of_a_list_of_places_leaves_the_type_unmet(seed_qa):
    question = "那些外部市场项目部分布在哪些省份？"
    snapshot, asked = seed_qa.index.snapshot, analyze(question)
    _, _, candidates = candidates_for(seed_qa, question)
    unmet = candidates.matrix[:, FEATURES.index("type_unmet")]
    # A place the question does not say, in some sentence of the unit.
    holds = [any(fitting(snapshot.sentences[row].tagged, asked)[1] for row in range(unit.first, unit.last + 1))
             for unit in candidates.units]
    assert any(holds) and not all(holds)
    assert [bool(flag) for flag in unmet] == [not held for held in holds]


def test_a_question_that_singles_one_out_marks_the_units_that_do_not(seed_qa):
    question = "暑运期间铁路旅客发送量最高的一天发送了多少人次？"
    _, _, candidates = candidates_for(seed_qa, question)
    unsaid = candidates.matrix[:, FEATURES.index("superlative_unsaid")]
    texts = [unit_text(seed_qa.index.snapshot, unit) for unit in candidates.units]
    says = [any(word in text for word in SUPERLATIVES) for text in texts]
    assert any(says) and not all(says)
    assert [bool(flag) for flag in unsaid] == [not said for said in says]
    _, _, plain = candidates_for(seed_qa, "暑运期间铁路发送旅客多少人次？")
    assert not plain.matrix[:, FEATURES.index("superlative_unsaid")].any()


def test_an_answer_is_given_exactly_when_the_verifier_believes_it(seed_qa):
    threshold = seed_qa.models.threshold
    for item in load_items(SEED_DEV):
        if item.history or item.lang == "en":
            continue
        answer = seed_qa.ask(item.question)
        assert 0.0 <= answer.confidence <= 1.0
        # Confidence is rounded to 4 places in the answer object.
        assert answer.answerable == (answer.confidence >= round(threshold, 4) - 1e-4), item.id


@pytest.mark.parametrize("question", [
    # The seed articles with the subject replaced by a province none of them mentions.
    "青海省总工会的新就业形态劳动者温暖行动服务月是哪天启动的？",
    "青海滴滴出行的工会主席叫什么？",
])
def test_a_question_about_a_subject_the_archive_lacks_is_not_answered(seed_qa, question):
    answer = seed_qa.ask(question)
    assert not answer.answerable and answer.citations == []


def test_each_query_encoder_reads_with_the_models_fitted_to_its_cosines(seed_qa):
    for encoder in QUERY_ENCODERS:
        engine = QA(seed_qa.index, query_cache=0, query_encoder=encoder)
        assert engine.models is bundled(encoder)
        assert engine.models.about["query_encoder"] == encoder
    assert bundled("model").threshold != bundled("static").threshold


def read_features(seed_qa, out, query_encoder):
    subprocess.run([sys.executable, "bench/answer_data.py", "--data-dir", str(seed_qa.index.directory),
                    "--questions", str(SEED_DEV), "--out", str(out), "--query-encoder", query_encoder],
                   cwd=ROOT, check=True, capture_output=True)
    return out


def train(train_file, tune_file, out):
    return subprocess.run([sys.executable, "bench/train_answer.py", "--train", str(train_file), "--tune",
                           str(tune_file), "--out", str(out)], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("query_encoder", QUERY_ENCODERS)
def test_the_documented_commands_retrain_models_that_load_and_rank(seed_qa, tmp_path, query_encoder):
    features = read_features(seed_qa, tmp_path / "seeds.npz", query_encoder)
    out = tmp_path / "trained"
    result = train(features, features, out)
    assert result.returncode == 0 and "threshold" in result.stdout
    models = load(out)
    assert models.about["query_encoder"] == query_encoder
    with np.load(features) as data:
        matrix, labels, starts = data["features"], data["labels"], data["starts"]
    groups = [slice(a, b) for a, b in zip(starts[:-1], starts[1:], strict=True) if labels[a:b].any()]
    top_right = [labels[group][int(np.argmax(models.rank(matrix[group])))] > 0 for group in groups]
    assert np.mean(top_right) >= 0.8  # on its own training questions


@pytest.mark.slow
def test_models_are_not_fitted_to_one_encoders_cosines_and_tuned_on_anothers(seed_qa, tmp_path):
    model = read_features(seed_qa, tmp_path / "model.npz", "model")
    static = read_features(seed_qa, tmp_path / "static.npz", "static")
    result = train(model, static, tmp_path / "trained")
    assert result.returncode != 0 and "static" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "trained").exists()
