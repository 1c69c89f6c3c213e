"""The built-in providers: Lucia v2's 27, plus ``oidc`` for any OpenID Provider by discovery.

Each is a factory ``name(auth, *, client_id=..., ...)`` (also its class, ``GithubAuth``...),
taking Lucia v2's options for it in snake_case and an optional ``http_client=``.
"""

from collections.abc import Callable
from typing import Any

from ..provider import OAuth2ProviderAuth, OAuth2ProviderAuthWithPKCE
from .apple import AppleAuth, AppleUserAuth, apple
from .atlassian import AtlassianAuth, AtlassianUserAuth, atlassian
from .auth0 import Auth0Auth, Auth0UserAuth, auth0
from .azure_ad import AzureAdAuth, AzureAdUserAuth, azure_ad
from .bitbucket import BitbucketAuth, BitbucketUserAuth, bitbucket
from .box import BoxAuth, BoxUserAuth, box
from .cognito import CognitoAuth, CognitoTokens, CognitoUserAuth, cognito
from .discord import DiscordAuth, DiscordUserAuth, discord
from .dropbox import DropboxAuth, DropboxUserAuth, dropbox
from .facebook import FacebookAuth, FacebookUserAuth, facebook
from .github import GithubAuth, GithubTokens, GithubUserAuth, github
from .gitlab import GitlabAuth, GitlabUserAuth, gitlab
from .google import GoogleAuth, GoogleUserAuth, google
from .kakao import KakaoAuth, KakaoTokens, KakaoUserAuth, kakao
from .keycloak import KeycloakAuth, KeycloakRole, KeycloakTokens, KeycloakUserAuth, keycloak
from .lichess import LichessAuth, LichessUserAuth, lichess
from .line import LineAuth, LineUserAuth, line
from .linkedin import LinkedinAuth, LinkedinTokens, LinkedinUserAuth, linkedin
from .oidc import OidcAuth, OidcTokens, OidcUserAuth, oidc
from .osu import OsuAuth, OsuUserAuth, osu
from .patreon import PatreonAuth, PatreonUserAuth, patreon
from .reddit import RedditAuth, RedditUserAuth, reddit
from .salesforce import SalesforceAuth, SalesforceUserAuth, salesforce
from .slack import SlackAuth, SlackUserAuth, slack
from .spotify import SpotifyAuth, SpotifyTokens, SpotifyUserAuth, spotify
from .strava import StravaAuth, StravaTokens, StravaUserAuth, strava
from .twitch import TwitchAuth, TwitchUserAuth, twitch
from .twitter import TwitterAuth, TwitterUserAuth, twitter

#: Every built-in provider's factory by its provider id.
PROVIDERS: dict[str, Callable[..., OAuth2ProviderAuth[Any] | OAuth2ProviderAuthWithPKCE[Any]]] = {
    "apple": apple,
    "atlassian": atlassian,
    "auth0": auth0,
    "azure_ad": azure_ad,
    "bitbucket": bitbucket,
    "box": box,
    "cognito": cognito,
    "discord": discord,
    "dropbox": dropbox,
    "facebook": facebook,
    "github": github,
    "gitlab": gitlab,
    "google": google,
    "kakao": kakao,
    "keycloak": keycloak,
    "lichess": lichess,
    "line": line,
    "linkedin": linkedin,
    "oidc": oidc,
    "osu": osu,
    "patreon": patreon,
    "reddit": reddit,
    "salesforce": salesforce,
    "slack": slack,
    "spotify": spotify,
    "strava": strava,
    "twitch": twitch,
    "twitter": twitter,
}

__all__ = [
    "PROVIDERS",
    "AppleAuth",
    "AppleUserAuth",
    "AtlassianAuth",
    "AtlassianUserAuth",
    "Auth0Auth",
    "Auth0UserAuth",
    "AzureAdAuth",
    "AzureAdUserAuth",
    "BitbucketAuth",
    "BitbucketUserAuth",
    "BoxAuth",
    "BoxUserAuth",
    "CognitoAuth",
    "CognitoTokens",
    "CognitoUserAuth",
    "DiscordAuth",
    "DiscordUserAuth",
    "DropboxAuth",
    "DropboxUserAuth",
    "FacebookAuth",
    "FacebookUserAuth",
    "GithubAuth",
    "GithubTokens",
    "GithubUserAuth",
    "GitlabAuth",
    "GitlabUserAuth",
    "GoogleAuth",
    "GoogleUserAuth",
    "KakaoAuth",
    "KakaoTokens",
    "KakaoUserAuth",
    "KeycloakAuth",
    "KeycloakRole",
    "KeycloakTokens",
    "KeycloakUserAuth",
    "LichessAuth",
    "LichessUserAuth",
    "LineAuth",
    "LineUserAuth",
    "LinkedinAuth",
    "LinkedinTokens",
    "LinkedinUserAuth",
    "OidcAuth",
    "OidcTokens",
    "OidcUserAuth",
    "OsuAuth",
    "OsuUserAuth",
    "PatreonAuth",
    "PatreonUserAuth",
    "RedditAuth",
    "RedditUserAuth",
    "SalesforceAuth",
    "SalesforceUserAuth",
    "SlackAuth",
    "SlackUserAuth",
    "SpotifyAuth",
    "SpotifyTokens",
    "SpotifyUserAuth",
    "StravaAuth",
    "StravaTokens",
    "StravaUserAuth",
    "TwitchAuth",
    "TwitchUserAuth",
    "TwitterAuth",
    "TwitterUserAuth",
    "apple",
    "atlassian",
    "auth0",
    "azure_ad",
    "bitbucket",
    "box",
    "cognito",
    "discord",
    "dropbox",
    "facebook",
    "github",
    "gitlab",
    "google",
    "kakao",
    "keycloak",
    "lichess",
    "line",
    "linkedin",
    "oidc",
    "osu",
    "patreon",
    "reddit",
    "salesforce",
    "slack",
    "spotify",
    "strava",
    "twitch",
    "twitter",
]
