"""The language layer: normalisation, sentences, tokens and bigrams of Chinese text, with the
lexicon (punctuation, measure words, titles, function words) they are all built from."""
