"""The application's forms (Flask-WTF). With ``WTF_CSRF_ENABLED`` each renders a hidden ``csrf_token``."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from .helpers import clean_text


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class WebsiteURL:
    """A website must be an ``http://`` or ``https://`` address: a browser runs ``javascript:``, ``data:`` and
    ``vbscript:`` links as script, and escaping does not change that (Flask's doc, Cross-Site Scripting)."""

    message = "Enter an address starting with http:// or https://."

    def __call__(self, form, field):
        if not current_app.config["NOTES_CHECK_WEBSITE_SCHEME"] or not field.data:
            return
        value = field.data
        # no whitespace or controls anywhere: browsers drop them inside a scheme ("java\tscript:")
        if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value) or "\\" in value:
            raise ValidationError(self.message)
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise ValidationError(self.message)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember_me = BooleanField("Remember me")


class RegistrationForm(FlaskForm):
    username = StringField("Username", filters=[_strip], validators=[
        DataRequired(), Length(min=3, max=32),
        Regexp(r"^[A-Za-z0-9_.-]+$", message="Letters, digits, '.', '_' and '-' only.")])
    email = StringField("Email", filters=[_strip], validators=[
        DataRequired(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address.")])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", message="The passwords differ.")])


class NoteForm(FlaskForm):
    title = StringField("Title", filters=[clean_text], validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Text", filters=[clean_text], validators=[Length(max=10000)])


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", filters=[clean_text], validators=[Length(max=64)])
    website = URLField("Website", filters=[_strip], validators=[Optional(), Length(max=500), WebsiteURL()])


class AttachmentForm(FlaskForm):
    attachment = FileField("File", validators=[FileRequired()])


class ResetRequestForm(FlaskForm):
    login = StringField("Username or email", filters=[_strip], validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", message="The passwords differ.")])
