"""Signing in without a browser: OIDC rounds, interaction steps and flows, tokens, TOTP."""
