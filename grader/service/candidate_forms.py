"""The forms of the candidate's page and of the team's candidates pages (Flask-WTF: CSRF on every POST).

Kept apart from :mod:`.forms` (the dashboard's upload and login) so that
the invitation pages' fields and limits sit next to each other. Times are
entered as ``datetime-local`` fields and read as UTC, which the pages say
next to each field: a browser sends no offset with them.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from .invitations import DEFAULT_MAX_SUBMISSIONS, MAX_SUBMISSIONS, MAX_TIME_LIMIT_MINUTES
from .models import InvitationShows, ReviewStatus

#: How a ``datetime-local`` field is written and read (minutes; no seconds, no offset).
LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
MAX_NOTES = 20_000

SHOWS_CHOICES = [
    (InvitationShows.RECEIPT.value, "a receipt only"),
    (InvitationShows.PUBLIC.value, "the receipt and the public tests' outcome"),
    (InvitationShows.HIDDEN.value, "the receipt and the hidden tests' score (no test names)"),
]
REVIEW_CHOICES = [
    (ReviewStatus.TO_REVIEW.value, "to review"),
    (ReviewStatus.ADVANCE.value, "advance"),
    (ReviewStatus.REJECT.value, "reject"),
]


class SolutionForm(FlaskForm):
    """The candidate's upload: one archive or one ``app.py``."""

    file = FileField("Your solution (.zip, .tar.gz or a single app.py)", validators=[FileRequired()])


class InviteForm(FlaskForm):
    """A new invitation (the dashboard's twin of ``POST /api/v1/invitations``)."""

    challenge = SelectField("Challenge", validators=[DataRequired()])
    name = StringField("Candidate's name", validators=[DataRequired(), Length(max=200)])
    email = StringField(
        "E-mail",
        validators=[
            DataRequired(),
            Regexp(r"^[^@\s]+@[^@\s]+$", message="an e-mail address, such as ann@example.com"),
            Length(max=320),
        ],
    )
    external_id = StringField("External id (ATS, optional)", validators=[Optional(), Length(max=200)])
    deadline = DateTimeLocalField("Deadline (UTC)", format=LOCAL_FORMAT, validators=[DataRequired()])
    time_limit_minutes = IntegerField(
        "Time limit in minutes from the start (optional)",
        validators=[Optional(), NumberRange(1, MAX_TIME_LIMIT_MINUTES)],
    )
    shows = SelectField("After submitting, the candidate sees", choices=SHOWS_CHOICES)
    max_submissions = IntegerField(
        "Submissions allowed",
        default=DEFAULT_MAX_SUBMISSIONS,
        validators=[DataRequired(), NumberRange(1, MAX_SUBMISSIONS)],
    )


class ExtendForm(FlaskForm):
    """A later deadline for one invitation."""

    deadline = DateTimeLocalField("New deadline (UTC)", format=LOCAL_FORMAT, validators=[DataRequired()])


class ReviewForm(FlaskForm):
    """The team's decision on a candidate and its notes (the notes are replaced, as in the API)."""

    review_status = SelectField("Review status", choices=REVIEW_CHOICES)
    notes = TextAreaField("Notes", validators=[Length(max=MAX_NOTES)])
