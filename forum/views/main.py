from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user
from markupsafe import Markup

from forum.extensions import db
from forum.infra.page_cache import cached_page
from forum.infra.pages import LOOKAHEAD_PAGES, Page
from forum.queries import feeds, listings, unread
from forum.rendering import listing_html
from forum.services.votes import viewer_post_votes
from forum.web.paging import page_arg

bp = Blueprint("main", __name__)


@bp.route("/")
@cached_page
def index():
    viewer = current_user._get_current_object()  # the proxy looked up once, not in every helper
    sort = request.args.get("sort", listings.SORTS[0])
    unknown_sort = None
    if sort not in listings.SORTS:
        unknown_sort, sort = sort, listings.SORTS[0]
    tag = None
    if tag_name := request.args.get("tag"):
        tag = listings.visible_tag_or_404(viewer, tag_name)
    groups_only = request.args.get("view") == "groups" and viewer.is_authenticated
    posts = listings.card_page(
        viewer,
        "groups" if groups_only else "tag" if tag is not None else "all",
        page_arg(),
        current_app.config["POSTS_PER_PAGE"],
        sort=sort,
        lookahead=LOOKAHEAD_PAGES,
        tag=tag,
    )
    post_ids = [row.id for row in posts.items]
    return render_template(
        "main/index.html",
        posts=posts,
        cards=_cards(viewer, posts, post_ids, new_counts=unread.new_comment_counts(viewer, post_ids)),
        sort=sort,
        sorts=listings.SORTS,
        sort_labels=listings.SORT_LABELS,
        tag=tag,
        groups_only=groups_only,
        tag_feed=tag is not None and _has_feed(viewer, tag),
        unknown_sort=unknown_sort,
    )


def _has_feed(viewer, tag) -> bool:
    """Whether the tag's public feed exists: an anonymous reader may list a post with it.
    A visitor just found the tag by that same rule (`visible_tag_or_404`): no second look."""
    return not viewer.is_authenticated or feeds.tag_has_feed(tag)


def _cards(viewer, posts: Page, post_ids: list[int], new_counts: dict[int, int] | None = None) -> Markup:
    """A page of cards with the viewer's votes and "new" counts on them."""
    return listing_html.page_of_cards(posts.items, viewer_post_votes(viewer, post_ids), new_counts)


@bp.route("/tags")
@cached_page
def tags():
    rows = db.session.execute(listings.tags_with_counts(current_user)).all()
    return render_template("main/tags.html", rows=rows)


@bp.route("/tags/<name>")
@cached_page
def tag(name: str):
    viewer = current_user._get_current_object()  # the proxy looked up once, not in every helper
    tag = listings.visible_tag_or_404(viewer, name)
    posts = listings.card_page(viewer, "tag", page_arg(), current_app.config["POSTS_PER_PAGE"], tag=tag)
    return render_template(
        "main/tag.html",
        tag=tag,
        posts=posts,
        cards=_cards(viewer, posts, [row.id for row in posts.items]),
        tag_feed=_has_feed(viewer, tag),
    )


@bp.route("/autocomplete/tags")
def suggest_tags():
    prefix = request.args.get("q", "").strip()[:48]
    rows = db.session.execute(listings.tags_with_counts(current_user, prefix).limit(10)).all()
    return jsonify([{"name": r.Tag.name, "posts": r.n_posts} for r in rows])


@bp.route("/about")
def about():
    return render_template("main/about.html")
