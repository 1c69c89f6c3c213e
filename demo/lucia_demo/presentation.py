"""How values appear on the pages: dates, "in 3 hours", and a browser's name from its user agent."""

from __future__ import annotations

from datetime import datetime, timezone

from lucia_core.backends import BACKENDS

#: What the session list says about a session created before the demo stored user agents.
UNKNOWN_DEVICE = "Unknown browser"

# Checked in order: the first token found names the browser (Edge and Opera also say "Chrome",
# Chrome also says "Safari").
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("HeadlessChrome/", "Headless Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-httpx/", "HTTPX"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_user_agent(user_agent: str | None) -> str:
    """A short name for a browser, ``"Firefox on Linux"``, from its ``User-Agent`` header."""
    if not user_agent:
        return UNKNOWN_DEVICE
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or UNKNOWN_DEVICE


def format_datetime(moment: datetime) -> str:
    """``"14 Mar 2025, 09:05 UTC"``."""
    return moment.astimezone(timezone.utc).strftime("%d %b %Y, %H:%M UTC")


def from_unix_ms(milliseconds: object) -> datetime | None:
    """The UTC datetime of a unix-milliseconds attribute, or None when it is not a number."""
    if isinstance(milliseconds, bool) or not isinstance(milliseconds, (int, float)):
        return None
    return datetime.fromtimestamp(milliseconds / 1000, tz=timezone.utc)


def relative_time(moment: datetime, now: datetime | None = None) -> str:
    """``"in 23 hours"``, ``"5 minutes ago"``, ``"just now"``: the distance to ``moment`` in its
    largest whole unit."""
    now = now or datetime.now(timezone.utc)
    seconds = (moment - now).total_seconds()
    distance = abs(seconds)
    if distance < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if distance >= size:
            count = int(distance // size)
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {text}" if seconds > 0 else f"{text} ago"
    raise AssertionError("unreachable")  # pragma: no cover


# The backend each adapter package stores in, by the package's name.
_BACKENDS = {backend.package: backend.label for backend in BACKENDS.values()}


def _kind(adapter: object) -> str:
    return _BACKENDS.get(type(adapter).__module__.partition(".")[0], "a custom adapter")


def backend_kind(adapter: object) -> str:
    """Where the data lives, as the kind of backend only ("SQLite", "PostgreSQL users, Redis
    sessions"): the footer is shown to anonymous visitors, so no path, host or URL."""
    users, sessions = getattr(adapter, "user_adapter", adapter), getattr(adapter, "session_adapter", adapter)
    if _kind(users) == _kind(sessions):
        return _kind(users)
    return f"{_kind(users)} users, {_kind(sessions)} sessions"
