"""The bundled model served without sentence-transformers gives the sentence-transformers model's vectors."""

import subprocess
import sys

import numpy as np

from embeddings.bundled import BundledE5
from embeddings.cache import CachedEncoder
from embeddings.model import load_model, model_name, sentence_transformer

TEXTS = ["新疆今年新增了多少工会会员？", "体检项目包括内科、腹部彩超、胸部CT、心电图等共计21项。",
         "全国消防日是哪一天？"]


def test_bundled_model_matches_its_sentence_transformer():
    fast = load_model()
    assert isinstance(fast, BundledE5)
    full = sentence_transformer()
    for method in ("encode_query", "encode_document"):
        vectors = getattr(fast, method)(TEXTS, show_progress_bar=False)
        assert vectors.shape == (len(TEXTS), fast.get_embedding_dimension()) and vectors.dtype == np.float32
        assert np.allclose(vectors, getattr(full, method)(TEXTS, show_progress_bar=False), atol=1e-6)
        assert np.allclose(getattr(fast, method)(TEXTS[0]), getattr(full, method)(TEXTS[0]), atol=1e-6)
    assert np.allclose(np.linalg.norm(fast.encode_query(TEXTS), axis=1), 1.0, atol=1e-6)
    assert full.get_embedding_dimension() == fast.get_embedding_dimension()


def test_the_server_path_imports_neither_torch_nor_sentence_transformers():
    # Importing them costs ~4 s of a cold `qa serve`; the bundled model needs neither.
    code = ("import sys, qa.server.serve, qa.cli; from embeddings.model import load_model; load_model(); "
            "print(sorted(name for name in ('torch', 'sentence_transformers', 'transformers') if name in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_model_reads_traditional_text_in_simplified_script(tmp_path):
    # A traditional sentence and its simplified form are one text to the model: the same vector, one row
    # in the cache; and the answer models, trained mostly on simplified text, see traditional text as it.
    encoder = CachedEncoder(load_model(), model_name(), tmp_path / "embeddings.sqlite")
    simplified, traditional = "体检项目包括内科、腹部彩超等共计21项。", "體檢項目包括內科、腹部彩超等共計21項。"
    vectors = encoder.encode_documents([simplified, traditional])
    assert np.array_equal(vectors[0], vectors[1]) and encoder.misses == 1
    assert np.array_equal(encoder.encode_query("全國消防日是哪一天？"), encoder.encode_query("全国消防日是哪一天？"))
    # What it reads differs from the bare model's reading of the traditional text.
    bare = encoder.model.encode_document([traditional])[0]
    assert float(bare @ vectors[1]) < 0.999
