"""The answer layer: a question read in its conversation, the retrieved passages read for the
sentence(s) that answer it, and the typed answer. :mod:`qa.answer.reader` is its front door."""
