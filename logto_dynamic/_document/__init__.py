"""Reading OpenAPI documents: loading, references, names, the Logto dialect, lint and diff."""
