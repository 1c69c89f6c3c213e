"""One module per web framework: what its middleware reads from a request, and how cookies reach
its responses. Each module imports its framework; importing it without the framework installed
raises an ImportError naming the extra to install (``pip install "lucia-core[starlette]"``...).

| module | for | cookies reach the response through |
| --- | --- | --- |
| :mod:`.asgi` | any ASGI application (no dependency) | :class:`~.asgi.LuciaMiddleware` |
| :mod:`.starlette` | Starlette, FastAPI | :class:`~.asgi.LuciaMiddleware`, or an explicit response |
| :mod:`.fastapi` | FastAPI dependencies | :class:`~.asgi.LuciaMiddleware` |
| :mod:`.aiohttp` | aiohttp.web | :func:`~.aiohttp.setup`, or an explicit response |
| :mod:`.django` | Django (async views) | :class:`~.django.LuciaMiddleware`, or an explicit response |
| :mod:`.litestar` | Litestar | :class:`~.asgi.LuciaMiddleware`, or an explicit response |
"""
