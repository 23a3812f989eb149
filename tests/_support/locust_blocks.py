"""A locustfile that runs every building block of ``LogtoUser`` (for tests/load).

Configured as ``docs/examples/locustfile.py`` is. Each iteration: sign in as the seeded
account, userinfo, the app's API (here ``/oidc/me`` under a name of its own), refresh, a
Management API call, sign out; then register a new account with TOTP and sign in with it.
"""

import os

from locust import constant, task

from logto_dynamic.load import LogtoUser

BASE_URL = os.environ["LOGTO_BASE_URL"].rstrip("/")


class BlocksUser(LogtoUser):
    host = BASE_URL
    m2m_app = (os.environ["LOGTO_M2M_APP_ID"], os.environ["LOGTO_M2M_APP_SECRET"])
    seed_users = int(os.environ["LOGTO_LOAD_USERS"])
    api_url = f"{BASE_URL}/oidc/me"
    wait_time = constant(0)

    @task
    def every_block(self) -> None:
        self.sign_in()
        self.userinfo()
        self.call_api()
        self.refresh()
        self.management_call("ListUsers", query={"page_size": 5})
        self.sign_out()
        self.register(totp=True)
        self.sign_out()
        self.sign_in()  # the registered account, with a code of its new TOTP secret
        self.sign_out()
