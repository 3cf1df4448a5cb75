"""The route x role matrix, through HTTP (CTFd's test_admin_access style).

GET_ROUTES and POST_ROUTES below are the expectations, one row per route: who gets the page (or
may act), and what everyone else gets. Unless a row says otherwise, a refused signed-in person
gets 403 and an anonymous visitor is sent to /login. A refused POST must leave the database
exactly as it was (every table's rows, hence also the audit log). The unit tests of the same
policy are tests/test_access_policy.py.

Each test signs in one role, fresh, with its own client.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from coalition.accounts.services import create_invitation, password_reset_token
from coalition.audit.models import AuditEvent
from coalition.extensions import db
from tests.conftest import PASSWORD, ROLES, AuthActions
from tests.test_routes_guarded import PUBLIC_ENDPOINTS

# --- who --------------------------------------------------------------------------------------

EVERYONE = frozenset(ROLES)
ANONYMOUS = frozenset({"anonymous"})
SIGNED_IN = EVERYONE - ANONYMOUS
IN_COALITION = SIGNED_IN - {"no_org"}        # coordinator, researcher, members of an org
COORDINATOR = frozenset({"coordinator"})
OWN_ADMINS = COORDINATOR | {"org_admin"}     # may manage world.org ("own")
OTHER_ADMINS = COORDINATOR | {"other_admin"}  # may manage world.other ("oth")
NOBODY: frozenset[str] = frozenset()
STEERING = COORDINATOR | {"steering"}        # the steering committee manages the tracker
MEMBERS = IN_COALITION - {"researcher"}       # belong to an organisation (or coordinate)
OWN_MEMBERS = frozenset({"viewer", "editor", "org_admin"})  # world.org's members

# Joint statements (access.py): a statement is read by the audience its text has reached: the
# matrix's {draft} and {in_review} reached the steering committee (the draft was submitted once
# and sent back), so they are read by world.org's members and the steering committee; edited by
# world.org's editors and the steering committee. world.org drafts.
DRAFT_READERS = STEERING | {"viewer", "editor", "org_admin"}
DRAFTERS = STEERING | {"editor", "org_admin"}
# Who may start a statement: an editor of some organisation (or the coordinator).
# A submission's text (issue 12, item 2), {sub_text}: world.org leads, world.other confirmed.
SUB_DRAFTERS = frozenset({"editor", "org_admin", "other_editor", "other_admin"})
SUB_READERS = COORDINATOR | frozenset({"viewer", "editor", "org_admin", "other_viewer",
                                       "other_editor", "other_admin"})
STATEMENT_CREATORS = COORDINATOR | {"editor", "org_admin", "other_editor", "other_admin",
                                    "steering"}
SIGN_FOR_OWN = COORDINATOR | {"org_admin"}

LOGIN = "to /login"   # 302 to the sign-in page, which brings the visitor back afterwards
HOME = "to /"         # 302 to the home page


def everyone_gets(outcome: int | str, roles: frozenset[str] = EVERYONE) -> dict[str, Any]:
    return {role: outcome for role in roles}


# --- GET: url, who gets 200, exceptions --------------------------------------------------------
# URLs are filled from the scene: {own} world.org's slug, {oth} world.other's, {dormant} an
# inactive organisation's, {viewer_id}/{loner_id} user ids, {self_id} the signed-in person's id,
# {invitation_token}/{reset_token} live links.

GET_ROUTES: list[tuple[str, frozenset[str], dict[str, Any]]] = [
    # url                                  200 for         otherwise
    ("/",                                  EVERYONE,       {}),
    ("/healthz",                           EVERYONE,       {}),
    ("/static/app.css",                    EVERYONE,       {}),
    ("/login",                             ANONYMOUS,      everyone_gets(HOME, SIGNED_IN)),
    ("/password/forgot",                   EVERYONE,       {}),
    ("/password/reset/{reset_token}",      EVERYONE,       {}),
    ("/invitations/{invitation_token}",    EVERYONE,       {}),
    ("/profile",                           SIGNED_IN,      {}),
    ("/profile/password",                  SIGNED_IN,      {}),
    ("/csrf-token",                        SIGNED_IN,      {}),
    ("/users",                             COORDINATOR,    {}),
    ("/users/new",                         COORDINATOR,    {}),
    ("/users/{loner_id}/edit",             COORDINATOR,    {}),
    ("/users/{viewer_id}/history",         COORDINATOR | {"viewer"}, {}),
    ("/users/{self_id}/history",           SIGNED_IN,      {}),
    ("/organisations",                     IN_COALITION,   {}),
    ("/organisations/new",                 COORDINATOR,    {}),
    ("/organisations/{own}",               IN_COALITION,   {}),
    ("/organisations/{oth}",               IN_COALITION,   {}),
    ("/organisations/{dormant}",           COORDINATOR,    {}),
    ("/organisations/{own}/edit",          COORDINATOR,    {}),
    ("/organisations/{own}/invite",        OWN_ADMINS,     {}),
    ("/organisations/{oth}/invite",        OTHER_ADMINS,   {}),
    ("/organisations/{own}/history",       OWN_ADMINS,     {}),
    ("/organisations/{oth}/history",       OTHER_ADMINS,   {}),
    ("/organisations/{dormant}/history",   COORDINATOR,    {}),
    ("/audit",                             COORDINATOR,    {}),
    ("/tracker",                           IN_COALITION,   {}),
    ("/tracker?q=hong+kong&position=supported", IN_COALITION, {}),
    ("/reviews",                           IN_COALITION,   {}),
    ("/reviews/new",                       STEERING,       {}),
    ("/reviews/{review}",                  IN_COALITION,   {}),
    ("/reviews/{review}/edit",             STEERING,       {}),
    # midterm (issue 11, item 7): the mid-term assessment is follow-up, for members.
    ("/reviews/{review}/midterm-assessment", MEMBERS,      {}),
    ("/reviews/{review}/midterm-assessment.md", MEMBERS,   {}),
    ("/reviews/{review}/midterm-assessment.docx", MEMBERS, {}),
    ("/recommendations/{rec_id}",          IN_COALITION,   {}),
    # Saved tracker views (issue 10): {view_id} is the editor's, shared with world.org.
    ("/tracker/views",                     IN_COALITION,   {}),
    ("/tracker/views/{view_id}",           OWN_MEMBERS,    everyone_gets(302, OWN_MEMBERS)),
    ("/tracker/views/999999",              NOBODY,         everyone_gets(404)),
    ("/recommendations/{rec_id}/history",  MEMBERS,        {}),
    # --- positions (issue 11): the dashboards are coalition-internal (members, coordinator).
    ("/dashboard",                         MEMBERS,        {}),
    ("/dashboard?territory=Hong+Kong&overall=none&coalition=fully", MEMBERS, {}),
    ("/dashboard?review=99999999999",      NOBODY,         everyone_gets(400, MEMBERS)),
    # --- end positions
    # Exports of the tracker (issue 10): whoever may view the tracker; a bad format is a 400.
    ("/exports/recommendations",           IN_COALITION,   {}),
    ("/exports/recommendations?format=xlsx&layout=long&review={review}", IN_COALITION, {}),
    ("/exports/responses?format=jsonl",    IN_COALITION,   {}),
    ("/exports/assessments?format=excel",  IN_COALITION,   {}),
    ("/exports/recommendations?format=pdf", NOBODY,        everyone_gets(400, IN_COALITION)),
    ("/exports/statements",                NOBODY,         everyone_gets(404)),
    ("/imports/new",                       STEERING,       {}),
    ("/imports/{job_id}",                  STEERING,       {}),
    ("/imports/{job_id}/status",           STEERING,       {}),
    # Joint statements: {draft} is a draft by world.org, {in_review} in review, {published}
    # published; {conflict_id} a kept conflict copy of the draft.
    ("/statements",                        MEMBERS,        {}),
    ("/statements/published",              EVERYONE,       {}),
    ("/statements/new",                    STATEMENT_CREATORS, {}),
    ("/statements/{draft}",                DRAFT_READERS,  {}),
    ("/statements/{in_review}",            DRAFT_READERS,  {}),
    ("/statements/{published}",            MEMBERS,        {}),
    ("/statements/{draft}/edit",           DRAFTERS,       {}),
    ("/statements/{draft}/history",        DRAFT_READERS,  {}),
    ("/statements/{draft}/diff?a=1&b=2",   DRAFT_READERS,  {}),
    ("/statements/{draft}/blame",          DRAFT_READERS,  {}),
    ("/statements/{draft}/conflicts/{conflict_id}", DRAFTERS, {}),
    ("/statements/{published}/history",    MEMBERS,        {}),
    ("/statements/999999",                 NOBODY,         everyone_gets(404)),
    # The public page and its exports: everyone, once published; nobody before.
    ("/s/{published}",                     EVERYONE,       {}),
    ("/s/{published}.pdf",                 EVERYONE,       {}),
    ("/s/{published}.docx",                EVERYONE,       {}),
    ("/s/{published}.md",                  EVERYONE,       {}),
    ("/s/{draft}",                         NOBODY,         everyone_gets(404)),
    ("/s/{draft}.pdf",                     NOBODY,         everyone_gets(404)),
    ("/s/{in_review}.md",                  NOBODY,         everyone_gets(404)),
    ("/reviews/xyz-9",                     NOBODY,         everyone_gets(404)),
    ("/recommendations/999999",            NOBODY,         everyone_gets(404)),
    # A missing object is 404 for everyone: the view loads it before it checks access.
    ("/organisations/no-such-organisation", NOBODY,        everyone_gets(404)),
    ("/organisations/no-such-organisation/edit", NOBODY,   everyone_gets(404)),
    ("/users/999999/edit",                 NOBODY,         everyone_gets(404)),
    ("/users/999999/history",              NOBODY,         everyone_gets(404)),
    # API v1 (issue 10): cookies never authenticate it, so a signed-in browser is anonymous
    # there (401) unless the data is public; tokens: API_ROUTES below.
    ("/profile/api-tokens",                SIGNED_IN,      {}),
    ("/api/v1/openapi.json",               EVERYONE,       {}),
    ("/api/v1/docs",                       EVERYONE,       {}),
    ("/api/v1/reviews",                    NOBODY,         everyone_gets(401)),
    ("/api/v1/reviews/{review}",           NOBODY,         everyone_gets(401)),
    ("/api/v1/recommendations",            NOBODY,         everyone_gets(401)),
    ("/api/v1/recommendations/{rec_id}",   NOBODY,         everyone_gets(401)),
    ("/api/v1/responses",                  NOBODY,         everyone_gets(401)),
    ("/api/v1/assessments",                NOBODY,         everyone_gets(401)),
    ("/api/v1/states",                     NOBODY,         everyone_gets(401)),
    ("/api/v1/themes",                     NOBODY,         everyone_gets(401)),
    ("/api/v1/saved-views",                NOBODY,         everyone_gets(401)),
    ("/api/v1/statements",                 EVERYONE,       {}),
    ("/api/v1/statements/{published}",     EVERYONE,       {}),
    ("/api/v1/statements/{draft}",         NOBODY,         everyone_gets(404)),
    # followup (issue 11): {plan_id} is led by world.org; {action_id} and its {file_id} are
    # world.org's. Members see follow-up; the steering committee assigns; world.org's editors
    # edit world.org's actions.
    ("/followup/",                         MEMBERS,        {}),
    ("/followup/?status=in_progress&lead={own_id}&overdue=1", MEMBERS, {}),
    ("/followup/plans/{plan_id}",          MEMBERS,        {}),
    ("/followup/plans/999999",             NOBODY,         everyone_gets(404)),
    ("/followup/recommendations/{rec_id}/assign", STEERING, {}),
    ("/followup/actions/{action_id}/edit", STEERING | {"editor", "org_admin"}, {}),
    ("/followup/evidence/{file_id}",       MEMBERS,        {}),
    ("/followup/bulk?scope=selected&rec={rec_id}", STEERING, {}),
    # end followup
    # notify (issue 11): one's own notifications and settings; the digest's unsubscribe page
    # needs no sign-in (its signed token is the key); a bad token is a 400 for everyone.
    ("/notifications",                     SIGNED_IN,      {}),
    ("/notifications?show=unread",         SIGNED_IN,      {}),
    ("/notifications/settings",            SIGNED_IN,      {}),
    ("/notifications/unsubscribe/{unsubscribe_token}", EVERYONE, {}),
    ("/notifications/unsubscribe/not-a-token", NOBODY,     everyone_gets(400)),
    # submissions (issue 12): {sub_joint} is world.org's draft with world.other invited,
    # {sub_solo} world.org's own draft, {sub_public} a public one OHCHR published.
    ("/submissions/",                      IN_COALITION,   {}),
    ("/submissions/?review={sub_review_id}&organisation={own_id}&status=draft&kind=joint",
     IN_COALITION, {}),
    ("/submissions/new",                   STATEMENT_CREATORS, {}),
    ("/submissions/{sub_joint}",           COORDINATOR | OWN_MEMBERS | {
        "other_viewer", "other_editor", "other_admin"}, {}),
    ("/submissions/{sub_solo}",            COORDINATOR | OWN_MEMBERS, {}),
    ("/submissions/{sub_public}",          EVERYONE,       {}),
    ("/submissions/999999",                NOBODY,         everyone_gets(404)),
    ("/submissions/{sub_solo}/edit",       COORDINATOR | {"editor", "org_admin"}, {}),
    # asks (issue 12): read with the submission, edited with it; the impact page.
    ("/submissions/{sub_solo}/asks",       COORDINATOR | OWN_MEMBERS, {}),
    ("/submissions/{sub_public}/asks",     EVERYONE,       {}),
    ("/submissions/{sub_solo}/asks/{sub_ask}/edit", COORDINATOR | {"editor", "org_admin"}, {}),
    ("/reviews/{review}/impact",           IN_COALITION,   {}),
    # Submission files (issue 12, item 3): a draft's file is its readers' alone, whatever URL
    # others know; a public published one's is everyone's; a file under another submission's
    # URL is not found.
    ("/submissions/{sub_solo}/files/{sub_solo_file}", COORDINATOR | OWN_MEMBERS, {}),
    ("/submissions/{sub_public}/files/{sub_public_file}", EVERYONE, {}),
    ("/submissions/{sub_joint}/files/{sub_solo_file}", NOBODY, everyone_gets(404)),
    # The coalition calendar (issue 12, item 5) and its feed (public review dates only).
    ("/calendar/",                         IN_COALITION,   {}),
    ("/calendar/coalition.ics",            EVERYONE,       {}),
    ("/submissions/{sub_solo}/docx",       COORDINATOR | OWN_MEMBERS, {}),  # ohchr
    ("/submissions/{sub_public}/docx",     EVERYONE,       {}),
    # its text (issue 12, item 2): {sub_text} is world.org's draft with world.other confirmed.
    ("/submissions/{sub_text}/text",       SUB_DRAFTERS,   {}),
    ("/submissions/{sub_text}/text/read",  SUB_READERS,    {}),
    ("/submissions/{sub_text}/text/history", SUB_READERS,  {}),
    ("/submissions/{sub_text}/text/diff?a=1&b=2", SUB_READERS, {}),
    ("/submissions/{sub_text}/text/conflicts/{sub_conflict}", SUB_DRAFTERS, {}),
    # end submissions
]

# What a page shows, by role: (url, text, roles whose page contains it).
PAGE_CONTENT: list[tuple[str, str, frozenset[str]]] = [
    # Who works where is for members and the coordinator, not researchers; members' e-mail
    # addresses only for the organisation's own members and the coordinator (issue 9).
    ("/organisations/{own}", "viewer@example.org", COORDINATOR | {"viewer", "editor",
                                                                  "org_admin"}),
    ("/organisations/{own}", "Invite a member",    OWN_ADMINS),
    ("/organisations/{own}", "invitee@example.org", OWN_ADMINS),   # pending invitations
    ("/organisations/{own}", "Edit organisation",  COORDINATOR),
    ("/organisations/{oth}", "Invite a member",    OTHER_ADMINS),
    ("/organisations",       "Dormant Organisation", NOBODY),      # inactive: off the list
    # A draft is off the list for those who may not read it.
    # --- positions (issue 11): the coalition position is coalition-internal; steering adopts.
    ("/recommendations/{rec_id}", "Coalition position", MEMBERS),
    ("/recommendations/{rec_id}", "Adopt the coalition position", STEERING),
    # --- end positions
    ("/statements",          "Matrix draft statement", DRAFT_READERS),
    ("/statements",          "Matrix statement in review", DRAFT_READERS),
    ("/statements/{draft}",  "Edit text",          DRAFTERS),
    ("/statements/{open}",   "Publish revision",   STEERING),
    ("/statements/{open}",   "Sign revision",      SIGN_FOR_OWN | {"other_admin"}),
    ("/s/{published}",       "Other Organisation", EVERYONE),      # the signatory
    ("/tracker",             "Download recommendations", IN_COALITION),
    ("/reviews/{review}",    "Download recommendations", IN_COALITION),
    ("/tracker",             "bulk-assign-form",   STEERING),  # followup (issue 11)
    ("/reviews/{review}",    "Open as a joint statement draft", STEERING),  # midterm
    # submissions (issue 12): an organisation's draft is off the list of others.
    ("/submissions/",        "Matrix solo submission", COORDINATOR | OWN_MEMBERS),
    ("/submissions/",        "Matrix public submission", IN_COALITION),
]

# --- POST: what, url, form, who may, status when allowed, exceptions ---------------------------

EDIT_ORG = {"name": "Owning Organisation Renamed", "short_name": "OWN", "slug": "own",
            "kind": "member", "website": "", "description": "Edited.", "active": "y"}
NEW_ORG = {"name": "Brand New Organisation", "short_name": "NEW", "slug": "", "kind": "member",
           "website": "", "description": "", "active": "y"}
NEW_USER = {"email": "created@example.org", "display_name": "Created Person",
            "coalition_role": "none", "active": "y", "new_password": ""}
EDIT_USER = {"email": "loner@example.org", "display_name": "Loner Renamed",
             "coalition_role": "none", "active": "y"}
INVITE = {"email": "newcomer@example.org", "role": "viewer"}
INVITE_ADMIN = {"email": "newcomer2@example.org", "role": "org_admin"}
PROFILE = {"display_name": "Renamed Person", "locale": "en"}
PASSWORD_CHANGE = {"current_password": PASSWORD, "new_password": "another-long-password",
                   "confirm": "another-long-password"}
NOTHING: dict[str, str] = {}   # a button: only the CSRF token
NEW_REVIEW = {"state_code": "FRA", "cycle": "3", "session": "29", "review_date": "2018-01-15",
              "report_symbol": "A/HRC/38/4", "responses_symbol": "", "midterm_due": ""}
EDIT_REVIEW = {"cycle": "3", "session": "31", "review_date": "2018-11-06",
               "report_symbol": "A/HRC/40/6", "responses_symbol": "A/HRC/40/6/Add.1",
               "midterm_due": ""}
RESPONSE = {"kind": "legco", "responded_on": "2021-03-17", "position": "noted",
            "words": "Not accepted.", "source": "LegCo paper", "url": ""}
TERRITORY = {"territories": "Macao"}
UPR_INFO_CSV = ("To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r"
                "China,Asia,,Ratify the Covenant,France,WEOG,EU,Accepted,4,"
                "International instruments,31\r")
NEW_IMPORT = {"file": lambda: (io.BytesIO(UPR_INFO_CSV.encode()), "upr-info.csv"),
              "review": ""}

NEW_STATEMENT = {"title": "A statement from the matrix", "occasion": "HRC 40", "kind": "oral",
                 "language": "en", "lead": "{own_id}", "text": "We urge the Government."}
STATEMENT_DETAILS = {"title": "Matrix draft statement, renamed", "occasion": "HRC 41",
                     "kind": "written", "language": "en"}
SAVE_TEXT = {"base_number": "2", "organisation": "{my_org}", "summary": "From the matrix",
             "text": "First paragraph, edited.\n\nSecond paragraph, edited in the matrix.\n"}
DEADLINE = {"deadline": "2999-01-01T12:00"}


class Json(dict):
    """A JSON body (sent with the CSRF token in the X-CSRFToken header) instead of a form."""


# Allowed POSTs that write no audited change: a draft autosave, presence, a preview.
# "retry an import" here finds the job done (the row before confirmed it): refused, no change.
NOT_AUDITED = {"autosave a draft", "editor heartbeat", "preview Markdown", "retry an import",
               "sign out an ended session"}
NOT_AUDITED |= {"mark a notification read", "mark all notifications read"}  # notify (issue 11)
NOT_AUDITED |= {"autosave a submission's text", "submission editor heartbeat"}  # issue 12

# Allowed POSTs answer 302 (back to a page), or 200 where they show a link to pass on (no mail
# server is configured). Rows run in this order, as one person: later rows do not depend on
# earlier ones having succeeded or failed.
POST_ROUTES: list[tuple[str, str, dict[str, str], frozenset[str], int, dict[str, Any]]] = [
    # what, url
    #     form            who may         allowed gets  otherwise
    ("create organisation", "/organisations/new",
        NEW_ORG,          COORDINATOR,    302,          {}),
    ("edit organisation", "/organisations/{own}/edit",
        EDIT_ORG,         COORDINATOR,    302,          {}),
    ("invite into own", "/organisations/{own}/invite",
        INVITE,           OWN_ADMINS,     200,          {}),
    ("invite into other", "/organisations/{oth}/invite",
        INVITE_ADMIN,     OTHER_ADMINS,   200,          {}),
    ("change role", "/organisations/{own}/members/{viewer_membership}/role",
        {"role": "editor"}, OWN_ADMINS,   302,          {}),
    ("remove member", "/organisations/{own}/members/{editor_membership}/remove",
        NOTHING,          OWN_ADMINS,     302,          {}),
    ("new invitation link", "/organisations/{own}/invitations/{invitation_id}/link",
        NOTHING,          OWN_ADMINS,     200,          {}),
    ("new link for other's invitation",
        "/organisations/{own}/invitations/{other_invitation_id}/link",
        NOTHING,          NOBODY,         200,          everyone_gets(404, OWN_ADMINS)),
    ("revoke invitation", "/organisations/{own}/invitations/{invitation_id}/revoke",
        NOTHING,          OWN_ADMINS,     302,          {}),
    # Another organisation's membership or invitation, through this organisation's address:
    # its admins pass the check on "own", then find no such member or invitation there.
    ("change role of other's member", "/organisations/{own}/members/{other_membership}/role",
        {"role": "org_admin"}, NOBODY,    302,          everyone_gets(404, OWN_ADMINS)),
    ("remove other's member", "/organisations/{own}/members/{other_membership}/remove",
        NOTHING,          NOBODY,         302,          everyone_gets(404, OWN_ADMINS)),
    ("revoke other's invitation", "/organisations/{own}/invitations/{other_invitation_id}/revoke",
        NOTHING,          NOBODY,         302,          everyone_gets(404, OWN_ADMINS)),
    ("create user", "/users/new",
        NEW_USER,         COORDINATOR,    302,          {}),
    ("edit user", "/users/{loner_id}/edit",
        EDIT_USER,        COORDINATOR,    302,          {}),
    ("make reset link", "/users/{loner_id}/reset-link",
        NOTHING,          COORDINATOR,    200,          {}),
    ("create review", "/reviews/new",
        NEW_REVIEW,       STEERING,       302,          {}),
    ("edit review", "/reviews/{review}/edit",
        EDIT_REVIEW,      STEERING,       302,          {}),
    # midterm (issue 11, item 7): the steering committee opens the draft (a statement).
    ("draft the mid-term assessment", "/reviews/{review}/midterm-assessment",
        {"organisation": "{steering_org_id}"}, STEERING, 302, {}),
    ("record a government response", "/recommendations/{rec_id}/responses",
        RESPONSE,         STEERING,       302,          {}),
    # Editors of another organisation pass the door but may not choose world.org: a field error.
    ("record an assessment for own", "/recommendations/{rec_id}/assessments",
        {"organisation": "{own_id}", "status": "partially", "assessed_on": "2021-01-01",
         "evidence": "", "source_links": ""},
        COORDINATOR | {"editor", "org_admin"}, 302,
        everyone_gets(400, frozenset({"other_editor", "other_admin", "steering"}))),
    # Who may read an assessment of world.org: its editors and the coordinator say (issue 10).
    ("set who reads own's assessment", "/assessments/{assessment_id}/visibility",
        {"a{assessment_id}-visibility": "public"},
        COORDINATOR | {"editor", "org_admin"}, 302,  {}),
    # Saved tracker views: anyone who reads the tracker saves one; only its owner (world.org's
    # editor) renames, shares or deletes {view_id}.
    ("save a tracker view", "/tracker/views/new?q=hong+kong&page=2",
        {"name": "A view from the matrix", "share_with": ""}, IN_COALITION, 302, {}),
    ("rename and unshare own's view", "/tracker/views/{view_id}/edit",
        {"v{view_id}-name": "Renamed view", "v{view_id}-share_with": ""},
        frozenset({"editor"}), 302, {}),
    ("delete own's view", "/tracker/views/{view_id}/delete",
        NOTHING,          frozenset({"editor"}), 302, {}),
    # --- positions (issue 11): a steering member writes the coalition's own position.
    ("adopt a coalition position", "/recommendations/{rec_id}/positions",
        {"position-source": "own", "position-status": "partially",
         "position-adopted_on": "2021-01-01", "position-reason": "The matrix's reason."},
        STEERING, 302, {}),
    # --- end positions
    ("edit territories", "/recommendations/{rec_id}/territories",
        TERRITORY,        STEERING,       302,          {}),
    ("upload an import", "/imports/new",
        NEW_IMPORT,       STEERING,       302,          {}),
    ("confirm an import", "/imports/{job_id}/confirm",
        NOTHING,          STEERING,       302,          {}),
    # The job is done, not failed: its owner passes the door and is told it cannot retry.
    ("retry an import", "/imports/{job_id}/retry",
        NOTHING,          STEERING,       400,          {}),
    # Joint statements. {draft} has revisions 1 and 2, a kept conflict copy and a comment by
    # the steering member; {open} is open for sign-on, world.org signed revision 1 (of 2).
    ("create a statement led by own", "/statements/new",
        NEW_STATEMENT,    COORDINATOR | {"editor", "org_admin"}, 302,
        everyone_gets(400, frozenset({"other_editor", "other_admin", "steering"}))),
    ("edit a draft's details", "/statements/{draft}/details",
        STATEMENT_DETAILS, DRAFTERS,      302,          {}),
    # The lead's editors and the steering committee remove the partner organisation (a
    # co-drafter with no one signed in here), leaving no co-drafter.
    ("set the co-drafters", "/statements/{draft}/drafters",
        NOTHING,          DRAFTERS,       302,          {}),
    ("save a draft's text", "/statements/{draft}/edit",
        SAVE_TEXT,        DRAFTERS,       302,          {}),
    ("autosave a draft", "/statements/{draft}/autosave",
        Json(base_number=2, text="Typed, not saved."), DRAFTERS, 200, {}),
    ("editor heartbeat", "/statements/{draft}/heartbeat",
        Json(),           DRAFTERS,       200,          {}),
    ("preview Markdown", "/statements/preview",
        Json(text="**bold**"), STATEMENT_CREATORS, 200, {}),
    ("restore revision 1", "/statements/{draft}/restore/1",
        NOTHING,          DRAFTERS,       302,          {}),
    ("resolve a kept conflict", "/statements/{draft}/conflicts/{conflict_id}",
        {"choice-0": "both"}, DRAFTERS,   302,          {}),
    ("comment on a draft", "/statements/{draft}/comments",
        {"body": "A comment from the matrix.", "quote": ""}, DRAFT_READERS, 302, {}),
    # The comment's author (steering) or an editor of the draft may resolve it; the drafting
    # organisation's viewer may read and comment but not resolve someone else's comment.
    ("resolve a comment", "/statements/{draft}/comments/{comment_id}/resolve",
        NOTHING,          DRAFTERS,       302,          {}),
    # Removing it (issue 7): its author (steering) or the coordinator, who moderates.
    ("remove a comment", "/statements/{draft}/comments/{comment_id}/remove",
        NOTHING,          STEERING,       302,          {}),
    ("send a draft to review", "/statements/{draft}/status/submit",
        NOTHING,          DRAFTERS,       302,          {}),
    ("withdraw a statement", "/statements/{draft}/status/withdraw",
        NOTHING,          STEERING,       302,          {}),
    ("back to draft", "/statements/{in_review}/status/back_to_draft",
        NOTHING,          DRAFTERS,       302,          {}),
    ("open for sign-on", "/statements/{in_review}/status/open_signon",
        DEADLINE,         STEERING,       302,          {}),
    # other_admin signs for someone, but not for world.org.
    ("sign for own", "/statements/{open}/sign",
        {"organisation": "{own_id}"}, SIGN_FOR_OWN, 302, {}),
    ("withdraw own's signature", "/statements/{open}/withdraw-signature",
        {"organisation": "{own_id}"}, SIGN_FOR_OWN, 302, {}),
    # Whether or not anyone signed (explicitly confirmed: issue 9).
    ("publish", "/statements/{open}/status/publish",
        {"confirm_unsigned": "y"}, STEERING, 302,       {}),
    ("reopen a published statement", "/statements/{published}/status/reopen",
        {"note": "A typo in the second paragraph."}, STEERING, 302, {}),
    # Personal API tokens (issue 10): anyone signed in makes their own (the answer shows it
    # once: 201); {token_id} is the viewer's, which nobody else can even see (404).
    ("make an API token", "/profile/api-tokens",
        {"name": "Matrix token", "scope": "read", "lifetime": "30"}, SIGNED_IN, 201, {}),
    ("revoke an API token", "/profile/api-tokens/{token_id}/revoke",
        NOTHING,          frozenset({"viewer"}), 302, everyone_gets(404, SIGNED_IN - {"viewer"})),
    # The API takes no cookie: with a session (and its CSRF token) a write is anonymous, 401.
    ("API write with a session's cookies", "/api/v1/recommendations/{rec_id}/assessments",
        Json(organisation=1, status="fully", assessed_on="2024-01-01"), NOBODY, 201,
        everyone_gets(401)),
    ("API response with a session's cookies", "/api/v1/recommendations/{rec_id}/responses",
        Json(kind="midterm", position="noted", responded_on="2024-01-01"), NOBODY, 201,
        everyone_gets(401)),
    # followup (issue 11): assign (priority changes: audited), update the plan (its lead's
    # editors and the steering committee), log and edit world.org's actions, attach a file,
    # bulk-assign the one recommendation (confirmed).
    ("assign follow-up", "/followup/recommendations/{rec_id}/assign",
        {"lead": "{own_id}", "priority": "high", "due_on": ""}, STEERING, 302, {}),
    ("update a plan led by own", "/followup/plans/{plan_id}/update",
        {"plan-status": "in_progress", "plan-due_on": "", "plan-notes": "From the matrix."},
        STEERING | {"editor", "org_admin"}, 302, {}),
    ("log an action for own", "/followup/plans/{plan_id}/actions",
        {"new-title": "Matrix action", "new-kind": "meeting",
         "new-owner_organisation": "{own_id}", "new-owner": "", "new-due_on": "",
         "new-done_on": "", "new-outcome": "", "new-links": ""},
        STEERING | {"editor", "org_admin"}, 302, {}),
    ("edit own's action", "/followup/actions/{action_id}/edit",
        {"title": "Matrix action, edited", "kind": "media", "owner_organisation": "{own_id}",
         "owner": "", "due_on": "", "done_on": "", "outcome": "Edited.", "links": ""},
        STEERING | {"editor", "org_admin"}, 302, {}),
    ("attach evidence to own's action", "/followup/actions/{action_id}/evidence",
        {"e{action_id}-file": lambda: (io.BytesIO(b"%PDF-1.4 matrix"), "matrix.pdf")},
        STEERING | {"editor", "org_admin"}, 302, {}),
    ("bulk-assign follow-up", "/followup/bulk",
        {"scope": "selected", "rec": "{rec_id}", "lead": "{own_id}", "priority": "low",
         "confirm": "1"}, STEERING, 302, {}),
    # end followup
    # submissions (issue 12): editors of another organisation pass the door but may not lead
    # for world.org (a field error); world.org's editors edit and send its draft; world.other's
    # editors answer for world.other.
    ("create a submission led by own", "/submissions/new",
        {"review": "{sub_review_id}", "title": "Matrix new submission", "kind": "individual",
         "lead": "{own_id}", "visibility": "organisation", "ohchr_reference": ""},
        COORDINATOR | {"editor", "org_admin"}, 302,
        everyone_gets(400, frozenset({"other_editor", "other_admin", "steering"}))),
    ("edit own's submission", "/submissions/{sub_solo}/edit",
        {"review": "{sub_review_id}", "title": "Matrix solo submission, edited",
         "kind": "individual", "visibility": "coalition", "ohchr_reference": "JS9"},
        COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("send own's submission", "/submissions/{sub_solo}/status",
        {"status": "submitted", "on": ""}, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("confirm for other", "/submissions/{sub_joint}/participants/{sub_participant}/confirm",
        NOTHING, COORDINATOR | {"other_editor", "other_admin"}, 302, {}),
    ("decline for other", "/submissions/{sub_joint}/participants/{sub_participant}/decline",
        NOTHING, COORDINATOR | {"other_editor", "other_admin"}, 302, {}),
    # asks (issue 12): world.org's editors edit its asks; the organisations on it decide links.
    ("add an ask to own's submission", "/submissions/{sub_solo}/asks",
        {"text": "Matrix ask"}, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("paste asks into own's submission", "/submissions/{sub_solo}/asks/paste",
        {"pasted": "Matrix ask one\nMatrix ask two"}, COORDINATOR | {"editor", "org_admin"},
        302, {}),
    ("edit own's ask", "/submissions/{sub_solo}/asks/{sub_ask}/edit",
        {"text": "Matrix ask, edited"}, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("move own's ask", "/submissions/{sub_solo}/asks/{sub_ask}/down",
        NOTHING, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("move own's ask up", "/submissions/{sub_solo}/asks/{sub_ask}/up",
        NOTHING, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("confirm a link of own's ask", "/submissions/{sub_solo}/asks/links/{sub_link}/confirm",
        NOTHING, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("reject a link of own's ask", "/submissions/{sub_solo}/asks/links/{sub_link}/reject",
        NOTHING, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("link own's ask by hand", "/submissions/{sub_solo}/asks/{sub_ask}/link",
        {"l{sub_ask}-reference": "#{rec_id}"}, COORDINATOR | {"editor", "org_admin"}, 302,
        {}),
    # Proposing replaces undecided proposals: after the decisions above.
    ("propose links for own's asks", "/submissions/{sub_solo}/asks/propose",
        NOTHING, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("remove own's ask", "/submissions/{sub_solo}/asks/{sub_ask}/delete",
        NOTHING, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("upload a file to own's submission", "/submissions/{sub_solo}/files",
        {"file": lambda: (io.BytesIO(b"%PDF-1.4 matrix submission"), "matrix.pdf"),
         "kind": "final"}, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    ("remove a file of own's submission", "/submissions/{sub_solo}/files/{sub_solo_file}/remove",
        NOTHING, COORDINATOR | {"editor", "org_admin"}, 302, {}),
    # its text (issue 12, item 2): the editors of the lead and of the confirmed co-submitter
    # write it; their members comment; a comment's author (other_viewer) or the coordinator
    # removes it.
    ("save a submission's text", "/submissions/{sub_text}/text",
        {"base_number": "2", "text": "Matrix text, edited.", "summary": ""}, SUB_DRAFTERS,
        302, {}),
    ("autosave a submission's text", "/submissions/{sub_text}/text/autosave",
        Json(base_number=2, text="Typed, not saved."), SUB_DRAFTERS, 200, {}),
    ("submission editor heartbeat", "/submissions/{sub_text}/text/heartbeat",
        Json(), SUB_DRAFTERS, 200, {}),
    ("restore a submission's revision 1", "/submissions/{sub_text}/text/restore/1",
        NOTHING, SUB_DRAFTERS, 302, {}),
    ("resolve a submission's conflict", "/submissions/{sub_text}/text/conflicts/{sub_conflict}",
        {"choice-0": "both"}, SUB_DRAFTERS, 302, {}),
    ("comment on a submission's text", "/submissions/{sub_text}/text/comments",
        {"body": "A comment from the matrix.", "quote": ""}, SUB_READERS, 302, {}),
    ("resolve a submission comment",
        "/submissions/{sub_text}/text/comments/{sub_comment}/resolve",
        NOTHING, SUB_READERS, 302, {}),
    ("remove a submission comment",
        "/submissions/{sub_text}/text/comments/{sub_comment}/remove",
        NOTHING, COORDINATOR | {"other_viewer"}, 302, {}),
    # end submissions
    ("edit own profile", "/profile",
        PROFILE,          SIGNED_IN,      302,          {}),
    # Signing out one's own other sessions: any signed-in person, for themselves only (the
    # session named here does not exist: the answer is a message, not 403 or 500).
    ("sign out an ended session", "/profile/sessions/999999/end",
        NOTHING,          SIGNED_IN,      400,          {}),
    ("sign out everywhere else", "/profile/sessions/end-others",
        NOTHING,          SIGNED_IN,      302,          {}),
    # notify (issue 11): {notification_id} is the viewer's; nobody else can even see it.
    ("mark a notification read", "/notifications/{notification_id}/read",
        NOTHING,          frozenset({"viewer"}), 302, everyone_gets(404, SIGNED_IN - {"viewer"})),
    ("mark all notifications read", "/notifications/read-all",
        NOTHING,          SIGNED_IN,      302,          {}),
    ("notification settings", "/notifications/settings",
        {"digest": "daily", "kinds": "overdue"}, SIGNED_IN, 302, {}),
    ("change own password", "/profile/password",          # last: it renews the session
        PASSWORD_CHANGE,  SIGNED_IN,      302,          {}),
]

EMAILS = {"researcher": "researcher@example.org", "viewer": "viewer@example.org",
          "editor": "editor@example.org", "org_admin": "admin@example.org",
          "other_viewer": "oviewer@example.org", "other_editor": "oeditor@example.org",
          "other_admin": "oadmin@example.org", "steering": "steering@example.org",
          "coordinator": "coordinator@example.org", "no_org": "loner@example.org"}


def expected(role: str, allowed: frozenset[str], ok: Any, exceptions: dict[str, Any]) -> Any:
    if role in exceptions:
        return exceptions[role]
    if role in allowed:
        return ok
    return LOGIN if role == "anonymous" else 403


# --- fixtures -----------------------------------------------------------------------------------

@pytest.fixture
def scene(app: Flask, world: Any, make_org: Any) -> dict[str, Any]:
    app.config["MAIL_SERVER"] = None  # links are shown, not mailed
    dormant = make_org("Dormant Organisation", short_name="DOR", active=False)
    coordinator = world.users["coordinator"]
    invitation, invitation_token = create_invitation(coordinator, world.org,
                                                     "invitee@example.org", "viewer")
    other_invitation, _ = create_invitation(coordinator, world.other,
                                            "other-invitee@example.org", "viewer")
    db.session.commit()
    review, rec_id, job_id = tracker_scene(app, world)
    assessment_id = assessment_scene(world, rec_id)
    view_id = saved_view_scene(world)
    partner = make_org("Partner Organisation", short_name="PAR")
    statements = statement_scene(world, partner)
    users = world.users
    assert {role: user.email for role, user in users.items()} == EMAILS
    values = {
        "own": world.org.slug, "oth": world.other.slug, "dormant": dormant.slug,
        "viewer_id": users["viewer"].id, "loner_id": users["no_org"].id,
        "viewer_membership": users["viewer"].membership_in(world.org).id,
        "editor_membership": users["editor"].membership_in(world.org).id,
        "other_membership": users["other_viewer"].membership_in(world.other).id,
        "invitation_id": invitation.id, "other_invitation_id": other_invitation.id,
        "invitation_token": invitation_token,
        "reset_token": password_reset_token(users["no_org"]),
        "user_ids": {role: user.id for role, user in users.items()},
        "review": review, "rec_id": rec_id, "job_id": job_id, "own_id": world.org.id,
        "assessment_id": assessment_id, "view_id": view_id,
        "token_id": api_token_scene(world),
        **followup_scene(app, world, rec_id),  # followup (issue 11)
        **notification_scene(world),  # notify (issue 11)
        **statements,
        # The organisation each role saves a statement for (the editor's "Saving for").
        "org_ids": {role: (user.memberships[0].organisation_id if user.memberships
                           else world.org.id) for role, user in users.items()},
    }
    values.update(midterm_scene(world, rec_id))  # midterm (issue 11, item 7)
    values.update(submission_scene(world, review))  # submissions (issue 12)
    # End the test's own read transaction: only the requests touch the database from here on.
    db.session.commit()
    return values


def submission_scene(world: Any, review_slug: str) -> dict[str, int]:
    """submissions (issue 12): world.org's joint draft with world.other invited, its own
    individual draft, and a public submission OHCHR published."""
    from coalition.reviews.services import review_from_slug
    from coalition.submissions import services

    editor = world.users["editor"]
    review = review_from_slug(review_slug)
    joint = services.create_submission(editor, review, "Matrix joint submission", "joint",
                                       world.org, [world.other.id])
    solo = services.create_submission(editor, review, "Matrix solo submission", "individual",
                                      world.org)
    public = services.create_submission(editor, review, "Matrix public submission",
                                        "individual", world.org, visibility="public")
    services.change_status(editor, public, "submitted")
    services.change_status(editor, public, "published")
    # asks (issue 12): an ask of the solo draft with a proposed link to the review's first
    # recommendation.
    from coalition.impact import services as impact
    from coalition.impact.models import AskLink
    from coalition.recommendations.models import Recommendation

    ask = impact.add_ask(editor, solo, "Matrix ask")
    rec_id = db.session.scalars(select(Recommendation.id).where(
        Recommendation.review_id == review.id).order_by(Recommendation.id)).first()
    link = AskLink(ask=ask, recommendation_id=rec_id, state="proposed", score=70.0)
    db.session.add(link)
    db.session.commit()
    solo_file, _ = services.add_file(editor, solo, io.BytesIO(b"%PDF-1.4 solo draft"),
                                     "draft.pdf")
    public_file, _ = services.add_file(editor, public, io.BytesIO(b"%PDF-1.4 published"),
                                       "published.pdf")
    db.session.commit()
    # its text (issue 12, item 2): revision 2, a kept conflict copy, a comment by other_viewer.
    text = services.create_submission(editor, review, "Matrix text submission", "joint",
                                      world.org, [world.other.id])
    db.session.flush()
    services.answer(world.users["other_editor"], text.participants[0], "confirmed")
    services.save_text(editor, text, world.org, 1, "Matrix text.")
    clash = services.save_text(world.users["other_editor"], text, world.other, 1,
                               "Another matrix text.")
    comment = services.add_comment(world.users["other_viewer"], text, world.other, "A note.")
    db.session.commit()
    return {"sub_review_id": review.id, "sub_joint": joint.id, "sub_solo": solo.id,
            "sub_public": public.id, "sub_participant": joint.participants[0].id,
            "sub_ask": ask.id, "sub_link": link.id,
            "sub_solo_file": solo_file.id, "sub_public_file": public_file.id,
            "sub_text": text.id, "sub_conflict": clash.conflict.id, "sub_comment": comment.id}


def followup_scene(app: Flask, world: Any, rec_id: int) -> dict[str, int]:
    """followup (issue 11): a plan of {rec_id} led by world.org, an action of world.org's
    with an evidence file."""
    from tests.followup_scene import seed_plan_with_evidence

    return seed_plan_with_evidence(app, world, rec_id)


def tracker_scene(app: Flask, world: Any) -> tuple[str, int, int]:
    """A review with one recommendation, and an import previewed by the steering member."""
    from coalition.recommendations import jobs
    from coalition.recommendations.services import import_file
    from coalition.reviews.services import create_review

    app.config["IMPORT_INLINE"] = True
    review = create_review(world.users["coordinator"], "CHN", 3, session=31)
    csv = UPR_INFO_CSV.replace("Ratify the Covenant", "Uphold rights in Hong Kong")
    import_file(world.users["coordinator"], "seed.csv", csv.encode(), review)
    job = jobs.create_job(world.users["steering"], "upload.csv", UPR_INFO_CSV.encode(), None)
    db.session.commit()
    jobs.run(app, job.id, dry_run=True)
    from coalition.recommendations.models import Recommendation

    rec_id = db.session.scalars(select(Recommendation.id)).one()
    return review.slug, rec_id, job.id


# --- midterm (issue 11, item 7) ---
def midterm_scene(world: Any, rec_id: int) -> dict[str, int]:
    """A coalition position on the scene's recommendation, so the review has a tracked one."""
    from datetime import date

    from coalition.followup.models import CoalitionPosition

    db.session.add(CoalitionPosition(recommendation_id=rec_id, status="partially",
                                     adopted_on=date(2021, 2, 1), reason="Matrix position.",
                                     organisation_id=world.steering_org.id))
    db.session.commit()
    return {"steering_org_id": world.steering_org.id}
