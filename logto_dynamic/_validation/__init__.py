"""Checking values against a document: schemas, parameters, requests, responses, violations."""
