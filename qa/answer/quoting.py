"""How much of the source to quote for a chosen sentence: it, and the neighbour it leans on; and where a
sentence's clauses (rows split at ； or a list trailed off with ……) continue one another."""

from __future__ import annotations

import re

from qa.index.snapshot import Snapshot
from qa.text.lexicon import CLOSERS, ELLIPSIS, LEANS_BACK, SEMICOLONS, alternation
from qa.text.normalize import opening

# A sentence opening on one of these leans on the one before it (所以…, 他…, 该公司…, 此外…): quoted
# alone it does not say what it is about, or the thought it finishes is missing.
_LEANS_BACK = re.compile("^" + alternation(LEANS_BACK))


def quote_rows(snapshot: Snapshot, first: int, last: int,
               taken: frozenset[int] | set[int] = frozenset()) -> tuple[int, int]:
    """The first and last sentence rows to quote for the chosen rows ``first``..``last``: those, plus the
    sentence before (all of its clauses) when the first leans back on it, plus the row after when that one
    leans back on the last. Only sentences of the same paragraph that touch in the source join, so the quote
    stays one slice of the source; rows in ``taken`` (quoted for another item) are left to their own quote."""
    def joins(left: int, right: int) -> bool:
        return (not {left, right} & taken and same_paragraph(snapshot, left, right)
                and snapshot.sentences[left].source_end == snapshot.sentences[right].source_start
                and bool(_LEANS_BACK.match(opening(snapshot.sentences[right].text))))

    if joins(first - 1, first):
        # The whole sentence it leans on: a clause of it alone (教学缺少互动) may not hold the thought.
        first = sentence_start(snapshot, first - 1, taken)
    return first, (last + 1 if joins(last, last + 1) else last)


def sentence_start(snapshot: Snapshot, row: int, taken: frozenset[int] | set[int] = frozenset()) -> int:
    """The first clause row of the sentence that row ``row`` belongs to, not reaching into rows ``taken``."""
    while row - 1 not in taken and continues(snapshot, row - 1, row):
        row -= 1
    return row


def continues(snapshot: Snapshot, left: int, right: int) -> bool:
    """Whether row ``right`` is the next clause of the sentence that row ``left`` belongs to."""
    if not same_paragraph(snapshot, left, right):
        return False
    text = snapshot.sentences[left].text.rstrip()
    return text.rstrip(CLOSERS).endswith(tuple(SEMICOLONS)) or text.endswith(ELLIPSIS)


def same_paragraph(snapshot: Snapshot, left: int, right: int) -> bool:
    """Whether rows ``left`` and ``right`` both exist and stand in one paragraph of one document."""
    if left < 0 or right >= len(snapshot.sentences):
        return False
    first, second = snapshot.sentences[left], snapshot.sentences[right]
    return first.doc_id == second.doc_id and first.paragraph == second.paragraph
