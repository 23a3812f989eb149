"""The Experience API of the embedded server: handlers, codes, rate caps, one-time tokens, MFA."""
