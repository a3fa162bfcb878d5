"""Warta's retrieval core: corpus loading, exact-span chunking, text analysis and BM25."""
