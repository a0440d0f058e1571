"""Collectors: evidence per category through the client layer. They collect; they never decide."""
