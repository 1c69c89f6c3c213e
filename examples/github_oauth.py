import os

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from lucia_core import Auth
from lucia_core.frameworks.asgi import ASGICookies
from lucia_core.oauth import OAuthRequestError, OAuthStateError, oauth_state_cookies
from lucia_core.oauth.providers import github


def create_app(auth: Auth, http_client: httpx.AsyncClient | None = None) -> Starlette:
    github_auth = github(
        auth,
        client_id=os.environ["GITHUB_CLIENT_ID"],
        client_secret=os.environ["GITHUB_CLIENT_SECRET"],
        http_client=http_client,
    )
    state_cookies = oauth_state_cookies(auth, "github")  # HttpOnly, SameSite=Lax, 10 minutes

    async def login(request: Request) -> Response:
        url, state = await github_auth.get_authorization_url()
        state_cookies.start(auth.handle_request(request), state)
        return RedirectResponse(url)

    async def callback(request: Request) -> Response:
        auth_request = auth.handle_request(request)
        try:  # the state must be this browser's (constant-time check); the cookies are cleared
            state_cookies.finish(auth_request, request.query_params.get("state"))
            github_user = await github_auth.validate_callback(request.query_params.get("code", ""))
        except (OAuthStateError, OAuthRequestError, ValueError):
            return PlainTextResponse("GitHub sign-in failed", status_code=400)
        user = await github_user.get_existing_user() or await github_user.create_user(
            attributes={"username": github_user.github_user["login"]}
        )
        auth_request.set_session(await auth.create_session(user_id=user.user_id, attributes={}))
        return RedirectResponse("/", status_code=303)

    routes = [Route("/login/github", login), Route("/login/github/callback", callback)]
    return Starlette(routes=routes, middleware=[Middleware(ASGICookies)])
