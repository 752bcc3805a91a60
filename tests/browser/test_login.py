"""Every role logs in through the real login page and sees its own home page."""
import pytest
from playwright.sync_api import expect

HOME_HEADINGS = {
    "trainee": "My training",
    "trainer": "Trainer",
    "manager": "Programme reports",
    "admin": "Administration",
}


@pytest.mark.parametrize("role", sorted(HOME_HEADINGS))
def test_each_demo_account_logs_in_and_sees_its_home_page(page, log_in, role):
    log_in(f"{role}@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADINGS[role])
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_wrong_password_shows_a_message_and_stays_on_login(page, log_in):
    log_in("trainee@example.org", "wrong password")
    expect(page.get_by_role("alert")).to_contain_text("Email, username or password is incorrect.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_trainee_who_edits_the_url_to_the_admin_area_is_refused(page, log_in):
    log_in("trainee@example.org")
    response = page.goto("/admin/users")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not allowed")
