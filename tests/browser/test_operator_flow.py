"""An operator's day in a real browser (Debian's Chromium driven by Playwright)."""

import os
import re
from pathlib import Path

import pytest
import requests
from django.conf import settings
from rest_framework.authtoken.models import Token

from delivery.models import Attempt
from mkwebhooks.projects.models import Membership, Project, Role
from tests import factories
from tests.conftest import make_user
from tests.delivery.test_end_to_end import wait_until

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
SECRET = "Bearer browser-typed-secret-41c"
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def sign_in(browser, live_server, username: str, password: str = "pw-123456789", admin=False):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    login = "/admin/login/" if admin else "/accounts/login/"
    page.goto(f"{live_server.url}{login}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[type=submit]")
    return page


def create_rule_in_admin(page, live_server, project, url: str) -> None:
    page.goto(f"{live_server.url}/admin/rules/webhookrule/add/")
    page.select_option("select[name=project]", str(project.pk))
    page.fill("input[name=name]", "browser-rule")
    page.fill("input[name=url]", url)
    page.check("input[name=events][value='MediaKind.JobStarted']")
    page.locator("input[name=headers-key]").first.fill("X-Team")
    page.locator("input[name=headers-value]").first.fill("media")
    page.select_option("select[name=secrets-0-location]", "header")
    page.fill("input[name=secrets-0-name]", "Authorization")
    page.fill("input[name=secrets-0-value]", SECRET)
    page.screenshot(path=SCREENSHOTS / "admin-rule.png", full_page=True)
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/admin/rules/webhookrule/$"))


def start_job_via_api(live_server, project) -> None:
    token = Token.objects.create(user=make_user("api-client", staff=True)).key
    api = f"{live_server.url}/api/v1/projects/{project.name}"
    headers = {"Authorization": f"Bearer {token}"}
    requests.put(f"{api}/media/transforms/encode", json={}, headers=headers, timeout=10)
    requests.put(f"{api}/media/transforms/encode/jobs/j1", json={}, headers=headers, timeout=10)
    body = {"properties": {"state": "Processing"}}
    response = requests.patch(
        f"{api}/transforms/encode/jobs/j1", json=body, headers=headers, timeout=10
    )
    assert response.status_code == 200


def test_operator_reviews_and_redelivers_in_a_browser(
    live_server, cluster, browser, receiver, project
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    get_user = make_user("operator", staff=True)
    get_user.is_superuser = True
    get_user.save()
    page = sign_in(browser, live_server, "operator", admin=True)
    create_rule_in_admin(page, live_server, project, receiver.url + "/hook")
    start_job_via_api(live_server, project)
    receiver.wait_for(1)
    assert receiver.requests[0].headers["Authorization"] == SECRET

    page.goto(f"{live_server.url}/deliveries/")
    assert "MediaKind.JobStarted" in page.content()
    page.screenshot(path=SCREENSHOTS / "deliveries.png", full_page=True)
    page.click("tbody a >> nth=0")  # the newest delivery
    page.wait_for_selector("text=Attempts")
    assert "Authorization: ********" in page.content() and "browser-typed" not in page.content()

    receiver.responses = [(500, {}, 0)]  # the receiver breaks; the operator re-delivers
    page.click("text=Re-deliver")
    # Recorded, not merely claimed: the page shows what is in the log at load time.
    wait_until(lambda: Attempt.objects.filter(response_status=500).exists())
    page.reload()
    page.wait_for_selector("text=500")
    page.screenshot(path=SCREENSHOTS / "event.png", full_page=True)
    page.goto(f"{live_server.url}/deliveries/rules/{project.name}/browser-rule/")
    assert "<svg" in page.content()
    page.screenshot(path=SCREENSHOTS / "rule-health.png", full_page=True)


def test_viewer_sees_no_redeliver_button_nor_other_projects(live_server, cluster, browser, project):
    factories.rule(project, "https://hooks.example.com/", name="theirs")
    other = Project.objects.create(name="elsewhere")
    factories.rule(other, "https://hooks.example.com/", name="secret-project-rule")
    for each in (project, other):
        job = factories.job(each)
        job.state = "Processing"
        job.save()
    viewer = make_user("viewer-in-browser")
    Membership.objects.create(project=project, user=viewer, role=Role.VIEWER)
    page = sign_in(browser, live_server, "viewer-in-browser")
    page.goto(f"{live_server.url}/deliveries/")
    assert "studio/theirs" in page.content() and "secret-project-rule" not in page.content()
    page.click("tbody a >> nth=0")
    page.wait_for_selector("text=Attempts")
    assert page.locator("text=Re-deliver").count() == 0