# --- end midterm ---


def assessment_scene(world: Any, rec_id: int) -> int:
    """An assessment by world.org, visible to its own organisation only."""
    from datetime import date

    from coalition.recommendations.models import Recommendation
    from coalition.recommendations.services import add_assessment

    rec = db.session.get(Recommendation, rec_id)
    assessment = add_assessment(world.users["editor"], rec, world.org, "partially",
                                date(2021, 1, 1), visibility="organisation")
    db.session.commit()
    return assessment.id


def notification_scene(world: Any) -> dict[str, Any]:  # notify (issue 11)
    """A notification of the viewer's, and the viewer's digest unsubscribe token."""
    from coalition.notifications.services import notify, unsubscribe_token

    [row] = notify([world.users["viewer"]], "mention", "Matrix mention")
    db.session.commit()
    return {"notification_id": row.id,
            "unsubscribe_token": unsubscribe_token(world.users["viewer"])}


def api_token_scene(world: Any) -> int:
    """A personal API token of the viewer's."""
    from coalition.api.services import create_token

    row, _token = create_token(world.users["viewer"], "Viewer's token", "read", 30)
    db.session.commit()
    return row.id


def saved_view_scene(world: Any) -> int:
    """A saved tracker view of world.org's editor, shared with world.org."""
    from coalition.recommendations.saved_views import save

    view = save(world.users["editor"], "Hong Kong, noted", "q=hong+kong&position=noted",
                world.org)
    db.session.commit()
    return view.id


