"""The reference for bench/page_bench.py: bare Flask rendering a 20-item Jinja list with
`render_template`, served by gunicorn exactly like the forum (`gunicorn -w 2 bench.reference.app:app`).
It is what "as fast as the platform allows" is measured against."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template

app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent / "templates"))
ITEMS = [{"id": i, "title": f"Item number {i}", "author": f"author{i % 7}"} for i in range(20)]


@app.route("/")
def index():
    return render_template("list.html", items=ITEMS)
