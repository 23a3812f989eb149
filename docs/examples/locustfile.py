"""A Logto sign-in load test: sign in, call userinfo, refresh, sign out, every answer validated.

Configured only by environment variables (docs/load-testing.md):
LOGTO_BASE_URL (the Logto endpoint), LOGTO_APP_ID and LOGTO_REDIRECT_URI (the app users sign in
to; default demo-app and {LOGTO_BASE_URL}/demo-app), LOGTO_M2M_APP_ID and LOGTO_M2M_APP_SECRET
(an M2M app with the Management API role, to seed the test accounts), LOGTO_LOAD_USERS (how
many accounts; default 10). Against the embedded server:

    logto-dynamic serve --port 3001 --m2m-app m2m:secret
    LOGTO_BASE_URL=http://127.0.0.1:3001 LOGTO_M2M_APP_ID=m2m LOGTO_M2M_APP_SECRET=secret \\
        locust -f docs/examples/locustfile.py --headless -u 10 -r 10 --run-time 30s
"""

import os

from locust import constant, task

from logto_dynamic.load import LogtoUser

BASE_URL = os.environ["LOGTO_BASE_URL"].rstrip("/")


class SignInUser(LogtoUser):
    host = BASE_URL
    app_id = os.environ.get("LOGTO_APP_ID", "demo-app")
    redirect_uri = os.environ.get("LOGTO_REDIRECT_URI", f"{BASE_URL}/demo-app")
    m2m_app = (os.environ["LOGTO_M2M_APP_ID"], os.environ["LOGTO_M2M_APP_SECRET"])
    seed_users = int(os.environ.get("LOGTO_LOAD_USERS", "10"))
    wait_time = constant(0)

    @task
    def sign_in_call_refresh_sign_out(self) -> None:
        self.journey()
