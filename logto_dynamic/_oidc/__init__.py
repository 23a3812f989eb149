"""The OIDC client side: authorization requests, token rounds, tokens and their lifecycle,
machine-to-machine tokens and access-token verification."""
