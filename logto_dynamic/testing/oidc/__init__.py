"""The OIDC provider side of the embedded server: apps, authorization, tokens, sessions,
keys, machine-to-machine apps."""
