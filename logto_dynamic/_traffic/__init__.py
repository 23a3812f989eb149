"""Checking raw HTTP traffic (bytes in): the traffic validator, its plans, HAR files."""
