"""Checking values against a document: schemas, parameters, requests, responses, violations.

The two checkers a :class:`~logto_dynamic.Spec` owns, one per direction: ``_request_checker``
(``Spec.requests``: a call's decoded parts, or raw requests) and ``_responses``
(``Spec.responses``: raw status, content type and body); each has a fast ``is_valid`` beside
its full check, and its own bounded memo of what the message's head decides.
"""
