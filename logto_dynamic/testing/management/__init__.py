"""The Management API of the embedded server: its routes and handlers."""