def statement_scene(world: Any, partner: Any) -> dict[str, int]:
    """Statements drafted by world.org: a draft (co-drafted by `partner`, once submitted to the
    steering committee and sent back), one in review, one open for sign-on, one published
    (signed by world.other)."""
    from datetime import timedelta

    from coalition.core.time import utcnow
    from coalition.statements import services

    users, org = world.users, world.org
    editor, steering, coordinator = users["editor"], users["steering"], users["coordinator"]
    text = "First paragraph.\n\nSecond paragraph.\n"

    draft = services.create_statement(editor, org, "Matrix draft statement", "HRC 40",
                                      co_drafters=[partner], text=text)
    services.transition(editor, draft, "submit")
    services.transition(editor, draft, "back_to_draft")
    services.save_text(editor, draft, org, 1, text.replace("First paragraph.",
                                                           "First paragraph, edited."))
    clash = services.save_text(users["org_admin"], draft, org, 1, text.replace(
        "First paragraph.", "First paragraph, reworded otherwise."))
    assert clash.kind == "conflict"
    comment = services.add_comment(steering, draft, world.steering_org, "Is this right?",
                                   quote="Second paragraph.")

    in_review = services.create_statement(editor, org, "Matrix statement in review", text=text)
    services.transition(editor, in_review, "submit")

    deadline = utcnow() + timedelta(days=30)
    open_ = services.create_statement(editor, org, "Matrix statement open for sign-on",
                                      text=text)
    services.transition(steering, open_, "open_signon", deadline)
    services.sign(users["org_admin"], open_, org)
    services.save_text(editor, open_, org, 1, text + "\nThird paragraph.\n")

    published = services.create_statement(editor, org, "Matrix published statement",
                                          "HRC 40th session", text=text)
    services.transition(steering, published, "open_signon", deadline)
    services.sign(users["other_admin"], published, world.other)
    services.transition(coordinator, published, "publish")
    db.session.commit()
    return {"draft": draft.id, "in_review": in_review.id, "open": open_.id,
            "published": published.id, "conflict_id": clash.conflict.id,
            "comment_id": comment.id}


