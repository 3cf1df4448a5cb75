"""E-mail delivery as a background task: a request only enqueues the message.

Sending inline made a password reset for a known address slower than for an unknown one (the
SMTP round trip told them apart) and turned a relay that is down into a 500. The worker sends
instead, and retries: MAIL_RETRIES more attempts, MAIL_RETRY_DELAY seconds apart, each failure
logged (recipient and error, never the body: it holds sign-in links).
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from flask import current_app
from flask_mail import Message

from coalition.extensions import mail
from coalition.tasks import background

logger = logging.getLogger(__name__)

# Fixed at import: Huey's retry policy is part of the task's registration. Five more attempts,
# five minutes apart, ride out a relay restart without flooding it.
MAIL_RETRIES = 5
MAIL_RETRY_DELAY = 300  # seconds


@background("mail.deliver", retries=MAIL_RETRIES, retry_delay=MAIL_RETRY_DELAY, context=True)
def deliver(to: str, subject: str, body: str, task: Any = None) -> None:
    """Send one plain-text message through the configured relay (Flask-Mail).

    Raises the SMTP or socket error so that Huey retries; the log says which attempt failed
    and whether another follows.
    """
    try:
        mail.send(Message(subject=subject, recipients=[to], body=body))
    except (OSError, smtplib.SMTPException) as error:
        left = getattr(task, "retries", 0)
        if left:
            logger.warning("Mail to %s failed (%s); %d more attempt(s) will follow.", to,
                           error, left)
        else:
            logger.error("Mail to %s failed (%s); giving up.", to, error)
        raise
    current_app.logger.info("Mail sent to %s: %s", to, subject)
