"""Versioned checklists: item lists that are data, published in versions that never change."""
