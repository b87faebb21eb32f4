"""Extractive question answering over Chinese news archives."""
