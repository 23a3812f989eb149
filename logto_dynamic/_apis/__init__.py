"""Clients of Logto's other APIs over the same engine: the Management API (machine-to-machine
tokens) and, next, the Account API (a signed-in user's token)."""
