"""Turning stored content into what a reader sees: Markdown to sanitized HTML (markup.py and its parts:
math, highlighted code, heading outlines), threads and vote widgets built in Python, Atom, and the Jinja setup."""
