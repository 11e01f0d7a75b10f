"""Settings in one place: the hub at /settings and the side menu every settings page shows.

Each section is a view in its feature's blueprint (profile in users, notification email
in notifications, tokens in tokens...); this module only lists them, in the order the
menu shows. A section whose blueprint is not registered is left out of the menu, so a
feature can be added by registering its view and naming it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required


@dataclass(frozen=True)
class Section:
    endpoint: str
    label: str
    about: str
    part: str  # "Profile", "Account" or "Notifications": the menu's headings


SECTIONS: tuple[Section, ...] = (
    Section("users.edit_profile", "Profile", "Name, bio, interests, and whether you are open to contact.", "Profile"),
    Section("writing_settings.index", "Writing", "Who a new post is for unless you choose otherwise.", "Profile"),
    Section("account.email", "Email", "The address your account is verified by and mail goes to.", "Account"),
    Section("account.password", "Password", "Change your password.", "Account"),
    Section("two_factor.index", "Two-factor sign-in", "Authenticator codes, recovery codes, security keys.", "Account"),
    Section("sessions.index", "Sessions and tokens", "Where you are signed in; end any session.", "Account"),
    Section("tokens.tokens", "API tokens", "Tokens that let scripts call the API as you.", "Account"),
    Section("feed_settings.settings", "Private feed", "The Atom feed of what you can read.", "Account"),
    Section("invites.index", "Invites", "Codes that let people you know register.", "Account"),
    Section("data.index", "Your data", "Download everything you wrote, or delete your account.", "Account"),
    Section("blocks.blocked", "Blocked people", "Members you block; only you see this list.", "Notifications"),
    Section("notifications.settings", "Notification email", "What reaches your inbox, and how often.", "Notifications"),
)


def sections() -> list[Section]:
    """The sections this app serves, in menu order."""
    return [s for s in SECTIONS if s.endpoint in current_app.view_functions]


bp = Blueprint("settings", __name__)


@bp.app_context_processor
def _settings_menu() -> dict:
    # Only settings pages (under /settings) render the menu; others never pay for it.
    if not request.path.startswith("/settings"):
        return {}
    return {"settings_sections": sections()}


@bp.route("/settings")
@login_required
def index():
    return render_template("settings/index.html")
