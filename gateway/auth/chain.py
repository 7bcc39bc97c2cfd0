"""The configured ways to know a caller, tried in order: token file, OIDC, TokenReview.

Cheapest first: a token file lookup is a few hashes, an OIDC check a signature
verification, a TokenReview a call to an API server (which answers for any token,
so it goes last).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence

from gateway.auth.oidc import OidcAuthenticator
from gateway.auth.principal import AuthenticationError, Authenticator, Principal
from gateway.auth.redact import redacted
from gateway.auth.tokenfile import TokenFileAuthenticator, TokenFileError
from gateway.auth.tokenreview import TokenReviewAuthenticator
from gateway.auth.unavailable import VerificationUnavailable
from gateway.clusters import ClusterSource
from gateway.config import Auth, ConfigError

logger = logging.getLogger(__name__)


def build_authenticators(auth: Auth, sources: Sequence[ClusterSource]) -> list[Authenticator]:
    """The methods ``auth`` configures; ConfigError names the setting that cannot be used."""
    found: list[Authenticator] = []
    if auth.token_file is not None:
        try:
            found.append(
                TokenFileAuthenticator(
                    auth.token_file.path, fail_closed=auth.token_file.fail_closed
                )
            )
        except TokenFileError as error:
            raise ConfigError(f"auth.tokenFile.path: {error}") from None
    if auth.oidc is not None:
        found.append(OidcAuthenticator(auth.oidc))
    if auth.token_review is not None:
        wanted = auth.token_review.cluster
        source = next((s for s in sources if s.name == wanted), None)
        if source is None:
            known = ", ".join(s.name for s in sources) or "none"
            raise ConfigError(
                f"auth.tokenReview.cluster: no watched cluster named {wanted} (watched: {known})"
            )
        found.append(TokenReviewAuthenticator(auth.token_review, source))
    return found


async def authenticate(authenticators: Sequence[Authenticator], token: str) -> Principal:
    """The caller behind ``token``; AuthenticationError when no method accepts it.

    A method that fails unexpectedly is logged (its traceback with the token
    redacted) and the caller told to retry later, never shown the failure.
    """
    for authenticator in authenticators:
        try:
            found = await authenticator.authenticate(token)
        except AuthenticationError:
            raise
        except Exception as error:
            logger.error(
                "authentication method failed",
                extra={
                    "method": authenticator.name,
                    "cause": redacted("".join(traceback.format_exception(error)), token),
                },
            )
            raise VerificationUnavailable from None
        if found is not None:
            return found
    raise AuthenticationError("unknown token")
