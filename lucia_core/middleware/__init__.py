"""Middleware: turns a framework's request (and response) into a :class:`RequestContext`.

A middleware is a callable taking a :class:`MiddlewareRequest` (the arguments given to
``Auth.handle_request`` plus the configuration it may need) and returning a ``RequestContext``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..request import RequestContext


@dataclass(frozen=True, slots=True)
class MiddlewareRequest:
    """What a middleware receives: ``args`` as given to ``handle_request``, the ``env`` and the
    session cookie's name."""

    args: tuple[Any, ...]
    env: str
    session_cookie_name: str


Middleware = Callable[[MiddlewareRequest], RequestContext]

_CONTEXT_KEYS = {"method", "url", "headers", "set_cookie", "session_cookie"}


def lucia() -> Middleware:
    """The default middleware: ``handle_request`` takes one plain request context.

    Either a :class:`RequestContext` or a dict with its fields (``method``, ``url``, ``headers``,
    optional ``set_cookie`` and ``session_cookie``).
    """

    def middleware(request: MiddlewareRequest) -> RequestContext:
        if len(request.args) != 1:
            raise TypeError("handle_request() with the default middleware takes one request context")
        (context,) = request.args
        if isinstance(context, RequestContext):
            return context
        if isinstance(context, Mapping):
            unknown = set(context) - _CONTEXT_KEYS
            if unknown:
                raise ValueError(f"unknown request context keys: {', '.join(sorted(map(str, unknown)))}")
            return RequestContext(**context)
        raise TypeError("handle_request() expects a RequestContext or a dict of its fields")

    return middleware


__all__ = ["Middleware", "MiddlewareRequest", "RequestContext", "lucia"]
