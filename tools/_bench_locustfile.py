"""The locustfile of ``tools/bench_load.py``: sign-ins only, through ``LogtoUser``.

Configured as ``docs/examples/locustfile.py`` is (``LOGTO_BASE_URL``, ``LOGTO_M2M_APP_ID``,
``LOGTO_M2M_APP_SECRET``, ``LOGTO_LOAD_USERS``); each user signs in again and again with its
own seeded account, as fast as the server answers.
"""

import os

from locust import constant, task

from logto_dynamic.load import LogtoUser


class SignInOnly(LogtoUser):
    host = os.environ["LOGTO_BASE_URL"]
    m2m_app = (os.environ["LOGTO_M2M_APP_ID"], os.environ["LOGTO_M2M_APP_SECRET"])
    seed_users = int(os.environ.get("LOGTO_LOAD_USERS", "8"))
    wait_time = constant(0)

    @task
    def sign_in(self) -> None:
        super().sign_in()
