"""Profiles (``/settings``, ``/u/<username>``) and password reset by email."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from itsdangerous import BadData, URLSafeTimedSerializer

from .forms import ProfileForm, ResetPasswordForm, ResetRequestForm
from .helpers import store

bp = Blueprint("account", __name__)

RESET_MAX_AGE = 3600  # seconds a reset link stays valid


@bp.route("/settings", methods=("GET", "POST"))
@login_required
def settings():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        store().update_profile(current_user.id, form.display_name.data or "", form.website.data or "")
        flash("Profile saved.")
        return redirect(url_for("account.profile", username=current_user.username))
    return render_template("account/settings.html", form=form)


@bp.route("/u/<username>")
def profile(username: str):
    user = store().find_user(username)
    if user is None or user.username != username:
        abort(404)
    return render_template("account/profile.html", user=user, profile=user.profile())


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="notes-password-reset")


def _reset_token(user) -> str:
    # the end of the password hash makes the link single-use: it no longer matches once the password changed
    return _reset_serializer().dumps({"id": user.id, "pw": user.password_hash[-12:]})


@bp.route("/reset-password", methods=("GET", "POST"))
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = store().find_user(form.login.data)
        link = None
        if user is not None:
            link = url_for("account.reset_password", token=_reset_token(user), _external=True)
            store().send_mail(user.email, "Reset your password",
                              f"Open this link within an hour to choose a new password:\n{link}\n")
            current_app.logger.info("password reset link for %s sent to %s", user.username, user.email)
        # the same answer whether or not the account exists
        return render_template("account/reset_sent.html", login=form.login.data, link=link)
    return render_template("account/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=("GET", "POST"))
def reset_password(token: str):
    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
        user = store().user(int(data["id"]))
    except (BadData, KeyError, TypeError, ValueError):
        user = None
    if user is None or user.password_hash[-12:] != data.get("pw"):
        flash("That reset link is invalid or has expired.")
        return redirect(url_for("account.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        store().set_password(user.id, form.password.data)
        flash("Your password has been changed. Please log in.")
        return redirect(url_for("auth.login"))
    return render_template("account/reset_password.html", form=form)
