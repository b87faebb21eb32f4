"""The embedding model and the vector index: text in, normalised vectors and nearest neighbours out."""
