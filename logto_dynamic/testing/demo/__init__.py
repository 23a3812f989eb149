"""``logto-dynamic demo``: the demo flows and their runner."""
