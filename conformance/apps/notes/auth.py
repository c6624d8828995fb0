"""Registration, login and logout (Flask-Login), following the flaskr tutorial's ``auth`` blueprint."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user

from .extensions import login_manager
from .forms import LoginForm, RegistrationForm
from .helpers import safe_next_url, store
from .store import UsernameTaken

bp = Blueprint("auth", __name__, url_prefix="/auth")


@login_manager.user_loader
def load_user(user_id: str):
    try:
        return store().user(int(user_id))
    except ValueError:
        return None


@login_manager.unauthorized_handler
def unauthorized():
    """JSON for the API, a redirect to the login page (with ``next``) for pages."""
    if request.blueprint == "api":
        return jsonify(error="authentication required"), 401
    flash(login_manager.login_message)
    nxt = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=nxt))


@bp.route("/register", methods=("GET", "POST"))
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            store().add_user(form.username.data, form.email.data, form.password.data)
        except UsernameTaken:
            form.username.errors.append("That username or email is already registered.")
        except ValueError:
            form.username.errors.append("Registration is closed.")
        else:
            flash("Registration complete. Please log in.")
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=("GET", "POST"))
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = store().check_credentials(form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember_me.data)
            session.permanent = True  # PERMANENT_SESSION_LIFETIME applies
            return redirect(safe_next_url(request.args.get("next"), url_for("notes.index")))
        flash("Invalid username or password")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=("POST",))
@login_required
def logout():
    logout_user()
    flash("You have been logged out.")
    return redirect(url_for("notes.index"))
