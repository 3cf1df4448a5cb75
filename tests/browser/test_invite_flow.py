"""An org admin invites a new editor through the real pages, in Chromium; the invitee creates
an account from the link, signs in and finds themself on the organisation page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser import require_playwright
from tests.conftest import PASSWORD

expect = require_playwright()

pytestmark = pytest.mark.browser

NEW_EMAIL = "newcomer@example.org"
NEW_NAME = "Nadia Newcomer"
NEW_PASSWORD = "a-long-new-passphrase"


def link(scope: Any, name: str) -> Any:
    """A link by its exact text, whether or not it is styled as a button (role="button")."""
    return scope.get_by_role("link", name=name, exact=True).or_(
        scope.get_by_role("button", name=name, exact=True))


def sign_in(page: Any, email: str, password: str) -> None:
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def test_org_admin_invites_an_editor_who_joins(make_org, make_user, live_server, new_page,
                                               watch, screenshot):
    org = make_org("Harbour Rights Network", short_name="HRN",
                   description="Monitors the rights of harbour workers.")
    make_user("admin@example.org", org, "org_admin", name="Ada Admin")
    make_user("viewer@example.org", org, "viewer", name="Victor Viewer")
    make_org("Island Legal Aid", short_name="ILA")
    slug = org.slug  # read before the browser acts; everything above is committed

    # --- the org admin signs in through the form -------------------------------------------
    admin = new_page()
    response = admin.goto("/")
    assert response is not None and response.ok
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(admin.get_by_role("heading", name="Coalition", level=1)).to_be_visible()
    screenshot(admin, "01-home")

    link(admin.get_by_role("navigation"), "Sign in").click()
    expect(admin).to_have_url(re.compile(r"/login$"))
    screenshot(admin, "02-sign-in")
    sign_in(admin, "admin@example.org", PASSWORD)
    expect(admin.get_by_role("heading", name="Welcome, Ada Admin")).to_be_visible()

    # --- directory, then the organisation page ----------------------------------------------
    admin.get_by_role("navigation").get_by_role("link", name="Organisations").click()
    expect(admin.get_by_role("heading", name="Coalition directory")).to_be_visible()
    expect(admin.get_by_role("link", name="Island Legal Aid")).to_be_visible()
    screenshot(admin, "03-directory")

    admin.get_by_role("link", name="Harbour Rights Network").click()
    expect(admin).to_have_url(re.compile(rf"/organisations/{slug}$"))
    expect(admin.get_by_role("heading", name="Harbour Rights Network", level=1)).to_be_visible()
    expect(admin.get_by_role("row", name=re.compile("Victor Viewer"))).to_contain_text("Viewer")
    screenshot(admin, "04-organisation")

    # --- invite a new editor -------------------------------------------------------------
    link(admin, "Invite a member").click()
    expect(admin.get_by_role("heading", name="Invite someone to Harbour Rights Network")
           ).to_be_visible()
    expect(admin.get_by_text("you will get a link to pass on yourself")).to_be_visible()
    screenshot(admin, "05-invite-form")
    admin.get_by_label("Email").fill(NEW_EMAIL)
    admin.get_by_label("Role").select_option(label="Editor")
    admin.get_by_role("button", name="Invite", exact=True).click()

    expect(admin.get_by_role("heading", name="Invitation ready")).to_be_visible()
    link_box = admin.locator("textarea#invitation-link")
    expect(link_box).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/invitations/\S+$"))
    invitation_url = link_box.input_value().strip()
    assert invitation_url.startswith(live_server + "/")
    screenshot(admin, "06-invitation-link")

    # The organisation page now lists the pending invitation.
    admin.get_by_role("link", name="Harbour Rights Network").click()
    expect(admin.get_by_role("row", name=re.compile(re.escape(NEW_EMAIL)))).to_contain_text(
        "Editor")

    # --- the invitee opens the link in a browser of their own ------------------------------
    invitee = new_page()
    response = invitee.goto(invitation_url)
    assert response is not None and response.status == 200
    expect(invitee.get_by_role("heading", name="Join Harbour Rights Network")).to_be_visible()
    expect(invitee.get_by_text(f"The invitation is for {NEW_EMAIL}")).to_be_visible()
    screenshot(invitee, "07-accept-invitation")
    invitee.get_by_label("Your name").fill(NEW_NAME)
    invitee.get_by_label("Choose a password").fill(NEW_PASSWORD)
    invitee.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Create my account and join").click()

    # Redirected to sign in, email filled in, back to the organisation afterwards.
    expect(invitee).to_have_url(re.compile(r"/login\?"))
    expect(invitee.get_by_text("Your account is ready")).to_be_visible()
    expect(invitee.get_by_label("Email")).to_have_value(NEW_EMAIL)
    invitee.get_by_label("Password").fill(NEW_PASSWORD)
    invitee.get_by_role("main").get_by_role("button", name="Sign in").click()

    expect(invitee).to_have_url(re.compile(rf"/organisations/{slug}$"))
    expect(invitee.get_by_role("heading", name="Harbour Rights Network", level=1)
           ).to_be_visible()
    new_row = invitee.get_by_role("row", name=re.compile(re.escape(NEW_NAME)))
    expect(new_row).to_contain_text(NEW_EMAIL)
    expect(new_row.get_by_role("cell").nth(2)).to_have_text("Editor")
    # An editor does not manage members.
    expect(link(invitee, "Invite a member")).to_have_count(0)

    invitee.get_by_role("navigation").get_by_role("link", name=NEW_NAME).click()
    expect(invitee.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(invitee.get_by_role("listitem").filter(has_text="Harbour Rights Network")
           ).to_contain_text("Editor")
    screenshot(invitee, "08-profile")

    # The admin sees the new member too, and the invitation is no longer pending.
    admin.reload()
    expect(admin.get_by_role("row", name=re.compile(re.escape(NEW_NAME)))).to_be_visible()
    expect(admin.get_by_role("heading", name="Pending invitations")).to_have_count(0)

    assert len(watch.documents) >= 10, watch.documents
    assert watch.problems == []
