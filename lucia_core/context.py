"""What a middleware makes of a framework's request: a :class:`RequestContext`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .cookie import Cookie
from .masking import RequestHeaders

#: A middleware: called with the arguments given to ``Auth.handle_request``, returns their context.
Middleware = Callable[..., "RequestContext"]

# The frameworks with a middleware of their own, by the top-level package of their request types.
_FRAMEWORKS = {
    "starlette": "starlette",
    "fastapi": "starlette",
    "aiohttp": "aiohttp",
    "django": "django",
    "litestar": "litestar",
}


@dataclass(slots=True, repr=False)
class RequestContext:
    """A framework-neutral view of one request, built by a middleware.

    ``headers`` is read case-insensitively (it is stored with lowercase names). ``set_cookie``
    writes a cookie on the response, or is None when the response cannot carry cookies.
    ``websocket`` marks a WebSocket handshake; a request with ``Upgrade: websocket`` or a
    ``Sec-WebSocket-Key`` is one too.
    Its repr masks the credentials (cookie, ``Authorization``, the URL's query).
    """

    method: str
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=RequestHeaders)
    set_cookie: Callable[[Cookie], None] | None = None
    websocket: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.method, str):
            raise TypeError("method must be a str")
        # ASCII case only: Unicode case mapping turns "OPTION\u017f" (a long s) into "OPTIONS".
        self.method = self.method.upper() if self.method.isascii() else self.method
        self.headers = RequestHeaders({str(name).lower(): value for name, value in self.headers.items()})
        if not self.websocket:
            upgrade = self.header("upgrade")
            self.websocket = (upgrade is not None and "websocket" in upgrade.lower()) or (
                "sec-websocket-key" in self.headers
            )

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None when absent or not a str."""
        value = self.headers.get(name.lower())
        return value if isinstance(value, str) else None

    def url_host(self) -> str | None:
        """The ``host[:port]`` of :attr:`url`, or None when the URL has none."""
        try:
            return urlsplit(self.url).netloc.rpartition("@")[2] or None
        except ValueError:
            return None

    def __repr__(self) -> str:
        url, query, _ = self.url.partition("?")
        shown = f"{url}?..." if query else url
        return (
            f"RequestContext(method={self.method!r}, url={shown!r}, headers={self.headers!r}, "
            f"websocket={self.websocket!r})"
        )


_CONTEXT_KEYS = frozenset(RequestContext.__dataclass_fields__)


def plain_request_context(*args: Any) -> RequestContext:
    """The default middleware: ``handle_request`` takes one :class:`RequestContext`, or a dict of
    its fields. A framework's request gets a TypeError naming the middleware to configure."""
    if len(args) == 1 and isinstance(args[0], RequestContext):
        return args[0]
    framework = type(args[0]).__module__.partition(".")[0] if args else ""
    if (
        len(args) == 1
        and isinstance(args[0], Mapping)
        and "type" not in args[0]
        and framework not in _FRAMEWORKS
    ):
        unknown = set(args[0]) - _CONTEXT_KEYS
        if unknown:
            raise ValueError(
                f"unknown request context keys: {', '.join(sorted(map(str, unknown)))}; "
                f"the keys are {', '.join(sorted(_CONTEXT_KEYS))}"
            )
        return RequestContext(**args[0])
    raise TypeError(_wrong_arguments(args))


def _wrong_arguments(args: tuple[Any, ...]) -> str:
    usage = "handle_request() with the default middleware takes one RequestContext or a dict of its fields"
    if not args:
        return usage
    first = args[0]
    package = type(first).__module__.partition(".")[0]
    if package in _FRAMEWORKS:
        name = _FRAMEWORKS[package]
        return (
            f"{usage}, not a {type(first).__module__}.{type(first).__qualname__}: configure the "
            f"{name} middleware, lucia(..., middleware=lucia_core.middleware.{name}())"
        )
    if isinstance(first, Mapping) and first.get("type") in ("http", "websocket"):
        return (
            f"{usage}, not an ASGI scope: configure the ASGI middleware, "
            "lucia(..., middleware=lucia_core.middleware.asgi())"
        )
    return f"{usage}, not {', '.join(type(arg).__name__ for arg in args)}"


__all__ = ["Middleware", "RequestContext", "plain_request_context"]
