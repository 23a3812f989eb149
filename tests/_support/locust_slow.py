"""A locustfile whose users wait on a slow server through LogtoUser's client (for tests/load).

``LOGTO_BASE_URL`` is the echo upstream (``upstream_apps.py echo``), which answers after
``?delay=`` seconds. If httpx blocked gevent's loop, the users would wait one after another.
"""

import os

from locust import constant, task

from logto_dynamic.load import LogtoUser


class SlowApiUser(LogtoUser):
    host = os.environ["LOGTO_BASE_URL"]
    wait_time = constant(0)

    @task
    def slow(self) -> None:
        url = f"{self.host}/slow?delay=0.25"
        self.session.reporter.request(self.session.client, "slow", method="GET", url=url)
