"""Checking raw HTTP traffic (bytes in): the traffic validator and HAR files."""
