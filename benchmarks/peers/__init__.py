"""Peers that lucia-core's session-validation benchmark compares against, on the same PostgreSQL.

- :mod:`benchmarks.peers.fastapi_users_peer`: fastapi-users' database strategy (SQLAlchemy async, asyncpg).
- :mod:`benchmarks.peers.django_peer`: Django's session authentication (``contrib.sessions`` database
  backend, ``contrib.auth``) behind its middleware, psycopg 3.
- :mod:`benchmarks.peers.lucia_node_peer`: Lucia v2 (2.7.7) on Node.js with its PostgreSQL adapter (pg).
"""
