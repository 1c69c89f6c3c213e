"""lucia-core's demo: a small server-rendered web application using username-and-password sign-in.

``python -m lucia_demo`` serves it on http://127.0.0.1:8000 over an SQLite file. It shows
sign-up and login with a password key, the session cookie set through ``ASGICookies``, the
current session's state and expiry, every live session of the user, signing out (of this
session, or of all the others), changing the password (which ends every other session), and
Lucia's CSRF check refusing forms posted from other sites.

For tests and embedding: ``storage = await open_storage(url)``, then ``create_app(storage)``.
"""

from .app import create_app
from .settings import Settings
from .storage import Storage, open_storage

__all__ = ["Settings", "Storage", "create_app", "open_storage"]
