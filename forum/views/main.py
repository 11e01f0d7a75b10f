from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user

from forum.extensions import db
from forum.infra.page_cache import cached_page
from forum.infra.pages import LOOKAHEAD_PAGES, paginate
from forum.queries import feeds, listings, unread
from forum.services.votes import viewer_votes
from forum.web.paging import page_arg

bp = Blueprint("main", __name__)


@bp.route("/")
@cached_page
def index():
    sort = request.args.get("sort", listings.SORTS[0])
    unknown_sort = None
    if sort not in listings.SORTS:
        unknown_sort, sort = sort, listings.SORTS[0]
    tag = None
    if tag_name := request.args.get("tag"):
        tag = listings.visible_tag_or_404(current_user, tag_name)
    groups_only = request.args.get("view") == "groups" and current_user.is_authenticated
    posts = paginate(
        listings.as_cards(listings.front_page(current_user, sort, tag, groups_only=groups_only), current_user),
        page_arg(),
        current_app.config["POSTS_PER_PAGE"],
        lookahead=LOOKAHEAD_PAGES,
    )
    return render_template(
        "main/index.html",
        posts=posts,
        sort=sort,
        sorts=listings.SORTS,
        sort_labels=listings.SORT_LABELS,
        tag=tag,
        groups_only=groups_only,
        tag_feed=tag is not None and feeds.tag_has_feed(tag),
        votes=viewer_votes(current_user, post_ids=[p.id for p in posts.items]),
        unknown_sort=unknown_sort,
        new_counts=unread.new_comment_counts(current_user, [p.id for p in posts.items]),
    )


@bp.route("/tags")
@cached_page
def tags():
    rows = db.session.execute(listings.tags_with_counts(current_user)).all()
    return render_template("main/tags.html", rows=rows)


@bp.route("/tags/<name>")
@cached_page
def tag(name: str):
    tag = listings.visible_tag_or_404(current_user, name)
    posts = paginate(
        listings.as_cards(listings.front_page(current_user, "new", tag), current_user),
        page_arg(),
        current_app.config["POSTS_PER_PAGE"],
    )
    return render_template(
        "main/tag.html",
        tag=tag,
        posts=posts,
        tag_feed=feeds.tag_has_feed(tag),
        votes=viewer_votes(current_user, post_ids=[p.id for p in posts.items]),
    )


@bp.route("/autocomplete/tags")
def suggest_tags():
    prefix = request.args.get("q", "").strip()[:48]
    rows = db.session.execute(listings.tags_with_counts(current_user, prefix).limit(10)).all()
    return jsonify([{"name": r.Tag.name, "posts": r.n_posts} for r in rows])


@bp.route("/about")
def about():
    return render_template("main/about.html")
