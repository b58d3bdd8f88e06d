"""The dashboard's forms (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class UploadForm(FlaskForm):
    challenge = SelectField("Challenge", validators=[DataRequired()])
    kind = RadioField(
        "What is it",
        choices=[
            ("single", "one submission"),
            ("batch", "an archive of many (one folder or archive per candidate)"),
        ],
        default="single",
    )
    file = FileField("Archive (.zip or .tar.gz)", validators=[FileRequired()])
    candidate = StringField("Candidate label (one submission)", validators=[Length(max=200)])
    regrade = BooleanField("Grade again even if the same content was graded")


class ChallengeUploadForm(FlaskForm):
    """A team's own challenge folder, as an archive (see :mod:`.private`)."""

    file = FileField("Challenge folder (.zip or .tar.gz)", validators=[FileRequired()])


class ActionForm(FlaskForm):
    """A button that changes something (log out, re-grade): only the CSRF token."""
