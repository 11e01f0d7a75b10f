"""Settings for writing: the audience a new post starts with."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.forms import show_error
from forum.forms.posts import DefaultAudienceForm
from forum.services import ServiceError, default_audience

bp = Blueprint("writing_settings", __name__)


@bp.route("/settings/writing", methods=["GET", "POST"])
@login_required
def index():
    form = DefaultAudienceForm()
    form.default_audience.choices = default_audience.choices(current_user)
    if request.method == "GET":
        form.default_audience.data = current_user.default_audience or default_audience.ASK
    elif form.validate_on_submit():
        try:
            default_audience.set_default(current_user, form.default_audience.data or default_audience.ASK)
        except ServiceError as error:
            show_error(form, error)
        else:
            flash("Saved: new posts start with this audience.", "success")
            return redirect(url_for("writing_settings.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("settings/writing.html", form=form), status
