"""Framework glue, one module per web framework: what its middleware reads from a request, and
how cookies reach its responses. Each module imports its framework; importing it without the
framework installed raises an ImportError naming the extra to install
(``pip install "lucia-core[starlette]"``...).

| module | for | cookies reach the response through |
| --- | --- | --- |
| :mod:`.asgi` | any ASGI application (no dependency) | :class:`~.asgi.ASGICookies` |
| :mod:`.starlette` | Starlette, FastAPI | :class:`~.asgi.ASGICookies`, or an explicit response |
| :mod:`.fastapi` | FastAPI dependencies | :class:`~.asgi.ASGICookies` |
| :mod:`.aiohttp` | aiohttp.web | :func:`~.aiohttp.setup`, or an explicit response |
| :mod:`.django` | Django (async views) | :class:`~.django.DjangoCookies`, or an explicit response |
| :mod:`.litestar` | Litestar | :class:`~.asgi.ASGICookies`, or an explicit response |
"""