def sign_in(app: Flask, role: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    if role != "anonymous":
        response = auth.login(EMAILS[role])
        assert response.status_code == 302, f"{role} could not sign in"
    return auth


def outcome(response: Any) -> Any:
    """200/403/404/... or, for a redirect, where it goes."""
    response.close()  # static files are streamed from an open file
    if response.status_code != 302:
        return response.status_code
    location = urlsplit(response.headers["Location"])
    if location.path == "/login":
        # The sign-in page must bring the visitor back to where they were going.
        assert parse_qs(location.query).get("next"), response.headers["Location"]
        return LOGIN
    if location.path == "/":
        return HOME
    return 302


def database_state() -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of all its rows, read on a separate connection."""
    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            state[table.name] = (len(rows), digest)
    return state


def audit_count() -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count(AuditEvent.id))).scalar_one()


# --- the matrix --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(app: Flask, scene: dict[str, Any], role: str) -> None:
    auth = sign_in(app, role)
    params = {**scene, "self_id": scene["user_ids"].get(role, scene["viewer_id"])}
    wrong = []
    for url, allowed, exceptions in GET_ROUTES:
        path = url.format(**params)
        want = expected(role, allowed, 200, exceptions)
        got = outcome(auth.client.get(path))
        if got != want:
            wrong.append(f"GET {url} as {role}: expected {want}, got {got}")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_page_content_by_role(app: Flask, scene: dict[str, Any], role: str) -> None:
    auth = sign_in(app, role)
    wrong = []
    for url, text, roles in PAGE_CONTENT:
        response = auth.client.get(url.format(**scene))
        shown = response.status_code == 200 and text in response.get_data(as_text=True)
        response.close()
        if shown != (role in roles):
            wrong.append(f"GET {url} as {role}: {text!r} {'shown' if shown else 'not shown'}")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_post_matrix(app: Flask, scene: dict[str, Any], role: str) -> None:
    """Each POST as `role`; allowed ones act (and are audited), refused ones change nothing."""
    auth = sign_in(app, role)
    params = {**scene, "my_org": scene["org_ids"].get(role, "")}
    wrong = []
    for what, url, form, allowed, ok, exceptions in POST_ROUTES:
        path = url.format(**params)
        want = expected(role, allowed, ok, exceptions)
        permitted = role in allowed and role not in exceptions
        before, audited_before = database_state(), audit_count()
        if isinstance(form, Json):
            token = auth.csrf("/profile") if role != "anonymous" else auth.csrf("/login")
            response = auth.client.post(path, json=dict(form), headers={"X-CSRFToken": token})
        else:
            form = {key.format(**params): value() if callable(value) else value.format(**params)
                    for key, value in form.items()}
            response = auth.post(path, data=form)
        got = outcome(response)
        after, audited_after = database_state(), audit_count()
        if got != want:
            wrong.append(f"POST {what} ({url}) as {role}: expected {want}, got {got}")
        if permitted and what not in NOT_AUDITED and audited_after <= audited_before:
            wrong.append(f"POST {what} as {role}: allowed, but nothing was audited")
        if not permitted:
            changed = {t: (before[t][0], after[t][0]) for t in before if before[t] != after[t]}
            if changed:
                wrong.append(f"POST {what} as {role}: refused, but changed {changed}")
    assert wrong == []


# --- the API with tokens ------------------------------------------------------------------------
# Every role calls with a write-scoped token of its own (anonymous: none; PUBLIC_TRACKER is off),
# so the policy alone decides, as on the web pages: who gets `ok`, and 403 for every other
# token, 401 without one. Rows: method, url, JSON body, who may, ok status, exceptions.

OWN_ASSESSMENT = {"organisation": "{own_id}", "status": "partially",
                  "assessed_on": "2021-01-01"}
API_RESPONSE = {"kind": "legco", "responded_on": "2021-03-17", "position": "noted"}
API_ROUTES: list[tuple[str, str, dict[str, Any] | None, frozenset[str], int, dict[str, Any]]] = [
    ("GET", "/api/v1/reviews", None, IN_COALITION, 200, {}),
    ("GET", "/api/v1/reviews/{review}", None, IN_COALITION, 200, {}),
    ("GET", "/api/v1/recommendations?review={review}", None, IN_COALITION, 200, {}),
    ("GET", "/api/v1/recommendations/{rec_id}", None, IN_COALITION, 200, {}),
    ("GET", "/api/v1/responses", None, IN_COALITION, 200, {}),
    ("GET", "/api/v1/assessments", None, IN_COALITION, 200, {}),
    ("GET", "/api/v1/states", None, IN_COALITION, 200, {}),
    ("GET", "/api/v1/themes", None, IN_COALITION, 200, {}),
    ("GET", "/api/v1/saved-views", None, IN_COALITION, 200, {}),
    ("GET", "/api/v1/statements", None, EVERYONE, 200, {}),
    ("GET", "/api/v1/statements/{published}", None, EVERYONE, 200, {}),
    ("GET", "/api/v1/statements/{draft}", None, NOBODY, 200, everyone_gets(404)),
    ("GET", "/api/v1/recommendations/999999", None, NOBODY, 200, everyone_gets(404)),
    # Editors of another organisation pass the door but may not write for world.org.
    ("POST", "/api/v1/recommendations/{rec_id}/assessments", OWN_ASSESSMENT,
     COORDINATOR | {"editor", "org_admin"}, 201, {}),
    ("POST", "/api/v1/recommendations/{rec_id}/responses", API_RESPONSE, STEERING, 201, {}),
]


def api_expected(role: str, allowed: frozenset[str], ok: int,
                 exceptions: dict[str, Any]) -> int:
    if role in exceptions:
        return exceptions[role]
    if role in allowed:
        return ok
    return 401 if role == "anonymous" else 403


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(app: Flask, scene: dict[str, Any], role: str) -> None:
    """Each API route with `role`'s token; refused writes change nothing (but the token's
    last use)."""
    from coalition.api.services import create_token

    headers = {}
    if role != "anonymous":
        from coalition.accounts.models import User

        user = db.session.scalars(select(User).where(User.email == EMAILS[role])).one()
        _row, token = create_token(user, "Matrix", "write", 30)
        db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    wrong = []
    for method, url, body, allowed, ok, exceptions in API_ROUTES:
        path = url.format(**scene)
        want = api_expected(role, allowed, ok, exceptions)
        before = {t: v for t, v in database_state().items() if t != "api_token"}
        if body is None:
            response = client.open(path, method=method, headers=headers)
        else:
            data = {k: int(v.format(**scene)) if v.startswith("{") else v
                    for k, v in body.items()}
            response = client.open(path, method=method, headers=headers, json=data)
        after = {t: v for t, v in database_state().items() if t != "api_token"}
        if response.status_code != want:
            wrong.append(f"{method} {url} as {role}: expected {want}, got "
                         f"{response.status_code}")
        if response.status_code >= 400:
            assert response.mimetype == "application/json" and "error" in response.get_json()
        if method == "POST" and want != ok and before != after:
            wrong.append(f"{method} {url} as {role}: refused, but changed the database")
    assert wrong == []


def _shape(path: str) -> str:
    """"/organisations/<slug>/edit" and "/organisations/{own}/edit" both become
    "/organisations/*/edit"."""
    from coalition.statements.services import TRANSITIONS

    fixed = {"own", "oth", "dormant", "no-such-organisation", "app.css", "xyz-9",
             *TRANSITIONS}
    return "/".join("*" if part[:1] in "<{" or part.isdigit() or part in fixed else part
                    for part in path.split("/"))


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    """A new route needs a row here too: every GET route in GET_ROUTES, every guarded POST
    route in POST_ROUTES (public POSTs such as sign-in are tested with their feature)."""
    tested_get = {_shape(url.split("?")[0]) for url, _, _ in GET_ROUTES}
    tested_post = {_shape(url.split("?")[0]) for _, url, _, _, _, _ in POST_ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and _shape(rule.rule) not in tested_get:
            missing.append(f"GET {rule.rule}")
        if ("POST" in rule.methods and rule.endpoint not in PUBLIC_ENDPOINTS
                and _shape(rule.rule) not in tested_post):
            missing.append(f"POST {rule.rule}")
    assert not missing, "routes with no row in the matrix:\n" + "\n".join(sorted(missing))
