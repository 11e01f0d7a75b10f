"""A user agent in plain words ("Firefox on Linux"), for the sessions page.

Only the few browsers and systems people actually sign in with are named; anything else
is "a browser" or "a program", which is all a member needs to tell their sessions apart.
The raw string stays on the page beside it, for whoever wants the detail.
"""

from __future__ import annotations

import re

# Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
    (r"curl/|Wget/|python-requests|httpx|Go-http-client|Werkzeug/", "a program"),
)
SYSTEMS = (
    (r"iPhone", "an iPhone"),
    (r"iPad", "an iPad"),
    (r"Android", "Android"),
    (r"CrOS", "ChromeOS"),
    (r"Windows", "Windows"),
    (r"Macintosh|Mac OS X", "macOS"),
    (r"Linux|X11", "Linux"),
)


def describe_device(user_agent: str | None) -> str:
    agent = user_agent or ""
    browser = next((name for pattern, name in BROWSERS if re.search(pattern, agent)), None)
    system = next((name for pattern, name in SYSTEMS if re.search(pattern, agent)), None)
    if browser is None and system is None:
        return "Unknown browser" if not agent else "A browser"
    if system is None:
        return browser[0].upper() + browser[1:] if browser else "A browser"
    return f"{browser or 'A browser'} on {system}"
