"""The search page: what the viewer may read, by words and phrases."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from forum.infra.page_cache import cached_page
from forum.rendering import search_html
from forum.search import service
from forum.web.paging import page_arg

bp = Blueprint("search", __name__)


@bp.route("/search")
@cached_page  # indexing.apply replaces the generation once the index has the write
def results():
    query = service.parse_query(current_user, request.args)
    found = None
    if query.text.strip():
        found = service.search(
            current_user, query.text, page=page_arg(), per_page=current_app.config["SEARCH_PER_PAGE"], **query.filters()
        )
    return render_template(
        "search/results.html",
        query=query,
        found=found,
        hits=search_html.hits_html(found.items) if found is not None else "",
        groups=service.searchable_groups(current_user),
        may_include_removed=service.may_include_removed(current_user),
    )
