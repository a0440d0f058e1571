"""Typed models: findings, evidence per category, run summaries."""
