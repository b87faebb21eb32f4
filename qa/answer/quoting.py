"""How much of the source to quote for a chosen sentence: it, and the neighbour it leans on."""

from __future__ import annotations

import re

from qa.index.snapshot import Snapshot
from qa.text.lexicon import LEANS_BACK, alternation

# A sentence opening on one of these leans on the one before it (所以…, 他…, 该公司…, 此外…): quoted
# alone it does not say what it is about, or the thought it finishes is missing.
_LEANS_BACK = re.compile("^" + alternation(LEANS_BACK))


def quote_rows(snapshot: Snapshot, first: int, last: int,
               taken: frozenset[int] | set[int] = frozenset()) -> tuple[int, int]:
    """The first and last sentence rows to quote for the chosen rows ``first``..``last``: those, plus the
    one before when the first leans back on it, plus the one after when that one leans back on the last. Only sentences
    of the same paragraph that touch in the source join, so the quote stays one slice of the source;
    rows in ``taken`` (quoted for another item) are left to their own quote."""
    def joins(left: int, right: int) -> bool:
        if left < 0 or right >= len(snapshot.sentences) or {left, right} & taken:
            return False
        first, second = snapshot.sentences[left], snapshot.sentences[right]
        return (first.doc_id == second.doc_id and first.paragraph == second.paragraph
                and first.source_end == second.source_start and bool(_LEANS_BACK.match(second.text)))

    return (first - 1 if joins(first - 1, first) else first), (last + 1 if joins(last, last + 1) else last)
